"""Shopify's error shapes: GraphQL error entries, translated validation errors, and HTTP-level bodies.

Validation messages follow the graphql-ruby wording in the real captures (shopify-api.md §2.3), so a
client's error handling sees what Shopify sends rather than graphql-core's wording.
"""

from __future__ import annotations

import re
from typing import Any

from graphql import GraphQLError

DOCS_RATE_LIMITS = "https://shopify.dev/api/usage/rate-limits"
DOCS_SCOPES = "https://shopify.dev/api/usage/access-scopes"
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"  # noqa: S105 - an error message, not a secret


class FieldError(Exception):
    """An error while resolving one field: the field becomes null and the error is reported with its path."""

    def __init__(self, message: str, code: str, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extensions = {"code": code, **extensions}


def access_denied(field: str, scope: str) -> FieldError:
    """The partial-data error of a field the token's scopes do not cover."""
    return FieldError(
        f"Access denied for {field} field. Required access: `{scope}` access scope.",
        "ACCESS_DENIED",
        documentation=DOCS_SCOPES,
        requiredAccess=f"`{scope}` access scope.",
    )


def entry(
    message: str,
    extensions: dict[str, Any],
    locations: list[dict] | None = None,
    path: list[Any] | None = None,
) -> dict[str, Any]:
    """One element of the top-level ``errors`` list, keys in Shopify's order."""
    out: dict[str, Any] = {"message": message}
    if locations:
        out["locations"] = locations
    if path is not None:
        out["path"] = path
    out["extensions"] = extensions
    return out


def _locations(error: GraphQLError) -> list[dict[str, int]]:
    return [{"line": loc.line, "column": loc.column} for loc in error.locations or []]


def parse_error(error: GraphQLError) -> dict[str, Any]:
    """A syntax error, worded like graphql-ruby's parser ("syntax error, unexpected ... at [l, c]")."""
    loc = (error.locations or [None])[0]
    where = f" at [{loc.line}, {loc.column}]" if loc else ""
    found = re.search(r"found (.+?)\.?$", error.message)
    unexpected = found.group(1) if found else "token"
    if unexpected == "<EOF>":
        unexpected = "end of file"
    return entry(f"syntax error, unexpected {unexpected}{where}", {"code": "PARSE_ERROR"}, _locations(error))


_UNDEFINED = re.compile(r"Cannot query field '([^']+)' on type '([^']+)'")
_NO_SELECTION = re.compile(r"Field '([^']+)' of type '([^']+)' must have a selection of subfields")
_UNKNOWN_ARG = re.compile(r"Unknown argument '([^']+)' on field '([^'.]+)\.([^']+)'")
_REQUIRED_ARG = re.compile(r"Field '([^']+)' argument '([^']+)' of type '([^']+)' is required")
_LEAF_SELECTION = re.compile(r"Field '([^']+)' must not have a selection since type '([^']+)'")


def validation_error(error: GraphQLError, path: list[Any] | None) -> dict[str, Any]:
    """Translate a graphql-core validation error into Shopify's (graphql-ruby) message and code."""
    msg, loc = error.message, _locations(error)
    if m := _UNDEFINED.search(msg):
        field, type_name = m.groups()
        return entry(
            f"Field '{field}' doesn't exist on type '{type_name}'",
            {"code": "undefinedField", "typeName": type_name, "fieldName": field},
            loc,
            path,
        )
    if m := _NO_SELECTION.search(msg):
        field, type_name = m.groups()
        type_name = type_name.strip("[]!")
        return entry(
            f"Field must have selections (field '{field}' returns {type_name} but has no selections. "
            f"Did you mean '{field} {{ ... }}'?)",
            {"code": "selectionMismatch", "nodeName": f"field '{field}'", "typeName": type_name},
            loc,
            path,
        )
    if m := _LEAF_SELECTION.search(msg):
        field, type_name = m.groups()
        return entry(
            f"Selections can't be made on scalars (field '{field}' returns {type_name.strip('[]!')} "
            "but has selections [...])",
            {"code": "selectionMismatch", "nodeName": f"field '{field}'", "typeName": type_name.strip("[]!")},
            loc,
            path,
        )
    if m := _UNKNOWN_ARG.search(msg):
        arg, _parent, field = m.groups()
        return entry(
            f"Field '{field}' doesn't accept argument '{arg}'",
            {"code": "argumentNotAccepted", "name": field, "typeName": "Field", "argumentName": arg},
            loc,
            path,
        )
    if m := _REQUIRED_ARG.search(msg):
        field, arg, _ = m.groups()
        return entry(
            f"Field '{field}' is missing required arguments: {arg}",
            {"code": "missingRequiredArguments", "className": "Field", "name": field, "arguments": arg},
            loc,
            path,
        )
    return entry(msg.replace('"', "'"), {"code": "GRAPHQL_VALIDATION_FAILED"}, loc, path)


def variable_error(error: GraphQLError, var_name: str, type_str: str, value: Any) -> dict[str, Any]:
    """A variable that does not coerce to its declared type (INVALID_VARIABLE)."""
    return entry(
        f"Variable ${var_name} of type {type_str} was provided invalid value",
        {
            "code": "INVALID_VARIABLE",
            "value": value,
            "problems": [{"path": list(error.path or []), "explanation": error.message}],
        },
        _locations(error),
    )


def throttled() -> dict[str, Any]:
    """The THROTTLED entry (HTTP 200, no data)."""
    return entry("Throttled", {"code": "THROTTLED", "documentation": DOCS_RATE_LIMITS})


def max_cost_exceeded(cost: int, max_cost: int) -> dict[str, Any]:
    """The MAX_COST_EXCEEDED entry, message verbatim from the live report."""
    message = (
        f"Query cost is {cost}, which exceeds the single query max cost limit ({max_cost}).\n\n"
        "See https://shopify.dev/docs/api/usage/rate-limits for more information on how the\n"
        "cost of a query is calculated.\n\n"
        "To query larger amounts of data with fewer limits, bulk operations should be used instead.\n"
        "See https://shopify.dev/docs/api/usage/bulk-operations/queries for usage details.\n"
    )
    return entry(
        message,
        {"code": "MAX_COST_EXCEEDED", "cost": cost, "maxCost": max_cost, "documentation": DOCS_RATE_LIMITS},
    )


def internal_error(request_id: str) -> dict[str, Any]:
    """GraphQL INTERNAL_SERVER_ERROR (served with HTTP 200)."""
    return entry(
        f"Internal error. Looks like something went wrong on our end.\nRequest ID: {request_id} "
        "(include this in support requests).",
        {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
    )


def html_error_page(status: int, request_id: str) -> bytes:
    """The HTML page Shopify's edge serves with 5xx answers."""
    titles = {
        500: "Internal Server Error",
        502: "Bad Gateway",
        503: "Service Unavailable",
        504: "Gateway Timeout",
        530: "Origin DNS error",
        540: "Temporarily Disabled",
    }
    title = titles.get(status, "Error")
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{title}</title>\n'
        f"</head>\n<body>\n<h1>There was a problem loading this website</h1>\n<p>{status} {title}. "
        f"Please try refreshing the page.</p>\n<p>Request ID: {request_id}</p>\n</body>\n</html>\n"
    ).encode()


UNKNOWN_SHOP_HTML = (
    b"<!DOCTYPE html>\n<html>\n<head><title>Sorry, this shop is currently unavailable.</title></head>\n"
    b"<body><h1>Sorry, this shop is currently unavailable.</h1></body>\n</html>\n"
)
