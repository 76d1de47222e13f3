"""Your name, and the Sessions page (allauth.usersessions): every signed-in browser with its last activity, address and
device; sign out one of them or all the others; a password change signs out the others too."""

from __future__ import annotations

import pytest
from allauth.usersessions.models import UserSession
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from members.models import Membership, MembershipEvent
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.helpers import db_snapshot
from tests.two_factor import sign_in

SESSIONS = reverse("usersessions_list")
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile Safari/604.1"
LAPTOP = "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0 Safari/537.36"


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()


def browser(user, *, agent: str, address: str) -> Client:
    """A browser signed in through the sign-in form, with its own device and address."""
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=address)
    response = sign_in(client, user)
    assert response.status_code == 302
    return client


def signed_in(client: Client) -> bool:
    return client.get(SESSIONS).status_code == 200


def test_the_sessions_page_lists_every_browser_with_device_address_and_activity(owner):
    phone = browser(owner, agent=PHONE, address="198.51.100.4")
    laptop = browser(owner, agent=LAPTOP, address="203.0.113.9")
    phone.get(reverse("members:home"))
    page = laptop.get(SESSIONS).content.decode()
    assert "Safari on iPhone" in page and "198.51.100.4" in page and "Chrome on Linux" in page and "203.0.113.9" in page
    assert f'title="{PHONE}"' in page  # the whole user agent on hover
    assert "This browser" in page and "Last activity" in page
    assert page.count('action="/accounts/sessions/') == 1 + 1  # one other browser's button, plus "all others"


def test_signing_out_one_browser_leaves_the_others(owner):
    phone = browser(owner, agent=PHONE, address="198.51.100.4")
    tablet = browser(owner, agent="Tablet", address="198.51.100.5")
    laptop = browser(owner, agent=LAPTOP, address="203.0.113.9")
    session = UserSession.objects.get(user=owner, user_agent=PHONE)
    response = laptop.post(reverse("usersessions_end", args=[session.pk]))
    assert response.url == SESSIONS
    assert not signed_in(phone) and signed_in(tablet) and signed_in(laptop)


def test_signing_out_all_other_browsers(owner):
    phone = browser(owner, agent=PHONE, address="198.51.100.4")
    laptop = browser(owner, agent=LAPTOP, address="203.0.113.9")
    laptop.post(SESSIONS)
    assert not signed_in(phone) and signed_in(laptop)
    assert UserSession.objects.filter(user=owner).count() == 1


def test_another_users_session_cannot_be_ended(owner, member):
    theirs = browser(member, agent=PHONE, address="198.51.100.4")
    mine = browser(owner, agent=LAPTOP, address="203.0.113.9")
    session = UserSession.objects.get(user=member)
    before = db_snapshot()
    assert mine.post(reverse("usersessions_end", args=[session.pk])).status_code == 404
    assert mine.get(reverse("usersessions_end", args=[session.pk])).status_code == 405
    assert signed_in(theirs) and db_snapshot() == before


def test_changing_the_password_signs_out_the_other_browsers(owner):
    phone = browser(owner, agent=PHONE, address="198.51.100.4")
    laptop = browser(owner, agent=LAPTOP, address="203.0.113.9")
    new = "an-entirely-new-passphrase-77"
    response = laptop.post(
        reverse("account_change_password"), {"oldpassword": "correct-horse-battery", "password1": new, "password2": new}
    )
    assert response.status_code == 302
    assert signed_in(laptop) and not signed_in(phone)
    assert list(UserSession.objects.filter(user=owner).values_list("user_agent", flat=True)) == [LAPTOP]


def test_a_removed_member_is_refused_on_every_page_of_that_organization_at_once(organization, member):
    other = OrganizationFactory(name="Other Org", slug="other", owner=UserFactory())
    MembershipFactory(organization=other, user=member)
    client = browser(member, agent=LAPTOP, address="203.0.113.9")
    pages = ["members", "projects", "settings", "billing", "leave"]
    assert all(client.get(reverse(f"members:{page}", args=["acme"])).status_code == 200 for page in pages)

    Membership.objects.filter(organization=organization, user=member).delete()

    assert [client.get(reverse(f"members:{page}", args=["acme"])).status_code for page in pages] == [404] * 5
    assert client.get(reverse("members:members", args=["other"])).status_code == 200  # still signed in elsewhere


# --- Your name (#12) -------------------------------------------------------------------------------------

NAME = reverse("account_name")


def test_your_name_page_shows_and_saves_your_display_name(organization, member):
    client = Client()
    client.force_login(member)

    page = client.get(NAME).content.decode()
    assert "Your name" in page and 'value="Max Member"' in page and 'autocomplete="name"' in page
    response = client.post(NAME, {"name": "Maxine Member"}, follow=True)

    assert "Your name is now Maxine Member." in response.content.decode()
    member.refresh_from_db()
    assert member.name == "Maxine Member"
    assert MembershipEvent.objects.filter(action="name_changed", actor=member).count() == 1


def test_a_refused_name_is_explained_and_kept_in_the_field(member):
    client = Client()
    client.force_login(member)
    before = db_snapshot()

    response = client.post(NAME, {"name": "see www.evil.example"})

    html = response.content.decode()
    assert response.status_code == 200 and "Names cannot contain web or email addresses." in html
    assert 'value="see www.evil.example"' in html and db_snapshot() == before


def test_your_name_needs_signing_in(member):
    before = db_snapshot()
    response = Client().post(NAME, {"name": "Anonymous"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert db_snapshot() == before
