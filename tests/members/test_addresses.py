"""The one rule for "the same email address" (members.addresses): what the forms keep, what counts as
the same address, and that every lookup in the database follows that rule."""

from __future__ import annotations

import pytest

from members.addresses import candidates, key, normalize, same_address
from members.models import User
from tests.factories import UserFactory

DOTLESS_I = "\N{LATIN SMALL LETTER DOTLESS I}"
KELVIN = "\N{KELVIN SIGN}"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Someone@EXAMPLE.Com ", "Someone@example.com"),
        ("a@b.co", "a@b.co"),
        ("no-at-sign", "no-at-sign"),
    ],
)
def test_normalize_lower_cases_only_the_domain(raw, expected):
    assert normalize(raw) == expected


def test_case_folding_still_matches_genuine_case_differences():
    assert same_address("MIKE@Example.COM", "mike@example.com")
    assert same_address(
        "\N{LATIN CAPITAL LETTER E WITH ACUTE}lise@example.com", "\N{LATIN SMALL LETTER E WITH ACUTE}lise@example.com"
    )
    assert not same_address(f"M{DOTLESS_I}KE@example.com", "mike@example.com")


@pytest.mark.parametrize(
    "look_alike",
    [
        f"m{DOTLESS_I}ke@example.com",
        f"{KELVIN}ate@example.com",
        "stra\N{LATIN SMALL LETTER SHARP S}e@example.com",
    ],
)
def test_look_alikes_have_other_keys(look_alike):
    plain = look_alike.replace(DOTLESS_I, "i").replace(KELVIN, "k").replace("\N{LATIN SMALL LETTER SHARP S}", "ss")
    assert key(look_alike) != key(plain)
    assert not same_address(look_alike, plain)


def test_keys_ignore_surrounding_space_and_ascii_case():
    assert key("  Ann@Example.COM ") == key("ann@example.com")


def test_candidates_narrow_case_insensitively_and_the_rule_decides(db):
    UserFactory(email="Kate@example.com")
    UserFactory(email="other@example.com")
    found = candidates(User.objects.all(), "email", ["kate@EXAMPLE.com", f"{KELVIN}ate@example.com"])
    assert list(found.values_list("email", flat=True)) == ["Kate@example.com"]
    assert [same_address(email, f"{KELVIN}ate@example.com") for email in found.values_list("email", flat=True)] == [
        False
    ]
