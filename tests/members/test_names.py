"""members/names.py: names that go into emails carry no link, markup or invisible characters."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from members.names import validate_name

GOOD = [
    "Acme Corp",
    "Acme Inc.",
    "Ünïcødé GmbH & Co. KG",
    "O'Brien, Ltd.",
    "R&D 2026",
    "日本語チーム",
    "Dev-Ops (EU)",
    "No. 5",
]
BAD = [
    "Acme\x00Corp",
    "Acme\nCorp",
    "Acme\rBcc: x",
    "Acme\u202eproC",  # right-to-left override
    "Ac\u200bme",  # zero-width space
    "<b>Acme</b>",
    "Acme \uff1cscript\uff1e",  # full-width angle brackets
    "https://evil.example",
    "Visit http:/evil",
    "mailto:x",
    "www.evil",
    "Pay at evil.example now",
    "support@bank.example",
    "EVIL.COM",
]


@pytest.mark.parametrize("name", GOOD)
def test_ordinary_names_are_accepted(name):
    validate_name(name)


@pytest.mark.parametrize("name", BAD)
def test_links_markup_and_control_characters_are_refused(name):
    with pytest.raises(ValidationError):
        validate_name(name)
