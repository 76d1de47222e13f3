"""The extra field on allauth's signup form (``ACCOUNT_SIGNUP_FORM_CLASS``).

allauth builds its own ``SignupForm`` on top of this class while ``allauth.account.forms`` is imported,
so it cannot live in ``members.forms``, which imports that module to subclass ``SignupForm``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from members.names import validate_name


class SignupNameForm(forms.Form):
    """The person's name; allauth calls ``signup`` after creating the user."""

    name = forms.CharField(
        label=_("Name"),
        max_length=150,
        required=False,
        validators=[validate_name],  # it goes into the emails this person's actions send
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    def signup(self, request: object, user: object) -> None:
        user.name = self.cleaned_data.get("name", "")  # type: ignore[attr-defined]
        user.save(update_fields=["name"])  # type: ignore[attr-defined]
