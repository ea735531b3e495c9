"""SLA terms over GraphQL, as an admin console uses them: calendars, policies, tier
multipliers and a customer's tier. Staff read the terms; only admins change them, and
a refused change (bad input, conflict, wrong role) stores nothing."""

from typing import Any

import httpx

from domain.enums import CustomerTier, Role
from domain.models import BusinessCalendar, Customer, SlaPolicy, SlaTierMultiplier
from tests.factories import create_agent, create_customer, create_team, gid, gql, token_for

ERRORS = "userErrors { code message field }"
CALENDAR_FIELDS = f"""calendar {{ id name timeZone holidays weeklyBusinessHours
  windows {{ day windows {{ start end }} }} }} {ERRORS}"""
POLICY_FIELDS = f"""policy {{ id name priority customerTier applies noSlaReason
  firstResponseMinutes resolutionMinutes warningPercents atRiskPercent severePercent
  escalateAtRisk escalationSteps {{ percent action }} calendar {{ name }} }} {ERRORS}"""

CREATE_CALENDAR = f"""mutation CreateCalendar($input: BusinessCalendarInput!) {{
  createBusinessCalendar(input: $input) {{ {CALENDAR_FIELDS} }} }}"""
UPDATE_CALENDAR = f"""mutation UpdateCalendar($input: UpdateBusinessCalendarInput!) {{
  updateBusinessCalendar(input: $input) {{ {CALENDAR_FIELDS} }} }}"""
DELETE_CALENDAR = f"""mutation DeleteCalendar($input: DeleteBusinessCalendarInput!) {{
  deleteBusinessCalendar(input: $input) {{ {CALENDAR_FIELDS} }} }}"""
CALENDARS = """query Calendars { businessCalendars { id name timeZone holidays
  weeklyBusinessHours windows { day windows { start end } } } }"""

CREATE_POLICY = f"""mutation CreatePolicy($input: SlaPolicyInput!) {{
  createSlaPolicy(input: $input) {{ {POLICY_FIELDS} }} }}"""
UPDATE_POLICY = f"""mutation UpdatePolicy($input: UpdateSlaPolicyInput!) {{
  updateSlaPolicy(input: $input) {{ {POLICY_FIELDS} }} }}"""
DELETE_POLICY = f"""mutation DeletePolicy($input: DeleteSlaPolicyInput!) {{
  deleteSlaPolicy(input: $input) {{ {POLICY_FIELDS} }} }}"""
POLICIES = """query Policies { slaPolicies { id name priority customerTier
  firstResponseMinutes resolutionMinutes calendar { id name } } }"""

SET_MULTIPLIER = f"""mutation SetMultiplier($input: SetSlaTierMultiplierInput!) {{
  setSlaTierMultiplier(input: $input) {{
    tierMultiplier {{ customerTier multiplier }} {ERRORS} }} }}"""
MULTIPLIERS = "query Multipliers { slaTierMultipliers { customerTier multiplier } }"
SET_TIER = f"""mutation SetTier($input: SetCustomerTierInput!) {{
  setCustomerTier(input: $input) {{ customer {{ id tier }} {ERRORS} }} }}"""

SPLIT_SHIFT: dict[str, Any] = {
    "name": "London support",
    "timeZone": "Europe/London",
    "windows": [
        {
            "day": "MON",
            "windows": [{"start": "13:00", "end": "17:30"}, {"start": "08:00", "end": "12:00"}],
        },
        {"day": "FRI", "windows": [{"start": "08:00", "end": "12:00"}]},
    ],
    "holidays": ["2026-12-25"],
}
ANY_TIER_HIGH: dict[str, Any] = {
    "name": "High again",
    "priority": "HIGH",
    "firstResponseMinutes": 120,
    "resolutionMinutes": 600,
}


async def admin_token() -> str:
    return await token_for(Role.ADMIN)


async def agent_token() -> str:
    return await token_for(Role.AGENT, agent=await create_agent(await create_team()))


def payload(body: dict[str, Any], field: str) -> Any:
    assert "errors" not in body, body
    return body["data"][field]


def refusal(body: dict[str, Any], field: str) -> list[tuple[str, str | None]]:
    """(code, field) of each userError; the payload's object is null."""
    result = payload(body, field)
    assert [v for k, v in result.items() if k != "userErrors"] == [None], result
    return [(e["code"], e["field"]) for e in result["userErrors"]]


async def test_an_admin_creates_a_split_shift_calendar_and_reads_it_back(
    client: httpx.AsyncClient,
) -> None:
    admin = await admin_token()

    made = payload(
        await gql(client, CREATE_CALENDAR, {"input": SPLIT_SHIFT}, token=admin),
        "createBusinessCalendar",
    )

    assert made["userErrors"] == []
    calendar = made["calendar"]
    assert calendar["name"] == "London support"
    assert calendar["timeZone"] == "Europe/London"
    assert calendar["holidays"] == ["2026-12-25"]
    assert calendar["windows"] == [  # sorted within the day, Monday first
        {
            "day": "MON",
            "windows": [{"start": "08:00", "end": "12:00"}, {"start": "13:00", "end": "17:30"}],
        },
        {"day": "FRI", "windows": [{"start": "08:00", "end": "12:00"}]},
    ]
    assert calendar["weeklyBusinessHours"] == 12.5
    listed = payload(await gql(client, CALENDARS, token=admin), "businessCalendars")
    assert [c["name"] for c in listed] == ["Business hours", "London support"]
    assert listed[0]["weeklyBusinessHours"] == 40
    assert listed[1] == calendar
    by_node = await gql(
        client, "query N($id: ID!) { node(id: $id) { id } }", {"id": calendar["id"]}, token=admin
    )
    assert by_node["data"]["node"] == {"id": calendar["id"]}

    renamed = {**SPLIT_SHIFT, "name": "London", "holidays": []}
    updated = payload(
        await gql(
            client,
            UPDATE_CALENDAR,
            {"input": {"calendarId": calendar["id"], "calendar": renamed}},
            token=admin,
        ),
        "updateBusinessCalendar",
    )
    assert updated["userErrors"] == []
    assert (updated["calendar"]["name"], updated["calendar"]["holidays"]) == ("London", [])

    deleted = payload(
        await gql(client, DELETE_CALENDAR, {"input": {"calendarId": calendar["id"]}}, token=admin),
        "deleteBusinessCalendar",
    )
    assert deleted["userErrors"] == []
    assert await BusinessCalendar.all().count() == 1


async def test_bad_calendars_are_refused_with_the_field_named_and_nothing_stored(
    client: httpx.AsyncClient,
) -> None:
    admin = await admin_token()
    overlapping = [
        {
            "day": "TUE",
            "windows": [{"start": "09:00", "end": "13:00"}, {"start": "12:00", "end": "17:00"}],
        }
    ]
    cases = [
        ({**SPLIT_SHIFT, "timeZone": "Mars/Olympus_Mons"}, "timeZone"),
        ({**SPLIT_SHIFT, "windows": overlapping}, "windows"),
        (
            {**SPLIT_SHIFT, "windows": [*SPLIT_SHIFT["windows"], SPLIT_SHIFT["windows"][0]]},
            "windows",
        ),
        (
            {
                **SPLIT_SHIFT,
                "windows": [{"day": "MON", "windows": [{"start": "9am", "end": "17:00"}]}],
            },
            "windows",
        ),
        ({**SPLIT_SHIFT, "windows": []}, "windows"),
        ({**SPLIT_SHIFT, "holidays": ["2026-02-30"]}, "holidays"),
        ({**SPLIT_SHIFT, "holidays": ["25/12/2026"]}, "holidays"),
        ({**SPLIT_SHIFT, "name": "Business hours"}, "name"),
        ({**SPLIT_SHIFT, "name": "  "}, "name"),
    ]

    for bad, field in cases:
        body = await gql(client, CREATE_CALENDAR, {"input": bad}, token=admin)
        [(code, named)] = refusal(body, "createBusinessCalendar")
        assert named == field, (bad, body)
        assert code in {"INVALID_INPUT", "CONFLICT"}

    assert await BusinessCalendar.all().count() == 1
    seeded = await BusinessCalendar.get(name="Business hours")
    changed = await gql(
        client,
        UPDATE_CALENDAR,
        {
            "input": {
                "calendarId": gid("BusinessCalendar", seeded.id),
                "calendar": {**SPLIT_SHIFT, "timeZone": "Nowhere"},
            }
        },
        token=admin,
    )
    assert refusal(changed, "updateBusinessCalendar") == [("INVALID_INPUT", "timeZone")]
    assert (await BusinessCalendar.get(id=seeded.id)).time_zone == "UTC"
    missing = await gql(
        client,
        DELETE_CALENDAR,
        {"input": {"calendarId": gid("BusinessCalendar", 999)}},
        token=admin,
    )
    assert refusal(missing, "deleteBusinessCalendar") == [("NOT_FOUND", "calendarId")]
    wrong_kind = await gql(
        client, DELETE_CALENDAR, {"input": {"calendarId": gid("SlaPolicy", 1)}}, token=admin
    )
    assert refusal(wrong_kind, "deleteBusinessCalendar") == [("INVALID_INPUT", "calendarId")]


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


async def test_a_calendar_in_use_cannot_be_deleted(client: httpx.AsyncClient) -> None:
    admin = await admin_token()
    calendar = await BusinessCalendar.get(name="Business hours")

    body = await gql(
        client,
        DELETE_CALENDAR,
        {"input": {"calendarId": gid("BusinessCalendar", calendar.id)}},
        token=admin,
    )

    assert refusal(body, "deleteBusinessCalendar") == [("CONFLICT", "calendarId")]
    message = body["data"]["deleteBusinessCalendar"]["userErrors"][0]["message"]
    assert "'High'" in message
    assert await BusinessCalendar.exists(id=calendar.id)


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
