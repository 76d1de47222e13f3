"""The normalised keys the Members page sorts and searches by, stored on each membership and invitation.

One Python fold on every database: accents removed (NFKD, combining marks dropped) and case folded, so "García"
sorts with "garcia" and a search for "garcia" (or "GARCÍA") finds it. The stored key is what the indexes serve;
the model layer keeps it current (``Membership``/``Invitation`` on save and bulk_create, through ``KeyedModel``
below; ``User`` on a name or email change), and the search folds the query the same way.
"""

from __future__ import annotations

import unicodedata
from typing import Protocol

from django.db import models


class Person(Protocol):
    name: str
    email: str


# Between the name and the address in a membership's search key, so a query never matches across the two.
SEARCH_SEPARATOR = "\x1f"


def fold(text: str) -> str:
    """Lower-case, accent-free form of ``text`` for sorting and searching."""
    if text.isascii():  # most names and addresses: nothing to decompose, and casefold is lower
        return text.strip().lower()
    decomposed = unicodedata.normalize("NFKD", text.strip())
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def membership_keys(user: Person) -> tuple[str, str]:
    """(sort key, search key) of a membership: sorted by name (the address when there is none), searched by both."""
    name, email = fold(user.name), fold(user.email)
    return name or email, f"{name}{SEARCH_SEPARATOR}{email}"


def invitation_key(email: str) -> str:
    """Sort and search key of an invitation: its address."""
    return fold(email)


class KeyedQuerySet(models.QuerySet):
    """bulk_create fills the stored sort keys, which bulk_create's skipped save() would have."""

    def bulk_create(self, objs, *args, **kwargs):  # type: ignore[no-untyped-def]
        objs = list(objs)
        for obj in objs:
            obj.fill_keys()
        return super().bulk_create(objs, *args, **kwargs)


class KeyedModel(models.Model):
    """A row that stores the sort keys above, refilled by every full save and by
    ``bulk_create``; a save of named fields leaves them alone."""

    objects = KeyedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: object, **kwargs: object) -> None:
        if kwargs.get("update_fields") is None:
            self.fill_keys()
        super().save(*args, **kwargs)

    def fill_keys(self) -> None:
        raise NotImplementedError
