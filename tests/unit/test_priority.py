"""Priority rules: keyword floors, customer bumps (one level at most), severity model."""

import pytest

from domain.enums import CustomerTier, Priority
from domain.ports import TextGuess
from domain.priority import PriorityFacts, PriorityPolicy, decide

POLICY = PriorityPolicy()


def facts(text: str, **kw: object) -> PriorityFacts:
    base: dict[str, object] = {
        "text": text,
        "customer_tier": CustomerTier.BUSINESS,
        "vip": False,
        "recent_escalations": 0,
    }
    return PriorityFacts(**{**base, **kw})  # type: ignore[arg-type]


def rules(text: str, **kw: object) -> list[str]:
    return [r.rule for r in decide(facts(text, **kw), POLICY).reasons]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("How do I change my avatar?", Priority.MEDIUM),
        ("URGENT: payments failing", Priority.URGENT),
        ("Our site is down for everyone", Priority.URGENT),
        ("Major outage in EU region", Priority.URGENT),
        ("Please fix this ASAP", Priority.HIGH),
        ("My lawyer will be in touch about this", Priority.HIGH),
        ("Feature request: dark mode, no rush", Priority.LOW),
        ("I want to download my invoices", Priority.MEDIUM),  # 'down' inside a word
        ("Slow down the emails please", Priority.MEDIUM),  # 'down' without an outage
    ],
)
def test_keywords_set_the_level(text: str, expected: Priority) -> None:
    assert decide(facts(text), POLICY).priority == expected


def test_every_result_says_why() -> None:
    result = decide(facts("Critical: checkout is down", vip=True), POLICY)
    assert result.priority == Priority.URGENT
    assert [(r.rule, r.effect) for r in result.reasons] == [
        ("default", "MEDIUM"),
        ("urgent_keyword", ">=URGENT"),
        ("vip_customer", "+1"),
    ]
    assert result.reasons[1].detail == "'critical'"


def test_customer_facts_raise_one_level_together_not_each() -> None:
    result = decide(
        facts(
            "Where is my invoice?",
            vip=True,
            customer_tier=CustomerTier.ENTERPRISE,
            recent_escalations=2,
        ),
        POLICY,
    )
    assert result.priority == Priority.HIGH
    assert [r.rule for r in result.reasons][1:] == [
        "vip_customer",
        "customer_tier",
        "repeat_escalations",
    ]


def test_one_escalation_is_not_a_pattern() -> None:
    assert rules("Where is my invoice?", recent_escalations=1) == ["default"]


def test_a_confident_severity_model_sets_the_base_and_keywords_still_raise_it() -> None:
    sure = TextGuess("HIGH", 0.9)
    unsure = TextGuess("URGENT", 0.3)
    assert decide(facts("Invoice wrong", severity=sure), POLICY).priority == Priority.HIGH
    assert decide(facts("Invoice wrong", severity=unsure), POLICY).priority == Priority.MEDIUM
    assert decide(facts("outage!", severity=sure), POLICY).priority == Priority.URGENT


def test_the_policy_is_data() -> None:
    custom = PriorityPolicy(urgent_keywords=("sev1",), bump_tiers=())
    enterprise = facts("sev1 incident", customer_tier=CustomerTier.ENTERPRISE)
    assert decide(enterprise, custom).priority == Priority.URGENT
    assert decide(facts("critical"), custom).priority == Priority.MEDIUM


def test_low_keywords_match_whatever_the_case() -> None:
    assert decide(facts("No rush: Feature Request for exports"), POLICY).priority == Priority.LOW
