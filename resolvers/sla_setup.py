"""SLA terms: business calendars, policies, tier multipliers and a customer's tier."""

from typing import cast

from domain import sla_setup
from domain.access import authenticated
from domain.enums import EscalationAction
from domain.errors import InvalidInput
from gql import ids
from gql.context import Info
from gql.types import directory as d
from gql.types import sla_setup as s
from resolvers.errors import as_payload, as_query


@as_query
async def business_calendars(info: Info) -> list[s.BusinessCalendar]:
    principal = authenticated(info.context.principal)
    return cast(list[s.BusinessCalendar], await sla_setup.list_calendars(principal))


@as_query
async def sla_policies(info: Info) -> list[s.SlaPolicy]:
    principal = authenticated(info.context.principal)
    return cast(list[s.SlaPolicy], await sla_setup.list_policies(principal))


@as_query
async def sla_tier_multipliers(info: Info) -> list[s.SlaTierMultiplier]:
    principal = authenticated(info.context.principal)
    return cast(list[s.SlaTierMultiplier], await sla_setup.list_multipliers(principal))


def _calendar_input(given: s.BusinessCalendarInput) -> sla_setup.CalendarInput:
    windows: dict[str, list[list[str]]] = {}
    for day in given.windows:
        if day.day in windows:
            raise InvalidInput(f"{day.day} is given twice", field="windows")
        windows[day.day] = [[w.start, w.end] for w in day.windows]
    return sla_setup.CalendarInput(
        name=given.name, time_zone=given.time_zone, windows=windows, holidays=given.holidays
    )


def _calendar_payload(calendar: object) -> s.BusinessCalendarPayload:
    return s.BusinessCalendarPayload(calendar=cast(s.BusinessCalendar, calendar), user_errors=[])


@as_payload(s.BusinessCalendarPayload)
async def create_business_calendar(
    info: Info, input: s.BusinessCalendarInput
) -> s.BusinessCalendarPayload:
    principal = authenticated(info.context.principal)
    calendar = await sla_setup.create_calendar(
        principal, _calendar_input(input), info.context.clock.now()
    )
    return _calendar_payload(calendar)


@as_payload(s.BusinessCalendarPayload)
async def update_business_calendar(
    info: Info, input: s.UpdateBusinessCalendarInput
) -> s.BusinessCalendarPayload:
    principal = authenticated(info.context.principal)
    calendar = await sla_setup.update_calendar(
        principal,
        ids.decode_as("BusinessCalendar", input.calendar_id, "calendarId"),
        _calendar_input(input.calendar),
        info.context.clock.now(),
    )
    return _calendar_payload(calendar)


@as_payload(s.BusinessCalendarPayload)
async def delete_business_calendar(
    info: Info, input: s.DeleteBusinessCalendarInput
) -> s.BusinessCalendarPayload:
    principal = authenticated(info.context.principal)
    calendar = await sla_setup.delete_calendar(
        principal, ids.decode_as("BusinessCalendar", input.calendar_id, "calendarId")
    )
    return _calendar_payload(calendar)


def _policy_input(given: s.SlaPolicyInput) -> sla_setup.PolicyInput:
    calendar = given.calendar_id
    return sla_setup.PolicyInput(
        name=given.name,
        priority=given.priority,
        customer_tier=given.customer_tier,
        applies=given.applies,
        no_sla_reason=given.no_sla_reason,
        first_response_minutes=given.first_response_minutes,
        resolution_minutes=given.resolution_minutes,
        calendar_id=None
        if calendar is None
        else ids.decode_as("BusinessCalendar", calendar, "calendarId"),
        warning_percents=given.warning_percents,
        at_risk_percent=given.at_risk_percent,
        severe_percent=given.severe_percent,
        escalation_steps=tuple(
            (step.percent, EscalationAction(step.action).value) for step in given.escalation_steps
        ),
        escalate_at_risk=given.escalate_at_risk,
    )


def _policy_payload(policy: object) -> s.SlaPolicyPayload:
    return s.SlaPolicyPayload(policy=cast(s.SlaPolicy, policy), user_errors=[])


@as_payload(s.SlaPolicyPayload)
async def create_sla_policy(info: Info, input: s.SlaPolicyInput) -> s.SlaPolicyPayload:
    principal = authenticated(info.context.principal)
    policy = await sla_setup.create_policy(
        principal, _policy_input(input), info.context.clock.now()
    )
    return _policy_payload(policy)


@as_payload(s.SlaPolicyPayload)
async def update_sla_policy(info: Info, input: s.UpdateSlaPolicyInput) -> s.SlaPolicyPayload:
    principal = authenticated(info.context.principal)
    policy = await sla_setup.update_policy(
        principal,
        ids.decode_as("SlaPolicy", input.policy_id, "policyId"),
        _policy_input(input.policy),
        info.context.clock.now(),
    )
    return _policy_payload(policy)


@as_payload(s.SlaPolicyPayload)
async def delete_sla_policy(info: Info, input: s.DeleteSlaPolicyInput) -> s.SlaPolicyPayload:
    principal = authenticated(info.context.principal)
    policy = await sla_setup.delete_policy(
        principal,
        ids.decode_as("SlaPolicy", input.policy_id, "policyId"),
        info.context.clock.now(),
    )
    return _policy_payload(policy)


@as_payload(s.SlaTierMultiplierPayload)
async def set_sla_tier_multiplier(
    info: Info, input: s.SetSlaTierMultiplierInput
) -> s.SlaTierMultiplierPayload:
    principal = authenticated(info.context.principal)
    row = await sla_setup.set_tier_multiplier(
        principal, input.customer_tier, input.multiplier, info.context.clock.now()
    )
    return s.SlaTierMultiplierPayload(
        tier_multiplier=cast(s.SlaTierMultiplier, row), user_errors=[]
    )


@as_payload(s.CustomerPayload)
async def set_customer_tier(info: Info, input: s.SetCustomerTierInput) -> s.CustomerPayload:
    principal = authenticated(info.context.principal)
    customer = await sla_setup.set_customer_tier(
        principal,
        ids.decode_as("Customer", input.customer_id, "customerId"),
        input.tier,
        info.context.clock.now(),
    )
    return s.CustomerPayload(customer=cast(d.Customer, customer), user_errors=[])
