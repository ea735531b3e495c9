"""The servers under test as processes: start, wait for /healthz, stop; CPU and RSS.

Each server runs in its own process, apart from the load generator, so what it
costs is read from the operating system (psutil): resident memory once idle
and after the load, and the CPU seconds of the server and of the embedded
PostgreSQL (postmaster and backends) around the measured window. A server's
output goes to a log under ``.frontdesk-bench/``, so a failed start can be read
after the bench has exited.
"""

import re
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx
import psutil
from bench_database import BenchDatabase
from workspace import DATA_DIR, ROOT


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
