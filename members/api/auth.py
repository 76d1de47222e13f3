"""Bearer-token authentication for the API and SCIM: the one token rule, the scope, and a per-token
rate limit answering 429 with ``Retry-After``."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from members.api.problems import ProblemError
from members.api_tokens import authenticate
from members.models import ApiToken

RATE_WINDOW_SECONDS = 60


def check_rate_limit(token: ApiToken) -> None:
    """At most ``API_REQUESTS_PER_MINUTE`` requests per token per fixed one-minute window (shared cache,
    so the limit holds across processes and machines)."""
    limit = settings.API_REQUESTS_PER_MINUTE
    now = int(time.time())
    window = now // RATE_WINDOW_SECONDS
    key = f"api-rate:{token.pk}:{window}"
    cache.add(key, 0, timeout=RATE_WINDOW_SECONDS * 2)
    count = cache.incr(key)
    if count > limit:
        retry_after = RATE_WINDOW_SECONDS - now % RATE_WINDOW_SECONDS
        raise ProblemError(
            429,
            _("Too many requests"),
            _("This token may make %(limit)d requests a minute. Try again in %(seconds)d seconds.")
            % {"limit": limit, "seconds": retry_after},
            headers={"Retry-After": str(retry_after)},
        )


def token_for(secret: str, *, scope: str) -> ApiToken:
    """The usable token for this secret with this scope, rate-limited; a problem otherwise."""
    token, reason = authenticate(secret, scope=scope)
    if token is None:
        if reason == "scope":
            raise ProblemError(
                403, _("Forbidden"), _("This token does not have the “%(scope)s” scope.") % {"scope": scope}
            )
        raise ProblemError(
            401,
            _("Unauthorized"),
            _("The token is missing, expired or revoked, or its creator is no longer an Organization Owner."),
            headers={"WWW-Authenticate": 'Bearer realm="orgconsole"'},
        )
    check_rate_limit(token)
    return token


class TokenAuth(HttpBearer):
    """``Authorization: Bearer oc_...`` with the given scope; ``request.auth`` is the token."""

    def __init__(self, scope: str) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        return token_for(token, scope=self.scope)
