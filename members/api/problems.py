"""Errors as RFC 9457 problem details (``application/problem+json``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import Schema

PROBLEM_CONTENT_TYPE = "application/problem+json"


class FieldError(Schema):
    field: str
    message: str


class Problem(Schema):
    """RFC 9457 problem details; ``errors`` lists field messages (the forms' own wording)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    errors: list[FieldError] = []


class ProblemError(Exception):
    """Raise to answer with a problem document."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str = "",
        *,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail = status, str(title), str(detail)
        self.errors, self.headers = errors or [], headers or {}


def problem_response(error: ProblemError) -> HttpResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": error.title, "status": error.status}
    if error.detail:
        body["detail"] = error.detail
    if error.errors:
        body["errors"] = error.errors
    response = JsonResponse(body, status=error.status, content_type=PROBLEM_CONTENT_TYPE)
    for name, value in error.headers.items():
        response[name] = value
    return response


def form_problem(form: Any) -> ProblemError:
    """A 422 with every message of a Django form, field by field (``__all__`` for the form as a whole)."""
    errors = [
        {"field": field, "message": str(message)} for field, messages in form.errors.items() for message in messages
    ]
    return ProblemError(422, _("The request is not valid."), errors[0]["message"] if errors else "", errors=errors)


# Every operation may answer these (declared in the schema so clients and schemathesis expect them).
COMMON_PROBLEMS: dict[int, type[Problem]] = {401: Problem, 403: Problem, 404: Problem, 422: Problem, 429: Problem}
# Lists may also refuse a forged, malformed or foreign cursor: 400.
LIST_PROBLEMS: dict[int, type[Problem]] = {**COMMON_PROBLEMS, 400: Problem}
# Writes may also be refused by a service rule (the last owner, daily limits): 409.
WRITE_PROBLEMS: dict[int, type[Problem]] = {**COMMON_PROBLEMS, 400: Problem, 409: Problem}


def problem(request: HttpRequest, error: ProblemError) -> HttpResponse:
    return problem_response(error)
