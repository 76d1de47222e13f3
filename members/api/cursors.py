"""Opaque page cursors for the API's lists: the last row's sort keys (a keyset position, so inserts and deletes
never shift the next page), signed with ``django.core.signing`` together with a digest of the list and filters
they belong to. A client cannot forge a position or carry a cursor over to other filters, another organization or
another list: any of that, or a malformed cursor, is a 400 problem."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core import signing
from django.utils.translation import gettext as _

from members.api.problems import ProblemError

SALT = "members.api.cursor"


def _scope_digest(scope: str) -> str:
    return hashlib.sha256(scope.encode()).hexdigest()[:16]


def make_cursor(scope: str, position: Any) -> str:
    """A cursor for ``position`` (JSON-serialisable) in the list ``scope`` names (list, organization, filters)."""
    return signing.dumps([_scope_digest(scope), position], salt=SALT, compress=True)


def read_cursor(cursor: str, scope: str) -> Any:
    """The position a cursor made by ``make_cursor`` for the same ``scope`` holds; a 400 problem otherwise."""
    try:
        digest, position = signing.loads(cursor, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise invalid_cursor() from exc
    if digest != _scope_digest(scope):
        raise ProblemError(
            400,
            _("Bad request"),
            _("This cursor belongs to another list or other filters; start again from the first page."),
        )
    return position


def invalid_cursor() -> ProblemError:
    return ProblemError(400, _("Bad request"), _("The cursor is not valid; start again from the first page."))
