"""The extra field on allauth's signup form (``ACCOUNT_SIGNUP_FORM_CLASS``).

allauth builds its own ``SignupForm`` on top of this class while ``allauth.account.forms`` is imported,
so it cannot live in ``members.forms``, which imports that module to subclass ``SignupForm``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class SignupNameForm(forms.Form):
    """The person's name; allauth calls ``signup`` after creating the user."""

    name = forms.CharField(
        label=_("Name"), max_length=150, required=False, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )

    def signup(self, request: object, user: object) -> None:
        user.name = self.cleaned_data.get("name", "")  # type: ignore[attr-defined]
        user.save(update_fields=["name"])  # type: ignore[attr-defined]
