"""The notification outbox end to end: real PostgreSQL, real sockets, real clients."""

import asyncio
import socket
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from tortoise.transactions import in_transaction

from adapters.notifiers import SlackWebhookNotifier, SmtpNotifier
from domain.enums import NotificationChannel, NotificationState
from domain.models.notifications import Notification
from domain.notifications import (
    DeliveryReport,
    Draft,
    RetryPolicy,
    _claim,
    deliver_due,
    enqueue,
)
from domain.ports import Notifier
from tests.factories import ManualClock
from tests.sinks import SmtpSink, WebhookReceiver

SLACK = NotificationChannel.SLACK
EMAIL = NotificationChannel.EMAIL


def slack_draft(url: str, key: str = "k1", subject: str = "SLA at risk") -> Draft:
    return Draft(SLACK, url, subject, "Ticket 7 is due in 10 minutes.", "sla.warning", key)


def email_draft(key: str = "e1") -> Draft:
    return Draft(EMAIL, "lead@example.com", "SLA breached", "Ticket 7 is late.", "sla.breach", key)


async def write(clock: ManualClock, *drafts: Draft) -> int:
    async with in_transaction() as conn:
        return await enqueue(conn, drafts, clock.now())


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def webhook() -> AsyncIterator[WebhookReceiver]:
    async with WebhookReceiver() as receiver:
        yield receiver


async def test_slack_and_email_are_delivered(db: str, clock: ManualClock) -> None:
    async with WebhookReceiver() as hook, SmtpSink() as smtp:
        assert await write(clock, slack_draft(hook.url), email_draft()) == 2
        notifiers: dict[NotificationChannel, Notifier] = {
            SLACK: SlackWebhookNotifier(),
            EMAIL: SmtpNotifier("127.0.0.1", smtp.port),
        }

        report = await deliver_due(notifiers, clock)

        assert report == DeliveryReport(sent=2)
        assert hook.received == [
            ("/hook", {"text": "*SLA at risk*\nTicket 7 is due in 10 minutes."})
        ]
        [mail] = smtp.received
        assert mail["Subject"] == "SLA breached"
        assert mail["To"] == "lead@example.com"
        assert mail["From"] == "frontdesk@localhost"
        assert mail.get_content().strip() == "Ticket 7 is late."
    rows = await Notification.all()
    assert {(n.state, n.attempts, n.last_error) for n in rows} == {(NotificationState.SENT, 1, "")}
    assert all(n.sent_at == clock.now() for n in rows)


async def test_long_subject_is_truncated(
    db: str, clock: ManualClock, webhook: WebhookReceiver
) -> None:
    await write(clock, slack_draft(webhook.url, subject="x" * 400))
    assert len((await Notification.get()).subject) == 300


async def test_rolled_back_drafts_are_never_sent(
    db: str, clock: ManualClock, webhook: WebhookReceiver
) -> None:
    class Abort(Exception):
        pass

    with pytest.raises(Abort):
        async with in_transaction() as conn:
            await enqueue(conn, [slack_draft(webhook.url)], clock.now())
            raise Abort

    assert await deliver_due({SLACK: SlackWebhookNotifier()}, clock) == DeliveryReport()
    assert webhook.received == []
    assert await Notification.all().count() == 0


async def test_same_dedupe_key_sends_once(
    db: str, clock: ManualClock, webhook: WebhookReceiver
) -> None:
    assert await write(clock, slack_draft(webhook.url), slack_draft(webhook.url)) == 1
    assert await write(clock, slack_draft(webhook.url)) == 0

    await deliver_due({SLACK: SlackWebhookNotifier()}, clock)
    assert await write(clock, slack_draft(webhook.url)) == 0  # also once it was sent
    clock.advance(hours=1)
    await deliver_due({SLACK: SlackWebhookNotifier()}, clock)

    assert len(webhook.received) == 1


async def test_failing_webhook_is_retried_after_the_backoff(db: str, clock: ManualClock) -> None:
    async with WebhookReceiver([500, 500, 200]) as hook:
        await write(clock, slack_draft(hook.url))
        notifiers = {SLACK: SlackWebhookNotifier()}
        retry = RetryPolicy(first_backoff_seconds=10)

        assert await deliver_due(notifiers, clock, retry) == DeliveryReport(retrying=1)
        assert await deliver_due(notifiers, clock, retry) == DeliveryReport()
        clock.advance(seconds=9.9)
        assert await deliver_due(notifiers, clock, retry) == DeliveryReport()
        assert len(hook.received) == 1

        clock.advance(seconds=0.1)  # 10 s after the first failure
        assert await deliver_due(notifiers, clock, retry) == DeliveryReport(retrying=1)
        clock.advance(seconds=19.9)  # the backoff doubled
        assert await deliver_due(notifiers, clock, retry) == DeliveryReport()
        assert len(hook.received) == 2

        clock.advance(seconds=0.1)
        assert await deliver_due(notifiers, clock, retry) == DeliveryReport(sent=1)
        assert len(hook.received) == 3

    row = await Notification.get()
    assert (row.state, row.attempts, row.last_error) == (NotificationState.SENT, 3, "")


async def test_always_failing_receiver_ends_dead_with_its_error(
    db: str, clock: ManualClock
) -> None:
    async with WebhookReceiver([500] * 10) as hook:
        await write(clock, slack_draft(hook.url))
        retry = RetryPolicy(max_attempts=4)
        for _ in range(6):
            await deliver_due({SLACK: SlackWebhookNotifier()}, clock, retry)
            clock.advance(seconds=retry.max_backoff_seconds)

    assert len(hook.received) == 4
    row = await Notification.get()
    assert (row.state, row.attempts) == (NotificationState.DEAD, 4)
    assert row.last_error == "NotificationFailed: Slack webhook answered 500: server on fire"


async def test_smtp_server_down_is_a_failure_that_is_retried(db: str, clock: ManualClock) -> None:
    await write(clock, email_draft())

    report = await deliver_due({EMAIL: SmtpNotifier("127.0.0.1", free_port())}, clock)

    assert report == DeliveryReport(retrying=1)
    row = await Notification.get()
    assert (row.state, row.attempts) == (NotificationState.PENDING, 1)
    assert row.last_error.startswith("ConnectionRefusedError")
    assert row.next_attempt_at == clock.now() + timedelta(seconds=10)

    clock.advance(seconds=10)
    async with SmtpSink() as smtp:  # the server is back
        report = await deliver_due({EMAIL: SmtpNotifier("127.0.0.1", smtp.port)}, clock)
        assert report == DeliveryReport(sent=1)
        assert [m["Subject"] for m in smtp.received] == ["SLA breached"]


async def test_channel_without_notifier_goes_dead_at_once(
    db: str, clock: ManualClock, webhook: WebhookReceiver
) -> None:
    await write(clock, slack_draft(webhook.url), email_draft())

    report = await deliver_due({}, clock)

    assert report == DeliveryReport(dead=2)
    rows = {n.channel: n for n in await Notification.all()}
    assert rows[SLACK].state == rows[EMAIL].state == NotificationState.DEAD
    assert rows[SLACK].last_error == "no SLACK notifier configured (FRONTDESK_SLACK_WEBHOOK_URL)"
    assert rows[EMAIL].last_error == "no EMAIL notifier configured (FRONTDESK_SMTP_HOST)"
    assert webhook.received == []


async def test_concurrent_senders_never_send_a_row_twice(
    db: str, clock: ManualClock, webhook: WebhookReceiver
) -> None:
    await write(clock, *(slack_draft(webhook.url, key=f"k{i}", subject=f"n{i}") for i in range(50)))

    async with httpx.AsyncClient() as client:
        notifiers = {SLACK: SlackWebhookNotifier(client=client)}
        reports = await asyncio.gather(deliver_due(notifiers, clock), deliver_due(notifiers, clock))

    assert sum(r.sent for r in reports) == 50
    texts = [body["text"].split("\n")[0] for _, body in webhook.received]
    assert sorted(texts) == sorted(f"*n{i}*" for i in range(50))
    assert await Notification.filter(state=NotificationState.SENT, attempts=1).count() == 50


async def test_slow_receiver_times_out_and_is_retried(db: str, clock: ManualClock) -> None:
    async with WebhookReceiver(delay_seconds=0.5) as hook:
        await write(clock, slack_draft(hook.url))
        retry = RetryPolicy(send_timeout_seconds=0.1)

        report = await deliver_due({SLACK: SlackWebhookNotifier()}, clock, retry)

    assert report == DeliveryReport(retrying=1)
    row = await Notification.get()
    assert (row.state, row.attempts) == (NotificationState.PENDING, 1)
    assert row.last_error == "TimeoutError: no answer within 0.1s"


async def test_rows_of_a_crashed_sender_come_back_after_the_lease(
    db: str, clock: ManualClock, webhook: WebhookReceiver
) -> None:
    await write(clock, slack_draft(webhook.url))
    retry = RetryPolicy(lease_seconds=120)
    assert len(await _claim(clock.now(), retry, 100)) == 1  # claimed, then the sender died
    notifiers: dict[NotificationChannel, Notifier] = {SLACK: SlackWebhookNotifier()}

    clock.advance(seconds=119)
    assert await deliver_due(notifiers, clock, retry) == DeliveryReport()
    clock.advance(seconds=1)
    assert await deliver_due(notifiers, clock, retry) == DeliveryReport(sent=1)
    assert len(webhook.received) == 1
