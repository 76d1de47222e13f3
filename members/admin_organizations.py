"""Staff admin for organizations, projects, memberships and invitations: every write it offers goes through the
same service as the console, with the staff user as the actor (last-owner rule, locks, audit row, email); what
has no service is not offered. A refusal is an admin error message, never a 500. No page lists every member of
an organization: it links to the filtered membership list, and foreign keys to users or organizations use
autocomplete widgets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.options import ActionLocation
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from members import services
from members.exceptions import DomainError
from members.models import Invitation, InvitationProject, Membership, Organization, Project, ProjectMembership

REFUSED = "_members_admin_refused"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows staff may look at but not add, change or delete here (the console's services make those changes)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ServiceAdmin(admin.ModelAdmin):
    """Calls services instead of saving or deleting rows itself."""

    def get_actions(
        self, request: HttpRequest, action_location: ActionLocation = ActionLocation.CHANGE_LIST
    ) -> dict[str, Any]:
        actions = super().get_actions(request, action_location)
        actions.pop("delete_selected", None)  # a bulk delete would bypass the service
        return actions

    def run_service(self, request: HttpRequest, service: Callable[..., Any], *args: Any, **kwargs: Any) -> bool:
        """Call ``service`` as the staff user; a refusal becomes an error message and undoes the admin's own log."""
        try:
            service(*args, actor=request.user, **kwargs)
        except DomainError as error:
            self.refused(request, error)
            return False
        return True

    def refused(self, request: HttpRequest, error: DomainError) -> None:
        self.message_user(request, error.message, messages.ERROR)
        setattr(request, REFUSED, True)

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        return None if getattr(request, REFUSED, False) else super().log_change(request, obj, message)

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        return None if getattr(request, REFUSED, False) else super().log_addition(request, obj, message)

    def remove(self, request: HttpRequest, obj: Any) -> bool:
        """The service that deletes ``obj``; admins that offer deletion override it."""
        raise NotImplementedError

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        """The confirmed POST calls the service (Django's own path would log the deletion before knowing
        whether the service refuses); the confirmation page is Django's."""
        obj = self.get_object(request, unquote(object_id))
        if request.method != "POST" or not request.POST.get("post") or obj is None:
            return super().delete_view(request, object_id, extra_context)
        if not self.has_delete_permission(request, obj):
            raise PermissionDenied
        obj_display = str(obj)
        if not self.remove(request, obj):
            return self.response_delete(request, obj_display, obj.pk)
        self.log_deletions(request, [obj])
        return self.response_delete(request, obj_display, obj.pk)

    def response_change(self, request: HttpRequest, obj: Any) -> HttpResponse:
        if getattr(request, REFUSED, False):
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: str | None = None) -> HttpResponse:
        if getattr(request, REFUSED, False):
            return HttpResponseRedirect(request.path)
        return super().response_add(request, obj, post_url_continue)

    def response_delete(self, request: HttpRequest, obj_display: str, obj_id: Any) -> HttpResponse:
        if getattr(request, REFUSED, False):
            opts = self.model._meta
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj_id]))
        return super().response_delete(request, obj_display, obj_id)


def members_link(organization: Organization) -> str:
    url = reverse("admin:members_membership_changelist") + f"?organization__id__exact={organization.pk}"
    return format_html('<a href="{}">{}</a>', url, _("Memberships of this organization"))


class ReadOnlyInline(admin.TabularInline):
    """Rows shown on their parent's page, never added, edited or deleted there."""

    extra = 0

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return list(self.fields or [])

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ProjectInline(ReadOnlyInline):
    model = Project
    fields = ["name", "created_at"]
    show_change_link = True  # renamed on the project's own page, through the service


@admin.register(Organization)
class OrganizationAdmin(ServiceAdmin):
    list_display = ["name", "slug", "plan_name", "billing_email", "created_at"]
    search_fields = ["name", "slug", "billing_email"]
    fields = ["name", "slug", "memberships", "billing_email", "plan_name", "billing_address", "created_at"]
    readonly_fields = ["slug", "memberships", "created_at"]
    inlines = [ProjectInline]

    @admin.display(description=_("Members"))
    def memberships(self, obj: Organization) -> str:
        return members_link(obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # organizations are created in the console, by the person who will own them

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Organization, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if "name" in form.changed_data:
            self.run_service(request, services.update_organization_settings, obj, name=data["name"])
        billing = {"billing_email", "plan_name", "billing_address"}
        if billing & set(form.changed_data) and not getattr(request, REFUSED, False):
            self.run_service(request, services.update_billing, obj, **{key: data[key] for key in billing})


@admin.register(Project)
class ProjectAdmin(ServiceAdmin):
    list_display = ["name", "organization", "created_at"]
    search_fields = ["name", "organization__name"]
    autocomplete_fields = ["organization"]
    list_select_related = ["organization"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["organization", "created_at"] if obj else ["created_at"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Project, form: Any, change: bool) -> None:
        if change:
            if "name" in form.changed_data:
                self.run_service(request, services.rename_project, Project.objects.get(pk=obj.pk), name=obj.name)
            return
        try:
            created = services.create_project(obj.organization, actor=request.user, name=obj.name)
        except DomainError as error:
            self.refused(request, error)
            return
        obj.pk, obj.created_at = created.pk, created.created_at


@admin.register(Membership)
class MembershipAdmin(ServiceAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__name", "organization__name", "organization__slug"]
    fields = ["user", "organization", "role", "invited_by", "created_at"]
    readonly_fields = ["user", "organization", "invited_by", "created_at"]
    list_select_related = ["user", "organization"]

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        return lookup == "organization__id__exact" or super().lookup_allowed(lookup, value, request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # people join by invitation, from the console's Members page

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        if "role" in form.changed_data:
            self.run_service(request, services.change_member_role, obj, role=obj.role)

    def remove(self, request: HttpRequest, obj: Membership) -> bool:
        return self.run_service(request, services.remove_member, obj)


@admin.register(ProjectMembership)
class ProjectMembershipAdmin(ReadOnlyAdmin):
    """Read-only: project access is granted by invitation in the console."""

    list_display = ["user", "project", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "project__name", "project__organization__name"]
    list_select_related = ["user", "project"]


class InvitationProjectInline(ReadOnlyInline):
    model = InvitationProject
    fields = ["project", "role"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    """Read-only rows (never the link's nonce); revoke and resend through the services. Invitations are sent from
    an organization's Members page in the console (its invite service sends the email and applies the limits)."""

    list_display = ["email", "organization", "role", "status", "delivery_status", "invited_by", "sent_at", "console"]
    list_filter = ["status", "delivery_status", "role"]
    search_fields = ["email", "organization__name", "organization__slug"]
    fields = ["email", "organization", "role", "status", "delivery_status", "invited_by", "created_at", "sent_at"]
    fields += ["expires_at", "responded_at", "accepted_by", "console"]
    readonly_fields = fields
    inlines = [InvitationProjectInline]
    list_select_related = ["organization", "invited_by"]
    actions = ["revoke", "resend"]

    @admin.display(description=_("Console"))
    def console(self, obj: Invitation) -> str:
        url = reverse("members:members", args=[obj.organization.slug])
        return format_html('<a href="{}">{}</a>', url, _("Members page"))

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        return lookup == "organization__id__exact" or super().lookup_allowed(lookup, value, request)

    def has_manage_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("members.change_invitation")

    def _each(self, request: HttpRequest, queryset: QuerySet[Invitation], service: Callable[..., Any]) -> int:
        done = 0
        for invitation in queryset.select_related("organization"):
            try:
                service(invitation, actor=request.user)
            except DomainError as error:
                self.message_user(request, f"{invitation.email}: {error.message}", messages.ERROR)
            else:
                done += 1
        return done

    @admin.action(description=_("Revoke selected invitations (the invitees are told)"), permissions=["manage"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[Invitation]) -> None:
        done = self._each(request, queryset, services.revoke_invitation)
        self.message_user(request, _("%(count)d invitation(s) revoked.") % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Resend selected invitations (new link, new expiry)"), permissions=["manage"])
    def resend(self, request: HttpRequest, queryset: QuerySet[Invitation]) -> None:
        done = self._each(request, queryset, services.resend_invitation)
        self.message_user(request, _("%(count)d invitation(s) resent.") % {"count": done}, messages.SUCCESS)
