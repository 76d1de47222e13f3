"""The role x endpoint matrix, generated from the URLconf.

Every URL with ``org_slug`` in it must have a row in ``ROWS`` (a new view without one fails
``test_every_organization_url_has_a_row``). Each row says how to build the URL's other kwargs
from the ``world`` fixture and, for views that accept POST, a valid POST body. The expected
outcome comes from the permission the view declares (``@organization_view``) and the role table:

- anonymous: redirected to sign in; stranger and another organization's owner: 404;
- member / owner: 200 (or a redirect) when their role grants the permission, else 403 (404 for pages
  hidden from those who may not see them, such as Activity);
- every refused POST leaves the database and the outbox exactly as they were.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import get_resolver, resolve, reverse

from members.roles import ORGANIZATION_ROLE_PERMISSIONS, OrgRole
from members.services.tokens import create_api_token
from tests.conftest import client_for
from tests.factories import (
    InvitationFactory,
    MembershipEventFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
)
from tests.helpers import db_snapshot


@dataclass(frozen=True)
class Row:
    kwargs: Callable[[SimpleNamespace], dict[str, Any]] = lambda w: {}
    # None: the view takes no POST (a POST must still change nothing).
    post: Callable[[SimpleNamespace], dict[str, Any]] | None = None
    methods: tuple[str, ...] = field(default=("GET",))


ROWS: dict[str, Row] = {
    "members:members": Row(),
    "members:projects": Row(),
    "members:project_create": Row(post=lambda w: {"name": "Brand new"}),
    "members:project_rename": Row(kwargs=lambda w: {"project_id": w.project.pk}, post=lambda w: {"name": "Renamed"}),
    "members:settings": Row(post=lambda w: {"name": "Renamed Org"}),
    "members:two_factor_requirement": Row(post=lambda w: {"required": "off"}),
    "members:billing": Row(
        post=lambda w: {"billing_email": "new@example.com", "plan_name": "Pro", "billing_address": "1 Main St"}
    ),
    "members:invite": Row(post=lambda w: {"emails": "new-person@example.com", "role": "member"}),
    "members:invitation_edit": Row(
        kwargs=lambda w: {"invitation_id": w.invitation.pk},
        post=lambda w: {"role": "member", f"project_{w.project.pk}": "read_write"},
    ),
    "members:invitation_resend": Row(kwargs=lambda w: {"invitation_id": w.invitation.pk}, post=lambda w: {}),
    "members:invitation_revoke": Row(kwargs=lambda w: {"invitation_id": w.invitation.pk}, post=lambda w: {}),
    "members:invitation_copy_link": Row(kwargs=lambda w: {"invitation_id": w.invitation.pk}, post=lambda w: {}),
    "members:member_edit_role": Row(
        kwargs=lambda w: {"membership_id": w.colleague.pk},
        post=lambda w: {"role": "member", f"project_{w.project.pk}": "admin"},
    ),
    "members:member_remove": Row(kwargs=lambda w: {"membership_id": w.colleague.pk}, post=lambda w: {}),
    # Owners' POSTs here first need recent authentication (a redirect to allauth's reauthenticate page).
    "members:api_tokens": Row(post=lambda w: {"name": "CI", "scopes": ["members:read"], "expires_in_days": "90"}),
    "members:api_token_revoke": Row(kwargs=lambda w: {"token_id": w.api_token.pk}, post=lambda w: {}),
    "members:members_export": Row(post=lambda w: {}),
    "members:invite_csv": Row(
        post=lambda w: {"file": SimpleUploadedFile("team.csv", b"email\nnew-person@example.com\n", "text/csv")}
    ),
    "members:invite_csv_template": Row(),
    "members:members_bulk": Row(post=lambda w: {"action": "revoke", "row": [f"i{w.invitation.pk}"]}),
    "members:activity": Row(),
    "members:activity_event": Row(kwargs=lambda w: {"event_id": w.event.pk}),
    "members:activity_export": Row(post=lambda w: {}),
    "members:organization_delete": Row(post=lambda w: {"name": w.organization.name}),
    "members:project_delete": Row(kwargs=lambda w: {"project_id": w.project.pk}, post=lambda w: {}),
    "members:transfer_ownership": Row(post=lambda w: {"email": "colleague@example.com"}),
}

# Views where the member's own POST is allowed but acts on themselves (tested in their own modules).
SELF_SERVICE = {"members:leave"}


def organization_url_names() -> set[str]:
    def walk(patterns: list, route: str) -> Iterator[tuple[str, str]]:
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):  # an include() of a group of pages
                yield from walk(pattern.url_patterns, route + str(pattern.pattern))
            else:
                yield route + str(pattern.pattern), pattern.name

    members = next(p for p in get_resolver().url_patterns if getattr(p, "namespace", None) == "members")
    return {f"members:{name}" for route, name in walk(members.url_patterns, "") if "org_slug" in route}


@pytest.fixture
def world(organization, owner, member, other_owner, stranger) -> SimpleNamespace:
    project = ProjectFactory(organization=organization, name="Production")
    colleague = MembershipFactory(organization=organization, user__email="colleague@example.com")
    invitation = InvitationFactory(organization=organization, email="pending@example.com")
    return SimpleNamespace(
        organization=organization,
        owner=owner,
        member=member,
        other_owner=other_owner,
        stranger=stranger,
        project=project,
        colleague=colleague,
        invitation=invitation,
        event=MembershipEventFactory(organization=organization, actor=owner, target_email="pending@example.com"),
        outsider_membership=MembershipFactory(user=UserFactory()),
        api_token=create_api_token(
            organization, actor=owner, name="Existing", scopes=["members:read"], expires_in_days=90
        ).token,
    )


def test_every_organization_url_has_a_row():
    assert organization_url_names() - SELF_SERVICE == set(ROWS)


def _url(name: str, w: SimpleNamespace) -> str:
    return reverse(name, kwargs={"org_slug": w.organization.slug, **ROWS[name].kwargs(w)})


def _allowed(role: str | None, perm: str) -> bool:
    return role is not None and perm in ORGANIZATION_ROLE_PERMISSIONS[role]


ACTORS = ["anonymous", "stranger", "other_owner", "member", "owner"]
ACTOR_ROLE = {"member": OrgRole.MEMBER, "owner": OrgRole.OWNER}


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("name", sorted(ROWS))
def test_get(name: str, actor: str, world: SimpleNamespace):
    url = _url(name, world)
    view = resolve(url).func
    client = client_for(getattr(world, actor, None))
    before = db_snapshot()

    response = client.get(url)

    if actor == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif actor in {"stranger", "other_owner"}:
        assert response.status_code == 404
    elif _allowed(ACTOR_ROLE[actor], view.required_permission):
        assert response.status_code in {200, 302}
    else:
        assert response.status_code == view.denied_status
    assert db_snapshot() == before, "a GET must never change anything"


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("name", sorted(ROWS))
def test_post(name: str, actor: str, world: SimpleNamespace):
    row = ROWS[name]
    url = _url(name, world)
    view = resolve(url).func
    client = client_for(getattr(world, actor, None))
    before, outbox_before = db_snapshot(), len(mail.outbox)

    response = client.post(url, row.post(world) if row.post else {})

    allowed = actor in ACTOR_ROLE and _allowed(ACTOR_ROLE[actor], view.required_post_permission)
    if actor == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif actor in {"stranger", "other_owner"}:
        assert response.status_code == 404
    elif row.post is None:
        assert response.status_code in {view.denied_status, 405}
    elif allowed:
        assert response.status_code in {200, 302}
        return
    else:
        assert response.status_code == view.denied_status
    after = db_snapshot()
    if response.status_code == 403:
        # A member's refused write is audited (#11.6), and nothing else changes.
        refusals = [row for row in after["members.MembershipEvent"] if row["action"] == "refused"]
        assert [row["actor_id"] for row in refusals] == [getattr(world, actor).pk]
        after["members.MembershipEvent"] = [
            row for row in after["members.MembershipEvent"] if row["action"] != "refused"
        ]
    assert after == before, "a refused POST must change nothing"
    assert len(mail.outbox) == outbox_before
