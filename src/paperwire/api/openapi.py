"""What the OpenAPI document declares beyond what ninja derives from the views' signatures.

The document is meant to be exact: ``tests/api/test_fuzz.py`` has schemathesis hold the server
to it both ways (what it allows is accepted, what it forbids is refused). After ninja has
written it, this adds or mends:

- Rules between query parameters, which OpenAPI has no standard place for, in the operation's
  ``x-dependencies``, in the notation of IDL, the Inter-parameter Dependency Language
  (Martin-Lopez et al., ICSOC 2019): ``ZeroOrOne(date, week, month)``,
  ``offset + limit <= 1000``. JSON Schema could state the first only by making the three one
  exploded object parameter, whose unknown keys then mean something other than unknown query
  parameters do, and the second only with one ``anyOf`` branch per value of limit, more than
  generators accept. A view declares them with ``openapi_extra=dependencies(...)``.
- A query parameter is given or left out: ninja's ``anyOf [T, null]`` for an optional field
  becomes T.
- A parameter's examples are OpenAPI's map of Example Objects (ninja copies JSON Schema's list).
- A body that may be left out is declared as not required, never as JSON ``null``: when sent
  it must be an object (the views refuse anything else).
- Answers that carry a header say so: ``Retry-After`` on 429 and 503, ``WWW-Authenticate``
  on 401; and every operation may answer 503, when the database is busy.
"""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema

RETRY_AFTER = {"type": "integer", "minimum": 1}
HEADERS: dict[str, dict[str, dict[str, Any]]] = {
    "401": {
        "WWW-Authenticate": {
            "description": 'the scheme to use: Bearer realm="paperwire"',
            "required": True,
            "schema": {"type": "string"},
        }
    },
    "429": {
        "Retry-After": {
            "description": "seconds until the budget allows another request",
            "required": True,
            "schema": RETRY_AFTER,
        }
    },
    "503": {
        "Retry-After": {
            "description": "seconds to wait before trying again",
            "required": True,
            "schema": RETRY_AFTER,
        }
    },
}
NULL = {"type": "null"}


def dependencies(*rules: str) -> dict[str, Any]:
    """``openapi_extra`` declaring rules between an operation's query parameters, written by
    ``zero_or_one`` and ``sum_at_most``."""
    return {"x-dependencies": list(rules)}


def zero_or_one(*names: str) -> str:
    """At most one of these parameters may be given."""
    return f"ZeroOrOne({', '.join(names)})"


def sum_at_most(first: str, second: str, total: int) -> str:
    """The two integer parameters (each its default when left out) add up to at most ``total``."""
    return f"{first} + {second} <= {total}"


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` less the ``null`` that ninja offers beside an optional field's type."""
    options = schema.get("anyOf")
    if not options or NULL not in options:
        return schema
    rest = [option for option in options if option != NULL]
    others = {key: value for key, value in schema.items() if key != "anyOf"}
    return {**others, **rest[0]} if len(rest) == 1 else {**others, "anyOf": rest}


def _mend_parameters(operation: dict[str, Any]) -> None:
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "query":
            parameter["schema"] = _without_null(parameter["schema"])
        examples = parameter.get("examples")
        if isinstance(examples, list):
            parameter["examples"] = {str(value): {"value": value} for value in examples}


def _mend_body(operation: dict[str, Any]) -> None:
    body = operation.get("requestBody")
    if body and not body.get("required"):
        for media in body.get("content", {}).values():
            media["schema"] = _without_null(media["schema"])


def _mend_responses(operation: dict[str, Any]) -> None:
    # ninja keys the answers by int, JSON by string: one spelling, so none is written twice.
    responses = {str(status): answer for status, answer in operation["responses"].items()}
    responses.setdefault(
        "503",
        {
            "description": "the database is busy",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        },
    )
    for status, headers in HEADERS.items():
        if status in responses:
            responses[status]["headers"] = headers
    operation["responses"] = responses


def complete(document: dict[str, Any]) -> None:
    """Add to ninja's document what this module declares (see the module's docstring)."""
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            _mend_parameters(operation)
            _mend_body(operation)
            _mend_responses(operation)


class PaperwireAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        complete(document)
        return document
