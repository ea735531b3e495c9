"""Global ids and cursors: opaque to clients, checked strictly on the way in."""

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidInput
from gql import ids


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def test_an_id_is_base64_of_type_and_key() -> None:
    assert ids.encode("Ticket", 42) == b64(b"Ticket:42") == "VGlja2V0OjQy"


@given(st.sampled_from(sorted(ids.TYPES)), st.integers(min_value=1, max_value=2**31 - 1))
def test_ids_round_trip(type_name: str, pk: int) -> None:
    assert ids.decode(ids.encode(type_name, pk)) == (type_name, pk)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "!!!",
        "5",
        "é",
        "VGlja2V0OjQy\n",  # trailing newline: not strict base64
        "VGlja2V0OjQ",  # padding missing
        b64(b"\xff\xfe"),  # not UTF-8
        b64(b"Ticket"),  # no key
        b64(b"Ticket:"),
        b64(b"Ticket:abc"),
        b64(b"Ticket:0"),
        b64(b"Ticket:-1"),
        b64(b"Ticket:2147483648"),  # past the 32-bit keys
        b64(b"Invoice:1"),  # not a Frontdesk type
        b64(b"cursor:1"),  # a cursor is not an id
    ],
)
def test_malformed_ids_are_refused_with_the_field_named(value: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        ids.decode(value, field="ticketId")
    assert caught.value.field == "ticketId"
    assert caught.value.message == f"{value[:60]!r} is not a valid Frontdesk id."


def test_a_long_bad_id_is_quoted_shortened() -> None:
    with pytest.raises(InvalidInput) as caught:
        ids.decode("x" * 10_000)
    assert caught.value.message == f"{'x' * 60!r} is not a valid Frontdesk id."


def test_an_id_of_the_wrong_type_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        ids.decode_as("Ticket", ids.encode("Customer", 7), "ticketId")
    assert caught.value.field == "ticketId"
    assert caught.value.message == "ticketId must be a Ticket id, got a Customer id."


def test_decode_as_returns_the_key() -> None:
    assert ids.decode_as("Agent", ids.encode("Agent", 9), "agentId") == 9


# cursors


def test_no_cursor_means_from_the_start() -> None:
    assert ids.decode_cursor(None) is None


@given(st.integers(min_value=1, max_value=2**31 - 1))
def test_cursors_round_trip(pk: int) -> None:
    assert ids.decode_cursor(ids.cursor(pk)) == pk


@pytest.mark.parametrize(
    "value",
    [
        "",
        "zzz",
        "é",
        ids.encode("Ticket", 1),  # an id is not a cursor
        b64(b"cursor:"),
        b64(b"cursor:abc"),
        b64(b"cursor:0"),
        b64(b"cursor:-3"),
        b64(b"cursor:2147483648"),
        b64(b"cursor:99999999999999999999"),
        b64(b"\xff"),
    ],
)
def test_foreign_cursors_are_refused(value: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        ids.decode_cursor(value, field="after")
    assert caught.value.field == "after"
    assert caught.value.message == f"{value[:60]!r} is not a cursor from this API."


@pytest.mark.parametrize("pk_text", ["01", " 1", "1\n", "+1", "1_0", "\u0661", "-1", "1.0"])
def test_only_the_canonical_form_of_an_id_is_accepted(pk_text: str) -> None:
    import base64

    from domain.errors import InvalidInput
    from gql import ids

    forged = base64.b64encode(f"Ticket:{pk_text}".encode()).decode()
    with pytest.raises(InvalidInput):
        ids.decode(forged)
