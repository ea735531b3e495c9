"""Which subscriptions may share one execution: same operation, variables and
audience, and never one that resumes or builds its own first message."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import orjson
from strawberry.types.execution import ExecutionResult

from gql.subscription_groups import (
    Greetings,
    Member,
    SubscriptionGroups,
    is_greeted,
    is_subscription,
    share_key,
)

TICKET = (
    "subscription($id: ID!, $after: String) "
    "{ ticketUpdates(ticketId: $id, after: $after) { kind } }"
)
AUDIENCE = ("ADMIN",)


def test_the_same_operation_variables_and_audience_share_a_key() -> None:
    one = share_key(TICKET, None, {"id": "T1", "after": None}, AUDIENCE)
    same = share_key(TICKET, None, {"after": None, "id": "T1"}, AUDIENCE)
    assert one is not None and one == same


def test_other_variables_or_audiences_do_not_share() -> None:
    one = share_key(TICKET, None, {"id": "T1"}, AUDIENCE)
    assert share_key(TICKET, None, {"id": "T2"}, AUDIENCE) != one
    assert share_key(TICKET, None, {"id": "T1"}, ("CUSTOMER", 7)) != one


def test_resuming_after_a_position_runs_alone() -> None:
    assert share_key(TICKET, None, {"id": "T1", "after": "1-0"}, AUDIENCE) is None
    literal = 'subscription { ticketUpdates(ticketId: "T1", after: "1-0") { kind } }'
    assert share_key(literal, None, None, AUDIENCE) is None
    defaulted = (
        'subscription($after: String = "1-0") { ticketUpdates(ticketId: "T1", after: $after) '
        "{ kind } }"
    )
    assert share_key(defaulted, None, {}, AUDIENCE) is None
    null_default = defaulted.replace('"1-0"', "null")
    assert share_key(null_default, None, {}, AUDIENCE) is not None


def test_a_root_fragment_runs_alone() -> None:
    fragment = (
        "subscription { ...F } fragment F on Subscription { ticketUpdates(ticketId: 1) { kind } }"
    )
    assert share_key(fragment, None, None, AUDIENCE) is None


def test_a_queue_subscription_begins_with_a_greeting() -> None:
    assert is_greeted("subscription { queueUpdates { reset } }", None)
    assert not is_greeted(TICKET, None)


def test_queries_mutations_and_broken_documents_are_not_subscriptions() -> None:
    assert not is_subscription("query { me { name } }", None)
    assert not is_subscription("subscription {", None)
    assert not is_subscription(TICKET, "NoSuchOperation")
    assert is_subscription(TICKET, None)


class Listing:
    """A stand-in for a queue subscription's execution: a listing first and whenever
    the group asks for one, then one result per event."""

    def __init__(self) -> None:
        self.commands: asyncio.Queue[str] = asyncio.Queue()
        self.listings = 0

    async def run(self, greetings: Greetings | None) -> AsyncIterator[ExecutionResult]:
        assert greetings is not None
        greetings.listen(lambda: self.commands.put_nowait("greet"))
        while True:
            command = await self.commands.get()
            if command == "greet":
                self.listings += 1
                greetings.mark()
                yield ExecutionResult(data={"listing": self.listings}, errors=None)
            else:
                yield ExecutionResult(data={"event": command}, errors=None)


async def _next(member: Member) -> Any:
    async with asyncio.timeout(2):
        item = await anext(aiter(member.results()))
    return orjson.loads(item.payload or "null")["data"]


async def test_a_late_joiner_gets_its_own_listing_then_the_shared_updates() -> None:
    groups = SubscriptionGroups()
    listing = Listing()

    async def source(greetings: Greetings | None) -> AsyncIterator[ExecutionResult]:
        return listing.run(greetings)

    async with groups.join("queue", source, lambda _: None, greeted=True) as first:
        assert await _next(first) == {"listing": 1}
        listing.commands.put_nowait("e1")
        assert await _next(first) == {"event": "e1"}
        async with groups.join("queue", source, lambda _: None, greeted=True) as late:
            assert await _next(late) == {"listing": 2}  # built after e1: e1 is in it
            listing.commands.put_nowait("e2")
            assert await _next(first) == {"event": "e2"}  # no second listing for first
            assert await _next(late) == {"event": "e2"}
        assert len(groups) == 1
    assert len(groups) == 0


async def test_a_member_that_does_not_keep_up_is_dropped_and_others_continue() -> None:
    groups = SubscriptionGroups(limit=2)
    listing = Listing()
    dropped: list[int] = []

    async def source(greetings: Greetings | None) -> AsyncIterator[ExecutionResult]:
        return listing.run(greetings)

    async with (
        groups.join("queue", source, dropped.append, greeted=True) as slow,
        groups.join("queue", source, lambda _: None, greeted=True) as fast,
    ):
        assert await _next(fast) == {"listing": 1}  # one listing serves both joiners
        got = []
        for n in range(5):  # fast reads each update as it comes; slow reads none
            listing.commands.put_nowait(f"e{n}")
            got.append(await _next(fast))
        assert got == [{"event": f"e{n}"} for n in range(5)]
        assert dropped == [2]  # slow never read: its third pending update was one too many
        assert slow.overflowed
