"""The domain's closed vocabularies, exposed as GraphQL enums.

``strawberry.enum`` registers each domain enum as it is (it returns the same
class), so resolvers pass domain values straight through and type checkers see
one type, not two.
"""

import strawberry

from domain.enums import (
    CategorySource,
    Channel,
    CustomerTier,
    EscalationAction,
    EscalationReason,
    Priority,
    Role,
    RoutingState,
    SenderType,
    SlaStatus,
    SlaTarget,
    SupportTier,
    TicketStatus,
    TriageStatus,
)

for _enum in (
    CategorySource,
    Channel,
    CustomerTier,
    EscalationAction,
    EscalationReason,
    Priority,
    Role,
    RoutingState,
    SenderType,
    SlaStatus,
    SlaTarget,
    SupportTier,
    TicketStatus,
    TriageStatus,
):
    strawberry.enum(_enum)

__all__ = [
    "CategorySource",
    "Channel",
    "CustomerTier",
    "EscalationAction",
    "EscalationReason",
    "Priority",
    "Role",
    "RoutingState",
    "SenderType",
    "SlaStatus",
    "SlaTarget",
    "SupportTier",
    "TicketStatus",
    "TriageStatus",
]
