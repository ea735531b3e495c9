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

This file is the entry point (the flags and the order of the steps); the pieces
live next to it: ``queue_query`` (the request), ``bench_database`` and
``seeding`` (the data), ``servers`` (the processes, their CPU and memory),
``load_clients`` and ``load_run`` (the load generator), ``targets`` (one server
measured), ``report`` (the output) and ``workspace`` (paths, progress log).

    .venv/bin/python bench/api_read.py                 # seed (about a minute) + measure
    .venv/bin/python bench/api_read.py --skip-seed     # reuse the seeded bench database
    .venv/bin/python bench/api_read.py --skip-seed --json
"""

import argparse
import json
import sys
from collections.abc import Sequence

from bench_database import BenchDatabase, admin_token, bench_database, data_summary, frontdesk_cli
from load_clients import CLIENTS
from load_run import Load
from queue_query import PAGE, queue_request
from report import Report, code_version, json_summary, print_table
from seeding import seed
from servers import free_port
from targets import first_difference, measure_target
from workspace import BENCH_DIR, DATA_DIR, FRONTDESK, log, run_async


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
