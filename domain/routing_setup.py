"""Admin configuration of routing: rules, category keywords and fallbacks, team overflow.

Every input is checked in full before anything is written, so a bad rule or
setting is refused with a message naming the field and changes nothing.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain import access, routing_rules, text_rules
from domain.access import Principal
from domain.errors import InvalidInput, NotFound
from domain.models import Category, RoutingRule, Team

UNCHANGED: Any = object()
MAX_KEYWORDS = 200


@dataclass(frozen=True)
class RuleInput:
    name: str
    conditions: Mapping[str, Any]
    actions: Mapping[str, Any]
    position: int | None = None
    enabled: bool | None = None
    stop_processing: bool | None = None
    """None (left out): the default when creating, the rule's own when updating."""


async def list_rules(p: Principal) -> list[RoutingRule]:
    access.require_staff(p, "read routing rules")
    return await RoutingRule.all().order_by("position", "id")


async def _checked(data: RuleInput) -> tuple[str, dict[str, Any], dict[str, Any]]:
    name = text_rules.one_line(data.name, "name", "Rule name", 120)
    keys = [c.key for c in await Category.all()]
    teams = [t.id for t in await Team.all()]
    conditions = routing_rules.parse_conditions(data.conditions, keys)
    actions = routing_rules.parse_actions(data.actions, teams)
    if data.position is not None and not 0 <= data.position <= 1_000_000:
        raise InvalidInput("position must be between 0 and 1000000.", field="position")
    return name, conditions.as_json(), actions.as_json()


async def create_rule(p: Principal, data: RuleInput, now: datetime) -> RoutingRule:
    access.require_admin(p, "manage routing rules")
    name, conditions, actions = await _checked(data)
    position = data.position
    if position is None:
        last = await RoutingRule.all().order_by("-position").first()
        position = last.position + 10 if last else 10
    return await RoutingRule.create(
        name=name,
        position=position,
        enabled=True if data.enabled is None else data.enabled,
        stop_processing=bool(data.stop_processing),
        conditions=conditions,
        actions=actions,
        created_at=now,
        updated_at=now,
    )


async def _rule(rule_id: int) -> RoutingRule:
    rule = await RoutingRule.get_or_none(id=rule_id)
    if rule is None:
        raise NotFound("No such routing rule.", field="ruleId")
    return rule


async def update_rule(p: Principal, rule_id: int, data: RuleInput, now: datetime) -> RoutingRule:
    """Replace a rule's name, conditions and actions (sent whole, so checked as a whole);
    its position and flags change only when given."""
    access.require_admin(p, "manage routing rules")
    rule = await _rule(rule_id)
    rule.name, rule.conditions, rule.actions = await _checked(data)
    rule.position = data.position if data.position is not None else rule.position
    if data.enabled is not None:
        rule.enabled = data.enabled
    if data.stop_processing is not None:
        rule.stop_processing = data.stop_processing
    rule.updated_at = now
    await rule.save()
    return rule


async def delete_rule(p: Principal, rule_id: int) -> RoutingRule:
    access.require_admin(p, "manage routing rules")
    rule = await _rule(rule_id)
    await rule.delete()
    return rule


def _keywords(given: list[str]) -> list[str]:
    if len(given) > MAX_KEYWORDS:
        raise InvalidInput(f"At most {MAX_KEYWORDS} keywords per category.", field="keywords")
    cleaned = [text_rules.one_line(k, "keywords", "Keyword", 100).lower() for k in given]
    return list(dict.fromkeys(cleaned))


async def _team_or_none(team_id: int | None, field: str) -> int | None:
    if team_id is not None and not await Team.exists(id=team_id):
        raise NotFound("No such team.", field=field)
    return team_id


async def update_category(
    p: Principal,
    key: str,
    *,
    keywords: list[str] | None = None,
    default_team_id: int | None = UNCHANGED,
    fallback_team_id: int | None = UNCHANGED,
) -> Category:
    """Keywords classify when no model is trained; the fallback team takes tickets
    nobody with the skill picked up within the skill timeout."""
    access.require_admin(p, "manage categories")
    category = await Category.get_or_none(key=text_rules.category_key(key, "key"))
    if category is None:
        raise NotFound("No such category.", field="key")
    if keywords is not None:
        category.keywords = _keywords(keywords)
    if default_team_id is not UNCHANGED:
        category.default_team_id = await _team_or_none(default_team_id, "defaultTeamId")
    if fallback_team_id is not UNCHANGED:
        category.fallback_team_id = await _team_or_none(fallback_team_id, "fallbackTeamId")
    # checked when either team changes: a keywords edit of an older category goes through
    teams_given = default_team_id is not UNCHANGED or fallback_team_id is not UNCHANGED
    if (
        teams_given
        and category.fallback_team_id is not None
        and category.fallback_team_id == category.default_team_id
    ):
        raise InvalidInput(
            "The fallback team must differ from the default team: a ticket nobody there "
            "took would have nowhere else to go.",
            field="fallbackTeamId",
        )
    # only these columns: resolutions update the handle-time columns concurrently
    await category.save(update_fields=["keywords", "default_team_id", "fallback_team_id"])
    return category


async def update_team_overflow(
    p: Principal, team_id: int, threshold: int | None, overflow_team_id: int | None
) -> Team:
    """Set (or, with nulls, clear) where new tickets go when this team's queue is too deep."""
    access.require_admin(p, "manage teams")
    team = await Team.get_or_none(id=team_id)
    if team is None:
        raise NotFound("No such team.", field="teamId")
    if (threshold is None) != (overflow_team_id is None):
        raise InvalidInput(
            "Give both overflowThreshold and overflowTeamId, or neither to turn overflow off.",
            field="overflowThreshold",
        )
    if threshold is not None and not 0 <= threshold <= 100_000:
        raise InvalidInput("overflowThreshold must be 0 to 100000.", field="overflowThreshold")
    if overflow_team_id == team.id:
        raise InvalidInput("A team cannot overflow into itself.", field="overflowTeamId")
    if overflow_team_id is not None:
        target = await Team.get_or_none(id=overflow_team_id)
        if target is None:
            raise NotFound("No such team.", field="overflowTeamId")
        if target.tier < team.tier:  # L1 < L2 < L3, as strings too
            raise InvalidInput(
                f"Overflow goes up a tier, not down: {team.name} is {team.tier}, "
                f"{target.name} is {target.tier}.",
                field="overflowTeamId",
            )
    team.overflow_team_id = overflow_team_id
    team.overflow_threshold = threshold
    await team.save(update_fields=["overflow_team_id", "overflow_threshold"])
    return team
