"""``{% avatar name email %}``: a person's initials on their colour (members.avatars), hidden from screen readers
(the name next to it says who it is)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from members.avatars import colour, initials

register = template.Library()


@register.simple_tag
def avatar(name: str, email: str) -> SafeString:
    return format_html(
        '<span class="avatar avatar--{}" aria-hidden="true">{}</span>', colour(email), initials(name, email)
    )
