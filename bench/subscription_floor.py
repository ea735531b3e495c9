"""The floor of ``subscriptions.py``: what a bare WebSocket connection costs the server.

Once per N, ``floor_ws_server.py`` (Starlette + uvicorn with the WebSocket settings of
``frontdesk serve``, no database, no GraphQL) gets the same N connections from the
same subscriber processes and code as the Frontdesk runs: the same ``connection_init``
and the same ``subscribe`` message, which the floor reads and ignores. Its VmRSS
before any connection and once the connections have settled, over N, is the floor's
KiB per connection; Frontdesk's KiB per idle subscriber over it is the ratio printed.
"""

import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from servers import free_port, start_server, stop_server, wait_healthy
from subscription_fleet import Fleet
from subscription_world import Server, rss_kib, settle
from workspace import BENCH_DIR, log

FLOOR_SERVER = BENCH_DIR / "floor_ws_server.py"


@dataclass
class FloorResult:
    n: int
    rss_before_kib: int
    connected: int = 0
    ramp_s: float = 0.0
    rss_idle_kib: int = 0
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def kib_per_connection(self) -> float:
        return (self.rss_idle_kib - self.rss_before_kib) / max(self.connected, 1)

    def log_line(self) -> None:
        log(
            f"floor {self.n}: {self.connected} connected in {self.ramp_s:.1f} s, "
            f"{self.kib_per_connection:.1f} KiB/connection, errors {self.errors or 'none'}"
        )


def start_floor(name: str, env: dict[str, str]) -> Server:
    port = free_port()
    cmd = [sys.executable, str(FLOOR_SERVER), "--port", str(port)]
    proc: subprocess.Popen[bytes] = start_server(name, cmd, env)
    wait_healthy(proc, f"http://127.0.0.1:{port}", name, 60)
    return Server(proc, port, None)


async def measure_floor(
    n: int,
    env: dict[str, str],
    config: Callable[[Server], dict[str, Any]],
    processes: int,
) -> FloorResult:
    """N connections on a fresh floor process; ``config`` is the fleet's configuration."""
    name = f"live floor {n}"
    server = start_floor(name, env)
    fleet: Fleet | None = None
    try:
        await settle(server.proc.pid, min_s=1.0)
        res = FloorResult(n=n, rss_before_kib=rss_kib(server.proc.pid))
        log(f"{name}: opening {n} bare connections")
        started = time.monotonic()
        fleet = await Fleet.start(config(server), n, processes)
        res.connected, res.ramp_s = fleet.outcome.subscribed, time.monotonic() - started
        await settle(server.proc.pid)
        res.rss_idle_kib = rss_kib(server.proc.pid)
        outcome = await fleet.stop()
        fleet = None
        res.errors = outcome.errors
        return res
    finally:
        if fleet is not None:
            await fleet.kill()
        stop_server(server.proc)
