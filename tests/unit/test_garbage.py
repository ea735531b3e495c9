"""The serving process's collection policy: full collections on a schedule only."""

import asyncio
import gc

from app import garbage


async def test_full_collections_run_on_the_schedule_and_the_policy_is_restored() -> None:
    before = gc.get_threshold()
    full_runs: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "stop" and info["generation"] == 2:
            full_runs.append(info["collected"])

    gc.callbacks.append(count)
    try:
        async with garbage.scheduled_collection(full_every_seconds=0.05):
            assert gc.get_threshold() == (
                garbage.YOUNG_THRESHOLD,
                garbage.MIDDLE_THRESHOLD,
                garbage.NEVER,
            )
            full_runs.clear()  # the one freezing start-up objects
            await asyncio.sleep(0.18)
            assert 2 <= len(full_runs) <= 4
    finally:
        gc.callbacks.remove(count)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
