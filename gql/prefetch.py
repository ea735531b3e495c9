"""Load a page's relations before graphql-core walks it.

The DataLoaders would batch these anyway, but only once graphql-core has turned
every relation of every row into an awaitable; loading them up front (one
query per relation, run concurrently) lets the relation fields answer from the
loaders' caches synchronously (``gql.types.fields.now_or_later``).
Only the relations the query selects are loaded.
"""

import asyncio
from collections.abc import Awaitable, Iterable
from typing import Any

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from domain.models import Ticket
from gql.context import Info, Loaders


def _children(selections: Iterable[Selection], name: str) -> list[Selection]:
    """The selections under every field called ``name``, through fragments."""
    found: list[Selection] = []
    for selection in selections:
        if isinstance(selection, FragmentSpread | InlineFragment):
            found.extend(_children(selection.selections, name))
        elif isinstance(selection, SelectedField) and selection.name == name:
            found.extend(selection.selections)
    return found


def _names(selections: Iterable[Selection]) -> set[str]:
    names: set[str] = set()
    for selection in selections:
        if isinstance(selection, FragmentSpread | InlineFragment):
            names |= _names(selection.selections)
        elif isinstance(selection, SelectedField):
            names.add(selection.name)
    return names


def ticket_node_fields(info: Info) -> set[str]:
    """Field names selected on ``edges.node`` of the connection being resolved."""
    nodes = _children(_children(info.selected_fields[0].selections, "edges"), "node")
    return _names(nodes)


async def prefetch_tickets(loaders: Loaders, rows: list[Ticket], fields: set[str]) -> None:
    jobs: list[Awaitable[Any]] = []

    def want(field: str, loader: Any, keys: Iterable[int | None]) -> None:
        wanted = sorted({k for k in keys if k is not None})
        if field in fields and wanted:
            jobs.append(loader.load_many(wanted))

    want("customer", loaders.customer, (t.customer_id for t in rows))
    want("assignee", loaders.agent, (t.assignee_id for t in rows))
    want("team", loaders.team, (t.team_id for t in rows))
    want("category", loaders.category, (t.category_id for t in rows))
    want("lastMessage", loaders.last_message, (t.id for t in rows))
    await asyncio.gather(*jobs)
