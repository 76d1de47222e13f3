"""members/templatetags/member_table.py: the Members page's rows (a Jinja2 fragment, autoescaped) escape every value
in every cell and attribute, and say what the page says for each kind of row."""

from __future__ import annotations

from html.parser import HTMLParser

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


def rows_html(organization, keys, *, can_manage=True, show_security=False, viewer=None) -> str:
    rows = with_action_urls(attach_row_details(organization, keys), organization, viewer=viewer)
    return member_rows(rows, can_manage, show_security, viewer)


def test_a_members_name_and_projects_are_escaped_and_the_third_project_is_under_more(organization, owner):
    user = UserFactory(name='Ada <script>"x"</script>', email="ada@example.com")
    membership = MembershipFactory(organization=organization, user=user, invited_by=owner)
    for name in ("A <b>", "B", "C"):
        ProjectMembershipFactory(project=ProjectFactory(organization=organization, name=name), user=user)

    html = rows_html(organization, [(MEMBERSHIP, membership.pk)])

    assert "<script>" not in html and "<b>" not in html
    assert 'title="Ada &lt;script&gt;&#34;x&#34;&lt;/script&gt;"' in html  # markupsafe's spelling of &quot;
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


# Markup, quotes of both kinds, and Django's and Jinja2's own syntax: each must come out as the text it is.
HOSTILE = """<script>alert("x")</script> 'q' {{ 7*7 }} {% if 1 %}"""
HOSTILE_EMAIL = """e"v'e<script>{{ 7*7 }}@example.com"""


class Page(HTMLParser):
    """Each tag, each attribute value and each text node, as a browser reads them (character references resolved)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []
        self.texts: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += [(tag, name, value or "") for name, value in attrs]

    def handle_data(self, data: str) -> None:
        self.texts.append(data)

    def hostile(self) -> tuple[list[tuple[str, str, str]], list[str]]:
        """The attributes and texts that hold any part of the hostile strings."""
        attributes = [attribute for attribute in self.attributes if "<script>" in attribute[2]]
        return sorted(attributes), sorted(text for text in self.texts if "<script>" in text or "7*7" in text)


def test_a_hostile_name_and_address_are_text_in_every_cell_and_attribute_of_a_members_row(organization, owner):
    user = UserFactory(name=HOSTILE, email=HOSTILE_EMAIL)
    membership = MembershipFactory(organization=organization, user=user, invited_by=user)
    ProjectMembershipFactory(project=ProjectFactory(organization=organization, name=HOSTILE), user=user)

    page = Page(rows_html(organization, [(MEMBERSHIP, membership.pk)], show_security=True, viewer=owner.pk))

    assert "script" not in page.tags
    project = f"{HOSTILE}: Project Read-Only"
    assert page.hostile() == (
        sorted(
            [
                ("input", "aria-label", f"Select {HOSTILE_EMAIL}"),
                ("span", "title", HOSTILE),  # name
                ("span", "title", HOSTILE_EMAIL),
                ("li", "title", project),
                ("span", "title", HOSTILE),  # invited by
            ]
        ),
        sorted([HOSTILE, HOSTILE_EMAIL, project, HOSTILE, f"Actions for {HOSTILE_EMAIL}"]),
    )


def test_a_hostile_address_is_text_in_every_cell_and_attribute_of_your_own_row_and_of_an_invitation(
    organization, owner
):
    user = UserFactory(name="", email=HOSTILE_EMAIL)
    membership = MembershipFactory(organization=organization, user=user)
    invitation = InvitationFactory(organization=organization, email=HOSTILE_EMAIL.replace("e", "i", 1))
    invited = invitation.email

    html = rows_html(organization, [(MEMBERSHIP, membership.pk), (INVITATION, invitation.pk)], viewer=user.pk)
    page = Page(html)

    assert "script" not in page.tags
    assert page.hostile() == (
        sorted(
            [
                ("input", "aria-label", f"Select {HOSTILE_EMAIL}"),
                ("span", "title", HOSTILE_EMAIL),  # no name: the address in its place
                ("input", "aria-label", f"Select {invited}"),
                ("span", "title", invited),
            ]
        ),
        sorted([HOSTILE_EMAIL, f"Actions for you ({HOSTILE_EMAIL})", invited, f"Actions for {invited}"]),
    )
    assert "(you)" in page.texts and "Leave organization" in page.texts
