"""members/templatetags/member_table.py: the Members page's rows, built in Python, escape every value and say what
the page says for each kind of row."""

from __future__ import annotations

from django.utils import timezone

from members.member_list import INVITATION, MEMBERSHIP
from members.models import Invitation
from members.selectors import attach_row_details
from members.templatetags.member_table import member_rows, with_action_urls
from tests.factories import (
    InvitationFactory,
    InvitationProjectFactory,
    MembershipFactory,
    ProjectFactory,
    ProjectMembershipFactory,
    UserFactory,
)


def rows_html(organization, keys, *, can_manage=True) -> str:
    return member_rows(with_action_urls(attach_row_details(organization, keys), organization), can_manage)


def test_a_members_name_and_projects_are_escaped_and_the_third_project_is_under_more(organization, owner):
    user = UserFactory(name='Ada <script>"x"</script>', email="ada@example.com")
    membership = MembershipFactory(organization=organization, user=user, invited_by=owner)
    for name in ("A <b>", "B", "C"):
        ProjectMembershipFactory(project=ProjectFactory(organization=organization, name=name), user=user)

    html = rows_html(organization, [(MEMBERSHIP, membership.pk)])

    assert "<script>" not in html and "<b>" not in html
    assert 'title="Ada &lt;script&gt;&quot;x&quot;&lt;/script&gt;"' in html
    assert '<li class="truncate" title="A &lt;b&gt;: Project Read-Only">A &lt;b&gt;: Project Read-Only</li>' in html
    assert "<summary>1 more" in html and "<li>C: Project Read-Only</li>" in html
    assert f'<span class="truncate" title="{owner.display_name}">' in html  # invited by
    for action in ("role", "remove"):
        url = f"/o/{organization.slug}/members/{membership.pk}/{action}/"
        assert f'href="{url}" hx-get="{url}"' in html
    assert f'value="m{membership.pk}"' in html


def test_an_owner_has_every_project_and_no_actions_without_the_permission(organization, owner):
    own = organization.memberships.get(user=owner)
    html = rows_html(organization, [(MEMBERSHIP, own.pk)], can_manage=False)
    assert "Project Admin on every project" in html
    assert "row-select" not in html and "Actions for" not in html


def test_an_expired_invitation_with_a_bounce_says_so_with_its_links(organization, owner):
    invitation = InvitationFactory(organization=organization, email="old@example.com", expired=True)
    Invitation.objects.filter(pk=invitation.pk).update(delivery_status=Invitation.Delivery.BOUNCED)
    InvitationProjectFactory(invitation=invitation)
    expires = timezone.localtime(invitation.expires_at)

    html = rows_html(organization, [(INVITATION, invitation.pk)])

    assert '<span class="muted">Invitation</span>' in html
    assert "Expired" in html and 'class="badge badge--expired"' in html
    assert '<span class="badge badge--failed">Email bounced</span>' in html
    assert f"Expired {expires:%b} {expires.day}, {expires:%Y %H:%M} UTC" in html
    for action in ("resend", "revoke"):
        url = f"/o/{organization.slug}/invitations/{invitation.pk}/{action}/"
        assert f'href="{url}" hx-get="{url}"' in html
