"""The Activity page (owners only): the organization's audit log, one event's details, and its CSV export."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from members import roles, services
from members.access import organization_view
from members.activity import (
    ACTIVITY_CSV_HEADER,
    ActivityFilterForm,
    Cursor,
    activity_csv_rows,
    event_in_organization,
    event_page,
    organization_events,
)
from members.csv_export import csv_response
from members.http import client_ip
from members.models import MembershipEvent, Organization


@organization_view(roles.VIEW_ACTIVITY, hidden=True)
@require_safe
def activity(request: HttpRequest, organization: Organization) -> HttpResponse:
    """Every event of the organization, newest first, filtered by the query string, a keyset page at a time."""
    form = ActivityFilterForm(request.GET or None)
    filters = form.filters()
    page = event_page(
        organization_events(organization, filters),
        after=Cursor.parse(request.GET.get("after")),
        before=Cursor.parse(request.GET.get("before")),
    )
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "active_nav": "activity",
    }
    return render(request, "members/activity.html", context)


@organization_view(roles.VIEW_ACTIVITY, hidden=True)
@require_safe
def activity_event(request: HttpRequest, organization: Organization, event_id: int) -> HttpResponse:
    """One event in full: who, what, to whom, before and after, and where the request came from."""
    event = event_in_organization(organization, event_id)
    return render(request, "members/activity_event.html", {"event": event, "active_nav": "activity"})


@organization_view(roles.VIEW_ACTIVITY, hidden=True)
@require_http_methods(["GET", "POST"])
def activity_export(request: HttpRequest, organization: Organization) -> HttpResponse | StreamingHttpResponse:
    """Export CSV of the events the filters (in the query string) select: a GET shows what will be
    exported, the POST streams the file and records the export."""
    form = ActivityFilterForm(request.GET or None)
    filters = form.filters()
    if request.method != "POST":
        return render(
            request, "members/activity_export.html", {"form": form, "filters": filters, "active_nav": "activity"}
        )
    services.record_export(
        organization,
        actor=request.user,
        action=MembershipEvent.Action.ACTIVITY_EXPORTED,
        filters=filters.as_dict(),
        ip=client_ip(request),
    )
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    return csv_response(
        filename=f"{organization.slug}-activity-{stamp}.csv",
        header=ACTIVITY_CSV_HEADER,
        rows=activity_csv_rows(organization_events(organization, filters)),
    )
