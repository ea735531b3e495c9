"""Training from the database and using the trained model in triage (real PostgreSQL)."""

import asyncio
from pathlib import Path

from app.intake_wiring import ModelSlot
from app.settings import Settings
from domain import tickets
from domain.enums import CategorySource, TicketStatus
from domain.models import Ticket
from domain.triage import triage_ticket
from domain.triage_inputs import Intake
from tests.factories import (
    ADMIN,
    ManualClock,
    create_category,
    create_customer,
    create_team,
    create_ticket,
)
from tests.integration.test_cli import run

BILLING = [
    "invoice {n} was charged twice",
    "refund for order {n}",
    "payment {n} failed at checkout",
]
TECHNICAL = [
    "the app crashes on screen {n}",
    "error {n} when I log in",
    "api returns 500 on call {n}",
]


async def resolved_history(clock: ManualClock) -> None:
    team = await create_team()
    billing = await create_category("BILLING", team=team)
    technical = await create_category("TECHNICAL", team=team)
    customer = await create_customer()
    for n in range(12):
        for category, phrases in ((billing, BILLING), (technical, TECHNICAL)):
            text = phrases[n % 3].format(n=n)
            ticket = await create_ticket(customer, clock, subject=text, category=category)
            await tickets.change_status(ADMIN, ticket.id, TicketStatus.RESOLVED, clock)


async def test_train_from_the_database_then_triage_with_the_model(
    db: str, clock: ManualClock, tmp_path: Path
) -> None:
    await resolved_history(clock)
    output = tmp_path / "model"

    done = await asyncio.to_thread(
        run, "train-classifier", "--from-db", "--output", str(output), env={"DATABASE_URL": db}
    )

    assert done.returncode == 0, done.stderr
    assert "24 labelled tickets from the database" in done.stderr
    slot = ModelSlot(Settings(), "category", output)
    model = slot()
    assert model is not None
    assert sorted(model.labels) == ["BILLING", "TECHNICAL"]

    fresh = await create_ticket(
        await create_customer(), clock, subject="The app crashes with error 42", description="x"
    )
    await triage_ticket(Intake(clock, category_model=slot, confidence_threshold=0.0), fresh.id)
    triaged = await Ticket.get(id=fresh.id).prefetch_related("category")
    assert triaged.category_source == CategorySource.MODEL
    assert triaged.category.key == "TECHNICAL"  # type: ignore[union-attr]


async def test_training_needs_exactly_one_source_and_some_history(db: str, tmp_path: Path) -> None:
    both = await asyncio.to_thread(
        run, "train-classifier", "--from-db", "--from-csv", "x.csv", env={"DATABASE_URL": db}
    )
    neither = await asyncio.to_thread(run, "train-classifier", env={"DATABASE_URL": db})
    empty = await asyncio.to_thread(
        run,
        "train-classifier",
        "--from-db",
        "--output",
        str(tmp_path / "m"),
        env={"DATABASE_URL": db},
    )

    for refused in (both, neither):
        assert refused.returncode == 2
        assert "exactly one source" in refused.stderr
    assert empty.returncode == 2
    assert "no resolved or corrected tickets" in empty.stderr
    assert not (tmp_path / "m").exists()
