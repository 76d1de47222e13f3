"""Staff admin: useful columns, search and filters; the audit log is read-only."""

from collections.abc import Iterable
from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from members import services
from members.http import client_ip
from members.models import (
    Invitation,
    InvitationProject,
    Membership,
    MembershipEvent,
    Organization,
    OutboundEmail,
    Project,
    ProjectMembership,
    User,
)

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


def is_privileged(user: User) -> bool:
    return user.is_staff or user.is_superuser


def changed_fields(message: Any) -> str:
    """The field names in an admin change message (``[{"changed": {"fields": [...]}}]``)."""
    if not isinstance(message, list):
        return ""
    names = [name for part in message for name in part.get("changed", {}).get("fields", [])]
    return ", ".join(str(name) for name in names)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user", "invited_by"]
    fields = ["user", "role", "created_at", "invited_by"]


class ProjectInline(admin.TabularInline):
    model = Project
    extra = 0
    fields = ["name", "created_at"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "plan_name", "billing_email", "created_at"]
    list_filter = ["plan_name"]
    search_fields = ["name", "slug", "billing_email"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline, ProjectInline]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "created_at"]
    list_filter = ["organization"]
    search_fields = ["name", "organization__name"]
    autocomplete_fields = ["organization"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role", "organization"]
    search_fields = ["user__email", "user__name", "organization__name"]
    autocomplete_fields = ["user", "organization", "invited_by"]
    list_select_related = ["user", "organization"]


@admin.register(ProjectMembership)
class ProjectMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "project", "role", "created_at"]
    list_filter = ["role", "project__organization"]
    search_fields = ["user__email", "project__name"]
    autocomplete_fields = ["user", "project"]
    list_select_related = ["user", "project"]


class InvitationProjectInline(admin.TabularInline):
    model = InvitationProject
    extra = 0
    autocomplete_fields = ["project"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organization", "role", "status", "delivery_status", "invited_by", "sent_at", "expires_at"]
    list_filter = ["status", "delivery_status", "role", "organization"]
    search_fields = ["email", "organization__name"]
    readonly_fields = ["nonce", "created_at", "sent_at", "responded_at", "accepted_by"]
    exclude = ["nonce"]
    autocomplete_fields = ["organization", "invited_by"]
    inlines = [InvitationProjectInline]
    list_select_related = ["organization", "invited_by"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


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
        "ip_address",
    ]
    list_filter = ["action", "organization"]
    search_fields = ["actor_email", "target_email", "organization_name"]
    date_hierarchy = "created_at"


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "to_email", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["to_email", "provider_message_id"]
    exclude = ["context", "invitation_nonce"]
