"""The SLA sweep task: scheduled every ``seconds``, and awake for the next due level.

A thin wrapper around ``domain.sla_sweep``. Between two scheduled runs it sleeps
until the soonest level falls due (when that is sooner than the next run), so a
status changes within moments of its deadline rather than up to a whole
interval later; overlapping runs are safe (the sweep skips locked clocks).
"""

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, fields

from taskiq import AsyncBroker

from domain.sla_alerts import AlertSettings
from domain.sla_sweep import SweepReport, soonest_check, sweep
from domain.triage import Intake

SWEEP_TASK = "frontdesk.sla_sweep"
MIN_NAP_SECONDS = 0.2
log = logging.getLogger("frontdesk.sla")


def _add(total: SweepReport, more: SweepReport) -> None:
    for f in fields(SweepReport):
        setattr(total, f.name, getattr(total, f.name) + getattr(more, f.name))


async def sweep_window(intake: Intake, alerts: AlertSettings, seconds: float) -> SweepReport:
    """Sweep now, then again at each due level until ``seconds`` have passed."""
    started = time.monotonic()
    total = await sweep(intake, alerts)
    while True:
        left = seconds - (time.monotonic() - started)
        soonest = await soonest_check()
        if soonest is None:
            return total
        wait = max((soonest - intake.clock.now()).total_seconds(), MIN_NAP_SECONDS)
        if wait >= left - MIN_NAP_SECONDS:
            return total
        await asyncio.sleep(wait)
        _add(total, await sweep(intake, alerts))


def register(broker: AsyncBroker, intake: Callable[[], Intake], *, seconds: int) -> None:
    @broker.task(task_name=SWEEP_TASK, schedule=[{"interval": seconds}])
    async def sla_sweep() -> dict[str, int]:
        current = intake()
        return asdict(await sweep_window(current, current.alerts, seconds))
