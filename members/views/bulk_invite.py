"""Invite from a CSV file (Invite User → Upload CSV): the template, the preview of an upload, and Invite,
which sends exactly the previewed rows (a signed plan, so a changed file cannot slip through)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_safe

from members import roles, services
from members.access import organization_view
from members.bulk_invite import FilePreview, load_plan, preview_file, sign_plan, template_header
from members.csv_export import csv_response
from members.exceptions import DomainError
from members.http import client_ip, require_recent_authentication
from members.models import Organization
from members.roles import OrgRole


@organization_view(roles.MANAGE_MEMBERS)
@require_safe
def invite_csv_template(request: HttpRequest, organization: Organization) -> StreamingHttpResponse:
    """A CSV with the columns the upload takes, one per project of this organization, and one example row."""
    header = template_header(organization)
    example = ["someone@example.com", "", "Organization Member", *[""] * (len(header) - 3)]
    return csv_response(filename=f"{organization.slug}-invite-template.csv", header=header, rows=[example])


@organization_view(roles.MANAGE_MEMBERS)
@require_http_methods(["GET", "POST"])
def invite_csv(request: HttpRequest, organization: Organization) -> HttpResponse:
    """GET: the upload form. POST with a file: the preview (nothing sent). POST with the plan: Invite."""
    if request.method == "POST" and "plan" in request.POST:
        return _invite(request, organization)
    preview, plan = FilePreview(), ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        preview = preview_file(organization, upload.read()) if upload else FilePreview(error=_("Choose a CSV file."))
        plan = sign_plan(organization, preview.to_invite) if preview.to_invite else ""
    context = {"preview": preview, "plan": plan, "counts": preview.counts(), "active_nav": "members"}
    status = 400 if preview.error else 200
    return render(request, "members/invite_csv.html", context, status=status)


def _invite(request: HttpRequest, organization: Organization) -> HttpResponse:
    rows = load_plan(organization, request.POST["plan"])
    if rows is None:
        messages.error(request, _("This preview has expired or is not valid. Upload the file again."))
        return redirect("members:invite_csv", organization.slug)
    if any(role == OrgRole.OWNER for _email, role, _access in rows):
        require_recent_authentication(request)  # inviting an Organization Owner
    try:
        result = services.invite_from_file(organization, actor=request.user, rows=rows, ip=client_ip(request))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("members:invite_csv", organization.slug)
    count = len(result.invited)
    messages.success(
        request, ngettext("%(count)d invitation sent.", "%(count)d invitations sent.", count) % {"count": count}
    )
    skipped = len(result.already_members) + len(result.already_invited)
    if skipped:
        messages.warning(
            request,
            ngettext(
                "%(count)d row was skipped: it became a member or was invited since the preview.",
                "%(count)d rows were skipped: they became members or were invited since the preview.",
                skipped,
            )
            % {"count": skipped},
        )
    return redirect("members:members", organization.slug)
