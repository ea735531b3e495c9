"""One timed load run against a server: throughput, latency and who used the CPU.

The same ``Load`` is applied to every target. Requests completing during the
warm-up are not counted; CPU time of the server, PostgreSQL, this process and
the rest of the machine is read at both ends of the measured window, because on
a small machine the load generator shares the CPUs with what it measures and
the figures only mean something next to those shares.
"""

import asyncio
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import psutil
from load_clients import CLIENTS, Send
from servers import cpu_seconds


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
