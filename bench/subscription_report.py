"""Figures of one subscriptions run and the table ``subscriptions.py`` prints."""

import argparse
import os
from dataclasses import dataclass, field

from subscription_fleet import Outcome
from subscription_floor import FloorResult
from workspace import log

P99_TARGET_MS = 250.0
P99_TARGET_AT = 5000
"""The latency target holds up to 5,000 subscribers on one process (issue 5)."""
KIB_TARGET = 25.0


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class RunResult:
    n: int
    mode: str
    distinct_by: str
    rss_before_kib: int
    subscribed: int = 0
    ramp_s: float = 0.0
    rss_idle_kib: int = 0
    rss_after_kib: int = 0
    commits: dict[int, float] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    delivered: int = 0
    expected: int = 0
    closed: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    server_cpu: float = 0.0
    client_cpu: float = 0.0

    def take(self, outcome: Outcome, events: int) -> None:
        self.expected = self.n * events
        for seq, commit in self.commits.items():
            these = [(at - commit) * 1000 for at in outcome.receipts.get(seq, [])]
            if these:  # per event on stderr: a slow tail shows which events it came from
                log(f"event {seq}: {len(these)} deliveries, {min(these):.0f}-{max(these):.0f} ms")
            self.latencies_ms.extend(these)
        self.delivered = len(self.latencies_ms)
        self.closed, self.errors = outcome.closed, outcome.errors

    @property
    def kib_per_subscriber(self) -> float:
        return (self.rss_idle_kib - self.rss_before_kib) / max(self.subscribed, 1)

    @property
    def p99_ms(self) -> float:
        return pct(self.latencies_ms, 0.99)

    @property
    def latency_ok(self) -> bool | None:
        if self.n > P99_TARGET_AT:
            return None
        return self.delivered == self.expected and self.p99_ms <= P99_TARGET_MS

    @property
    def memory_ok(self) -> bool:
        return self.subscribed == self.n and self.kib_per_subscriber <= KIB_TARGET

    def log_line(self) -> None:
        log(
            f"{self.mode} {self.n}: {self.delivered}/{self.expected} delivered, "
            f"p50 {pct(self.latencies_ms, 0.5):.0f} ms, p99 {self.p99_ms:.0f} ms, "
            f"{self.kib_per_subscriber:.1f} KiB/subscriber, CPU server {self.server_cpu:.0%} "
            f"clients {self.client_cpu:.0%}, errors {self.errors or 'none'}"
        )


def _verdict(ok: bool | None) -> str:
    return "-" if ok is None else ("pass" if ok else "FAIL")


def _floor_cells(r: RunResult, floor: FloorResult | None) -> str:
    """Floor KiB per bare connection for ``r.n`` and ``r``'s KiB per subscriber over it."""
    if floor is None:
        return f"{'-':>9} {'-':>7}"
    base = floor.kib_per_connection
    ratio = r.kib_per_subscriber / base if base > 0 else float("nan")
    return f"{base:>9.1f} {ratio:>6.1f}x"


def print_report(
    args: argparse.Namespace, results: list[RunResult], floors: dict[int, FloorResult]
) -> None:
    print(
        f"Subscriptions on one `frontdesk serve` process ({args.bus} event bus, "
        f"{os.cpu_count()} CPUs, {args.client_processes} subscriber processes"
        f"{', permessage-deflate offered' if args.deflate else ''}); "
        f"{args.events} events {args.spacing_ms:g} ms apart after one warm-up event"
    )
    print(
        f"Targets: p99 <= {P99_TARGET_MS:g} ms up to {P99_TARGET_AT:,} subscribers, every "
        f"update delivered; <= {KIB_TARGET:g} KiB per idle subscriber"
    )
    head = (
        f"{'subscribers':>11} {'mode':<18} {'subscribed':>10} {'delivered/expected':>19} "
        f"{'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'latency':>7} "
        f"{'KiB/sub':>8} {'memory':>6} {'floor KiB':>9} {'x floor':>7} "
        f"{'RSS idle MiB':>12} {'server CPU':>10} {'client CPU':>10}"
    )
    print(head)
    print("-" * len(head))
    for r in results:
        mode = r.mode if r.mode == "identical" else f"distinct ({r.distinct_by})"
        lat = r.latencies_ms
        print(
            f"{r.n:>11,} {mode:<18} {r.subscribed:>10,} "
            f"{f'{r.delivered:,}/{r.expected:,}':>19} {pct(lat, 0.5):>8.0f} {r.p99_ms:>8.0f} "
            f"{max(lat, default=float('nan')):>8.0f} {_verdict(r.latency_ok):>7} "
            f"{r.kib_per_subscriber:>8.1f} {_verdict(r.memory_ok):>6} "
            f"{_floor_cells(r, floors.get(r.n))} "
            f"{r.rss_idle_kib / 1024:>12.1f} {r.server_cpu:>10.0%} {r.client_cpu:>10.0%}"
        )
    for r in results:
        if r.errors or r.closed:
            print(f"  {r.mode} {r.n:,}: closed by the server {r.closed:,}; {r.errors}")
    _print_floors(floors)
    print(
        "Memory: server VmRSS before connecting and once the idle subscribers settled, "
        "over the subscriber count; RSS after the events: "
        + ", ".join(f"{r.mode} {r.n:,} {r.rss_after_kib / 1024:.0f} MiB" for r in results)
    )
    print("CPU: share of one core over the event window (first commit to last delivery).")


def _print_floors(floors: dict[int, FloorResult]) -> None:
    if not floors:
        print("Floor: not measured (--no-floor).")
        return
    print(
        "Floor: the same connections and messages, same run, on a bare graphql-transport-ws "
        "endpoint (bench/floor_ws_app.py: Starlette + uvicorn with frontdesk serve's "
        "UVICORN_WEBSOCKETS; no database, no GraphQL); 'floor KiB' is its VmRSS delta over "
        "the connections, 'x floor' Frontdesk's KiB per idle subscriber over it."
    )
    for f in floors.values():
        errors = f"; {f.errors}" if f.errors else ""
        print(
            f"  floor {f.n:,}: {f.connected:,}/{f.n:,} connected, "
            f"{f.kib_per_connection:.1f} KiB/connection, RSS {f.rss_before_kib / 1024:.1f} -> "
            f"{f.rss_idle_kib / 1024:.1f} MiB{errors}"
        )
