"""The common request, answered without Strawberry's generic HTTP machinery.

Nearly every request a dashboard or integration sends is a POST of one JSON
object ``{query, variables?, operationName?, extensions?}`` asking for JSON
back (``application/json`` or ``application/graphql-response+json``, see
gql/media_types.py). Strawberry's view handles every transport (GET,
batches, multipart, SSE, streaming) for each request, about a fifth of a
queue page's CPU time (docs/benchmarks.md). This path executes exactly that
common shape through the same schema, context and result formatting; anything
else, and every request whose operation cannot even be selected, goes to
Strawberry's view, which answers it as before.
"""

from typing import Any

import orjson
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from strawberry.exceptions import MissingQueryError
from strawberry.http import process_result
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from gql import media_types
from gql.view import FrontdeskGraphQL

ALLOWED = frozenset({OperationType.QUERY, OperationType.MUTATION})


def _common_shape(request: Request, body: bytes) -> dict[str, Any] | None:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    accept = request.headers.get("accept", "")
    if content_type != "application/json" or "multipart" in accept or "event-stream" in accept:
        return None
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not (
        isinstance(data, dict)
        and isinstance(data.get("query"), str)
        and isinstance(data.get("variables"), dict | None)
        and isinstance(data.get("operationName"), str | None)
        and isinstance(data.get("extensions"), dict | None)
    ):
        return None
    return data


async def answer(view: FrontdeskGraphQL, request: Request, body: bytes) -> Response | None:
    """The response for a common-shape POST, or None to let Strawberry's view answer."""
    data = _common_shape(request, body)
    if data is None:
        return None
    context = await view.get_context(request, None)
    try:
        result = await view.schema.execute(
            data["query"],
            variable_values=data.get("variables"),
            context_value=context,
            operation_name=data.get("operationName"),
            allowed_operation_types=ALLOWED,
            operation_extensions=data.get("extensions"),
        )
    except (CannotGetOperationTypeError, InvalidOperationTypeError, MissingQueryError):
        return None  # nothing ran; the view gives its usual 400
    media_type = media_types.negotiate(request.headers.get("accept"))
    shaped, status = media_types.shape(process_result(result), media_type)
    _drop_tracebacks(result.errors)
    return Response(orjson.dumps(shaped), status_code=status, media_type=media_type)


def _drop_tracebacks(errors: list[GraphQLError] | None) -> None:
    """Let go of the frames a failed request's errors hold (Strawberry has logged them).

    A traceback holds the frames of the execution that raised the error, and those
    frames hold the error: left alone, every refused request (a FORBIDDEN, a NOT_FOUND)
    is a reference cycle for the garbage collector (``app/garbage.py`` says why that
    costs). Formatted already, the error needs no frames.
    """
    pending: list[BaseException | None] = list(errors or ())
    seen: set[int] = set()
    while pending:
        error = pending.pop()
        if error is None or id(error) in seen:
            continue
        seen.add(id(error))
        error.__traceback__ = None
        pending += [getattr(error, "original_error", None), error.__cause__, error.__context__]
