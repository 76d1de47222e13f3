"""Organization pages: home, create, settings, billing, and leaving an organization."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from members import roles, services
from members.access import organization_view
from members.exceptions import DomainError
from members.forms import BillingForm, OrganizationCreateForm, OrganizationSettingsForm
from members.http import client_ip, require_recent_authentication
from members.models import Organization
from members.roles import OrgRole
from members.selectors import organizations_for, pending_invitations_sent_by
from members.views.lifecycle import leave_options


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
        {
            "form": form,
            "can_change": can_change,
            "can_delete": request.user.has_perm(f"members.{roles.DELETE_ORGANIZATION}", organization),
            "active_nav": "settings",
            "membership": request.membership,
        },
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
@require_http_methods(["GET", "POST"])
def leave_organization(request: HttpRequest, organization: Organization) -> HttpResponse:
    """A member leaves the organization themselves (confirmation page, then POST)."""
    if request.method == "POST":
        if request.membership.role == OrgRole.OWNER:  # type: ignore[attr-defined]
            require_recent_authentication(request)  # an owner leaving cannot be undone by themselves
        try:
            services.leave_organization(organization, actor=request.user, ip=client_ip(request))
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("members:settings", organization.slug)
        messages.success(request, _("You left %(name)s.") % {"name": organization.name})
        return redirect("members:home")
    context = {
        "active_nav": "settings",
        "pending_sent": pending_invitations_sent_by(organization, request.user),
        **leave_options(organization, request.membership),  # type: ignore[attr-defined]
    }
    return render(request, "members/leave_organization.html", context)
