"""The candidates routing lists for a ticket, and the record a routing decision keeps.

A decision lists up to ``recorded_candidates`` agents with every part of their
score, hundreds of tickets a second, so a list is kept as columns (what numpy
scored, as plain lists) and a ``Candidate`` object is made only for the one
chosen or when someone reads them. The stored record is the same columns, minus
what follows from them: capacity (1 - current/max), skill (level/5) and the
score are recomputed from the record's weights with the scoring's own
arithmetic, so they read back exactly as routing computed them. At 50 candidates
the record is about 1.5 KB instead of 8 KB of one object per candidate, small
enough for PostgreSQL to store without compressing it.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Candidate:
    """One qualified agent and every part of its score."""

    agent_id: int
    current: int
    max_tickets: int
    skill_level: int
    capacity: float
    skill: float
    handle_time: float
    score: float


@dataclass(frozen=True)
class Shortlist:
    """The best candidates, best first, column by column; and how many qualified."""

    agent_ids: list[int]
    current: list[int]
    max_tickets: list[int]
    skill_level: list[int]
    capacity: list[float]
    skill: list[float]
    handle_time: list[float]
    score: list[float]
    total: int

    def __len__(self) -> int:
        return len(self.agent_ids)

    def candidate(self, k: int) -> Candidate:
        return Candidate(
            self.agent_ids[k],
            self.current[k],
            self.max_tickets[k],
            self.skill_level[k],
            self.capacity[k],
            self.skill[k],
            self.handle_time[k],
            self.score[k],
        )

    @property
    def candidates(self) -> list[Candidate]:
        return [self.candidate(k) for k in range(len(self))]

    def find(self, agent_id: int | None) -> Candidate | None:
        if agent_id is None or agent_id not in self.agent_ids:
            return None
        return self.candidate(self.agent_ids.index(agent_id))

    def record(self, chosen: int | None) -> dict[str, Any]:
        """What a routing decision stores (``read_record`` gives the candidates back)."""
        return {
            "agentId": self.agent_ids,
            "current": self.current,
            "maxTickets": self.max_tickets,
            "skillLevel": self.skill_level,
            "handleTime": self.handle_time,
            "chosen": chosen,
        }

    @classmethod
    def of(cls, candidates: Sequence[Candidate], total: int) -> "Shortlist":
        return cls(
            [c.agent_id for c in candidates],
            [c.current for c in candidates],
            [c.max_tickets for c in candidates],
            [c.skill_level for c in candidates],
            [c.capacity for c in candidates],
            [c.skill for c in candidates],
            [c.handle_time for c in candidates],
            [c.score for c in candidates],
            total,
        )


NONE = Shortlist([], [], [], [], [], [], [], [], 0)


def read_record(
    record: Mapping[str, Any], weights: Mapping[str, float]
) -> list[tuple[Candidate, bool]]:
    """The candidates a decision recorded, best first, each with whether it was chosen."""
    w_capacity, w_skill, w_speed = weights["capacity"], weights["skill"], weights["handleTime"]
    found = []
    columns = zip(
        record["agentId"],
        record["current"],
        record["maxTickets"],
        record["skillLevel"],
        record["handleTime"],
        strict=True,
    )
    for agent_id, current, most, level, speed in columns:
        capacity = 1 - current / most
        skill = level / 5.0
        score = (w_capacity * capacity + w_skill * skill) + w_speed * speed
        candidate = Candidate(agent_id, current, most, level, capacity, skill, speed, score)
        found.append((candidate, agent_id == record["chosen"]))
    return found
