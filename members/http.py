"""Small request helpers shared by views, the allauth adapter and the logs: the client's address,
allauth's re-authentication for changes that cannot be undone, and the Members page's dialogs (a page
without JavaScript, a partial in the <dialog> with htmx)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.internal.flows.reauthentication import (
    did_recently_reauthenticate,
    reauthenticate_by_password,
    suspend_request,
)
from allauth.core.exceptions import ReauthenticationRequired
from allauth.core.internal.httpkit import clean_client_ip, get_client_ip
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: the one answer for rate limits, audit rows and logs.

    Behind ``ALLAUTH_TRUSTED_PROXY_COUNT`` proxies it is the address the outermost of them saw (the
    entry that many places from the right of ``X-Forwarded-For``; anything further left a client could
    have forged), or ``ALLAUTH_TRUSTED_CLIENT_IP_HEADER`` when a proxy sets one; with neither configured,
    the direct peer. allauth's own rate limits read the same answer through the adapter.
    """
    try:
        return get_client_ip(request)
    except ImproperlyConfigured:
        # Fewer X-Forwarded-For entries than trusted proxies: the request did not come through all
        # of them, so nothing in the header is trustworthy; the direct peer is.
        return clean_client_ip(request.META.get("REMOTE_ADDR") or "")


def require_recent_authentication(request: HttpRequest) -> None:
    """Refuse unless the user confirmed their password within ``ACCOUNT_REAUTHENTICATION_TIMEOUT``.

    Raises allauth's ``ReauthenticationRequired``: its middleware keeps this POST, sends the user to
    confirm their password, and then performs the POST (see ``HtmxReauthenticationMiddleware``)."""
    if not did_recently_reauthenticate(request):
        raise ReauthenticationRequired()


def count_password_sign_in_as_recent(request: HttpRequest) -> None:
    """A password typed to sign in is as fresh as one typed again; allauth only counts the latter, and
    would ask for it right after signing in. (Signing in from an emailed link is not a password.)"""
    records = get_authentication_records(request, request.user)
    if records and records[-1].get("method") == "password" and not records[-1].get("reauthenticated"):
        reauthenticate_by_password(request)


def render_dialog(request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    """The dialog as a whole page, or only its ``dialog`` partial when htmx loads it into the <dialog>."""
    name = f"{template}#dialog" if getattr(request, "htmx", False) else template
    return render(request, name, {"active_nav": "members", **context}, status=status)


def go_to(request: HttpRequest, url: str) -> HttpResponse:
    """Leave a dialog for ``url``: the whole page with htmx (HX-Redirect), a redirect without."""
    return HttpResponseClientRedirect(url) if getattr(request, "htmx", False) else redirect(url)


class HtmxReauthenticationMiddleware:
    """allauth answers ``ReauthenticationRequired`` with a redirect to its password page; htmx would
    follow that inside the dialog. For an htmx request, keep the POST (as a plain one: after the
    password, allauth performs it and the user lands on the page, not a fragment) and move the whole
    page there (HX-Redirect). Listed after allauth's middleware, so this runs first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, ReauthenticationRequired) or not getattr(request, "htmx", False):
            return None
        for header in [name for name in request.META if name.startswith("HTTP_HX_")]:
            del request.META[header]
        detour = suspend_request(request, reverse("account_reauthenticate"))
        return HttpResponseClientRedirect(detour["Location"])
