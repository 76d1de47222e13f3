"""The rule for names that end up in emails sent from our domain (organization, project and display names).

A name is shown next to our sender address in subjects and bodies, so it must not carry a link (mail clients
turn ``www.x`` and ``evil.example`` into links), HTML-looking angle brackets, or control and direction-override
characters that rearrange what the reader sees.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# C0/C1 controls, zero-width and bidirectional formatting characters, line and paragraph separators.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
ANGLE_BRACKETS = re.compile("[<>\uff1c\uff1e\u2039\u203a\u3008\u3009]")
# A scheme (https:, mailto:), "www.", or a dotted host name such as evil.example: what mail clients link.
URL_LIKE = re.compile(r"[a-z][a-z0-9+.-]*:/|mailto:|\bwww\.|\w\.[a-z]{2,}\b|\w@\w", re.IGNORECASE)


def validate_name(value: str) -> None:
    """Refuse a name that could disguise itself or carry a link in an email."""
    if CONTROL.search(value):
        raise ValidationError(_("Names cannot contain control characters or invisible formatting."), code="control")
    if ANGLE_BRACKETS.search(value):
        raise ValidationError(_("Names cannot contain angle brackets (< or >)."), code="angle_brackets")
    if URL_LIKE.search(value):
        raise ValidationError(_("Names cannot contain web or email addresses."), code="url")
