"""The SLA over GraphQL, as a support floor uses it: deadlines and statuses on each
ticket, the at-risk list a lead watches, manual escalation and acknowledgement."""

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from domain import sla_sweep
from domain.enums import CustomerTier, Role, SupportTier, TriageStatus
from domain.models import Escalation, Ticket
from domain.sla_alerts import AlertSettings
from domain.triage_inputs import Intake
from gql import ids
from gql.app import build_app
from tasks.broker import build_broker
from tests.api.conftest import MAX_BODY
from tests.factories import (
    ManualClock,
    create_agent,
    create_category,
    create_customer,
    create_team,
    gid,
    gql,
    token_for,
)

CREATE = """mutation($input: CreateTicketInput!) {
  createTicket(input: $input) { ticket { id } userErrors { code message field } } }"""
SLA = """query($id: ID!) { ticket(id: $id) { priority sla {
  breached paused acknowledgedAt
  firstResponse { dueAt status percentElapsed applies reason targetMinutes }
  resolution { dueAt status percentElapsed }
  timeline { kind target cause } } } }"""
AT_RISK = """query($status: SlaStatus) { tickets(filter: {slaStatus: $status}) {
  edges { node { id } } } }"""
ESCALATE = """mutation($input: EscalateTicketInput!) { escalateTicket(input: $input) {
  escalation { fromTier toTier reason note escalatedByRole toAgentId }
  ticket { assignee { name } escalations { reason } }
  userErrors { code message field } } }"""
ACK = """mutation($id: ID!) { acknowledgeSlaAlert(input: {ticketId: $id}) {
  ticket { sla { acknowledgedAt } } userErrors { code message field } } }"""


@pytest.fixture
async def live(db: str, clock: ManualClock) -> AsyncIterator[tuple[httpx.AsyncClient, Intake]]:
    intake = Intake(clock)
    tasks = build_broker(None, lambda: intake)
    await tasks.broker.startup()
    app = build_app(clock=clock, max_body_bytes=MAX_BODY, intake=intake, triage=tasks.triage)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://frontdesk.test") as c:
        yield c, intake
    await tasks.broker.shutdown()


async def urgent_ticket(client: httpx.AsyncClient) -> tuple[str, dict[str, Any]]:
    """A customer reports an outage; triage makes it URGENT and starts its clocks."""
    team = await create_team(name="Frontline")
    outage = await create_category("OUTAGE", team=team, keywords=["down"])
    agent = await create_agent(team, skills={outage: 3})
    senior = await create_agent(team, skills={outage: 3}, tier=SupportTier.L2)
    customer = await create_customer(tier=CustomerTier.PROFESSIONAL)
    tokens = {
        "customer": await token_for(Role.CUSTOMER, customer=customer),
        "agent": await token_for(Role.AGENT, agent=agent),
        "lead": await token_for(Role.LEAD, agent=senior),
        "admin": await token_for(Role.ADMIN),
    }
    body = await gql(
        client,
        CREATE,
        {"input": {"subject": "Site is down", "description": "Urgent: nothing loads"}},
        token=tokens["customer"],
    )
    ticket_id = body["data"]["createTicket"]["ticket"]["id"]
    async with asyncio.timeout(30):  # triage runs in the background, as in `serve`
        while True:
            if (await Ticket.get(id=gid_pk(ticket_id))).triage_status == TriageStatus.DONE:
                return ticket_id, tokens
            await asyncio.sleep(0.01)


async def test_staff_see_deadlines_and_status_change_as_time_passes(
    live: tuple[httpx.AsyncClient, Intake], clock: ManualClock
) -> None:
    client, intake = live
    ticket_id, tokens = await urgent_ticket(client)
    created = clock.now()
    sla = (await gql(client, SLA, {"id": ticket_id}, token=tokens["agent"]))["data"]["ticket"]
    assert sla["priority"] == "URGENT"
    first = sla["sla"]["firstResponse"]
    assert first["dueAt"] == (created + timedelta(hours=1)).isoformat()
    assert (first["status"], first["percentElapsed"], first["targetMinutes"]) == ("WITHIN", 0, 60)
    assert [e["kind"] for e in sla["sla"]["timeline"]] == ["started", "started"]

    clock.advance(minutes=48)
    await sla_sweep.sweep(intake, AlertSettings())
    sla = (await gql(client, SLA, {"id": ticket_id}, token=tokens["agent"]))["data"]["ticket"]
    assert sla["sla"]["firstResponse"]["status"] == "AT_RISK"
    assert sla["sla"]["firstResponse"]["percentElapsed"] == 80
    assert [e["kind"] for e in sla["sla"]["timeline"]][2:] == ["warning", "at_risk"]
    listed = await gql(client, AT_RISK, {"status": "AT_RISK"}, token=tokens["lead"])
    assert [e["node"]["id"] for e in listed["data"]["tickets"]["edges"]] == [ticket_id]
    within = await gql(client, AT_RISK, {"status": "WITHIN"}, token=tokens["lead"])
    assert within["data"]["tickets"]["edges"] == []


async def test_customers_do_not_see_the_sla_and_cannot_filter_by_it(
    live: tuple[httpx.AsyncClient, Intake],
) -> None:
    client, _ = live
    ticket_id, tokens = await urgent_ticket(client)
    sla = await gql(client, SLA, {"id": ticket_id}, token=tokens["customer"])
    assert sla["data"]["ticket"]["sla"] is None
    refused = await gql(client, AT_RISK, {"status": "BREACHED"}, token=tokens["customer"])
    assert refused["data"] is None
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_an_agent_escalates_with_a_reason_and_the_next_tier_gets_it(
    live: tuple[httpx.AsyncClient, Intake],
) -> None:
    client, _ = live
    ticket_id, tokens = await urgent_ticket(client)
    empty = await gql(
        client, ESCALATE, {"input": {"ticketId": ticket_id, "reason": " "}}, token=tokens["agent"]
    )
    assert empty["data"]["escalateTicket"]["userErrors"][0]["field"] == "reason"
    assert await Escalation.all().count() == 0

    body = await gql(
        client,
        ESCALATE,
        {"input": {"ticketId": ticket_id, "reason": "Needs database access"}},
        token=tokens["agent"],
    )
    done = body["data"]["escalateTicket"]
    assert done["userErrors"] == []
    assert done["escalation"]["fromTier"] == "L1"
    assert done["escalation"]["toTier"] == "L2"
    assert done["escalation"]["reason"] == "MANUAL"
    assert done["escalation"]["note"] == "Needs database access"
    assert done["escalation"]["escalatedByRole"] == "AGENT"
    ticket = await Ticket.get(id=gid_pk(ticket_id))
    assert ticket.support_tier == SupportTier.L2
    assert done["ticket"]["escalations"] == [{"reason": "MANUAL"}]
    assert done["escalation"]["toAgentId"] == gid("Agent", ticket.assignee_id or 0)


async def test_only_leads_acknowledge_sla_alerts(live: tuple[httpx.AsyncClient, Intake]) -> None:
    client, _ = live
    ticket_id, tokens = await urgent_ticket(client)
    refused = await gql(client, ACK, {"id": ticket_id}, token=tokens["agent"])
    assert refused["data"]["acknowledgeSlaAlert"]["userErrors"][0]["code"] == "FORBIDDEN"
    done = await gql(client, ACK, {"id": ticket_id}, token=tokens["lead"])
    assert done["data"]["acknowledgeSlaAlert"]["ticket"]["sla"]["acknowledgedAt"] is not None


def gid_pk(global_id: str) -> int:
    return ids.decode_as("Ticket", global_id, "id")
