"""Priority rules: what makes a ticket urgent, as a pure function with its reasons.

The result always carries the reasons that produced it, so an agent can see why
a ticket jumped the queue; the rules are data (``PriorityPolicy``) so a
deployment can tune them without touching code.
"""

import re
from dataclasses import dataclass, field

from domain.enums import CustomerTier, Priority
from domain.ports import TextGuess

LEVELS = (Priority.LOW, Priority.MEDIUM, Priority.HIGH, Priority.URGENT)


def _pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = sorted((re.escape(p.lower()) for p in phrases), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b")


@dataclass(frozen=True)
class PriorityPolicy:
    urgent_keywords: tuple[str, ...] = (
        "urgent",
        "critical",
        "emergency",
        "outage",
        "is down",
        "are down",
        "went down",
        "site down",
        "system down",
        "service down",
        "production down",
        "data loss",
        "security breach",
    )
    high_keywords: tuple[str, ...] = ("asap", "as soon as possible", "immediately", "blocked")
    legal_keywords: tuple[str, ...] = (
        "lawyer",
        "attorney",
        "lawsuit",
        "legal action",
        "sue you",
        "take you to court",
        "solicitor",
    )
    low_keywords: tuple[str, ...] = ("no rush", "when you get a chance", "feature request")
    bump_tiers: tuple[CustomerTier, ...] = (CustomerTier.ENTERPRISE,)
    escalations_for_bump: int = 2
    severity_min_confidence: float = 0.6
    _patterns: dict[str, re.Pattern[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        patterns = {
            "urgent_keyword": _pattern(self.urgent_keywords),
            "high_keyword": _pattern(self.high_keywords),
            "legal_threat": _pattern(self.legal_keywords),
            "low_keyword": _pattern(self.low_keywords),
        }
        object.__setattr__(self, "_patterns", patterns)

    def find(self, rule: str, text: str) -> str | None:
        match = self._patterns[rule].search(text)
        return match.group(0) if match else None


@dataclass(frozen=True)
class PriorityFacts:
    text: str
    customer_tier: CustomerTier
    vip: bool
    recent_escalations: int
    severity: TextGuess | None = None


@dataclass(frozen=True)
class Reason:
    rule: str
    detail: str
    effect: str

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "detail": self.detail, "effect": self.effect}


@dataclass(frozen=True)
class PriorityResult:
    priority: Priority
    reasons: tuple[Reason, ...]


_FLOORS = (
    ("urgent_keyword", Priority.URGENT),
    ("legal_threat", Priority.HIGH),
    ("high_keyword", Priority.HIGH),
)


def _base(facts: PriorityFacts, policy: PriorityPolicy) -> tuple[Priority, list[Reason]]:
    severity = facts.severity
    if (
        severity is not None
        and severity.label in Priority.__members__
        and severity.confidence >= policy.severity_min_confidence
    ):
        detail = f"severity model said {severity.label} ({severity.confidence:.2f})"
        return Priority(severity.label), [Reason("severity_model", detail, severity.label)]
    low = policy.find("low_keyword", facts.text.lower())
    if low is not None:
        return Priority.LOW, [Reason("low_keyword", f"'{low}'", Priority.LOW.value)]
    return Priority.MEDIUM, [Reason("default", "the starting level", Priority.MEDIUM.value)]


def _customer_bumps(facts: PriorityFacts, policy: PriorityPolicy) -> list[Reason]:
    bumps = []
    if facts.vip:
        bumps.append(Reason("vip_customer", "customer is VIP", "+1"))
    if facts.customer_tier in policy.bump_tiers:
        bumps.append(Reason("customer_tier", f"{facts.customer_tier.value} customer", "+1"))
    if facts.recent_escalations >= policy.escalations_for_bump:
        detail = f"{facts.recent_escalations} escalations in the last 30 days"
        bumps.append(Reason("repeat_escalations", detail, "+1"))
    return bumps


def decide(facts: PriorityFacts, policy: PriorityPolicy) -> PriorityResult:
    """Base level (severity model or default), raised by keyword floors, then by one
    level at most for who the customer is (VIP, tier, repeated escalations)."""
    text = facts.text.lower()
    level, reasons = _base(facts, policy)
    for rule, floor in _FLOORS:
        found = policy.find(rule, text)
        if found is not None:
            reasons.append(Reason(rule, f"'{found}'", f">={floor.value}"))
            level = max(level, floor, key=LEVELS.index)
    bumps = _customer_bumps(facts, policy)
    if bumps:
        reasons.extend(bumps)
        level = LEVELS[min(LEVELS.index(level) + 1, len(LEVELS) - 1)]
    return PriorityResult(level, tuple(reasons))
