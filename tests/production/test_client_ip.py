"""#10.3 One client cannot lock everyone out: the client's address behind the documented TLS proxy.

Every request goes through the production settings' middleware stack, from the proxy's address
(``REMOTE_ADDR``) with an ``X-Forwarded-For`` header whose left part the client controls and whose
last entry the proxy appended (nginx's ``$proxy_add_x_forwarded_for``)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from members.models import MembershipEvent, User
from tests.factories import PASSWORD, UserFactory
from tests.production.conftest import HOST, apply_production

PROXY = "10.0.0.2"
ATTACKER = "203.0.113.66"
OWNER_LAPTOP = "198.51.100.5"


@pytest.fixture(autouse=True)
def clear_rate_limits():
    cache.clear()


@pytest.fixture
def behind_one_proxy(settings, monkeypatch):
    return apply_production(settings, monkeypatch, TRUSTED_PROXY_COUNT="1")


def via_proxy(client_address: str, *, forged: str = "") -> dict[str, str]:
    """Request kwargs for a request the proxy forwarded from ``client_address``; ``forged`` is what the
    client itself put in X-Forwarded-For (the proxy appends the address it saw)."""
    chain = f"{forged}, {client_address}" if forged else client_address
    return {
        "HTTP_HOST": HOST,
        "HTTP_X_FORWARDED_PROTO": "https",
        "REMOTE_ADDR": PROXY,
        "HTTP_X_FORWARDED_FOR": chain,
    }


def sign_in(client: Client, email: str, password: str, headers: dict[str, str]):
    return client.post(reverse("account_login"), {"login": email, "password": password}, **headers)


def signed_in(client: Client, headers: dict[str, str]) -> bool:
    return client.get(reverse("members:organization_create"), **headers).status_code == 200


def test_audit_rows_and_logs_record_the_client_behind_the_proxy_not_the_proxy(behind_one_proxy, owner, json_log):
    client = Client()
    client.force_login(owner)

    response = client.post(
        reverse("members:organization_create"), {"name": "Globex"}, **via_proxy(OWNER_LAPTOP, forged="6.6.6.6")
    )

    assert response.status_code == 302
    assert MembershipEvent.objects.get(action=MembershipEvent.Action.ORGANIZATION_CREATED).ip_address == OWNER_LAPTOP
    request_lines = [line for line in json_log() if line["message"] == "request"]
    assert request_lines and all(line["client_ip"] == OWNER_LAPTOP for line in request_lines)


def test_without_the_setting_the_direct_peer_is_used_and_a_forged_header_is_ignored(production_settings, owner):
    client = Client()
    client.force_login(owner)

    client.post(reverse("members:organization_create"), {"name": "Globex"}, **via_proxy(OWNER_LAPTOP, forged="6.6.6.6"))

    assert MembershipEvent.objects.get(action=MembershipEvent.Action.ORGANIZATION_CREATED).ip_address == PROXY


def test_a_header_shorter_than_the_trusted_chain_falls_back_to_the_peer(settings, monkeypatch, owner):
    apply_production(settings, monkeypatch, TRUSTED_PROXY_COUNT="2")
    client = Client()
    client.force_login(owner)

    response = client.post(reverse("members:organization_create"), {"name": "Globex"}, **via_proxy(OWNER_LAPTOP))

    assert response.status_code == 302
    assert MembershipEvent.objects.get(action=MembershipEvent.Action.ORGANIZATION_CREATED).ip_address == PROXY


def test_one_clients_failed_sign_ins_do_not_block_everyone_elses(behind_one_proxy, db):
    UserFactory(email="alice@example.com")
    attacker = Client()
    for attempt in range(12):
        # A different forged prefix every time: the proxy's own entry is what counts.
        sign_in(attacker, f"guess{attempt}@example.com", "wrong", via_proxy(ATTACKER, forged=f"192.0.2.{attempt}"))
    refused = sign_in(attacker, "alice@example.com", "wrong", via_proxy(ATTACKER, forged="192.0.2.99"))
    assert refused.status_code == 429 or "Too many failed login attempts" in refused.content.decode()

    alice = Client()
    response = sign_in(alice, "alice@example.com", PASSWORD, via_proxy(OWNER_LAPTOP))

    assert response.status_code == 302
    assert signed_in(alice, via_proxy(OWNER_LAPTOP))


def test_an_attackers_failed_sign_ins_never_stop_the_owner_signing_in_from_elsewhere(behind_one_proxy, db):
    UserFactory(email="victim@example.com")
    attacker = Client()
    pages = [
        sign_in(attacker, "victim@example.com", f"guess-{n}", via_proxy(ATTACKER)).content.decode() for n in range(8)
    ]
    # The attacker is slowed down...
    assert "Too many failed login attempts" in pages[-1]
    assert not signed_in(attacker, via_proxy(ATTACKER))

    # ...the owner, elsewhere, with the right password, is not.
    owner = Client()
    response = sign_in(owner, "victim@example.com", PASSWORD, via_proxy(OWNER_LAPTOP))

    assert response.status_code == 302
    assert signed_in(owner, via_proxy(OWNER_LAPTOP))


def test_one_clients_sign_ups_do_not_block_everyone_elses(behind_one_proxy, db):
    spammer = Client()
    for n in range(21):
        spammer.post(
            reverse("account_signup"),
            {"email": f"spam{n}@example.com", "password1": "a-long-passphrase-9", "password2": "a-long-passphrase-9"},
            **via_proxy(ATTACKER, forged=f"192.0.2.{n}"),
        )
    assert not User.objects.filter(email="spam20@example.com").exists()  # the spammer is limited

    response = Client().post(
        reverse("account_signup"),
        {"email": "newcomer@example.com", "password1": "a-long-passphrase-9", "password2": "a-long-passphrase-9"},
        **via_proxy(OWNER_LAPTOP),
    )

    assert response.status_code == 302
    assert User.objects.filter(email="newcomer@example.com").exists()
