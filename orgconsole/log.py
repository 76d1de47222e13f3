"""Request-scoped logging: every record written while a request is served carries its request id,
the client's address, the signed-in user's id and the organization slug; URLs are logged as their route pattern, so a
token in a path (an invitation link) never reaches the logs."""

from __future__ import annotations

import logging
from contextvars import ContextVar
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject, empty
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter


@dataclass
class RequestContext:
    request: HttpRequest


current: ContextVar[RequestContext | None] = ContextVar("orgconsole_request", default=None)


def safe_path(request: HttpRequest) -> str:
    """The matched route (``invitations/<str:token>/``) rather than the path, which may hold a secret."""
    match = getattr(request, "resolver_match", None)
    if match is not None and match.route:
        return "/" + match.route
    return request.path


def _user_id(request: HttpRequest) -> int | None:
    # Only read a user the request already loaded: a log line must never run a query.
    user = request.__dict__.get("user")
    if user is None or (isinstance(user, SimpleLazyObject) and user._wrapped is empty):
        return None
    return user.pk if getattr(user, "is_authenticated", False) else None


class RequestContextFilter(logging.Filter):
    """Adds request_id, client_ip, user_id and org to every record; scrubs the raw path out of messages."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = current.get()
        # django.request logs 4xx/5xx after the middleware has returned, but attaches the request.
        request = context.request if context else getattr(record, "request", None)
        if not isinstance(request, HttpRequest):
            request = None
        record.request_id = getattr(request, "request_id", None)
        # The trusted-proxy-aware address (members.http.client_ip), resolved once by RequestIdMiddleware.
        record.client_ip = getattr(request, "client_ip", None)
        if getattr(record, "user_id", None) is None:
            record.user_id = _user_id(request) if request else None
        if getattr(record, "org", None) is None:
            record.org = getattr(getattr(request, "organization", None), "slug", None)
        if request is not None:
            path, route = request.path, safe_path(request)
            message = record.getMessage()
            if path != route and path in message:
                # "Not Found: /invitations/<token>/" would otherwise write the token.
                record.msg, record.args = message.replace(path, route), ()
        return True


class JsonLogFormatter(JsonFormatter):
    """One JSON object per line; the request object attached by django.request is left out (its repr holds the
    path)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("fmt", "%(levelname)s %(name)s %(message)s")
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, "request", "server_time"])
        kwargs.setdefault("timestamp", True)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
