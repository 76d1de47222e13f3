"""The domain model: organizations, projects, who belongs where, invitations, and what happened.
Users are ``members.users`` (re-exported here)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F
from django.db.models.functions import Lower, Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.fields import ChoicesCharField
from members.names import validate_name
from members.roles import ORGANIZATION_PERMISSIONS, PROJECT_PERMISSIONS, OrgRole, ProjectRole
from members.sortkeys import KeyedModel, invitation_key, membership_keys

# Re-exported: the code imports User from here, and migrations name members.models.UserManager.
from members.users import User as User
from members.users import UserManager as UserManager


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


def org_role_field() -> ChoicesCharField:
    """The Organization Role of a member, or the one an invitation offers."""
    return ChoicesCharField(_("Organization Role"), max_length=20, choices=OrgRole.choices, default=OrgRole.MEMBER)


def project_role_field() -> ChoicesCharField:
    """The Project Role a member has on a project, or the one an invitation offers."""
    return ChoicesCharField(_("project role"), max_length=20, choices=ProjectRole.choices)


class Organization(models.Model):
    name = models.CharField(_("name"), max_length=100, validators=[validate_name])
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    billing_email = models.EmailField(_("billing contact email"), blank=True)
    plan_name = models.CharField(_("plan"), max_length=50, default="Free")
    billing_address = models.TextField(_("billing address"), blank=True)
    # While on, a member without two-factor authentication is sent to set it up before any page of it.
    require_two_factor = models.BooleanField(_("Require two-factor authentication"), default=False)

    class Meta:
        ordering = ["name"]
        permissions = list(ORGANIZATION_PERMISSIONS.items())

    def __str__(self) -> str:
        return self.name


class Project(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="projects")
    name = models.CharField(_("name"), max_length=100, validators=[validate_name])
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        permissions = list(PROJECT_PERMISSIONS.items())
        constraints = [
            models.UniqueConstraint("organization", Lower("name"), name="project_name_unique_per_org"),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(KeyedModel):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = org_role_field()
    created_at = models.DateTimeField(_("joined"), default=timezone.now)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The Members page's keys (members.sortkeys): the user's folded name or address, and name + address.
    sort_name = models.TextField(default="", editable=False)
    search_key = models.TextField(default="", editable=False)

    class Meta:
        ordering = ["organization", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="one_membership_per_org_user"),
        ]
        # Each serves one Members page order as an index scan that stops after a page (keyset pagination).
        indexes = [
            models.Index(fields=["organization", "sort_name", "id"], name="membership_org_name_idx"),
            models.Index(fields=["organization", "role", "sort_name", "id"], name="membership_org_role_idx"),
            models.Index(fields=["organization", "created_at", "id"], name="membership_org_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} ({self.get_role_display()})"

    def fill_keys(self) -> None:
        self.sort_name, self.search_key = membership_keys(self.user)


class ProjectMembership(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="project_memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="project_memberships")
    role = project_role_field()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["project__name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="one_project_membership_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.project} ({self.get_role_display()})"


class Invitation(KeyedModel):
    """An offer to join an organization, sent to an email address."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        REVOKED = "revoked", _("Revoked")

    class Delivery(models.TextChoices):
        QUEUED = "queued", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Email failed")
        BOUNCED = "bounced", _("Email bounced")
        REJECTED = "rejected", _("Email rejected")
        LINK_ONLY = "link_only", _("Link copied, not emailed")  # no email: the owner delivers the link themselves

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email address"))
    # The name the inviter typed with the address ("Dave Smith <dave@…>"): pre-fills the invitee's at sign-up.
    name = models.CharField(_("name"), max_length=150, blank=True, default="", validators=[validate_name])
    role = org_role_field()
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations_sent"
    )
    status = ChoicesCharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    # Signed into the link together with the id; rotating it kills every older link.
    nonce = models.CharField(max_length=64, default=new_nonce)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    delivery_status = ChoicesCharField(max_length=20, choices=Delivery.choices, default=Delivery.QUEUED)
    renewal_requested_at = models.DateTimeField(null=True, blank=True)  # last Ask for a new invitation (rate limit)
    # The Members page's sort and search key (members.sortkeys): the folded address.
    sort_name = models.TextField(default="", editable=False)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                "organization",
                Lower("email"),
                condition=models.Q(status="pending"),
                name="one_pending_invitation_per_org_email",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "sent_at", "id"], name="invitation_org_status_idx"),
            models.Index(fields=["organization", "status", "sort_name", "id"], name="invitation_org_name_idx"),
            models.Index(fields=["organization", "status", "role", "sort_name", "id"], name="invitation_org_role_idx"),
            models.Index(fields=["invited_by", "sent_at"], name="invitation_inviter_sent_idx"),
        ]

    def __str__(self) -> str:
        return f"Invitation for {self.email} to {self.organization}"

    def fill_keys(self) -> None:
        self.sort_name = invitation_key(self.email)


class InvitationProject(models.Model):
    """Project access granted when the invitation is accepted."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="project_grants")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    role = project_role_field()

    class Meta:
        ordering = ["project__name"]
        constraints = [models.UniqueConstraint(fields=["invitation", "project"], name="one_grant_per_project")]

    def __str__(self) -> str:
        return f"{self.project} ({self.get_role_display()})"


def _by_address_index(column: str, *, name: str) -> models.Index:
    """The organization's events of one address (case-blind, as the Activity filters compare), newest first."""
    return models.Index(F("organization"), Upper(column), F("created_at").desc(), F("id").desc(), name=name)


class MembershipEvent(models.Model):
    """An audit row, written in the same transaction as the change it records."""

    class Action(models.TextChoices):
        ORGANIZATION_CREATED = "organization_created", _("Organization created")
        INVITED = "invited", _("Invited")
        INVITATION_RESENT = "invitation_resent", _("Invitation resent")
        INVITATION_REVOKED = "invitation_revoked", _("Invitation revoked")
        # A fresh link was shown to an owner to deliver themselves (the link itself is never recorded).
        INVITATION_LINK_COPIED = "invitation_link_copied", _("Invitation link copied")
        # The invitee of an expired or revoked invitation asked for a new one (Ask for a new invitation).
        NEW_INVITATION_REQUESTED = "new_invitation_requested", _("New invitation requested")
        INVITATION_ACCEPTED = "invitation_accepted", _("Invitation accepted")
        INVITATION_DECLINED = "invitation_declined", _("Invitation declined")
        # A pending invitation's role or project access edited before it was accepted (its link still works).
        INVITATION_CHANGED = "invitation_changed", _("Invitation changed")
        ROLE_CHANGED = "role_changed", _("Role changed")
        MEMBER_REMOVED = "member_removed", _("Member removed")
        MEMBER_LEFT = "member_left", _("Member left")
        # Accounts changed by staff in the Django admin (no organization).
        USER_ADDED = "user_added", _("Account added in the admin")
        USER_CHANGED = "user_changed", _("Account changed in the admin")
        USER_DELETED = "user_deleted", _("Account deleted in the admin")
        API_TOKEN_CREATED = "api_token_created", _("API token created")
        API_TOKEN_REVOKED = "api_token_revoked", _("API token revoked")
        MEMBERS_EXPORTED = "members_exported", _("Members exported")
        ACTIVITY_EXPORTED = "activity_exported", _("Activity exported")
        BULK_ACTION = "bulk_action", _("Bulk action")
        PROJECT_ACCESS_CHANGED = "project_access_changed", _("Project access changed")
        MEMBER_PROVISIONED = "member_provisioned", _("Member added by the identity provider")
        # A user's own two-factor authentication (no organization).
        TOTP_ACTIVATED = "totp_activated", _("Authenticator app activated")
        TOTP_DEACTIVATED = "totp_deactivated", _("Authenticator app deactivated")
        SECURITY_KEY_ADDED = "security_key_added", _("Security key added")
        SECURITY_KEY_REMOVED = "security_key_removed", _("Security key removed")
        RECOVERY_CODES_GENERATED = "recovery_codes_generated", _("Recovery codes generated")
        RECOVERY_CODE_USED = "recovery_code_used", _("Recovery code used")
        NAME_CHANGED = "name_changed", _("Display name changed")  # a user's own account (no organization)
        # An organization's requirement.
        TWO_FACTOR_REQUIRED = "two_factor_required", _("Two-factor authentication required")
        TWO_FACTOR_NOT_REQUIRED = "two_factor_not_required", _("Two-factor authentication no longer required")
        TWO_FACTOR_BLOCKED = "two_factor_blocked", _("Blocked until two-factor authentication is set up")
        SETTINGS_CHANGED = "settings_changed", _("Organization settings changed")
        BILLING_CHANGED = "billing_changed", _("Billing changed")
        PROJECT_CREATED = "project_created", _("Project created")
        PROJECT_RENAMED = "project_renamed", _("Project renamed")
        PROJECT_DELETED = "project_deleted", _("Project deleted")
        ORGANIZATION_DELETED = "organization_deleted", _("Organization deleted")
        OWNERSHIP_TRANSFERRED = "ownership_transferred", _("Ownership transferred")
        # A signed-in member's write that their role does not allow (HTTP 403); ``detail`` names it.
        REFUSED = "refused", _("Refused: not allowed")

    class Reason(models.TextChoices):
        """Why a change happened that nobody asked for directly (an invitation revoked with its sender's role)."""

        INVITER_DEMOTED = "inviter_demoted", _("The inviter is no longer an Organization Owner")
        INVITER_REMOVED = "inviter_removed", _("The inviter was removed from the organization")
        INVITER_LEFT = "inviter_left", _("The inviter left the organization")

    organization = models.ForeignKey(Organization, null=True, on_delete=models.SET_NULL, related_name="events")
    organization_name = models.CharField(max_length=100)
    # Once the organization is deleted: its tombstone, which keeps these rows for staff until the retention ends.
    deleted_organization = models.ForeignKey(
        "DeletedOrganization", null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    actor_email = models.EmailField(blank=True)
    action = ChoicesCharField(max_length=40, choices=Action.choices)
    target_email = models.EmailField(blank=True)
    old_role = models.CharField(max_length=20, blank=True)
    new_role = models.CharField(max_length=20, blank=True)
    # What changed, when the action alone does not say (the fields staff changed on an account).
    detail = models.CharField(max_length=255, blank=True)
    # Database defaults too: rows inserted by SQL (bulk imports, the query-plan tests) need not name them.
    reason = models.CharField(max_length=40, choices=Reason.choices, blank=True, default="", db_default="")
    # The request that made the change (X-Request-ID) and the client's address as the trusted proxies give it;
    # filled in from the request being served for every row (members.audit).
    request_id = models.CharField(max_length=64, blank=True, default="", db_default="")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # Set when the change came through the API or SCIM: the token acted, on its creator's authority.
    api_token = models.ForeignKey("ApiToken", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    api_token_name = models.CharField(max_length=100, blank=True)
    # Project access before and after the change, {"before": {project name: project role}, "after": ...}.
    project_access = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        # The Activity page's keyset order, newest first (also serves "this organization's events"); filtered by
        # actor or by person affected (``iexact``: UPPER(...) = UPPER(...)), the same order within that address,
        # so a rare address's page reads its own few rows, not the organization's million.
        indexes = [
            models.Index(fields=["organization", "-created_at", "-id"], name="event_org_created_id_idx"),
            _by_address_index("actor_email", name="event_org_actor_idx"),
            _by_address_index("target_email", name="event_org_target_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.target_email}"


class OutboundEmail(models.Model):
    """A notification to deliver, recorded in the transaction of the change that causes it.

    The background task renders it from ``kind`` and ``context`` (ids and names only, never a
    token) and sends it through anymail; ``status`` makes delivery happen once.
    """

    class Kind(models.TextChoices):
        INVITATION = "invitation", _("Invitation")
        ROLE_CHANGED = "role_changed", _("Role changed")
        INVITATION_REVOKED = "invitation_revoked", _("Invitation revoked")
        REMOVED = "removed", _("Removed from organization")
        INVITATION_ACCEPTED = "invitation_accepted", _("Invitation accepted")
        INVITATION_DECLINED = "invitation_declined", _("Invitation declined")
        ACCOUNT = "account", _("Account email")  # allauth's own, rendered by members.account_emails
        ADDRESS_RELEASED = "address_released", _("Unverified address removed")
        API_TOKEN_CREATED = "api_token_created", _("API token created")
        API_TOKEN_REVOKED = "api_token_revoked", _("API token revoked")
        MEMBER_ADDED = "member_added", _("Added to organization")
        TWO_FACTOR_REQUIRED = "two_factor_required", _("Two-factor authentication required")
        ORGANIZATION_DELETED = "organization_deleted", _("Organization deleted")
        PROJECT_DELETED = "project_deleted", _("Project deleted")
        OWNERSHIP_TRANSFERRED = "ownership_transferred", _("Ownership transferred to you")
        ACCESS_CHANGED = "access_changed", _("Access changed")
        MEMBER_LEFT = "member_left", _("Member left")
        NEW_INVITATION_REQUESTED = "new_invitation_requested", _("New invitation requested")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    kind = ChoicesCharField(max_length=40, choices=Kind.choices)
    to_email = models.EmailField()
    organization = models.ForeignKey(Organization, null=True, on_delete=models.SET_NULL, related_name="+")
    invitation = models.ForeignKey(Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="emails")
    context = models.JSONField(default=dict, blank=True)
    # An invitation email is for the invitation's nonce at the time it was queued; a resend or revoke
    # rotates the nonce, and this email then no longer speaks for the invitation.
    invitation_nonce = models.CharField(max_length=64, blank=True)
    status = ChoicesCharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    provider_message_id = models.CharField(max_length=255, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbound_status_next_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.to_email} ({self.get_status_display()})"

    def is_superseded(self) -> bool:
        """An invitation email that no longer speaks for its invitation: the invitation is gone, or it was
        resent or revoked since this email was queued (both rotate the nonce)."""
        if self.kind != self.Kind.INVITATION:
            return False
        return self.invitation is None or self.invitation.nonce != self.invitation_nonce


# API tokens and SCIM provisioning's records live in their own modules; imported here so Django
# registers them and ``from members.models import ApiToken`` keeps working.
from members.scim_models import ScimGroup, ScimUser  # noqa: E402
from members.token_models import ApiToken, IdempotencyKey  # noqa: E402
from members.tombstone_models import DeletedOrganization  # noqa: E402

__all__ = ["ApiToken", "DeletedOrganization", "IdempotencyKey", "ScimGroup", "ScimUser"]
