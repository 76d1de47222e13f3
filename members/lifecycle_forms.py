"""The forms of Delete organization and Transfer ownership (``members.forms`` holds the rest). They only
validate; the services decide again under the organization's lock."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from members import addresses
from members.exceptions import OrganizationNameMismatchError, TransferTargetError
from members.models import Membership, Organization, User


class DeleteOrganizationForm(forms.Form):
    name = forms.CharField(label=_("Type the organization's name to confirm"), max_length=100, strip=False)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        # Its own ids: the Settings page under the dialog has a "name" field too.
        super().__init__(*args, auto_id="delete_%s", **kwargs)
        self.organization = organization
        self.fields["name"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})

    def clean_name(self) -> str:
        # Exactly the name: a near miss (case, spaces) is a sign of the wrong organization.
        if self.cleaned_data["name"] != self.organization.name:
            raise forms.ValidationError(OrganizationNameMismatchError.default_message)
        return self.cleaned_data["name"]


class TransferOwnershipForm(forms.Form):
    """The new Organization Owner by address (a list of every member would not fit a large organization; the
    page suggests the first ones)."""

    email = forms.EmailField(
        label=_("New Organization Owner"),
        help_text=_("The email address of a Verified member of the organization."),
    )

    def __init__(self, *args: Any, organization: Organization, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, auto_id="transfer_%s", **kwargs)
        self.organization, self.actor = organization, actor
        self.fields["email"].widget.attrs.update({"list": "transfer-candidates", "autocomplete": "off"})

    def clean_email(self) -> Membership:
        address = self.cleaned_data["email"]
        found = addresses.candidates(
            Membership.objects.filter(organization=self.organization).exclude(user=self.actor).select_related("user"),
            "user__email",
            [address],
        )
        for membership in found:
            if addresses.same_address(membership.user.email, address):
                return membership
        raise forms.ValidationError(TransferTargetError.default_message)
