"""createTicket -> triage task -> assigned, over the in-memory broker and over Redis.

The Redis tests run real ``frontdesk worker`` processes (see test_broker_redis
for why receivers are never run in-process here) and kill one mid-task.
"""

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path

import asyncpg
import pytest
from redis.asyncio import Redis

from app import database
from domain import tickets
from domain.enums import RoutingState, TriageStatus
from domain.models import Ticket, TicketEvent
from domain.ports import SystemClock
from domain.triage_inputs import Intake
from tasks.broker import TaskSettings, build_broker
from tests.factories import (
    ADMIN,
    ManualClock,
    create_agent,
    create_category,
    create_customer,
    create_team,
)

BIN = Path(sys.executable).parent


async def wait_triaged(ticket_id: int, seconds: float = 30) -> Ticket:
    async def done() -> bool:
        return (await Ticket.get(id=ticket_id)).triage_status == TriageStatus.DONE

    await until(done, seconds)
    return await Ticket.get(id=ticket_id)


async def new_ticket(customer_id: int, queue: object) -> Ticket:
    return await tickets.create_ticket(
        ADMIN,
        tickets.NewTicket(subject="Invoice wrong", description="refund", customer_id=customer_id),
        SystemClock(),
        queue,  # type: ignore[arg-type]
    )


async def test_in_process_the_ticket_is_triaged_right_after_it_is_created(
    db: str, clock: ManualClock
) -> None:
    team = await create_team()
    cat = await create_category("BILLING", team=team, keywords=["invoice"])
    agent = await create_agent(team, skills={cat: 3})
    tasks = build_broker(None, lambda: Intake(SystemClock()))
    await tasks.broker.startup()
    try:
        ticket = await new_ticket((await create_customer()).id, tasks.triage)
        assert ticket.triage_status == TriageStatus.PENDING  # returned before triage ran
        done = await wait_triaged(ticket.id)
    finally:
        await tasks.broker.shutdown()
    assert (done.assignee_id, done.routing_state) == (agent.id, RoutingState.ASSIGNED)


class FailingQueue:
    async def triage(self, ticket_ids: Sequence[int]) -> None:
        raise ConnectionError("broker down")


async def test_a_broker_outage_keeps_the_ticket_and_the_sweep_hands_it_over(
    db: str, clock: ManualClock
) -> None:
    from domain.intake_sweep import sweep

    team = await create_team()
    await create_category("BILLING", team=team, keywords=["invoice"])
    ticket = await new_ticket((await create_customer()).id, FailingQueue())
    assert (await Ticket.get(id=ticket.id)).triage_status == TriageStatus.PENDING

    handed: list[int] = []

    class Recording:
        async def triage(self, ticket_ids: Sequence[int]) -> None:
            handed.extend(ticket_ids)

    report = await sweep(Intake(SystemClock()), Recording(), pending_grace_seconds=0)
    assert handed == [ticket.id]
    assert report.requeued == 1


@pytest.fixture
async def stream(redis_url: str) -> AsyncIterator[str]:
    name = f"frontdesk:test:{uuid.uuid4().hex}"
    yield name
    client = Redis.from_url(redis_url)
    await client.delete(name)
    await client.aclose()


def start_worker(
    database_url: str, redis_url: str, stream: str, data_dir: str
) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        FRONTDESK_TASK_QUEUE=stream,
        FRONTDESK_TASK_REDELIVERY_SECONDS="1",
        FRONTDESK_LOG_LEVEL="WARNING",
        FRONTDESK_DATA_DIR=data_dir,
    )
    return subprocess.Popen(  # noqa: S603  (our console script)
        [str(BIN / "frontdesk"), "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def until(check: Callable[[], Awaitable[bool]], seconds: float) -> None:
    async with asyncio.timeout(seconds):
        while not await check():  # noqa: ASYNC110  (polling another process's state)
            await asyncio.sleep(0.05)


async def pending_count(redis_url: str, stream: str) -> int:
    client = Redis.from_url(redis_url, decode_responses=True)
    try:
        groups = await client.xinfo_groups(stream)
        return int(groups[0]["pending"]) if groups else 0
    finally:
        await client.aclose()


async def _has_pending(redis_url: str, stream: str, wanted: bool) -> bool:
    return (await pending_count(redis_url, stream) > 0) == wanted


@pytest.mark.redis
@pytest.mark.slow
async def test_a_worker_killed_mid_task_leaves_the_ticket_to_the_redelivery(
    db: str, redis_url: str, stream: str, tmp_path: Path
) -> None:
    team = await create_team()
    cat = await create_category("BILLING", team=team, keywords=["invoice"])
    agent = await create_agent(team, skills={cat: 3})
    customer = await create_customer()
    tasks = build_broker(redis_url, lambda: Intake(SystemClock()), TaskSettings(stream))
    await tasks.broker.startup()
    blocker = await asyncpg.connect(**database.credentials(db))
    first = start_worker(db, redis_url, stream, str(tmp_path))
    second = None
    try:
        ticket = await new_ticket(customer.id, None)
        # hold the ticket row so the worker's triage stops half-way, inside its transaction
        await blocker.execute("BEGIN")
        await blocker.execute("SELECT id FROM ticket WHERE id = $1 FOR UPDATE", ticket.id)
        await tasks.triage.triage([ticket.id])
        await until(lambda: _has_pending(redis_url, stream, True), 30)
        await asyncio.sleep(0.3)  # it is now waiting on the row lock, mid-task
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        await blocker.execute("ROLLBACK")
        assert (await Ticket.get(id=ticket.id)).triage_status == TriageStatus.PENDING

        second = start_worker(db, redis_url, stream, str(tmp_path))
        done = await wait_triaged(ticket.id, seconds=60)

        assert done.assignee_id == agent.id
        events = await TicketEvent.filter(ticket_id=ticket.id).order_by("id")
        assert [e.kind for e in events] == [
            "ticket.created",
            "ticket.assigned",
            "ticket.triaged",
        ]
        await until(lambda: _has_pending(redis_url, stream, False), 30)
    finally:
        await blocker.close()
        await asyncio.wait_for(tasks.broker.shutdown(), 10)
        for worker in (first, second):
            if worker is not None and worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=20)


@pytest.mark.redis
async def test_tickets_created_together_go_to_redis_together_and_are_all_acknowledged(
    db: str, redis_url: str, stream: str, tmp_path: Path
) -> None:
    team = await create_team()
    cat = await create_category("BILLING", team=team, keywords=["invoice"])
    await create_agent(team, max_tickets=50, skills={cat: 3})
    customer = await create_customer()
    tasks = build_broker(redis_url, lambda: Intake(SystemClock()), TaskSettings(stream))
    await tasks.broker.startup()
    worker = start_worker(db, redis_url, stream, str(tmp_path))
    try:
        created = await asyncio.gather(*(new_ticket(customer.id, tasks.triage) for _ in range(20)))
        for ticket in created:
            await wait_triaged(ticket.id, seconds=60)
        await until(lambda: _has_pending(redis_url, stream, False), 30)
        client = Redis.from_url(redis_url, decode_responses=True)
        try:
            assert await client.xlen(stream) == 20  # one message per ticket
            assert (await client.xinfo_groups(stream))[0]["entries-read"] == 20
        finally:
            await client.aclose()
        done = await Ticket.filter(id__in=[t.id for t in created])
        assert {t.routing_state for t in done} == {RoutingState.ASSIGNED}
    finally:
        await asyncio.wait_for(tasks.broker.shutdown(), 10)
        worker.terminate()
        worker.wait(timeout=20)
