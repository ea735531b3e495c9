"""The schema as a table of contents: one line per root field, grouped by capability."""

import logging
from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from gql import direct_fields
from gql.errors import MaskedErrors
from gql.execution import FrontdeskExecutionContext
from gql.operation_name import RequireOperationName
from gql.types.common import Node
from gql.types.directory import (
    Agent,
    AgentConnection,
    AgentPayload,
    Category,
    CategoryPayload,
    Customer,
    CustomerConnection,
    Team,
    TeamPayload,
    Viewer,
)
from gql.types.live import TicketUpdate
from gql.types.live_queue import QueueUpdate
from gql.types.queues import QueueEntry
from gql.types.routing import RoutingRule, RoutingRulePayload
from gql.types.sla import EscalationPayload
from gql.types.sla_setup import (
    BusinessCalendar,
    BusinessCalendarPayload,
    CustomerPayload,
    SlaPolicy,
    SlaPolicyPayload,
    SlaTierMultiplier,
    SlaTierMultiplierPayload,
)
from gql.types.tickets import AddMessagePayload, Message, Ticket, TicketConnection, TicketPayload
from gql.types.workload import WorkloadUpdate
from resolvers import directory, live, live_queue, live_workload, routing, sla, tickets, triage
from resolvers import sla_setup as sla_admin

log = logging.getLogger("frontdesk.graphql.requests")

# Built once: the validation cache keys on the rule classes, and these limiters
# make a new class per instance, which made every request a cache miss.
LIMIT_RULES = [
    *QueryDepthLimiter(max_depth=12).validation_rules,
    *MaxAliasesLimiter(max_alias_count=30).validation_rules,
]


@strawberry.type
class Query:
    # viewer and lookup
    me: Viewer = strawberry.field(resolver=directory.me)
    node: Node | None = strawberry.field(resolver=directory.node)
    # tickets
    ticket: Ticket | None = strawberry.field(resolver=tickets.ticket)
    tickets: TicketConnection = strawberry.field(resolver=tickets.tickets_page)
    # directory
    agents: AgentConnection = strawberry.field(resolver=directory.agents)
    customers: CustomerConnection = strawberry.field(resolver=directory.customers)
    teams: list[Team] = strawberry.field(resolver=directory.teams)
    categories: list[Category] = strawberry.field(resolver=directory.categories)
    # intake: queues and routing
    queue: list[QueueEntry] = strawberry.field(resolver=routing.queue)
    triage_queue: list[Ticket] = strawberry.field(resolver=triage.triage_queue)
    routing_rules: list[RoutingRule] = strawberry.field(resolver=routing.routing_rules)
    # SLA setup: calendars, policies, tier multipliers
    business_calendars: list[BusinessCalendar] = strawberry.field(
        resolver=sla_admin.business_calendars
    )
    sla_policies: list[SlaPolicy] = strawberry.field(resolver=sla_admin.sla_policies)
    sla_tier_multipliers: list[SlaTierMultiplier] = strawberry.field(
        resolver=sla_admin.sla_tier_multipliers
    )


@strawberry.type
class Mutation:
    # tickets
    create_ticket: TicketPayload = strawberry.mutation(resolver=tickets.create_ticket)
    add_message: AddMessagePayload = strawberry.mutation(resolver=tickets.add_message)
    change_ticket_status: TicketPayload = strawberry.mutation(resolver=tickets.change_ticket_status)
    assign_ticket: TicketPayload = strawberry.mutation(resolver=tickets.assign_ticket)
    update_ticket: TicketPayload = strawberry.mutation(resolver=tickets.update_ticket)
    # directory (agents' own availability; the rest is for admins)
    set_agent_availability: AgentPayload = strawberry.mutation(
        resolver=directory.set_agent_availability
    )
    create_agent: AgentPayload = strawberry.mutation(resolver=directory.create_agent)
    create_team: TeamPayload = strawberry.mutation(resolver=directory.create_team)
    create_category: CategoryPayload = strawberry.mutation(resolver=directory.create_category)
    update_agent: AgentPayload = strawberry.mutation(resolver=routing.update_agent)
    # intake: triage and routing setup
    retriage_ticket: TicketPayload = strawberry.mutation(resolver=triage.retriage_ticket)
    correct_ticket_category: TicketPayload = strawberry.mutation(
        resolver=triage.correct_ticket_category
    )
    create_routing_rule: RoutingRulePayload = strawberry.mutation(
        resolver=routing.create_routing_rule
    )
    update_routing_rule: RoutingRulePayload = strawberry.mutation(
        resolver=routing.update_routing_rule
    )
    delete_routing_rule: RoutingRulePayload = strawberry.mutation(
        resolver=routing.delete_routing_rule
    )
    update_category_routing: CategoryPayload = strawberry.mutation(
        resolver=routing.update_category_routing
    )
    set_team_overflow: TeamPayload = strawberry.mutation(resolver=routing.set_team_overflow)
    # SLA: escalation and acknowledgement
    escalate_ticket: EscalationPayload = strawberry.mutation(resolver=sla.escalate_ticket)
    acknowledge_sla_alert: TicketPayload = strawberry.mutation(resolver=sla.acknowledge_sla_alert)
    # SLA setup: calendars, policies, tier multipliers
    create_business_calendar: BusinessCalendarPayload = strawberry.mutation(
        resolver=sla_admin.create_business_calendar
    )
    update_business_calendar: BusinessCalendarPayload = strawberry.mutation(
        resolver=sla_admin.update_business_calendar
    )
    delete_business_calendar: BusinessCalendarPayload = strawberry.mutation(
        resolver=sla_admin.delete_business_calendar
    )
    create_sla_policy: SlaPolicyPayload = strawberry.mutation(resolver=sla_admin.create_sla_policy)
    update_sla_policy: SlaPolicyPayload = strawberry.mutation(resolver=sla_admin.update_sla_policy)
    delete_sla_policy: SlaPolicyPayload = strawberry.mutation(resolver=sla_admin.delete_sla_policy)
    set_sla_tier_multiplier: SlaTierMultiplierPayload = strawberry.mutation(
        resolver=sla_admin.set_sla_tier_multiplier
    )
    set_customer_tier: CustomerPayload = strawberry.mutation(resolver=sla_admin.set_customer_tier)


@strawberry.type
class Subscription:
    """Over WebSocket (graphql-transport-ws or graphql-ws), token in connection_init."""

    ticket_updates: AsyncGenerator[TicketUpdate, None] = strawberry.subscription(
        resolver=live.ticket_updates
    )
    queue_updates: AsyncGenerator[QueueUpdate, None] = strawberry.subscription(
        resolver=live_queue.queue_updates
    )
    sla_updates: AsyncGenerator[TicketUpdate, None] = strawberry.subscription(
        resolver=live.sla_updates
    )
    agent_workload: AsyncGenerator[WorkloadUpdate, None] = strawberry.subscription(
        resolver=live_workload.agent_workload
    )


class FrontdeskSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Client mistakes are answers, not server errors: log them at DEBUG only.

        Unexpected failures are logged (with the request id) by ``MaskedErrors``.
        """
        for error in errors:
            log.debug("GraphQL error: %s", error.message)


schema = FrontdeskSchema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    types=[Ticket, Message, Customer, Agent, Team, Category, RoutingRule],
    extensions=[
        lambda: ParserCache(maxsize=512),
        lambda: ValidationCache(maxsize=512),
        RequireOperationName,
        lambda: MaxTokensLimiter(max_token_count=5000),
        lambda: AddValidationRules(LIMIT_RULES),
        MaskedErrors,
    ],
    config=StrawberryConfig(),
    execution_context_class=FrontdeskExecutionContext,
)
direct_fields.install(schema)
