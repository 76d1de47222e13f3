"""Avatars without an image service: a person's initials on one of ``PALETTE_SIZE`` colours, chosen from their
address by a hash (the same person has the same colour on every page, for every viewer, on every machine).

The colours are CSS classes (``.avatar--0`` to ``.avatar--7`` in static/css/app.css, a light and a dark set);
tests/members/test_avatars.py reads them there and checks WCAG AA contrast (4.5:1) for both."""

from __future__ import annotations

import hashlib
import re

from members.sortkeys import fold

PALETTE_SIZE = 8


def colour(email: str) -> int:
    """The palette index of an address: stable across processes (not Python's salted ``hash``)."""
    digest = hashlib.sha256(fold(email).encode()).digest()
    return int.from_bytes(digest[:4], "big") % PALETTE_SIZE


def initials(name: str, email: str) -> str:
    """Up to two letters: first and last word of the name ("Ada King Lovelace" → "AL"), else the address's
    first letters ("grace.hopper@…" → "GH", "ada@…" → "A"); "?" when neither has a letter."""
    words = re.findall(r"[^\W\d_][\w'-]*", name) or re.findall(r"[^\W\d_]+", email.split("@", 1)[0])
    if not words:
        return "?"
    letters = words[0][0] + (words[-1][0] if len(words) > 1 else "")
    return letters.upper()
