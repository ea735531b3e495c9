"""Each process's copy of the agent table, so routing scores a team in microseconds.

Why: scoring every candidate in SQL costs PostgreSQL 1-2 us per agent row (the
skill lookup and the arithmetic), 10-25 ms for a team of 10,000, where a routing
decision has 5 ms. So routing ranks candidates here, vectorised
(``routing_shortlist``), and asks PostgreSQL only to reserve the first of them
that still qualifies and has room (``routing_pick``). A stale copy can
therefore only make routing rank on slightly old counts, never over-fill an
agent or assign a ticket twice.

The copy is refreshed before every pick (once per triage batch), in the picking transaction,
by one indexed query for the agent rows written since the last refresh
(migration 0010 stamps each row with its writer's transaction id and a version).

- Every refresh notes its snapshot's xmin, the oldest transaction still running;
  the next refresh asks for rows stamped at or after it, so a transaction that
  commits after a refresh is still read by a later one.
- Rows the current transaction wrote itself are not taken (they may yet roll
  back); their ids are read again on the next refresh.
- A row is taken only if its version is newer than the copy's, so a refresh that
  finishes after a newer one cannot undo it.
- Deleted agents come from ``agent_removal``; a TRUNCATE marker (or
  ``reload_seconds`` passing) reloads everything.
"""

import asyncio
import time
from typing import Any

import orjson
from tortoise.backends.base.client import BaseDBAsyncClient

from domain.routing_shortlist import AgentFacts, TeamView
from domain.routing_sql import ROSTER_CHANGES, ROSTER_LOAD


def _agent(row: list[Any]) -> AgentFacts:
    skills = {int(k): (int(v[0]), v[1]) for k, v in row[7].items()}
    tier = int(str(row[2]).lstrip("L"))
    return AgentFacts(row[0], row[1], tier, row[3], row[4], row[5], row[6], skills, row[8])


class AgentRoster:
    """The agents this process routes to, by team; see the module docstring."""

    def __init__(self, reload_seconds: float = 300.0) -> None:
        self.reload_seconds = reload_seconds
        self._agents: dict[int, AgentFacts] = {}
        self._views: dict[int, TeamView] = {}
        self._horizon: int | None = None
        self._loaded_at = float("-inf")
        self._read_again: set[int] = set()
        self._means: dict[int, float | None] = {}
        self._refreshing = asyncio.Lock()

    def mean(self, category_id: int | None) -> float | None:
        """The category's mean handle time as of the last refresh (None: unknown)."""
        return self._means.get(category_id) if category_id is not None else None

    async def refresh(self, conn: BaseDBAsyncClient) -> None:
        """Bring the copy (and the categories' means) up to the caller's snapshot.

        One refresh at a time per process: a reload finishing after a newer delta
        would set the copy back with nothing left to bring the difference in again
        (and a reload due would start once, not once per waiting decision). The
        queries only read, so waiting here cannot deadlock with row locks.
        """
        async with self._refreshing:
            await self._refresh(conn)

    async def _refresh(self, conn: BaseDBAsyncClient) -> None:
        if self._horizon is None or time.monotonic() - self._loaded_at > self.reload_seconds:
            await self._load(conn)
            return
        again = sorted(self._read_again)
        self._read_again.difference_update(again)
        try:
            args = [str(self._horizon), again]
            _, rows = await conn.execute_query(ROSTER_CHANGES, args)
        except BaseException:
            self._read_again.update(again)
            raise
        row = rows[0]
        removed = orjson.loads(row["removed"])
        if any(agent_id is None for agent_id, _ in removed):  # truncated: start again
            await self._load(conn)
            return
        for agent_id, own in removed:
            if own:  # this transaction deleted it, and may still roll back
                self._read_again.add(agent_id)
            else:
                self._remove(agent_id)
        self._take(orjson.loads(row["agents"]))
        self._horizon = max(self._horizon, int(row["horizon"]))
        self._take_means(row["means"])

    def team(self, team_id: int | None) -> TeamView | None:
        """The team's agents as arrays (built on first use after a membership change)."""
        if team_id is None:
            return None
        view = self._views.get(team_id)
        if view is None:
            members = [a for a in self._agents.values() if a.team_id == team_id]
            if not members:
                return None
            view = self._views[team_id] = TeamView(members)
        return view

    async def _load(self, conn: BaseDBAsyncClient) -> None:
        _, rows = await conn.execute_query(ROSTER_LOAD)
        row = rows[0]
        self._agents.clear()
        self._views.clear()
        self._read_again.clear()
        self._take(orjson.loads(row["agents"]))
        self._horizon = int(row["horizon"])
        self._loaded_at = time.monotonic()
        self._take_means(row["means"])

    def _take_means(self, means: str) -> None:
        self._means = {int(k): v for k, v in orjson.loads(means).items()}

    def _take(self, rows: list[list[Any]]) -> None:
        for row in rows:
            if row[9]:  # written by this transaction, which may still roll back
                self._read_again.add(row[0])
                continue
            self._put(_agent(row))

    def _put(self, new: AgentFacts) -> None:
        old = self._agents.get(new.id)
        if old is not None and old.version >= new.version:
            return
        self._agents[new.id] = new
        if old is not None and old.team_id == new.team_id:
            view = self._views.get(new.team_id)
            if view is not None:
                view.update(new.id, new)
            return
        self._views.pop(new.team_id, None)  # membership changed: rebuilt on next use
        if old is not None:
            self._views.pop(old.team_id, None)

    def _remove(self, agent_id: int) -> None:
        old = self._agents.pop(agent_id, None)
        if old is not None:
            self._views.pop(old.team_id, None)
