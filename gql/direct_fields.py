"""Hot fields resolved by graphql-core directly, without Strawberry's per-call wrapper.

Strawberry wraps every field that has a resolver: per call it builds an
``Info``, converts arguments and chains field extensions. A 50-ticket queue page
calls id and relation resolvers hundreds of times, and that wrapper was a fifth
of the page's cost (bench/profile_api_read.py). Fields that take no arguments
and need only their source object and the request context can skip it.

A resolver opts in by carrying a ``direct`` function ``(source, info) -> value``
(see ``direct_field``); ``install`` swaps those into the built GraphQL schema.
Strawberry's declaration stays the single source of the field's type and docs,
and plain attribute fields get a C-level ``attrgetter`` instead of three Python
calls. Schema extensions (masking, caches, limits) work per operation and are
unaffected.
"""

from collections.abc import Callable
from operator import attrgetter
from typing import Any

import strawberry
from graphql import GraphQLObjectType, GraphQLResolveInfo
from strawberry.types.field import StrawberryField

DirectResolver = Callable[[Any, GraphQLResolveInfo[Any]], Any]
_BACKREF = "strawberry-definition"


def direct_field(
    direct: DirectResolver, typed: Callable[..., Any], description: str | None = None
) -> Any:
    """A Strawberry field whose ``typed`` resolver declares the type; ``direct`` runs it."""
    typed.__frontdesk_direct__ = direct  # type: ignore[attr-defined]
    return strawberry.field(resolver=typed, description=description)


def _attribute(python_name: str) -> DirectResolver:
    get = attrgetter(python_name)

    def resolve(source: Any, _info: Any) -> Any:
        return get(source)

    return _plain(resolve)


def _plain(resolve: DirectResolver) -> DirectResolver:
    """Mark a resolver as plain: a pure read of its source and ``info.context`` only,
    so ``gql.plans`` may call it with a stand-in info and more than once."""
    resolve.frontdesk_plain = True  # type: ignore[attr-defined]
    return resolve


def install(schema: strawberry.Schema) -> int:
    """Swap direct resolvers into ``schema``; returns how many fields now run direct."""
    swapped = 0
    for graphql_type in schema._schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        for graphql_field in graphql_type.fields.values():
            definition = (graphql_field.extensions or {}).get(_BACKREF)
            if not isinstance(definition, StrawberryField) or definition.extensions:
                continue
            resolver = definition.base_resolver
            if resolver is None:
                graphql_field.resolve = _attribute(definition.python_name)
            elif hasattr(resolver.wrapped_func, "__frontdesk_direct__"):
                graphql_field.resolve = _plain(resolver.wrapped_func.__frontdesk_direct__)
            else:
                continue
            swapped += 1
    return swapped
