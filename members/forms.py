"""Forms only validate; services make the changes."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class SignupForm(forms.Form):
    """Extra fields on allauth's signup form (allauth calls ``signup`` after creating the user)."""

    name = forms.CharField(
        label=_("Name"), max_length=150, required=False, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )

    def signup(self, request: object, user: object) -> None:
        user.name = self.cleaned_data.get("name", "")  # type: ignore[attr-defined]
        user.save(update_fields=["name"])  # type: ignore[attr-defined]


class OrganizationCreateForm(forms.Form):
    name = forms.CharField(label=_("Organization name"), max_length=100)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter a name for the organization."))
        return name


class OrganizationSettingsForm(forms.Form):
    name = forms.CharField(label=_("Organization name"), max_length=100)


class BillingForm(forms.Form):
    billing_email = forms.EmailField(label=_("Billing contact email"), required=False)
    plan_name = forms.CharField(label=_("Plan"), max_length=50)
    billing_address = forms.CharField(
        label=_("Billing address"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class ProjectForm(forms.Form):
    name = forms.CharField(label=_("Project name"), max_length=100)
