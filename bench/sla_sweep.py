"""SLA sweep benchmark: the sweep over 1,000,000 open tickets (2,000,000 running clocks)
with nothing due, with 1% of the clocks due, and the delay between a level's
deadline and the sweep making it visible under the real 15-second sweep loop.

Runs against a separate ``frontdesk_bench_sla`` database on the DATABASE_URL
server (seeded once, reused while it holds the requested number of tickets);
the sweeps are the real ``domain.sla_sweep`` / ``tasks.sla`` code in this process,
on the system clock, with Slack and email on (notify steps draft outbox rows; no
delivery runs) and no agents (so a REASSIGN escalation routes the ticket to its
team's queue).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
      .venv/bin/python bench/sla_sweep.py [--tickets 1000000] [--due-share 0.01] \\
      [--watch-seconds 75] [--explain]
"""

import argparse
import asyncio
import bisect
import os
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import asyncpg
from sla_report import Result, Round, Watch, print_report
from sla_seed import connect, ensure_seeded, move_clocks, reset, sizes
from workspace import log, run_async

from app.database import close_database, open_database
from domain import sla_actions
from domain.ports import SystemClock
from domain.sla_alerts import AlertSettings
from domain.sla_sql import ADVANCE
from domain.sla_sweep import BATCH, SweepReport, advance, replan_due, sweep
from domain.triage_inputs import Intake
from tasks.sla import sweep_window

INTERVAL_S = 15.0


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tickets", type=int, default=1_000_000)
    p.add_argument("--due-share", type=float, default=0.01, help="share of tickets due per round")
    p.add_argument("--idle-runs", type=int, default=50)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--watch-seconds", type=float, default=75.0)
    p.add_argument("--watch-clocks", type=int, default=3000)
    p.add_argument("--explain", action="store_true", help="EXPLAIN (ANALYZE, BUFFERS) ADVANCE")
    return p.parse_args(argv)


async def nothing_due(intake: Intake, alerts: AlertSettings, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        report = await sweep(intake, alerts)
        times.append(time.perf_counter() - started)
        if report.due or report.actions_done:
            sys.exit(f"expected nothing due, the sweep found {report}")
    return times


async def due_round(
    conn: asyncpg.Connection, intake: Intake, alerts: AlertSettings, count: int
) -> Round:
    """One sweep over ``count`` freshly due clocks, timed phase by phase: the sweep
    (re-plan, advance: statuses visible) and then the chain steps it queued."""
    await reset(conn)
    moved = await move_clocks(conn, count, watch=False, start=datetime.now(UTC), seconds=0)
    now = intake.clock.now()
    report = SweepReport()
    t0 = time.perf_counter()
    report.replanned = await replan_due(now)
    t1 = time.perf_counter()
    await advance(now, report)
    t2 = time.perf_counter()
    notified = await sla_actions.notify(alerts, intake.clock.now())
    t3 = time.perf_counter()
    per_action: dict[str, list[float]] = {}
    reassign_one = sla_actions._reassign

    async def timed(row: dict[str, Any], i: Intake, a: AlertSettings) -> None:
        mark = time.perf_counter()
        await reassign_one(row, i, a)
        per_action.setdefault(str(row["action"]), []).append(time.perf_counter() - mark)

    with mock.patch("domain.sla_actions._reassign", timed):  # each reassignment timed
        reassigned = await sla_actions.reassign(intake, alerts)
    t4 = time.perf_counter()
    report.actions_done = notified + reassigned
    steps = await conn.fetch("SELECT action, count(*) AS n FROM sla_action GROUP BY 1 ORDER BY 1")
    escalated = await conn.fetchval("SELECT count(*) FROM escalation")
    return Round(
        clocks=moved,
        report=report,
        replan=t1 - t0,
        advance=t2 - t1,
        notify=t3 - t2,
        reassign=t4 - t3,
        notified=notified,
        steps={r["action"]: r["n"] for r in steps},
        escalations=escalated,
        per_action={k: sum(v) / len(v) for k, v in per_action.items()},
    )


async def explain_advance(conn: asyncpg.Connection, count: int) -> list[str]:
    await reset(conn)
    await move_clocks(conn, count, watch=False, start=datetime.now(UTC), seconds=0)
    tr = conn.transaction()
    await tr.start()
    try:
        rows = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + ADVANCE, datetime.now(UTC), BATCH)
    finally:
        await tr.rollback()
    return [r[0] for r in rows]


async def watch(
    conn: asyncpg.Connection, intake: Intake, alerts: AlertSettings, clocks: int, seconds: float
) -> Watch:
    """The scheduler's loop (a ``sweep_window`` every 15 s) while ``clocks`` levels fall
    due at uniformly random instants over ``seconds``; delays from the events written."""
    await reset(conn)
    start = datetime.now(UTC) + timedelta(seconds=2)
    await move_clocks(conn, clocks, watch=True, start=start, seconds=seconds)
    sweeps: list[tuple[datetime, float]] = []

    async def timed(i: Intake, a: AlertSettings, *, actions: bool = True) -> SweepReport:
        began, mark = datetime.now(UTC), time.perf_counter()
        report = await sweep(i, a, actions=actions)
        sweeps.append((began, time.perf_counter() - mark))
        return report

    background: set[asyncio.Task[int]] = set()

    async def kick() -> None:  # as the task kicks frontdesk.sla_actions on a worker
        task = asyncio.create_task(sla_actions.run(intake, alerts))
        background.add(task)
        task.add_done_callback(background.discard)

    windows = 0
    with mock.patch("tasks.sla.sweep", timed):
        base = time.monotonic() + (start - datetime.now(UTC)).total_seconds()
        while windows * INTERVAL_S <= seconds:
            await asyncio.sleep(max(0.0, base + windows * INTERVAL_S - time.monotonic()))
            await sweep_window(intake, alerts, INTERVAL_S, kick)
            windows += 1
    rows = await conn.fetch(
        "SELECT created_at, (data->>'at')::timestamptz AS at FROM ticket_event"
        " WHERE kind LIKE 'sla.%'"
    )
    starts = [s for s, _ in sweeps]
    delays, visible = [], []
    for r in rows:
        delays.append((r["created_at"] - r["at"]).total_seconds())
        i = bisect.bisect_right(starts, r["created_at"]) - 1
        visible.append((starts[i] + timedelta(seconds=sweeps[i][1]) - r["at"]).total_seconds())
    return Watch(
        windows=windows,
        sweeps=[d for _, d in sweeps],
        delays=delays,
        visible=visible,
        missing=clocks - len(rows),
        early=sum(d < 0 for d in delays),
    )


async def run(args: argparse.Namespace) -> Result:
    server = os.environ.get("DATABASE_URL") or os.environ.get("FRONTDESK_DATABASE_URL")
    if not server:
        sys.exit("set DATABASE_URL to a PostgreSQL server (the bench creates frontdesk_bench_sla)")
    load = "/".join(f"{x:.2f}" for x in os.getloadavg())
    url, seeded = await ensure_seeded(server, args.tickets)
    res = Result(load=load, seeded=seeded)
    count = round(args.tickets * args.due_share)
    intake = Intake(clock=SystemClock(), reference_seconds=2.0)  # the settings' default
    # channels on, so notify steps draft real outbox rows (nothing is sent: no delivery runs)
    alerts = AlertSettings("http://127.0.0.1:9/hook", ("management@example.com",), True)
    conn = await connect(url)
    await open_database(url)
    try:
        await reset(conn)
        await conn.execute("VACUUM (ANALYZE) sla_clock, ticket")
        log(f"nothing due: {args.idle_runs} sweeps")
        res.idle = await nothing_due(intake, alerts, args.idle_runs)
        for n in range(args.rounds):
            log(f"{args.due_share:.1%} due, round {n + 1}/{args.rounds}")
            res.rounds.append(await due_round(conn, intake, alerts, count))
        res.sizes = await sizes(conn)
        if args.explain:
            res.plan = await explain_advance(conn, count)
        log(f"watching {args.watch_clocks} deadlines over {args.watch_seconds:g} s")
        res.watch = await watch(conn, intake, alerts, args.watch_clocks, args.watch_seconds)
        await reset(conn)
    finally:
        await conn.close()
        await close_database()
    return res


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    print_report(args, run_async(lambda: run(args)))


if __name__ == "__main__":
    main()
