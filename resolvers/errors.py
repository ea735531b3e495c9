"""How expected failures reach clients: userErrors in payloads, coded errors in queries."""

import functools
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from domain.errors import DomainError
from gql.errors import as_query
from gql.types.common import UserError

__all__ = ["as_payload", "as_query", "user_errors"]  # as_query lives in gql.errors

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
                fields = {name: None for name in payload.__annotations__ if name != "user_errors"}
                return payload(**fields, user_errors=user_errors(exc))

        return run

    return wrap
