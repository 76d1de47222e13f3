"""When each user was last active: a date on the Members page (owners) and in its export.

Written at most once an hour per user, not on every request: a request whose user was seen less than an hour ago
reads nothing more and writes nothing (the value came with the user the request already loaded), and the
UPDATE itself only matches a stored value older than that, so two browsers at once still write once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.functional import empty

from members.models import User

INTERVAL = timedelta(hours=1)


def record_activity(user: User, *, now: datetime | None = None) -> bool:
    """Note that ``user`` is active now, unless that was already noted within the hour; True if it wrote."""
    now = now or timezone.now()
    if user.last_active_at is not None and now - user.last_active_at < INTERVAL:
        return False
    stale = Q(last_active_at__isnull=True) | Q(last_active_at__lte=now - INTERVAL)
    written = User.objects.filter(stale, pk=user.pk).update(last_active_at=now)
    user.last_active_at = now
    return bool(written)


class LastActiveMiddleware:
    """After AuthenticationMiddleware: a signed-in user's request may update their last-active time."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Only a user the request already loaded (every console page does): no query to find out who it is.
        user = getattr(getattr(request, "user", None), "_wrapped", empty)
        if user is not empty and user.is_authenticated:
            record_activity(user)
        return response
