"""Forms only validate; services make the changes."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from members.models import ApiToken, Organization, Project
from members.roles import OrgRole, ProjectRole

MAX_EMAIL_LENGTH = 254


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


# --- The Members page --------------------------------------------------------------------------

EMAIL_SEPARATORS = re.compile(r"[\s,;]+")
PROJECT_FIELD_PREFIX = "project_"


def normalize_email_address(address: str) -> str:
    """Strip and lower-case the domain; the local part is kept as typed."""
    local, _at, domain = address.strip().rpartition("@")
    return f"{local}@{domain.lower()}" if local else address.strip()


class InviteForm(forms.Form):
    """Invite User: addresses, an Organization Role, and optional project access per project."""

    emails = forms.CharField(
        label=_("New User(s)"),
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"}),
        help_text=_("One or more email addresses, separated by commas, spaces or new lines."),
        error_messages={"required": _("Enter at least one email address.")},
    )
    role = forms.ChoiceField(label=_("Organization Role"), choices=OrgRole.choices, initial=OrgRole.MEMBER)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.projects = list(organization.projects.order_by("name"))
        self.duplicates: list[str] = []
        choices = [("", _("No access")), *ProjectRole.choices]
        for project in self.projects:
            self.fields[f"{PROJECT_FIELD_PREFIX}{project.pk}"] = forms.ChoiceField(
                label=project.name, choices=choices, required=False
            )

    def project_fields(self) -> list[forms.BoundField]:
        return [self[f"{PROJECT_FIELD_PREFIX}{project.pk}"] for project in self.projects]

    def clean_emails(self) -> list[str]:
        raw = [part for part in EMAIL_SEPARATORS.split(self.cleaned_data["emails"]) if part]
        errors, addresses, seen = [], [], set()
        for part in raw:
            address = normalize_email_address(part)
            try:
                if len(address) > MAX_EMAIL_LENGTH:
                    raise ValidationError("too long")
                validate_email(address)
            except ValidationError:
                errors.append(
                    ValidationError(
                        _("“%(address)s” is not a valid email address."), code="invalid", params={"address": part}
                    )
                )
                continue
            key = address.casefold()
            if key in seen:
                if address not in self.duplicates:
                    self.duplicates.append(address)
                continue
            seen.add(key)
            addresses.append(address)
        if errors:
            raise ValidationError(errors)
        if not addresses:
            raise ValidationError(_("Enter at least one email address."), code="required")
        limit = settings.INVITATIONS_PER_REQUEST
        if len(addresses) > limit:
            raise ValidationError(
                _("You can invite at most %(limit)d addresses at a time; you entered %(count)d."),
                code="too_many",
                params={"limit": limit, "count": len(addresses)},
            )
        return addresses

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        known = {f"{PROJECT_FIELD_PREFIX}{project.pk}" for project in self.projects}
        # A project id that is not one of this organization's (a forged or stale form) refuses the form.
        unknown = [key for key in self.data if key.startswith(PROJECT_FIELD_PREFIX) and key not in known]
        if unknown:
            raise ValidationError(_("Project Access names a project that is not in this organization."))
        return cleaned

    def project_roles(self) -> dict[Project, str]:
        """The chosen project role for each project given access (blank means none)."""
        return {
            project: self.cleaned_data[f"{PROJECT_FIELD_PREFIX}{project.pk}"]
            for project in self.projects
            if self.cleaned_data.get(f"{PROJECT_FIELD_PREFIX}{project.pk}")
        }


class EditRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Organization Role"), choices=OrgRole.choices, widget=forms.RadioSelect)


class MembersFilterForm(forms.Form):
    """Search, filter and sort the Members page (invalid values fall back to the defaults)."""

    SORTS = [
        ("name", _("Name (A to Z)")),
        ("-name", _("Name (Z to A)")),
        ("role", _("Role")),
        ("-role", _("Role (descending)")),
        ("-date", _("Newest first")),
        ("date", _("Oldest first")),
    ]
    STATUSES = [
        ("", _("All statuses")),
        ("verified", _("Verified")),
        ("pending", _("Pending")),
        ("expired", _("Expired")),
    ]

    q = forms.CharField(label=_("Search name or email"), required=False, max_length=254)
    role = forms.ChoiceField(
        label=_("Organization Role"), required=False, choices=[("", _("All roles")), *OrgRole.choices]
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUSES)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORTS)

    def filters(self) -> dict[str, str]:
        data: dict[str, Any] = {}
        if self.is_bound:
            self.is_valid()  # cleaned_data keeps the valid parts of a partly bad query string
            data = self.cleaned_data
        return {
            "q": (data.get("q") or "").strip(),
            "role": data.get("role") or "",
            "status": data.get("status") or "",
            "sort": data.get("sort") or "name",
        }


class ApiTokenForm(forms.Form):
    """Create an API token: a name, its scopes and how many days it lives."""

    name = forms.CharField(label=_("Token name"), max_length=100, help_text=_("What the token is for, e.g. “Okta”."))
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=ApiToken.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one scope.")},
    )
    expires_in_days = forms.IntegerField(
        label=_("Expires after (days)"), min_value=1, max_value=365, initial=90, help_text=_("At most 365 days.")
    )
