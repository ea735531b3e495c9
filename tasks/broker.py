"""The one Taskiq broker, chosen by settings, with every task registered on it.

No Redis URL: ``InMemoryBroker`` (tasks run inside the API process, the
embedded default and most tests). A Redis URL: the Redis stream broker with
acknowledgements, consumed by ``frontdesk worker`` processes, with results kept
in Redis for an hour so an operator (or a test) can see what a task returned.
A message a worker took but never acknowledged (it died) is claimed again by
another worker after ``redelivery_seconds``.
"""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from taskiq import AsyncBroker, InMemoryBroker

from domain.enums import NotificationChannel
from domain.notifications import DeliveryReport, RetryPolicy, deliver_all_due
from domain.ports import Notifier
from domain.triage_inputs import Intake
from tasks import health, intake, notifications, sla
from tasks.redis_stream import ReclaimingStreamBroker, SharedClientResultBackend

RESULT_SECONDS = 3600


@dataclass(frozen=True)
class TaskSettings:
    queue_name: str = "frontdesk:tasks"
    redelivery_seconds: float = 60.0
    sweep_seconds: int = 30
    pending_grace_seconds: float = 30.0
    triage_batch: int = 100
    """At most this many triage tasks of one worker share a transaction."""
    triage_batch_spacing_seconds: float = 0.03
    """While busy, a worker starts triage batches at least this far apart."""
    stream_maxlen: int = 1_000_000
    sla_sweep_seconds: int = 15
    notification_seconds: int = 5
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    """Acknowledged messages are trimmed beyond this (approximately), so the stream
    does not grow forever; a task trimmed before any worker read it is recovered by
    the intake sweep."""


@dataclass(frozen=True)
class Tasks:
    broker: AsyncBroker
    triage: intake.BrokerTriageQueue


def build_broker(
    redis_url: str | None,
    intake_factory: Callable[[], Intake],
    settings: TaskSettings | None = None,
    notifiers: Mapping[NotificationChannel, Notifier] | None = None,
) -> Tasks:
    """``notifiers``: how the outbox sends, per channel (the composition root builds
    them from settings); a notification on a channel without one ends DEAD, its
    error naming the setting to configure."""
    settings = settings or TaskSettings()
    broker: AsyncBroker
    if redis_url:
        broker = ReclaimingStreamBroker(
            url=redis_url,
            queue_name=settings.queue_name,
            idle_timeout=int(settings.redelivery_seconds * 1000),
            maxlen=settings.stream_maxlen,
        ).with_result_backend(
            SharedClientResultBackend(
                redis_url,
                result_ex_time=RESULT_SECONDS,
                prefix_str=f"{settings.queue_name}:result",
            )
        )
    else:
        broker = InMemoryBroker()
    health.register(broker)
    triage = intake.register(
        broker,
        intake_factory,
        sweep_seconds=settings.sweep_seconds,
        pending_grace_seconds=settings.pending_grace_seconds,
        batch_size=settings.triage_batch,
        batch_spacing_seconds=settings.triage_batch_spacing_seconds,
    )
    sla.register(broker, intake_factory, seconds=settings.sla_sweep_seconds)
    senders = dict(notifiers or {})
    retry = settings.retry

    def deliver() -> Awaitable[DeliveryReport]:
        return deliver_all_due(senders, intake_factory().clock, retry)

    notifications.register(broker, deliver, seconds=settings.notification_seconds)
    return Tasks(broker, triage)
