"""Who may read which ticket and which message, through every field that reads them.

The floor (``tests/api/support_floor.py``) has four tickets, each seen by a different
set of roles, and internal notes that only staff may read, wherever they surface:
``Ticket.messages``, ``Ticket.lastMessage`` (alone and batched on a page) and ``node``.
"""

import httpx
import pytest

from domain.models import Message
from tests.api.support_floor import SIGNED_IN, Floor, build_floor
from tests.factories import ManualClock, gid

SUBJECTS = {
    "ann_frontline": "Printer on fire",
    "ann_unrouted": "Where is my parcel?",
    "otto_billing": "Invoice is wrong",
    "otto_assigned": "Refund please",
}
Y, N = True, False
VISIBILITY = [
    # ticket           customer agent lead admin partner
    ("ann_frontline", (Y, Y, Y, Y, Y)),  # Ann's, in Ada's team
    ("ann_unrouted", (Y, N, Y, Y, Y)),  # Ann's, no team yet
    ("otto_billing", (N, N, Y, Y, Y)),  # another customer's, another team
    ("otto_assigned", (N, Y, Y, Y, Y)),  # another team's, but assigned to Ada
]
TICKET_CASES = [
    pytest.param(role, ticket, seen, id=f"{role}-{ticket}")
    for ticket, row in VISIBILITY
    for role, seen in zip(SIGNED_IN, row, strict=True)
]

TICKET = "query($id: ID!) { ticket(id: $id) { subject } }"
NODE = "query($id: ID!) { node(id: $id) { __typename ... on Ticket { subject } } }"


@pytest.mark.parametrize(("role", "ticket", "seen"), TICKET_CASES)
async def test_ticket_by_id_is_visible_exactly_to_the_roles_the_rules_name(
    client: httpx.AsyncClient, clock: ManualClock, role: str, ticket: str, seen: bool
) -> None:
    floor = await build_floor(clock)

    body = await floor.ask(client, role, TICKET, {"id": floor.ticket_id(ticket)})

    expected = {"subject": SUBJECTS[ticket]} if seen else None
    assert body == {"data": {"ticket": expected}}


@pytest.mark.parametrize(("role", "ticket", "seen"), TICKET_CASES)
async def test_node_by_ticket_id_agrees_with_the_ticket_field(
    client: httpx.AsyncClient, clock: ManualClock, role: str, ticket: str, seen: bool
) -> None:
    floor = await build_floor(clock)

    body = await floor.ask(client, role, NODE, {"id": floor.ticket_id(ticket)})

    expected = {"__typename": "Ticket", "subject": SUBJECTS[ticket]} if seen else None
    assert body == {"data": {"node": expected}}


TICKETS = "{ tickets { edges { node { subject } } pageInfo { hasNextPage } } }"
EVERY_TICKET = ["Refund please", "Invoice is wrong", "Where is my parcel?", "Printer on fire"]


@pytest.mark.parametrize(
    ("role", "subjects"),
    [
        ("customer", ["Where is my parcel?", "Printer on fire"]),
        ("agent", ["Refund please", "Printer on fire"]),
        ("lead", EVERY_TICKET),
        ("admin", EVERY_TICKET),
        ("partner", EVERY_TICKET),
    ],
)
async def test_ticket_list_holds_exactly_the_tickets_the_role_may_see(
    client: httpx.AsyncClient, clock: ManualClock, role: str, subjects: list[str]
) -> None:
    floor = await build_floor(clock)

    body = await floor.ask(client, role, TICKETS)

    edges = body["data"]["tickets"]["edges"]
    assert [edge["node"]["subject"] for edge in edges] == subjects
    assert body["data"]["tickets"]["pageInfo"] == {"hasNextPage": False}


FILTERED = "query($f: TicketFilter) { tickets(filter: $f) { edges { node { subject } } } }"


@pytest.mark.parametrize(
    ("role", "filter_on", "subjects"),
    [
        ("customer", "customerId:otto", []),
        ("customer", "teamId:billing", []),
        ("agent", "teamId:billing", ["Refund please"]),
        ("agent", "customerId:otto", ["Refund please"]),
        ("partner", "teamId:billing", ["Refund please", "Invoice is wrong"]),
    ],
)
async def test_a_filter_narrows_what_the_role_sees_and_never_widens_it(
    client: httpx.AsyncClient, clock: ManualClock, role: str, filter_on: str, subjects: list[str]
) -> None:
    floor = await build_floor(clock)
    field, _, target = filter_on.partition(":")
    kind = "Customer" if field == "customerId" else "Team"
    ticket_filter = {field: gid(kind, getattr(floor, target).id)}

    body = await floor.ask(client, role, FILTERED, {"f": ticket_filter})

    assert [edge["node"]["subject"] for edge in body["data"]["tickets"]["edges"]] == subjects


CONVERSATIONS = {
    "Printer on fire": [
        ("Smoke everywhere", False),
        ("Unplug it, please", False),
        ("Warranty expired", True),
    ],
    "Invoice is wrong": [("Charged twice", False), ("Otto is a VIP", True)],
    "Where is my parcel?": [],
    "Refund please": [],
}
SEES_INTERNAL_NOTES = {
    "agent": True,
    "lead": True,
    "admin": True,
    "customer": False,
    "partner": False,
}
PAGE_WITH_MESSAGES = """{ tickets { edges { node {
  subject
  lastMessage { content internal }
  messages { edges { node { content internal } } }
} } } }"""


@pytest.mark.parametrize("role", SIGNED_IN)
async def test_internal_notes_reach_staff_only_in_messages_and_last_message_of_a_page(
    client: httpx.AsyncClient, clock: ManualClock, role: str
) -> None:
    floor = await build_floor(clock)

    body = await floor.ask(client, role, PAGE_WITH_MESSAGES)

    for edge in body["data"]["tickets"]["edges"]:
        ticket = edge["node"]
        conversation = [
            {"content": content, "internal": internal}
            for content, internal in CONVERSATIONS[ticket["subject"]]
            if SEES_INTERNAL_NOTES[role] or not internal
        ]
        assert [m["node"] for m in ticket["messages"]["edges"]] == conversation
        assert ticket["lastMessage"] == (conversation[-1] if conversation else None)


ONE_TICKET_WITH_MESSAGES = """query($id: ID!) { ticket(id: $id) {
  lastMessage { content }
  messages { edges { node { content senderType } } }
} }"""
PUBLIC = [
    {"content": "Smoke everywhere", "senderType": "CUSTOMER"},
    {"content": "Unplug it, please", "senderType": "AGENT"},
]
WITH_NOTE = [*PUBLIC, {"content": "Warranty expired", "senderType": "AGENT"}]


@pytest.mark.parametrize(
    ("role", "messages", "last"),
    [
        ("customer", PUBLIC, "Unplug it, please"),
        ("agent", WITH_NOTE, "Warranty expired"),
        ("lead", WITH_NOTE, "Warranty expired"),
        ("admin", WITH_NOTE, "Warranty expired"),
        ("partner", PUBLIC, "Unplug it, please"),
    ],
)
async def test_one_tickets_conversation_hides_the_internal_note_from_customers_and_partners(
    client: httpx.AsyncClient, clock: ManualClock, role: str, messages: list[object], last: str
) -> None:
    floor = await build_floor(clock)

    body = await floor.ask(
        client, role, ONE_TICKET_WITH_MESSAGES, {"id": floor.ticket_id("ann_frontline")}
    )

    ticket = body["data"]["ticket"]
    assert [edge["node"] for edge in ticket["messages"]["edges"]] == messages
    assert ticket["lastMessage"] == {"content": last}


MESSAGE_NODE = "query($id: ID!) { node(id: $id) { __typename ... on Message { content } } }"
MESSAGE_VISIBILITY = [
    # message             customer agent lead admin partner
    ("Smoke everywhere", (Y, Y, Y, Y, Y)),  # public, on Ann's Frontline ticket
    ("Warranty expired", (N, Y, Y, Y, N)),  # internal, on Ann's Frontline ticket
    ("Charged twice", (N, N, Y, Y, Y)),  # public, on Otto's Billing ticket
    ("Otto is a VIP", (N, N, Y, Y, N)),  # internal, on Otto's Billing ticket
]


@pytest.mark.parametrize(
    ("role", "content", "seen"),
    [
        pytest.param(role, content, seen, id=f"{role}-{content}")
        for content, row in MESSAGE_VISIBILITY
        for role, seen in zip(SIGNED_IN, row, strict=True)
    ],
)
async def test_node_by_message_id_hides_notes_and_messages_of_unseen_tickets(
    client: httpx.AsyncClient, clock: ManualClock, role: str, content: str, seen: bool
) -> None:
    floor: Floor = await build_floor(clock)
    message = await Message.get(content=content)

    body = await floor.ask(client, role, MESSAGE_NODE, {"id": gid("Message", message.id)})

    expected = {"__typename": "Message", "content": content} if seen else None
    assert body == {"data": {"node": expected}}
