"""Relay global ids: ``base64("Type:pk")``, opaque to clients, checked on the way in."""

import base64
import binascii

from domain.errors import InvalidInput

TYPES = frozenset(
    {
        "Ticket",
        "Message",
        "Customer",
        "Agent",
        "Team",
        "Category",
        "RoutingRule",
        "BusinessCalendar",
        "SlaPolicy",
    }
)


def encode(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def _canonical_int(text: str) -> int:
    """Only the form ``encode`` writes: ASCII digits, no sign, space or leading zero."""
    if not (text.isascii() and text.isdigit()) or (len(text) > 1 and text[0] == "0"):
        raise ValueError(text)
    return int(text)


def _article(noun: str) -> str:
    return f"an {noun}" if noun[0] in "AEIOU" else f"a {noun}"


def decode(global_id: str, field: str = "id") -> tuple[str, int]:
    """(type name, primary key) of a global id; a clear error for anything else."""
    try:
        raw = base64.b64decode(global_id.encode("ascii"), validate=True).decode()
        type_name, _, pk_text = raw.partition(":")
        pk = _canonical_int(pk_text)
    except (UnicodeError, binascii.Error, ValueError):
        raise InvalidInput(
            f"{global_id[:60]!r} is not a valid Frontdesk id.", field=field
        ) from None
    if type_name not in TYPES or not 0 < pk < 2**31:
        raise InvalidInput(f"{global_id[:60]!r} is not a valid Frontdesk id.", field=field)
    return type_name, pk


def decode_as(expected: str, global_id: str, field: str) -> int:
    type_name, pk = decode(global_id, field)
    if type_name != expected:
        raise InvalidInput(
            f"{field} must be {_article(expected)} id, got {_article(type_name)} id.", field=field
        )
    return pk


def cursor(pk: int) -> str:
    return base64.b64encode(f"cursor:{pk}".encode()).decode()


def decode_cursor(value: str | None, field: str = "after") -> int | None:
    if value is None:
        return None
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True).decode()
        prefix, _, pk_text = raw.partition(":")
        pk = _canonical_int(pk_text)
        if prefix != "cursor" or not 0 < pk < 2**31:  # the same key range as ids
            raise ValueError(prefix)
        return pk
    except (UnicodeError, binascii.Error, ValueError):
        raise InvalidInput(f"{value[:60]!r} is not a cursor from this API.", field=field) from None
