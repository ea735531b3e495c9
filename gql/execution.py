"""graphql-core's executor, told that domain model instances are plain values.

Tortoise models define ``__await__`` (so ``await Model.create(...)`` reads
well), which makes every model a resolver returns look awaitable to
graphql-core: each ticket, customer and agent on a page was awaited through a
coroutine and a task, half of a queue page's CPU time. Domain models are
always loaded already when they reach the API, so they are values here.
"""

from datetime import datetime
from enum import Enum
from typing import Any

from strawberry.execution import optimized_is_awaitable
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from tortoise.models import Model

from domain import enums, models

_PLAIN: frozenset[type] = frozenset(
    {
        type(None),
        bool,
        int,
        float,
        str,
        bytes,
        list,
        tuple,
        dict,
        datetime,
        *(getattr(models, name) for name in models.__all__),
        *(e for e in vars(enums).values() if isinstance(e, type) and issubclass(e, Enum)),
    }
)


def is_awaitable(value: Any) -> bool:
    """graphql-core asks this of every value it completes: answer the common ones fast."""
    if type(value) in _PLAIN or isinstance(value, Model):
        return False
    return optimized_is_awaitable(value)


class FrontdeskExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.is_awaitable = is_awaitable  # type: ignore[assignment]
