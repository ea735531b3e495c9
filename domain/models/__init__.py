"""Tortoise models of the support domain, one module per concept.

Tortoise discovers models by scanning this module, so every model is
re-exported here. The schema changes only through ``migrations/``.
"""

from domain.models.auth import ApiToken
from domain.models.catalogue import Category
from domain.models.intake import CategoryCorrection, RoutingDecision, RoutingRule, TriageRecord
from domain.models.notifications import Notification
from domain.models.people import Agent, AgentSkill, Customer, Team
from domain.models.sla import (
    BusinessCalendar,
    Escalation,
    SlaAction,
    SlaBreach,
    SlaClock,
    SlaPolicy,
    SlaTierMultiplier,
)
from domain.models.tickets import Message, Ticket, TicketEvent

__all__ = [
    "Agent",
    "AgentSkill",
    "ApiToken",
    "BusinessCalendar",
    "Category",
    "CategoryCorrection",
    "Customer",
    "Escalation",
    "Message",
    "Notification",
    "RoutingDecision",
    "RoutingRule",
    "SlaAction",
    "SlaBreach",
    "SlaClock",
    "SlaPolicy",
    "SlaTierMultiplier",
    "Team",
    "Ticket",
    "TicketEvent",
    "TriageRecord",
]
