"""Bulk actions on the Members page: the selection and the action come from the page's form. The GET is the
confirmation, listing what the action applies to and what it skips and why (a dialog with htmx, a page
without JavaScript); its POST runs the action."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from members import roles, services
from members.access import organization_view
from members.bulk import BULK_LIMIT, BulkActionForm, Selection, by_reason, preview, selection_from, touches_owners
from members.exceptions import DomainError
from members.forms import MembersFilterForm
from members.http import client_ip, go_to, render_dialog, require_recent_authentication
from members.models import Organization
from members.roles import OrgRole
from members.services.bulk import BulkAction


@organization_view(roles.MANAGE_MEMBERS)
@require_http_methods(["GET", "POST"])
def members_bulk(request: HttpRequest, organization: Organization) -> HttpResponse:
    data = request.POST if request.method == "POST" else request.GET
    form = BulkActionForm(data)
    filters = MembersFilterForm.for_viewer(
        request.GET or None, organization=organization, user=request.user, membership=request.membership
    ).filters()
    selection = selection_from(organization, data, filters=filters)
    error = _bulk_error(form, selection)
    if request.method == "POST" and not error:
        choice = form.cleaned_data
        if touches_owners(organization, action=choice["action"], new_role=choice["new_role"], selection=selection):
            require_recent_authentication(request)  # making or unmaking an Organization Owner
        try:
            result = services.bulk_action(
                organization,
                actor=request.user,
                action=choice["action"],
                membership_ids=selection.membership_ids,
                invitation_ids=selection.invitation_ids,
                role=choice["new_role"],
                ip=client_ip(request),
            )
        except DomainError as exc:
            error = exc.message
        else:
            _report(request, form, result)
            return go_to(request, reverse("members:members", args=[organization.slug]))
    return _confirmation(request, organization, form, selection, error)


def _confirmation(
    request: HttpRequest, organization: Organization, form: BulkActionForm, selection: Selection, error: str
) -> HttpResponse:
    action, new_role = (form.cleaned_data["action"], form.cleaned_data["new_role"]) if form.is_valid() else ("", "")
    context = {
        "form": form,
        "selection": selection,
        "plan": preview(organization, actor=request.user, action=action, new_role=new_role, selection=selection),
        "error": error,
        "action_label": BulkAction(action).label if action else _("Bulk action"),
        "new_role_label": OrgRole(new_role).label if action == BulkAction.CHANGE_ROLE else "",
        "danger": action in {BulkAction.REMOVE, BulkAction.REVOKE},
        "action_url": request.path,  # the confirmation posts its rows back here, without the query string
    }
    # A refused POST is a 400 as a page; in the dialog it is the dialog again (htmx swaps 2xx answers).
    refused = bool(error) and request.method == "POST" and not request.htmx
    return render_dialog(request, "members/members_bulk.html", context, status=400 if refused else 200)


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
    for why, who in by_reason(result.skipped):
        names = {"action": label, "who": ", ".join(who), "why": why}
        messages.warning(request, _("%(action)s skipped %(who)s: %(why)s") % names)
