"""Score a team's agents for one ticket, vectorised: the routing score of
``domain/routing.py`` over arrays, 10,000 agents in well under a millisecond.

The arithmetic is the SQL's (``routing_sql.PICK``), in the same order on the same
float64 values, so both rank the same agents the same way, ties broken by id
(a differential test holds them together).

A pick for several tickets at once ranks each ticket with the tickets before it
counted: it passes the counts it expects as ``counts``, which replace the roster's
for that pick only; the roster itself only ever holds committed rows.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from domain.routing_candidates import NONE, Shortlist

if TYPE_CHECKING:
    from domain.routing import RoutingPolicy, Target

Floats = npt.NDArray[np.float64]
Flags = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class AgentFacts:
    """What routing knows of one agent; ``version`` orders writes of the same row."""

    id: int
    team_id: int
    tier: int
    senior: bool
    max_tickets: int
    current: int
    available: bool
    skills: dict[int, tuple[int, float | None]]
    version: int


@dataclass(frozen=True)
class SkillColumns:
    """One category's skill across a team: level (0 without the skill), the
    agent's own mean handle time (NaN when unknown) and whether it has the skill."""

    level: Floats
    own: Floats
    has: Flags


class TeamView:
    """A team's agents as arrays. Counts, availability, tier, seniority and skills
    are written in place; a change of membership builds a new view."""

    def __init__(self, agents: Sequence[AgentFacts]) -> None:
        self._agents = {a.id: a for a in agents}
        self.ids = np.array([a.id for a in agents], dtype=np.int64)
        self.position = {a.id: i for i, a in enumerate(agents)}
        self.current = np.array([a.current for a in agents], dtype=np.float64)
        self.max_tickets = np.array([a.max_tickets for a in agents], dtype=np.float64)
        self.available = np.array([a.available for a in agents], dtype=np.bool_)
        self.tier = np.array([a.tier for a in agents], dtype=np.int8)
        self.senior = np.array([a.senior for a in agents], dtype=np.bool_)
        self._skills: dict[int, SkillColumns] = {}

    def update(self, agent_id: int, agent: AgentFacts) -> None:
        i = self.position[agent_id]
        self._agents[agent_id] = agent
        self.current[i] = agent.current
        self.max_tickets[i] = agent.max_tickets
        self.available[i] = agent.available
        self.tier[i] = agent.tier
        self.senior[i] = agent.senior
        for category_id, columns in self._skills.items():
            _set_skill(columns, i, agent.skills.get(category_id))

    def skill(self, category_id: int) -> SkillColumns:
        columns = self._skills.get(category_id)
        if columns is None:
            n = len(self.ids)
            columns = SkillColumns(np.zeros(n), np.full(n, np.nan), np.zeros(n, dtype=np.bool_))
            for agent_id, i in self.position.items():
                _set_skill(columns, i, self._agents[agent_id].skills.get(category_id))
            self._skills[category_id] = columns
        return columns

    def shortlist(
        self,
        target: "Target",
        policy: "RoutingPolicy",
        mean: float | None,
        limit: int,
        counts: Mapping[int, int] | None = None,
    ) -> Shortlist:
        """The best qualified agents with their score parts, and how many qualified."""
        assert target.category_id is not None
        skill = self.skill(target.category_id)
        current = self._counted(counts)
        ok = self.available & (current < self.max_tickets)
        ok &= self.tier >= int(target.support_tier.value.lstrip("L"))
        if target.requires_senior:
            ok &= self.senior
        if not target.widened:
            ok &= skill.has
        at = np.flatnonzero(ok)
        if not at.size:
            return NONE
        capacity, level, speed, scores = score_parts(
            current[at],
            self.max_tickets[at],
            skill.level[at],
            skill.own[at],
            mean=mean,
            policy=policy,
        )
        order = best_positions(self.ids[at], scores, limit)
        listed = at[order]
        return Shortlist(
            self.ids[listed].tolist(),
            current[listed].astype(np.int64).tolist(),
            self.max_tickets[listed].astype(np.int64).tolist(),
            skill.level[listed].astype(np.int64).tolist(),
            capacity[order].tolist(),
            level[order].tolist(),
            speed[order].tolist(),
            scores[order].tolist(),
            int(at.size),
        )

    def _counted(self, counts: Mapping[int, int] | None) -> Floats:
        """The team's counts, with ``counts``' in place of the roster's."""
        here = [(self.position[a], n) for a, n in (counts or {}).items() if a in self.position]
        if not here:
            return self.current
        current = self.current.copy()
        for i, n in here:
            current[i] = n
        return current


def _set_skill(columns: SkillColumns, i: int, skill: tuple[int, float | None] | None) -> None:
    columns.has[i] = skill is not None
    columns.level[i] = skill[0] if skill else 0
    own = skill[1] if skill else None
    columns.own[i] = np.nan if own is None else own


def score_parts(
    current: Floats,
    max_tickets: Floats,
    level: Floats,
    own: Floats,
    *,
    mean: float | None,
    policy: "RoutingPolicy",
) -> tuple[Floats, Floats, Floats, Floats]:
    """Capacity 1 - current/max, skill level/5, speed mean/(mean + own) (0.5 when
    either mean is unknown, or both are 0), and the weighted score."""
    capacity = 1 - current / max_tickets
    skill = level / 5.0
    speed = np.full(len(own), 0.5)
    if mean is not None:
        total = mean + own
        known = ~np.isnan(total) & (total != 0)
        np.divide(mean, total, out=speed, where=known)
    scored: Floats = (
        policy.capacity_weight * capacity + policy.skill_weight * skill
    ) + policy.handle_time_weight * speed
    return capacity, skill, speed, scored


def best_positions(ids: npt.NDArray[np.int64], scores: Floats, limit: int) -> npt.NDArray[np.intp]:
    """Positions of the ``limit`` best scores, best first, ties by lower id (the SQL order)."""
    if len(ids) <= limit:
        return np.lexsort((ids, -scores))
    # Everything scoring at least the limit-th best, ties included, then sort that.
    cut = np.partition(scores, len(scores) - limit)[len(scores) - limit]
    keep = np.flatnonzero(scores >= cut)
    return keep[np.lexsort((ids[keep], -scores[keep]))[:limit]]
