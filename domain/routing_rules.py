"""Routing rules: ordered, admin-edited "when these hold, do that" before agent scoring.

Stored as JSON, but only ever written after ``parse_conditions`` and
``parse_actions`` accepted them, so a bad rule is refused with a message naming
the field instead of failing later inside a worker. Evaluation is pure.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, TypeVar

from domain.enums import Channel, CustomerTier, Priority, SupportTier
from domain.errors import InvalidInput

MAX_VALUES = 50
MAX_KEYWORD = 100
E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True)
class Conditions:
    """Every given condition must hold; an empty list or None means "any"."""

    categories: tuple[str, ...] = ()
    priorities: tuple[Priority, ...] = ()
    customer_tiers: tuple[CustomerTier, ...] = ()
    vip: bool | None = None
    channels: tuple[Channel, ...] = ()
    tags: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "categories": list(self.categories),
            "priorities": [p.value for p in self.priorities],
            "customer_tiers": [t.value for t in self.customer_tiers],
            "vip": self.vip,
            "channels": [c.value for c in self.channels],
            "tags": list(self.tags),
            "keywords": list(self.keywords),
        }

    @property
    def is_empty(self) -> bool:
        return self == Conditions()


@dataclass(frozen=True)
class Actions:
    team_id: int | None = None
    support_tier: SupportTier | None = None
    require_senior: bool | None = None
    add_tags: tuple[str, ...] = ()
    set_priority: Priority | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "team_id": self.team_id,
            "support_tier": self.support_tier.value if self.support_tier else None,
            "require_senior": self.require_senior,
            "add_tags": list(self.add_tags),
            "set_priority": self.set_priority.value if self.set_priority else None,
        }

    @property
    def is_empty(self) -> bool:
        return self == Actions()


@dataclass(frozen=True)
class Rule:
    id: int
    name: str
    conditions: Conditions
    actions: Actions
    stop_processing: bool = False


@dataclass(frozen=True)
class Facts:
    """What rules can look at; ``text`` is subject and description."""

    category_key: str | None
    priority: Priority
    priority_locked: bool
    customer_tier: CustomerTier
    vip: bool
    channel: Channel
    tags: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Plan:
    """What the rules decided; None means "not decided by a rule"."""

    team_id: int | None = None
    support_tier: SupportTier | None = None
    requires_senior: bool = False
    priority: Priority | None = None
    priority_rule: str | None = None
    """The name of the rule whose priority stands (the last to set one)."""
    tags: tuple[str, ...] = ()
    applied: tuple[tuple[int, str], ...] = field(default=())


def _values(
    raw: Mapping[str, Any], key: str, parse: Any, field_name: str, allowed: str = ""
) -> tuple[Any, ...]:
    given = raw.get(key) or []
    if not isinstance(given, list | tuple) or len(given) > MAX_VALUES:
        raise InvalidInput(
            f"{field_name} must be a list of at most {MAX_VALUES}.", field=field_name
        )
    try:
        return tuple(dict.fromkeys(parse(v) for v in given))
    except (ValueError, TypeError):
        expected = f"must be one of {allowed}" if allowed else "holds a value that is not allowed"
        raise InvalidInput(f"{field_name} {expected}.", field=field_name) from None


def _named(enum: type[E], value: object) -> E:
    """A named value in any case ("urgent", "Urgent"), as category keys are taken."""
    if not isinstance(value, str):
        raise ValueError(value)
    return enum(value.strip().upper())


def _enum_values(raw: Mapping[str, Any], key: str, enum: type[E], field_name: str) -> tuple[E, ...]:
    return _values(raw, key, lambda v: _named(enum, v), field_name, ", ".join(enum))


def _one(raw: Mapping[str, Any], key: str, enum: type[E], field_name: str) -> E | None:
    value = raw.get(key)
    if value is None or value == "":
        return None
    return _enum_values({key: [value]}, key, enum, field_name)[0]


def _keyword(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_KEYWORD:
        raise ValueError(value)
    return value.strip().lower()


def _key(value: object) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9_]{1,40}", value.strip()):
        raise ValueError(value)
    return value.strip().upper()


def _flag(raw: Mapping[str, Any], key: str, field_name: str) -> bool | None:
    value = raw.get(key)
    if value is not None and not isinstance(value, bool):
        raise InvalidInput(f"{field_name} must be true, false or null.", field=field_name)
    return value


CONDITION_KEYS = frozenset(
    {"categories", "priorities", "customer_tiers", "vip", "channels", "tags", "keywords"}
)
ACTION_KEYS = frozenset({"team_id", "support_tier", "require_senior", "add_tags", "set_priority"})


def _only_known(raw: Mapping[str, Any], known: frozenset[str], field_name: str) -> None:
    unknown = sorted(set(raw) - known)
    if unknown:
        message = f"Unknown key {unknown[0]!r} in {field_name}; use {', '.join(sorted(known))}."
        raise InvalidInput(message, field=field_name)


def parse_conditions(raw: Mapping[str, Any], categories: Iterable[str]) -> Conditions:
    _only_known(raw, CONDITION_KEYS, "conditions")
    known = set(categories)
    parsed = Conditions(
        categories=_values(raw, "categories", _key, "conditions.categories"),
        priorities=_enum_values(raw, "priorities", Priority, "conditions.priorities"),
        customer_tiers=_enum_values(
            raw, "customer_tiers", CustomerTier, "conditions.customerTiers"
        ),
        vip=_flag(raw, "vip", "conditions.vip"),
        channels=_enum_values(raw, "channels", Channel, "conditions.channels"),
        tags=_values(raw, "tags", _keyword, "conditions.tags"),
        keywords=_values(raw, "keywords", _keyword, "conditions.keywords"),
    )
    unknown = [c for c in parsed.categories if c not in known]
    if unknown:
        raise InvalidInput(f"There is no category {unknown[0]!r}.", field="conditions.categories")
    if parsed.is_empty:
        raise InvalidInput(
            "A rule needs at least one condition (a rule for everything would hide the others).",
            field="conditions",
        )
    return parsed


def parse_actions(raw: Mapping[str, Any], team_ids: Iterable[int]) -> Actions:
    _only_known(raw, ACTION_KEYS, "actions")
    team_id = raw.get("team_id")
    if team_id is not None and (isinstance(team_id, bool) or team_id not in set(team_ids)):
        raise InvalidInput("No such team.", field="actions.teamId")
    parsed = Actions(
        team_id=team_id,
        support_tier=_one(raw, "support_tier", SupportTier, "actions.supportTier"),
        require_senior=_flag(raw, "require_senior", "actions.requireSenior"),
        add_tags=_values(raw, "add_tags", _keyword, "actions.addTags"),
        set_priority=_one(raw, "set_priority", Priority, "actions.setPriority"),
    )
    if parsed.is_empty:
        raise InvalidInput("A rule needs at least one action.", field="actions")
    return parsed


def _mentions(text: str, keywords: tuple[str, ...]) -> bool:
    """Any keyword (stored lower-case) as a whole word; a substring test first, since
    most rules' keywords are not in a ticket at all and it costs far less than a scan."""
    lowered = text.lower()
    return any(k in lowered and re.search(rf"\b{re.escape(k)}\b", lowered) for k in keywords)


def _matches(c: Conditions, f: Facts) -> bool:
    return (
        (not c.categories or f.category_key in c.categories)
        and (not c.priorities or f.priority in c.priorities)
        and (not c.customer_tiers or f.customer_tier in c.customer_tiers)
        and (c.vip is None or f.vip == c.vip)
        and (not c.channels or f.channel in c.channels)
        and (not c.tags or any(t in f.tags for t in c.tags))
        and (not c.keywords or _mentions(f.text, c.keywords))
    )


def evaluate(rules: Sequence[Rule], facts: Facts) -> Plan:
    """Apply matching rules in order; a later rule overrides an earlier one's choice.

    A rule's new priority or tags are visible to the rules after it, so "set
    URGENT" followed by "URGENT and TECHNICAL -> senior" works as written. An
    agent's explicit priority is never overwritten.
    """
    plan = Plan()
    for rule in rules:
        if not _matches(rule.conditions, facts):
            continue
        a = rule.actions
        tags = tuple(dict.fromkeys((*plan.tags, *a.add_tags)))
        priority = a.set_priority if a.set_priority and not facts.priority_locked else None
        plan = replace(
            plan,
            team_id=a.team_id if a.team_id is not None else plan.team_id,
            support_tier=a.support_tier or plan.support_tier,
            requires_senior=(
                a.require_senior if a.require_senior is not None else plan.requires_senior
            ),
            priority=priority or plan.priority,
            priority_rule=rule.name if priority else plan.priority_rule,
            tags=tags,
            applied=(*plan.applied, (rule.id, rule.name)),
        )
        facts = replace(
            facts,
            priority=plan.priority or facts.priority,
            tags=tuple(dict.fromkeys((*facts.tags, *a.add_tags))),
        )
        if rule.stop_processing:
            break
    return plan
