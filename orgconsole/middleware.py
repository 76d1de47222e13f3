"""Request id and one access-log line per request; no caching of pages; the session idle timeout."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect

from members.http import client_ip
from orgconsole.log import RequestContext, current, safe_path

logger = logging.getLogger("orgconsole.request")

# An id from the proxy is kept only when it cannot smuggle anything into a log line or header.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
REQUEST_ID_HEADER = "X-Request-ID"


class RequestIdMiddleware:
    """Give each request an id (the proxy's ``X-Request-ID`` when it is a short safe token, else a uuid4),
    expose it on the response and on every log record written while the request is served."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if SAFE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        request.client_ip = client_ip(request)  # type: ignore[attr-defined]
        token = current.set(RequestContext(request=request))
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            logger.info(
                "request",
                extra={
                    "method": request.method,
                    "path": safe_path(request),
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                },
            )
            return response
        finally:
            current.reset(token)


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every response a view wrote (pages show personal data: members,
    settings, billing, account pages); a view that chose its own caching keeps it. Static files never get
    here: whitenoise answers them further out, with their own long-lived headers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response


SESSION_STARTED = "_session_started"
SESSION_SEEN = "_session_seen"
# Record activity at most this often, so a busy session is not written on every request.
SEEN_RESOLUTION_SECONDS = 60


class SessionTimeoutMiddleware:
    """Sign out a session idle for ``SESSION_IDLE_TIMEOUT`` seconds or older than ``SESSION_COOKIE_AGE``.

    Django's ``SESSION_COOKIE_AGE`` alone restarts whenever the session is saved; this enforces both an
    idle limit and an absolute one, counted from the first request of the signed-in session."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> None:
        now = int(time.time())
        session = request.session
        started = session.get(SESSION_STARTED, now)
        seen = session.get(SESSION_SEEN, now)
        if now - seen > settings.SESSION_IDLE_TIMEOUT or now - started > settings.SESSION_COOKIE_AGE:
            logout(request)  # flushes the session: the next page asks to sign in
            return
        if SESSION_STARTED not in session:
            session[SESSION_STARTED] = now  # a session signed in before this middleware existed
        if now - seen >= SEEN_RESOLUTION_SECONDS or SESSION_SEEN not in session:
            session[SESSION_SEEN] = now


def start_session_clock(sender: object, request: HttpRequest, **kwargs: object) -> None:
    """``user_logged_in`` receiver: both limits count from signing in."""
    if hasattr(request, "session"):
        now = int(time.time())
        request.session[SESSION_STARTED] = now
        request.session[SESSION_SEEN] = now


class HtmxRedirectMiddleware:
    """An htmx request answered with a redirect (an expired session sent to sign in, a re-authentication
    detour) would load that whole page into the dialog. Send the browser there instead (``HX-Redirect``),
    with ``next`` pointing at the page the user was on (``HX-Current-URL``), so they come back to it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.headers.get("HX-Request") != "true" or not response.has_header("Location"):
            return response
        if response.status_code not in (301, 302, 303, 307, 308):
            return response
        return HttpResponseClientRedirect(_back_to_current_page(request, response["Location"]))


def current_page(request: HttpRequest) -> str:
    """The path (and query) of the page an htmx request was made from, when that page is ours; else ''."""
    url = request.headers.get("HX-Current-URL", "")
    if not url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return ""
    page = urlsplit(url)
    return urlunsplit(("", "", page.path, page.query, ""))


def _back_to_current_page(request: HttpRequest, location: str) -> str:
    """``location`` with its ``next`` set to the page htmx was called from, when that page is ours."""
    parts = urlsplit(location)
    query = QueryDict(parts.query, mutable=True)
    page = current_page(request)
    if "next" not in query or not page:
        return location
    query["next"] = page
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query.urlencode(safe="/"), parts.fragment))
