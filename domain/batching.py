"""Calls that arrive together run together: the scheduling behind group commit.

A round trip and a statement's fixed cost are what intake pays, so concurrent
createTicket calls share one INSERT (``domain.ticket_creation``), a worker's
triage tasks share one transaction (``tasks.triage_batch``) and its
acknowledgements one XACK (``tasks.redis_stream``). Each of them submits its
item here and waits for its own outcome; the batcher decides when a batch
starts:

- items submitted in the same turn of the event loop go together;
- at most ``max_in_flight`` batches run at once, and at most ``max_batch``
  items go in one; items arriving meanwhile wait for the next batch, so
  batches grow with the load and an idle batcher starts at once;
- with ``spacing``, a batch starts no sooner than that after the previous one
  started, unless ``max_batch`` items wait (fewer, larger batches under load).

``run`` gets a batch's items and returns one outcome per item, a result or the
exception that item's caller should get. A batch runs in a context of its own,
never in one of its callers' (whose database transaction, for one, is theirs),
and whatever stops it, no caller is left waiting.
"""

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Batcher(Generic[T, R]):
    def __init__(
        self,
        run: Callable[[list[T]], Awaitable[Sequence[R | BaseException]]],
        *,
        max_batch: int,
        max_in_flight: int = 1,
        spacing: float = 0.0,
    ) -> None:
        self._run = run
        self._max_batch = max_batch
        self._max_in_flight = max_in_flight
        self._spacing = spacing
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._in_flight = 0
        self._start_scheduled = False
        self._last_start = float("-inf")
        self._timer: asyncio.TimerHandle | None = None

    async def submit(self, item: T) -> R:
        """``item``'s outcome, once the batch it joined has run."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        self._waiting.append((item, future))
        if not self._start_scheduled:  # after this turn of the loop: whoever else came
            self._start_scheduled = True
            loop.call_soon(self._start)
        return await future  # a caller that goes away cancels only its own wait

    def _start(self) -> None:
        self._start_scheduled = False
        loop = asyncio.get_running_loop()
        while self._waiting and self._in_flight < self._max_in_flight:
            early = self._too_soon(loop.time())
            if early > 0:
                if self._timer is None:
                    self._timer = loop.call_later(early, self._on_time)
                return
            self._last_start = loop.time()
            batch = self._waiting[: self._max_batch]
            del self._waiting[: self._max_batch]
            self._in_flight += 1
            task = loop.create_task(self._finish(batch), context=contextvars.Context())
            task.add_done_callback(self._finished)

    def _too_soon(self, now: float) -> float:
        """Seconds until the next batch may start (0 or less: now)."""
        if len(self._waiting) >= self._max_batch:
            return 0.0
        return self._last_start + self._spacing - now

    def _on_time(self) -> None:
        self._timer = None
        self._start()

    def _finished(self, task: "asyncio.Task[None]") -> None:
        self._in_flight -= 1
        if not task.cancelled():
            task.exception()  # retrieved: _finish hands every failure to its callers
        self._start()

    async def _finish(self, batch: list[tuple[T, "asyncio.Future[R]"]]) -> None:
        try:
            outcomes = await self._run([item for item, _ in batch])
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():
                    continue
                if isinstance(outcome, BaseException):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)
        except Exception as exc:  # noqa: BLE001  (every caller of the batch gets it)
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
        finally:  # whatever stopped this (even cancellation), no caller waits forever
            for _, future in batch:
                if not future.done():
                    future.set_exception(RuntimeError("The batch was stopped"))
