"""Expected errors reach clients with a code; unexpected ones are masked and logged."""

import functools
import logging
from collections.abc import Awaitable, Callable
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


def _should_mask(error: GraphQLError) -> bool:
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return False
    log.error("unexpected error in %s", error.path, exc_info=original)
    return True


def masked_errors() -> MaskErrors:
    return MaskErrors(
        should_mask_error=_should_mask,
        error_message="Internal server error; it has been logged.",
    )
