"""Reads that many live executions make for the same events, made once.

Queue subscriptions that differ only in ``clientId`` (each dashboard tab has its
own) cannot share an execution, yet for one burst of events they read the same
tickets. Without this, 5,000 of them would send 5,000 identical queries per event
and wait on the database pool. A read is keyed by the bus position it follows, so
it is shared only by executions handling the same events (what the database holds
then reflects at least those events); concurrent askers share one query.
"""

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar, cast

T = TypeVar("T")


class SharedReads:
    """The last ``size`` reads, by key, each for ``max_age`` seconds: executions
    handling one burst ask within moments of each other, while one replaying old
    events (resumed with ``after``) must read afresh. A failed read is forgotten, so
    the next asks again."""

    def __init__(self, size: int = 512, max_age: float = 2.0) -> None:
        self._size = size
        self._max_age = max_age
        self._reads: OrderedDict[Hashable, tuple[float, asyncio.Future[Any]]] = OrderedDict()

    async def read(self, key: Hashable, make: Callable[[], Awaitable[T]]) -> T:
        now = asyncio.get_running_loop().time()
        entry = self._reads.get(key)
        found: asyncio.Future[Any]
        if entry is None or entry[0] + self._max_age < now:
            found = asyncio.ensure_future(make())
            self._reads[key] = (now, found)
            self._reads.move_to_end(key)
            found.add_done_callback(lambda done: self._forget_failed(key, done))
            while len(self._reads) > self._size:
                self._reads.popitem(last=False)
        else:
            found = entry[1]
        return cast(T, await asyncio.shield(found))

    def _forget_failed(self, key: Hashable, done: asyncio.Future[Any]) -> None:
        entry = self._reads.get(key)
        if (done.cancelled() or done.exception() is not None) and entry and entry[1] is done:
            del self._reads[key]


SHARED = SharedReads()
