"""Shapes shared by every capability: Node, page info and user errors."""

from collections.abc import Sequence
from typing import Any

import strawberry

from gql import ids


@strawberry.interface(description="An object with a globally unique, opaque id.")
class Node:
    id: strawberry.ID


@strawberry.type(description="An expected failure of a mutation: nothing was changed.")
class UserError:
    code: str = strawberry.field(description="Stable machine-readable code, e.g. NOT_FOUND.")
    message: str
    field: str | None = strawberry.field(description="The input field at fault, if one is.")


@strawberry.type(description="Relay page info; pages are read forward (first/after).")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool = strawberry.field(description="True when `after` was given.")
    start_cursor: str | None
    end_cursor: str | None


def page_info(items: Sequence[Any], has_next: bool, after: int | None) -> PageInfo:
    """Page info for rows keyed by ``id``, read after the cursor ``after``."""
    return PageInfo(
        has_next_page=has_next,
        has_previous_page=after is not None,
        start_cursor=ids.cursor(items[0].id) if items else None,
        end_cursor=ids.cursor(items[-1].id) if items else None,
    )
