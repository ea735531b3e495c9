"""Node clients written by others (graphql-ws, graphql-http's audits) against a live server.

The npm packages are pinned in package-lock.json and installed with ``npm ci`` into
node_modules/ (never committed) the first time a session needs them, or when the lock
file has changed since. Without node/npm the tests are skipped locally; in CI (``CI``
set) they fail, as the Redis tests do.
"""

import asyncio
import contextlib
import fcntl
import json
import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.live_server import LiveServer, live_server
from tests.api.refusals import masked_errors
from tests.factories import ManualClock

HERE = Path(__file__).resolve().parent


def _installed_matches_lock() -> bool:
    """Whether node_modules holds exactly the versions package-lock.json pins (npm's own
    record of what it installed is node_modules/.package-lock.json)."""
    installed = HERE / "node_modules" / ".package-lock.json"
    if not installed.exists():
        return False

    def versions(path: Path) -> dict[str, str | None]:
        packages: dict[str, dict[str, Any]] = json.loads(path.read_text())["packages"]
        return {name: meta.get("version") for name, meta in packages.items() if name}

    return versions(installed) == versions(HERE / "package-lock.json")


def _missing(what: str) -> None:
    message = f"{what} is not installed; the client-conformance tests need Node 20+ and npm"
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI must run them)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def node_clients() -> str:
    """The path of ``node``, with the pinned packages installed (once per session; a file
    lock keeps concurrent sessions from running ``npm ci`` into the same folder)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        _missing("node" if node is None else "npm")
    assert node is not None and npm is not None
    with open(HERE / ".npm-ci.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _installed_matches_lock():
            done = subprocess.run(  # noqa: S603  (npm from PATH, fixed arguments)
                [npm, "ci", "--no-audit", "--no-fund"],
                cwd=HERE,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            if done.returncode != 0:
                pytest.fail(f"npm ci failed in {HERE}:\n{done.stdout}\n{done.stderr}")
    return node


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def server(database_url: str, db: str, clock: ManualClock) -> AsyncIterator[LiveServer]:
    async with live_server(database_url, clock) as running:
        yield running


class NodeScript:
    """A running ``node <script>``: its stdout read as JSON lines, its stdin writable."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def line(self, seconds: float = 10) -> dict[str, Any]:
        assert self.process.stdout is not None
        async with asyncio.timeout(seconds):
            raw = await self.process.stdout.readline()
        if not raw:
            raise AssertionError(f"node exited ({await self.stderr()})")
        parsed: dict[str, Any] = json.loads(raw)
        return parsed

    async def lines(self, seconds: float = 60) -> list[dict[str, Any]]:
        """Every line until the script exits."""
        assert self.process.stdout is not None
        async with asyncio.timeout(seconds):
            out = await self.process.stdout.read()
        return [json.loads(raw) for raw in out.splitlines()]

    async def send(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{text}\n".encode())
        await self.process.stdin.drain()

    async def exit_code(self, seconds: float = 10) -> int:
        async with asyncio.timeout(seconds):
            return await self.process.wait()

    async def stderr(self) -> str:
        assert self.process.stderr is not None
        return (await self.process.stderr.read()).decode()


@contextlib.asynccontextmanager
async def run_node(node: str, script: str, *args: str) -> AsyncIterator[NodeScript]:
    """Start a script of this folder; it is killed if still running at the end."""
    process = await asyncio.create_subprocess_exec(
        node,
        str(HERE / script),
        *args,
        cwd=HERE,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        yield NodeScript(process)
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()


@pytest.fixture(autouse=True)
def nothing_is_masked(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """As in tests/api: no request of a real client may crash into a masked error."""
    yield
    assert masked_errors(caplog.records) == []
