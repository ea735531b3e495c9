"""Garbage collection for a process holding thousands of long-lived connections.

CPython's full collection rescans every live object. With 5,000 WebSocket
subscribers (about 1.4 million objects) one takes 0.6-1.2 s here, and no update
goes out meanwhile; CPython starts one whenever long-lived objects have grown by a
quarter, which a ramp of connections does again and again. So, in a serving
process:

- what is alive after start-up is frozen: never rescanned (schema, models, modules);
- the young generations collect less often, so the short-lived objects of one
  round of deliveries are freed by reference counting before a collection sees them;
- full collections no longer start by themselves: one runs every
  ``full_every_seconds``. Cycles that reached the old generation (what closed
  connections leave) wait at most that long to be freed.
"""

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import AsyncIterator

log = logging.getLogger("frontdesk.gc")

YOUNG_THRESHOLD = 50_000
"""Allocations between young collections (CPython's default is 700)."""
MIDDLE_THRESHOLD = 20
NEVER = 1_000_000_000
"""A full-collection threshold no process reaches: full collections are scheduled."""


def freeze_startup_objects() -> None:
    """Move everything alive after start-up out of the collector's sight.

    The schema, models and modules are ~115k objects that live forever; without
    this every full collection rescans them, which cost a quarter of a queue
    page's CPU time (bench/profile_api_read.py).
    """
    gc.collect()
    gc.freeze()


@contextlib.asynccontextmanager
async def scheduled_collection(full_every_seconds: float) -> AsyncIterator[None]:
    """Start-up objects frozen, young collections rarer, full ones on a schedule,
    for the life of the block (CPython's own policy is restored after it)."""
    freeze_startup_objects()
    before = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, MIDDLE_THRESHOLD, NEVER)
    task = asyncio.create_task(_collect_every(full_every_seconds), name="frontdesk-gc")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        gc.set_threshold(*before)
        gc.unfreeze()


async def _collect_every(seconds: float) -> None:
    while True:
        await asyncio.sleep(seconds)
        started = time.perf_counter()
        freed = gc.collect()
        log.info(
            "full garbage collection: %d objects freed in %.0f ms",
            freed,
            (time.perf_counter() - started) * 1000,
        )
