"""The `frontdesk` command as an operator uses it: one-line failures, tokens on stdout."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from domain.enums import Role
from domain.models import Agent, ApiToken, Customer
from domain.tokens import principal_for

ROOT = Path(__file__).resolve().parents[2]
FRONTDESK = str(Path(sys.executable).parent / "frontdesk")


def run(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    return subprocess.run(  # noqa: S603  (our own console script, fixed arguments)
        [FRONTDESK, *args],
        env={**base, **(env or {})},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_export_schema_prints_the_checked_in_sdl() -> None:
    result = run("export-schema")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (ROOT / "schema.graphql").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("env", "setting"),
    [
        ({"DATABASE_URL": "mysql://root@127.0.0.1/frontdesk"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgresql://postgres@127.0.0.1:1/frontdesk"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgres://u:p@localhost:abc/db"}, "DATABASE_URL"),
        ({"REDIS_URL": "http://127.0.0.1:6379"}, "REDIS_URL"),
        ({"FRONTDESK_PORT": "99999"}, "FRONTDESK_PORT"),
        ({"FRONTDESK_SLACK_WEBHOOK_URL": "hooks.slack.com/x"}, "FRONTDESK_SLACK_WEBHOOK_URL"),
        ({"FRONTDESK_MANAGEMENT_EMAILS": "boss@x.com, not an address"}, "MANAGEMENT_EMAILS"),
        ({"FRONTDESK_SLA_SWEEP_SECONDS": "0"}, "FRONTDESK_SLA_SWEEP_SECONDS"),
    ],
)
def test_a_bad_setting_fails_fast_with_one_line_naming_it(
    env: dict[str, str], setting: str
) -> None:
    started = time.monotonic()
    result = run("migrate", env=env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert setting in lines[0]
    assert time.monotonic() - started < 15


def test_unreachable_redis_fails_fast_naming_redis_url(database_url: str) -> None:
    result = run(
        "migrate", env={"DATABASE_URL": database_url, "REDIS_URL": "redis://127.0.0.1:1/0"}
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "REDIS_URL" in result.stderr


def test_the_redis_password_never_reaches_the_terminal(database_url: str) -> None:
    result = run(
        "migrate",
        env={"DATABASE_URL": database_url, "REDIS_URL": "redis://:s3cret-pw@127.0.0.1:1/0"},
    )
    assert result.returncode == 2
    assert "s3cret-pw" not in result.stderr
    assert ":***@127.0.0.1:1" in result.stderr


def test_worker_without_redis_explains_itself(database_url: str) -> None:
    result = run("worker", env={"DATABASE_URL": database_url})
    assert result.returncode == 2
    assert "REDIS_URL" in result.stderr


async def test_token_create_prints_only_a_working_token(db: str) -> None:
    result = run(
        "token",
        "create",
        "--role",
        "customer",
        "--email",
        "Zoe@Example.com",
        "--name",
        "Zoe",
        env={"DATABASE_URL": db},
    )

    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert result.stdout == token + "\n"
    principal = await principal_for(token)
    customer = await Customer.get(email="zoe@example.com")
    assert principal is not None
    assert (principal.role, principal.customer_id) == (Role.CUSTOMER, customer.id)
    assert customer.name == "Zoe"
    stored = await ApiToken.get(customer_id=customer.id)
    assert stored.token_hash != token and token not in stored.token_hash


async def test_token_create_for_a_lead_creates_the_agent(db: str) -> None:
    result = run(
        "token",
        "create",
        "--role",
        "LEAD",
        "--email",
        "lee@frontdesk.example",
        env={"DATABASE_URL": db},
    )
    assert result.returncode == 0, result.stderr
    agent = await Agent.get(email="lee@frontdesk.example")
    principal = await principal_for(result.stdout.strip())
    assert principal is not None
    assert (principal.role, principal.agent_id, principal.team_id) == (
        Role.LEAD,
        agent.id,
        agent.team_id,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--role", "OWNER"), "--role"),
        (("--role", "CUSTOMER"), "--email"),
        (("--role", "CUSTOMER", "--email", "not-an-email"), "email"),
    ],
)
async def test_token_create_refuses_bad_input_and_writes_nothing(
    db: str, args: tuple[str, ...], message: str
) -> None:
    result = run("token", "create", *args, env={"DATABASE_URL": db})
    assert result.returncode == 2
    assert result.stdout == ""
    assert message in result.stderr
    assert await ApiToken.all().count() == 0
    assert await Customer.all().count() == 0


async def test_token_revoke_stops_a_token_and_says_so(db: str) -> None:
    created = run("token", "create", "--role", "ADMIN", "--name", "ops", env={"DATABASE_URL": db})
    token = created.stdout.strip()
    assert await principal_for(token) is not None

    revoked = run("token", "revoke", token, env={"DATABASE_URL": db})
    again = run("token", "revoke", token, env={"DATABASE_URL": db})

    assert (revoked.returncode, revoked.stderr.strip()) == (0, "Token revoked.")
    assert await principal_for(token) is None
    assert again.returncode == 2
    assert "revoked already" in again.stderr
