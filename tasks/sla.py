"""The SLA tasks: the sweep, scheduled every ``seconds`` and awake for the next due
level, and the chain steps it queues.

Thin wrappers around ``domain.sla_sweep`` and ``domain.sla_actions``. Between two
scheduled runs the sweep sleeps until the soonest level falls due (when that is
sooner than the next run), so a status changes within moments of its deadline
rather than up to a whole interval later. Chain steps (notifications, escalation
through routing) run in their own task, kicked when a sweep queued some, so a
burst of escalations never holds up the next deadline. Overlapping runs are safe:
both skip rows another run holds.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, fields

from taskiq import AsyncBroker

from domain.sla_actions import run as run_steps
from domain.sla_alerts import AlertSettings
from domain.sla_sweep import SweepReport, soonest_check, sweep
from domain.triage_inputs import Intake

SWEEP_TASK = "frontdesk.sla_sweep"
ACTIONS_TASK = "frontdesk.sla_actions"
MIN_NAP_SECONDS = 0.2
log = logging.getLogger("frontdesk.sla")


def _add(total: SweepReport, more: SweepReport) -> None:
    for f in fields(SweepReport):
        setattr(total, f.name, getattr(total, f.name) + getattr(more, f.name))


async def sweep_window(
    intake: Intake,
    alerts: AlertSettings,
    seconds: float,
    on_actions: Callable[[], Awaitable[object]] | None = None,
) -> SweepReport:
    """Sweep now, then again at each due level until ``seconds`` have passed. With
    ``on_actions`` the chain steps are left to it (called when a pass queued some);
    without, each pass carries them out itself."""
    started = time.monotonic()
    total = SweepReport()

    async def one_pass() -> None:
        report = await sweep(intake, alerts, actions=on_actions is None)
        _add(total, report)
        if on_actions is not None and report.actions:
            await on_actions()

    await one_pass()
    while True:
        left = seconds - (time.monotonic() - started)
        soonest = await soonest_check()
        if soonest is None:
            return total
        wait = max((soonest - intake.clock.now()).total_seconds(), MIN_NAP_SECONDS)
        if wait >= left - MIN_NAP_SECONDS:
            return total
        await asyncio.sleep(wait)
        await one_pass()


def register(broker: AsyncBroker, intake: Callable[[], Intake], *, seconds: int) -> None:
    @broker.task(task_name=ACTIONS_TASK, schedule=[{"interval": seconds}])
    async def sla_actions() -> int:
        """Scheduled too, so steps a failed run left behind are never stranded."""
        current = intake()
        return await run_steps(current, current.alerts)

    @broker.task(task_name=SWEEP_TASK, schedule=[{"interval": seconds}])
    async def sla_sweep() -> dict[str, int]:
        current = intake()
        window = await sweep_window(current, current.alerts, seconds, sla_actions.kiq)
        return asdict(window)
