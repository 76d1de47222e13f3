"""Friendly error pages rendered inside the console layout, and the health check.

An htmx request (a Members dialog) that fails gets the same news as a dialog: htmx swaps 403 and 404/409
answers into the open <dialog> (base.html's responseHandling), retargeted there whatever asked."""

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.csrf import csrf_failure as django_csrf_failure
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from members import services
from members.exceptions import StaleRowError
from orgconsole.middleware import current_page

logger = logging.getLogger(__name__)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if not request.headers.get("HX-Request"):
        return render(request, "403.html", status=403)
    context = {
        "title": _("Not allowed"),
        "message": _("Only an Organization Owner can do this."),
        "hint": _("Your role may have changed since this page was loaded: reload it to see what you can do now."),
    }
    return _dialog_problem(request, context, status=403, refresh=False)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's CSRF refusal (403). A signed-in user's refused write is on the audit trail too (#11.6), in the
    organization the URL names when they belong to it."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        match = request.resolver_match
        route = match.view_name if match else request.path
        org_slug = match.kwargs.get("org_slug") if match else None
        services.record_refused_request(actor=user, org_slug=org_slug, detail=f"csrf: {route}: {reason}")
    return django_csrf_failure(request, reason=reason)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if isinstance(exception, StaleRowError):
        # Someone else acted on this row first: say what happened and refresh the table behind the dialog.
        context = {"title": exception.title, "message": exception.message}
        if request.headers.get("HX-Request"):
            return _dialog_problem(request, context, status=exception.status, refresh=True)
        page = {**context, "back_url": exception.members_url, "back_label": _("Back to Members")}
        return render(request, "problem.html", page, status=exception.status)
    if not request.headers.get("HX-Request"):
        return render(request, "404.html", status=404)
    context = {"title": _("Not found"), "message": _("This is no longer here. Reload the page to see what is.")}
    return _dialog_problem(request, context, status=404, refresh=True)


def _dialog_problem(request: HttpRequest, context: dict[str, object], *, status: int, refresh: bool) -> HttpResponse:
    """The problem as the content of the Members page's dialog, wherever the request meant to swap."""
    context = {"back_url": current_page(request) or "/", "back_label": _("Close"), **context}
    response = render(request, "problem.html#dialog", context, status=status)
    response["HX-Retarget"] = "#member-dialog"
    response["HX-Reswap"] = "innerHTML"
    response["HX-Reselect"] = ".dialog-problem"
    if refresh:
        response["HX-Trigger"] = "members-changed"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors: the database may be the thing that failed.
    return HttpResponse(loader.get_template("500.html").render(), status=500)


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers (and the Django admin's pages, which link none) ask for /favicon.ico."""
    return HttpResponseRedirect(static("favicon.ico"))


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers, 503 when it does not; no auth, nothing else revealed."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("health check: database unavailable")
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")
