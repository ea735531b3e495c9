"""Intake benchmark: createTicket -> triage on ``frontdesk worker`` processes over
Redis -> assigned or queued; and the routing decision among 10,000 agents.

End to end: tickets are created (through the domain service the createTicket
mutation calls, or over HTTP with ``--via api``) by ``--concurrency`` clients;
triage runs in ``--workers`` worker processes on the Redis stream broker. A
ticket counts as done when its triage has committed (assigned, queued or sent
to human triage); completion is observed by polling every 5 ms (less often while
thousands wait, so the observer does not load the database it measures), so
latencies carry a few ms of observation delay. Needs Redis (REDIS_URL, default
redis://127.0.0.1:6379/14).

    .venv/bin/python bench/intake.py [--tickets 5000] [--via service|api] [--json]
"""

import argparse
import asyncio
import json
import os
import random
import sys
import time
import uuid
from collections.abc import Sequence

import asyncpg
import httpx
from bench_database import bench_database
from intake_seed import CATEGORIES, intake_database, seed_intake, spread_big_team
from servers import free_port, server_log, start_server, stop_server, wait_healthy
from workspace import DATA_DIR, FRONTDESK, log, run_async

from app.database import close_database, credentials, open_database
from domain import routing, tickets
from domain.access import Principal
from domain.enums import Role, SupportTier
from domain.models import Ticket
from domain.ports import SystemClock
from domain.ticket_writes import TicketWrites
from domain.triage import Intake
from tasks.broker import TaskSettings, build_broker

ADMIN = Principal(role=Role.ADMIN, token_id=0, name="bench")
CREATE = (
    "mutation Create($input: CreateTicketInput!) "
    "{ createTicket(input: $input) { ticket { id } userErrors { message } } }"
)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tickets", type=int, default=5000)
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument(
        "--rate", type=float, default=None, help="offered tickets/s (default: as fast as possible)"
    )
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--via", choices=("service", "api"), default="service")
    p.add_argument("--agents-per-team", type=int, default=50)
    p.add_argument("--max-tickets", type=int, default=40)
    p.add_argument("--big-team", type=int, default=10_000, help="agents for the routing timing")
    p.add_argument("--routing-runs", type=int, default=300)
    p.add_argument("--json", action="store_true")
    return p.parse_args(argv)


def ticket_text(rng: random.Random) -> tuple[str, str]:
    key = rng.choice(list(CATEGORIES))
    words = CATEGORIES[key]
    urgent = "URGENT: " if rng.random() < 0.1 else ""
    return (
        f"{urgent}Question about my {rng.choice(words)}",
        f"Hello, I have a problem with the {rng.choice(words)} and the {rng.choice(words)}.",
    )


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


class Pacer:
    """Spaces ticket creations at ``rate`` per second (None: as fast as the clients go)."""

    def __init__(self, rate: float | None) -> None:
        self.rate = rate
        self.start = time.perf_counter()
        self.count = 0

    async def wait(self) -> None:
        if self.rate is None:
            return
        slot = self.start + self.count / self.rate
        self.count += 1
        delay = slot - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)


class Tracker:
    """When each ticket was created and when its triage was seen committed."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.started: dict[int, float] = {}
        self.done: dict[int, float] = {}

    async def poll(self, expected: int, give_up_after: float) -> None:
        conn = await asyncpg.connect(**credentials(self.url))
        deadline = time.perf_counter() + give_up_after
        try:
            while len(self.done) < expected and time.perf_counter() < deadline:
                waiting = [i for i in self.started if i not in self.done]
                if waiting:
                    rows = await conn.fetch(
                        "SELECT id FROM ticket WHERE id = ANY($1) AND triage_status = 'DONE'",
                        waiting,
                    )
                    seen = time.perf_counter()
                    for r in rows:
                        self.done[r["id"]] = seen
                # The check costs PostgreSQL one index probe per waiting ticket: with a
                # backlog of thousands, polling every 5 ms took a core from the system
                # measured. Back off with the backlog (latency runs keep it small).
                await asyncio.sleep(0.005 + len(waiting) * 0.00005)
        finally:
            await conn.close()


async def create_via_service(
    n: int, concurrency: int, redis_url: str, queue: str, *, tracker: Tracker, pacer: Pacer
) -> None:
    tasks = build_broker(redis_url, lambda: Intake(SystemClock()), TaskSettings(queue_name=queue))
    await tasks.broker.startup()
    rng = random.Random(7)
    todo = iter(range(n))

    async def client() -> None:
        for _ in todo:
            await pacer.wait()
            subject, description = ticket_text(rng)
            t0 = time.perf_counter()
            ticket = await tickets.create_ticket(
                ADMIN,
                tickets.NewTicket(subject, description, customer_id=rng.randint(1, 2000)),
                SystemClock(),
                tasks.triage,
            )
            tracker.started[ticket.id] = t0

    try:
        await asyncio.gather(*(client() for _ in range(concurrency)))
    finally:
        await tasks.broker.shutdown()


async def create_via_api(
    n: int, concurrency: int, base: str, token: str, *, tracker: Tracker, pacer: Pacer
) -> None:
    rng = random.Random(7)
    todo = iter(range(n))
    headers = {"Authorization": f"Bearer {token}"}

    async def client(http: httpx.AsyncClient) -> None:
        for _ in todo:
            await pacer.wait()
            subject, description = ticket_text(rng)
            variables = {
                "input": {
                    "subject": subject,
                    "description": description,
                    "customerId": _gid("Customer", rng.randint(1, 2000)),
                }
            }
            t0 = time.perf_counter()
            r = await http.post(
                f"{base}/graphql",
                json={"query": CREATE, "variables": variables, "operationName": "Create"},
                headers=headers,
            )
            gid = r.json()["data"]["createTicket"]["ticket"]["id"]
            tracker.started[_pk(gid)] = t0

    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as http:
        await asyncio.gather(*(client(http) for _ in range(concurrency)))


def _gid(kind: str, pk: int) -> str:
    from gql.ids import encode  # noqa: PLC0415

    return encode(kind, pk)


def _pk(gid: str) -> int:
    from gql.ids import decode  # noqa: PLC0415

    return decode(gid)[1]


class _Rollback(Exception):
    pass


async def routing_latency(runs: int, category_key: str) -> dict[str, float]:
    """Decision (score every candidate, reserve the best) and the whole ``route`` with
    its writes, for a ticket of ``category_key``; each run is rolled back."""
    from tortoise.transactions import in_transaction  # noqa: PLC0415

    from domain.models import Category  # noqa: PLC0415

    cat = await Category.get(key=category_key)
    big = await Ticket.create(
        customer_id=1,
        subject="routing probe",
        description="x",
        category_id=cat.id,
        created_at=SystemClock().now(),
        updated_at=SystemClock().now(),
    )
    cat_team = await big.category  # type: ignore[misc]
    target = routing.Target(cat_team.default_team_id, cat_team.id, SupportTier.L1)
    policy = routing.RoutingPolicy()
    decide_ms: list[float] = []
    route_ms: list[float] = []
    total = 0
    for _ in range(runs):
        try:
            async with in_transaction() as conn:
                t0 = time.perf_counter()
                ranked, _ = await routing.pick(conn, target, policy)
                decide_ms.append((time.perf_counter() - t0) * 1000)
                total = await routing.count_candidates(conn, target, policy, len(ranked))
                raise _Rollback
        except _Rollback:
            pass
        try:
            async with in_transaction() as conn:
                ticket = await Ticket.filter(id=big.id).select_for_update().using_db(conn).get()
                t0 = time.perf_counter()
                teams = (await Intake(SystemClock()).reference.get(conn)).teams
                writes = TicketWrites(ticket)
                await routing.route(
                    conn, writes, target, policy=policy, teams=teams, now=SystemClock().now()
                )
                await writes.flush(conn, None, SystemClock().now())
                route_ms.append((time.perf_counter() - t0) * 1000)
                raise _Rollback
        except _Rollback:
            pass
    return {
        "candidates": total,
        "decision_p50_ms": pct(decide_ms, 0.5),
        "decision_p99_ms": pct(decide_ms, 0.99),
        "route_with_writes_p50_ms": pct(route_ms, 0.5),
        "route_with_writes_p99_ms": pct(route_ms, 0.99),
    }


async def wait_ready(count: int, seconds: float = 60) -> None:
    """Until every worker has said it is consuming (models loaded, group created)."""
    logs = [server_log(f"intake worker {n}") for n in range(count)]
    async with asyncio.timeout(seconds):
        while not all("Worker consuming" in p.read_text(errors="replace") for p in logs):  # noqa: ASYNC110  (other processes)
            await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)


def start_workers(env: dict[str, str], count: int) -> list:  # type: ignore[type-arg]
    return [
        start_server(f"intake worker {n}", [str(FRONTDESK), "worker"], env) for n in range(count)
    ]


async def end_to_end(args: argparse.Namespace, url: str, env: dict[str, str]) -> dict[str, float]:
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/14"
    queue = f"frontdesk:bench:{uuid.uuid4().hex[:8]}"
    wenv = {**env, "REDIS_URL": redis_url, "FRONTDESK_TASK_QUEUE": queue}
    wenv["FRONTDESK_LOG_LEVEL"] = "WARNING"
    workers = start_workers(wenv, args.workers)
    server = None
    tracker = Tracker(url)
    try:
        await wait_ready(args.workers)
        if args.via == "api":
            port = free_port()
            senv = {**wenv, "FRONTDESK_PORT": str(port)}
            server = start_server("intake api", [str(FRONTDESK), "serve"], senv)
            base = f"http://127.0.0.1:{port}"
            await asyncio.to_thread(wait_healthy, server, base, "intake api", 60)
            token = await _token(senv)
            producer = create_via_api(
                args.tickets, args.concurrency, base, token, tracker=tracker, pacer=Pacer(args.rate)
            )
        else:
            producer = create_via_service(
                args.tickets,
                args.concurrency,
                redis_url,
                queue,
                tracker=tracker,
                pacer=Pacer(args.rate),
            )
        t0 = time.perf_counter()
        poller = asyncio.create_task(tracker.poll(args.tickets, give_up_after=600))
        await producer
        await poller
        elapsed = max(tracker.done.values()) - t0 if tracker.done else float("nan")
    finally:
        for w in workers:
            stop_server(w)
        if server is not None:
            stop_server(server)
    latencies = [
        (tracker.done[i] - t) * 1000 for i, t in tracker.started.items() if i in tracker.done
    ]
    outcome = await _outcomes(url)
    return {
        "tickets": len(tracker.started),
        "completed": len(tracker.done),
        "tickets_per_s": len(tracker.done) / elapsed,
        "p50_ms": pct(latencies, 0.5),
        "p99_ms": pct(latencies, 0.99),
        **outcome,
    }


async def _token(env: dict[str, str]) -> str:
    proc = await asyncio.create_subprocess_exec(
        str(FRONTDESK),
        "token",
        "create",
        "--role",
        "ADMIN",
        "--name",
        "intake bench",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    if proc.returncode:
        sys.exit(f"token create failed: {err.decode()}")
    return out.decode().strip()


async def _outcomes(url: str) -> dict[str, float]:
    conn = await asyncpg.connect(**credentials(url))
    try:
        rows = await conn.fetch("SELECT routing_state, count(*) AS n FROM ticket GROUP BY 1")
    finally:
        await conn.close()
    return {f"state_{r['routing_state'].lower()}": r["n"] for r in rows}


async def run(args: argparse.Namespace) -> dict[str, object]:
    db = bench_database()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    log("seeding the intake database")
    url = await seed_intake(
        db,
        agents_per_team=args.agents_per_team,
        max_tickets=args.max_tickets,
        big_team=args.big_team,
    )
    _, env = intake_database(db)
    await open_database(url, pool_size=args.concurrency + 4)
    try:
        log(f"end to end: {args.tickets} tickets via {args.via}, {args.workers} worker(s)")
        e2e = await end_to_end(args, url, env)
        log(f"routing decision among {args.big_team} agents, {args.routing_runs} runs")
        decision = await routing_latency(args.routing_runs, "BIG")
        await spread_big_team(url)
        spread = await routing_latency(args.routing_runs, "BIG")
    finally:
        await close_database()
    return {"end_to_end": e2e, "routing": decision, "routing_spread": spread, "args": vars(args)}


def print_report(result: dict[str, object]) -> None:
    e2e: dict[str, float] = result["end_to_end"]  # type: ignore[assignment]
    r: dict[str, float] = result["routing"]  # type: ignore[assignment]
    sp: dict[str, float] = result["routing_spread"]  # type: ignore[assignment]
    a: dict[str, object] = result["args"]  # type: ignore[assignment]
    rate = e2e["tickets_per_s"]
    states = {k[6:]: v for k, v in e2e.items() if k.startswith("state_")}
    lines = [
        f"Intake end to end (via {a['via']}, {a['workers']} worker(s), "
        f"concurrency {a['concurrency']}, offered {a['rate'] or 'max'} tickets/s, "
        f"{os.cpu_count()} CPUs)",
        f"  tickets completed       {e2e['completed']:.0f} / {e2e['tickets']:.0f}",
        f"  throughput              {rate:.0f} tickets/s  (target 600: {rate / 600:.2f}x)",
        f"  create -> routed p50    {e2e['p50_ms']:.1f} ms",
        f"  create -> routed p99    {e2e['p99_ms']:.1f} ms  (target <= 250 ms)",
        f"  outcomes                {states}",
    ]
    for title, m in (
        (f"Routing, {a['big_team']} agents in one team", r),
        (f"Routing, {a['big_team']} agents in 50 teams", sp),
    ):
        lines += [
            f"{title}: {m['candidates']:.0f} candidates",
            f"  decision p50 / p99      {m['decision_p50_ms']:.2f} / {m['decision_p99_ms']:.2f} ms"
            "  (target <= 5 ms)",
            f"  route + writes p50/p99  {m['route_with_writes_p50_ms']:.2f} / "
            f"{m['route_with_writes_p99_ms']:.2f} ms",
        ]
    print("\n".join(lines))


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    result = run_async(lambda: run(args))
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_report(result)


if __name__ == "__main__":
    main()
