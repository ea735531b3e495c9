"""Admins edit SLA terms: calendars, policies, tier multipliers, a customer's tier.

Every input is checked in full before anything is written. An edit that changes
the terms of open tickets banks each affected clock's time under the terms it
ran on and flags it; the sweep then re-plans it on the new terms (``replan``),
so an edit never loses or gives back time already spent.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain import access, sla, sla_policy, text_rules
from domain.access import Principal
from domain.enums import PRIORITY_RANK, CustomerTier, Priority
from domain.errors import Conflict, InvalidInput, NotFound
from domain.models import BusinessCalendar, Customer, SlaPolicy, SlaTierMultiplier
from domain.sla_calendar import parse_calendar
from domain.sla_terms import SHARED, TermsCache

# Tickets first, in id order (as ticket commands lock them: ticket, then its clocks),
# so an edit and a command or the sweep's re-plan pass never wait on each other in a
# cycle; then the clocks.
LOCK_TICKETS = """
SELECT id FROM ticket WHERE id IN (
  SELECT k.ticket_id FROM sla_clock k WHERE k.state IN ('RUNNING', 'PAUSED') AND {where})
ORDER BY id FOR UPDATE
"""
OPEN_CLOCKS = """
SELECT k.* FROM sla_clock k WHERE k.state IN ('RUNNING', 'PAUSED') AND {where}
ORDER BY k.ticket_id, k.target FOR UPDATE OF k
"""
FLAG = """
UPDATE sla_clock k SET elapsed_seconds = b.elapsed, running_since = b.since, replan = true
FROM unnest($1::bigint[], $2::float8[], $3::timestamptz[]) AS b(id, elapsed, since)
WHERE k.id = b.id
"""
BY_POLICY = "k.policy_id = ANY($1::int[])"
BY_CUSTOMER = "k.ticket_id IN (SELECT id FROM ticket WHERE customer_id = $1)"
BY_TIER = "k.ticket_id IN (SELECT t.id FROM ticket t JOIN customer c ON c.id = t.customer_id "
BY_TIER += "WHERE c.tier = $1 AND t.status NOT IN ('RESOLVED', 'CLOSED'))"


async def _flag_for_replan(
    conn: BaseDBAsyncClient, where: str, params: list[Any], now: datetime, cache: TermsCache
) -> int:
    """Bank the open clocks ``where`` selects under the terms they ran on (read afresh,
    not from a cache); flag them."""
    terms = await TermsCache(0).get(conn)
    await conn.execute_query(LOCK_TICKETS.format(where=where), params)
    _, rows = await conn.execute_query(OPEN_CLOCKS.format(where=where), params)
    banked = [sla.with_replan_banked(sla.clock_from(dict(r)), terms, now) for r in rows]
    if rows:
        await conn.execute_query(
            FLAG,
            [
                [r["id"] for r in rows],
                [c.elapsed_seconds for c in banked],
                [c.running_since for c in banked],
            ],
        )
    return len(rows)


@dataclass(frozen=True)
class CalendarInput:
    name: str
    time_zone: str
    windows: Mapping[str, Sequence[Sequence[str]]]
    holidays: Sequence[str] = ()


@dataclass(frozen=True)
class PolicyInput:
    name: str
    priority: Priority
    customer_tier: CustomerTier | None = None
    applies: bool = True
    no_sla_reason: str = ""
    first_response_minutes: int | None = None
    resolution_minutes: int | None = None
    calendar_id: int | None = None
    warning_percents: Sequence[float] = (50, 75, 90)
    at_risk_percent: float = 75
    severe_percent: float = 200
    escalation_steps: Sequence[tuple[float, str]] = field(default_factory=tuple)
    escalate_at_risk: bool = False


async def list_calendars(p: Principal) -> list[BusinessCalendar]:
    access.require_staff(p, "read SLA calendars")
    return await BusinessCalendar.all().order_by("id")


async def list_policies(p: Principal) -> list[SlaPolicy]:
    access.require_staff(p, "read SLA policies")
    found = await SlaPolicy.all().order_by("customer_tier", "id")
    return sorted(found, key=lambda policy: PRIORITY_RANK[Priority(policy.priority)])


async def list_multipliers(p: Principal) -> list[SlaTierMultiplier]:
    access.require_staff(p, "read SLA tier multipliers")
    return await SlaTierMultiplier.all().order_by("customer_tier")


def _calendar_values(data: CalendarInput) -> dict[str, Any]:
    name = text_rules.one_line(data.name, "name", "Calendar name", 120)
    calendar = parse_calendar(data.time_zone, data.windows, data.holidays)
    stored = calendar.to_data()
    return {
        "name": name,
        "time_zone": calendar.time_zone,
        "windows": stored["windows"],
        "holidays": stored["holidays"],
    }


async def create_calendar(p: Principal, data: CalendarInput, now: datetime) -> BusinessCalendar:
    access.require_admin(p, "manage SLA calendars")
    values = _calendar_values(data)
    if await BusinessCalendar.exists(name=values["name"]):
        raise Conflict(f"A calendar named {values['name']!r} already exists.", field="name")
    return await BusinessCalendar.create(**values, created_at=now, updated_at=now)


async def update_calendar(
    p: Principal, calendar_id: int, data: CalendarInput, now: datetime, cache: TermsCache = SHARED
) -> BusinessCalendar:
    """Open clocks on this calendar keep the time they spent under the old windows."""
    access.require_admin(p, "manage SLA calendars")
    values = _calendar_values(data)
    async with in_transaction() as conn:
        calendar = (
            await BusinessCalendar.filter(id=calendar_id).select_for_update().using_db(conn).first()
        )
        if calendar is None:
            raise NotFound("No such calendar.", field="calendarId")
        if (
            await BusinessCalendar.filter(name=values["name"])
            .exclude(id=calendar_id)
            .using_db(conn)
            .exists()
        ):
            raise Conflict(f"A calendar named {values['name']!r} already exists.", field="name")
        await _flag_for_replan(conn, "k.calendar_id = $1", [calendar_id], now, cache)
        calendar.update_from_dict({**values, "updated_at": now})
        await calendar.save(using_db=conn)
    cache.forget()
    return calendar


async def delete_calendar(p: Principal, calendar_id: int) -> BusinessCalendar:
    access.require_admin(p, "manage SLA calendars")
    async with in_transaction() as conn:
        calendar = (
            await BusinessCalendar.filter(id=calendar_id).select_for_update().using_db(conn).first()
        )
        if calendar is None:
            raise NotFound("No such calendar.", field="calendarId")
        users = (
            await SlaPolicy.filter(calendar_id=calendar_id)
            .using_db(conn)
            .values_list("name", flat=True)
        )
        if users:
            names = ", ".join(repr(n) for n in users)
            raise Conflict(
                f"Policies {names} use this calendar; change them first.", field="calendarId"
            )
        try:
            await calendar.delete(using_db=conn)
        except IntegrityError:  # a policy took it up meanwhile
            raise Conflict(
                "A policy uses this calendar; change it first.", field="calendarId"
            ) from None
    SHARED.forget()
    return calendar


async def _policy_values(data: PolicyInput) -> dict[str, Any]:
    name = text_rules.one_line(data.name, "name", "Policy name", 120)
    levels = sla_policy.check_levels(
        data.warning_percents,
        data.at_risk_percent,
        data.severe_percent,
        data.escalation_steps,
        data.escalate_at_risk,
    )
    reason = data.no_sla_reason.strip()
    if not data.applies and not reason:
        raise InvalidInput("Say why no SLA applies (noSlaReason).", field="noSlaReason")
    if len(reason) > 300:
        raise InvalidInput("noSlaReason is limited to 300 characters.", field="noSlaReason")
    first = sla_policy.check_minutes(data.first_response_minutes, "firstResponseMinutes")
    resolution = sla_policy.check_minutes(data.resolution_minutes, "resolutionMinutes")
    if data.applies and first is None and resolution is None:
        raise InvalidInput(
            "Give a first-response or resolution target, or set applies to false.",
            field="firstResponseMinutes",
        )
    if data.calendar_id is not None and not await BusinessCalendar.exists(id=data.calendar_id):
        raise NotFound("No such calendar.", field="calendarId")
    return {
        "name": name,
        "priority": data.priority,
        "customer_tier": data.customer_tier,
        "applies": data.applies,
        "no_sla_reason": reason,
        "first_response_minutes": first,
        "resolution_minutes": resolution,
        "calendar_id": data.calendar_id,
        "warning_percents": list(levels.warnings),
        "at_risk_percent": levels.at_risk,
        "severe_percent": levels.severe,
        "escalation_steps": [s.as_dict() for s in levels.steps],
        "escalate_at_risk": levels.escalate_at_risk,
    }


async def _policy_conflict(data: PolicyInput) -> Exception:
    """Which constraint a refused policy write broke: its calendar went, or its scope
    is taken."""
    if data.calendar_id is not None and not await BusinessCalendar.exists(id=data.calendar_id):
        return NotFound("No such calendar.", field="calendarId")
    return Conflict(f"{_scope(data)} already exists.", field="priority")


def _scope(data: PolicyInput) -> str:
    tier = data.customer_tier.value if data.customer_tier else "every tier"
    return f"A policy for {data.priority.value} and {tier}"


async def _replan_scope(
    conn: BaseDBAsyncClient, data: PolicyInput, now: datetime, cache: TermsCache
) -> None:
    """A new or changed policy may now cover tickets another policy covered."""
    policy_ids = [p.id for p in await SlaPolicy.filter(priority=data.priority).using_db(conn)]
    await _flag_for_replan(conn, BY_POLICY, [policy_ids], now, cache)
    await _flag_for_replan(conn, "k.policy_id IS NULL", [], now, cache)


async def create_policy(
    p: Principal, data: PolicyInput, now: datetime, cache: TermsCache = SHARED
) -> SlaPolicy:
    access.require_admin(p, "manage SLA policies")
    values = await _policy_values(data)
    try:
        async with in_transaction() as conn:
            await _replan_scope(conn, data, now, cache)
            policy = await SlaPolicy.create(**values, created_at=now, updated_at=now, using_db=conn)
    except IntegrityError:  # rolled back; now say which constraint it was
        raise await _policy_conflict(data) from None
    cache.forget()
    return policy


async def _locked_policy(conn: BaseDBAsyncClient, policy_id: int) -> SlaPolicy:
    policy = await SlaPolicy.filter(id=policy_id).select_for_update().using_db(conn).first()
    if policy is None:
        raise NotFound("No such SLA policy.", field="policyId")
    return policy


async def update_policy(
    p: Principal, policy_id: int, data: PolicyInput, now: datetime, cache: TermsCache = SHARED
) -> SlaPolicy:
    access.require_admin(p, "manage SLA policies")
    values = await _policy_values(data)
    try:
        async with in_transaction() as conn:
            policy = await _locked_policy(conn, policy_id)
            await _flag_for_replan(conn, BY_POLICY, [[policy_id]], now, cache)
            await _replan_scope(conn, data, now, cache)
            policy.update_from_dict({**values, "updated_at": now})
            await policy.save(using_db=conn)
    except IntegrityError:  # rolled back; now say which constraint it was
        raise await _policy_conflict(data) from None
    cache.forget()
    return policy


async def delete_policy(
    p: Principal, policy_id: int, now: datetime, cache: TermsCache = SHARED
) -> SlaPolicy:
    access.require_admin(p, "manage SLA policies")
    async with in_transaction() as conn:
        policy = await _locked_policy(conn, policy_id)
        await _flag_for_replan(conn, BY_POLICY, [[policy_id]], now, cache)
        await policy.delete(using_db=conn)
    cache.forget()
    return policy


async def set_tier_multiplier(
    p: Principal, tier: CustomerTier, multiplier: float, now: datetime, cache: TermsCache = SHARED
) -> SlaTierMultiplier:
    access.require_admin(p, "manage SLA tier multipliers")
    value = sla_policy.check_multiplier(multiplier)
    async with in_transaction() as conn:
        await _flag_for_replan(conn, BY_TIER, [tier.value], now, cache)
        row, _ = await SlaTierMultiplier.update_or_create(
            defaults={"multiplier": value}, customer_tier=tier, using_db=conn
        )
    cache.forget()
    return row


async def set_customer_tier(
    p: Principal, customer_id: int, tier: CustomerTier, now: datetime, cache: TermsCache = SHARED
) -> Customer:
    """A customer's plan changed: their open tickets' deadlines follow the new tier."""
    access.require_admin(p, "change a customer's tier")
    async with in_transaction() as conn:
        customer = await Customer.filter(id=customer_id).select_for_update().using_db(conn).first()
        if customer is None:
            raise NotFound("No such customer.", field="customerId")
        if customer.tier != tier:
            await _flag_for_replan(conn, BY_CUSTOMER, [customer_id], now, cache)
            customer.tier = tier
            await customer.save(using_db=conn, update_fields=["tier"])
    return customer
