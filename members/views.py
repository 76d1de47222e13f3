"""Thin HTTP layer: validate with a form, call one service, flash a message, redirect."""

from __future__ import annotations

from allauth.account.adapter import get_adapter as get_account_adapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect

from members import acceptance, roles, services
from members.access import organization_view
from members.adapters import accept_from_session
from members.exceptions import DomainError, InvitationError, InvitationWrongAccount
from members.forms import (
    BillingForm,
    EditRoleForm,
    InviteForm,
    MembersFilterForm,
    OrganizationCreateForm,
    OrganizationSettingsForm,
    ProjectForm,
)
from members.http import client_ip
from members.models import Invitation, Membership, Organization
from members.selectors import (
    PAGE_SIZE,
    attach_row_details,
    member_rows,
    membership_in_organization,
    open_invitation_in_organization,
    organizations_for,
    project_in_organization,
    visible_projects,
)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send the user to their first organization, or offer to create one."""
    organization = organizations_for(request.user).first()
    if organization is None:
        return redirect("members:organization_create")
    return redirect("members:members", organization.slug)


@login_required
@require_http_methods(["GET", "POST"])
def organization_create(request: HttpRequest) -> HttpResponse:
    form = OrganizationCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organization = services.create_organization(
            actor=request.user, name=form.cleaned_data["name"], ip=client_ip(request)
        )
        messages.success(
            request,
            _("Organization “%(name)s” created. You are its Organization Owner.") % {"name": organization.name},
        )
        return redirect("members:members", organization.slug)
    has_organizations = organizations_for(request.user).exists()
    return render(request, "members/organization_create.html", {"form": form, "has_organizations": has_organizations})


@organization_view(roles.VIEW_SETTINGS, post_perm=roles.CHANGE_SETTINGS)
@require_http_methods(["GET", "POST"])
def organization_settings(request: HttpRequest, organization: Organization) -> HttpResponse:
    can_change = request.user.has_perm(f"members.{roles.CHANGE_SETTINGS}", organization)
    form = OrganizationSettingsForm(request.POST or None, initial={"name": organization.name})
    if request.method == "POST" and form.is_valid():
        services.update_organization_settings(organization, actor=request.user, name=form.cleaned_data["name"])
        messages.success(request, _("Organization settings saved."))
        return redirect("members:settings", organization.slug)
    return render(
        request,
        "members/settings.html",
        {"form": form, "can_change": can_change, "active_nav": "settings", "membership": request.membership},
    )


@organization_view(roles.VIEW_BILLING, post_perm=roles.CHANGE_BILLING)
@require_http_methods(["GET", "POST"])
def billing(request: HttpRequest, organization: Organization) -> HttpResponse:
    can_change = request.user.has_perm(f"members.{roles.CHANGE_BILLING}", organization)
    initial = {
        "billing_email": organization.billing_email,
        "plan_name": organization.plan_name,
        "billing_address": organization.billing_address,
    }
    form = BillingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.update_billing(organization, actor=request.user, **form.cleaned_data)
        messages.success(request, _("Billing details saved."))
        return redirect("members:billing", organization.slug)
    return render(request, "members/billing.html", {"form": form, "can_change": can_change, "active_nav": "billing"})


@organization_view(roles.VIEW_ORGANIZATION)
@require_http_methods(["GET"])
def projects(request: HttpRequest, organization: Organization) -> HttpResponse:
    context = {
        "projects": visible_projects(organization, user=request.user, membership=request.membership),
        "can_create": request.user.has_perm(f"members.{roles.CREATE_PROJECTS}", organization),
        "active_nav": "projects",
    }
    return render(request, "members/projects.html", context)


@organization_view(roles.CREATE_PROJECTS)
@require_http_methods(["GET", "POST"])
def project_create(request: HttpRequest, organization: Organization) -> HttpResponse:
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.create_project(organization, actor=request.user, name=form.cleaned_data["name"])
        except DomainError as error:
            form.add_error("name", error.message)
        else:
            messages.success(request, _("Project “%(name)s” created.") % {"name": project.name})
            return redirect("members:projects", organization.slug)
    return render(request, "members/project_form.html", {"form": form, "project": None, "active_nav": "projects"})


@organization_view(roles.CREATE_PROJECTS)
@require_http_methods(["GET", "POST"])
def project_rename(request: HttpRequest, organization: Organization, project_id: int) -> HttpResponse:
    project = project_in_organization(organization, project_id)
    form = ProjectForm(request.POST or None, initial={"name": project.name})
    if request.method == "POST" and form.is_valid():
        try:
            services.rename_project(project, actor=request.user, name=form.cleaned_data["name"])
        except DomainError as error:
            form.add_error("name", error.message)
        else:
            messages.success(request, _("Project renamed to “%(name)s”.") % {"name": project.name})
            return redirect("members:projects", organization.slug)
    return render(request, "members/project_form.html", {"form": form, "project": project, "active_nav": "projects"})


@organization_view(roles.VIEW_ORGANIZATION)
@require_http_methods(["GET", "POST"])
def leave_organization(request: HttpRequest, organization: Organization) -> HttpResponse:
    """A member leaves the organization themselves (confirmation page, then POST)."""
    if request.method == "POST":
        try:
            services.leave_organization(organization, actor=request.user, ip=client_ip(request))
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("members:settings", organization.slug)
        messages.success(request, _("You left %(name)s.") % {"name": organization.name})
        return redirect("members:home")
    return render(request, "members/leave_organization.html", {"active_nav": "settings"})


@organization_view(roles.VIEW_MEMBERS)
@require_http_methods(["GET"])
def members(request: HttpRequest, organization: Organization) -> HttpResponse:
    """Members and open invitations in one table: searched, filtered, sorted and paginated in SQL."""
    # Its own id prefix: the Invite User and Edit Role dialogs on this page have a "role" field too.
    filter_form = MembersFilterForm(request.GET or None, auto_id="filter_%s")
    filters = filter_form.filters()
    paginator = Paginator(member_rows(organization, **filters), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "filter_form": filter_form,
        "filters": filters,
        "page": page,
        "rows": attach_row_details(organization, list(page.object_list)),
        "can_manage": request.user.has_perm(f"members.{roles.MANAGE_MEMBERS}", organization),
        "is_filtered": bool(filters["q"] or filters["role"] or filters["status"]),
        "sort_headers": _sort_headers(filters["sort"]),
        "active_nav": "members",
    }
    return render(request, "members/members.html", context)


def _sort_headers(current: str) -> dict[str, dict[str, str]]:
    """For each sortable column: its aria-sort state and the sort its header link switches to."""
    headers = {}
    for key in ("name", "role", "date"):
        if current == key:
            aria, following = "ascending", f"-{key}"
        elif current == f"-{key}":
            aria, following = "descending", key
        else:
            aria, following = "", f"-{key}" if key == "date" else key  # dates start newest first
        label = _("descending") if following.startswith("-") else _("ascending")
        headers[key] = {"aria": aria, "next": following, "next_label": label}
    return headers


# --- Members page dialogs: a GET renders the dialog (a page without JS, a partial for htmx), a POST acts.


def _dialog(request: HttpRequest, template: str, context: dict[str, object]) -> HttpResponse:
    """The dialog as a whole page, or only its partial when htmx loads it into the <dialog>."""
    name = f"{template}#dialog" if request.htmx else template
    return render(request, name, {"active_nav": "members", **context})


def _back_to_members(request: HttpRequest, organization: Organization) -> HttpResponse:
    url = reverse("members:members", args=[organization.slug])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@organization_view(roles.MANAGE_MEMBERS)
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, organization: Organization) -> HttpResponse:
    """Invite User: one or more addresses, an Organization Role and optional project access."""
    form = InviteForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.invite_members(
                organization,
                actor=request.user,
                emails=form.cleaned_data["emails"],
                role=form.cleaned_data["role"],
                project_roles=form.project_roles(),
                ip=client_ip(request),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            reasons = [] if result.invited else _not_invited_reasons(organization, result)
            if not reasons:
                _report_invitations(request, organization, result, duplicates=form.duplicates)
                return _back_to_members(request, organization)
            # Nobody new to invite: say why next to the addresses and keep the dialog open.
            for reason in reasons:
                form.add_error("emails", reason)
    return _dialog(request, "members/dialogs/invite.html", {"form": form})


def _not_invited_reasons(organization: Organization, result: services.InviteResult) -> list[str]:
    reasons = [
        _("%(email)s is already a member of %(organization)s; not invited.")
        % {"email": address, "organization": organization.name}
        for address in result.already_members
    ]
    reasons += [
        _(
            "%(email)s already has a pending invitation; not invited again. To send it again, use "
            "Resend invitation in the menu of its row."
        )
        % {"email": invitation.email}
        for invitation in result.already_invited
    ]
    return reasons


def _report_invitations(
    request: HttpRequest, organization: Organization, result: services.InviteResult, *, duplicates: list[str]
) -> None:
    if result.invited:
        count = len(result.invited)
        messages.success(
            request,
            ngettext("Invitation sent to %(emails)s.", "%(count)d invitations sent: %(emails)s.", count)
            % {"count": count, "emails": ", ".join(invitation.email for invitation in result.invited)},
        )
    for address in duplicates:
        messages.info(request, _("%(email)s was listed more than once; it was invited once.") % {"email": address})
    for address in result.already_members:
        messages.warning(
            request,
            _("%(email)s is already a member of %(organization)s; not invited.")
            % {"email": address, "organization": organization.name},
        )
    for invitation in result.already_invited:
        resend_url = reverse("members:invitation_resend", args=[organization.slug, invitation.pk])
        messages.warning(
            request,
            format_html(
                '{} {} <a href="{}">{}</a>',
                _("%(email)s already has a pending invitation; not invited again.") % {"email": invitation.email},
                _("Do you want to send it again?"),
                resend_url,
                _("Resend invitation"),
            ),
        )


def _confirm(
    request: HttpRequest,
    organization: Organization,
    *,
    title: str,
    question: str,
    submit: str,
    action_url: str,
    danger: bool,
    error: str = "",
) -> HttpResponse:
    context = {
        "title": title,
        "question": question,
        "submit_label": submit,
        "action_url": action_url,
        "danger": danger,
        "error": error,
    }
    return _dialog(request, "members/dialogs/confirm.html", context)


@organization_view(roles.MANAGE_MEMBERS)
@require_http_methods(["GET", "POST"])
def invitation_resend(request: HttpRequest, organization: Organization, invitation_id: int) -> HttpResponse:
    """Resend invitation: a fresh link and a fresh expiry; the old link stops working."""
    invitation = open_invitation_in_organization(organization, invitation_id)
    error = ""
    if request.method == "POST":
        try:
            services.resend_invitation(invitation, actor=request.user, ip=client_ip(request))
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("Invitation sent again to %(email)s.") % {"email": invitation.email})
            return _back_to_members(request, organization)
    return _confirm(
        request,
        organization,
        title=_("Resend invitation"),
        question=_(
            "Send the invitation to %(email)s again? It gets a new link that expires in %(hours)d hours; "
            "the link sent before stops working."
        )
        % {"email": invitation.email, "hours": settings.INVITATION_EXPIRY},
        submit=_("Yes"),
        action_url=reverse("members:invitation_resend", args=[organization.slug, invitation.pk]),
        danger=False,
        error=error,
    )


@organization_view(roles.MANAGE_MEMBERS)
@require_http_methods(["GET", "POST"])
def invitation_revoke(request: HttpRequest, organization: Organization, invitation_id: int) -> HttpResponse:
    """Revoke Invitation: the link stops working at once and the invitee is told."""
    invitation = open_invitation_in_organization(organization, invitation_id)
    error = ""
    if request.method == "POST":
        try:
            services.revoke_invitation(invitation, actor=request.user, ip=client_ip(request))
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("Invitation to %(email)s revoked.") % {"email": invitation.email})
            return _back_to_members(request, organization)
    return _confirm(
        request,
        organization,
        title=_("Revoke Invitation"),
        question=_("Revoke the invitation to %(email)s? The invitation link stops working at once.")
        % {"email": invitation.email},
        submit=_("Yes"),
        action_url=reverse("members:invitation_revoke", args=[organization.slug, invitation.pk]),
        danger=True,
        error=error,
    )


@organization_view(roles.MANAGE_MEMBERS)
@require_http_methods(["GET", "POST"])
def member_edit_role(request: HttpRequest, organization: Organization, membership_id: int) -> HttpResponse:
    """Edit Role of a Verified member; the last owner cannot be demoted."""
    membership = membership_in_organization(organization, membership_id)
    form = EditRoleForm(request.POST or None, initial={"role": membership.role})
    if request.method == "POST" and form.is_valid():
        old_role = membership.role
        try:
            updated = services.change_member_role(
                membership, actor=request.user, role=form.cleaned_data["role"], ip=client_ip(request)
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            if updated.role == old_role:
                messages.info(request, _("%(name)s is already %(role)s.") % _name_and_role(membership))
            else:
                messages.success(request, _("%(name)s is now %(role)s.") % _name_and_role(updated))
            return _back_to_members(request, organization)
    return _dialog(request, "members/dialogs/edit_role.html", {"form": form, "target": membership})


def _name_and_role(membership: Membership) -> dict[str, str]:
    return {"name": membership.user.display_name, "role": membership.get_role_display()}


@organization_view(roles.MANAGE_MEMBERS)
@require_http_methods(["GET", "POST"])
def member_remove(request: HttpRequest, organization: Organization, membership_id: int) -> HttpResponse:
    """Leave: remove a Verified member (and revoke the invitations they sent)."""
    membership = membership_in_organization(organization, membership_id)
    error = ""
    if request.method == "POST":
        try:
            revoked = services.remove_member(membership, actor=request.user, ip=client_ip(request))
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(
                request,
                _("%(name)s was removed from %(organization)s.")
                % {"name": membership.user.display_name, "organization": organization.name},
            )
            if revoked:
                messages.info(
                    request,
                    ngettext(
                        "The invitation they had sent was revoked: %(emails)s.",
                        "The %(count)d invitations they had sent were revoked: %(emails)s.",
                        len(revoked),
                    )
                    % {"count": len(revoked), "emails": ", ".join(i.email for i in revoked)},
                )
            if membership.user_id == request.user.pk:
                url = reverse("members:home")
                return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
            return _back_to_members(request, organization)
    return _confirm(
        request,
        organization,
        title=_("Leave"),
        question=_(
            "Remove %(name)s (%(email)s) from %(organization)s? They lose access to the organization and its "
            "projects, and the invitations they sent that are still pending are revoked."
        )
        % {"name": membership.user.display_name, "email": membership.user.email, "organization": organization.name},
        submit=_("Yes"),
        action_url=reverse("members:member_remove", args=[organization.slug, membership.pk]),
        danger=True,
        error=error,
    )


# --- Invitation acceptance. Not organization-scoped: the invitee is not a member (yet), and the ---
# --- invitation comes from the link (then the session), never from an id in the URL.           ---


def _invitation_refused(request: HttpRequest, error: InvitationError) -> HttpResponse:
    """The page that says why an invitation cannot be used (404 unknown link, 410 no longer usable)."""
    return render(
        request,
        "members/invitation_invalid.html",
        {"error": error, "invitation": error.invitation},
        status=error.status,
    )


def _sign_in_url(request: HttpRequest, invitation: Invitation) -> str:
    """Sign-in for someone who has an account with the invited address, sign-up for anyone else;
    either way back to the join page afterwards."""
    view = "account_login" if acceptance.account_exists(invitation.email) else "account_signup"
    return f"{reverse(view)}?{urlencode({'next': reverse('members:invitation_join')})}"


@never_cache
@require_safe
def invitation_open(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link. Mail scanners open it too, so it changes nothing: it checks the token, keeps
    the invitation in the session and redirects to a page whose URL holds no token."""
    try:
        invitation = acceptance.invitation_from_token(token)
    except InvitationError as error:
        return _invitation_refused(request, error)
    acceptance.remember(request, invitation)
    return redirect("members:invitation_join")


@never_cache
@require_safe
def invitation_join(request: HttpRequest) -> HttpResponse:
    """Who invited you, to what, with which role and project access; Accept invitation or Decline."""
    try:
        invitation = acceptance.invitation_from_session(request)
    except InvitationError as error:
        acceptance.forget(request)
        return _invitation_refused(request, error)
    context = {
        "invitation": invitation,
        "grants": invitation.project_grants.select_related("project").order_by("project__name"),
    }
    if not request.user.is_authenticated:
        context["has_account"] = acceptance.account_exists(invitation.email)
    elif not acceptance.user_matches(request.user, invitation):
        return render(request, "members/invitation_wrong_account.html", context, status=403)
    else:
        context["already_member"] = Membership.objects.filter(
            organization_id=invitation.organization_id, user=request.user
        ).exists()
    return render(request, "members/invitation_join.html", context)


@require_POST
def invitation_accept(request: HttpRequest) -> HttpResponse:
    """Accept invitation: join now when signed in as the invited address, otherwise sign in (or
    sign up) first and join straight after."""
    try:
        invitation = acceptance.invitation_from_session(request)
    except InvitationError as error:
        acceptance.forget(request)
        return _invitation_refused(request, error)
    if not request.user.is_authenticated:
        acceptance.set_accept_requested(request, True)
        return redirect(_sign_in_url(request, invitation))
    return accept_from_session(request)


@require_POST
def invitation_decline(request: HttpRequest) -> HttpResponse:
    """Decline: the invitation is closed and the inviter is told. A signed-out visitor holding the
    link may decline; a different signed-in account may not."""
    try:
        invitation = acceptance.invitation_from_session(request)
        actor = request.user if request.user.is_authenticated else None
        services.decline_invitation(invitation, actor=actor, ip=client_ip(request))
    except InvitationWrongAccount:
        return redirect("members:invitation_join")
    except InvitationError as error:
        acceptance.forget(request)
        return _invitation_refused(request, error)
    acceptance.forget(request)
    messages.info(
        request,
        _("You declined the invitation to join %(organization)s.") % {"organization": invitation.organization.name},
    )
    return redirect("members:home" if actor else "account_login")


@require_POST
def invitation_switch_account(request: HttpRequest) -> HttpResponse:
    """Sign out and continue: the invitation stays in the session for the account it was sent to."""
    try:
        invitation = acceptance.invitation_from_session(request)
    except InvitationError as error:
        acceptance.forget(request)
        return _invitation_refused(request, error)
    state = acceptance.saved_state(request)
    if request.user.is_authenticated:
        get_account_adapter(request).logout(request)  # flushes the session…
        acceptance.restore_state(request, state)  # …so put the invitation back
    acceptance.set_accept_requested(request, False)
    return redirect(_sign_in_url(request, invitation))
