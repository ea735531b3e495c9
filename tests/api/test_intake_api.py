"""Intake over GraphQL, as clients use it: createTicket is triaged and routed in the
background; staff ask why; admins edit the rules; leads fix what the model missed."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from domain.enums import Role, SupportTier
from domain.models import Category, CategoryCorrection, RoutingRule, Team
from domain.triage_inputs import Intake
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

CREATE = """mutation Create($input: CreateTicketInput!) {
  createTicket(input: $input) { ticket { id } userErrors { code message field } } }"""
WHY = """query Why($id: ID!) { ticket(id: $id) {
  routingState assignee { name } requiresSenior supportTier team { name }
  triage { label confidence source modelVersion threshold priority runs
           priorityReasons { rule detail effect } appliedRules { name } }
  routingDecision { outcome reason candidateCount team { name } agent { name } requiresSenior
    weights { capacity skill handleTime }
    candidates { agent { name } skillLevel capacityScore skillScore handleTimeScore score chosen } }
} }"""
RULE_FIELDS = "rule { id name position conditions actions } userErrors { code message field }"


@pytest.fixture
async def live(db: str, clock: ManualClock) -> AsyncIterator[httpx.AsyncClient]:
    """The API with triage running in-process, as `frontdesk serve` runs it."""
    intake = Intake(clock)
    tasks = build_broker(None, lambda: intake)
    await tasks.broker.startup()
    app = build_app(clock=clock, max_body_bytes=MAX_BODY, intake=intake, triage=tasks.triage)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://frontdesk.test") as c:
        yield c
    await tasks.broker.shutdown()


async def why(client: httpx.AsyncClient, ticket_id: str, token: str) -> dict[str, Any]:
    """The ticket once triaged (customers, who see no routing state, at once).

    Both the routing state and the triage record are checked: a request reads the
    ticket and its triage record in separate statements, so one read can fall
    between them and see the record while the ticket row is still PENDING.
    """
    async with asyncio.timeout(30):
        while True:
            body = await gql(client, WHY, {"id": ticket_id}, token=token)
            ticket: dict[str, Any] = body["data"]["ticket"]
            state = ticket["routingState"]
            if state is None or (ticket["triage"] is not None and state != "PENDING"):
                return ticket
            await asyncio.sleep(0.02)


async def triaged_again(
    client: httpx.AsyncClient, ticket_id: str, token: str, runs: int
) -> dict[str, Any]:
    """The ticket once its triage has run ``runs`` times."""
    async with asyncio.timeout(30):
        while (seen := await why(client, ticket_id, token))["triage"]["runs"] != runs:  # noqa: ASYNC110
            await asyncio.sleep(0.02)
    return seen


async def queued_billing_ticket(client: httpx.AsyncClient, token: str) -> str:
    """A BILLING ticket staff created that waits in its team's queue."""
    customer = await create_customer()
    created = await gql(
        client,
        CREATE,
        {
            "input": {
                "subject": "Refund",
                "description": "invoice 7 twice",
                "customerId": gid("Customer", customer.id),
            }
        },
        token=token,
    )
    ticket_id: str = created["data"]["createTicket"]["ticket"]["id"]
    assert (await why(client, ticket_id, token))["routingState"] == "QUEUED"
    return ticket_id


async def support_desk() -> tuple[Team, Category, Any, str]:
    team = await create_team(name="Billing desk")
    billing = await create_category("BILLING", team=team, keywords=["invoice", "refund"])
    agent = await create_agent(team, skills={billing: 4})
    return team, billing, agent, await token_for(Role.ADMIN)


async def test_a_customer_ticket_is_classified_prioritised_and_assigned(
    live: httpx.AsyncClient,
) -> None:
    _, _, agent, admin = await support_desk()
    customer = await create_customer(vip=True)
    as_customer = await token_for(Role.CUSTOMER, customer=customer)

    created = await gql(
        live,
        CREATE,
        {"input": {"subject": "Refund please", "description": "Invoice 42 was charged twice"}},
        token=as_customer,
    )
    ticket_id = created["data"]["createTicket"]["ticket"]["id"]
    seen = await why(live, ticket_id, admin)

    assert seen["routingState"] == "ASSIGNED"
    assert seen["assignee"] == {"name": agent.name}
    triage = seen["triage"]
    assert (triage["label"], triage["source"], triage["confidence"], triage["priority"]) == (
        "BILLING",
        "KEYWORDS",
        1.0,
        "HIGH",
    )
    assert [r["rule"] for r in triage["priorityReasons"]] == ["default", "vip_customer"]
    decision = seen["routingDecision"]
    assert (decision["outcome"], decision["candidateCount"], decision["team"]) == (
        "ASSIGNED",
        1,
        {"name": "Billing desk"},
    )
    assert decision["weights"] == {"capacity": 0.5, "skill": 0.3, "handleTime": 0.2}
    assert decision["candidates"] == [
        {
            "agent": {"name": agent.name},
            "skillLevel": 4,
            "capacityScore": 1.0,
            "skillScore": 0.8,
            "handleTimeScore": 0.5,
            "score": 0.84,
            "chosen": True,
        }
    ]

    # the customer sees their ticket, but not the machinery behind it
    own = await gql(live, WHY, {"id": ticket_id}, token=as_customer)
    assert own["data"]["ticket"]["triage"] is None
    assert own["data"]["ticket"]["routingDecision"] is None
    assert own["data"]["ticket"]["routingState"] is None


async def test_the_queue_lists_waiting_tickets_in_the_order_agents_get_them(
    live: httpx.AsyncClient, clock: ManualClock
) -> None:
    team, billing, agent, admin = await support_desk()
    await agent.__class__.filter(id=agent.id).update(is_available=False)
    customer = await create_customer()
    ids = []
    for subject in ("invoice question", "URGENT refund", "invoice copy"):
        body = await gql(
            live,
            CREATE,
            {
                "input": {
                    "subject": subject,
                    "description": "x",
                    "customerId": gid("Customer", customer.id),
                }
            },
            token=admin,
        )
        ids.append(body["data"]["createTicket"]["ticket"]["id"])
        await why(live, ids[-1], admin)
        clock.advance(minutes=1)

    query = """query Q($team: ID!) {
      queue(teamId: $team) { position queuedAt ticket { id priority } } }"""
    queue = (await gql(live, query, {"team": gid("Team", team.id)}, token=admin))["data"]["queue"]
    assert [(e["position"], e["ticket"]["id"]) for e in queue] == [
        (1, ids[1]),
        (2, ids[0]),
        (3, ids[2]),
    ]

    other = await create_agent(await create_team(), skills={billing: 1})
    outsider = await token_for(Role.AGENT, agent=other)
    refused = await gql(live, query, {"team": gid("Team", team.id)}, token=outsider)
    assert refused["data"] is None  # agents see their team (the team itself is no secret)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    nowhere = await gql(live, query, {"team": gid("Team", 999_999)}, token=admin)
    assert nowhere["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    partner = await gql(
        live, query, {"team": gid("Team", team.id)}, token=await token_for(Role.PARTNER)
    )
    assert partner["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    # the agent comes back: the head of the queue is theirs at once
    mutation = """mutation A($input: SetAgentAvailabilityInput!) {
      setAgentAvailability(input: $input) { agent { currentTicketCount } userErrors { code } } }"""
    back = await gql(
        live,
        mutation,
        {"input": {"agentId": gid("Agent", agent.id), "isAvailable": True}},
        token=admin,
    )
    assert back["data"]["setAgentAvailability"]["agent"]["currentTicketCount"] == 3
    assert (await gql(live, query, {"team": gid("Team", team.id)}, token=admin))["data"][
        "queue"
    ] == []


async def test_admins_manage_routing_rules_and_bad_rules_change_nothing(
    live: httpx.AsyncClient,
) -> None:
    team, _, _, admin = await support_desk()
    create = f"""mutation C($input: RoutingRuleInput!) {{
      createRoutingRule(input: $input) {{ {RULE_FIELDS} }} }}"""
    good = {
        "name": "Urgent billing to seniors",
        "conditions": {"priorities": ["URGENT"], "categories": ["BILLING"]},
        "actions": {"require_senior": True, "team_id": gid("Team", team.id)},
    }
    made = (await gql(live, create, {"input": good}, token=admin))["data"]["createRoutingRule"]
    assert made["userErrors"] == []
    assert made["rule"]["position"] == 10
    assert made["rule"]["conditions"]["priorities"] == ["URGENT"]
    assert made["rule"]["actions"]["team_id"] == gid("Team", team.id)
    assert made["rule"]["actions"]["require_senior"] is True

    for bad, field in [
        ({**good, "conditions": {}}, "conditions"),
        ({**good, "conditions": {"categories": ["NOPE"]}}, "conditions.categories"),
        ({**good, "actions": {"team_id": gid("Agent", 1)}}, "actions.teamId"),
        ({**good, "actions": {"set_priority": "SOON"}}, "actions.setPriority"),
        ({**good, "name": "  "}, "name"),
    ]:
        refused = (await gql(live, create, {"input": bad}, token=admin))["data"]
        errors = refused["createRoutingRule"]["userErrors"]
        assert [e["field"] for e in errors] == [field], bad
    assert await RoutingRule.all().count() == 1

    agent_token = await token_for(Role.AGENT, agent=await create_agent(team))
    forbidden = await gql(live, create, {"input": good}, token=agent_token)
    assert forbidden["data"]["createRoutingRule"]["userErrors"][0]["code"] == "FORBIDDEN"

    update = f"""mutation U($input: UpdateRoutingRuleInput!) {{
      updateRoutingRule(input: $input) {{ {RULE_FIELDS} }} }}"""
    changed = await gql(  # position moves it; the whole rule is sent again
        live,
        update,
        {
            "input": {
                "ruleId": made["rule"]["id"],
                "rule": {**good, "name": "Renamed", "position": 5},
            }
        },
        token=admin,
    )
    assert changed["data"]["updateRoutingRule"]["rule"]["name"] == "Renamed"
    listed = await gql(live, "query R { routingRules { name position } }", token=admin)
    assert listed["data"]["routingRules"] == [{"name": "Renamed", "position": 5}]

    flags = "query F { routingRules { name enabled stopProcessing } }"
    switched = {**good, "name": "Renamed", "enabled": False, "stopProcessing": True}
    rule_id = made["rule"]["id"]
    await gql(live, update, {"input": {"ruleId": rule_id, "rule": switched}}, token=admin)
    renamed = {**good, "name": "Renamed again"}  # the flags left out keep their values
    await gql(live, update, {"input": {"ruleId": rule_id, "rule": renamed}}, token=admin)
    kept = (await gql(live, flags, token=admin))["data"]["routingRules"]
    assert kept == [{"name": "Renamed again", "enabled": False, "stopProcessing": True}]

    delete = f"""mutation D($input: DeleteRoutingRuleInput!) {{
      deleteRoutingRule(input: $input) {{ {RULE_FIELDS} }} }}"""
    await gql(live, delete, {"input": {"ruleId": made["rule"]["id"]}}, token=admin)
    assert await RoutingRule.all().count() == 0


async def test_a_lead_corrects_what_the_model_missed_and_it_is_routed(
    live: httpx.AsyncClient,
) -> None:
    _, billing, agent, admin = await support_desk()
    customer = await create_customer()
    created = await gql(
        live,
        CREATE,
        {
            "input": {
                "subject": "Hello",
                "description": "Something odd",
                "customerId": gid("Customer", customer.id),
            }
        },
        token=admin,
    )
    ticket_id = created["data"]["createTicket"]["ticket"]["id"]
    assert (await why(live, ticket_id, admin))["routingState"] == "NEEDS_TRIAGE"
    listed = await gql(live, "query T { triageQueue { id } }", token=admin)
    assert listed["data"]["triageQueue"] == [{"id": ticket_id}]

    correct = """mutation C($input: CorrectTicketCategoryInput!) {
      correctTicketCategory(input: $input) {
        ticket { routingState category { key } assignee { name } } userErrors { code field } } }"""
    bad = await gql(
        live, correct, {"input": {"ticketId": ticket_id, "categoryKey": "NOPE"}}, token=admin
    )
    assert bad["data"]["correctTicketCategory"]["userErrors"] == [
        {"code": "INVALID_INPUT", "field": "categoryKey"}
    ]
    fixed = await gql(
        live, correct, {"input": {"ticketId": ticket_id, "categoryKey": "billing"}}, token=admin
    )
    assert fixed["data"]["correctTicketCategory"]["ticket"] == {
        "routingState": "ASSIGNED",
        "category": {"key": "BILLING"},
        "assignee": {"name": agent.name},
    }
    corrections = await CategoryCorrection.all()
    assert [(c.from_category_id, c.to_category_id) for c in corrections] == [(None, billing.id)]
    assert (await gql(live, "query T { triageQueue { id } }", token=admin))["data"][
        "triageQueue"
    ] == []

    retriage = """mutation R($input: TicketIdInput!) {
      retriageTicket(input: $input) { userErrors { code } } }"""
    await gql(live, retriage, {"input": {"ticketId": ticket_id}}, token=admin)
    seen = await triaged_again(live, ticket_id, admin, runs=2)
    assert seen["triage"]["source"] == "AGENT"  # an agent's category is not second-guessed
    assert seen["assignee"] == {"name": agent.name}


async def test_a_new_priority_on_a_queued_ticket_can_make_the_routing_rules_ask_for_more(
    live: httpx.AsyncClient,
) -> None:
    team = await create_team(name="Billing desk")
    billing = await create_category("BILLING", team=team, keywords=["invoice", "refund"])
    junior = await create_agent(team, skills={billing: 4}, max_tickets=1, current=1)  # full
    admin = await token_for(Role.ADMIN)
    await RoutingRule.create(
        name="Urgent billing to seniors",
        position=10,
        conditions={"priorities": ["URGENT"]},
        actions={"require_senior": True},
        created_at=datetime.now(UTC),
        updated_at=datetime.now(UTC),
    )
    ticket_id = await queued_billing_ticket(live, admin)
    update = """mutation U($input: UpdateTicketInput!) {
      updateTicket(input: $input) { userErrors { code } } }"""
    raised = await gql(
        live, update, {"input": {"ticketId": ticket_id, "priority": "URGENT"}}, token=admin
    )
    assert raised["data"]["updateTicket"]["userErrors"] == []
    seen = await why(live, ticket_id, admin)
    assert (seen["routingState"], seen["requiresSenior"], seen["team"]) == (
        "QUEUED",
        True,
        {"name": "Billing desk"},  # the team (and any escalation) stands
    )

    room = """mutation A($input: UpdateAgentInput!) {
      updateAgent(input: $input) { userErrors { code } } }"""
    await gql(
        live, room, {"input": {"agentId": gid("Agent", junior.id), "maxTickets": 5}}, token=admin
    )
    still = await why(live, ticket_id, admin)
    assert (still["routingState"], still["assignee"]) == ("QUEUED", None)  # not for a junior


async def test_an_agent_given_a_skill_takes_the_queued_tickets_that_needed_it(
    live: httpx.AsyncClient,
) -> None:
    team = await create_team(name="Billing desk")
    await create_category("BILLING", team=team, keywords=["invoice", "refund"])
    shipping = await create_category("SHIPPING", team=team)
    agent = await create_agent(team, skills={shipping: 2})
    admin = await token_for(Role.ADMIN)
    ticket_id = await queued_billing_ticket(live, admin)

    skills = """mutation S($input: UpdateAgentInput!) { updateAgent(input: $input) {
      agent { skills { level category { key } } } userErrors { code field message } } }"""
    agent_id = gid("Agent", agent.id)
    for bad in (
        [{"categoryKey": "NOPE", "level": 3}],
        [{"categoryKey": "BILLING", "level": 6}],
        [{"categoryKey": "billing", "level": 3}, {"categoryKey": "BILLING", "level": 2}],
    ):
        refused = await gql(
            live, skills, {"input": {"agentId": agent_id, "skills": bad}}, token=admin
        )
        assert refused["data"]["updateAgent"]["userErrors"][0]["field"] == "skills", bad
    assert (await why(live, ticket_id, admin))["routingState"] == "QUEUED"  # nothing changed

    given = [{"categoryKey": "billing", "level": 3}]  # added; SHIPPING is kept
    done = await gql(live, skills, {"input": {"agentId": agent_id, "skills": given}}, token=admin)
    held = done["data"]["updateAgent"]["agent"]["skills"]
    assert sorted((s["category"]["key"], s["level"]) for s in held) == [
        ("BILLING", 3),
        ("SHIPPING", 2),
    ]
    taken = await why(live, ticket_id, admin)
    assert (taken["routingState"], taken["assignee"]) == ("ASSIGNED", {"name": agent.name})

    dropped = [{"categoryKey": "SHIPPING", "level": 0}]  # level 0 takes a skill away
    gone = await gql(live, skills, {"input": {"agentId": agent_id, "skills": dropped}}, token=admin)
    assert [s["category"]["key"] for s in gone["data"]["updateAgent"]["agent"]["skills"]] == [
        "BILLING"
    ]


async def test_routing_settings_are_admin_data_and_bad_values_change_nothing(
    live: httpx.AsyncClient,
) -> None:
    team, billing, agent, admin = await support_desk()
    other = await create_team(name="Second line")
    lead = await token_for(Role.LEAD, agent=await create_agent(other))
    category = """mutation C($input: UpdateCategoryRoutingInput!) {
      updateCategoryRouting(input: $input) {
        category { key } userErrors { code field message } } }"""
    ok = await gql(
        live,
        category,
        {
            "input": {
                "key": "billing",
                "keywords": [" Invoice ", "refund", "invoice"],
                "fallbackTeamId": gid("Team", other.id),
            }
        },
        token=admin,
    )
    assert ok["data"]["updateCategoryRouting"]["userErrors"] == []
    saved = await Category.get(id=billing.id)
    assert (saved.keywords, saved.fallback_team_id) == (["invoice", "refund"], other.id)

    refused = await gql(
        live, category, {"input": {"key": "billing", "keywords": ["ok", "bad\u0000"]}}, token=admin
    )
    assert refused["data"]["updateCategoryRouting"]["userErrors"][0]["field"] == "keywords"
    by_lead = await gql(live, category, {"input": {"key": "billing", "keywords": []}}, token=lead)
    assert by_lead["data"]["updateCategoryRouting"]["userErrors"][0]["code"] == "FORBIDDEN"
    assert (await Category.get(id=billing.id)).keywords == ["invoice", "refund"]
    same = {"key": "billing", "fallbackTeamId": gid("Team", team.id)}  # its default team
    itself = await gql(live, category, {"input": same}, token=admin)
    assert itself["data"]["updateCategoryRouting"]["userErrors"][0]["field"] == "fallbackTeamId"
    shown = await gql(live, "{ categories { key keywords fallbackTeam { name } } }", token=admin)
    assert {
        "key": "BILLING",
        "keywords": ["invoice", "refund"],
        "fallbackTeam": {"name": "Second line"},
    } in shown["data"]["categories"]

    overflow = """mutation O($input: SetTeamOverflowInput!) {
      setTeamOverflow(input: $input) { team { name } userErrors { field } } }"""
    half = await gql(
        live,
        overflow,
        {"input": {"teamId": gid("Team", team.id), "overflowThreshold": 5}},
        token=admin,
    )
    itself = await gql(
        live,
        overflow,
        {
            "input": {
                "teamId": gid("Team", team.id),
                "overflowThreshold": 5,
                "overflowTeamId": gid("Team", team.id),
            }
        },
        token=admin,
    )
    assert half["data"]["setTeamOverflow"]["userErrors"] == [{"field": "overflowThreshold"}]
    senior_team = await create_team(name="Third line", tier=SupportTier.L3)
    down = await gql(
        live,
        overflow,
        {
            "input": {
                "teamId": gid("Team", senior_team.id),
                "overflowThreshold": 5,
                "overflowTeamId": gid("Team", team.id),
            }
        },
        token=admin,
    )
    assert down["data"]["setTeamOverflow"]["userErrors"] == [{"field": "overflowTeamId"}]
    assert (await Team.get(id=senior_team.id)).overflow_team_id is None
    assert itself["data"]["setTeamOverflow"]["userErrors"] == [{"field": "overflowTeamId"}]
    assert (await Team.get(id=team.id)).overflow_threshold is None

    update_agent = """mutation U($input: UpdateAgentInput!) {
      updateAgent(input: $input) { agent { maxTickets senior } userErrors { code field } } }"""
    outsider = await gql(
        live,
        update_agent,
        {"input": {"agentId": gid("Agent", agent.id), "maxTickets": 3}},
        token=lead,
    )
    too_many = await gql(
        live,
        update_agent,
        {"input": {"agentId": gid("Agent", agent.id), "maxTickets": 0}},
        token=admin,
    )
    done = await gql(
        live,
        update_agent,
        {"input": {"agentId": gid("Agent", agent.id), "maxTickets": 3, "senior": True}},
        token=admin,
    )
    assert outsider["data"]["updateAgent"]["userErrors"][0]["code"] == "FORBIDDEN"
    assert too_many["data"]["updateAgent"]["userErrors"] == [
        {"code": "INVALID_INPUT", "field": "maxTickets"}
    ]
    assert done["data"]["updateAgent"]["agent"] == {"maxTickets": 3, "senior": True}
