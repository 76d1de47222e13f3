"""SCIM endpoints: discovery documents, and Users and Groups by method."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from members.scim import groups, users
from members.scim.protocol import (
    ScimError,
    error_response,
    list_response,
    resource_types,
    schemas,
    scim_response,
    scim_view,
    service_provider_config,
)


def _only_get(request: HttpRequest) -> None:
    if request.method != "GET":
        raise ScimError(405, "Only GET is supported here.")


@scim_view
def service_provider_config_view(request: HttpRequest) -> HttpResponse:
    _only_get(request)
    return scim_response(service_provider_config(request))


def _discovery(request: HttpRequest, found: list[dict[str, Any]], wanted: str | None, what: str) -> HttpResponse:
    """A discovery list, or the one document whose id is ``wanted``."""
    _only_get(request)
    if wanted is None:
        return list_response(request, found, len(found), 1)
    match = [item for item in found if item["id"] == wanted]
    if not match:
        raise ScimError(404, f"{what} {wanted} not found.")
    return scim_response(match[0])


@scim_view
def resource_types_view(request: HttpRequest, name: str | None = None) -> HttpResponse:
    return _discovery(request, resource_types(request), name, "Resource type")


@scim_view
def schemas_view(request: HttpRequest, urn: str | None = None) -> HttpResponse:
    return _discovery(request, schemas(request), urn, "Schema")


@scim_view
def root_search_view(request: HttpRequest) -> HttpResponse:
    """Searching Users and Groups at once is not offered (RFC 7644 §3.4.3 lets a server answer 501)."""
    raise ScimError(501, "Search one resource type at a time: POST /Users/.search or /Groups/.search.")


@csrf_exempt
def not_found(request: HttpRequest) -> HttpResponse:
    return error_response(ScimError(404, "No such SCIM endpoint."))


def _dispatch(handlers: dict[str, Callable[..., HttpResponse]]) -> Callable[..., HttpResponse]:
    @scim_view
    def view(request: HttpRequest, **kwargs: str) -> HttpResponse:
        handler = handlers.get(request.method or "")
        if handler is None:
            raise ScimError(405, f"{request.method} is not supported here.")
        return handler(request, **kwargs)

    return view


users_search_view = _dispatch({"POST": users.listing})
groups_search_view = _dispatch({"POST": groups.listing})
users_view = _dispatch({"GET": users.listing, "POST": users.create})
user_view = _dispatch({"GET": users.get, "PUT": users.replace, "PATCH": users.patch, "DELETE": users.delete})
groups_view = _dispatch({"GET": groups.listing, "POST": groups.create})
group_view = _dispatch({"GET": groups.get, "PUT": groups.replace, "PATCH": groups.patch, "DELETE": groups.delete})
