"""Request id and one access-log line per request."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

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
