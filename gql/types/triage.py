"""Why a ticket got its category and priority: what the classifier and rules said."""

from datetime import datetime
from typing import Any

import strawberry
from strawberry import Parent

from domain import models
from gql import ids
from gql.types.enums import Priority


@strawberry.type
class PriorityReason:
    rule: str = strawberry.field(description="e.g. urgent_keyword, vip_customer, default.")
    detail: str
    effect: str = strawberry.field(description="The level it set (URGENT, >=HIGH) or +1.")


@strawberry.type
class AppliedRule:
    id: strawberry.ID
    name: str


def _reasons(raw: list[dict[str, Any]]) -> list[PriorityReason]:
    return [PriorityReason(rule=r["rule"], detail=r["detail"], effect=r["effect"]) for r in raw]


@strawberry.type
class Triage:
    label: str | None = strawberry.field(description="The classifier's label, trusted or not.")
    confidence: float | None
    source: str = strawberry.field(description="MODEL, KEYWORDS, SUBMITTED, AGENT or NONE.")
    model_version: str | None
    threshold: float = strawberry.field(description="Below this confidence, a human triages.")
    triaged_at: datetime
    runs: int

    @strawberry.field
    def priority(root: Parent[models.TriageRecord]) -> Priority:
        return Priority(root.priority)

    @strawberry.field
    def priority_reasons(root: Parent[models.TriageRecord]) -> list[PriorityReason]:
        return _reasons(root.priority_reasons)

    @strawberry.field
    def applied_rules(root: Parent[models.TriageRecord]) -> list[AppliedRule]:
        return [
            AppliedRule(id=strawberry.ID(ids.encode("RoutingRule", r["id"])), name=r["name"])
            for r in root.applied_rules
        ]
