"""The subscriber processes of ``subscriptions.py``, driven from the bench process.

``Fleet`` starts ``--client-processes`` copies of ``subscription_clients.py``, each
holding its share of the subscribers, and talks to them over their stdin/stdout.
"""

import asyncio
import resource
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import orjson
from workspace import BENCH_DIR

CLIENT = BENCH_DIR / "subscription_clients.py"
READ_LIMIT = 1 << 30  # the final report of a process lists every receipt on one line


def raise_file_limit(wanted: int) -> int:
    """Raise this process's (and so its children's) open-file limit towards ``wanted``."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard == resource.RLIM_INFINITY else min(max(soft, wanted), hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


@dataclass
class Outcome:
    subscribed: int = 0
    receipts: dict[int, list[float]] = field(default_factory=dict)
    closed: int = 0
    errors: dict[str, int] = field(default_factory=dict)

    def add_errors(self, errors: dict[str, int]) -> None:
        for reason, n in errors.items():
            self.errors[reason] = self.errors.get(reason, 0) + n


class Fleet:
    def __init__(self, procs: list[asyncio.subprocess.Process]) -> None:
        self.procs = procs
        self.outcome = Outcome()

    @classmethod
    async def start(cls, config: dict[str, Any], total: int, processes: int) -> "Fleet":
        """Start the processes and wait until each has subscribed its share."""
        procs, first = [], 0
        for n in range(processes):
            count = total // processes + (1 if n < total % processes else 0)
            cfg = {**config, "first": first, "count": count}
            first += count
            procs.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    str(CLIENT),
                    orjson.dumps(cfg).decode(),
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                    limit=READ_LIMIT,
                )
            )
        fleet = cls(procs)
        for ready in await asyncio.gather(*(fleet._read(p) for p in procs)):
            fleet.outcome.subscribed += ready["ready"]
        return fleet

    @staticmethod
    async def _read(proc: asyncio.subprocess.Process) -> dict[str, Any]:
        assert proc.stdout is not None
        line = await proc.stdout.readline()
        if not line:
            raise RuntimeError(f"subscriber process {proc.pid} exited ({await proc.wait()})")
        reply: dict[str, Any] = orjson.loads(line)
        return reply

    async def _ask(self, command: bytes) -> list[dict[str, Any]]:
        for p in self.procs:
            assert p.stdin is not None
            p.stdin.write(command + b"\n")
        return list(await asyncio.gather(*(self._read(p) for p in self.procs)))

    async def counts(self) -> tuple[int, int, float]:
        """(updates received, connections the server closed, client CPU seconds so far)."""
        replies = await self._ask(b"count")
        return (
            sum(r["received"] for r in replies),
            sum(r["closed"] for r in replies),
            sum(r["cpu_s"] for r in replies),
        )

    async def wait_for(self, expected: int, idle_s: float, limit_s: float) -> int:
        """Until ``expected`` updates arrived, nothing arrived for ``idle_s``, or ``limit_s``."""
        started = last_change = time.monotonic()
        seen = -1
        while True:
            received, _, _ = await self.counts()
            now = time.monotonic()
            if received != seen:
                seen, last_change = received, now
            if received >= expected or now - last_change > idle_s or now - started > limit_s:
                return received
            await asyncio.sleep(0.25)

    async def stop(self) -> Outcome:
        """Close every connection; gather every receipt."""
        for reply in await self._ask(b"stop"):
            for seq, times in reply["receipts"].items():
                self.outcome.receipts.setdefault(int(seq), []).extend(times)
            self.outcome.closed += reply["closed"]
            self.outcome.add_errors(reply["errors"])
        for p in self.procs:
            await p.wait()
        return self.outcome

    async def kill(self) -> None:
        for p in self.procs:
            if p.returncode is None:
                p.kill()
                await p.wait()
