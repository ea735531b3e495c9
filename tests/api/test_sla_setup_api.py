"""Business calendars over GraphQL, as an admin console uses them, and the shared
documents of the SLA-terms API tests (policies: test_sla_policies_api.py). A refused
change (bad input, conflict, wrong role) stores nothing."""

from typing import Any

import httpx

from domain.enums import Role
from domain.models import BusinessCalendar
from tests.factories import create_agent, create_team, gid, gql, token_for

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
