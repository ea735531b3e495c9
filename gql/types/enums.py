"""The domain's closed vocabularies, exposed as GraphQL enums."""

import strawberry

from domain import enums

CustomerTier = strawberry.enum(enums.CustomerTier)
SupportTier = strawberry.enum(enums.SupportTier)
Priority = strawberry.enum(enums.Priority)
TicketStatus = strawberry.enum(enums.TicketStatus)
Channel = strawberry.enum(enums.Channel)
SenderType = strawberry.enum(enums.SenderType)
Role = strawberry.enum(enums.Role)
