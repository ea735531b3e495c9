"""X-Client-Id: the events a request causes remember the client that sent it, so a
live view from the same client can leave its own changes out."""

import httpx

from adapters.event_bus_memory import InProcessEventBus
from domain import outbox
from domain.enums import Role
from domain.models import TicketEvent
from tests.factories import ManualClock, create_customer, create_ticket, gid, row_counts, token_for

ADD = """mutation Add($input: AddMessageInput!) {
  addMessage(input: $input) { message { id } userErrors { message } } }"""


async def _reply(
    client: httpx.AsyncClient, token: str, ticket: str, **headers: str
) -> httpx.Response:
    return await client.post(
        "/graphql",
        json={"query": ADD, "variables": {"input": {"ticketId": ticket, "content": "On it"}}},
        headers={"Authorization": f"Bearer {token}", **headers},
    )


async def test_events_remember_the_client_that_caused_them(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    ticket = await create_ticket(await create_customer(), clock)
    token = await token_for(Role.ADMIN)
    await outbox.relay_all(InProcessEventBus())  # the creation, out of the way

    response = await _reply(client, token, gid("Ticket", ticket.id), **{"X-Client-Id": "desk-7"})
    assert response.status_code == 200 and "errors" not in response.json(), response.text

    stored = await TicketEvent.filter(ticket_id=ticket.id, kind="message.added").get()
    assert stored.client_id == "desk-7"
    bus = InProcessEventBus()
    published = await outbox.relay_all(bus)
    assert published >= 1  # the reply, and the status change an agent's reply causes
    seen = []
    async for delivered in bus.read("0"):
        seen.append(delivered.event)
        if len(seen) == published:
            break
    assert "message.added" in {e.kind for e in seen}
    assert {e.client_id for e in seen} == {"desk-7"}


async def test_without_a_client_id_events_name_none(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    ticket = await create_ticket(await create_customer(), clock)
    response = await _reply(client, await token_for(Role.ADMIN), gid("Ticket", ticket.id))
    assert response.status_code == 200
    stored = await TicketEvent.filter(ticket_id=ticket.id, kind="message.added").get()
    assert stored.client_id is None


async def test_a_malformed_client_id_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    ticket = await create_ticket(await create_customer(), clock)
    token = await token_for(Role.ADMIN)
    before = await row_counts()
    for bad in ("has space", "x" * 65, "semi;colon"):
        response = await _reply(client, token, gid("Ticket", ticket.id), **{"X-Client-Id": bad})
        assert response.status_code == 400
        assert "X-Client-Id must be" in response.text
    assert await row_counts() == before


async def _post(
    client: httpx.AsyncClient, token: str, query: str, variables: dict[str, object]
) -> None:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}", "X-Client-Id": "desk-9"},
    )
    assert response.status_code == 200 and "errors" not in response.json(), response.text


async def test_creating_and_escalating_remember_the_client_too(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    """Commands that write their events in bulk statements record the client as well."""
    customer = await create_customer()
    admin = await token_for(Role.ADMIN)
    create = """mutation($input: CreateTicketInput!) {
      createTicket(input: $input) { ticket { id } userErrors { message } } }"""
    await _post(
        client,
        admin,
        create,
        {
            "input": {
                "subject": "Printer",
                "description": "It jams",
                "customerId": gid("Customer", customer.id),
            }
        },
    )
    created = await TicketEvent.filter(kind="ticket.created").get()
    assert created.client_id == "desk-9"

    escalate = """mutation($input: EscalateTicketInput!) {
      escalateTicket(input: $input) { userErrors { message } } }"""
    assert created.ticket_id is not None
    ticket_id = gid("Ticket", created.ticket_id)
    await _post(client, admin, escalate, {"input": {"ticketId": ticket_id, "reason": "VIP"}})
    escalated = await TicketEvent.filter(kind="ticket.escalated").get()
    assert escalated.client_id == "desk-9"
