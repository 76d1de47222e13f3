"""The one rule for "the same email address", used by the forms, the services and the invitation checks.

Case-insensitive, and nothing looser: ``Mike@`` is ``mike@`` but ``m\N{LATIN SMALL LETTER DOTLESS I}ke@``
(dotless i, U+0131) is not. Each character is case-folded on its own, and only when folding keeps it one
character and does not move it into or out of ASCII; otherwise it must match exactly. So no folding or
normalisation ever turns a look-alike (Kelvin sign K, long s, dotted İ, ß) into a different address.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import idna
from django.db.models import Model, QuerySet
from django.db.models.functions import Lower
from django.utils.translation import gettext as _


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


# --- Where we send: the rules for an address typed into the console (#11.4) ----------------------------------------

# C0 and C1 controls: legal inside a quoted local part, never in an address a person types.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def domain_ascii(domain: str) -> str:
    """The domain as DNS knows it (IDNA 2008 with UTS #46 mapping, no transitional ß → ss): ``straße.de`` is
    ``xn--strae-oqa.de``, a different domain from ``strasse.de``. Raises ``idna.IDNAError`` for a bad name."""
    return idna.encode(domain, uts46=True, transitional=False).decode("ascii")


def deliverable_problem(address: str) -> str:
    """Why the console will not send to this (syntactically valid) address, or "" when it will."""
    local, _at, domain = address.rpartition("@")
    if CONTROL.search(local):
        return _("“%(address)s” contains a control character.")
    if domain.startswith("[") or all(part.isdigit() for part in domain.split(".")):
        return _("“%(address)s” is at an IP address; use an address at a domain name.")
    try:
        ascii_domain = domain_ascii(domain)
    except idna.IDNAError:
        return _("“%(address)s” does not have a valid domain name.")
    if ascii_domain == "localhost" or ascii_domain.endswith(".localhost") or "." not in ascii_domain:
        return _("“%(address)s” is not at a public domain name (a local or single-label host).")
    return ""
