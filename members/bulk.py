"""Bulk actions, the reading side: which rows a selection on the Members page names, and the preview of
what an action would do to each (applies, or skips and why) before anything changes. The services in
``members.services.bulk`` decide again, under their locks, when the owner confirms."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.exceptions import LastOwnerError
from members.member_list import MEMBERSHIP, Query, fetch_keys
from members.models import Invitation, Membership, Organization, User
from members.roles import OrgRole
from members.services.bulk import BulkAction, removal_skip, role_change_skip

# The most rows one bulk request acts on (each is a locked row, an audit event and an email).
BULK_LIMIT = 1000
ROW_VALUE = re.compile(r"^([mi])(\d{1,18})$")


class BulkActionForm(forms.Form):
    action = forms.ChoiceField(label=gettext_lazy("Bulk action"), choices=BulkAction.choices)
    new_role = forms.ChoiceField(label=gettext_lazy("New Organization Role"), choices=OrgRole.choices, required=False)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("action") == BulkAction.CHANGE_ROLE and not data.get("new_role"):
            self.add_error("new_role", _("Choose the Organization Role to give."))
        return data


@dataclass
class Selection:
    membership_ids: list[int] = field(default_factory=list)
    invitation_ids: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.membership_ids) + len(self.invitation_ids)

    def values(self) -> list[str]:
        """The selection as the form's ``row`` values, to carry it from the preview to the submit."""
        return [f"m{pk}" for pk in self.membership_ids] + [f"i{pk}" for pk in self.invitation_ids]


def selection_from(organization: Organization, data: QueryDict, *, filters: dict[str, str]) -> Selection:
    """The rows named by the checked ``row`` boxes (with the header's ``page`` box, every ``page_row`` of the
    page too), or with ``all`` every row the filters select (all pages). Malformed values are ignored; ids of
    another organization are dropped when the rows are loaded."""
    selection = Selection()
    if data.get("all") == "1":
        # The Members page's own keyset query: one index scan that stops past the limit, at any size.
        for *_sort_keys, kind, row_id in fetch_keys(organization, Query(**filters), limit=BULK_LIMIT + 1):
            (selection.membership_ids if kind == MEMBERSHIP else selection.invitation_ids).append(row_id)
        return selection
    values = data.getlist("row") + (data.getlist("page_row") if data.get("page") == "1" else [])
    for value in dict.fromkeys(values):
        if match := ROW_VALUE.match(value):
            ids = selection.membership_ids if match[1] == "m" else selection.invitation_ids
            ids.append(int(match[2]))
    return selection


@dataclass
class Preview:
    applies: list[str] = field(default_factory=list)
    skips: list[tuple[str, str]] = field(default_factory=list)

    def skips_by_reason(self) -> list[tuple[str, list[str]]]:
        return by_reason(self.skips)


def by_reason(skips: list[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    """Skipped rows, (who, why), grouped by why in the order the reasons first come up."""
    groups: dict[str, list[str]] = {}
    for who, why in skips:
        groups.setdefault(why, []).append(who)
    return list(groups.items())


def preview(organization: Organization, *, actor: User, action: str, new_role: str, selection: Selection) -> Preview:
    """What ``action`` would do to each selected row, by the rules the single actions apply."""
    memberships = list(
        Membership.objects.select_related("user").filter(organization=organization, pk__in=selection.membership_ids)
    )
    invitations = list(Invitation.objects.filter(organization=organization, pk__in=selection.invitation_ids))
    # The order the service acts in: the selection's, which is the page's.
    position = {("m", pk): n for n, pk in enumerate(selection.membership_ids)}
    position |= {("i", pk): n for n, pk in enumerate(selection.invitation_ids)}
    memberships.sort(key=lambda membership: position["m", membership.pk])
    invitations.sort(key=lambda invitation: position["i", invitation.pk])
    result = Preview()
    if action in {BulkAction.REVOKE, BulkAction.RESEND}:
        for membership in memberships:
            result.skips.append((membership.user.email, _("A member, not an invitation.")))
        for invitation in invitations:
            if invitation.status == Invitation.Status.PENDING:
                result.applies.append(invitation.email)
            else:
                result.skips.append((invitation.email, _("This invitation is no longer pending.")))
        return result
    for invitation in invitations:
        result.skips.append((invitation.email, _("An invitation, not a member yet.")))
    owners_left = Membership.objects.filter(organization=organization, role=OrgRole.OWNER).count()
    for membership in memberships:
        email = membership.user.email
        if reason := _skip(action, membership, actor=actor, new_role=new_role):
            result.skips.append((email, reason))
        elif membership.role == OrgRole.OWNER and owners_left == 1:
            result.skips.append((email, str(LastOwnerError().message)))
        else:
            owners_left -= membership.role == OrgRole.OWNER
            result.applies.append(email)
    return result


def _skip(action: str, membership: Membership, *, actor: User, new_role: str) -> str:
    if action == BulkAction.CHANGE_ROLE:
        return role_change_skip(membership, role=new_role)
    return removal_skip(membership, actor=actor)


def touches_owners(organization: Organization, *, action: str, new_role: str, selection: Selection) -> bool:
    """Whether the action would make or unmake an Organization Owner (then the password is asked again,
    as the single Edit Role and Leave do)."""
    if action == BulkAction.CHANGE_ROLE and new_role == OrgRole.OWNER:
        return True
    owners = Membership.objects.filter(organization=organization, pk__in=selection.membership_ids, role=OrgRole.OWNER)
    return action in {BulkAction.CHANGE_ROLE, BulkAction.REMOVE} and owners.exists()
