"""Everything after the foundation, in one step: the invitation nonce column, API tokens and idempotency keys, SCIM
users and groups, the audit fields, choices kept in code, the Members page sort keys, two-factor and the name rules.

It replaces 0003-0014 (written in one session), so a database that applied those is already up to date here.
The schema operations come first and the data moves last, each with its reverse.
"""

import uuid

import django.db.models.deletion
import django.db.models.functions.text
import django.utils.timezone
from django.conf import settings
from django.contrib.postgres.operations import BtreeGinExtension, TrigramExtension
from django.db import migrations, models

import members.names
from members.sortkeys import invitation_key, membership_keys

# What the templates need stays in ``context``; the invitation's nonce, which the worker and the
# delivery status compare against, has its own column. The accept link is named in ``links``.
LINKS = {"accept_url": "invitation"}

# PostgreSQL only: search scoped to the organization over trigram indexes (LIKE '%q%' on the folded keys).
TRIGRAM_INDEXES = {
    "membership_org_search_trgm": "ON members_membership USING gin (organization_id, search_key gin_trgm_ops)",
    "invitation_org_search_trgm": "ON members_invitation USING gin (organization_id, sort_name gin_trgm_ops)"
    " WHERE status = 'pending'",
}


def nonce_to_column(apps, schema_editor):
    OutboundEmail = apps.get_model("members", "OutboundEmail")
    changed = []
    for outbound in OutboundEmail.objects.filter(kind="invitation").iterator():
        outbound.invitation_nonce = str(outbound.context.pop("nonce", "") or "")
        outbound.context.setdefault("links", LINKS)
        changed.append(outbound)
    OutboundEmail.objects.bulk_update(changed, ["invitation_nonce", "context"], batch_size=500)


def nonce_to_context(apps, schema_editor):
    OutboundEmail = apps.get_model("members", "OutboundEmail")
    changed = []
    for outbound in OutboundEmail.objects.filter(kind="invitation").iterator():
        outbound.context["nonce"] = outbound.invitation_nonce
        outbound.context.pop("links", None)
        changed.append(outbound)
    OutboundEmail.objects.bulk_update(changed, ["context"], batch_size=500)


def in_batches(queryset, fields, fill):
    batch = []
    for row in queryset.iterator(chunk_size=2000):
        fill(row)
        batch.append(row)
        if len(batch) == 2000:
            queryset.model.objects.bulk_update(batch, fields)
            batch = []
    queryset.model.objects.bulk_update(batch, fields)


def fill_keys(apps, schema_editor):
    """Keys for the rows that exist, in batches (the model layer keeps them current from now on)."""

    def membership(row):
        row.sort_name, row.search_key = membership_keys(row.user)

    def invitation(row):
        row.sort_name = invitation_key(row.email)

    memberships = apps.get_model("members", "Membership").objects.select_related("user")
    in_batches(memberships, ["sort_name", "search_key"], membership)
    in_batches(apps.get_model("members", "Invitation").objects.all(), ["sort_name"], invitation)


def trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, definition in TRIGRAM_INDEXES.items():
            schema_editor.execute(f"CREATE INDEX {name} {definition}")


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in TRIGRAM_INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def plain(max_length, **kwargs):
    """A CharField whose choices live in code only (changing them needs no migration)."""
    return models.CharField(max_length=max_length, **kwargs)


def named(max_length, **kwargs):
    return models.CharField(max_length=max_length, validators=[members.names.validate_name], **kwargs)


def created_now():
    return models.DateTimeField(default=django.utils.timezone.now)


def org_key(related_name):
    return models.ForeignKey(
        on_delete=django.db.models.deletion.CASCADE, related_name=related_name, to="members.organization"
    )


def user_link(**kwargs):
    return models.ForeignKey(
        null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL, **kwargs
    )


def auto_id():
    return models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")


def key_field():
    return models.TextField(default="", editable=False)


def index(model_name, name, *fields):
    return migrations.AddIndex(model_name=model_name, index=models.Index(fields=list(fields), name=name))


PERMISSIONS = [
    ("manage_members", "Can invite, edit the role of and remove members"),
    ("view_members", "Can see the members of the organization"),
    ("view_settings", "Can view organization settings"),
    ("change_settings", "Can change organization settings"),
    ("view_billing", "Can view billing"),
    ("change_billing", "Can change billing"),
    ("create_projects", "Can create and rename projects"),
    ("manage_api_tokens", "Can create and revoke the organization's API tokens"),
    ("view_activity", "Can see and export the activity log of the organization"),
    ("export_members", "Can export the members of the organization as a file"),
]

REASONS = [
    ("inviter_demoted", "The inviter is no longer an Organization Owner"),
    ("inviter_removed", "The inviter was removed from the organization"),
    ("inviter_left", "The inviter left the organization"),
]

# Fields whose choices moved to code: (model, field, new field).
CHOICES_IN_CODE = [
    ("invitation", "delivery_status", plain(20, default="queued")),
    ("invitation", "role", plain(20, default="member", verbose_name="Organization Role")),
    ("invitation", "status", plain(20, default="pending")),
    ("invitationproject", "role", plain(20, verbose_name="project role")),
    ("membership", "role", plain(20, default="member", verbose_name="Organization Role")),
    ("membershipevent", "action", plain(40)),
    ("outboundemail", "kind", plain(40)),
    ("outboundemail", "status", plain(20, default="queued")),
    ("projectmembership", "role", plain(20, verbose_name="project role")),
]

API_TOKENS = [
    migrations.CreateModel(
        name="ApiToken",
        fields=[
            ("id", auto_id()),
            ("name", models.CharField(max_length=100, verbose_name="name")),
            ("prefix", models.CharField(max_length=16)),
            ("secret_hash", models.CharField(max_length=64, unique=True)),
            ("scopes", models.JSONField(default=list)),
            ("created_at", created_now()),
            ("expires_at", models.DateTimeField()),
            ("last_used_at", models.DateTimeField(blank=True, null=True)),
            ("revoked_at", models.DateTimeField(blank=True, null=True)),
            ("created_by", user_link(related_name="api_tokens")),
            ("organization", org_key("api_tokens")),
            ("revoked_by", user_link(blank=True, related_name="+")),
        ],
        options={"ordering": ["-created_at"]},
    ),
    migrations.CreateModel(
        name="IdempotencyKey",
        fields=[
            ("id", auto_id()),
            ("key", models.CharField(max_length=255)),
            ("request_hash", models.CharField(max_length=64)),
            ("status_code", models.PositiveSmallIntegerField(null=True)),
            ("response", models.JSONField(null=True)),
            ("created_at", created_now()),
            (
                "token",
                models.ForeignKey(
                    on_delete=django.db.models.deletion.CASCADE, related_name="+", to="members.apitoken"
                ),
            ),
        ],
        options={
            "constraints": [models.UniqueConstraint(fields=("token", "key"), name="one_idempotency_key_per_token")],
        },
    ),
]

SCIM = [
    migrations.CreateModel(
        name="ScimGroup",
        fields=[
            ("id", auto_id()),
            ("scim_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
            (
                "default_role",
                models.CharField(
                    choices=[
                        ("admin", "Project Admin"),
                        ("read_write", "Project Read-Write"),
                        ("read_only", "Project Read-Only"),
                    ],
                    default="read_only",
                    max_length=20,
                ),
            ),
            ("resource", models.JSONField(default=dict)),
            ("member_ids", models.JSONField(default=list)),
            ("created_at", created_now()),
            ("updated_at", created_now()),
            ("organization", org_key("scim_groups")),
            (
                "project",
                models.OneToOneField(
                    on_delete=django.db.models.deletion.CASCADE, related_name="scim_group", to="members.project"
                ),
            ),
        ],
        options={"ordering": ["created_at", "pk"]},
    ),
    migrations.CreateModel(
        name="ScimUser",
        fields=[
            ("id", auto_id()),
            ("scim_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
            ("user_name", models.CharField(max_length=255)),
            ("email", models.EmailField(max_length=254)),
            ("active", models.BooleanField(default=True)),
            ("resource", models.JSONField(default=dict)),
            ("created_at", created_now()),
            ("updated_at", created_now()),
            (
                "invitation",
                models.ForeignKey(
                    blank=True,
                    null=True,
                    on_delete=django.db.models.deletion.SET_NULL,
                    related_name="+",
                    to="members.invitation",
                ),
            ),
            ("organization", org_key("scim_users")),
            ("user", user_link(blank=True, related_name="+")),
        ],
        options={
            "ordering": ["created_at", "pk"],
            "constraints": [
                models.UniqueConstraint(
                    models.F("organization"),
                    django.db.models.functions.text.Lower("user_name"),
                    name="one_scim_user_name_per_org",
                )
            ],
        },
    ),
]

AUDIT_FIELDS = [
    ("detail", models.CharField(blank=True, max_length=255)),
    ("api_token_name", models.CharField(blank=True, max_length=100)),
    (
        "api_token",
        models.ForeignKey(
            blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="members.apitoken"
        ),
    ),
    ("project_access", models.JSONField(blank=True, default=dict)),
    ("reason", models.CharField(blank=True, choices=REASONS, db_default="", default="", max_length=40)),
    ("request_id", models.CharField(blank=True, db_default="", default="", max_length=64)),
]

# The Members page sorts and filters on stored keys; two 0001 indexes change their columns.
MEMBERS_PAGE_INDEXES = [
    migrations.RemoveIndex(model_name="invitation", name="invitation_org_status_idx"),
    migrations.RemoveIndex(model_name="membership", name="membership_org_role_idx"),
    migrations.AddField(model_name="invitation", name="sort_name", field=key_field()),
    migrations.AddField(model_name="membership", name="search_key", field=key_field()),
    migrations.AddField(model_name="membership", name="sort_name", field=key_field()),
    index("invitation", "invitation_org_status_idx", "organization", "status", "sent_at", "id"),
    index("invitation", "invitation_org_name_idx", "organization", "status", "sort_name", "id"),
    index("invitation", "invitation_org_role_idx", "organization", "status", "role", "sort_name", "id"),
    index("membership", "membership_org_name_idx", "organization", "sort_name", "id"),
    index("membership", "membership_org_role_idx", "organization", "role", "sort_name", "id"),
    index("membership", "membership_org_date_idx", "organization", "created_at", "id"),
]


class Migration(migrations.Migration):
    replaces = [
        ("members", "0003_outboundemail_invitation_nonce"),
        ("members", "0004_account_emails"),
        ("members", "0005_account_admin_audit"),
        ("members", "0006_api_tokens"),
        ("members", "0007_activity_log"),
        ("members", "0008_address_released_email"),
        ("members", "0009_export_members_and_bulk_actions"),
        ("members", "0010_choices_stay_in_code"),
        ("members", "0011_api_project_access_and_scim"),
        ("members", "0012_members_page_sort_keys"),
        ("members", "0013_two_factor"),
        ("members", "0014_audit_fields_and_name_rules"),
    ]

    dependencies = [("members", "0002_cache_table")]

    operations = [
        migrations.AlterModelOptions(name="organization", options={"ordering": ["name"], "permissions": PERMISSIONS}),
        migrations.AddField(
            model_name="organization",
            name="require_two_factor",
            field=models.BooleanField(default=False, verbose_name="Require two-factor authentication"),
        ),
        *(
            migrations.AlterField(model_name=model, name="name", field=field)
            for model, field in [
                ("organization", named(100, verbose_name="name")),
                ("project", named(100, verbose_name="name")),
                ("user", named(150, blank=True, verbose_name="name")),
            ]
        ),
        *(migrations.AlterField(model_name=model, name=name, field=field) for model, name, field in CHOICES_IN_CODE),
        migrations.AddField(
            model_name="outboundemail", name="invitation_nonce", field=models.CharField(blank=True, max_length=64)
        ),
        *API_TOKENS,
        *SCIM,
        *(migrations.AddField(model_name="membershipevent", name=name, field=field) for name, field in AUDIT_FIELDS),
        # The activity log pages by (created_at, id).
        migrations.RemoveIndex(model_name="membershipevent", name="event_org_created_idx"),
        index("membershipevent", "event_org_created_id_idx", "organization", "-created_at", "-id"),
        *MEMBERS_PAGE_INDEXES,
        TrigramExtension(),
        BtreeGinExtension(),
        migrations.RunPython(trigram_indexes, drop_trigram_indexes),
        migrations.RunPython(nonce_to_column, nonce_to_context),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
    ]
