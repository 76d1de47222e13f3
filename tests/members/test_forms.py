"""The Members page forms: every validation message of Invite User, Edit Role and the filters."""

from __future__ import annotations

import pytest
from django.urls import reverse

from members import services
from members.forms import (
    EditRoleForm,
    InviteForm,
    MembersFilterForm,
    OrganizationCreateForm,
    OrganizationSettingsForm,
    ProjectForm,
)
from members.models import Invitation, User
from members.signup_fields import SignupNameForm
from members.tokens import invitation_token_generator
from tests.factories import PASSWORD, OrganizationFactory, ProjectFactory


def invite_form(organization, **data) -> InviteForm:
    return InviteForm({"role": "member", **data}, organization=organization)


def test_addresses_may_be_separated_by_commas_spaces_semicolons_and_new_lines(organization):
    form = invite_form(
        organization, emails="a@example.com,b@example.com c@example.com\nd@example.com;\r\ne@example.com"
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["emails"] == [f"{c}@example.com" for c in "abcde"]


def test_addresses_pasted_from_a_mail_client_keep_their_names(organization):
    form = invite_form(
        organization,
        emails='Dave Smith <dave@Example.com>; eve@example.com\n"Lee, Ann" <ann@example.com>, '
        "'fay@example.com' <fay@example.com>",
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["emails"] == ["dave@example.com", "eve@example.com", "ann@example.com", "fay@example.com"]
    # A name that only repeats the address is no name.
    assert form.cleaned_data["names"] == {"dave@example.com": "Dave Smith", "ann@example.com": "Lee, Ann"}


def test_a_name_that_may_not_go_into_an_email_is_refused_with_its_address(organization):
    form = invite_form(organization, emails="Visit www.evil.example <dave@example.com>, ok@example.com, Bad <nope>")
    assert not form.is_valid()
    assert form.errors["emails"] == [
        "The name “Visit www.evil.example” given with dave@example.com cannot be used: "
        "Names cannot contain web or email addresses.",
        "“Bad <nope>” is not a valid email address.",
    ]


def test_duplicates_are_collapsed_case_insensitively_and_reported(organization):
    form = invite_form(organization, emails="Ann@Example.com ann@example.com ANN@example.COM bob@example.com")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["emails"] == ["Ann@example.com", "bob@example.com"]
    assert form.cleaned_data["duplicates"] == ["ann@example.com", "ANN@example.com"]


def test_each_malformed_address_gets_its_own_message(organization):
    form = invite_form(organization, emails="ok@example.com, broken@, @nope.com, two@@example.com")
    assert not form.is_valid()
    assert form.errors["emails"] == [
        "“broken@” is not a valid email address.",
        "“@nope.com” is not a valid email address.",
        "“two@@example.com” is not a valid email address.",
    ]


def test_an_overlong_address_is_malformed(organization):
    address = "a" * 64 + "@" + ("b" * 60 + ".") * 4 + "com"
    form = invite_form(organization, emails=address)
    assert not form.is_valid()
    assert "is not a valid email address." in form.errors["emails"][0]


@pytest.mark.parametrize("emails", ["", "   ", " , ;\n"])
def test_no_address_at_all_is_refused(organization, emails):
    form = invite_form(organization, emails=emails)
    assert not form.is_valid()
    assert form.errors["emails"] == ["Enter at least one email address."]


def test_more_than_the_request_limit_is_refused(organization, settings):
    settings.INVITATIONS_PER_REQUEST = 50
    too_many = " ".join(f"p{n}@example.com" for n in range(51))
    form = invite_form(organization, emails=too_many)
    assert not form.is_valid()
    assert form.errors["emails"] == ["You can invite at most 50 addresses at a time; you entered 51."]
    assert invite_form(organization, emails=" ".join(f"p{n}@example.com" for n in range(50))).is_valid()


def test_duplicates_do_not_count_towards_the_request_limit(organization, settings):
    settings.INVITATIONS_PER_REQUEST = 2
    assert invite_form(organization, emails="a@example.com A@example.com b@example.com").is_valid()


def test_role_must_be_an_organization_role(organization):
    form = invite_form(organization, emails="a@example.com", role="admin")
    assert not form.is_valid()
    assert "Select a valid choice." in form.errors["role"][0]


def test_project_access_offers_each_project_of_the_organization_with_a_role(organization):
    kept = ProjectFactory(organization=organization, name="Kept")
    ProjectFactory(organization=organization, name="Untouched")
    form = invite_form(organization, emails="a@example.com", **{f"project_{kept.pk}": "read_write"})
    assert [f.label for f in form.project_fields()] == ["Kept", "Untouched"]
    assert form.is_valid(), form.errors
    assert form.cleaned_data["project_roles"] == {kept: "read_write"}


def test_an_unknown_project_role_is_refused(organization):
    project = ProjectFactory(organization=organization)
    form = invite_form(organization, emails="a@example.com", **{f"project_{project.pk}": "superuser"})
    assert not form.is_valid()
    assert f"project_{project.pk}" in form.errors


@pytest.mark.parametrize("forged", ["foreign", "missing"])
def test_a_project_id_outside_the_organization_refuses_the_form(organization, forged):
    key = f"project_{ProjectFactory(organization=OrganizationFactory()).pk}" if forged == "foreign" else "project_99999"
    form = invite_form(organization, emails="a@example.com", **{key: "admin"})
    assert not form.is_valid()
    assert form.non_field_errors() == ["Project Access names a project that is not in this organization."]


def test_edit_role_offers_both_organization_roles():
    form = EditRoleForm()
    assert [label for _value, label in form.fields["role"].choices] == ["Organization Owner", "Organization Member"]
    assert not EditRoleForm({"role": "root"}).is_valid()
    assert EditRoleForm({"role": "owner"}).is_valid()


def test_filter_form_falls_back_to_defaults_for_bad_values():
    assert MembersFilterForm().filters() == {
        "q": "",
        "role": "",
        "status": "",
        "project": "",
        "two_factor": "",
        "sort": "name",
    }
    assert MembersFilterForm({"q": " ann ", "role": "x", "status": "y", "sort": "z"}).filters() == {
        "q": "ann",
        "role": "",
        "status": "",
        "project": "",
        "two_factor": "",
        "sort": "name",
    }
    assert MembersFilterForm({"q": " ann ", "role": "owner", "status": "expired", "sort": "-date"}).filters() == {
        "q": "ann",
        "role": "owner",
        "status": "expired",
        "project": "",
        "two_factor": "",
        "sort": "-date",
    }


def test_filter_form_ignores_two_factor_and_projects_it_was_not_given(organization):
    project = ProjectFactory(organization=organization)
    hidden = ProjectFactory(organization=organization)
    data = {"two_factor": "off", "project": str(project.pk)}
    assert MembersFilterForm(data).filters()["two_factor"] == ""  # a member's form has no such field
    assert MembersFilterForm(data, two_factor=True).filters()["two_factor"] == "off"
    assert MembersFilterForm(data, projects=[project]).filters()["project"] == str(project.pk)
    assert MembersFilterForm({"project": str(hidden.pk)}, projects=[project]).filters()["project"] == ""
    assert MembersFilterForm({"project": "x"}, projects=[project]).filters()["project"] == ""


def test_filter_form_renders_escaped_with_the_chosen_options_selected(organization):
    """Rendered by Django's Jinja2 widget templates (speed, issue 17): the same escaping and selection."""
    project = ProjectFactory(organization=organization, name='<script>alert("x")</script> & co')
    form = MembersFilterForm({"project": str(project.pk), "sort": "-date"}, projects=[project], auto_id="filter_%s")
    html = str(form["project"]) + str(form["sort"]) + str(form["project"].label_tag())
    assert "<script>" not in html and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co" in html
    assert f'<option value="{project.pk}" selected>' in html and '<option value="-date" selected>' in html
    assert '<select name="project" id="filter_project">' in html and '<label for="filter_project">' in html


@pytest.fixture
def organization(db):
    return OrganizationFactory()


# --- #11.4: names that go into emails ----------------------------------------------------------------------------

NAME_ATTACKS = [
    "Acme\u202eevil",
    "<a href=x>Acme</a>",
    "Click https://evil.example",
    "Pay at evil.example",
    "Acme\nBcc: x",
]


@pytest.mark.parametrize("bad", NAME_ATTACKS)
@pytest.mark.parametrize(
    "form_class",
    [OrganizationCreateForm, OrganizationSettingsForm, ProjectForm, SignupNameForm],
    ids=lambda c: c.__name__,
)
def test_names_with_links_markup_or_control_characters_are_refused(form_class, bad):
    form = form_class(data={"name": bad})
    assert not form.is_valid()
    assert "name" in form.errors


@pytest.mark.parametrize("form_class", [OrganizationCreateForm, OrganizationSettingsForm, ProjectForm])
def test_names_are_capped(form_class):
    assert not form_class(data={"name": "x" * 101}).is_valid()
    assert form_class(data={"name": "Acme Corp, Inc. (EU)"}).is_valid()


def test_creating_an_organization_with_a_link_in_its_name_changes_nothing(owner_client):
    from django.urls import reverse

    from tests.helpers import db_snapshot

    before = db_snapshot()
    response = owner_client.post(reverse("members:organization_create"), {"name": "Free gift at evil.example"})

    assert response.status_code == 200
    assert "web or email addresses" in response.content.decode()
    assert db_snapshot() == before


# --- #11.4: addresses: internationalized domains are domains; no control characters, local or literal hosts -------


def test_internationalized_domains_are_domains_not_case_folded(db):
    organization = OrganizationFactory()

    different = invite_form(organization, emails="x@straße.de x@strasse.de x@STRASSE.DE")

    assert different.is_valid(), different.errors
    assert different.cleaned_data["emails"] == ["x@straße.de", "x@strasse.de"]


@pytest.mark.parametrize(
    "address",
    [
        '"a\x07b"@example.com',
        '"a\x1bb"@example.com',
        "someone@localhost",
        "someone@printer.localhost",
        "someone@intranet",
        "someone@[127.0.0.1]",
        "someone@[IPv6:::1]",
        "someone@127.0.0.1",
        "someone@xn--.com",
    ],
)
def test_addresses_we_must_not_send_to_are_refused_with_the_address_named(db, address):
    form = invite_form(OrganizationFactory(), emails=f"ok@example.com, {address}")

    assert not form.is_valid()
    assert any(address in str(error) for error in form.errors["emails"]), form.errors


def test_the_name_typed_with_the_address_pre_fills_the_invitees_sign_up(organization, owner, client):
    [invitation] = services.invite_members(
        organization, actor=owner, emails=["dave@example.com"], role="member", names={"dave@example.com": "Dave Smith"}
    ).invited
    assert Invitation.objects.get(pk=invitation.pk).name == "Dave Smith"
    client.get(reverse("members:invitation_open", args=[invitation_token_generator.make_token(invitation)]))

    form = client.get(reverse("account_signup")).context["form"]

    assert form["name"].value() == "Dave Smith" and form["email"].value() == "dave@example.com"
    # Theirs to change: what they submit is what their account gets.
    client.post(
        reverse("account_signup"),
        {"name": "David Smith", "email": "dave@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert User.objects.get(email="dave@example.com").name == "David Smith"
