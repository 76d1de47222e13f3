"""Organization API tokens: the secret shown once and stored as a hash, the page, revocation, and the
one rule that decides whether a token works."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from members import api_tokens, services
from members.models import ApiToken, MembershipEvent, OutboundEmail
from members.roles import OrgRole
from members.services.tokens import ApiTokenError, create_api_token, revoke_api_token
from tests.factories import PASSWORD, MembershipFactory
from tests.helpers import db_snapshot


def _create(organization, owner, **kwargs):
    options = {"name": "CI", "scopes": ["members:read"], "expires_in_days": 90} | kwargs
    return create_api_token(organization, actor=owner, **options)


def _signed_in(user) -> Client:
    """A client that signed in and confirmed its password through allauth just now (recent authentication)."""
    client = Client()
    assert client.post("/accounts/login/", {"login": user.email, "password": PASSWORD}).status_code == 302
    assert client.post("/accounts/reauthenticate/", {"password": PASSWORD}).status_code == 302
    return client


def test_secret_has_a_recognisable_prefix_and_only_its_hash_is_stored(organization, owner):
    created = _create(organization, owner)

    assert created.secret.startswith("oc_") and len(created.secret) > 40
    token = ApiToken.objects.get()
    assert token.prefix == created.secret[:11]
    assert token.secret_hash == api_tokens.hash_secret(created.secret)
    assert created.secret not in repr(db_snapshot())
    assert token.expires_at - timezone.now() > timedelta(days=89)


def test_creating_is_audited_and_every_owner_is_told(organization, owner, member):
    second_owner = MembershipFactory(organization=organization, role=OrgRole.OWNER).user

    created = _create(organization, owner)

    event = MembershipEvent.objects.get(action=MembershipEvent.Action.API_TOKEN_CREATED)
    assert (event.actor, event.api_token, event.api_token_name) == (owner, created.token, "CI")
    emails = OutboundEmail.objects.filter(kind=OutboundEmail.Kind.API_TOKEN_CREATED)
    assert sorted(emails.values_list("to_email", flat=True)) == sorted([owner.email, second_owner.email])
    assert created.secret not in repr(list(emails.values()))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"scopes": []}, "Choose at least one scope."), ({"expires_in_days": 366}, "1 to 365 days")],
)
def test_service_refuses_bad_scopes_and_expiries(organization, owner, kwargs, message):
    before = db_snapshot()
    with pytest.raises(ApiTokenError, match=message):
        _create(organization, owner, **kwargs)
    assert db_snapshot() == before


def test_a_member_cannot_create_a_token_through_the_service(organization, member):
    before = db_snapshot()
    with pytest.raises(ApiTokenError):
        _create(organization, member)
    assert db_snapshot() == before


def test_page_creates_a_token_and_shows_the_secret_once(organization, owner):
    client = _signed_in(owner)
    url = reverse("members:api_tokens", args=[organization.slug])

    response = client.post(url, {"name": "Okta", "scopes": ["scim"], "expires_in_days": "30"})

    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(name="Okta")
    secret = response.context["created"].secret
    assert secret in response.content.decode() and api_tokens.hash_secret(secret) == token.secret_hash
    assert token.scopes == ["scim"] and token.created_by == owner
    again = client.get(url)
    assert secret not in again.content.decode() and "oc_" in again.content.decode()  # the prefix only


def test_page_shows_the_forms_messages(organization, owner):
    client = _signed_in(owner)
    before = db_snapshot()

    response = client.post(
        reverse("members:api_tokens", args=[organization.slug]), {"name": "x", "expires_in_days": "400"}
    )

    assert response.status_code == 200
    assert "Choose at least one scope." in response.content.decode()
    assert "less than or equal to 365" in response.content.decode()
    assert db_snapshot() == before


def test_creating_without_recent_authentication_asks_to_reauthenticate(organization, owner, owner_client):
    before = db_snapshot()

    response = owner_client.post(
        reverse("members:api_tokens", args=[organization.slug]),
        {"name": "CI", "scopes": ["members:read"], "expires_in_days": "90"},
    )

    assert response.status_code == 302 and "/accounts/reauthenticate/" in response["Location"]
    assert db_snapshot() == before


def test_after_reauthenticating_the_suspended_create_goes_through(organization, owner, owner_client):
    url = reverse("members:api_tokens", args=[organization.slug])
    data = {"name": "CI", "scopes": ["members:read"], "expires_in_days": "90"}
    redirect = owner_client.post(url, data)

    response = owner_client.post(redirect["Location"], {"password": PASSWORD})

    assert response.status_code == 200 and ApiToken.objects.get().name == "CI"
    assert response.context["created"].secret.startswith("oc_")


def test_revoking_without_recent_authentication_asks_to_reauthenticate(organization, owner, owner_client):
    token = _create(organization, owner).token
    before = db_snapshot()

    response = owner_client.post(reverse("members:api_token_revoke", args=[organization.slug, token.pk]))

    assert response.status_code == 302 and "/accounts/reauthenticate/" in response["Location"]
    assert db_snapshot() == before


def test_revoking_from_the_page_stops_the_token_is_audited_and_tells_owners(organization, owner):
    created = _create(organization, owner, scopes=["members:read"])
    client = _signed_in(owner)

    response = client.post(reverse("members:api_token_revoke", args=[organization.slug, created.token.pk]))

    assert response.status_code == 302
    created.token.refresh_from_db()
    assert created.token.revoked_at is not None and created.token.revoked_by == owner
    assert MembershipEvent.objects.filter(action="api_token_revoked", api_token=created.token).count() == 1
    assert OutboundEmail.objects.filter(kind="api_token_revoked", to_email=owner.email).count() == 1
    assert api_tokens.authenticate(created.secret, scope="members:read") == (None, "invalid")


def test_another_organizations_token_is_404_on_the_revoke_page(organization, owner, other_owner):
    other = ApiToken.objects.get(pk=_create(other_owner.memberships.get().organization, other_owner).token.pk)
    client = _signed_in(owner)
    before = db_snapshot()

    response = client.post(reverse("members:api_token_revoke", args=[organization.slug, other.pk]))

    assert response.status_code == 404
    assert db_snapshot() == before


def test_a_valid_token_authenticates_and_records_its_use_at_most_every_few_minutes(organization, owner):
    created = _create(organization, owner)

    token, reason = api_tokens.authenticate(created.secret, scope="members:read")
    first_use = ApiToken.objects.get().last_used_at
    api_tokens.authenticate(created.secret, scope="members:read")

    assert (token, reason) == (created.token, "")
    assert first_use is not None and ApiToken.objects.get().last_used_at == first_use


def test_a_token_without_the_scope_is_refused(organization, owner):
    created = _create(organization, owner, scopes=["members:read"])
    assert api_tokens.authenticate(created.secret, scope="scim") == (None, "scope")


@pytest.mark.parametrize("change", ["expired", "revoked", "demoted", "removed", "deactivated", "other_secret"])
def test_the_one_rule_refuses_tokens(organization, owner, change):
    # Another owner, so the creator can be demoted (by them: nobody changes their own role) or removed.
    co_owner = MembershipFactory(organization=organization, role=OrgRole.OWNER).user
    created = _create(organization, owner)
    secret = created.secret
    if change == "expired":
        ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    elif change == "revoked":
        revoke_api_token(created.token, actor=owner)
    elif change == "demoted":
        services.change_member_role(owner.memberships.get(), actor=co_owner, role=OrgRole.MEMBER)
    elif change == "removed":
        services.remove_member(owner.memberships.get(), actor=owner)
    elif change == "deactivated":
        type(owner).objects.filter(pk=owner.pk).update(is_active=False)
    else:
        secret = secret[:-2] + ("AA" if not secret.endswith("AA") else "BB")

    assert api_tokens.authenticate(secret, scope="members:read") == (None, "invalid")


def test_revoking_twice_changes_nothing_the_second_time(organization, owner):
    token = _create(organization, owner).token
    revoke_api_token(token, actor=owner)
    before = db_snapshot()

    revoke_api_token(token, actor=owner)

    assert db_snapshot() == before
