"""The domain's closed vocabularies, exposed as GraphQL enums.

``strawberry.enum`` registers each domain enum as it is (it returns the same
class), so resolvers pass domain values straight through and type checkers see
one type, not two.
"""

import strawberry

from domain.enums import (
    Channel,
    CustomerTier,
    Priority,
    Role,
    SenderType,
    SupportTier,
    TicketStatus,
)

for _enum in (Channel, CustomerTier, Priority, Role, SenderType, SupportTier, TicketStatus):
    strawberry.enum(_enum)

__all__ = [
    "Channel",
    "CustomerTier",
    "Priority",
    "Role",
    "SenderType",
    "SupportTier",
    "TicketStatus",
]
