"""Who may file a ticket, write on it and move its status, role by role.

Each table row is one attempt on the floor of ``tests/api/support_floor.py``. An
allowed attempt shows its effect in the payload, the row and the event log; a
refused one answers a userError and leaves every row of the database as it was.
Anonymous attempts are in ``test_permissions_authentication.py``, with every field.
"""

from typing import Any

import httpx
import pytest

from domain import tickets
from domain.enums import TicketStatus
from domain.models import Message, Ticket
from tests.api.support_floor import (
    NO_SUCH_TICKET,
    build_floor,
    events_since,
    forbidden,
    snapshot,
)
from tests.factories import ADMIN, ManualClock, gid

Error = dict[str, str | None]

CREATE = """mutation($input: CreateTicketInput!) { createTicket(input: $input) {
  ticket { subject priority customer { name } }
  userErrors { code message field }
} }"""
NO_SUCH_CUSTOMER = {"code": "NOT_FOUND", "message": "No such customer.", "field": "customerId"}
CUSTOMER_REQUIRED = {
    "code": "INVALID_INPUT",
    "message": "customerId is required when staff create a ticket.",
    "field": "customerId",
}
NO_PRIORITY = {
    "code": "INVALID_INPUT",
    "message": "Customers cannot set the priority; support sets it.",
    "field": "priority",
}


@pytest.mark.parametrize(
    ("role", "for_customer", "priority", "outcome"),
    [
        # role       customerId  priority  created for / refused with
        ("customer", None, None, "Ann"),
        ("customer", "ann", None, "Ann"),
        ("customer", "otto", None, NO_SUCH_CUSTOMER),
        ("customer", None, "HIGH", NO_PRIORITY),
        ("agent", "otto", "HIGH", "Otto"),
        ("agent", None, None, CUSTOMER_REQUIRED),
        ("lead", "otto", "URGENT", "Otto"),
        ("admin", "ann", None, "Ann"),
        ("partner", "otto", None, "Otto"),
        (
            "partner",
            "otto",
            "URGENT",
            {
                "code": "INVALID_INPUT",
                "message": "Only support staff set a priority; triage sets it otherwise.",
                "field": "priority",
            },
        ),
        (
            "partner",
            None,
            None,
            {
                "code": "INVALID_INPUT",
                "message": "Partners must name the customer (customerId).",
                "field": "customerId",
            },
        ),
    ],
)
async def test_create_ticket(
    client: httpx.AsyncClient,
    clock: ManualClock,
    *,
    role: str,
    for_customer: str | None,
    priority: str | None,
    outcome: str | Error,
) -> None:
    floor = await build_floor(clock)
    given: dict[str, Any] = {"subject": "Screen is black", "description": "Since this morning"}
    if for_customer is not None:
        given["customerId"] = gid("Customer", getattr(floor, for_customer).id)
    if priority is not None:
        given["priority"] = priority
    before = await snapshot()

    body = await floor.ask(client, role, CREATE, {"input": given})

    payload = body["data"]["createTicket"]
    if isinstance(outcome, dict):
        assert payload == {"ticket": None, "userErrors": [outcome]}
        assert await snapshot() == before
        return
    assert payload == {
        "ticket": {
            "subject": "Screen is black",
            "priority": priority or "MEDIUM",
            "customer": {"name": outcome},
        },
        "userErrors": [],
    }
    created = await Ticket.get(subject="Screen is black")
    assert created.customer_id == (floor.ann if outcome == "Ann" else floor.otto).id
    assert await events_since(before) == [("ticket.created", role.upper())]


ADD = """mutation($input: AddMessageInput!) { addMessage(input: $input) {
  ticket { subject }
  message { content internal senderType }
  userErrors { code message field }
} }"""
CUSTOMERS_NO_NOTES = {
    "code": "INVALID_INPUT",
    "message": "Only agents may write internal notes.",
    "field": "internal",
}


@pytest.mark.parametrize(
    ("role", "ticket", "internal", "outcome"),
    [
        # role       ticket           internal  sender type / refused with
        ("customer", "ann_frontline", False, "CUSTOMER"),
        ("customer", "ann_frontline", True, CUSTOMERS_NO_NOTES),
        ("customer", "ann_unrouted", False, "CUSTOMER"),
        ("customer", "otto_billing", False, NO_SUCH_TICKET),
        ("agent", "ann_frontline", False, "AGENT"),
        ("agent", "ann_frontline", True, "AGENT"),
        ("agent", "otto_assigned", True, "AGENT"),
        ("agent", "otto_billing", False, NO_SUCH_TICKET),
        ("agent", "ann_unrouted", True, NO_SUCH_TICKET),
        ("lead", "otto_billing", True, "AGENT"),
        ("lead", "ann_frontline", False, "AGENT"),
        ("admin", "otto_billing", True, "AGENT"),
        ("partner", "otto_billing", False, "BOT"),
        ("partner", "ann_frontline", True, CUSTOMERS_NO_NOTES),
    ],
)
async def test_add_message(
    client: httpx.AsyncClient,
    clock: ManualClock,
    *,
    role: str,
    ticket: str,
    internal: bool,
    outcome: str | Error,
) -> None:
    floor = await build_floor(clock)
    given = {"ticketId": floor.ticket_id(ticket), "content": "Any news?", "internal": internal}
    before = await snapshot()

    body = await floor.ask(client, role, ADD, {"input": given})

    payload = body["data"]["addMessage"]
    if isinstance(outcome, dict):
        assert payload == {"ticket": None, "message": None, "userErrors": [outcome]}
        assert await snapshot() == before
        return
    assert payload == {
        "ticket": {"subject": getattr(floor, ticket).subject},
        "message": {"content": "Any news?", "internal": internal, "senderType": outcome},
        "userErrors": [],
    }
    stored = await Message.get(content="Any news?")
    assert (stored.ticket_id, stored.internal) == (getattr(floor, ticket).id, internal)
    assert await events_since(before) == [("message.added", role.upper())]


CHANGE = """mutation($input: ChangeTicketStatusInput!) { changeTicketStatus(input: $input) {
  ticket { status }
  userErrors { code message field }
} }"""


UNASSIGNED_IN_PROGRESS: Error = {
    "code": "INVALID_TRANSITION",
    "message": "Assign the ticket before moving it to IN_PROGRESS.",
    "field": "status",
}
ONLY_SOLVED_REOPENS = forbidden("You may reopen only a solved ticket.")


def not_to(status: str) -> Error:
    return forbidden(f"You may not set a ticket to {status}.")


@pytest.mark.parametrize(
    ("role", "ticket", "status", "refusal"),
    [
        # role       ticket           new status             refused with
        ("customer", "ann_frontline", "RESOLVED", None),
        ("customer", "ann_unrouted", "CLOSED", None),
        ("customer", "ann_frontline", "IN_PROGRESS", not_to("IN_PROGRESS")),
        ("customer", "ann_frontline", "WAITING_ON_CUSTOMER", not_to("WAITING_ON_CUSTOMER")),
        ("customer", "otto_billing", "RESOLVED", NO_SUCH_TICKET),
        ("agent", "ann_frontline", "WAITING_ON_CUSTOMER", None),
        ("agent", "otto_assigned", "IN_PROGRESS", None),
        ("agent", "otto_billing", "IN_PROGRESS", NO_SUCH_TICKET),
        ("agent", "ann_unrouted", "RESOLVED", NO_SUCH_TICKET),
        ("lead", "otto_billing", "WAITING_ON_CUSTOMER", None),
        ("lead", "otto_billing", "IN_PROGRESS", UNASSIGNED_IN_PROGRESS),
        ("customer", "ann_frontline", "OPEN", ONLY_SOLVED_REOPENS),
        ("admin", "ann_unrouted", "CLOSED", None),
        ("partner", "ann_frontline", "RESOLVED", not_to("RESOLVED")),
        ("partner", "otto_billing", "CLOSED", not_to("CLOSED")),
    ],
)
async def test_change_ticket_status(
    client: httpx.AsyncClient,
    clock: ManualClock,
    *,
    role: str,
    ticket: str,
    status: str,
    refusal: Error | None,
) -> None:
    floor = await build_floor(clock)
    given = {"ticketId": floor.ticket_id(ticket), "status": status}
    before = await snapshot()

    body = await floor.ask(client, role, CHANGE, {"input": given})

    payload = body["data"]["changeTicketStatus"]
    if refusal is not None:
        assert payload == {"ticket": None, "userErrors": [refusal]}
        assert await snapshot() == before
        return
    assert payload == {"ticket": {"status": status}, "userErrors": []}
    assert (await Ticket.get(id=getattr(floor, ticket).id)).status == status
    assert await events_since(before) == [("ticket.status_changed", role.upper())]


@pytest.mark.parametrize(
    ("role", "refusal"),
    [
        ("customer", None),
        ("partner", not_to("OPEN")),
    ],
)
async def test_a_customer_may_reopen_their_resolved_ticket_and_a_partner_may_not(
    client: httpx.AsyncClient, clock: ManualClock, role: str, refusal: Error | None
) -> None:
    floor = await build_floor(clock)
    await tickets.change_status(ADMIN, floor.ann_frontline.id, TicketStatus.RESOLVED, clock)
    given = {"ticketId": floor.ticket_id("ann_frontline"), "status": "OPEN"}
    before = await snapshot()

    body = await floor.ask(client, role, CHANGE, {"input": given})

    payload = body["data"]["changeTicketStatus"]
    if refusal is not None:
        assert payload == {"ticket": None, "userErrors": [refusal]}
        assert await snapshot() == before
        return
    assert payload == {"ticket": {"status": "OPEN"}, "userErrors": []}
    assert await events_since(before) == [
        ("ticket.status_changed", "CUSTOMER"),
        ("ticket.reopened", "CUSTOMER"),
    ]


ASSIGN = """mutation($input: AssignTicketInput!) { assignTicket(input: $input) {
  ticket { assignee { name } team { name } }
  userErrors { code message field }
} }"""
STAFF_ASSIGN = forbidden("Only agents, leads and admins may assign tickets.")
ONLY_TO_THEMSELVES = forbidden("Agents may assign tickets only to themselves.")


@pytest.mark.parametrize(
    ("role", "ticket", "to", "refusal"),
    [
        # role       ticket           assignee  refused with
        ("customer", "ann_frontline", "ada", STAFF_ASSIGN),
        ("agent", "ann_frontline", "ada", None),
        ("agent", "ann_frontline", "tom", ONLY_TO_THEMSELVES),
        ("agent", "otto_billing", "ada", NO_SUCH_TICKET),
        ("agent", "ann_unrouted", "ada", NO_SUCH_TICKET),
        ("lead", "otto_billing", "tom", None),
        ("lead", "ann_frontline", "bea", None),
        ("admin", "ann_unrouted", "bea", None),
        ("partner", "ann_frontline", "ada", STAFF_ASSIGN),
    ],
)
async def test_assign_ticket(
    client: httpx.AsyncClient,
    clock: ManualClock,
    *,
    role: str,
    ticket: str,
    to: str,
    refusal: Error | None,
) -> None:
    floor = await build_floor(clock)
    given = {"ticketId": floor.ticket_id(ticket), "agentId": floor.agent_id(to)}
    before = await snapshot()

    body = await floor.ask(client, role, ASSIGN, {"input": given})

    payload = body["data"]["assignTicket"]
    if refusal is not None:
        assert payload == {"ticket": None, "userErrors": [refusal]}
        assert await snapshot() == before
        return
    assignee = getattr(floor, to)
    team = floor.frontline if assignee.team_id == floor.frontline.id else floor.billing
    assert payload == {
        "ticket": {"assignee": {"name": assignee.name}, "team": {"name": team.name}},
        "userErrors": [],
    }
    stored = await Ticket.get(id=getattr(floor, ticket).id)
    assert (stored.assignee_id, stored.team_id) == (assignee.id, team.id)
    assert await events_since(before) == [("ticket.assigned", role.upper())]


UPDATE = """mutation($input: UpdateTicketInput!) { updateTicket(input: $input) {
  ticket { priority tags }
  userErrors { code message field }
} }"""
STAFF_UPDATE = forbidden("Only agents, leads and admins may update tickets.")


@pytest.mark.parametrize(
    ("role", "ticket", "refusal"),
    [
        # role       ticket           refused with
        ("customer", "ann_frontline", STAFF_UPDATE),
        ("agent", "ann_frontline", None),
        ("agent", "otto_assigned", None),
        ("agent", "otto_billing", NO_SUCH_TICKET),
        ("agent", "ann_unrouted", NO_SUCH_TICKET),
        ("lead", "otto_billing", None),
        ("admin", "ann_unrouted", None),
        ("partner", "otto_billing", STAFF_UPDATE),
    ],
)
async def test_update_ticket(
    client: httpx.AsyncClient, clock: ManualClock, role: str, ticket: str, refusal: Error | None
) -> None:
    floor = await build_floor(clock)
    given = {"ticketId": floor.ticket_id(ticket), "priority": "URGENT", "tags": ["vip"]}
    before = await snapshot()

    body = await floor.ask(client, role, UPDATE, {"input": given})

    payload = body["data"]["updateTicket"]
    if refusal is not None:
        assert payload == {"ticket": None, "userErrors": [refusal]}
        assert await snapshot() == before
        return
    assert payload == {"ticket": {"priority": "URGENT", "tags": ["vip"]}, "userErrors": []}
    stored = await Ticket.get(id=getattr(floor, ticket).id)
    assert (stored.priority, stored.tags) == ("URGENT", ["vip"])
    assert await events_since(before) == [("ticket.updated", role.upper())]
