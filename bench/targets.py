"""Measuring one target end to end, and comparing what two targets answered.

A target is a server command: it is started, its idle memory read, its answer
to the queue query checked (throughput of a failing query means nothing), then
it is loaded and stopped. Its answer's data is kept so that the report can say
whether Frontdesk and the floor returned the same JSON: a floor that answers
something else is no floor.
"""

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from bench_database import BenchDatabase
from load_run import Load, LoadResult, run_load
from servers import postgres_pids, rss_mib, start_server, stop_server, wait_healthy
from workspace import log, run_async


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
