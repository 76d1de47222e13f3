"""Forms only validate; services make the changes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from allauth.account.adapter import get_adapter
from allauth.account.forms import ResetPasswordForm, SignupForm
from allauth.core import context
from django import forms
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.forms.renderers import Jinja2
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from members import address_lists, address_ownership, addresses
from members.exceptions import OwnerProjectAccessError
from members.invitation_session import open_invitation
from members.models import ApiToken, Membership, Organization, Project
from members.names import validate_name
from members.roles import VIEW_MEMBER_SECURITY, OrgRole, ProjectRole, organization_permissions
from members.selectors import RowStatus, visible_projects

MAX_EMAIL_LENGTH = 254


class InvitationSignupForm(SignupForm):
    """allauth's signup form. While an invitation is open in the session the email field holds the
    invited address and cannot be changed: a disabled field ignores whatever the POST says."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        invitation = open_invitation(context.request)
        if invitation is not None and "email" in self.fields:
            self.initial["email"] = invitation.email
            field = self.fields["email"]
            field.disabled = True
            field.help_text = _("The address your invitation was sent to.")
            field.widget.attrs["readonly"] = True
        if invitation is not None and invitation.name and "name" in self.fields:
            self.initial.setdefault("name", invitation.name)  # the name the inviter typed; theirs to change

    def validate_unique_email(self, value: str) -> str:
        # Only a verified address belongs to an account (members.address_ownership). An invitee signing
        # up from their link takes the address even if another account lists it unverified; anyone else
        # cannot take an address that is still another account's own (unverified) address field.
        email = super().validate_unique_email(value)
        taken = address_ownership.verified_owner(email) is not None
        if not taken and not get_adapter().is_email_verified(context.request, email):
            taken = address_ownership.held_elsewhere(email)
        self.account_already_exists = taken
        return email

    def try_save(self, request: HttpRequest) -> tuple[AbstractBaseUser | None, HttpResponse | None]:
        if self.account_already_exists:
            # allauth then only emails the address ("you already have an account") and skips hashing
            # the password: answer after the same work as a new account, so timing does not tell.
            make_password(self.cleaned_data.get("password1"))
        return super().try_save(request)


class VerifiedResetPasswordForm(ResetPasswordForm):
    """allauth's "Forgot password" form, mailing a reset link only to an address the account verified
    (allauth would also reset an account through an address it merely lists)."""

    def clean_email(self) -> str:
        email = super().clean_email()
        self.users = [user for user in address_ownership.verified_users(email) if user.is_active]
        return email


class OrganizationCreateForm(forms.Form):
    name = forms.CharField(label=_("Organization name"), max_length=100, validators=[validate_name])

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter a name for the organization."))
        return name


class OrganizationSettingsForm(forms.Form):
    name = forms.CharField(label=_("Organization name"), max_length=100, validators=[validate_name])


class DisplayNameForm(forms.Form):
    """Your name: the display name others see (the Members page, the emails your actions send)."""

    name = forms.CharField(
        label=_("Name"),
        max_length=150,
        required=False,
        validators=[validate_name],
        help_text=_("Shown on the Members page and in the emails your actions send; empty shows your email address."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


class BillingForm(forms.Form):
    billing_email = forms.EmailField(label=_("Billing contact email"), required=False)
    plan_name = forms.CharField(label=_("Plan"), max_length=50)
    billing_address = forms.CharField(
        label=_("Billing address"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class ProjectForm(forms.Form):
    name = forms.CharField(label=_("Project name"), max_length=100, validators=[validate_name])


# --- The Members page --------------------------------------------------------------------------

PROJECT_FIELD_PREFIX = "project_"
# What Invitation.name and a signup's name hold at most.
MAX_NAME_LENGTH = 150


def address_error(typed: str, address: str) -> ValidationError | None:
    """Why an address typed into Invite User cannot be invited (malformed, or somewhere we do not send), or None."""
    try:
        if len(address) > MAX_EMAIL_LENGTH:
            raise ValidationError("too long")
        validate_email(address)
    except ValidationError:
        message = _("“%(address)s” is not a valid email address.")
        return ValidationError(message, code="invalid", params={"address": typed})
    if problem := addresses.deliverable_problem(address):
        return ValidationError(problem, code="undeliverable", params={"address": typed})
    return None


def invitee_name(entry: address_lists.Entry, address: str) -> str:
    """The display name typed with an address, or "" when none was (mail clients often repeat the address
    as the name: that is no name)."""
    name = entry.name.strip().strip("'\"").strip()
    return "" if not name or addresses.same_address(name, address) else name


def name_error(name: str, address: str) -> ValidationError | None:
    """Why the name typed with an address cannot be kept (it goes into emails, like any name), or None."""
    if len(name) > MAX_NAME_LENGTH:
        message = _("The name given with %(address)s is longer than %(limit)d characters.")
        return ValidationError(message, code="name_too_long", params={"address": address, "limit": MAX_NAME_LENGTH})
    try:
        validate_name(name)
    except ValidationError as error:
        message = _("The name “%(name)s” given with %(address)s cannot be used: %(reason)s")
        params = {"name": name, "address": address, "reason": error.messages[0]}
        return ValidationError(message, code="bad_name", params=params)
    return None


class ProjectAccessForm(forms.Form):
    """Project Access: one optional project role per project of the organization (blank means none)."""

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.projects = list(organization.projects.order_by("name"))
        choices = [("", _("No access")), *ProjectRole.choices]
        for project in self.projects:
            self.fields[f"{PROJECT_FIELD_PREFIX}{project.pk}"] = forms.ChoiceField(
                label=project.name, choices=choices, required=False
            )

    @staticmethod
    def initial_access(access: dict[Project, str]) -> dict[str, str]:
        """The form's initial values for project access held now ({project: project role})."""
        return {f"{PROJECT_FIELD_PREFIX}{project.pk}": role for project, role in access.items()}

    def project_fields(self) -> list[forms.BoundField]:
        return [self[f"{PROJECT_FIELD_PREFIX}{project.pk}"] for project in self.projects]

    def clean(self) -> dict[str, Any]:
        """Besides the fields: ``project_roles`` (each project given access, with its role)."""
        cleaned = super().clean()
        known = {f"{PROJECT_FIELD_PREFIX}{project.pk}" for project in self.projects}
        # A project id that is not one of this organization's (a forged or stale form) refuses the form.
        unknown = [key for key in self.data if key.startswith(PROJECT_FIELD_PREFIX) and key not in known]
        if unknown:
            raise ValidationError(_("Project Access names a project that is not in this organization."))
        cleaned["project_roles"] = self._project_roles()
        return cleaned

    def _project_roles(self) -> dict[Project, str]:
        """The chosen project role for each project given access (blank means none)."""
        return {
            project: self.cleaned_data[f"{PROJECT_FIELD_PREFIX}{project.pk}"]
            for project in self.projects
            if self.cleaned_data.get(f"{PROJECT_FIELD_PREFIX}{project.pk}")
        }


class InviteForm(ProjectAccessForm):
    """Invite User: addresses, an Organization Role, and optional project access per project."""

    emails = forms.CharField(
        label=_("New User(s)"),
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"}),
        help_text=_(
            "One or more email addresses, separated by commas, semicolons, spaces or new lines. Pasted from a mail "
            "client, “Dave Smith <dave@example.com>” keeps the name for the invitee's account."
        ),
        error_messages={"required": _("Enter at least one email address.")},
    )
    role = forms.ChoiceField(label=_("Organization Role"), choices=OrgRole.choices, initial=OrgRole.MEMBER)
    no_email = forms.BooleanField(
        label=_("Don't send the email"),
        required=False,
        help_text=_("You get each new invitation's link once, to deliver it yourself."),
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, organization=organization, **kwargs)

    def clean_emails(self) -> list[str]:
        errors, valid, seen, duplicates, names = [], [], set(), [], {}
        for entry in address_lists.parse(self.cleaned_data["emails"]):
            address = addresses.normalize(entry.address)
            name = invitee_name(entry, address)
            if error := address_error(entry.typed, address) or (name and name_error(name, address)):
                errors.append(error)
                continue
            key = addresses.key(address)
            if key in seen:
                if address not in duplicates:
                    duplicates.append(address)
                continue
            seen.add(key)
            valid.append(address)
            if name:
                names[address] = name
        if errors:
            raise ValidationError(errors)
        # Told to the inviter once the invitations are sent (see ``clean``); the names go on the invitations.
        self.cleaned_data["duplicates"] = duplicates
        self.cleaned_data["names"] = names
        if not valid:
            raise ValidationError(_("Enter at least one email address."), code="required")
        limit = settings.INVITATIONS_PER_REQUEST
        if len(valid) > limit:
            raise ValidationError(
                _("You can invite at most %(limit)d addresses at a time; you entered %(count)d."),
                code="too_many",
                params={"limit": limit, "count": len(valid)},
            )
        return valid

    def clean(self) -> dict[str, Any]:
        """Besides the fields: ``project_roles`` and ``duplicates`` (addresses listed more than once),
        so the view reads everything from here."""
        cleaned = super().clean()
        cleaned.setdefault("duplicates", [])
        cleaned.setdefault("names", {})
        return cleaned


class EditRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Organization Role"), choices=OrgRole.choices, widget=forms.RadioSelect)


class EditAccessForm(ProjectAccessForm):
    """Edit Role, of a Verified member or of a pending invitation: the Organization Role and Project Access."""

    role = forms.ChoiceField(label=_("Organization Role"), choices=OrgRole.choices, widget=forms.RadioSelect)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("role") == OrgRole.OWNER and cleaned.get("project_roles"):
            # Without JavaScript the fields stay enabled for an Owner: say why before asking for the password
            # again (the service refuses it too, as it does for Invite User and the API).
            raise ValidationError(OwnerProjectAccessError.default_message, code="owner_project_access")
        return cleaned


class MembersFilterForm(forms.Form):
    """Search, filter and sort the Members page (invalid values fall back to the defaults).

    The Project filter offers only ``projects`` (the ones the viewer may see), and the two-factor filter
    exists only when ``two_factor`` is true (owners): a value for a field the viewer is not given is ignored."""

    SORTS = [
        ("name", _("Name (A to Z)")),
        ("-name", _("Name (Z to A)")),
        ("role", _("Role")),
        ("-role", _("Role (descending)")),
        ("-date", _("Newest first")),
        ("date", _("Oldest first")),
    ]
    STATUSES = [("", _("All statuses")), *RowStatus.choices]
    TWO_FACTOR = [("", _("Any")), ("on", _("Enabled")), ("off", _("Not enabled"))]
    # Django's own widget templates in their Jinja2 versions (the same markup): the five selects rendered through
    # the Django engine took some 4 ms of every Members page, an eighth of its own cost (issue 17). One instance,
    # so its template engine and compiled templates are built once per process.
    default_renderer = Jinja2()

    q = forms.CharField(label=_("Search name or email"), required=False, max_length=254)
    role = forms.ChoiceField(
        label=_("Organization Role"), required=False, choices=[("", _("All roles")), *OrgRole.choices]
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUSES)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORTS)

    def __init__(self, *args: Any, projects: Iterable[Project] = (), two_factor: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if choices := [(str(project.pk), project.name) for project in projects]:
            self.fields["project"] = forms.ChoiceField(
                label=_("Project"), required=False, choices=[("", _("All projects")), *choices]
            )
        if two_factor:
            self.fields["two_factor"] = forms.ChoiceField(
                label=_("Two-factor authentication"), required=False, choices=self.TWO_FACTOR
            )

    @classmethod
    def for_viewer(
        cls,
        data: Any,
        *,
        organization: Organization,
        user: AbstractBaseUser,
        membership: Membership,
        projects: list[Project] | None = None,
        **kwargs: Any,
    ) -> MembersFilterForm:
        """The filters ``user`` may use here: the projects they may see (``projects`` when the caller already has
        them), two-factor status if an owner."""
        if projects is None:
            projects = [project for project, _label in visible_projects(organization, user=user, membership=membership)]
        two_factor = VIEW_MEMBER_SECURITY in organization_permissions(membership.role)  # no query: the role is loaded
        return cls(data, projects=projects, two_factor=two_factor, **kwargs)

    def described(self) -> list[tuple[str, str]]:
        """The filters in use, as (field label, chosen label) pairs: "Project", "Analytics"."""
        described = []
        for name, value in self.filters().items():
            if value and name != "sort":
                field = self.fields[name]
                choices = dict(getattr(field, "choices", ()))
                described.append((str(field.label), str(choices.get(value, value))))
        return described

    def filters(self) -> dict[str, str]:
        data: dict[str, Any] = {}
        if self.is_bound:
            self.is_valid()  # cleaned_data keeps the valid parts of a partly bad query string
            data = self.cleaned_data
        return {
            "q": (data.get("q") or "").strip(),
            "role": data.get("role") or "",
            "status": data.get("status") or "",
            "project": data.get("project") or "",
            "two_factor": data.get("two_factor") or "",
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


class TwoFactorRequirementForm(forms.Form):
    """The confirmation's answer: the state the owner saw and confirmed (a stale page cannot flip it back)."""

    required = forms.TypedChoiceField(choices=[("on", "on"), ("off", "off")], coerce=lambda value: value == "on")
