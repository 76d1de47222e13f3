"""``{% member_rows rows can_manage %}``: the Members page's table rows, from the Jinja2 fragment
templates/jinja2/members/member_rows.html (autoescaped).

Django's engine spent about 0.3 ms a row resolving some sixty variables, filters and tags, the largest part of the
page's own cost at 50 rows (issue 17, target 2); Jinja2 compiles the fragment to Python and renders the same rows
about four times as fast (README, "Performance")."""

from __future__ import annotations

from django import template
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from members.models import Organization
from members.roles import OrgRole
from members.selectors import MemberRow, RowStatus

register = template.Library()

TEMPLATE = "members/member_rows.html"

# Each row's dialog links: one reverse() per link name for the page, the row's id put in its place (a reverse() per
# row and link was a tenth of the page's rendering time).
ROW_LINKS = {
    True: {"edit": "members:member_edit_role", "remove": "members:member_remove"},
    False: {
        "edit": "members:invitation_edit",
        "resend": "members:invitation_resend",
        "copy_link": "members:invitation_copy_link",
        "revoke": "members:invitation_revoke",
    },
}
_ID_PLACEHOLDER = 987654321987


def with_action_urls(
    rows: list[MemberRow], organization: Organization, *, viewer: int | None = None
) -> list[MemberRow]:
    slug = organization.slug
    patterns = {
        kind: {name: reverse(to, args=[slug, _ID_PLACEHOLDER]) for name, to in links.items()}
        for kind, links in ROW_LINKS.items()
    }
    leave = {"leave": reverse("members:leave", args=[slug])}
    for row in rows:
        if row.is_membership and row.user_id == viewer:
            row.urls = leave  # your own row: Leave organization, in the first person; nothing else
            continue
        row.urls = {
            name: url.replace(str(_ID_PLACEHOLDER), str(row.id)) for name, url in patterns[row.is_membership].items()
        }
    return rows


@register.simple_tag
def member_rows(
    rows: list[MemberRow], can_manage: bool, show_security: bool = False, viewer_id: int | None = None
) -> SafeString:
    """``show_security``: the owners' Two-factor cell; ``viewer_id``: whose row says "(you)"."""
    context = {"rows": rows, "can_manage": can_manage, "show_security": show_security, "viewer_id": viewer_id}
    # Looked up once for all rows, not in each (each lookup reads a context-local variable): the time zone, the
    # language and the role and status labels in it.
    labels = {value: str(label) for value, label in (*OrgRole.choices, *RowStatus.choices)}
    context |= {"timezone": timezone.get_current_timezone(), "language": get_language(), "labels": labels}
    html = get_template(TEMPLATE, using="jinja2").render(context)
    return mark_safe(html)  # noqa: S308 - the output of an autoescaped template
