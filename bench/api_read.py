"""Read-path benchmark: the 50-ticket queue page, Frontdesk vs. a plain asyncpg floor.

Seeds its own database (``.frontdesk-bench/``: the embedded PostgreSQL by
default; with ``DATABASE_URL`` set, a separate ``frontdesk_bench`` database on
that server) with the demo world plus ``--tickets`` bulk tickets and their
messages, then:

1. starts ``frontdesk serve`` (one uvicorn process), waits for /healthz, lets it
   idle and reads its resident memory (RSS) before any GraphQL request;
2. checks that the queue query answers, then drives it with ``--concurrency``
   connections for ``--warmup`` + ``--duration`` seconds and records latencies;
3. does the same against ``bench/floor_app.py`` (asyncpg + orjson, same SQL
   data, same JSON document), one server after the other;
4. prints requests/s, p50/p99 latency, and the ratio Frontdesk / floor.

The load generator runs in this process, apart from both servers. By default
it is a minimal keep-alive HTTP/1.1 client (``--client httpx`` for httpx, which
tops out near 400 requests/s on one core: below the floor, so it would measure
itself). On a small machine it still competes with the servers and PostgreSQL
for CPU, which is why the servers are measured one after the other and why the
CPU each process (and the rest of the machine) used is printed next to the
figures.

The floor does no authentication and sends one SQL statement where Frontdesk
sends seven (token, page, four DataLoader batches, last messages); that is the
point of a floor.

    .venv/bin/python bench/api_read.py                 # seed (about a minute) + measure
    .venv/bin/python bench/api_read.py --skip-seed     # reuse the seeded bench database
    .venv/bin/python bench/api_read.py --skip-seed --json
"""

import argparse
import asyncio
import contextlib
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import orjson
import psutil

from app.database import credentials

T = TypeVar("T")

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
DATA_DIR = ROOT / ".frontdesk-bench"
VENV_BIN = Path(sys.executable).parent
FRONTDESK = VENV_BIN / "frontdesk"
EXTERNAL_DB_NAME = "frontdesk_bench"
TOKEN_FILE = "bench-token.txt"  # noqa: S105  (a file name, not a secret)
PAGE = 50
TARGET_RATIO = 0.25
NOISY_OTHER_CPU_PCT = 25.0

QUERY = """query Queue($first: Int!, $filter: TicketFilter) {
  tickets(first: $first, filter: $filter) {
    edges {
      node {
        id number subject status priority createdAt tags
        customer { id name tier }
        assignee { id name }
        team { id name }
        category { key name }
        lastMessage { content createdAt }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}"""


def queue_request(status: str | None) -> bytes:
    """The request body both servers get: the queue query, OPEN tickets if ``status``."""
    variables: dict[str, Any] = {"first": PAGE}
    if status is not None:
        variables["filter"] = {"status": status}
    return orjson.dumps({"query": QUERY, "variables": variables})


def code_version() -> str:
    """The checked-out revision, and whether the working tree differs from it."""
    git = ["git", "-C", str(ROOT)]
    try:
        head = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            [*git, "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (no git)"
    return f"{head} + uncommitted changes" if dirty else head


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def run_async(coro_fn: Callable[[], Coroutine[Any, Any, T]]) -> T:
    try:
        import uvloop  # noqa: PLC0415  (optional: the client is cheaper on uvloop)
    except ImportError:
        return asyncio.run(coro_fn())
    return uvloop.run(coro_fn())


# --------------------------------------------------------------------------- database


@dataclass
class BenchDatabase:
    """Where the bench data lives and how the ``frontdesk`` subprocesses find it."""

    url: str
    env: dict[str, str]
    embedded: bool
    started_embedded: bool = False

    @property
    def pgdata(self) -> Path:
        return DATA_DIR / "postgres"


def _embedded_running() -> bool:
    pidfile = DATA_DIR / "postgres" / "postmaster.pid"
    if not pidfile.exists():
        return False
    try:
        pid = int(pidfile.read_text().split()[0])
    except (ValueError, IndexError):
        return False
    return psutil.pid_exists(pid)


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


NOT_PASSED_ON = frozenset(
    {"DATABASE_URL", "FRONTDESK_DATABASE_URL", "REDIS_URL", "FRONTDESK_REDIS_URL"}
    | {"MEILI_URL", "FRONTDESK_MEILI_URL", "FRONTDESK_PORT", "FRONTDESK_HOST"}
)
"""The user's services: the bench servers use the embedded defaults (or the bench database)."""


def bench_database() -> BenchDatabase:
    """The bench database: never the user's ``.frontdesk/`` nor their DATABASE_URL database."""
    env = {k: v for k, v in os.environ.items() if k not in NOT_PASSED_ON}
    env["FRONTDESK_DATA_DIR"] = str(DATA_DIR)
    server = os.environ.get("DATABASE_URL") or os.environ.get("FRONTDESK_DATABASE_URL")
    if server:
        url = _with_database(server, EXTERNAL_DB_NAME)
        env["DATABASE_URL"] = url
        return BenchDatabase(url=url, env=env, embedded=False)
    from adapters.embedded_postgres import start_embedded_postgres  # noqa: PLC0415

    was_running = _embedded_running()
    url = start_embedded_postgres(DATA_DIR)
    return BenchDatabase(url=url, env=env, embedded=True, started_embedded=not was_running)


def frontdesk_cli(db: BenchDatabase, *args: str) -> str:
    """Run ``frontdesk ARGS`` against the bench database; its stdout."""
    done = subprocess.run(
        [str(FRONTDESK), *args], env=db.env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.exit(f"frontdesk {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return done.stdout


async def recreate_database(url: str) -> None:
    """Drop and create the bench database (connecting to the server's maintenance db)."""
    name = credentials(url)["database"]
    admin_url = _with_database(url, "postgres")
    conn = await asyncpg.connect(**credentials(admin_url))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


EXTRA_CUSTOMERS_SQL = """
INSERT INTO customer (name, email, tier, vip, organisation, created_at)
SELECT 'Bench Customer ' || g, 'bench' || g || '@customers.example',
       (ARRAY['ENTERPRISE','BUSINESS','PROFESSIONAL','STARTER','FREE'])[1 + g % 5],
       g % 50 = 0, 'Organisation ' || (g % 300), now()
FROM generate_series(1, $1::int) AS g
"""

# One row per bulk ticket: 30% OPEN (40% of those assigned, 10% unclassified),
# the rest further along and assigned to an agent of the category's team.
TICKETS_SQL = """
WITH custs AS (SELECT array_agg(id ORDER BY id) AS ids FROM customer),
     cats AS (SELECT array_agg(id ORDER BY id) AS ids,
                     array_agg(default_team_id ORDER BY id) AS teams FROM category),
     team_agents AS (SELECT team_id, array_agg(id ORDER BY id) AS ids FROM agent GROUP BY team_id),
     draw AS (
        SELECT g, random() AS r_status, random() AS r_assign, random() AS r_prio,
               random() AS r_agent, random() AS r_cust, random() AS r_cat, random() AS r_tags,
               random() AS r_subj
        FROM generate_series(1, $1::int) AS g
     ),
     shaped AS (
        SELECT d.*, custs.ids[1 + floor(d.r_cust * cardinality(custs.ids))::int] AS customer_id,
               1 + floor(d.r_cat * cardinality(cats.ids))::int AS cat_i,
               CASE WHEN d.r_status < 0.30 THEN 'OPEN'
                    WHEN d.r_status < 0.45 THEN 'IN_PROGRESS'
                    WHEN d.r_status < 0.55 THEN 'WAITING_ON_CUSTOMER'
                    WHEN d.r_status < 0.80 THEN 'RESOLVED'
                    ELSE 'CLOSED' END AS status,
               now() - make_interval(secs => (($1::int - d.g) * 300 + 7200)::float8) AS created
        FROM draw AS d, custs, cats
     ),
     placed AS (
        SELECT s.*,
               s.status <> 'OPEN' OR s.r_assign < 0.4 AS assigned,
               s.status = 'OPEN' AND s.r_assign >= 0.94 AS unclassified,
               cats.ids[s.cat_i] AS category_id, cats.teams[s.cat_i] AS team_id
        FROM shaped AS s, cats
     )
INSERT INTO ticket (customer_id, subject, description, priority, priority_set_by_agent, status,
                    category_id, channel, tags, assignee_id, team_id, created_at, updated_at,
                    first_response_at, resolved_at, closed_at, reopen_count)
SELECT p.customer_id,
       (ARRAY['Invoice charged twice', 'Cannot log in after password reset',
              'Parcel stuck in transit', 'Refund not received', 'API returns 500 on checkout',
              'Change delivery address', 'Export to CSV times out',
              'Add VAT number to invoices'])[1 + floor(p.r_subj * 8)::int]
         || ' (order ' || (100000 + p.g) || ')',
       repeat('We noticed this on our side this morning and tried the steps from the help '
              || 'centre, without luck. Could you have a look and tell us what to do next? ',
              1 + p.g % 4),
       CASE WHEN p.r_prio < 0.10 THEN 'URGENT' WHEN p.r_prio < 0.30 THEN 'HIGH'
            WHEN p.r_prio < 0.75 THEN 'MEDIUM' ELSE 'LOW' END,
       p.r_prio < 0.05,
       p.status,
       CASE WHEN p.unclassified THEN NULL ELSE p.category_id END,
       (ARRAY['EMAIL', 'WEB', 'CHAT', 'API', 'PHONE'])[1 + p.g % 5],
       (ARRAY['billing', 'refund', 'bug', 'outage', 'mobile', 'api', 'invoice', 'login',
              'delivery', 'vip'])[1 + floor(p.r_tags * 10)::int : floor(p.r_tags * 10)::int
                                  + p.g % 3],
       CASE WHEN p.assigned AND NOT p.unclassified
            THEN ta.ids[1 + floor(p.r_agent * cardinality(ta.ids))::int] END,
       CASE WHEN p.unclassified THEN NULL ELSE p.team_id END,
       p.created,
       least(now(), p.created + make_interval(mins => 10 + floor(p.r_prio * 600)::int)),
       CASE WHEN p.assigned THEN p.created + interval '25 minutes' END,
       CASE WHEN p.status IN ('RESOLVED', 'CLOSED') THEN p.created + interval '1 day' END,
       CASE WHEN p.status = 'CLOSED' THEN p.created + interval '3 days' END,
       CASE WHEN p.g % 37 = 0 THEN 1 ELSE 0 END
FROM placed AS p
LEFT JOIN team_agents AS ta ON ta.team_id = p.team_id
ORDER BY p.g
"""

# 0-3 messages per bulk ticket (30% none, 30% one, 20% two, 20% three): the
# customer writes first, the assignee answers, a third of the assigned
# three-message tickets end on an internal note (which the ADMIN token sees).
MESSAGES_SQL = """
INSERT INTO message (ticket_id, sender_type, sender_customer_id, sender_agent_id, content,
                     internal, created_at)
SELECT t.id,
       CASE WHEN x.by_agent THEN 'AGENT' ELSE 'CUSTOMER' END,
       CASE WHEN x.by_agent THEN NULL ELSE t.customer_id END,
       CASE WHEN x.by_agent THEN t.assignee_id END,
       (ARRAY['Thanks for reaching out, we are looking into it now.',
              'Any news on this? It is blocking our team.',
              'Could you send us a screenshot of the error and the time it happened?',
              'Here it is, it happened again at 10:42 this morning.',
              'We found the cause and deployed a fix; could you try again and confirm?',
              'Checked the logs: the payment provider retried the charge twice.'])
         [1 + (t.id + n) % 6],
       x.internal,
       t.created_at + make_interval(mins => 20 * n)
FROM ticket AS t
CROSS JOIN LATERAL generate_series(1, (ARRAY[0, 0, 0, 1, 1, 1, 2, 2, 3, 3])[1 + t.id * 7 % 10])
     AS n
CROSS JOIN LATERAL (
    SELECT t.assignee_id IS NOT NULL AND (n = 2 OR (n = 3 AND t.id % 3 = 0)) AS by_agent,
           t.assignee_id IS NOT NULL AND n = 3 AND t.id % 3 = 0 AS internal
) AS x
WHERE t.id > $1
ORDER BY t.id, n
"""


async def bulk_insert(url: str, tickets: int, extra_customers: int) -> None:
    conn = await asyncpg.connect(**credentials(url))
    try:
        await conn.execute("SELECT setseed(0.42)")
        if extra_customers:
            await conn.execute(EXTRA_CUSTOMERS_SQL, extra_customers)
        before = await conn.fetchval("SELECT coalesce(max(id), 0) FROM ticket")
        started = time.perf_counter()
        await conn.execute(TICKETS_SQL, tickets)
        log(f"  {tickets:,} tickets in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        status = await conn.execute(MESSAGES_SQL, before)
        log(f"  {int(status.split()[-1]):,} messages in {time.perf_counter() - started:.1f} s")
        await conn.execute("VACUUM (ANALYZE) customer, agent, team, category, ticket, message")
    finally:
        await conn.close()


def seed(db: BenchDatabase, tickets: int, extra_customers: int) -> str:
    """A fresh bench database: migrations, demo data, bulk tickets; an ADMIN token."""
    log(f"recreating the bench database ({'embedded' if db.embedded else 'DATABASE_URL'})")
    run_async(lambda: recreate_database(db.url))
    log("frontdesk migrate + seed-demo")
    frontdesk_cli(db, "migrate")
    frontdesk_cli(db, "seed-demo")
    log(f"bulk insert of {tickets:,} tickets")
    run_async(lambda: bulk_insert(db.url, tickets, extra_customers))
    token = frontdesk_cli(db, "token", "create", "--role", "ADMIN", "--name", "bench").strip()
    (DATA_DIR / TOKEN_FILE).write_text(token + "\n", encoding="utf-8")
    (DATA_DIR / TOKEN_FILE).chmod(0o600)
    return token


def admin_token(db: BenchDatabase) -> str:
    saved = DATA_DIR / TOKEN_FILE
    if saved.exists():
        return saved.read_text(encoding="utf-8").strip()
    token = frontdesk_cli(db, "token", "create", "--role", "ADMIN", "--name", "bench").strip()
    saved.write_text(token + "\n", encoding="utf-8")
    return token


@dataclass
class DataSummary:
    tickets: int
    open_tickets: int
    messages: int
    customers: int


async def data_summary(url: str) -> DataSummary:
    try:
        conn = await asyncpg.connect(**credentials(url))
    except (OSError, asyncpg.PostgresError) as exc:
        sys.exit(f"cannot open the bench database ({exc}); run without --skip-seed first")
    try:
        row = await conn.fetchrow(
            "SELECT (SELECT count(*) FROM ticket) AS tickets,"
            " (SELECT count(*) FROM ticket WHERE status = 'OPEN') AS open_tickets,"
            " (SELECT count(*) FROM message) AS messages,"
            " (SELECT count(*) FROM customer) AS customers"
        )
    except asyncpg.UndefinedTableError:
        sys.exit("the bench database is not migrated; run without --skip-seed first")
    finally:
        await conn.close()
    return DataSummary(**dict(row))


# --------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_log(name: str) -> Path:
    """Where a server's output goes: ``.frontdesk-bench/bench-<name as a slug>.log``."""
    return DATA_DIR / f"bench-{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}.log"


def start_server(name: str, cmd: Sequence[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    with server_log(name).open("wb") as out:
        return subprocess.Popen(list(cmd), env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)


def wait_healthy(proc: subprocess.Popen[bytes], base: str, name: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                sys.exit(f"{name} exited ({proc.returncode}); see {server_log(name)}")
            try:
                if client.get(f"{base}/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
    sys.exit(f"{name} did not answer /healthz within {timeout:.0f} s")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def rss_mib(pid: int) -> float:
    return psutil.Process(pid).memory_info().rss / 2**20


def postgres_pids(db: BenchDatabase) -> list[int]:
    """The embedded postmaster and its backends (empty for an external server)."""
    if not db.embedded:
        return []
    try:
        master = psutil.Process(int((db.pgdata / "postmaster.pid").read_text().split()[0]))
        return [master.pid, *(c.pid for c in master.children(recursive=True))]
    except (OSError, ValueError, psutil.Error):
        return []


def cpu_seconds(pids: Sequence[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


# --------------------------------------------------------------------------- load

Send = Callable[[], Awaitable[tuple[int, bytes]]]
"""One request: (HTTP status, body)."""


class _KeepAliveConnection(asyncio.Protocol):
    """One HTTP/1.1 keep-alive connection sending the same prepared request.

    A minimal client (responses with Content-Length only, as uvicorn sends for
    these endpoints) that costs the load generator a few microseconds per
    request, where httpx's costs about a millisecond: a Python client that
    tops out below the floor would measure itself, not the floor.
    """

    def __init__(self, request: bytes) -> None:
        self.request = request
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.header_end = -1
        self.total = -1
        self.status = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.total < 0:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buffer[:end]).lower()
            self.status = int(head[9:12])
            at = head.find(b"\r\ncontent-length:")
            if at < 0:
                self._fail(ConnectionError("response without Content-Length"))
                return
            start = at + len(b"\r\ncontent-length:")
            stop = head.find(b"\r\n", start)
            length = int(head[start : stop if stop >= 0 else None])
            self.header_end, self.total = end + 4, end + 4 + length
        if len(self.buffer) >= self.total and self.waiter is not None:
            body = bytes(self.buffer[self.header_end : self.total])
            del self.buffer[: self.total]
            self.total = -1
            self.waiter.set_result((self.status, body))

    def _fail(self, exc: Exception) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(exc or ConnectionError("connection closed by the server"))

    async def send(self) -> tuple[int, bytes]:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(self.request)
        return await self.waiter


@contextlib.asynccontextmanager
async def raw_senders(
    url: str, body: bytes, headers: dict[str, str], n: int
) -> AsyncIterator[list[Send]]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    head = [f"POST {parts.path} HTTP/1.1", f"Host: {parts.netloc}"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    head += [f"Content-Length: {len(body)}", "", ""]
    request = "\r\n".join(head).encode() + body
    loop = asyncio.get_running_loop()
    connections = []
    for _ in range(n):
        _, protocol = await loop.create_connection(
            lambda: _KeepAliveConnection(request), host, port
        )
        connections.append(protocol)
    try:
        yield [c.send for c in connections]
    finally:
        for c in connections:
            if c.transport is not None:
                c.transport.close()


@contextlib.asynccontextmanager
async def httpx_senders(
    url: str, body: bytes, headers: dict[str, str], n: int
) -> AsyncIterator[list[Send]]:
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:

        async def send() -> tuple[int, bytes]:
            response = await client.post(url, content=body, headers=headers)
            return response.status_code, response.content

        yield [send] * n


CLIENTS = {"raw": raw_senders, "httpx": httpx_senders}


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    mean_ms: float
    server_cpu_pct: float
    postgres_cpu_pct: float | None
    loadgen_cpu_pct: float
    other_cpu_pct: float
    """CPU the rest of the machine used meanwhile (other processes, kernel networking)."""


def _percentile(sorted_values: Sequence[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


@dataclass
class Load:
    """What to send, how hard and for how long; the same for every target."""

    body: bytes
    headers: dict[str, str]
    concurrency: int
    warmup: float
    duration: float
    client: str


async def run_load(
    url: str, load: Load, *, server_pid: int, postgres: Callable[[], list[int]]
) -> LoadResult:
    """``load.concurrency`` keep-alive connections POST ``load.body`` back to back.

    Requests completing during the warm-up are not counted; after it, every
    request completing within ``load.duration`` seconds counts for throughput
    and has its latency recorded. CPU time of the server, PostgreSQL and this
    process is read at both ends of the measured window.
    """
    latencies: list[float] = []
    errors = 0
    me = psutil.Process()
    pg_pids: list[int] = []
    cpu_at: dict[str, tuple[float, float, float, float]] = {}
    async with CLIENTS[load.client](url, load.body, load.headers, load.concurrency) as senders:
        start = time.perf_counter()
        measure_from, end = start + load.warmup, start + load.warmup + load.duration

        async def sample(name: str, at: float) -> None:
            await asyncio.sleep(max(0.0, at - time.perf_counter()))
            if not pg_pids:
                pg_pids.extend(postgres())  # after the warm-up: the pools have grown
            own, machine = me.cpu_times(), psutil.cpu_times()
            cpu_at[name] = (
                cpu_seconds([server_pid]),
                cpu_seconds(pg_pids),
                own.user + own.system,
                sum(machine) - machine.idle - getattr(machine, "iowait", 0.0),
            )

        async def worker(send: Send) -> None:
            nonlocal errors
            while (t0 := time.perf_counter()) < end:
                status, content = await send()
                t1 = time.perf_counter()
                if measure_from <= t1 <= end:
                    if status == 200 and b'"errors"' not in content:
                        latencies.append(t1 - t0)
                    else:
                        errors += 1

        await asyncio.gather(
            sample("from", measure_from), sample("to", end), *(worker(s) for s in senders)
        )
    latencies.sort()
    (s0, p0, l0, m0), (s1, p1, l1, m1) = cpu_at["from"], cpu_at["to"]
    accounted = (s1 - s0) + (p1 - p0) + (l1 - l0)
    return LoadResult(
        requests=len(latencies),
        errors=errors,
        seconds=load.duration,
        rps=len(latencies) / load.duration,
        p50_ms=_percentile(latencies, 0.50) * 1000,
        p99_ms=_percentile(latencies, 0.99) * 1000,
        mean_ms=statistics.fmean(latencies) * 1000 if latencies else float("nan"),
        server_cpu_pct=100 * (s1 - s0) / load.duration,
        postgres_cpu_pct=100 * (p1 - p0) / load.duration if pg_pids else None,
        loadgen_cpu_pct=100 * (l1 - l0) / load.duration,
        other_cpu_pct=max(0.0, 100 * ((m1 - m0) - accounted) / load.duration),
    )


@dataclass
class TargetResult:
    name: str
    idle_rss_mib: float
    rss_after_load_mib: float
    response_bytes: int
    edges: int
    load: LoadResult
    data: Any = field(default=None, repr=False)


def measure_target(
    name: str,
    *,
    cmd: Sequence[str],
    env: dict[str, str],
    port: int,
    load: Load,
    idle_seconds: float,
    db: BenchDatabase,
) -> TargetResult:
    base = f"http://127.0.0.1:{port}"
    log(f"starting {name}: {' '.join(cmd)}")
    proc = start_server(name, cmd, env)
    try:
        wait_healthy(proc, base, name, timeout=120)
        time.sleep(idle_seconds)
        idle_rss = rss_mib(proc.pid)
        response = httpx.post(
            f"{base}/graphql", content=load.body, headers=load.headers, timeout=60
        )
        document = response.json()
        if response.status_code != 200 or document.get("errors"):
            sys.exit(f"{name} answered {response.status_code}: {response.text[:2000]}")
        edges = len(document["data"]["tickets"]["edges"])
        log(
            f"{name}: idle RSS {idle_rss:.1f} MiB; page of {edges} tickets, "
            f"{len(response.content):,} bytes; load for {load.warmup:g} + {load.duration:g} s"
        )
        result = run_async(
            lambda: run_load(
                f"{base}/graphql", load, server_pid=proc.pid, postgres=lambda: postgres_pids(db)
            )
        )
        return TargetResult(
            name=name,
            idle_rss_mib=idle_rss,
            rss_after_load_mib=rss_mib(proc.pid),
            response_bytes=len(response.content),
            edges=edges,
            load=result,
            data=document["data"],
        )
    finally:
        stop_server(proc)


def first_difference(a: Any, b: Any, path: str = "data") -> str | None:
    """Where two JSON documents first differ, or None when they are equal."""
    pairs: list[tuple[str, Any, Any]] = []
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return f"{path}: keys {sorted(a.keys() ^ b.keys())} in one only"
        pairs = [(f"{path}.{k}", a[k], b[k]) for k in a]
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} vs {len(b)} items"
        pairs = [(f"{path}[{i}]", x, y) for i, (x, y) in enumerate(zip(a, b, strict=True))]
    elif a != b:
        return f"{path}: {a!r} vs {b!r}"
    for sub_path, x, y in pairs:
        if found := first_difference(x, y, sub_path):
            return found
    return None


# --------------------------------------------------------------------------- report


def _fmt_pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}%"


@dataclass
class Report:
    summary: DataSummary
    status: str | None
    args: argparse.Namespace
    frontdesk: TargetResult
    floor: TargetResult
    difference: str | None
    """Where the two servers' data first differ; None when identical."""
    code: str

    @property
    def ratio(self) -> float:
        floor_rps = self.floor.load.rps
        return self.frontdesk.load.rps / floor_rps if floor_rps else float("nan")

    @property
    def query(self) -> str:
        where = f"filter: {{status: {self.status}}}" if self.status else "no filter"
        return f"tickets(first: {PAGE}, {where})"


def print_table(r: Report) -> None:
    a = r.args
    lines = [
        "",
        f"Frontdesk read benchmark: {r.query} with customer, assignee, team, category, lastMessage",
        f"data: {r.summary.tickets:,} tickets ({r.summary.open_tickets:,} OPEN),"
        f" {r.summary.messages:,} messages, {r.summary.customers:,} customers",
        f"code: {r.code}",
        f"load: {a.concurrency} connections ({a.client} client, this process),"
        f" {a.warmup:g} s warm-up + {a.duration:g} s measured",
        f"servers measured one after the other on {psutil.cpu_count()} CPU(s),"
        " sharing them with PostgreSQL and the load generator",
        "",
        f"{'target':<26}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
        f"{'resp bytes':>12}{'server CPU':>12}{'PG CPU':>8}{'client CPU':>12}{'other CPU':>11}",
    ]
    for t in (r.frontdesk, r.floor):
        lines.append(
            f"{t.name:<26}{t.load.rps:>9.1f}{t.load.p50_ms:>9.1f}{t.load.p99_ms:>9.1f}"
            f"{t.load.errors:>8}{t.response_bytes:>12,}{_fmt_pct(t.load.server_cpu_pct):>12}"
            f"{_fmt_pct(t.load.postgres_cpu_pct):>8}{_fmt_pct(t.load.loadgen_cpu_pct):>12}"
            f"{_fmt_pct(t.load.other_cpu_pct):>11}"
        )
    verdict = "meets" if r.ratio >= TARGET_RATIO else "BELOW"
    lines += [
        "",
        f"ratio frontdesk/floor req/s: {r.ratio:.3f}x  ({verdict} the {TARGET_RATIO}x target)",
        f"resident memory of an idle `frontdesk serve`: {r.frontdesk.idle_rss_mib:.1f} MiB"
        f"  (after the load: {r.frontdesk.rss_after_load_mib:.1f} MiB;"
        f" floor idle: {r.floor.idle_rss_mib:.1f} MiB)",
        "same JSON data from both: yes"
        if r.difference is None
        else f"same JSON data from both: NO ({r.difference})",
        "(CPU columns: % of one core during the measured seconds; 'other' is the rest of the"
        " machine, including kernel networking)",
    ]
    busy = max(r.frontdesk.load.other_cpu_pct, r.floor.load.other_cpu_pct)
    if busy > NOISY_OTHER_CPU_PCT:
        lines.append(
            f"WARNING: other work used up to {busy:.0f}% of a core during the measurements;"
            " the figures are not from a quiet machine."
        )
    lines.append("")
    print("\n".join(lines))


def json_summary(r: Report) -> dict[str, Any]:
    def target(t: TargetResult) -> dict[str, Any]:
        out = {k: v for k, v in asdict(t).items() if k != "data"}
        out.update(out.pop("load"))
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in out.items()}

    return {
        "query": r.query,
        "code": r.code,
        "data": asdict(r.summary),
        "concurrency": r.args.concurrency,
        "client": r.args.client,
        "warmup_s": r.args.warmup,
        "duration_s": r.args.duration,
        "cpus": psutil.cpu_count(),
        "frontdesk": target(r.frontdesk),
        "floor": target(r.floor),
        "ratio_rps": round(r.ratio, 4),
        "target_ratio": TARGET_RATIO,
        "meets_target": r.ratio >= TARGET_RATIO,
        "idle_rss_mib": round(r.frontdesk.idle_rss_mib, 1),
        "same_data": r.difference is None,
        "difference": r.difference,
    }


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tickets", type=int, default=100_000, help="bulk tickets to seed")
    p.add_argument(
        "--extra-customers",
        type=int,
        default=0,
        help="synthetic customers besides the demo ones (default: demo only)",
    )
    p.add_argument("--duration", type=float, default=10.0, help="measured seconds per target")
    p.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds first")
    p.add_argument("--concurrency", type=int, default=32, help="concurrent connections")
    p.add_argument(
        "--client",
        choices=sorted(CLIENTS),
        default="raw",
        help="load generator: a minimal keep-alive HTTP/1.1 client (default) or httpx",
    )
    p.add_argument(
        "--idle-seconds",
        type=float,
        default=3.0,
        help="idle time after /healthz before reading the server's RSS",
    )
    p.add_argument("--skip-seed", action="store_true", help="reuse the seeded bench database")
    p.add_argument(
        "--keep-db",
        action="store_true",
        help="leave the embedded bench PostgreSQL running even if this run started it",
    )
    p.add_argument("--json", action="store_true", help="print a JSON summary instead of a table")
    return p.parse_args(argv)


def benchmark(args: argparse.Namespace, db: BenchDatabase) -> None:
    token = admin_token(db) if args.skip_seed else seed(db, args.tickets, args.extra_customers)
    summary = run_async(lambda: data_summary(db.url))
    if summary.tickets == 0:
        sys.exit("the bench database has no tickets; run without --skip-seed")
    status = "OPEN" if summary.open_tickets > PAGE else None

    load = Load(
        body=queue_request(status),
        headers={"content-type": "application/json", "authorization": f"Bearer {token}"},
        concurrency=args.concurrency,
        warmup=args.warmup,
        duration=args.duration,
        client=args.client,
    )
    workload = {"load": load, "idle_seconds": args.idle_seconds, "db": db}
    port = free_port()
    frontdesk = measure_target(
        "frontdesk serve",
        cmd=[str(FRONTDESK), "serve", "--port", str(port)],
        env=db.env,
        port=port,
        **workload,
    )
    port = free_port()
    floor = measure_target(
        "floor (asyncpg+orjson)",
        cmd=[
            *(sys.executable, "-m", "uvicorn", "floor_app:app", "--app-dir", str(BENCH_DIR)),
            *("--host", "127.0.0.1", "--port", str(port)),
            *("--log-level", "warning", "--no-access-log"),
        ],
        env={**db.env, "BENCH_FLOOR_DSN": db.url},
        port=port,
        **workload,
    )
    report = Report(
        summary,
        status,
        args,
        frontdesk,
        floor,
        difference=first_difference(frontdesk.data, floor.data),
        code=code_version(),
    )
    if args.json:
        print(json.dumps(json_summary(report), indent=2))
    else:
        print_table(report)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    DATA_DIR.mkdir(exist_ok=True)
    db = bench_database()
    try:
        benchmark(args, db)
    finally:
        if db.started_embedded and not args.keep_db:
            frontdesk_cli(db, "db-stop")
            log("stopped the embedded bench PostgreSQL this run started")
        elif db.embedded:
            log(
                f"the embedded bench PostgreSQL is left running ({DATA_DIR}); "
                f"stop it with FRONTDESK_DATA_DIR={DATA_DIR} {FRONTDESK} db-stop"
            )


if __name__ == "__main__":
    main()
