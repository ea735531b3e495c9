"""Which agents an event changed the workload of (``domain.workload.concerned``)."""

from datetime import UTC, datetime
from typing import Any

import pytest

from domain.ports import DomainEvent
from domain.workload import concerned


def event(kind: str, data: dict[str, Any], *, assignee: int | None = None) -> DomainEvent:
    return DomainEvent(
        event_id=1,
        ticket_id=None if kind.startswith("agent.") else 5,
        kind=kind,
        data=data,
        actor_role="ADMIN",
        actor_id=None,
        created_at=datetime(2026, 3, 2, tzinfo=UTC),
        assignee_id=assignee,
        agent_id=7 if kind.startswith("agent.") else None,
    )


@pytest.mark.parametrize(
    ("kind", "data", "assignee", "agents"),
    [
        ("agent.availability_changed", {"from": True, "to": False}, None, [7]),
        ("agent.updated", {"max_tickets": {"from": 10, "to": 2}}, None, [7]),
        ("ticket.assigned", {"from": None, "to": 3, "by": "queue"}, 3, [3]),
        ("ticket.assigned", {"from": 2, "to": 3}, 3, [2, 3]),  # old assignee first
        ("ticket.escalated", {"from_agent": 2, "to_agent": None}, None, [2]),
        ("ticket.escalated", {"from_agent": 2, "to_agent": 4}, 4, [2, 4]),
        ("ticket.status_changed", {"from": "OPEN", "to": "RESOLVED"}, 3, [3]),
        ("ticket.status_changed", {"from": "RESOLVED", "to": "OPEN"}, 3, [3]),
        ("ticket.status_changed", {"message_id": 9, "internal": False}, 3, [3]),
        ("ticket.reopened", {"from": "RESOLVED", "to": "OPEN"}, 3, [3]),
        ("ticket.unassigned", {"from": "RESOLVED", "to": "OPEN"}, None, []),
    ],
)
def test_the_agents_whose_load_an_event_moved(
    kind: str, data: dict[str, Any], assignee: int | None, agents: list[int]
) -> None:
    assert concerned(event(kind, data, assignee=assignee)) == agents


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("ticket.status_changed", {"from": "OPEN", "to": "IN_PROGRESS"}),  # still active
        ("ticket.status_changed", {"from": "RESOLVED", "to": "CLOSED"}),  # still inactive
        ("message.added", {"message_id": 9, "internal": False}),
        ("ticket.category_corrected", {"from": 1, "to": 2}),
        ("sla.breached", {}),
    ],
)
def test_events_that_move_no_load_concern_nobody(kind: str, data: dict[str, Any]) -> None:
    assert concerned(event(kind, data, assignee=3)) == []
