"""The scheduled sweep does not wait for its next run: it wakes when the next level
falls due, so a status changes moments after its deadline (real time here)."""

import time
from datetime import timedelta

from domain.enums import CustomerTier, Priority, SlaTarget
from domain.models import SlaClock, TicketEvent
from domain.ports import SystemClock
from domain.sla_alerts import AlertSettings
from domain.triage import triage_ticket
from domain.triage_inputs import Intake
from tasks.sla import sweep_window
from tests.factories import create_category, create_customer, create_team, create_ticket


async def test_the_sweep_wakes_for_a_level_due_before_its_next_run(db: str) -> None:
    clock = SystemClock()
    team = await create_team()
    await create_category("BILLING", team=team)
    customer = await create_customer(tier=CustomerTier.BUSINESS)
    ticket = await create_ticket(customer, clock, priority=Priority.URGENT)
    intake = Intake(clock)
    await triage_ticket(intake, ticket.id)
    due = clock.now() + timedelta(seconds=1.5)
    await SlaClock.filter(ticket_id=ticket.id, target=SlaTarget.FIRST_RESPONSE).update(
        checkpoint_levels=[50.0], checkpoint_at=[due], next_check_at=due
    )
    await SlaClock.filter(ticket_id=ticket.id, target=SlaTarget.RESOLUTION).update(
        checkpoint_levels=[], checkpoint_at=[], next_check_at=None
    )

    started = time.monotonic()
    report = await sweep_window(intake, AlertSettings(), seconds=15)

    assert report.moved == 1
    assert time.monotonic() - started < 5  # it returned once nothing else was due
    [warning] = await TicketEvent.filter(ticket_id=ticket.id, kind="sla.warning")
    assert timedelta(0) <= warning.created_at - due < timedelta(seconds=1)
