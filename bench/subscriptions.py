"""Subscriptions benchmark: N concurrent WebSocket subscribers on one API process;
event-to-delivery latency and server memory per connection (issue 5).

For each N (default 1,000, 5,000, 10,000) and each mode, a fresh ``frontdesk serve``
process (Redis event bus by default, the production path) gets N graphql-transport-ws
subscribers from ``--client-processes`` separate load-generator processes. Then:

1. server RSS (VmRSS) before any connection and once the N idle subscribers have
   settled: the difference over N is the memory per idle subscriber;
2. one warm-up event (not measured), then ``--events`` events ``--spacing-ms`` apart,
   each one row committed to the outbox (``ticket_event``) that the server's relay
   publishes; latency = receipt at the subscriber - commit, on ``time.monotonic()``;
3. p50 / p99 / max over every delivery, and delivered / expected (missing deliveries
   are counted, never hidden);
4. the floor, once per N (unless ``--no-floor``): the same N connections, from the
   same subscriber processes and code, on a bare graphql-transport-ws endpoint
   (``floor_ws_app.py`` on uvicorn with the WebSocket settings of ``frontdesk serve``);
   its KiB per connection, and Frontdesk's KiB per idle subscriber over it.

Modes: ``identical``: every subscriber sends the same document and variables with the
same ADMIN token (``queueUpdates(teamId: T)``), what shared execution can serve once.
``distinct``: every subscription differs: the filters rotate over teamId T or none x
categoryKey C or none (all four match the event), and each subscriber's document
names its field with its own alias (``s17: queueUpdates(...)``); if the server's
``queueUpdates`` takes a ``clientId`` argument, a distinct ``clientId`` per
subscriber replaces the alias. Every subscription still receives every event.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
      .venv/bin/python bench/subscriptions.py [--subscribers 1000 5000 10000] \\
      [--mode identical distinct] [--events 30] [--spacing-ms 300] [--bus redis|memory] \\
      [--no-floor]
"""

import argparse
import asyncio
import os
import time
from collections.abc import Sequence
from typing import Any

import asyncpg
import httpx
from subscription_fleet import Fleet, raise_file_limit
from subscription_floor import FloorResult, measure_floor
from subscription_report import RunResult, print_report
from subscription_world import (
    Emitter,
    Server,
    World,
    cpu_seconds,
    create_world,
    drop_world,
    rss_kib,
    settle,
    start_api,
    stop_api,
)
from workspace import log, run_async

from app.database import credentials
from gql import ids

FIELDS = (
    "position reset changes { kind ticketId position } "
    "events { kind ticketId data ticket { status } }"
)
IDENTICAL = f"subscription Live($team: ID) {{ queueUpdates(teamId: $team) {{ {FIELDS} }} }}"
DISTINCT = (
    "subscription Live($team: ID, $category: String) "
    f"{{ ALIAS: queueUpdates(teamId: $team, categoryKey: $category) {{ {FIELDS} }} }}"
)
INTROSPECT = '{ __type(name: "Subscription") { fields { name args { name } } } }'


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--subscribers", type=int, nargs="+", default=[1000, 5000, 10000])
    p.add_argument("--mode", nargs="+", choices=("identical", "distinct"), default=None)
    p.add_argument("--events", type=int, default=30)
    p.add_argument("--spacing-ms", type=float, default=300.0)
    p.add_argument("--bus", choices=("redis", "memory"), default="redis")
    p.add_argument("--client-processes", type=int, default=2)
    p.add_argument("--handshakes", type=int, default=64, help="connections opening at once")
    p.add_argument("--drain-idle-s", type=float, default=10.0, help="give up after no delivery")
    p.add_argument("--deflate", action="store_true", help="offer permessage-deflate, as browsers")
    p.add_argument("--no-floor", action="store_true", help="skip the bare-connection floor")
    p.add_argument("--keep-database", action="store_true")
    args = p.parse_args(argv)
    args.mode = args.mode or ["identical", "distinct"]
    return args


async def distinct_by(world: World, server: Server) -> str:
    """``clientId`` when the server's queueUpdates takes one, else a per-subscriber alias."""
    async with httpx.AsyncClient(timeout=10) as client:
        reply = await client.post(
            f"http://127.0.0.1:{server.port}/graphql",
            json={"query": INTROSPECT},
            headers={"Authorization": f"Bearer {world.token}"},
        )
    fields = reply.json()["data"]["__type"]["fields"]
    args = next(f["args"] for f in fields if f["name"] == "queueUpdates")
    return "clientId" if any(a["name"] == "clientId" for a in args) else "alias"


def client_config(world: World, server: Server, mode: str, how: str, deflate: bool) -> Any:
    team = ids.encode("Team", world.team_id)
    variants: list[dict[str, str | None]]
    if mode == "identical":
        query, variants, how = IDENTICAL, [{"team": team}], "none"
    else:
        combos = [(team, world.category_key), (team, None), (None, world.category_key)]
        variants = [{"team": t, "category": c} for t, c in [*combos, (None, None)]]
        query = DISTINCT
        if how == "clientId":
            query = DISTINCT.replace("ALIAS: ", "").replace(
                "$category: String)", "$category: String, $clientId: String)"
            )
            query = query.replace(
                "categoryKey: $category)", "categoryKey: $category, clientId: $clientId)"
            )
    return {
        "url": f"ws://127.0.0.1:{server.port}/graphql",
        "host": "127.0.0.1",
        "port": server.port,
        "token": world.token,
        "query": query,
        "variants": variants,
        "distinct": how,
        "deflate": deflate,
        "timeout": 120.0,
    }


async def measure(args: argparse.Namespace, world: World, n: int, mode: str) -> RunResult:
    name = f"live {mode} {n}"
    server = start_api(world, name)
    fleet: Fleet | None = None
    conn = await asyncpg.connect(**credentials(world.url))
    try:
        how = await distinct_by(world, server)
        await settle(server.proc.pid, min_s=1.0)
        res = RunResult(n=n, mode=mode, distinct_by=how, rss_before_kib=rss_kib(server.proc.pid))
        log(f"{name}: opening {n} subscriptions")
        cfg = client_config(world, server, mode, how, args.deflate)
        started = time.monotonic()
        fleet = await Fleet.start({**cfg, "handshakes": args.handshakes}, n, args.client_processes)
        res.subscribed, res.ramp_s = fleet.outcome.subscribed, time.monotonic() - started
        await settle(server.proc.pid)
        res.rss_idle_kib = rss_kib(server.proc.pid)
        log(f"{name}: {res.subscribed} subscribed in {res.ramp_s:.1f} s; warm-up event")
        emitter = Emitter(conn, world.ticket_id)
        await emitter.emit(0)
        await fleet.wait_for(res.subscribed, args.drain_idle_s, 300)
        pid = server.proc.pid
        cpu0, (_, _, client0) = cpu_seconds(pid), await fleet.counts()
        log(f"{name}: {args.events} events, {args.spacing_ms:g} ms apart")
        for seq in range(1, args.events + 1):
            res.commits[seq] = await emitter.emit(seq)
            await asyncio.sleep(args.spacing_ms / 1000)
        await fleet.wait_for(res.subscribed * (args.events + 1), args.drain_idle_s, 600)
        window = time.monotonic() - res.commits[1]
        _, _, client1 = await fleet.counts()
        res.server_cpu = (cpu_seconds(pid) - cpu0) / window
        res.client_cpu = (client1 - client0) / window
        res.rss_after_kib = rss_kib(server.proc.pid)
        outcome = await fleet.stop()
        fleet = None
        res.take(outcome, args.events)
        return res
    finally:
        if fleet is not None:
            await fleet.kill()
        await conn.close()
        await stop_api(world, server)


async def floor(args: argparse.Namespace, world: World, first: RunResult) -> FloorResult:
    """The floor for ``first.n``, sent what the run's first mode sent Frontdesk."""

    def config(server: Server) -> dict[str, Any]:
        cfg = client_config(world, server, first.mode, first.distinct_by, args.deflate)
        return {**cfg, "handshakes": args.handshakes}

    return await measure_floor(first.n, world.db.env, config, args.client_processes)


async def run(args: argparse.Namespace) -> tuple[list[RunResult], dict[int, FloorResult]]:
    limit = raise_file_limit(max(args.subscribers) * 2 + 1024)
    log(f"open-file limit {limit} (server and client processes inherit it)")
    world = await create_world(args.bus)
    results: list[RunResult] = []
    floors: dict[int, FloorResult] = {}
    try:
        for n in args.subscribers:
            for mode in args.mode:
                results.append(await measure(args, world, n, mode))
                results[-1].log_line()
            if not args.no_floor:
                floors[n] = await floor(args, world, results[-len(args.mode)])
                floors[n].log_line()
    except asyncio.CancelledError:  # Ctrl-C: what was measured so far, then clean up
        if results:
            print_report(args, results, floors)
        raise
    finally:
        if not args.keep_database:
            await drop_world(world)
    return results, floors


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    if not (os.environ.get("DATABASE_URL") or os.environ.get("FRONTDESK_DATABASE_URL")):
        log("no DATABASE_URL: using the embedded bench PostgreSQL under .frontdesk-bench/")
    results, floors = run_async(lambda: run(args))
    print_report(args, results, floors)


if __name__ == "__main__":
    main()
