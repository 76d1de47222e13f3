"""``{% member_rows rows can_manage %}``: the Members page's table rows, built in Python.

The same markup a ``{% for %}`` over the rows rendered, in a fraction of the time: Django's template engine spent
about 0.3 ms a row resolving some sixty variables, filters and tags, the largest part of the page's own cost at 50
rows (issue 17, target 2). Every value is escaped (``_e``: what autoescaping does, without its lazy-string checks).
"""

from __future__ import annotations

import html
from datetime import datetime
from functools import lru_cache

from django import template
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from members.models import Invitation, Organization
from members.selectors import MemberRow
from members.templatetags.avatars import avatar

register = template.Library()


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
    html_ = "".join(
        _row(row, can_manage, show_security, row.is_membership and row.user_id == viewer_id) for row in rows
    )
    return mark_safe(html_)  # noqa: S308 - every value escaped by _e


def _e(value: object) -> str:
    return html.escape(str(value))


def _date(value: datetime | None, pattern: str) -> str:
    """What ``{{ value|date:pattern }}`` renders: in the current time zone, empty for no date."""
    if value is None:
        return ""
    if pattern == "c":
        return timezone.localtime(value).isoformat()
    return _formatted(timezone.localtime(value).replace(second=0, microsecond=0), pattern, get_language())


@lru_cache(maxsize=1024)
def _formatted(moment: datetime, pattern: str, language: str | None) -> str:
    """Rows share days (and minutes): format each once. The language names the month."""
    return _e(dateformat.format(moment, pattern))


def _row(row: MemberRow, can_manage: bool, show_security: bool, you: bool) -> str:
    problem = row.delivery_problem
    inviter = row.invited_by.display_name if row.invited_by else ""
    return (
        f"<tr>{_user_cell(row, can_manage, you)}"
        f'<td data-label="Organization Role"><span class="badge badge--{_e(row.role)}">{_e(row.role_label)}</span></td>'
        f'<td data-label="Project Access">{_projects(row)}</td>'
        f'<td data-label="Status"><span class="badge badge--{_e(row.status)}">{_e(row.status_label)}</span>'
        + (f' <span class="badge badge--failed">{_e(problem)}</span>' if problem else _link_only(row))
        + "</td>"
        + (_two_factor_cell(row) if show_security else "")
        + (
            f'<td data-label="Invited by"><span class="truncate" title="{_e(inviter)}">{_e(inviter)}</span></td>'
            if inviter
            else '<td data-label="Invited by"><span class="muted">—</span></td>'
        )
        + _date_cell(row, show_security)
        + (_actions(row, you) if can_manage else "")
        + "</tr>"
    )


def _link_only(row: MemberRow) -> str:
    """An open invitation nobody emailed: an owner took its link to deliver it (Copy invitation link)."""
    if row.is_membership or row.delivery != Invitation.Delivery.LINK_ONLY:
        return ""
    return ' <span class="muted block">Link copied, not emailed</span>'


def _user_cell(row: MemberRow, can_manage: bool, you: bool) -> str:
    select = ""
    if can_manage:
        value = f"{'m' if row.is_membership else 'i'}{row.id}"
        select = (
            f'<input type="checkbox" class="row-select" name="row" value="{value}" form="bulk-form" '
            f'aria-label="Select {_e(row.email)}">'
        )
    email = _e(row.email)
    if not row.is_membership:
        who = f'<span class="member-name truncate" title="{email}">{email}</span><span class="muted">Invitation</span>'
    else:
        name = _e(row.name or row.email)
        who = f'<span class="member-name truncate" title="{name}">{name}</span>'
        if you:  # the name is cut before the "(you)" after it is
            who = f'<span class="member-line">{who} <span class="muted">(you)</span></span>'
        if row.name:
            who += f'<span class="muted truncate" title="{email}">{email}</span>'
    who = f'<span class="member-who">{avatar(row.name, row.email)}<span class="member-text">{who}</span></span>'
    return f'<td class="cell--user">{select} {who}</td>'


def _two_factor_cell(row: MemberRow) -> str:
    """Owners only: a member's two-factor status (an invitation has no account to have it)."""
    if row.two_factor is None:
        state = '<span class="muted">—<span class="visually-hidden"> (an invitation)</span></span>'
    elif row.two_factor:
        state = '<span class="badge badge--verified">On</span>'
    else:
        state = '<span class="badge badge--expired">Off</span>'
    return f'<td data-label="Two-factor">{state}</td>'


def _projects(row: MemberRow) -> str:
    if row.role == "owner":  # a member or an invitation: Owners have every project as Project Admin
        return '<span class="muted">Project Admin on every project</span>'
    if not row.projects:
        return '<span class="muted">None</span>'
    pairs = [f"{_e(project)}: {_e(label)}" for project, label in row.projects]
    html_ = '<ul class="project-access">' + "".join(f'<li class="truncate" title="{p}">{p}</li>' for p in pairs[:2])
    html_ += "</ul>"
    if len(pairs) > 2:
        rest = "".join(f"<li>{pair}</li>" for pair in pairs[2:])
        html_ += (
            f' <details class="more"><summary>{len(pairs) - 2} more<span class="visually-hidden"> projects'
            f'</span></summary><ul class="project-access">{rest}</ul></details>'
        )
    return html_


def _date_cell(row: MemberRow, show_security: bool) -> str:
    label = "Joined" if row.is_membership else "Invited"
    cell = (
        f'<td data-label="{label}"><span class="visually-hidden">{label} </span>'
        f'<time datetime="{_e(_date(row.date, "c"))}">{_date(row.date, "M j, Y")}</time>'
    )
    if show_security and row.is_membership:  # owners only: when the member was last active (hourly)
        when = row.last_active
        seen = f'<time datetime="{_e(_date(when, "c"))}">{_date(when, "M j, Y")}</time>' if when else "never"
        cell += f' <span class="muted block">Last active {seen}</span>'
    if not row.is_membership:
        state = "Expired" if row.status == "expired" else "Expires"
        cell += f' <span class="muted block">{state} {_date(row.obj.expires_at, "M j, Y H:i")} UTC</span>'  # type: ignore[union-attr]
    return cell + "</td>"


def _actions(row: MemberRow, you: bool) -> str:
    if you:  # your own row: no Edit Role (nobody changes their own role), no third-person Leave
        items = f'<li><a href="{_e(row.urls["leave"])}">Leave organization</a></li>'
        return _menu(f"you ({_e(row.email)})", items)
    if row.is_membership:
        links = [("edit", "", "Edit Role"), ("remove", ' class="menu__danger"', "Leave")]
    else:
        links = [
            ("edit", "", "Edit Role"),
            ("resend", "", "Resend invitation"),
            ("copy_link", "", "Copy invitation link"),
            ("revoke", ' class="menu__danger"', "Revoke Invitation"),
        ]
    items = "".join(
        f'<li><a{css} href="{_e(row.urls[name])}" hx-get="{_e(row.urls[name])}" hx-target="#member-dialog" '
        f"data-dialog-trigger>{text}</a></li>"
        for name, css, text in links
    )
    return _menu(_e(row.email), items)


def _menu(whose: str, items: str) -> str:
    return (
        '<td class="cell--actions"><details class="menu menu--end row-menu"><summary>'
        '<span class="row-menu__icon" aria-hidden="true">⋯</span>'
        f'<span class="visually-hidden">Actions for {whose}</span></summary>'
        f'<ul class="menu__list">{items}</ul></details></td>'
    )
