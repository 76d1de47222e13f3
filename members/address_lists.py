"""Reading what people paste into Invite User: addresses as mail clients copy them.

``Dave Smith <dave@example.com>; "Smith, Eve" <eve@example.com>`` (RFC 5322 address lists, with the semicolons
Outlook puts between them), one per line, or bare addresses separated by commas, spaces or new lines. The
standard library reads each name-addr (``email.utils.getaddresses``); only the separators between entries are
found here, outside quotes, angle brackets and comments, where a name may hold a comma or a semicolon.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.header import decode_header, make_header
from email.utils import getaddresses

SEPARATORS = {",", ";", "\n", "\r"}
OPENERS = {"<": ">", "(": ")"}


@dataclass(frozen=True)
class Entry:
    """One address as typed (``typed``), the address in it and the display name given with it ("" if none);
    ``address`` is "" when the entry could not be read as an address."""

    typed: str
    address: str
    name: str = ""


def _split_entries(text: str) -> list[str]:
    """The text cut at each comma, semicolon or line break that is not inside a quoted string, ``<…>`` or a
    ``(comment)``."""
    entries, current = [], []
    quoted, closer, escaped = False, "", False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif quoted:
            quoted = char != '"'
        elif closer:
            closer = "" if char == closer else closer
        elif char == '"':
            quoted = True
        elif char in OPENERS:
            closer = OPENERS[char]
        elif char in SEPARATORS:
            entries.append("".join(current))
            current = []
            continue
        current.append(char)
    entries.append("".join(current))
    return [entry.strip() for entry in entries if entry.strip()]


def _decoded(name: str) -> str:
    """A name as the reader sees it: RFC 2047 encoded words (``=?utf-8?q?J=C3=B6rg?=``) decoded."""
    try:
        return str(make_header(decode_header(name))).strip()
    except (UnicodeError, LookupError, ValueError):
        return name.strip()


def _name_addr(entry: str) -> Entry:
    """An entry with a display name, a quoted part or angle brackets, read by the standard library."""
    parsed = getaddresses([entry])
    if len(parsed) != 1 and entry.endswith(">"):
        # Outlook writes the name as the address in single quotes ('dave@example.com' <dave@example.com>), which
        # the strict parser reads as two addresses: the one in angle brackets is the address.
        name, _bracket, address = entry[:-1].rpartition("<")
        parsed = [(name.strip().strip("'\""), address.strip())]
    if len(parsed) != 1 or not parsed[0][1] or "@" not in parsed[0][1]:
        return Entry(typed=entry, address="")
    name, address = parsed[0]
    return Entry(typed=entry, address=address, name=_decoded(name))


def parse(text: str) -> list[Entry]:
    """Every entry of the pasted text, in order; an entry that is not an address has ``address == ""``."""
    entries: list[Entry] = []
    for entry in _split_entries(text):
        if any(mark in entry for mark in '<"('):
            entries.append(_name_addr(entry))
        else:  # bare addresses, as before: commas, spaces or new lines between them
            entries.extend(Entry(typed=part, address=part) for part in entry.split())
    return entries
