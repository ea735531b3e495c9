"""The request under test: one queue page of tickets with their relations.

Defined once so that ``frontdesk serve``, the floor (``floor_app.py``) and the
in-process profile all receive byte-identical request bodies; the floor reads
the same ``variables`` (``first``, ``filter.status``) to answer with the same
JSON document.
"""

from typing import Any

import orjson

PAGE = 50


QUERY = """query Queue($first: Int!, $filter: TicketFilter) {
  tickets(first: $first, filter: $filter) {
    edges {
      node {
        id number subject status priority createdAt tags
        customer { id name tier }
        assignee { id name }
        team { id name }
        category { key name }
        lastMessage { content createdAt }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}"""


def queue_request(status: str | None) -> bytes:
    """The request body both servers get: the queue query, OPEN tickets if ``status``."""
    variables: dict[str, Any] = {"first": PAGE}
    if status is not None:
        variables["filter"] = {"status": status}
    return orjson.dumps({"query": QUERY, "variables": variables})
