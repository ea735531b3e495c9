"""The SLA terms in force (policies, tier multipliers, calendars), read as one snapshot.

Every ticket change and every triage needs them, and they change rarely, so a
process keeps the snapshot for a couple of seconds; an admin's edit clears this
process's copy at once and reaches the others within ``SECONDS``.
"""

import time
from dataclasses import dataclass
from typing import Any

import orjson
from tortoise.backends.base.client import BaseDBAsyncClient

from domain.enums import CustomerTier, EscalationAction, Priority, SlaTarget
from domain.sla_calendar import ALWAYS_OPEN, BusinessCalendar, Calendar, parse_calendar
from domain.sla_policy import Levels, Policy, Step, Terms, choose

SECONDS = 2.0

SNAPSHOT = """
SELECT
  (SELECT coalesce(json_agg(p ORDER BY p.id), '[]') FROM sla_policy p) AS policies,
  (SELECT coalesce(json_object_agg(customer_tier, multiplier), '{}')
   FROM sla_tier_multiplier) AS multipliers,
  (SELECT coalesce(json_agg(json_build_object('id', id, 'time_zone', time_zone,
       'windows', windows, 'holidays', holidays)), '[]') FROM business_calendar) AS calendars
"""


def levels_from(row: dict[str, Any]) -> Levels:
    steps = tuple(
        Step(float(s["percent"]), EscalationAction(s["action"])) for s in row["escalation_steps"]
    )
    return Levels(
        tuple(float(w) for w in row["warning_percents"]),
        float(row["at_risk_percent"]),
        float(row["severe_percent"]),
        steps,
        bool(row["escalate_at_risk"]),
    )


def policy_from(row: dict[str, Any]) -> Policy:
    tier = row["customer_tier"]
    return Policy(
        id=row["id"],
        name=row["name"],
        priority=Priority(row["priority"]),
        customer_tier=CustomerTier(tier) if tier else None,
        applies=row["applies"],
        no_sla_reason=row["no_sla_reason"],
        first_response_minutes=row["first_response_minutes"],
        resolution_minutes=row["resolution_minutes"],
        calendar_id=row["calendar_id"],
        levels=levels_from(row),
    )


@dataclass(frozen=True)
class SlaTerms:
    policies: tuple[Policy, ...]
    multipliers: dict[CustomerTier, float]
    calendars: dict[int, BusinessCalendar]

    def calendar(self, calendar_id: int | None) -> Calendar:
        """A calendar removed since a clock was planned counts as 24/7 (never refused:
        calendars in use cannot be deleted, so this is only a race)."""
        if calendar_id is None:
            return ALWAYS_OPEN
        return self.calendars.get(calendar_id, ALWAYS_OPEN)

    def terms(self, priority: Priority, tier: CustomerTier, target: SlaTarget) -> Terms:
        return choose(self.policies, self.multipliers, priority, tier, target)

    def policy(self, policy_id: int | None) -> Policy | None:
        return next((p for p in self.policies if p.id == policy_id), None)


def parse(row: dict[str, Any]) -> SlaTerms:
    calendars = {
        c["id"]: parse_calendar(c["time_zone"], c["windows"], c["holidays"])
        for c in orjson.loads(row["calendars"])
    }
    return SlaTerms(
        tuple(policy_from(p) for p in orjson.loads(row["policies"])),
        {CustomerTier(k): float(v) for k, v in orjson.loads(row["multipliers"]).items()},
        calendars,
    )


class TermsCache:
    def __init__(self, seconds: float = SECONDS) -> None:
        self.seconds = seconds
        self._snapshot: SlaTerms | None = None
        self._at = float("-inf")

    async def get(self, conn: BaseDBAsyncClient) -> SlaTerms:
        now = time.monotonic()
        if self._snapshot is not None and now - self._at < self.seconds:
            return self._snapshot
        _, rows = await conn.execute_query(SNAPSHOT)
        self._snapshot, self._at = parse(dict(rows[0])), now
        return self._snapshot

    def forget(self) -> None:
        self._snapshot = None


SHARED = TermsCache()
"""The process's snapshot: ticket commands, triage and the sweep all read it."""
