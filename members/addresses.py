"""The one rule for "the same email address", used by the forms, the services and the invitation checks.

Case-insensitive, and nothing looser: ``Mike@`` is ``mike@`` but ``m\N{LATIN SMALL LETTER DOTLESS I}ke@``
(dotless i, U+0131) is not. Each character is case-folded on its own, and only when folding keeps it one
character and does not move it into or out of ASCII; otherwise it must match exactly. So no folding or
normalisation ever turns a look-alike (Kelvin sign K, long s, dotted İ, ß) into a different address.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Model, QuerySet
from django.db.models.functions import Lower


def normalize(address: str) -> str:
    """How an address typed into a form is kept: stripped, the domain lower-cased, the local part as typed."""
    local, _at, domain = address.strip().rpartition("@")
    return f"{local}@{domain.lower()}" if local else address.strip()


def key(address: str) -> str:
    """What two addresses must share to be the same address (see the module docstring)."""
    folded = []
    for char in address.strip():
        lower = char.casefold()
        folded.append(lower if len(lower) == 1 and lower.isascii() == char.isascii() else char)
    return "".join(folded)


def same_address(a: str, b: str) -> bool:
    return key(a) == key(b)


def candidates[M: Model](queryset: QuerySet[M], field: str, addresses: Iterable[str]) -> QuerySet[M]:
    """The rows whose ``field`` may hold one of ``addresses``, narrowed in the database by ``lower()``.

    A database's ``lower()`` is not this module's rule (PostgreSQL lower-cases the Kelvin sign to ``k``),
    so callers decide on the rows this returns with ``key``/``same_address``. On SQLite, ``lower()``
    folds ASCII letters only, so addresses differing only in the case of a non-ASCII letter are not found
    there (PostgreSQL finds them)."""
    return queryset.annotate(address_lower=Lower(field)).filter(
        address_lower__in={a.strip().lower() for a in addresses}
    )
