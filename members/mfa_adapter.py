"""allauth.mfa hooks: an Organization Owner keeps two-factor authentication while an organization of
theirs requires it."""

from __future__ import annotations

from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.utils.translation import gettext_lazy as _

from members.second_factors import SECOND_FACTORS
from members.services.security import organizations_requiring_two_factor


def leaves_user_without_two_factor(authenticator: Authenticator) -> bool:
    """Removing this authenticator would turn the user's two-factor authentication off."""
    if authenticator.type not in SECOND_FACTORS:
        return False
    others = Authenticator.objects.filter(user_id=authenticator.user_id, type__in=SECOND_FACTORS)
    return not others.exclude(pk=authenticator.pk).exists()


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": _(
            "An organization you own requires two-factor authentication, so you cannot turn yours off. "
            "Turn the requirement off in its Settings, or leave the organization, first."
        ),
    }

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        if not leaves_user_without_two_factor(authenticator):
            return True
        return not organizations_requiring_two_factor(authenticator.user, owned=True).exists()
