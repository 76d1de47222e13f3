"""The API's documentation page, rendered on the server from the generated OpenAPI schema: no CDN,
no script, so the strict Content-Security-Policy applies unchanged."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from members.api.app import api

METHODS = ("get", "post", "put", "patch", "delete")


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _operations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    operations = []
    for path, item in schema.get("paths", {}).items():
        for method in METHODS:
            if method not in item:
                continue
            op = item[method]
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            operations.append(
                {
                    "id": op.get("operationId", f"{method}-{path}"),
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "parameters": op.get("parameters", []),
                    "body": _ref_name(body["$ref"]) if "$ref" in body else "",
                    "responses": sorted(op.get("responses", {})),
                    "security": [next(iter(s), "") for s in op.get("security", [])],
                }
            )
    return operations


@require_safe
def api_docs(request: HttpRequest) -> HttpResponse:
    schema = api.get_openapi_schema()
    components = {
        name: json.dumps(component, indent=2)
        for name, component in schema.get("components", {}).get("schemas", {}).items()
    }
    return render(
        request,
        "api/docs.html",
        {
            "info": schema["info"],
            "openapi": schema["openapi"],
            "operations": _operations(schema),
            "components": components,
        },
    )
