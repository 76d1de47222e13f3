"""Export CSV on the Members page (owners): what the current search and filters select, on every page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from members import roles, services
from members.access import organization_view
from members.csv_export import csv_response
from members.forms import MembersFilterForm
from members.http import client_ip
from members.member_export import members_csv_header, members_csv_rows
from members.models import MembershipEvent, Organization


@organization_view(roles.EXPORT_MEMBERS)
@require_http_methods(["GET", "POST"])
def members_export(request: HttpRequest, organization: Organization) -> HttpResponse | StreamingHttpResponse:
    """A GET says what will be exported (the filters are the query string), the POST streams the file
    and records who exported what."""
    form = MembersFilterForm.for_viewer(
        request.GET or None, organization=organization, user=request.user, membership=request.membership
    )
    filters = form.filters()
    if request.method != "POST":
        context = {"described": form.described(), "active_nav": "members"}
        return render(request, "members/members_export.html", context)
    services.record_export(
        organization,
        actor=request.user,
        action=MembershipEvent.Action.MEMBERS_EXPORTED,
        filters={key: value for key, value in filters.items() if value},
        ip=client_ip(request),
    )
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    return csv_response(
        filename=f"{organization.slug}-members-{stamp}.csv",
        header=members_csv_header(),
        rows=members_csv_rows(organization, filters),
    )
