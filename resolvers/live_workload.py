"""``agentWorkload``: each agent's load as it changes, for staff dashboards; resumable.

It rides the same loop as the other subscriptions (``resolvers.live``): refused at
start unless the token may follow the team, then per event and per subscriber only
the agents they may see now, their numbers read afresh.
"""

from collections.abc import AsyncGenerator

import strawberry

from domain import workload
from domain.access import Principal
from domain.errors import DomainError
from domain.ports import Delivered, DomainEvent
from gql.context import Info, Loaders
from gql.errors import query_error
from gql.types.workload import WorkloadUpdate, workload_update
from resolvers.live import followed_team, principal, stream_updates


class _Updates:
    """The updates one event makes for one subscriber: one per agent it changed that
    they may follow (two for a reassignment within the team)."""

    def __init__(self, team_id: int | None) -> None:
        self._team_id = team_id

    @staticmethod
    def wanted(event: DomainEvent) -> bool:
        return bool(workload.concerned(event))

    async def __call__(
        self, info: Info, p: Principal, delivered: Delivered
    ) -> list[WorkloadUpdate]:
        concerned = workload.concerned(delivered.event)
        agents = await workload.agents_now(p, concerned, self._team_id)
        if not agents:
            return []
        context = info.context  # fresh loaders: the agent's team as it is now
        context.loaders = Loaders(include_internal=p.sees_internal_notes, clock=context.clock)
        return [workload_update(delivered, agent) for agent in agents]


async def agent_workload(
    info: Info, team_id: strawberry.ID | None = None, after: str | None = None
) -> AsyncGenerator[WorkloadUpdate, None]:
    """Agents' load and availability as they change (staff; an agent: their own team)."""
    p = principal(info)
    try:
        updates = _Updates(followed_team(p, team_id, "workload"))
    except DomainError as exc:
        raise query_error(exc) from None
    async for sent in stream_updates(info, p, after, updates.wanted, updates):
        yield sent
