"""Reading what people paste into Invite User (members.address_lists)."""

from __future__ import annotations

import pytest

from members.address_lists import Entry, parse


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Dave Smith <dave@example.com>; eve@example.com",
            [("dave@example.com", "Dave Smith"), ("eve@example.com", "")],
        ),
        (
            '"Smith, Dave" <dave@example.com>, "Lee; Ann" <ann@example.com>',
            [("dave@example.com", "Smith, Dave"), ("ann@example.com", "Lee; Ann")],
        ),
        ("a@example.com b@example.com\nc@example.com;d@example.com", [(f"{x}@example.com", "") for x in "abcd"]),
        ("<dave@example.com>", [("dave@example.com", "")]),
        ("=?utf-8?q?J=C3=B6rg?= <jorg@example.de>", [("jorg@example.de", "Jörg")]),
        ("x@example.com (Xavier, at home)", [("x@example.com", "Xavier, at home")]),
        (
            '"Quote \\" inside" <q@example.com>, r@example.com',
            [("q@example.com", 'Quote " inside'), ("r@example.com", "")],
        ),
        ("'fay@example.com' <fay@example.com>", [("fay@example.com", "fay@example.com")]),
        (" ;, \n ", []),
    ],
)
def test_address_lists_as_mail_clients_copy_them(text, expected):
    assert [(entry.address, entry.name) for entry in parse(text)] == expected


def test_an_entry_that_is_no_address_keeps_what_was_typed_for_the_message():
    assert parse("Bad <nope>, ok@example.com") == [
        Entry(typed="Bad <nope>", address=""),
        Entry(typed="ok@example.com", address="ok@example.com"),
    ]
