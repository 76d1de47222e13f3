"""The one way a view reaches an organization: scoped to the URL, checked with has_perm."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from members.selectors import organization_for_member
from members.services._common import record_refusal
from members.two_factor_gate import two_factor_gate

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}

View = Callable[..., HttpResponse]


def organization_view(perm: str, *, post_perm: str | None = None, hidden: bool = False) -> Callable[[View], View]:
    """Load the organization named by ``org_slug`` for a member (404 for anyone else), send a member
    without two-factor authentication to set it up when the organization requires it, and
    require ``members.<perm>`` on it (403 otherwise, with an audit row when the request was a write).
    ``post_perm``, when given, is required instead for POST requests, so one view can show a page
    read-only and refuse the write. ``hidden`` pages answer a member without the permission 404, as if
    they did not exist."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, org_slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
            organization, membership = organization_for_member(request.user, org_slug)
            if refusal := two_factor_gate(request, organization):
                return refusal
            required = post_perm if (post_perm and request.method == "POST") else perm
            if not request.user.has_perm(f"members.{required}", organization):
                if hidden:
                    raise Http404("No such page.")
                if request.method not in SAFE_METHODS:  # a refused write is part of the audit trail
                    route = getattr(request.resolver_match, "url_name", "") or ""
                    record_refusal(organization, actor=request.user, detail=f"{route}: members.{required}")
                raise PermissionDenied
            request.organization = organization  # type: ignore[attr-defined]
            request.membership = membership  # type: ignore[attr-defined]
            return view(request, organization, *args, **kwargs)

        wrapper.required_permission = perm  # type: ignore[attr-defined]
        wrapper.required_post_permission = post_perm or perm  # type: ignore[attr-defined]
        wrapper.denied_status = 404 if hidden else 403  # type: ignore[attr-defined]
        return wrapper

    return decorator
