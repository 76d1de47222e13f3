"""Bulk actions on the Members page: the selection and action come from the page's form; a GET previews what
the action applies to and what it skips (a page, so it works without JavaScript), the POST runs it."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from members import roles, services
from members.access import organization_view
from members.bulk import BULK_LIMIT, BulkActionForm, Selection, preview, selection_from, touches_owners
from members.exceptions import DomainError
from members.forms import MembersFilterForm
from members.http import client_ip, require_recent_authentication
from members.models import Organization
from members.roles import OrgRole
from members.services.bulk import BulkAction


@organization_view(roles.MANAGE_MEMBERS)
@require_http_methods(["GET", "POST"])
def members_bulk(request: HttpRequest, organization: Organization) -> HttpResponse:
    data = request.POST if request.method == "POST" else request.GET
    form = BulkActionForm(data)
    filters = MembersFilterForm(request.GET or None).filters()
    selection = selection_from(organization, data, filters=filters)
    error = _bulk_error(form, selection)
    if request.method == "POST" and not error:
        data_ = form.cleaned_data
        if touches_owners(organization, action=data_["action"], new_role=data_["new_role"], selection=selection):
            require_recent_authentication(request)  # making or unmaking an Organization Owner
        try:
            result = services.bulk_action(
                organization,
                actor=request.user,
                action=data_["action"],
                membership_ids=selection.membership_ids,
                invitation_ids=selection.invitation_ids,
                role=data_["new_role"],
                ip=client_ip(request),
            )
        except DomainError as exc:
            error = exc.message
        else:
            _report(request, form, result)
            return redirect("members:members", organization.slug)
    action, new_role = (form.cleaned_data["action"], form.cleaned_data["new_role"]) if form.is_valid() else ("", "")
    context = {
        "form": form,
        "selection": selection,
        "plan": preview(organization, actor=request.user, action=action, new_role=new_role, selection=selection),
        "error": error,
        "action_label": BulkAction(action).label if action else _("Bulk action"),
        "new_role_label": OrgRole(new_role).label if new_role else "",
        "danger": action in {BulkAction.REMOVE, BulkAction.REVOKE},
        "active_nav": "members",
    }
    # A refused POST is a 400; a GET is a page that says what to do.
    return render(
        request, "members/members_bulk.html", context, status=400 if error and request.method == "POST" else 200
    )


def _bulk_error(form: BulkActionForm, selection: Selection) -> str:
    if not form.is_valid():
        return " ".join(str(message) for messages_ in form.errors.values() for message in messages_)
    if not len(selection):
        return _("Select at least one row first.")
    if len(selection) > BULK_LIMIT:
        return _("A bulk action can act on at most %(limit)d rows at once; narrow the filters.") % {"limit": BULK_LIMIT}
    return ""


def _report(request: HttpRequest, form: BulkActionForm, result: services.BulkResult) -> None:
    label = BulkAction(form.cleaned_data["action"]).label
    if result.applied:
        messages.success(
            request,
            ngettext(
                "%(action)s: done for %(emails)s.",
                "%(action)s: done for %(count)d people: %(emails)s.",
                len(result.applied),
            )
            % {"action": label, "count": len(result.applied), "emails": ", ".join(result.applied)},
        )
    for who, why in result.skipped:
        messages.warning(request, _("%(action)s skipped %(who)s: %(why)s") % {"action": label, "who": who, "why": why})
