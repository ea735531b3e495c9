"""How expected failures reach clients: userErrors in payloads, coded errors in queries."""

import functools
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar

from graphql import GraphQLError

from domain.errors import DomainError
from gql.types.common import UserError

P = ParamSpec("P")
R = TypeVar("R")


def user_errors(exc: DomainError) -> list[UserError]:
    return [UserError(code=exc.code, message=exc.message, field=exc.field)]


def as_payload(
    payload: Callable[..., R],
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
    """Turn a DomainError raised by the mutation into ``payload(userErrors=...)``.

    The service raised before committing, so the rejected mutation changed nothing.
    """

    def wrap(fn: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        @functools.wraps(fn)
        async def run(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return await fn(*args, **kwargs)
            except DomainError as exc:
                fields = {
                    name: None for name in payload.__annotations__ if name != "user_errors"
                }
                return payload(**fields, user_errors=user_errors(exc))

        return run

    return wrap


def query_error(exc: DomainError) -> GraphQLError:
    extensions: dict[str, Any] = {"code": exc.code}
    if exc.field:
        extensions["field"] = exc.field
    return GraphQLError(exc.message, extensions=extensions)


def as_query(fn: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Report a DomainError as a GraphQL error with ``extensions.code``."""

    @functools.wraps(fn)
    async def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await fn(*args, **kwargs)
        except DomainError as exc:
            raise query_error(exc) from None

    return run
