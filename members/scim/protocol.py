"""SCIM plumbing: errors, JSON responses, bearer authentication, discovery documents, list filters."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import wraps
from typing import Annotated, Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from pydantic import ValidationError as PydanticError
from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    ETag,
    Extension,
    Filter,
    Group,
    Mutability,
    Patch,
    PatchOp,
    Required,
    ResourceType,
    ResponseParameters,
    SchemaExtension,
    ScimPolicy,
    ServiceProviderConfig,
    Sort,
    User,
)
from scim2_models.urn import URN

from members.api.auth import token_for
from members.api.problems import ProblemError
from members.api_tokens import acting_as


class ProjectRoleValue(StrEnum):
    admin = "admin"
    read_write = "read_write"
    read_only = "read_only"


class ProjectGroup(Extension):
    """OrgConsole: the project role the members of the group get on its project (Project Read-Only when unset)."""

    __schema__ = URN("urn:ietf:params:scim:schemas:extension:orgconsole:2.0:Group")
    default_project_role: Annotated[ProjectRoleValue | None, Mutability.read_write, Required.false] = None


GroupResource = Group[ProjectGroup]

# Microsoft Entra ID sends "remove" with a value to pick entries, and filters naming entries to add.
POLICY = ScimPolicy(
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)

CONTENT_TYPE = "application/scim+json"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
MAX_RESULTS = 200


class ScimError(Exception):
    def __init__(self, status: int, detail: str, scim_type: str = "") -> None:
        super().__init__(detail)
        self.status, self.detail, self.scim_type = status, detail, scim_type


def scim_response(
    body: dict[str, Any] | None, *, status: int = 200, headers: dict[str, str] | None = None
) -> HttpResponse:
    response = HttpResponse(
        json.dumps(body) if body is not None else b"", status=status, content_type=CONTENT_TYPE if body else None
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error_response(error: ScimError, headers: dict[str, str] | None = None) -> HttpResponse:
    body: dict[str, Any] = {"schemas": [ERROR_SCHEMA], "status": str(error.status), "detail": error.detail}
    if error.scim_type:
        body["scimType"] = error.scim_type
    return scim_response(body, status=error.status, headers=headers)


def scim_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Authenticate the bearer token (SCIM scope, rate limit), run the view as that token, and turn
    errors into SCIM error documents."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        header = request.headers.get("Authorization", "")
        scheme, _sep, secret = header.partition(" ")
        try:
            if scheme.lower() != "bearer" or not secret:
                raise ProblemError(401, "Unauthorized", "Send an organization API token with the SCIM scope.")
            token = token_for(secret.strip(), scope="scim")
            request.scim_token = token  # type: ignore[attr-defined]
            with acting_as(token):
                return view(request, *args, **kwargs)
        except ProblemError as exc:
            return error_response(ScimError(exc.status, exc.detail or exc.title), headers=exc.headers)
        except ScimError as exc:
            return error_response(exc)

    return wrapper


def read_json(request: HttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ScimError(400, "The request body is not valid JSON.", "invalidSyntax") from exc
    if not isinstance(body, dict):
        raise ScimError(400, "The request body must be a JSON object.", "invalidSyntax")
    return body


FILTER = re.compile(r'^\s*(?P<attr>[A-Za-z][\w.]*)\s+eq\s+"(?P<value>(?:[^"\\]|\\.)*)"\s*$', re.IGNORECASE)


def parse_filter(raw: str | None, allowed: dict[str, str]) -> tuple[str, str] | None:
    """``attr eq "value"`` for the attributes in ``allowed`` (SCIM name → lookup); other filters are refused."""
    if not raw:
        return None
    match = FILTER.match(raw)
    attr = match["attr"].lower() if match else ""
    lookups = {name.lower(): lookup for name, lookup in allowed.items()}
    if not match or attr not in lookups:
        raise ScimError(
            400, f"Only these filters are supported: {', '.join(f'{a} eq' for a in allowed)}.", "invalidFilter"
        )
    return lookups[attr], json.loads(f'"{match["value"]}"')


def list_response(request: HttpRequest, resources: list[dict[str, Any]] | Any, total: int, start: int) -> HttpResponse:
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }
    return scim_response(body)


def query_of(request: HttpRequest) -> dict[str, Any]:
    """The query parameters of a list: the query string for GET, the body of a POST ``/.search``."""
    return read_json(request) if request.method == "POST" else request.GET.dict()


def paging(params: dict[str, Any]) -> tuple[int, int]:
    """``startIndex`` (1-based) and ``count``, within bounds (RFC 7644 §3.4.2.4)."""
    try:
        start = max(int(params.get("startIndex", 1)), 1)
        count = min(max(int(params.get("count", MAX_RESULTS)), 0), MAX_RESULTS)
    except ValueError as exc:
        raise ScimError(400, "startIndex and count must be integers.", "invalidValue") from exc
    return start, count


def response_parameters(model: Any, params: dict[str, Any]) -> Any:
    """``attributes`` / ``excludedAttributes`` (a comma-separated string or a list), or None."""
    wanted = {}
    for name in ("attributes", "excludedAttributes"):
        value = params.get(name)
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if value:
            wanted[name] = value
    if not wanted:
        return None
    try:
        return ResponseParameters[model].model_validate(wanted)
    except PydanticError as exc:
        raise ScimError(400, "attributes or excludedAttributes names an unknown attribute.", "invalidPath") from exc


def shape(model: Any, body: dict[str, Any], parameters: Any) -> dict[str, Any]:
    """The resource as the client asked to see it (RFC 7644 §3.9)."""
    if parameters is None:
        return body
    resource = model.model_validate(body, scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    return resource.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE, response_parameters=parameters)


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/scim/v2")


def resource_body(request: HttpRequest, row: Any, resource_type: str, **fields: Any) -> dict[str, Any]:
    """A stored resource as served: its id and meta (RFC 7643 §3.1), and ``fields`` the console owns."""
    return {
        **row.resource,
        **fields,
        "id": str(row.scim_id),
        "meta": {
            "resourceType": resource_type,
            "created": row.created_at.isoformat(),
            "lastModified": row.updated_at.isoformat(),
            "location": f"{base_url(request)}/{resource_type}s/{row.scim_id}",  # /Users/…, /Groups/…
        },
    }


def service_provider_config(request: HttpRequest) -> dict[str, Any]:
    config = ServiceProviderConfig(
        documentation_uri=request.build_absolute_uri("/api/v1/docs"),
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_RESULTS),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=False),
        authentication_schemes=[
            AuthenticationScheme(
                type="oauthbearertoken",
                name="OrgConsole API token",
                description="An organization API token with the SCIM scope: Authorization: Bearer oc_…",
                primary=True,
            )
        ],
    )
    body = config.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE, mode="json")
    body["meta"] = {"resourceType": "ServiceProviderConfig", "location": f"{base_url(request)}/ServiceProviderConfig"}
    return body


def resource_types(request: HttpRequest) -> list[dict[str, Any]]:
    types = []
    for name, endpoint, model in (("User", "/Users", User), ("Group", "/Groups", Group)):
        extensions = [SchemaExtension(schema_=ProjectGroup.__schema__, required=False)] if model is Group else None
        resource_type = ResourceType(
            id=name,
            name=name,
            endpoint=endpoint,
            description=f"{name}s",
            schema_=model.__schema__,
            schema_extensions=extensions,
        )
        body = resource_type.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE, mode="json")
        body["meta"] = {"resourceType": "ResourceType", "location": f"{base_url(request)}/ResourceTypes/{name}"}
        types.append(body)
    return types


def _require_email(schema: dict[str, Any]) -> None:
    """Everyone here is reached by email, so the published User schema requires ``emails`` with a
    ``value`` (the server also takes a ``userName`` that is an address on its own)."""
    for attribute in schema["attributes"]:
        if attribute["name"] == "emails":
            attribute["required"] = True
            for sub in attribute.get("subAttributes", []):
                if sub["name"] == "value":
                    sub["required"] = True


def schemas(request: HttpRequest) -> list[dict[str, Any]]:
    documents = []
    for model in (User, Group, ProjectGroup):
        body = model.to_schema().model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE, mode="json")
        if model is User:
            _require_email(body)
        body["meta"] = {"resourceType": "Schema", "location": f"{base_url(request)}/Schemas/{model.__schema__}"}
        documents.append(body)
    return documents


def validate(model: Any, body: dict[str, Any], context: Context) -> Any:
    """``body`` as a scim2-models resource or message; a 400 ``invalidValue`` with pydantic's reasons if not."""
    try:
        with POLICY:
            return model.model_validate(body, scim_ctx=context)
    except PydanticError as exc:
        raise ScimError(400, "; ".join(e["msg"] for e in exc.errors()) or "Invalid payload.", "invalidValue") from exc


def patched(model: Any, stored: dict[str, Any], request: HttpRequest) -> Any:
    """The stored resource with the request's PATCH operations applied (RFC 7644 §3.5.2), not yet saved."""
    operations = validate(PatchOp[model], read_json(request), Context.RESOURCE_PATCH_REQUEST)
    resource = validate(model, stored, Context.DEFAULT)
    try:
        with POLICY:
            operations.patch(resource)
    except Exception as exc:  # scim2-models raises its SCIM exceptions for paths that do not apply
        detail = str(exc) or "The patch does not apply."
        raise ScimError(400, detail, getattr(exc, "scim_type", "invalidValue")) from exc
    return resource


def listing(
    request: HttpRequest,
    rows: Any,
    *,
    model: Any,
    filters: dict[str, str],
    body: Callable[[HttpRequest, Any], dict[str, Any]],
) -> HttpResponse:
    """A ListResponse: GET with a query string, or POST ``/.search`` with the same parameters as JSON."""
    params = query_of(request)
    if wanted := parse_filter(params.get("filter"), filters):
        rows = rows.filter(**{wanted[0]: wanted[1]})
    start, count = paging(params)
    page = list(rows[start - 1 : start - 1 + count]) if count else []
    parameters = response_parameters(model, params)
    resources = [shape(model, body(request, row), parameters) for row in page]
    return list_response(request, resources, rows.count(), start)


@dataclass(frozen=True)
class Endpoint:
    """What a resource type (Users, Groups) provides; its reads and full replacement are then the same code."""

    model: Any
    filters: dict[str, str]
    rows: Callable[[HttpRequest], Any]  # the token's organization's rows
    find: Callable[[HttpRequest, str], Any]  # one of them, or a SCIM 404
    body: Callable[[HttpRequest, Any], dict[str, Any]]
    save: Callable[[HttpRequest, Any, Any], Any]  # (request, row, validated resource) -> the saved row

    def listing(self, request: HttpRequest) -> HttpResponse:
        return listing(request, self.rows(request), model=self.model, filters=self.filters, body=self.body)

    def get(self, request: HttpRequest, scim_id: str) -> HttpResponse:
        parameters = response_parameters(self.model, request.GET.dict())
        return scim_response(shape(self.model, self.body(request, self.find(request, scim_id)), parameters))

    def replace(self, request: HttpRequest, scim_id: str) -> HttpResponse:
        with transaction.atomic():
            row = self.find(request, scim_id)
            resource = validate(self.model, read_json(request), Context.RESOURCE_REPLACEMENT_REQUEST)
            return scim_response(self.body(request, self.save(request, row, resource)))
