"""Field builders shared by the types: global ids, relations, staff-only fields.

Each builds a Strawberry field (for the schema: type, docs) whose hot path
runs direct in graphql-core (see ``gql.direct_fields``).
"""

import asyncio
from collections.abc import Callable, Hashable
from typing import Any, cast

import strawberry
from graphql import GraphQLResolveInfo
from strawberry import Parent
from strawberry.dataloader import DataLoader

from domain.access import Principal, sees_teams
from gql import ids
from gql.context import Context, Info
from gql.direct_fields import direct_field


def global_id(type_name: str) -> Any:
    def direct(source: Any, _info: GraphQLResolveInfo[Any]) -> str:
        return ids.encode(type_name, source.id)

    def typed(root: Parent[Any]) -> strawberry.ID:
        return strawberry.ID(direct(root, None))  # type: ignore[arg-type]

    return direct_field(direct, typed, "Opaque global id.")


def sourced_from(model: type) -> Any:
    """Domain model instances are the sources of these types."""
    return classmethod(lambda cls, obj, info: isinstance(obj, model))


def now_or_later(loader: DataLoader[Any, Any], key: Hashable | None) -> Any:
    """The loaded value when the loader already has it (prefetched), else its future.

    A plain value keeps graphql-core on its synchronous path for the whole
    subtree, which is several times cheaper than completing an awaitable.
    """
    if key is None:
        return None
    future = cast("asyncio.Future[Any]", loader.load(key))
    return future.result() if future.done() else future


Audience = Callable[[Principal | None], bool]


def everyone(_: Principal | None) -> bool:
    return True


def relation(
    loader_name: str, attr: str, description: str | None = None, audience: Audience = everyone
) -> Any:
    """A to-one relation read through the request's DataLoader ``loader_name``.

    ``audience`` decides who may follow it; for anyone else it is null.
    """

    def direct(source: Any, info: Any) -> Any:
        context: Context = info.context
        if not audience(context.principal):
            return None
        return now_or_later(getattr(context.loaders, loader_name), getattr(source, attr))

    def typed(root: Parent[Any], info: Info) -> Any:
        return direct(root, info)

    return direct_field(direct, typed, description)


def team_relation(loader_name: str, attr: str) -> Any:
    """A relation that shows team data: for staff and partners, null for customers."""
    return relation(loader_name, attr, "Null unless the viewer is staff or a partner.", sees_teams)


def staff(principal: Principal | None) -> bool:
    return principal is not None and principal.is_staff


def staff_only(attr: str) -> Any:
    """A field only staff may read: customers and partners see null."""

    def direct(source: Any, info: Any) -> Any:
        return getattr(source, attr) if staff(info.context.principal) else None

    def typed(root: Parent[Any], info: Info) -> Any:
        return direct(root, info)

    return direct_field(direct, typed, "Null unless the viewer is staff.")
