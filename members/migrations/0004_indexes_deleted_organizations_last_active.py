"""After 0003, in one step: indexes for idempotency keys, the worker's sweep and the activity log's address filters;
deleted organizations' tombstones; the member security permission and last activity; invitees' names and their
requests for a new invitation.

It replaces 0004-0009 (written in one session), so a database that applied those is already up to date here.
"""

from importlib import import_module

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.db.models.functions import Upper

import members.names

# django-tasks-db's table has no index for the sweep of tasks left RUNNING by a dead worker
# (``members.worker.settle_lost_tasks``). The table is theirs, so the index is raw SQL with no model state: an
# ``AddIndex`` on their model would make ``makemigrations`` want to undo it in their app. Partial, so it stays tiny.
# Built inside this migration's transaction: a database that runs this squash (new, or from before the replaced
# 0005, which built it CONCURRENTLY) has few finished tasks to read.
RUNNING_INDEX = "members_dbtaskresult_running_idx"
TASKS_TABLE = "django_tasks_database_dbtaskresult"

# 0003's permissions with two more: Delete project after Create projects, the members' security last (the order
# of ``Organization.Meta.permissions``).
AFTER_0003 = import_module("members.migrations.0003_nonce_api_scim_audit_sort_keys").PERMISSIONS
PERMISSIONS = [
    *AFTER_0003[:7],
    ("delete_projects", "Can delete projects"),
    *AFTER_0003[7:],
    ("view_member_security", "Can see the members' two-factor authentication status and last activity"),
]


def create_running_index(apps, schema_editor):
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {RUNNING_INDEX} ON {TASKS_TABLE} (started_at) WHERE status = 'RUNNING'"
    )


def drop_running_index(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {RUNNING_INDEX}")


def event_address_index(field, name):
    """The activity log filtered by one address: (organization, UPPER(address), newest first)."""
    newest = (models.OrderBy(models.F("created_at"), descending=True), models.OrderBy(models.F("id"), descending=True))
    return migrations.AddIndex(
        model_name="membershipevent", index=models.Index(models.F("organization"), Upper(field), *newest, name=name)
    )


def count(verbose_name):
    return models.PositiveIntegerField(default=0, verbose_name=verbose_name)


DELETED_ORGANIZATION_FIELDS = [
    ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
    ("former_id", models.BigIntegerField(verbose_name="former id")),
    ("name", models.CharField(max_length=100, verbose_name="name")),
    ("slug", models.CharField(max_length=120, verbose_name="slug")),
    ("created_at", models.DateTimeField(verbose_name="created")),
    ("deleted_at", models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="deleted")),
    ("deleted_by_email", models.EmailField(blank=True, max_length=254, verbose_name="deleted by")),
    ("members", count("members")),
    ("invitations", count("pending invitations")),
    ("projects", count("projects")),
    (
        "deleted_by",
        models.ForeignKey(
            null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL
        ),
    ),
]

TOMBSTONE_LINK = models.ForeignKey(
    blank=True,
    null=True,
    on_delete=django.db.models.deletion.CASCADE,
    related_name="events",
    to="members.deletedorganization",
)

INVITEE_NAME = models.CharField(
    blank=True, default="", max_length=150, validators=[members.names.validate_name], verbose_name="name"
)


class Migration(migrations.Migration):
    replaces = [
        ("members", "0004_idempotency_key_created_index"),
        ("members", "0005_running_tasks_index"),
        ("members", "0006_activity_address_indexes"),
        ("members", "0007_deleted_organizations"),
        ("members", "0008_member_security_and_last_active"),
        ("members", "0009_invitation_name_and_new_invitation_requests"),
    ]

    dependencies = [
        ("members", "0003_nonce_api_scim_audit_sort_keys"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="idempotencykey", index=models.Index(fields=["created_at"], name="idempotency_key_created_idx")
        ),
        migrations.RunPython(create_running_index, drop_running_index),
        event_address_index("actor_email", "event_org_actor_idx"),
        event_address_index("target_email", "event_org_target_idx"),
        migrations.AlterModelOptions(name="organization", options={"ordering": ["name"], "permissions": PERMISSIONS}),
        migrations.CreateModel(
            name="DeletedOrganization", fields=DELETED_ORGANIZATION_FIELDS, options={"ordering": ["-deleted_at"]}
        ),
        migrations.AddField(model_name="membershipevent", name="deleted_organization", field=TOMBSTONE_LINK),
        migrations.AddField(
            model_name="user",
            name="last_active_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="last active"),
        ),
        migrations.AddField(model_name="invitation", name="name", field=INVITEE_NAME),
        migrations.AddField(
            model_name="invitation", name="renewal_requested_at", field=models.DateTimeField(blank=True, null=True)
        ),
    ]
