"""API tokens: issue one (shown once), and turn a presented one into a Principal.

Tokens carry 256 bits of randomness, so a plain SHA-256 digest is a safe and
fast lookup key; the secret itself is never stored.
"""

import hashlib
import secrets
from datetime import datetime

from domain.access import Principal
from domain.enums import Role
from domain.errors import InvalidInput
from domain.models import Agent, ApiToken, Customer

PREFIX = "fd_"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue(
    role: Role,
    *,
    name: str = "",
    customer: Customer | None = None,
    agent: Agent | None = None,
) -> str:
    """Store a new token's digest and return the token itself (the only copy)."""
    if role == Role.CUSTOMER and customer is None:
        raise InvalidInput("A customer token needs a customer.", field="email")
    if role in (Role.AGENT, Role.LEAD) and agent is None:
        raise InvalidInput(f"A {role.value.lower()} token needs an agent.", field="email")
    token = PREFIX + secrets.token_urlsafe(32)
    await ApiToken.create(
        token_hash=digest(token),
        role=role,
        name=name,
        customer_id=customer.id if customer else None,
        agent_id=agent.id if agent else None,
    )
    return token


async def revoke(token: str, now: datetime) -> bool:
    """Revoke a token for good; False if it is unknown or already revoked."""
    revoked = await ApiToken.filter(token_hash=digest(token), revoked_at=None).update(
        revoked_at=now
    )
    return bool(revoked)


async def principal_for(token: str) -> Principal | None:
    """The principal a bearer token stands for, or None if unknown or revoked."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    row = await ApiToken.get_or_none(token_hash=digest(token), revoked_at=None).select_related(
        "agent"
    )
    if row is None:
        return None
    agent = row.agent
    return Principal(
        role=Role(row.role),
        token_id=row.id,
        name=row.name,
        customer_id=row.customer_id,
        agent_id=row.agent_id,
        team_id=agent.team_id if agent is not None else None,
    )
