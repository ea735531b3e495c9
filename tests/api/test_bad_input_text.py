"""Text over HTTP: empty, too long, control characters, tags, and Unicode that must survive.

Refused text is a userError naming the field, and nothing is written; accepted
text comes back exactly as written, in NFC.
"""

import unicodedata

import httpx
import pytest

from domain.models import Agent, Message, Ticket
from tests.api.conftest import MAX_BODY
from tests.api.refusals import (
    ADD_MESSAGE,
    CREATE,
    UPDATE,
    field_error,
    open_desk,
    rejected,
    ticket_input,
    ticket_row,
)
from tests.factories import ManualClock, gid, gql, row_counts


def invalid(field: str, message: str) -> dict[str, str]:
    return {"code": "INVALID_INPUT", "message": message, "field": field}


def control(label: str, ch: str) -> str:
    return f"{label} contains a control character (U+{ord(ch):04X}), which is not allowed."


CONTROL = ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u2028"]
"""NUL, BEL, ESC, DEL, the C1 next-line and the Unicode line separator."""


# Subjects


@pytest.mark.parametrize("subject", ["", " ", "\t\n ", "\u3000"])
async def test_an_empty_or_blank_subject_creates_nothing(
    client: httpx.AsyncClient, clock: ManualClock, subject: str
) -> None:
    desk = await open_desk(clock)
    error = await rejected(client, CREATE, ticket_input(subject=subject), desk.customer_token)
    assert error == invalid("subject", "Subject must not be empty.")


async def test_a_subject_one_past_the_limit_creates_nothing(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    desk = await open_desk(clock)
    variables = ticket_input(subject="x" * 501)
    error = await rejected(client, CREATE, variables, desk.customer_token)
    assert error == invalid("subject", "Subject is 501 characters; the limit is 500.")


async def test_a_subject_at_the_limit_is_accepted(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    desk = await open_desk(clock)
    before = await row_counts()
    body = await gql(client, CREATE, ticket_input(subject="x" * 500), token=desk.customer_token)
    assert body["data"]["createTicket"]["userErrors"] == []
    assert len(body["data"]["createTicket"]["ticket"]["subject"]) == 500
    assert await row_counts() == {**before, "tickets": 2, "events": before["events"] + 1}


async def test_a_huge_subject_inside_the_body_limit_is_a_user_error(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    desk = await open_desk(clock)
    size = MAX_BODY - 1000
    error = await rejected(client, CREATE, ticket_input(subject="x" * size), desk.customer_token)
    assert error == invalid("subject", f"Subject is {size:,} characters; the limit is 500.")


async def test_a_blank_or_overlong_description_creates_nothing(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    desk = await open_desk(clock)
    blank = ticket_input(description="\n \n")
    error = await rejected(client, CREATE, blank, desk.customer_token)
    assert error == invalid("description", "Description must not be empty.")
    long = ticket_input(description="x" * 65_537)
    error = await rejected(client, CREATE, long, desk.customer_token)
    message = "Description is 65,537 characters; the limit is 65,536."
    assert error == invalid("description", message)


async def test_an_overlong_message_writes_nothing(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    desk = await open_desk(clock)
    variables = {"input": {"ticketId": desk.ticket_id, "content": "x" * 65_537}}
    error = await rejected(client, ADD_MESSAGE, variables, desk.customer_token)
    assert error == invalid("content", "Message is 65,537 characters; the limit is 65,536.")


# Control characters: refused by name, never stripped, never stored


@pytest.mark.parametrize("ch", [*CONTROL, "\t", "\n"])
async def test_a_control_character_in_a_subject_creates_nothing(
    client: httpx.AsyncClient, clock: ManualClock, ch: str
) -> None:
    desk = await open_desk(clock)
    variables = ticket_input(subject=f"Double{ch}charge")
    error = await rejected(client, CREATE, variables, desk.customer_token)
    assert error == invalid("subject", control("Subject", ch))


@pytest.mark.parametrize("ch", [*CONTROL, "\x0b"])
async def test_a_control_character_in_a_description_creates_nothing(
    client: httpx.AsyncClient, clock: ManualClock, ch: str
) -> None:
    desk = await open_desk(clock)
    variables = ticket_input(description=f"Charged{ch}twice")
    error = await rejected(client, CREATE, variables, desk.customer_token)
    assert error == invalid("description", control("Description", ch))


async def test_a_nul_written_as_a_graphql_escape_is_refused_too(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    desk = await open_desk(clock)
    document = """mutation {
      createTicket(input: {subject: "a\\u0000b", description: "d"}) {
        ticket { id } userErrors { code message field }
      }
    }"""
    error = await rejected(client, document, {}, desk.customer_token)
    assert error == invalid("subject", control("Subject", "\x00"))


@pytest.mark.parametrize("ch", CONTROL)
async def test_a_control_character_in_a_message_writes_nothing(
    client: httpx.AsyncClient, clock: ManualClock, ch: str
) -> None:
    desk = await open_desk(clock)
    before = await ticket_row(desk.ticket)
    variables = {"input": {"ticketId": desk.ticket_id, "content": f"Any news?{ch}"}}
    error = await rejected(client, ADD_MESSAGE, variables, desk.customer_token)
    assert error == invalid("content", control("Message", ch))
    assert await ticket_row(desk.ticket) == before


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("categoryKey", "BILL\x00ING", invalid("categoryKey", control("Category key", "\x00"))),
        ("categoryKey", "NOPE", invalid("categoryKey", "There is no category 'NOPE'.")),
        ("tags", ["vip", "a\x00"], invalid("tags", control("A tag", "\x00"))),
    ],
)
async def test_bad_text_in_a_lookup_creates_and_updates_nothing(
    client: httpx.AsyncClient, clock: ManualClock, field: str, value: object, expected: object
) -> None:
    desk = await open_desk(clock)
    created = await rejected(client, CREATE, ticket_input(**{field: value}), desk.customer_token)
    assert created == expected
    before = await ticket_row(desk.ticket)
    variables = {"input": {"ticketId": desk.ticket_id, field: value}}
    assert await rejected(client, UPDATE, variables, desk.admin_token) == expected
    assert await ticket_row(desk.ticket) == before


@pytest.mark.parametrize(
    ("query", "path", "field"),
    [
        ("{ tickets(filter: {search: $t}) { edges { cursor } } }", "tickets", "search"),
        ("{ tickets(filter: {categoryKey: $t}) { edges { cursor } } }", "tickets", "categoryKey"),
        ("{ customers(search: $t) { edges { cursor } } }", "customers", "search"),
    ],
)
async def test_a_nul_in_a_search_is_a_coded_error(
    client: httpx.AsyncClient, clock: ManualClock, query: str, path: str, field: str
) -> None:
    desk = await open_desk(clock)
    document = f"query($t: String) {query}"
    data, error = await field_error(client, document, {"t": "bill\x00"}, desk.admin_token)
    assert data is None
    label = "Search" if field == "search" else "Category key"
    assert error == {"path": [path], **invalid(field, control(label, "\x00"))}


async def test_a_nul_in_an_agent_skill_creates_no_agent(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    desk = await open_desk(clock)
    agents = await Agent.all().count()
    document = """mutation($input: CreateAgentInput!) {
      createAgent(input: $input) { agent { id } userErrors { code message field } }
    }"""
    skills = [{"categoryKey": "BILL\x00ING", "level": 3}]
    team = gid("Team", desk.team.id)
    variables = {"input": {"name": "Bo", "email": "bo@x.example", "teamId": team, "skills": skills}}
    error = await rejected(client, document, variables, desk.admin_token)
    assert error == invalid("skills", control("Category key", "\x00"))
    assert await Agent.all().count() == agents


# Unicode: accepted and returned exactly as written (in NFC)

SUBJECT = "Cafe\u0301 ☕ — שלום, مرحبا 👩‍👩‍👧 打印机"
DESCRIPTION = "Line one\r\n\tindented — \u202eRTL override\u202c\n\nZ\u0351\u0362algo"


async def test_unicode_text_is_stored_and_returned_in_nfc(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    desk = await open_desk(clock)
    variables = ticket_input(subject=SUBJECT, description=DESCRIPTION, tags=["CAFÉ", "ünïcode"])
    payload = (await gql(client, CREATE, variables, token=desk.customer_token))["data"]
    ticket = payload["createTicket"]["ticket"]
    nfc_subject = unicodedata.normalize("NFC", SUBJECT)
    assert nfc_subject == "Café ☕ — שלום, مرحبا 👩‍👩‍👧 打印机"
    assert ticket["subject"] == nfc_subject
    assert ticket["description"] == unicodedata.normalize("NFC", DESCRIPTION)
    assert ticket["tags"] == ["café", "ünïcode"]
    stored = await Ticket.get(subject=nfc_subject)
    assert stored.tags == ["café", "ünïcode"]

    read = await gql(
        client,
        "query($id: ID!) { ticket(id: $id) { subject description } }",
        {"id": ticket["id"]},
        token=desk.customer_token,
    )
    assert read["data"]["ticket"] == {
        "subject": nfc_subject,
        "description": unicodedata.normalize("NFC", DESCRIPTION),
    }


async def test_unicode_messages_round_trip_and_are_searchable(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    desk = await open_desk(clock)
    content = "Merci 🙏\r\nتم حل المشكلة\n👍🏽"
    variables = {"input": {"ticketId": desk.ticket_id, "content": content}}
    payload = (await gql(client, ADD_MESSAGE, variables, token=desk.customer_token))["data"]
    assert payload["addMessage"]["userErrors"] == []
    assert payload["addMessage"]["message"]["content"] == content
    assert (await Message.get(ticket_id=desk.ticket.id)).content == content

    await gql(client, CREATE, ticket_input(subject="שלום עולם"), token=desk.customer_token)
    search = "query($t: String) { tickets(filter: {search: $t}) { edges { node { subject } } } }"
    found = await gql(client, search, {"t": "עולם"}, token=desk.customer_token)
    assert found["data"]["tickets"]["edges"] == [{"node": {"subject": "שלום עולם"}}]


# Tags


async def test_twenty_tags_are_accepted_and_twenty_one_refused(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    desk = await open_desk(clock)
    many = ticket_input(tags=[f"t{i}" for i in range(21)])
    error = await rejected(client, CREATE, many, desk.customer_token)
    assert error == invalid("tags", "At most 20 tags are allowed.")
    enough = ticket_input(tags=[f"T{i}" for i in range(20)])
    body = await gql(client, CREATE, enough, token=desk.customer_token)
    assert body["data"]["createTicket"]["ticket"]["tags"] == [f"t{i}" for i in range(20)]


async def test_tags_are_lower_cased_and_deduplicated(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    desk = await open_desk(clock)
    variables = ticket_input(tags=["VIP", " vip ", "eu-west/1", "Vip", "refund 2026"])
    body = await gql(client, CREATE, variables, token=desk.customer_token)
    assert body["data"]["createTicket"]["ticket"]["tags"] == ["vip", "eu-west/1", "refund 2026"]


@pytest.mark.parametrize(
    ("tag", "message"),
    [
        ("", "A tag must not be empty."),
        ("   ", "A tag must not be empty."),
        ("x" * 51, "A tag is 51 characters; the limit is 50."),
        ("bad!tag", "Tag 'bad!tag' may hold letters, digits, spaces and . : / + - _ only."),
        ("-vip", "Tag '-vip' may hold letters, digits, spaces and . : / + - _ only."),
        ("🔥", "Tag '🔥' may hold letters, digits, spaces and . : / + - _ only."),
    ],
)
async def test_a_malformed_tag_creates_and_updates_nothing(
    client: httpx.AsyncClient, clock: ManualClock, tag: str, message: str
) -> None:
    desk = await open_desk(clock)
    created = await rejected(client, CREATE, ticket_input(tags=["ok", tag]), desk.customer_token)
    assert created == invalid("tags", message)
    before = await ticket_row(desk.ticket)
    variables = {"input": {"ticketId": desk.ticket_id, "tags": ["ok", tag]}}
    assert await rejected(client, UPDATE, variables, desk.admin_token) == invalid("tags", message)
    assert await ticket_row(desk.ticket) == before
