"""The API object: routers, problem-details error handlers, and the OpenAPI 3.1 schema."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from members.api import invitations, members
from members.api.problems import PROBLEM_CONTENT_TYPE, ProblemError, problem_response


class OrgConsoleAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        """django-ninja documents every response as application/json; errors are problem documents."""
        schema = super().get_openapi_schema(**kwargs)
        for item in schema["paths"].values():
            for operation in item.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        response["content"] = {PROBLEM_CONTENT_TYPE: content["application/json"]}
        return schema


api = OrgConsoleAPI(
    title="OrgConsole API",
    version="1",
    description=(
        "Manage an organization's members, invitations and projects with an organization API token "
        "(Authorization: Bearer oc_…, created on the organization's API tokens page). Errors are RFC 9457 "
        "problem details."
    ),
    urls_namespace="api",
    docs_url=None,  # the console serves its own docs page (no CDN, no script): members.api.docs
    openapi_url="/openapi.json",
)
api.add_router("/", members.router)
api.add_router("/", invitations.router)


@api.exception_handler(ProblemError)
def on_problem(request: HttpRequest, exc: ProblemError) -> HttpResponse:
    return problem_response(exc)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem_response(
        ProblemError(
            401,
            _("Unauthorized"),
            _("Send an organization API token: Authorization: Bearer oc_…"),
            headers={"WWW-Authenticate": 'Bearer realm="orgconsole"'},
        )
    )


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    # Another organization's ids are indistinguishable from ids that do not exist.
    return problem_response(ProblemError(404, _("Not found"), str(exc) or _("Not found.")))


@api.exception_handler(NinjaValidationError)
def on_invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [
        {"field": ".".join(str(part) for part in error.get("loc", [])[1:]) or "__all__", "message": error["msg"]}
        for error in exc.errors
    ]
    detail = errors[0]["message"] if errors else ""
    return problem_response(ProblemError(422, _("The request is not valid."), detail, errors=errors))


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem_response(ProblemError(exc.status_code, str(exc), str(exc)))
