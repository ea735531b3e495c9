"""Shapes shared by every capability: Node, page info and user errors."""

import strawberry


@strawberry.interface(description="An object with a globally unique, opaque id.")
class Node:
    id: strawberry.ID


@strawberry.type(description="An expected failure of a mutation: nothing was changed.")
class UserError:
    code: str = strawberry.field(description="Stable machine-readable code, e.g. NOT_FOUND.")
    message: str
    field: str | None = strawberry.field(description="The input field at fault, if one is.")


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None
