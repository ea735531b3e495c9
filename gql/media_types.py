"""The two media types a GraphQL-over-HTTP response may have, and the status each gives.

- ``application/json``, the legacy type: every request that reaches GraphQL is a
  200, even one that does not parse or validate; errors are in the body.
- ``application/graphql-response+json``, the spec's own type: the status tells a
  *request error* (the document does not parse or validate, or its variables do
  not coerce: 400, and no ``data`` entry, since nothing ran) from an executed
  request (200, with ``data``, possibly null, beside any field errors).

A client gets the second only by asking for it in Accept; ``*/*``, no Accept, or
anything else keeps ``application/json``, so existing clients see no change.
"""

from collections.abc import Mapping
from typing import Any

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"


def negotiate(accept: str | None) -> str:
    """GRAPHQL_RESPONSE when Accept names it with a quality at least application/json's."""
    quality = {JSON: 0.0, GRAPHQL_RESPONSE: 0.0}
    for item in (accept or "").split(","):
        media, *params = (part.strip() for part in item.split(";"))
        if media.lower() in quality:
            quality[media.lower()] = max(quality[media.lower()], _q(params))
    wanted = quality[GRAPHQL_RESPONSE]
    return GRAPHQL_RESPONSE if wanted > 0 and wanted >= quality[JSON] else JSON


def _q(params: list[str]) -> float:
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def shape(response: Mapping[str, Any], media_type: str) -> tuple[Mapping[str, Any], int]:
    """The body and status of a processed result (``{data, errors?, extensions?}``).

    A request error is a 400, or a 500 when it is a crash masked before execution
    (the server's fault, not the client's).
    """
    if media_type != GRAPHQL_RESPONSE or not _request_error(response):
        return response, 200
    errors = response.get("errors") or []
    crashed = any(e.get("extensions", {}).get("code") == "INTERNAL_SERVER_ERROR" for e in errors)
    return {k: v for k, v in response.items() if k != "data"}, 500 if crashed else 400


def _request_error(response: Mapping[str, Any]) -> bool:
    """Nothing was executed: no data, and no error from a field (only those have a path)."""
    errors = response.get("errors") or []
    return response.get("data") is None and bool(errors) and not any("path" in e for e in errors)
