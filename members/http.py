"""Small request helpers shared by views, the allauth adapter and the logs."""

from __future__ import annotations

from allauth.core.internal.httpkit import clean_client_ip, get_client_ip
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest


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
