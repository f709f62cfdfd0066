"""Helpers of the Raynet contract tests: the spec's operations, schemas and examples.

Authority: ``../shared/raynet-openapi/openapi.json`` (read at test time, never
copied). Requests are checked against the request JSON Schemas; responses,
which the spec documents by example only (``SOURCES.md``), are compared with
the examples in structure: the same envelope, the same keys, the same JSON types.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx

from engine.catalogs.generate_raynet import resolve
from engine.raynet import json_codec

API_PREFIX = "/api/v2"

#: Paths the spec documents in prose only (tag "Externí identifikátor"): the lookup
#: answers the record's detail, so it is compared with the detail example.
PROSE_PATHS = {
    "/{entityName}/ext/{extId}/": "detail of the entity (tag 'Externí identifikátor')",
}


@dataclass
class Exchange:
    method: str
    path: str  # without /api/v2
    query: str
    request: Any
    status: int
    response: Any


class RecordingTransport(httpx.BaseTransport):
    """Forwards to the real network and records every exchange (for the contract checks)."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.exchanges: list[Exchange] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        content = response.read()
        body = request.content
        path = request.url.path
        self.exchanges.append(Exchange(
            method=request.method,
            path=path[len(API_PREFIX):] if path.startswith(API_PREFIX) else path,
            query=request.url.query.decode("ascii") if isinstance(request.url.query, bytes) else str(request.url.query),
            request=json_codec.loads(body) if body else None,
            status=response.status_code,
            response=json_codec.loads(content) if content.strip() else None,
        ))
        return httpx.Response(
            response.status_code, headers=response.headers, content=content, request=request,
        )

    def close(self) -> None:
        self.inner.close()


def template_regex(template: str) -> re.Pattern:
    parts = re.split(r"(\{[^}]+\})", template)
    return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts))


def match_template(spec: dict, method: str, path: str) -> str | None:
    """The spec path (or prose path) a concrete request path belongs to; literal segments win."""
    candidates = []
    for template, operations in list(spec["paths"].items()) + [(p, {"get": {}}) for p in PROSE_PATHS]:
        if method.lower() in operations and template_regex(template).fullmatch(path):
            candidates.append(template)
    if not candidates:
        return None
    return max(candidates, key=lambda t: len(re.sub(r"\{[^}]+\}", "", t)))


def request_schema(spec: dict, method: str, template: str) -> dict | None:
    body = spec["paths"][template][method.lower()].get("requestBody")
    if not body:
        return None
    return resolve(spec, body["content"]["application/json"]["schema"])


def responses(spec: dict, method: str, template: str) -> dict:
    return spec["paths"][template][method.lower()]["responses"]


def response_example(spec: dict, method: str, template: str, status: int) -> tuple[bool, Any]:
    """(documented?, example) of one response; ``documented`` False if the spec gives no body."""
    answer = responses(spec, method, template).get(str(status))
    if answer is None:
        return False, None
    content = answer.get("content", {}).get("application/json")
    if not content:
        return False, None
    if "example" in content:
        return True, content["example"]
    schema = resolve(spec, content.get("schema") or {})
    if "example" in schema:
        return True, schema["example"]
    return False, None


def response_schema(spec: dict, method: str, template: str, status: int) -> dict | None:
    answer = responses(spec, method, template).get(str(status)) or {}
    schema = answer.get("content", {}).get("application/json", {}).get("schema")
    return resolve(spec, schema) if schema else None


# ------------------------------------------------------------ structure check


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float, Decimal)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


#: objects whose keys are instance data, not structure ([OAS] customFields.<customFieldKey>)
OPEN_OBJECTS = {"customFields"}


def structure_differences(actual: Any, example: Any, path: str = "$") -> list[str]:
    """How ``actual`` differs in structure from the documented ``example``.

    Same keys in every object (except open ones), same JSON types; ``null`` on
    either side matches any type (the examples show the same fields both null
    and filled); list items are compared with the example's first item;
    ``success`` may be ``true`` or ``"true"`` (the examples use both).
    """
    problems: list[str] = []
    if actual is None or example is None:
        return problems
    if path.endswith(".success") and {json_type(actual), json_type(example)} <= {"boolean", "string"}:
        if str(actual).lower() != "true" or str(example).lower() != "true":
            problems.append(f"{path}: success is {actual!r}, documented {example!r}")
        return problems
    if json_type(actual) != json_type(example):
        return [f"{path}: {json_type(actual)}, documented {json_type(example)} ({example!r:.60})"]
    if isinstance(example, dict):
        if path.rsplit(".", 1)[-1] in OPEN_OBJECTS:
            return problems
        missing = [k for k in example if k not in actual]
        extra = [k for k in actual if k not in example]
        if missing:
            problems.append(f"{path}: missing documented keys {missing}")
        if extra:
            problems.append(f"{path}: keys not in the documented example {extra}")
        for key in example:
            if key in actual:
                problems += structure_differences(actual[key], example[key], f"{path}.{key}")
    elif isinstance(example, list) and example and actual:
        for index, item in enumerate(actual):
            problems += structure_differences(item, example[0], f"{path}[{index}]")
    return problems


def unknown_request_keys(body: Any, schema: dict, path: str = "$", *, allow: frozenset[str] = frozenset()) -> list[str]:
    """Keys the client sent that the request schema does not document (``allow``: documented in prose)."""
    problems: list[str] = []
    if isinstance(body, list) and schema.get("type") == "array":
        for index, item in enumerate(body):
            problems += unknown_request_keys(item, schema.get("items") or {}, f"{path}[{index}]")
        return problems
    if not isinstance(body, dict) or schema.get("type") != "object":
        return problems
    properties = schema.get("properties") or {}
    if path.rsplit(".", 1)[-1] in OPEN_OBJECTS:
        return problems
    for key, value in body.items():
        if key in properties:
            problems += unknown_request_keys(value, properties[key], f"{path}.{key}")
        elif path == "$" and key in allow:
            continue
        else:
            problems.append(f"{path}.{key}")
    return problems
