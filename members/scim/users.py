"""SCIM Users: each one an invitation until the person joins, then a membership; ``active: false`` or
DELETE takes them out (never the last Organization Owner)."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from scim2_models import Context, User

from members import addresses
from members.exceptions import DomainError
from members.models import ApiToken, Invitation, Membership
from members.scim import protocol
from members.scim.protocol import ScimError, patched, read_json, resource_body, scim_response, validate
from members.scim_models import ScimUser
from members.services.provisioning import deprovision_member, provision_member

FILTERS = {"userName": "user_name__iexact", "externalId": "resource__externalId", "emails.value": "email__iexact"}


def address_of(user: User) -> str:
    """The address to provision: ``userName`` when it is an email address, else the primary (or first) email."""
    primary = [e.value for e in user.emails or [] if e.primary and e.value]
    candidates = [user.user_name or "", *primary, *(e.value for e in user.emails or [] if e.value)]
    for candidate in candidates:
        address = addresses.normalize(str(candidate))
        try:
            validate_email(address)
        except ValidationError:
            continue
        return address
    raise ScimError(400, "userName or emails must hold a valid email address.", "invalidValue")


def user_body(request: HttpRequest, row: ScimUser) -> dict[str, Any]:
    return resource_body(request, row, "User")


def _stored(user: User) -> dict[str, Any]:
    body = user.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE, mode="json")
    for key in ("id", "meta", "password", "groups"):
        body.pop(key, None)
    return body


def _link(row: ScimUser, target: Membership | Invitation) -> None:
    if isinstance(target, Membership):
        row.user, row.invitation = target.user, None
    else:
        row.user, row.invitation = None, target


def _person(row: ScimUser) -> tuple[Any, Invitation | None]:
    """The account behind the row (directly, or through an invitation they accepted since) and the invitation."""
    user = row.user or (row.invitation.accepted_by if row.invitation else None)
    return user, row.invitation


def apply(row: ScimUser, *, token: ApiToken, user: User) -> ScimUser:
    """Make the organization match the wanted state (address and ``active``), then store it."""
    email, active = address_of(user), user.active is not False
    organization, actor = row.organization, token.created_by
    try:
        if row.pk and row.active and (not active or not addresses.same_address(email, row.email)):
            person, invitation = _person(row)
            deprovision_member(organization, actor=actor, user=person, invitation=invitation)
            row.user = row.invitation = None
        if active and (not row.pk or not row.active or not addresses.same_address(email, row.email)):
            _link(row, provision_member(organization, actor=actor, email=email))
    except DomainError as exc:
        raise ScimError(409, exc.message) from exc
    row.user_name, row.email, row.active = user.user_name, email, active
    row.resource, row.updated_at = _stored(user), timezone.now()
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as exc:
        raise ScimError(409, "A user with this userName already exists.", "uniqueness") from exc
    return row


def _row(request: HttpRequest, scim_id: str) -> ScimUser:
    row = ScimUser.objects.filter(organization=request.scim_token.organization, scim_id=as_uuid(scim_id)).first()
    if row is None:
        raise ScimError(404, f"User {scim_id} not found.")
    return row


def as_uuid(value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


@transaction.atomic
def create(request: HttpRequest) -> HttpResponse:
    user = validate(User, read_json(request), Context.RESOURCE_CREATION_REQUEST)
    organization = request.scim_token.organization
    if ScimUser.objects.filter(organization=organization, user_name__iexact=user.user_name).exists():
        raise ScimError(409, "A user with this userName already exists.", "uniqueness")
    row = apply(ScimUser(organization=organization), token=request.scim_token, user=user)
    body = user_body(request, row)
    return scim_response(body, status=201, headers={"Location": body["meta"]["location"]})


def _save(request: HttpRequest, row: ScimUser, user: User) -> ScimUser:
    return apply(row, token=request.scim_token, user=user)


def _rows(request: HttpRequest) -> Any:
    return ScimUser.objects.filter(organization=request.scim_token.organization)


ENDPOINT = protocol.Endpoint(model=User, filters=FILTERS, rows=_rows, find=_row, body=user_body, save=_save)
listing, get, replace = ENDPOINT.listing, ENDPOINT.get, ENDPOINT.replace


@transaction.atomic
def patch(request: HttpRequest, scim_id: str) -> HttpResponse:
    row = _row(request, scim_id)
    resource = patched(User, row.resource, request)
    return scim_response(user_body(request, _save(request, row, resource)))


@transaction.atomic
def delete(request: HttpRequest, scim_id: str) -> HttpResponse:
    row = _row(request, scim_id)
    if row.active:
        person, invitation = _person(row)
        try:
            deprovision_member(
                row.organization, actor=request.scim_token.created_by, user=person, invitation=invitation
            )
        except DomainError as exc:
            raise ScimError(409, exc.message) from exc
    row.delete()
    return scim_response(None, status=204)
