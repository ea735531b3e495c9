"""Expected errors reach clients with a code; unexpected ones are masked and logged."""

import functools
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any, ParamSpec, TypeVar

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from domain.errors import DomainError

log = logging.getLogger("frontdesk.graphql")
P = ParamSpec("P")
R = TypeVar("R")


def query_error(exc: DomainError) -> GraphQLError:
    extensions: dict[str, Any] = {"code": exc.code}
    if exc.field:
        extensions["field"] = exc.field
    return GraphQLError(exc.message, extensions=extensions)


def as_query(fn: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Report a DomainError as a GraphQL error with ``extensions.code``.

    For root query fields and for fields with arguments on types (``messages``).
    """

    @functools.wraps(fn)
    async def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await fn(*args, **kwargs)
        except DomainError as exc:
            raise query_error(exc) from None

    return run


request_id: ContextVar[str] = ContextVar("frontdesk_request_id", default="-")
"""Set per HTTP request (gql/app.py); ties a masked error to its log line."""


class MaskedErrors(MaskErrors):
    """Unexpected errors: logged with the request id; the client gets the id, not the cause."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=_unexpected, error_message="Internal server error.")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        rid = request_id.get()
        log.error(
            "unexpected error in %s (request %s)", error.path, rid, exc_info=error.original_error
        )
        return GraphQLError(
            message=f"{self.error_message} It has been logged as request {rid}.",
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": rid},
        )


def _unexpected(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)
