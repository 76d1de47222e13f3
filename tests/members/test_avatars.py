"""Avatars (members/avatars.py, members/templatetags/avatars.py): initials, a colour from the address that
never changes, and a palette with WCAG AA contrast in light and dark mode (read from the stylesheet)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from members.avatars import PALETTE_SIZE, colour, initials
from tests.factories import MembershipFactory

CSS = Path(settings.BASE_DIR) / "static" / "css" / "app.css"
RULE = re.compile(r"\.avatar--(\d+) \{ background: (#[0-9a-f]{6}); color: (#[0-9a-f]{6}); \}")


@pytest.mark.parametrize(
    ("name", "email", "expected"),
    [
        ("Ada King Lovelace", "ada@example.com", "AL"),
        ("grace", "g@example.com", "G"),
        ("", "grace.hopper@example.com", "GH"),
        ("", "ada@example.com", "A"),
        ("émile zola", "ez@example.com", "ÉZ"),
        ("", "42@example.com", "?"),
    ],
)
def test_initials(name, email, expected):
    assert initials(name, email) == expected


def test_the_colour_comes_from_the_address_alone_and_uses_the_whole_palette():
    assert colour("García@Example.com") == colour("garcia@example.com")  # folded like the Members page's keys
    assert colour("ada@example.com") == colour("ada@example.com") == 5  # stable across processes (no salted hash)
    assert {colour(f"person{n}@example.com") for n in range(200)} == set(range(PALETTE_SIZE))


def relative_luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    light, dark = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_every_colour_has_aa_contrast_in_light_and_dark_mode():
    css = CSS.read_text()
    dark = css.index("@media (prefers-color-scheme: dark)")
    light_rules = {int(m[1]): (m[2], m[3]) for m in RULE.finditer(css, 0, dark)}
    dark_rules = {int(m[1]): (m[2], m[3]) for m in RULE.finditer(css, dark)}
    assert set(light_rules) == set(dark_rules) == set(range(PALETTE_SIZE))
    for index, (background, text) in [*light_rules.items(), *dark_rules.items()]:
        assert contrast(background, text) >= 4.5, (index, background, text)


def test_the_members_page_shows_each_person_with_their_avatar(owner_client, organization):
    MembershipFactory(organization=organization, user__name="Ada Lovelace", user__email="ada@example.com")
    html = owner_client.get(reverse("members:members", args=[organization.slug])).content.decode()
    assert f'<span class="avatar avatar--{colour("ada@example.com")}" aria-hidden="true">AL</span>' in html
    assert f'<span class="avatar avatar--{colour("owner@example.com")}" aria-hidden="true">OO</span>' in html
