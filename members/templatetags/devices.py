"""``{{ user_agent|device }}``: a browser's user agent as a person would name it ("Chrome on Linux")."""

from __future__ import annotations

import re

from django import template

register = template.Library()

# First match wins: Edge and Opera say "Chrome" too, Chrome says "Safari" too.
BROWSERS = [
    ("Edge", r"Edg(e|A|iOS)?/"),
    ("Opera", r"OPR/|Opera"),
    ("Firefox", r"Firefox/|FxiOS/"),
    ("Chrome", r"Chrome/|CriOS/"),
    ("Safari", r"Safari/"),
]
SYSTEMS = [
    ("iPhone", r"iPhone"),
    ("iPad", r"iPad"),
    ("Android", r"Android"),
    ("Windows", r"Windows"),
    ("macOS", r"Mac OS X|Macintosh"),
    ("ChromeOS", r"CrOS"),
    ("Linux", r"Linux"),
]


def _first(table: list[tuple[str, str]], user_agent: str) -> str:
    return next((name for name, pattern in table if re.search(pattern, user_agent)), "")


@register.filter
def device(user_agent: str) -> str:
    browser, system = _first(BROWSERS, user_agent or ""), _first(SYSTEMS, user_agent or "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown browser"
