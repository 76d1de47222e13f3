"""Which account an email address belongs to: the one that verified it.

An unverified address proves nothing (allauth lets any account add any address), so it never counts as
an account's own: not for the join page's sign-in vs sign-up choice, matching an invitation, password
reset, nor sign-in by email. Accounts made outside allauth (``createsuperuser``, the admin's Add user)
have no address rows at all; their own address counts for them, as staff vouched for it.

When an address becomes verified on one account (an invitee signing up from their link, or anyone
confirming it), every unverified copy on other accounts is released and their owners are told.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.db import transaction

from members import emails, outbox
from members.addresses import candidates, same_address
from members.models import User


def _matching[T](rows: list[T], email: str, field: str) -> list[T]:
    return [row for row in rows if same_address(getattr(row, field), email)]


def verified_owner(email: str) -> User | None:
    """The account whose verified address this is (there is at most one), else ``None``."""
    rows = list(candidates(EmailAddress.objects.filter(verified=True), "email", [email]).select_related("user"))
    for row in _matching(rows, email, "email"):
        return row.user
    legacy = candidates(User.objects.filter(emailaddress__isnull=True), "email", [email])
    return next(iter(_matching(list(legacy), email, "email")), None)


def verified_users(email: str) -> list[User]:
    owner = verified_owner(email)
    return [owner] if owner is not None else []


def held_elsewhere(email: str) -> bool:
    """Another account's own address field holds it (unverified): a new account cannot take it yet."""
    return bool(_matching(list(candidates(User.objects.all(), "email", [email])), email, "email"))


@transaction.atomic
def release_unverified_copies(email: str, *, keep: User | None = None) -> list[User]:
    """Take ``email`` off every account but ``keep`` that holds it unverified; tell each one's owner.

    An account left with no address of its own (it never verified one, so it could never sign in)
    is deleted. Returns the accounts the address was taken from."""
    rows = candidates(EmailAddress.objects.select_for_update().filter(verified=False), "email", [email])
    if keep is not None:
        rows = rows.exclude(user=keep)
    holders = {row.user_id: row.user for row in _matching(list(rows.select_related("user")), email, "email")}
    # Accounts with address rows only: one made outside allauth owns its address (see the docstring).
    users = candidates(
        User.objects.select_for_update().filter(pk__in=EmailAddress.objects.values("user_id")), "email", [email]
    )
    if keep is not None:
        users = users.exclude(pk=keep.pk)
    for user in _matching(list(users), email, "email"):
        holders.setdefault(user.pk, user)
    for user in holders.values():
        _release(user, email)
    return list(holders.values())


def _release(user: User, email: str) -> None:
    for row in _matching(list(EmailAddress.objects.filter(user=user)), email, "email"):
        row.delete()
    remaining = EmailAddress.objects.filter(user=user).order_by("-verified", "-primary", "pk").first()
    if remaining is None:
        user.delete()
        return
    if same_address(user.email, email):
        user.email = remaining.email
        user.save(update_fields=["email"])
        EmailAddress.objects.filter(user=user).exclude(pk=remaining.pk).update(primary=False)
        remaining.primary = True
        remaining.save(update_fields=["primary"])
    if remaining.verified:
        outbox.queue(emails.address_released_email(user, to_email=remaining.email, address=email))
