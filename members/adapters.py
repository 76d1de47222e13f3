"""django-allauth hooks."""

from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Our allauth adapter; the invitation flow extends it."""
