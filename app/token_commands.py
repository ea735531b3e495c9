"""``frontdesk token``: create and revoke API tokens."""

import asyncio
import sys
from typing import Annotated

import typer

from app import database
from app.command_support import database_or_exit, fail, settings_or_exit, with_runtime
from domain import directory, tokens
from domain.enums import Role
from domain.errors import DomainError
from domain.ports import SystemClock

token_cli = typer.Typer(no_args_is_help=True, help="Create and revoke API tokens.")


@token_cli.command("revoke")
def token_revoke(token: Annotated[str, typer.Argument(help="The token to revoke.")]) -> None:
    """Revoke a token: API processes refuse it within FRONTDESK_TOKEN_CACHE_SECONDS."""

    settings = settings_or_exit()
    url = database_or_exit(settings)
    revoked = with_runtime(settings, url, lambda: tokens.revoke(token, SystemClock().now()))
    if not revoked:
        fail("no such token, or it was revoked already")
    typer.echo("Token revoked.", err=True)


@token_cli.command("create")
def token_create(
    role: Annotated[str, typer.Option(help="CUSTOMER, AGENT, LEAD, ADMIN or PARTNER.")],
    email: Annotated[str | None, typer.Option(help="Customer or agent to issue it for.")] = None,
    name: Annotated[str | None, typer.Option(help="Display name (and label).")] = None,
) -> None:
    """Create a token and print only the token on stdout (it cannot be shown again)."""

    try:
        the_role = Role(role.upper())
    except ValueError:
        fail(f"--role must be one of {', '.join(r.value for r in Role)}, got {role!r}")
        raise
    if the_role in (Role.CUSTOMER, Role.AGENT, Role.LEAD) and not email:
        article = "an" if the_role.value[0] in "AEIOU" else "a"
        fail(f"--email is required for {article} {the_role.value} token")
    settings = settings_or_exit()
    url = database_or_exit(settings)
    asyncio.run(database.apply_migrations(url))

    async def job() -> str:
        customer = agent = None
        if email and the_role == Role.CUSTOMER:
            customer = await directory.ensure_customer(email, name)
        elif email and the_role != Role.PARTNER:
            agent = await directory.ensure_agent(email, name, senior=the_role == Role.LEAD)
        return await tokens.issue(
            the_role, name=name or email or "", customer=customer, agent=agent
        )

    try:
        token = with_runtime(settings, url, job)
    except DomainError as exc:
        fail(f"{exc.field or 'input'}: {exc.message}")
        raise
    sys.stdout.write(token + "\n")
