"""SLA terms in the API: business calendars, policies and tier multipliers, as admins edit them.

Types read straight from the stored rows (``Parent``); the JSON columns (windows,
holidays, warning levels, escalation steps) get small resolvers that give them shape.
"""

from datetime import date, datetime
from typing import cast

import strawberry
from strawberry import Parent

from domain import directory, models
from domain.sla_calendar import parse_calendar
from domain.sla_calendar_parse import DAY_KEYS
from gql.types.common import Node, UserError
from gql.types.directory import Customer
from gql.types.enums import CustomerTier, EscalationAction, Priority
from gql.types.fields import global_id, sourced_from


@strawberry.type(description="One working window, local time HH:MM; the end may be 24:00.")
class TimeWindow:
    start: str
    end: str


@strawberry.type(description="The working windows of one weekday (MON..SUN).")
class DayWindows:
    day: str
    windows: list[TimeWindow]


def _day_order(key: str) -> int:
    return DAY_KEYS.index(key) if key in DAY_KEYS else len(DAY_KEYS)


def _windows(root: Parent[models.BusinessCalendar]) -> list[DayWindows]:
    stored: dict[str, list[list[str]]] = root.windows
    return [
        DayWindows(day=day, windows=[TimeWindow(start=s, end=e) for s, e in stored[day]])
        for day in sorted(stored, key=_day_order)
    ]


def _holidays(root: Parent[models.BusinessCalendar]) -> list[date]:
    return sorted(date.fromisoformat(d) for d in root.holidays)


def _weekly_business_hours(root: Parent[models.BusinessCalendar]) -> float:
    calendar = parse_calendar(root.time_zone, root.windows, root.holidays)
    return calendar.weekly_business_seconds() / 3600


@strawberry.type(description="Working windows per weekday in one time zone, and holidays.")
class BusinessCalendar(Node):
    id: strawberry.ID = global_id("BusinessCalendar")
    name: str
    time_zone: str
    created_at: datetime
    updated_at: datetime
    is_type_of = sourced_from(models.BusinessCalendar)

    windows: list[DayWindows] = strawberry.field(
        resolver=_windows, description="Days with at least one window, Monday first."
    )
    holidays: list[date] = strawberry.field(
        resolver=_holidays, description="Dates on which no business time passes, ascending."
    )
    weekly_business_hours: float = strawberry.field(
        resolver=_weekly_business_hours,
        description="Business hours in a nominal week (no holidays, no clock changes).",
    )


@strawberry.type(description="At `percent` of the target, do `action` (once per period).")
class EscalationStep:
    percent: float
    action: EscalationAction


async def _policy_calendar(root: Parent[models.SlaPolicy]) -> BusinessCalendar | None:
    if root.calendar_id is None:
        return None
    (found,) = await directory.by_ids(models.BusinessCalendar, [root.calendar_id])
    return cast(BusinessCalendar | None, found)


@strawberry.type(
    description="Targets for one priority, for one customer tier or (customerTier null) for "
    "every tier. A tier-specific policy wins; an any-tier policy is scaled by the tier's "
    "multiplier. applies = false is a deliberate 'no SLA' with its reason."
)
class SlaPolicy(Node):
    id: strawberry.ID = global_id("SlaPolicy")
    name: str
    priority: Priority
    customer_tier: CustomerTier | None = strawberry.field(description="Null: every tier.")
    applies: bool
    no_sla_reason: str
    first_response_minutes: int | None = strawberry.field(description="Null: no deadline.")
    resolution_minutes: int | None = strawberry.field(description="Null: no deadline.")
    at_risk_percent: float
    severe_percent: float
    escalate_at_risk: bool
    created_at: datetime
    updated_at: datetime
    is_type_of = sourced_from(models.SlaPolicy)

    @strawberry.field
    def warning_percents(root: Parent[models.SlaPolicy]) -> list[float]:
        return [float(w) for w in root.warning_percents]

    @strawberry.field
    def escalation_steps(root: Parent[models.SlaPolicy]) -> list[EscalationStep]:
        return [
            EscalationStep(percent=float(s["percent"]), action=EscalationAction(s["action"]))
            for s in root.escalation_steps
        ]

    calendar: BusinessCalendar | None = strawberry.field(
        resolver=_policy_calendar,
        description="The business calendar the targets count on; null: 24/7.",
    )


@strawberry.type(description="How much longer (>1) or shorter (<1) a tier's targets are.")
class SlaTierMultiplier:
    customer_tier: CustomerTier
    multiplier: float


@strawberry.input
class TimeWindowInput:
    start: str = strawberry.field(description="HH:MM, local time.")
    end: str = strawberry.field(description="HH:MM after start; 24:00 for midnight.")


@strawberry.input
class DayWindowsInput:
    day: str = strawberry.field(description="MON, TUE, WED, THU, FRI, SAT or SUN.")
    windows: list[TimeWindowInput]


@strawberry.input
class BusinessCalendarInput:
    name: str
    time_zone: str = strawberry.field(description="An IANA name such as 'Europe/London'.")
    windows: list[DayWindowsInput]
    holidays: list[str] = strawberry.field(default_factory=list, description="Dates YYYY-MM-DD.")


@strawberry.input
class EscalationStepInput:
    percent: float = strawberry.field(description="Share of the target: more than 0, below 1000.")
    action: EscalationAction


@strawberry.input
class SlaPolicyInput:
    name: str
    priority: Priority
    customer_tier: CustomerTier | None = strawberry.field(
        default=None, description="Null: every tier."
    )
    applies: bool = True
    no_sla_reason: str = strawberry.field(default="", description="Required when not applies.")
    first_response_minutes: int | None = None
    resolution_minutes: int | None = None
    calendar_id: strawberry.ID | None = strawberry.field(default=None, description="Null: 24/7.")
    warning_percents: list[float] = strawberry.field(default_factory=lambda: [50.0, 75.0, 90.0])
    at_risk_percent: float = 75
    severe_percent: float = 200
    escalation_steps: list[EscalationStepInput] = strawberry.field(default_factory=list)
    escalate_at_risk: bool = False


@strawberry.input
class UpdateBusinessCalendarInput:
    calendar_id: strawberry.ID
    calendar: BusinessCalendarInput


@strawberry.input
class DeleteBusinessCalendarInput:
    calendar_id: strawberry.ID


@strawberry.input
class UpdateSlaPolicyInput:
    policy_id: strawberry.ID
    policy: SlaPolicyInput


@strawberry.input
class DeleteSlaPolicyInput:
    policy_id: strawberry.ID


@strawberry.input
class SetSlaTierMultiplierInput:
    customer_tier: CustomerTier
    multiplier: float


@strawberry.input
class SetCustomerTierInput:
    customer_id: strawberry.ID
    tier: CustomerTier


@strawberry.type
class BusinessCalendarPayload:
    calendar: BusinessCalendar | None
    user_errors: list[UserError]


@strawberry.type
class SlaPolicyPayload:
    policy: SlaPolicy | None
    user_errors: list[UserError]


@strawberry.type
class SlaTierMultiplierPayload:
    tier_multiplier: SlaTierMultiplier | None
    user_errors: list[UserError]


@strawberry.type
class CustomerPayload:
    customer: Customer | None
    user_errors: list[UserError]
