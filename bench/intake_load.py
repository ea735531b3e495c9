"""The intake bench's load: ticket creators (service or HTTP), pacing, and the observer
that sees when each ticket's triage has committed (on the event bus, or by polling
PostgreSQL)."""

import asyncio
import contextlib
import random
import time

import asyncpg
import orjson
from intake_seed import CATEGORIES
from load_clients import KeepAliveConnection, keep_alive_connections, post

from adapters.event_bus_redis import RedisStreamEventBus
from app.database import credentials
from domain import tickets
from domain.access import Principal
from domain.enums import Role
from domain.ports import SystemClock
from domain.triage_inputs import Intake
from gql.ids import decode, encode
from tasks.broker import TaskSettings, build_broker

ADMIN = Principal(role=Role.ADMIN, token_id=0, name="bench")
CREATE = (
    "mutation Create($input: CreateTicketInput!) "
    "{ createTicket(input: $input) { ticket { id } userErrors { message } } }"
)


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
        self.start: float | None = None
        self.count = 0

    async def wait(self) -> float:
        """Until the next ticket's turn; returns when that was due, which is when its
        latency starts: a ticket that found every client busy waited too (counting
        from when a client got to it would hide that: coordinated omission)."""
        now = time.perf_counter()
        if self.rate is None:
            return now
        if self.start is None:
            self.start = now
        slot = self.start + self.count / self.rate
        self.count += 1
        if slot > now:
            await asyncio.sleep(slot - now)
        return slot


class Tracker:
    """When each ticket was created and when its triage was seen committed."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.t0 = 0.0
        self.started: dict[int, float] = {}
        """When each ticket was due to be created (see ``Pacer.wait``)."""
        self.answered: dict[int, float] = {}
        """When createTicket returned it."""
        self.done: dict[int, float] = {}

    def worst_second_p99(self) -> float:
        """The highest p99 of any whole second of creations: a tail that one moment
        of the run (a start-up, a stall) caused shows here, however long the run."""
        seconds: dict[int, list[float]] = {}
        for i, t in self.started.items():
            if i in self.done:
                seconds.setdefault(int(t - self.t0), []).append((self.done[i] - t) * 1000)
        full = [v for v in seconds.values() if len(v) >= 50]  # not a run's ragged end
        return max((pct(v, 0.99) for v in full), default=float("nan"))

    async def watch(self, redis_url: str, stream: str, expected: int, give_up_after: float) -> None:
        """Done when the ticket's ``ticket.triaged`` event reaches the event bus, as a
        live subscriber sees it (the outbox relay's delay included), and the observer
        costs PostgreSQL nothing. Start before the first ticket is created."""
        bus = RedisStreamEventBus.from_url(redis_url, stream=stream)
        try:
            async with asyncio.timeout(give_up_after):
                async for delivered in bus.read(None):
                    event = delivered.event
                    if event.kind == "ticket.triaged" and event.ticket_id is not None:
                        self.done.setdefault(event.ticket_id, time.perf_counter())
                        if len(self.done) >= expected:
                            return
        except TimeoutError:
            return
        finally:
            await bus.close()

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


CLOSE = """
WITH closed AS (
    UPDATE ticket SET status = 'CLOSED', closed_at = now(), updated_at = now()
    WHERE id = ANY($1::int[]) RETURNING assignee_id
)
UPDATE agent a SET current_ticket_count = a.current_ticket_count - c.n
FROM (SELECT assignee_id, count(*)::int AS n FROM closed GROUP BY 1) c
WHERE a.id = c.assignee_id
"""


async def close_tickets(url: str, ids: list[int]) -> None:
    """Close tickets and give their agents the capacity back, as resolving them would."""
    conn = await asyncpg.connect(**credentials(url))
    try:
        await conn.execute(CLOSE, ids)
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
            t0 = await pacer.wait()
            subject, description = ticket_text(rng)
            ticket = await tickets.create_ticket(
                ADMIN,
                tickets.NewTicket(subject, description, customer_id=rng.randint(1, 2000)),
                SystemClock(),
                tasks.triage,
            )
            tracker.started[ticket.id] = t0
            tracker.answered[ticket.id] = time.perf_counter()

    try:
        await asyncio.gather(*(client() for _ in range(concurrency)))
    finally:
        await tasks.broker.shutdown()


async def create_via_api(
    n: int, concurrency: int, bases: list[str], token: str, *, tracker: Tracker, pacer: Pacer
) -> None:
    """createTicket mutations over HTTP, on keep-alive connections of a minimal client
    (httpx cost the load generator ~7 ms of CPU a request: it measured itself),
    spread evenly over the API processes at ``bases``."""
    rng = random.Random(7)
    todo = iter(range(n))
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    async def client(connection: KeepAliveConnection, url: str) -> None:
        for _ in todo:
            t0 = await pacer.wait()
            subject, description = ticket_text(rng)
            variables = {
                "input": {
                    "subject": subject,
                    "description": description,
                    "customerId": encode("Customer", rng.randint(1, 2000)),
                }
            }
            body = orjson.dumps(
                {"query": CREATE, "variables": variables, "operationName": "Create"}
            )
            status, answer = await connection.send(post(url, body, headers))
            if status != 200:
                raise RuntimeError(f"createTicket answered {status}: {answer[:200]!r}")
            gid = orjson.loads(answer)["data"]["createTicket"]["ticket"]["id"]
            ticket_id = decode(gid)[1]
            tracker.started[ticket_id] = t0
            tracker.answered[ticket_id] = time.perf_counter()

    async with contextlib.AsyncExitStack() as stack:
        clients = []
        for k, base in enumerate(bases):
            url = f"{base}/graphql"
            share = concurrency // len(bases) + (k < concurrency % len(bases))
            for c in await stack.enter_async_context(keep_alive_connections(url, b"", share)):
                clients.append(client(c, url))
        await asyncio.gather(*clients)
