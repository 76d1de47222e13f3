"""Organization Settings → Require two-factor authentication: a confirmation page (who does not have it
yet and what happens to them), then one service call."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from members import roles
from members.access import organization_view
from members.exceptions import DomainError
from members.forms import TwoFactorRequirementForm
from members.http import client_ip
from members.models import Organization
from members.services.security import has_two_factor, members_without_two_factor, set_two_factor_requirement


@organization_view(roles.CHANGE_SETTINGS)
@require_http_methods(["GET", "POST"])
def two_factor_requirement(request: HttpRequest, organization: Organization) -> HttpResponse:
    form = TwoFactorRequirementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        required = form.cleaned_data["required"]
        try:
            affected = set_two_factor_requirement(
                organization, actor=request.user, required=required, ip=client_ip(request)
            )
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("members:two_factor_requirement", organization.slug)
        messages.success(request, _requirement_message(required=required, affected=len(affected)))
        return redirect("members:settings", organization.slug)
    context = {
        "form": form,
        "active_nav": "settings",
        "turning_on": not organization.require_two_factor,
        "without": list(members_without_two_factor(organization)),
        "actor_has_two_factor": has_two_factor(request.user),
    }
    return render(request, "members/two_factor_requirement.html", context)


def _requirement_message(*, required: bool, affected: int) -> str:
    if not required:
        return _("Two-factor authentication is no longer required.")
    if not affected:
        return _("Two-factor authentication is now required. Every member already has it.")
    return ngettext(
        "Two-factor authentication is now required. %(count)d member without it was emailed.",
        "Two-factor authentication is now required. %(count)d members without it were emailed.",
        affected,
    ) % {"count": affected}
