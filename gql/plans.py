"""Completing plain object subtrees in one pass, instead of field by field.

graphql-core completes every field of every object through the same generic
path (resolve info, path objects, awaitable checks, null bubbling), about 6 µs
a field; a 50-ticket page has ~1,100 fields, and that path was 70% of the page
(docs/benchmarks.md). For an object whose selected fields are all *plain* --
no arguments, a resolver marked plain (``gql.direct_fields``), leaf, list or
object types only, no defer -- the executor compiles the selection once per
request into a plan: a list of (response key, resolver, completer). Running a
plan is a tight loop over the object.

A plan never decides anything the generic path would decide differently: on
any surprise (an awaitable, an exception, a null where the type forbids it, a
value of the wrong type) it gives up and the generic path completes that object
from scratch, producing the exact errors and nulls the spec asks for. Plain
resolvers are pure reads, so running one twice is harmless.
"""

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    is_specified_scalar_type,
)
from graphql.pyutils import Undefined

Completer = Callable[[Any], Any]

_INT32 = range(-(2**31), 2**31)
_EXACT: dict[str, tuple[type, Callable[[Any], bool]]] = {
    "String": (str, lambda _: True),
    "ID": (str, lambda _: True),
    "Boolean": (bool, lambda _: True),
    "Int": (int, lambda v: v in _INT32),
}
"""Values graphql-core would output unchanged, by built-in scalar."""


class GiveUp(Exception):
    """This object needs graphql-core's generic path."""


class NotPlain(Exception):
    """This selection cannot be planned (arguments, abstract types, defer...)."""


class Plan:
    __slots__ = ("is_type_of", "run_context", "steps")

    def __init__(self, is_type_of: Any, run_context: Any) -> None:
        self.is_type_of = is_type_of
        self.run_context = run_context
        self.steps: list[tuple[str, Any, Completer | None]] = []

    def run(self, source: Any, is_awaitable: Callable[[Any], bool]) -> dict[str, Any]:
        if self.is_type_of is not None and not self.is_type_of(source, self.run_context):
            raise GiveUp
        out: dict[str, Any] = {}
        info = self.run_context
        for key, resolve, complete in self.steps:
            if complete is None:  # __typename
                out[key] = resolve
                continue
            try:
                value = resolve(source, info)
            except Exception:  # noqa: BLE001  (the generic path reports it properly)
                raise GiveUp from None
            if is_awaitable(value):
                raise GiveUp
            out[key] = complete(value)
        return out


def _leaf(type_: GraphQLScalarType | GraphQLEnumType) -> Completer:
    coerce = type_.coerce_output_value

    def leaf(value: Any) -> Any:
        if value is None:
            return None
        try:
            coerced = coerce(value)
        except Exception:  # noqa: BLE001  (the generic path reports it properly)
            raise GiveUp from None
        if coerced is Undefined or coerced is None:
            raise GiveUp
        return coerced

    exact = _EXACT.get(type_.name) if is_specified_scalar_type(type_) else None
    if exact is None:
        return leaf
    exact_type, fits = exact

    def builtin(value: Any) -> Any:
        if type(value) is exact_type and fits(value):
            return value  # already what graphql-core would output: skip coercion
        return leaf(value)

    return builtin


class Planner:
    """Builds plans for one execution; ``executor`` supplies subfield collection."""

    def __init__(self, executor: Any) -> None:
        self.executor = executor
        self.context = SimpleNamespace(context=executor.context_value)
        self._plans: dict[tuple[GraphQLObjectType, int], tuple[Any, Plan | None]] = {}

    def plan(self, object_type: GraphQLObjectType, field_details_list: Any) -> Plan | None:
        key = (object_type, id(field_details_list))
        cached = self._plans.get(key)
        if cached is not None:
            return cached[1]
        plan: Plan | None = Plan(object_type.is_type_of, self.context)
        # keep the list alive with its plan so its id is not reused (as graphql-core does)
        self._plans[key] = (field_details_list, plan)
        try:
            self._fill(plan, object_type, field_details_list)  # type: ignore[arg-type]
        except NotPlain:
            plan = None
            self._plans[key] = (field_details_list, None)
        return plan

    def release(self) -> None:
        """Drop the plans: they close over this planner, a cycle otherwise."""
        self._plans.clear()

    def _fill(self, plan: Plan, object_type: GraphQLObjectType, field_details_list: Any) -> None:
        grouped, new_defer_usages, forbidden = self.executor.collect_subfields(
            object_type, field_details_list
        )
        if new_defer_usages or forbidden:
            raise NotPlain
        for key, details in grouped.items():
            node = details[0].node
            name = node.name.value
            if name == "__typename":
                plan.steps.append((key, object_type.name, None))
                continue
            field = object_type.fields.get(name)
            if field is None or field.args or any(d.node.arguments for d in details):
                raise NotPlain
            if not getattr(field.resolve, "frontdesk_plain", False):
                raise NotPlain
            plan.steps.append((key, field.resolve, self._completer(field.type, details)))

    def _completer(self, type_: GraphQLOutputType, details: Any) -> Completer:
        if isinstance(type_, GraphQLNonNull):
            inner = self._completer(type_.of_type, details)

            def non_null(value: Any) -> Any:
                if value is None:
                    raise GiveUp
                completed = inner(value)
                if completed is None:
                    raise GiveUp
                return completed

            return non_null
        if isinstance(type_, GraphQLList):
            item = self._completer(type_.of_type, details)

            def as_list(value: Any) -> Any:
                if value is None:
                    return None
                if not isinstance(value, list | tuple):
                    raise GiveUp
                return [item(v) for v in value]

            return as_list
        if isinstance(type_, GraphQLScalarType | GraphQLEnumType):
            return _leaf(type_)
        if isinstance(type_, GraphQLObjectType):
            object_type = type_
            is_awaitable = self.executor.is_awaitable

            found: list[Plan | None] = []

            def obj(value: Any) -> Any:
                if value is None:
                    return None
                if not found:
                    found.append(self.plan(object_type, details))
                plan = found[0]
                if plan is None:
                    raise GiveUp
                return plan.run(value, is_awaitable)

            return obj
        raise NotPlain  # interfaces and unions resolve their type at run time
