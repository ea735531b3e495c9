"""Routing rules: validation refuses bad rules clearly; evaluation applies them in order."""

import pytest

from domain.enums import Channel, CustomerTier, Priority, SupportTier
from domain.errors import InvalidInput
from domain.routing_rules import Facts, Rule, evaluate, parse_actions, parse_conditions

KEYS = ["TECHNICAL", "BILLING"]


def rule(
    rule_id: int, conditions: dict[str, object], actions: dict[str, object], **kw: bool
) -> Rule:
    return Rule(
        rule_id,
        f"rule {rule_id}",
        parse_conditions(conditions, KEYS),
        parse_actions(actions, [1, 2, 3]),
        kw.get("stop", False),
    )


def facts(**kw: object) -> Facts:
    base: dict[str, object] = {
        "category_key": "TECHNICAL",
        "priority": Priority.MEDIUM,
        "priority_locked": False,
        "customer_tier": CustomerTier.BUSINESS,
        "vip": False,
        "channel": Channel.API,
        "tags": (),
        "text": "The API returns 500 since this morning",
    }
    return Facts(**{**base, **kw})  # type: ignore[arg-type]


def test_urgent_technical_goes_to_a_senior_engineer() -> None:
    rules = [
        rule(
            1,
            {"priorities": ["URGENT"], "categories": ["technical"]},
            {"require_senior": True, "support_tier": "L2", "team_id": 2},
        )
    ]
    plan = evaluate(rules, facts(priority=Priority.URGENT))
    assert (plan.team_id, plan.support_tier, plan.requires_senior) == (2, SupportTier.L2, True)
    assert plan.applied == ((1, "rule 1"),)
    assert evaluate(rules, facts()).applied == ()


def test_a_rule_sees_what_earlier_rules_changed() -> None:
    rules = [
        rule(
            1, {"customer_tiers": ["ENTERPRISE"]}, {"set_priority": "URGENT", "add_tags": ["ent"]}
        ),
        rule(2, {"priorities": ["URGENT"], "tags": ["ent"]}, {"require_senior": True}),
    ]
    plan = evaluate(rules, facts(customer_tier=CustomerTier.ENTERPRISE))
    assert (plan.priority, plan.tags, plan.requires_senior) == (Priority.URGENT, ("ent",), True)
    assert plan.priority_rule == "rule 1"  # the one that set it, not every rule that held


def test_an_agents_priority_is_never_overwritten() -> None:
    rules = [rule(1, {"vip": True}, {"set_priority": "LOW"})]
    assert evaluate(rules, facts(vip=True, priority_locked=True)).priority is None


def test_stop_processing_ends_evaluation_and_later_rules_override_earlier() -> None:
    rules = [
        rule(1, {"keywords": ["500"]}, {"team_id": 1}),
        rule(2, {"channels": ["API"]}, {"team_id": 2}, stop=True),
        rule(3, {"channels": ["API"]}, {"team_id": 3}),
    ]
    plan = evaluate(rules, facts())
    assert plan.team_id == 2
    assert [a[0] for a in plan.applied] == [1, 2]


def test_keywords_match_whole_words_only() -> None:
    rules = [rule(1, {"keywords": ["api"]}, {"add_tags": ["api"]})]
    assert evaluate(rules, facts(text="The rapid growth")).applied == ()
    assert evaluate(rules, facts(text="the API fails")).tags == ("api",)


@pytest.mark.parametrize(
    ("conditions", "actions", "field"),
    [
        ({}, {"team_id": 1}, "conditions"),
        ({"categories": ["NOPE"]}, {"team_id": 1}, "conditions.categories"),
        ({"priorities": ["SUPER"]}, {"team_id": 1}, "conditions.priorities"),
        ({"vip": "yes"}, {"team_id": 1}, "conditions.vip"),
        ({"keywords": "refund"}, {"team_id": 1}, "conditions.keywords"),
        ({"keywords": [""]}, {"team_id": 1}, "conditions.keywords"),
        ({"vip": True}, {}, "actions"),
        ({"vip": True}, {"team_id": 99}, "actions.teamId"),
        ({"vip": True}, {"support_tier": "L9"}, "actions.supportTier"),
        ({"vip": True}, {"set_priority": "SOON"}, "actions.setPriority"),
        ({"vip": True}, {"set_priority": 3}, "actions.setPriority"),
        ({"vip": True}, {"require_senior": "sure"}, "actions.requireSenior"),
    ],
)
def test_bad_rules_are_refused_naming_the_field(
    conditions: dict[str, object], actions: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        rule(1, conditions, actions)
    assert refused.value.field == field


def test_a_refused_value_is_told_the_values_allowed() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_actions({"set_priority": "SOON"}, [1])
    assert "LOW, MEDIUM, HIGH, URGENT" in refused.value.message
    with pytest.raises(InvalidInput) as refused:
        parse_conditions({"customer_tiers": ["GOLD"]}, KEYS)
    assert "ENTERPRISE, BUSINESS" in refused.value.message


def test_named_values_are_taken_in_any_case_as_category_keys_are() -> None:
    conditions = parse_conditions(
        {"priorities": ["urgent"], "customer_tiers": ["Enterprise"], "channels": ["email"]}, KEYS
    )
    assert conditions.priorities == (Priority.URGENT,)
    assert conditions.customer_tiers == (CustomerTier.ENTERPRISE,)
    assert conditions.channels == (Channel.EMAIL,)
    actions = parse_actions({"support_tier": "l2", "set_priority": "high"}, [1])
    assert (actions.support_tier, actions.set_priority) == (SupportTier.L2, Priority.HIGH)


def test_unknown_keys_are_refused_not_ignored() -> None:
    with pytest.raises(InvalidInput) as typo:
        parse_conditions({"priority": ["URGENT"]}, KEYS)
    assert (typo.value.field, "'priority'" in typo.value.message) == ("conditions", True)
    with pytest.raises(InvalidInput) as camel:
        parse_actions({"teamId": 1}, [1])
    assert camel.value.field == "actions"


def test_a_later_rule_can_lift_the_senior_requirement() -> None:
    rules = [
        rule(1, {"categories": ["TECHNICAL"]}, {"require_senior": True}),
        rule(2, {"keywords": ["500"]}, {"require_senior": False}),
    ]
    assert evaluate(rules, facts()).requires_senior is False
