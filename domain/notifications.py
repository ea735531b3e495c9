"""The notification outbox: write messages with the change, send them afterwards.

A change that should notify someone (an SLA escalation, say) calls :func:`enqueue`
inside its own transaction, so the message exists exactly when the change
committed: a rolled-back change notifies nobody, and a committed one is never
forgotten because the network was down. :func:`deliver_due`, run by a scheduled
task, then sends what is due, retrying with exponential backoff and giving up
(``DEAD``, error kept for an operator) after the last attempt.
"""

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

from domain.enums import NotificationChannel, NotificationState
from domain.ports import Clock, Notifier, OutgoingMessage

log = logging.getLogger("frontdesk.notifications")

SUBJECT_MAX = 300
"""The ``notification.subject`` column's length."""
ERROR_MAX = 1000
"""Enough of an error for an operator; a whole HTML error page is not."""

MISSING_SETTING = {
    NotificationChannel.SLACK: "FRONTDESK_SLACK_WEBHOOK_URL",
    NotificationChannel.EMAIL: "FRONTDESK_SMTP_HOST",
}
"""The setting that configures each channel's notifier, named in a DEAD row's error."""


@dataclass(frozen=True)
class Draft:
    """A notification to write; ``dedupe_key`` makes writing it twice a no-op."""

    channel: NotificationChannel
    recipient: str
    subject: str
    body: str
    kind: str
    dedupe_key: str
    ticket_id: int | None = None


ENQUEUE = """
WITH new AS (
    INSERT INTO notification (channel, recipient, subject, body, kind, ticket_id, dedupe_key,
        state, attempts, next_attempt_at, last_error, created_at)
    SELECT d.channel, d.recipient, d.subject, d.body, d.kind, d.ticket_id, d.dedupe_key,
        'PENDING', 0, $8, '', $8
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[],
        $7::text[]) AS d(channel, recipient, subject, body, kind, ticket_id, dedupe_key)
    ON CONFLICT (dedupe_key) DO NOTHING
    RETURNING id
)
SELECT count(*) AS new FROM new
"""


async def enqueue(conn: BaseDBAsyncClient, drafts: Sequence[Draft], now: datetime) -> int:
    """Write ``drafts`` on the caller's connection (so in its transaction); how many were new.

    One statement for the whole batch; a dedupe key already written (or repeated
    in ``drafts``) is skipped, so a retried step never notifies twice.
    """
    if not drafts:
        return 0
    columns: list[list[Any]] = [
        [str(d.channel) for d in drafts],
        [d.recipient for d in drafts],
        [d.subject[:SUBJECT_MAX] for d in drafts],
        [d.body for d in drafts],
        [d.kind for d in drafts],
        [d.ticket_id for d in drafts],
        [d.dedupe_key for d in drafts],
    ]
    _, rows = await conn.execute_query(ENQUEUE, [*columns, now])
    return int(rows[0]["new"])


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: the defaults give up after about 21 minutes of backoff in all."""

    max_attempts: int = 8
    first_backoff_seconds: float = 10
    max_backoff_seconds: float = 3600
    lease_seconds: float = 120
    """How long a claimed row stays invisible to other senders; a crashed sender's
    rows come back after it. Must exceed ``send_timeout_seconds``."""
    send_timeout_seconds: float = 10

    def backoff(self, attempts: int) -> float:
        """Seconds to wait after ``attempts`` failed attempts: 1 -> first, doubling, capped."""
        doublings = min(max(attempts - 1, 0), 60)  # 2**60 is past any cap; no overflow
        return float(min(self.first_backoff_seconds * 2**doublings, self.max_backoff_seconds))


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    dead: int = 0

    def add(self, other: "DeliveryReport") -> None:
        self.sent += other.sent
        self.retrying += other.retrying
        self.dead += other.dead


CLAIM = """
WITH claimed AS (
    UPDATE notification SET next_attempt_at = $2
    WHERE id IN (
        SELECT id FROM notification
        WHERE state = 'PENDING' AND next_attempt_at <= $1
        ORDER BY next_attempt_at
        LIMIT $3
        FOR UPDATE SKIP LOCKED
    )
    RETURNING id, channel, recipient, subject, body, attempts
)
SELECT * FROM claimed ORDER BY id
"""

RECORD = """
UPDATE notification AS n
SET state = o.state, attempts = o.attempts, next_attempt_at = o.next_attempt_at,
    last_error = o.last_error, sent_at = o.sent_at
FROM unnest($1::bigint[], $2::int[], $3::text[], $4::int[], $5::timestamptz[], $6::text[],
    $7::timestamptz[]) AS o(id, claimed_attempts, state, attempts, next_attempt_at, last_error,
    sent_at)
WHERE n.id = o.id AND n.state = 'PENDING' AND n.attempts = o.claimed_attempts
"""
"""The ``attempts`` guard: if a lease ran out and another sender retried the row, only
the first outcome is written."""


@dataclass(frozen=True)
class _Claimed:
    id: int
    channel: NotificationChannel
    attempts: int
    message: OutgoingMessage


@dataclass(frozen=True)
class _Outcome:
    state: NotificationState
    attempts: int
    next_attempt_at: datetime
    last_error: str
    sent_at: datetime | None


async def _claim(now: datetime, retry: RetryPolicy, batch: int) -> list[_Claimed]:
    """Lease up to ``batch`` due rows in one committed statement.

    Pushing ``next_attempt_at`` past the lease hides the rows from other senders
    without holding a lock while we talk to the network; ``SKIP LOCKED`` lets
    concurrent senders take disjoint rows instead of waiting for each other.
    """
    lease_until = now + timedelta(seconds=retry.lease_seconds)
    _, rows = await connections.get("default").execute_query(CLAIM, [now, lease_until, batch])
    return [
        _Claimed(
            id=row["id"],
            channel=NotificationChannel(row["channel"]),
            attempts=row["attempts"],
            message=OutgoingMessage(row["recipient"], row["subject"], row["body"]),
        )
        for row in rows
    ]


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return (f"{type(exc).__name__}: {text}" if text else type(exc).__name__)[:ERROR_MAX]


async def _send(notifier: Notifier | None, row: _Claimed, seconds: float) -> str | None:
    """None when sent, else the error to keep; never raises for a failed send."""
    if notifier is None:
        setting = MISSING_SETTING.get(row.channel, "its setting")
        return f"no {row.channel} notifier configured ({setting})"
    try:
        async with asyncio.timeout(seconds):
            await notifier.send(row.message)
    except TimeoutError:
        error = f"TimeoutError: no answer within {seconds:g}s"
    except Exception as exc:  # noqa: BLE001  (any failure is retried; the error is kept)
        error = _describe(exc)
    else:
        return None
    log.warning("Notification %s: attempt %s failed: %s", row.id, row.attempts + 1, error)
    return error


def _outcome(
    row: _Claimed, error: str | None, configured: bool, now: datetime, retry: RetryPolicy
) -> _Outcome:
    """A missing notifier is not an attempt and will not fix itself: DEAD at once."""
    if error is None:
        return _Outcome(NotificationState.SENT, row.attempts + 1, now, "", now)
    if not configured:
        log.warning("Notification %s: %s; giving up", row.id, error)
        return _Outcome(NotificationState.DEAD, row.attempts, now, error, None)
    attempts = row.attempts + 1
    if attempts >= retry.max_attempts:
        log.warning("Notification %s: giving up after %s attempts", row.id, attempts)
        return _Outcome(NotificationState.DEAD, attempts, now, error, None)
    retry_at = now + timedelta(seconds=retry.backoff(attempts))
    return _Outcome(NotificationState.PENDING, attempts, retry_at, error, None)


async def _record(rows: Sequence[_Claimed], outcomes: Sequence[_Outcome]) -> None:
    """Write every outcome of the batch in one statement."""
    await connections.get("default").execute_query(
        RECORD,
        [
            [r.id for r in rows],
            [r.attempts for r in rows],
            [str(o.state) for o in outcomes],
            [o.attempts for o in outcomes],
            [o.next_attempt_at for o in outcomes],
            [o.last_error for o in outcomes],
            [o.sent_at for o in outcomes],
        ],
    )


async def deliver_due(
    notifiers: Mapping[NotificationChannel, Notifier],
    clock: Clock,
    retry: RetryPolicy = RetryPolicy(),
    batch: int = 100,
) -> DeliveryReport:
    """Send up to ``batch`` due notifications concurrently and record each outcome."""
    rows = await _claim(clock.now(), retry, batch)
    if not rows:
        return DeliveryReport()
    errors = await asyncio.gather(
        *(_send(notifiers.get(r.channel), r, retry.send_timeout_seconds) for r in rows)
    )
    now = clock.now()
    outcomes = [
        _outcome(r, e, r.channel in notifiers, now, retry)
        for r, e in zip(rows, errors, strict=True)
    ]
    await _record(rows, outcomes)
    report = DeliveryReport()
    for o in outcomes:
        if o.state == NotificationState.SENT:
            report.sent += 1
        elif o.state == NotificationState.DEAD:
            report.dead += 1
        else:
            report.retrying += 1
    return report


async def deliver_all_due(
    notifiers: Mapping[NotificationChannel, Notifier],
    clock: Clock,
    retry: RetryPolicy = RetryPolicy(),
    batch: int = 100,
) -> DeliveryReport:
    """Drain the backlog: batches until one comes back short.

    Ends even while sends fail: every claimed row leaves the due set (sent, dead,
    or pushed into the future by its backoff).
    """
    total = DeliveryReport()
    while True:
        report = await deliver_due(notifiers, clock, retry, batch)
        total.add(report)
        if report.sent + report.retrying + report.dead < batch:
            return total
