"""SLA policies, tier multipliers and customers' tiers over GraphQL, as an admin
edits them: staff read, only admins change, bad input is refused and nothing stored."""

import httpx

from domain.enums import CustomerTier, Role
from domain.models import BusinessCalendar, Customer, SlaPolicy, SlaTierMultiplier
from tests.api.test_sla_setup_api import (
    ANY_TIER_HIGH,
    CALENDARS,
    CREATE_CALENDAR,
    CREATE_POLICY,
    DELETE_POLICY,
    MULTIPLIERS,
    POLICIES,
    SET_MULTIPLIER,
    SET_TIER,
    SPLIT_SHIFT,
    UPDATE_POLICY,
    admin_token,
    agent_token,
    payload,
    refusal,
)
from tests.factories import create_customer, gid, gql, token_for


async def test_staff_read_the_terms_but_only_admins_change_them(
    client: httpx.AsyncClient,
) -> None:
    agent = await agent_token()

    policies = payload(await gql(client, POLICIES, token=agent), "slaPolicies")
    assert [(p["priority"], p["customerTier"]) for p in policies] == [  # most urgent first
        ("URGENT", None),
        ("HIGH", None),
        ("MEDIUM", None),
        ("LOW", None),
    ]
    assert {p["priority"]: (p["calendar"] or {}).get("name") for p in policies} == {
        "URGENT": None,  # 24/7
        "HIGH": "Business hours",
        "MEDIUM": "Business hours",
        "LOW": "Business hours",
    }
    assert len(payload(await gql(client, CALENDARS, token=agent), "businessCalendars")) == 1
    assert len(payload(await gql(client, MULTIPLIERS, token=agent), "slaTierMultipliers")) == 5

    enterprise = {**ANY_TIER_HIGH, "customerTier": "ENTERPRISE"}
    body = await gql(client, CREATE_POLICY, {"input": enterprise}, token=agent)
    assert refusal(body, "createSlaPolicy") == [("FORBIDDEN", None)]
    body = await gql(client, CREATE_CALENDAR, {"input": SPLIT_SHIFT}, token=agent)
    assert refusal(body, "createBusinessCalendar") == [("FORBIDDEN", None)]
    body = await gql(
        client, SET_MULTIPLIER, {"input": {"customerTier": "FREE", "multiplier": 3}}, token=agent
    )
    assert refusal(body, "setSlaTierMultiplier") == [("FORBIDDEN", None)]
    assert await SlaPolicy.all().count() == 4
    assert await BusinessCalendar.all().count() == 1
    assert (await SlaTierMultiplier.get(customer_tier=CustomerTier.FREE)).multiplier == 2.0

    customer = await token_for(Role.CUSTOMER, customer=await create_customer())
    for query, field in [
        (POLICIES, "slaPolicies"),
        (CALENDARS, "businessCalendars"),
        (MULTIPLIERS, "slaTierMultipliers"),
    ]:
        refused = await gql(client, query, token=customer)
        assert refused["data"] is None
        [error] = refused["errors"]
        assert (error["path"], error["extensions"]["code"]) == ([field], "FORBIDDEN")
    anonymous = await gql(client, POLICIES)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_an_admin_adds_a_tier_policy_but_not_a_second_one_for_the_same_scope(
    client: httpx.AsyncClient,
) -> None:
    admin = await admin_token()
    calendar = await BusinessCalendar.get(name="Business hours")
    enterprise = {
        **ANY_TIER_HIGH,
        "name": "Enterprise high",
        "customerTier": "ENTERPRISE",
        "calendarId": gid("BusinessCalendar", calendar.id),
        "warningPercents": [80, 60],
        "escalationSteps": [
            {"percent": 150, "action": "NOTIFY_MANAGEMENT"},
            {"percent": 90, "action": "NOTIFY_LEAD"},
        ],
        "escalateAtRisk": True,
    }

    made = payload(
        await gql(client, CREATE_POLICY, {"input": enterprise}, token=admin), "createSlaPolicy"
    )

    assert made["userErrors"] == []
    policy = made["policy"]
    assert (policy["priority"], policy["customerTier"]) == ("HIGH", "ENTERPRISE")
    assert policy["warningPercents"] == [60, 80]
    assert (policy["atRiskPercent"], policy["severePercent"]) == (75, 200)
    assert policy["escalationSteps"] == [
        {"percent": 90, "action": "NOTIFY_LEAD"},
        {"percent": 150, "action": "NOTIFY_MANAGEMENT"},
    ]
    assert policy["calendar"] == {"name": "Business hours"}
    assert policy["escalateAtRisk"] is True

    again = await gql(client, CREATE_POLICY, {"input": enterprise}, token=admin)
    assert refusal(again, "createSlaPolicy") == [("CONFLICT", "priority")]
    any_tier = await gql(client, CREATE_POLICY, {"input": ANY_TIER_HIGH}, token=admin)
    assert refusal(any_tier, "createSlaPolicy") == [("CONFLICT", "priority")]
    assert await SlaPolicy.all().count() == 5

    gone = payload(
        await gql(client, DELETE_POLICY, {"input": {"policyId": policy["id"]}}, token=admin),
        "deleteSlaPolicy",
    )
    assert gone["userErrors"] == []
    assert await SlaPolicy.all().count() == 4


async def test_bad_policies_are_refused_with_the_field_named_and_nothing_stored(
    client: httpx.AsyncClient,
) -> None:
    admin = await admin_token()
    good = {**ANY_TIER_HIGH, "customerTier": "STARTER"}
    cases = [
        ({**good, "calendarId": gid("BusinessCalendar", 999)}, ("NOT_FOUND", "calendarId")),
        ({**good, "calendarId": gid("Team", 1)}, ("INVALID_INPUT", "calendarId")),
        ({**good, "warningPercents": [50, 100]}, ("INVALID_INPUT", "warningPercents")),
        ({**good, "warningPercents": [50, 50]}, ("INVALID_INPUT", "warningPercents")),
        ({**good, "atRiskPercent": 0}, ("INVALID_INPUT", "atRiskPercent")),
        ({**good, "severePercent": 100}, ("INVALID_INPUT", "severePercent")),
        (
            {**good, "escalationSteps": [{"percent": 0, "action": "REASSIGN"}]},
            ("INVALID_INPUT", "escalationSteps"),
        ),
        ({**good, "firstResponseMinutes": 0}, ("INVALID_INPUT", "firstResponseMinutes")),
        (
            {**good, "firstResponseMinutes": None, "resolutionMinutes": None},
            ("INVALID_INPUT", "firstResponseMinutes"),
        ),
        ({**good, "applies": False}, ("INVALID_INPUT", "noSlaReason")),
        ({**good, "name": ""}, ("INVALID_INPUT", "name")),
    ]

    for bad, expected in cases:
        body = await gql(client, CREATE_POLICY, {"input": bad}, token=admin)
        assert refusal(body, "createSlaPolicy") == [expected], bad

    unknown_action = {**good, "escalationSteps": [{"percent": 90, "action": "CALL_THE_CEO"}]}
    body = await gql(client, CREATE_POLICY, {"input": unknown_action}, token=admin)
    assert body.get("data") is None
    [error] = body["errors"]
    assert "escalationSteps[0].action" in error["message"]
    assert "CALL_THE_CEO" in error["message"]
    assert await SlaPolicy.all().count() == 4

    no_sla = {**good, "applies": False, "noSlaReason": "Starter plans have no SLA."}
    made = payload(
        await gql(client, CREATE_POLICY, {"input": no_sla}, token=admin), "createSlaPolicy"
    )
    assert made["userErrors"] == []
    assert (made["policy"]["applies"], made["policy"]["noSlaReason"]) == (
        False,
        "Starter plans have no SLA.",
    )


async def test_updating_the_medium_policy_shows_in_the_list(client: httpx.AsyncClient) -> None:
    admin = await admin_token()
    medium = await SlaPolicy.get(priority="MEDIUM", customer_tier=None)
    medium_id = gid("SlaPolicy", medium.id)
    change = {
        "name": "Medium",
        "priority": "MEDIUM",
        "firstResponseMinutes": 300,
        "resolutionMinutes": 2000,
        "calendarId": gid("BusinessCalendar", medium.calendar_id or 0),
    }

    updated = payload(
        await gql(
            client, UPDATE_POLICY, {"input": {"policyId": medium_id, "policy": change}}, token=admin
        ),
        "updateSlaPolicy",
    )

    assert updated["userErrors"] == []
    assert (updated["policy"]["firstResponseMinutes"], updated["policy"]["resolutionMinutes"]) == (
        300,
        2000,
    )
    listed = payload(await gql(client, POLICIES, token=admin), "slaPolicies")
    [row] = [p for p in listed if p["id"] == medium_id]
    assert (row["firstResponseMinutes"], row["resolutionMinutes"]) == (300, 2000)
    assert row["calendar"]["name"] == "Business hours"

    clash = await gql(
        client,
        UPDATE_POLICY,
        {"input": {"policyId": medium_id, "policy": {**change, "priority": "HIGH"}}},
        token=admin,
    )
    assert refusal(clash, "updateSlaPolicy") == [("CONFLICT", "priority")]
    missing = await gql(
        client,
        UPDATE_POLICY,
        {"input": {"policyId": gid("SlaPolicy", 999), "policy": change}},
        token=admin,
    )
    assert refusal(missing, "updateSlaPolicy") == [("NOT_FOUND", "policyId")]
    after = await SlaPolicy.get(id=medium.id)
    assert (after.priority, after.first_response_minutes) == ("MEDIUM", 300)


async def test_tier_multipliers_are_checked_and_set(client: httpx.AsyncClient) -> None:
    admin = await admin_token()

    for bad in (0.01, 20.5, -1):
        body = await gql(
            client,
            SET_MULTIPLIER,
            {"input": {"customerTier": "FREE", "multiplier": bad}},
            token=admin,
        )
        assert refusal(body, "setSlaTierMultiplier") == [("INVALID_INPUT", "multiplier")]
    assert (await SlaTierMultiplier.get(customer_tier=CustomerTier.FREE)).multiplier == 2.0

    done = payload(
        await gql(
            client,
            SET_MULTIPLIER,
            {"input": {"customerTier": "FREE", "multiplier": 3}},
            token=admin,
        ),
        "setSlaTierMultiplier",
    )

    assert done == {"tierMultiplier": {"customerTier": "FREE", "multiplier": 3.0}, "userErrors": []}
    listed = payload(await gql(client, MULTIPLIERS, token=admin), "slaTierMultipliers")
    assert {m["customerTier"]: m["multiplier"] for m in listed} == {
        "ENTERPRISE": 0.5,
        "BUSINESS": 0.75,
        "PROFESSIONAL": 1.0,
        "STARTER": 1.5,
        "FREE": 3.0,
    }


async def test_only_admins_change_a_customers_tier(client: httpx.AsyncClient) -> None:
    customer = await create_customer(tier=CustomerTier.STARTER)
    customer_id = gid("Customer", customer.id)

    by_agent = await gql(
        client,
        SET_TIER,
        {"input": {"customerId": customer_id, "tier": "ENTERPRISE"}},
        token=await agent_token(),
    )
    assert refusal(by_agent, "setCustomerTier") == [("FORBIDDEN", None)]
    by_self = await gql(
        client,
        SET_TIER,
        {"input": {"customerId": customer_id, "tier": "ENTERPRISE"}},
        token=await token_for(Role.CUSTOMER, customer=customer),
    )
    assert refusal(by_self, "setCustomerTier") == [("FORBIDDEN", None)]
    assert (await Customer.get(id=customer.id)).tier == CustomerTier.STARTER

    admin = await admin_token()
    done = payload(
        await gql(
            client,
            SET_TIER,
            {"input": {"customerId": customer_id, "tier": "ENTERPRISE"}},
            token=admin,
        ),
        "setCustomerTier",
    )

    assert done == {"customer": {"id": customer_id, "tier": "ENTERPRISE"}, "userErrors": []}
    assert (await Customer.get(id=customer.id)).tier == CustomerTier.ENTERPRISE
    missing = await gql(
        client,
        SET_TIER,
        {"input": {"customerId": gid("Customer", 999), "tier": "FREE"}},
        token=admin,
    )
    assert refusal(missing, "setCustomerTier") == [("NOT_FOUND", "customerId")]
