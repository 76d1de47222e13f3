"""Staff admin: useful columns, search and filters; the audit log is read-only."""

from collections.abc import Iterable
from typing import Any

from allauth.account.admin import EmailAddressAdmin
from allauth.account.models import EmailAddress
from django.contrib import admin
from django.contrib.admin.options import ActionLocation
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from members import services

# Importing it registers organizations, projects, memberships and invitations.
from members.admin_organizations import ReadOnlyAdmin
from members.http import client_ip
from members.models import DeletedOrganization, MembershipEvent, OutboundEmail, User

# Fields only a superuser may change: staff must not be able to raise their own powers.
PRIVILEGE_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "is_active", "is_staff", "is_superuser", "date_joined", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    search_fields = ["email", "name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("name",)}),
        (_("Permissions"), {"fields": ("is_active", *PRIVILEGE_FIELDS)}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "name", "password1", "password2")}),)
    readonly_fields = ["last_login", "date_joined"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += PRIVILEGE_FIELDS
        return fields

    # Only a superuser may change (password, email, flags, permissions) or delete a staff account or a
    # superuser: otherwise staff with "change user" could take over a superuser's account and climb.
    # Django's password page and bulk delete ask these same questions, per account.
    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and is_privileged(obj) and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and is_privileged(obj) and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    # Every change to an account made here is also an audit row (besides the admin's own history).
    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        entry = super().log_addition(request, obj, message)
        self._audit(request, obj, MembershipEvent.Action.USER_ADDED, message)
        return entry

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        entry = super().log_change(request, obj, message)
        self._audit(request, obj, MembershipEvent.Action.USER_CHANGED, message)
        return entry

    def log_deletions(self, request: HttpRequest, queryset: Iterable[Any]) -> Any:
        entries = super().log_deletions(request, queryset)
        for user in queryset:
            self._audit(request, user, MembershipEvent.Action.USER_DELETED, "")
        return entries

    def _audit(self, request: HttpRequest, user: User, action: str, message: Any) -> None:
        services.record_account_event(
            user, actor=request.user, action=action, detail=changed_fields(message), ip=client_ip(request)
        )


# allauth's email-address admin is a way up too: a verified address added to a superuser's account
# (or an address of theirs marked verified) would receive its password reset. Same rule, same audit.
admin.site.unregister(EmailAddress)


@admin.register(EmailAddress)
class GuardedEmailAddressAdmin(EmailAddressAdmin):
    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and is_privileged(obj.user) and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and is_privileged(obj.user) and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(
        self, request: HttpRequest, action_location: ActionLocation = ActionLocation.CHANGE_LIST
    ) -> dict[str, Any]:
        # "Mark as verified" and bulk delete act on a whole selection: superusers only.
        return super().get_actions(request, action_location) if request.user.is_superuser else {}

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if is_privileged(obj.user) and not request.user.is_superuser:
            raise PermissionDenied  # adding an address to a staff or superuser account
        super().save_model(request, obj, form, change)

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        entry = super().log_addition(request, obj, message)
        _audit_address(request, obj, f"added {obj.email}")
        return entry

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        entry = super().log_change(request, obj, message)
        _audit_address(request, obj, f"{obj.email}: {changed_fields(message)}")
        return entry

    def log_deletions(self, request: HttpRequest, queryset: Iterable[Any]) -> Any:
        entries = super().log_deletions(request, queryset)
        for address in queryset:
            _audit_address(request, address, f"deleted {address.email}")
        return entries


def _audit_address(request: HttpRequest, address: EmailAddress, detail: str) -> None:
    services.record_account_event(
        address.user,
        actor=request.user,
        action=MembershipEvent.Action.USER_CHANGED,
        detail=f"email address {detail}",
        ip=client_ip(request),
    )


def is_privileged(user: User) -> bool:
    return user.is_staff or user.is_superuser


def changed_fields(message: Any) -> str:
    """The field names in an admin change message (``[{"changed": {"fields": [...]}}]``)."""
    if not isinstance(message, list):
        return ""
    names = [name for part in message for name in part.get("changed", {}).get("fields", [])]
    return ", ".join(str(name) for name in names)


@admin.register(MembershipEvent)
class MembershipEventAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "organization_name",
        "action",
        "actor_email",
        "target_email",
        "old_role",
        "new_role",
        "detail",
        "reason",
        "ip_address",
        "request_id",
    ]
    # No organization filter: it would list every organization in the sidebar. Search by name, or follow
    # ?organization__id__exact=<id> (allowed below).
    list_filter = ["action", "reason"]
    search_fields = ["actor_email", "target_email", "organization_name", "request_id"]
    date_hierarchy = "created_at"

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        return lookup in {"organization__id__exact", "deleted_organization__id__exact"} or super().lookup_allowed(
            lookup, value, request
        )


@admin.register(DeletedOrganization)
class DeletedOrganizationAdmin(ReadOnlyAdmin):
    """What is left of a deleted organization, and a link to its audit trail (kept until the retention ends)."""

    list_display = ["name", "slug", "deleted_at", "deleted_by_email", "members", "invitations", "projects", "trail"]
    search_fields = ["name", "slug", "deleted_by_email"]
    date_hierarchy = "deleted_at"
    exclude = ["deleted_by"]
    readonly_fields = ["trail"]

    @admin.display(description=_("Activity"))
    def trail(self, obj: DeletedOrganization) -> str:
        url = reverse("admin:members_membershipevent_changelist") + f"?deleted_organization__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Its audit events"))


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "to_email", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["to_email", "provider_message_id"]
    exclude = ["context", "invitation_nonce"]
