"""Which SLA terms a ticket gets, and whether an admin's policy makes sense. Pure.

A policy row names a priority and either one customer tier or every tier. The
tier-specific row wins; otherwise the any-tier row's minutes are scaled by the
tier's multiplier (enterprise faster, free slower). "No SLA" is explicit: a
policy that does not apply, or no policy at all, gives terms without a target
and a reason a person can read.
"""

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from domain.enums import CustomerTier, EscalationAction, Priority, SlaTarget
from domain.errors import InvalidInput

BREACH = 100.0
MAX_MINUTES = 60 * 24 * 365


@dataclass(frozen=True, slots=True)
class Step:
    """One escalation-chain step: at ``percent`` of the target, do ``action``."""

    percent: float
    action: EscalationAction

    def as_dict(self) -> dict[str, object]:
        return {"percent": self.percent, "action": self.action.value}


@dataclass(frozen=True, slots=True)
class Levels:
    """The shares of a target at which something happens, each once per period."""

    warnings: tuple[float, ...] = (50.0, 75.0, 90.0)
    at_risk: float = 75.0
    severe: float = 200.0
    steps: tuple[Step, ...] = ()
    escalate_at_risk: bool = False

    def checkpoints(self) -> tuple[float, ...]:
        """Every level the sweep must notice, ascending."""
        return _checkpoints(self)


@functools.lru_cache(maxsize=256)
def _checkpoints(levels: Levels) -> tuple[float, ...]:
    """Computed once per distinct set of levels: every clock planned asks for them."""
    found = {*levels.warnings, levels.at_risk, BREACH, levels.severe}
    found.update(s.percent for s in levels.steps)
    return tuple(sorted(found))


@dataclass(frozen=True, slots=True)
class Policy:
    """A policy as stored (``SlaPolicy``), as plain data."""

    id: int
    name: str
    priority: Priority
    customer_tier: CustomerTier | None
    applies: bool = True
    no_sla_reason: str = ""
    first_response_minutes: int | None = None
    resolution_minutes: int | None = None
    calendar_id: int | None = None
    levels: Levels = field(default_factory=Levels)

    def minutes(self, target: SlaTarget) -> int | None:
        if target == SlaTarget.FIRST_RESPONSE:
            return self.first_response_minutes
        return self.resolution_minutes


@dataclass(frozen=True, slots=True)
class Terms:
    """What one target of one ticket promises: ``seconds`` of business time on
    ``calendar_id`` (None: 24/7), or no deadline at all, with ``note`` saying why."""

    seconds: int | None
    policy_id: int | None = None
    calendar_id: int | None = None
    note: str = ""
    levels: Levels = field(default_factory=Levels)


def choose(
    policies: Sequence[Policy],
    multipliers: Mapping[CustomerTier, float],
    priority: Priority,
    tier: CustomerTier,
    target: SlaTarget,
) -> Terms:
    exact = next((p for p in policies if p.priority == priority and p.customer_tier == tier), None)
    general = next(
        (p for p in policies if p.priority == priority and p.customer_tier is None), None
    )
    policy = exact or general
    if policy is None:
        return Terms(None, note=f"No SLA policy covers {priority.value} tickets.")
    if not policy.applies:
        reason = policy.no_sla_reason or f"Policy {policy.name!r} sets no SLA."
        return Terms(None, policy.id, note=reason)
    minutes = policy.minutes(target)
    if minutes is None:
        name = target.value.replace("_", " ").lower()
        return Terms(None, policy.id, note=f"Policy {policy.name!r} sets no {name} target.")
    scale = 1.0 if exact is not None else multipliers.get(tier, 1.0)
    seconds = max(60, round(minutes * 60 * scale))
    return Terms(seconds, policy.id, policy.calendar_id, "", policy.levels)


def _percent(value: float, name: str, low: float, high: float) -> float:
    if not low < value < high:
        raise InvalidInput(f"{name} must be more than {low:g} and less than {high:g}.", field=name)
    return float(value)


def check_levels(
    warnings: Sequence[float],
    at_risk: float,
    severe: float,
    steps: Sequence[tuple[float, str]],
    escalate_at_risk: bool,
) -> Levels:
    """Refuse levels that cannot work; return them in canonical form."""
    if len(warnings) > 10:
        raise InvalidInput("At most 10 warning levels.", field="warningPercents")
    ws = tuple(sorted({_percent(w, "warningPercents", 0, BREACH) for w in warnings}))
    if len(ws) != len(warnings):
        raise InvalidInput("Warning levels must differ from each other.", field="warningPercents")
    risk = _percent(at_risk, "atRiskPercent", 0, BREACH)
    bad = _percent(severe, "severePercent", BREACH, 1000)
    if len(steps) > 20:
        raise InvalidInput("At most 20 escalation steps.", field="escalationSteps")
    parsed: list[Step] = []
    for percent, action in steps:
        try:
            kind = EscalationAction(action)
        except ValueError:
            names = ", ".join(a.value for a in EscalationAction)
            message = f"Unknown escalation action {action!r}; use one of {names}."
            raise InvalidInput(message, field="escalationSteps") from None
        step = Step(_percent(percent, "escalationSteps", 0, 1000), kind)
        if step in parsed:
            message = f"The step {kind.value} at {percent:g}% is listed twice."
            raise InvalidInput(message, field="escalationSteps")
        parsed.append(step)
    parsed.sort(key=lambda s: (s.percent, s.action.value))
    return Levels(ws, risk, bad, tuple(parsed), escalate_at_risk)


def check_minutes(value: int | None, name: str) -> int | None:
    if value is not None and not 0 < value <= MAX_MINUTES:
        message = f"{name} must be between 1 and {MAX_MINUTES} minutes (one year)."
        raise InvalidInput(message, field=name)
    return value


def check_multiplier(value: float) -> float:
    if not 0.05 <= value <= 20:
        raise InvalidInput("A tier multiplier must be between 0.05 and 20.", field="multiplier")
    return float(value)
