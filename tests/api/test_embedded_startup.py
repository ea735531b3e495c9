"""The README's run command, end to end: a fresh data dir becomes a seeded API.

Starts `frontdesk serve` with DATABASE_URL unset (embedded PostgreSQL), like a
new user would, and talks to it over real HTTP.
"""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.slow

PAGE = "{ tickets(first: 50) { edges { node { status customer { tier } } } } }"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    return {**env, "FRONTDESK_DATA_DIR": str(data_dir), "FRONTDESK_LOG_LEVEL": "WARNING"}


def _wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited early with status {proc.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError("serve did not become ready")


def _serve(data_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as sink:
        return subprocess.Popen(  # noqa: S603  (our own console script)
            [str(BIN / "frontdesk"), "serve", "--port", str(port)],
            env=_env(data_dir),
            cwd=data_dir.parent,
            stdout=sink,
            stderr=sink,
        )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path, subprocess.Popen[bytes]]]:
    data_dir = tmp_path / "data"
    port = _free_port()
    proc = _serve(data_dir, port, tmp_path / "serve.log")
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, proc)
        yield url, data_dir, proc
    finally:
        _stop(proc)
        subprocess.run(  # noqa: S603
            [str(BIN / "frontdesk"), "db-stop"],
            env=_env(data_dir),
            check=False,
            capture_output=True,
        )


def _tokens(data_dir: Path) -> dict[str, str]:
    lines = (data_dir / "demo-tokens.txt").read_text(encoding="utf-8").split()
    return dict(line.split("=", 1) for line in lines)


def test_first_start_seeds_demo_data_and_serves_graphql(
    served: tuple[str, Path, subprocess.Popen[bytes]],
) -> None:
    url, data_dir, _ = served
    tokens = _tokens(data_dir)
    assert set(tokens) == {"ADMIN", "LEAD", "AGENT", "CUSTOMER", "PARTNER"}

    page = httpx.post(
        f"{url}/graphql",
        json={"query": PAGE},
        headers={"Authorization": f"Bearer {tokens['ADMIN']}"},
    )
    nodes = [e["node"] for e in page.json()["data"]["tickets"]["edges"]]
    assert {n["status"] for n in nodes} == {
        "OPEN",
        "IN_PROGRESS",
        "WAITING_ON_CUSTOMER",
        "RESOLVED",
        "CLOSED",
    }
    assert {n["customer"]["tier"] for n in nodes} == {
        "ENTERPRISE",
        "BUSINESS",
        "PROFESSIONAL",
        "STARTER",
        "FREE",
    }

    teams = httpx.post(
        f"{url}/graphql",
        json={"query": "{ teams { name tier overflowTeam { name } } }"},
        headers={"Authorization": f"Bearer {tokens['ADMIN']}"},
    ).json()["data"]["teams"]
    assert {t["name"]: (t["overflowTeam"] or {}).get("name") for t in teams} == {
        "Frontline": "Specialists",  # an escalation past L1 lands where L2 agents are
        "Specialists": "Engineering",
        "Engineering": None,
    }

    graphiql = httpx.get(f"{url}/graphql", headers={"Accept": "text/html"})
    assert graphiql.status_code == 200
    assert "graphiql" in graphiql.text.lower()

    for role, token in tokens.items():
        me = httpx.post(
            f"{url}/graphql",
            json={"query": "{ me { role } }"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert me.json() == {"data": {"me": {"role": role}}}


def test_restart_keeps_data_and_does_not_seed_twice(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = _env(data_dir)
    for attempt in range(2):
        port = _free_port()
        log = tmp_path / f"serve-{attempt}.log"
        proc = _serve(data_dir, port, log)
        try:
            _wait_ready(f"http://127.0.0.1:{port}", proc)
            token = _tokens(data_dir)["ADMIN"]
            body = httpx.post(
                f"http://127.0.0.1:{port}/graphql",
                json={"query": "{ teams { name } }"},
                headers={"Authorization": f"Bearer {token}"},
            ).json()
            assert len(body["data"]["teams"]) == 3, (attempt, body)
        finally:
            _stop(proc)
        output = log.read_text(encoding="utf-8")
        assert ("Demo tokens (send as" in output) == (attempt == 0)
    subprocess.run([str(BIN / "frontdesk"), "db-stop"], env=env, check=False, capture_output=True)  # noqa: S603


def test_healthz_reports_the_database_going_away(
    served: tuple[str, Path, subprocess.Popen[bytes]],
) -> None:
    url, data_dir, proc = served
    assert httpx.get(f"{url}/healthz").status_code == 200

    stop = subprocess.run(  # noqa: S603
        [str(BIN / "frontdesk"), "db-stop"],
        env=_env(data_dir),
        capture_output=True,
        text=True,
        check=False,
    )
    assert stop.returncode == 0, stop.stderr

    response = httpx.get(f"{url}/healthz", timeout=10)
    assert response.status_code == 503
    assert response.json()["database"] == "down"
    assert proc.poll() is None
