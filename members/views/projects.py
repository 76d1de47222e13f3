"""Projects pages: the list, create and rename."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from members import roles, services
from members.access import organization_view
from members.exceptions import DomainError
from members.forms import ProjectForm
from members.models import Organization, Project
from members.selectors import project_in_organization, visible_projects


@organization_view(roles.VIEW_ORGANIZATION)
@require_http_methods(["GET"])
def projects(request: HttpRequest, organization: Organization) -> HttpResponse:
    context = {
        "projects": visible_projects(organization, user=request.user, membership=request.membership),
        "can_create": request.user.has_perm(f"members.{roles.CREATE_PROJECTS}", organization),
        "can_delete": request.user.has_perm(f"members.{roles.DELETE_PROJECTS}", organization),
        "active_nav": "projects",
    }
    return render(request, "members/projects.html", context)


def _project_form(request: HttpRequest, organization: Organization, project: Project | None) -> HttpResponse:
    """Create (no ``project``) or rename: the same form, the same refusal of a duplicate name."""
    form = ProjectForm(request.POST or None, initial={"name": project.name} if project else None)
    if request.method == "POST" and form.is_valid():
        name = form.cleaned_data["name"]
        try:
            if project is None:
                created = services.create_project(organization, actor=request.user, name=name)
                message = _("Project “%(name)s” created.") % {"name": created.name}
            else:
                services.rename_project(project, actor=request.user, name=name)
                message = _("Project renamed to “%(name)s”.") % {"name": project.name}
        except DomainError as error:
            form.add_error("name", error.message)
        else:
            messages.success(request, message)
            return redirect("members:projects", organization.slug)
    return render(request, "members/project_form.html", {"form": form, "project": project, "active_nav": "projects"})


@organization_view(roles.CREATE_PROJECTS)
@require_http_methods(["GET", "POST"])
def project_create(request: HttpRequest, organization: Organization) -> HttpResponse:
    return _project_form(request, organization, None)


@organization_view(roles.CREATE_PROJECTS)
@require_http_methods(["GET", "POST"])
def project_rename(request: HttpRequest, organization: Organization, project_id: int) -> HttpResponse:
    return _project_form(request, organization, project_in_organization(organization, project_id))
