"""Small request helpers shared by views."""

from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client address as the server saw it (a TLS proxy sets REMOTE_ADDR via its own config)."""
    return request.META.get("REMOTE_ADDR") or None
