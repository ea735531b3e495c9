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

from graphql import GraphQLObjectType, OperationType
from strawberry.execution import optimized_is_awaitable
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from tortoise.models import Model

from domain import enums, models
from gql.plans import GiveUp, Planner

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
    use_plans = True
    """Off only in the differential tests that compare plans with the generic path."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.is_awaitable = is_awaitable  # type: ignore[assignment]
        middleware = self.middleware_manager.middlewares if self.middleware_manager else ()
        # A subscription executes once per event, each time with a new context: a plan
        # compiled for one small update is thrown away before it pays for itself.
        subscription = self.operation.operation == OperationType.SUBSCRIPTION
        plans = self.use_plans and not middleware and not subscription
        self._planner = Planner(self) if plans else None

    def complete_object_value(  # noqa: PLR0917  (graphql-core calls it positionally)
        self,
        return_type: GraphQLObjectType,
        field_details_list: Any,
        info: Any,
        path: Any,
        result: Any,
        position_context: Any,
    ) -> Any:
        """Plain subtrees in one pass (``gql.plans``); anything else the generic way."""
        if self._planner is not None:
            plan = self._planner.plan(return_type, field_details_list)
            if plan is not None:
                try:
                    return plan.run(result, is_awaitable)
                except GiveUp:
                    pass
        return super().complete_object_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def build_response(self, data: dict[str, Any] | None) -> Any:
        """The response, and the end of this execution: let go of what points back.

        The planner's compiled plans close over the planner, and graphql-core's
        ``async_helpers`` hold methods bound to this context. Left as they are, each
        request's execution (about 170 objects) is a reference cycle that only the
        garbage collector frees; at hundreds of requests a second its collections
        took 50-100 ms each, with every request in the process waiting on them.
        Resolve infos already made keep their own reference to the helpers; a
        subscription's per-event copies share its helpers and drop only their own.
        """
        try:
            return super().build_response(data)
        finally:
            if self._planner is not None:
                self._planner.release()
                self._planner = None
            del self.async_helpers
