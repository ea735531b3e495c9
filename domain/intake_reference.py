"""What intake reads besides the ticket: categories, teams and routing rules.

One query fetches all three (they are small, admin-edited tables), and a
worker may keep the snapshot for ``reference_seconds`` (a setting): admins'
edits then reach routing within that time, and each triage saves a round trip.
"""

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from tortoise.backends.base.client import BaseDBAsyncClient

from domain import routing_rules
from domain.enums import SupportTier
from domain.errors import InvalidInput

log = logging.getLogger("frontdesk.intake")


@dataclass(frozen=True)
class CategoryInfo:
    id: int
    key: str
    keywords: tuple[str, ...]
    default_team_id: int | None
    fallback_team_id: int | None


@dataclass(frozen=True)
class TeamInfo:
    id: int
    tier: SupportTier
    overflow_threshold: int | None
    overflow_team_id: int | None


@dataclass(frozen=True)
class Reference:
    categories: dict[int, CategoryInfo]
    teams: dict[int, TeamInfo]
    rules: tuple[routing_rules.Rule, ...]

    def by_key(self, key: str | None) -> CategoryInfo | None:
        return next((c for c in self.categories.values() if c.key == key), None)

    def keywords(self) -> dict[str, Sequence[str]]:
        return {c.key: c.keywords for c in self.categories.values() if c.keywords}


SNAPSHOT = """
SELECT
  (SELECT coalesce(json_agg(json_build_object('id', id, 'key', key, 'keywords', keywords,
       'default_team_id', default_team_id, 'fallback_team_id', fallback_team_id)), '[]')
   FROM category) AS categories,
  (SELECT coalesce(json_agg(json_build_object('id', id, 'tier', tier,
       'overflow_threshold', overflow_threshold, 'overflow_team_id', overflow_team_id)), '[]')
   FROM team) AS teams,
  (SELECT coalesce(json_agg(json_build_object('id', id, 'name', name,
       'stop', stop_processing, 'conditions', conditions, 'actions', actions)
       ORDER BY position, id), '[]')
   FROM routing_rule WHERE enabled) AS rules
"""


def _parse(row: dict[str, Any]) -> Reference:
    categories = {
        c["id"]: CategoryInfo(
            c["id"], c["key"], tuple(c["keywords"]), c["default_team_id"], c["fallback_team_id"]
        )
        for c in orjson.loads(row["categories"])
    }
    teams = {
        t["id"]: TeamInfo(
            t["id"], SupportTier(t["tier"]), t["overflow_threshold"], t["overflow_team_id"]
        )
        for t in orjson.loads(row["teams"])
    }
    keys = [c.key for c in categories.values()]
    rules = []
    for r in orjson.loads(row["rules"]):
        try:
            conditions = routing_rules.parse_conditions(r["conditions"], keys)
            actions = routing_rules.parse_actions(r["actions"], teams)
        except InvalidInput as exc:  # its team or category was removed since it was saved
            log.warning("Routing rule %s (%s) skipped: %s", r["id"], r["name"], exc.message)
            continue
        rules.append(routing_rules.Rule(r["id"], r["name"], conditions, actions, r["stop"]))
    return Reference(categories, teams, tuple(rules))


class ReferenceCache:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._snapshot: Reference | None = None
        self._at = float("-inf")

    async def get(self, conn: BaseDBAsyncClient, category_id: int | None = None) -> Reference:
        """The snapshot; read again when stale or when it lacks ``category_id`` (a
        category created since, which a ticket may already carry)."""
        now = time.monotonic()
        snapshot = self._snapshot
        if (
            snapshot is not None
            and now - self._at < self.seconds
            and (category_id is None or category_id in snapshot.categories)
        ):
            return snapshot
        self._snapshot, self._at = await read(conn), now
        return self._snapshot


async def read(conn: BaseDBAsyncClient) -> Reference:
    """Categories, teams and enabled rules as they are now (one round trip)."""
    _, rows = await conn.execute_query(SNAPSHOT)
    return _parse(dict(rows[0]))
