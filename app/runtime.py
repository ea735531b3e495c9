"""Start and stop what a Frontdesk process needs, per settings.

The CLI commands, the ASGI lifespan and the test suite all go through here,
so there is one way the database, the broker and the clock get wired.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from redis.asyncio import Redis
from redis.exceptions import RedisError
from starlette.applications import Starlette
from taskiq import AsyncBroker, TaskiqScheduler
from taskiq.api import run_scheduler_task
from taskiq.schedule_sources import LabelScheduleSource

from adapters.notifiers import SlackWebhookNotifier, SmtpNotifier
from app import database
from app.garbage import scheduled_collection
from app.intake_wiring import intake_factory, warm_up
from app.outbox_relay import build_event_bus, relaying
from app.settings import Settings, SettingsError
from domain.enums import NotificationChannel
from domain.notifications import RetryPolicy
from domain.ports import Clock, Notifier, SystemClock
from domain.triage_inputs import Intake
from gql.app import build_app
from tasks.broker import Tasks, TaskSettings, build_broker

log = logging.getLogger("frontdesk")


def prepare_database(settings: Settings) -> str:
    """The DSN to use, with PostgreSQL (and Redis, if set) reachable.

    Fails fast with one line naming the setting, before any server starts.
    """
    url = database.resolve_database_url(settings)

    async def check() -> None:
        await database.check_reachable(url, settings.connect_timeout_seconds)
        if settings.redis_url:
            await check_redis(settings.redis_url, settings.connect_timeout_seconds)

    asyncio.run(check())
    return url


def _redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


async def check_redis(url: str, seconds: float) -> None:
    client = Redis.from_url(url, socket_connect_timeout=seconds, socket_timeout=seconds)
    try:
        await client.ping()
    except (RedisError, OSError) as exc:
        raise SettingsError(f"REDIS_URL: cannot reach Redis at {_redacted(url)}: {exc}") from None
    finally:
        await client.aclose()


@dataclass
class Runtime:
    settings: Settings
    database_url: str
    clock: Clock
    tasks: Tasks

    @property
    def broker(self) -> AsyncBroker:
        return self.tasks.broker


@contextlib.asynccontextmanager
async def running(
    settings: Settings,
    database_url: str,
    *,
    clock: Clock | None = None,
    intake: Callable[[], Intake] | None = None,
    tasks: Tasks | None = None,
    triages: bool = False,
) -> AsyncIterator[Runtime]:
    """Open the database pool and the broker for the life of the block.

    ``triages``: this process runs triage tasks, so load the models now rather
    than stall the first ticket.
    """
    if settings.redis_url:
        await check_redis(settings.redis_url, settings.connect_timeout_seconds)
    await database.open_database(database_url, pool_size=settings.db_pool_size)
    the_clock = clock or SystemClock()
    intake = intake or intake_factory(settings, the_clock)
    tasks = tasks or build_tasks(settings, intake)
    if triages:
        await asyncio.to_thread(warm_up, intake())
    await tasks.broker.startup()
    try:
        yield Runtime(settings, database_url, the_clock, tasks)
    finally:
        await tasks.broker.shutdown()
        await database.close_database()


def build_tasks(settings: Settings, intake: Callable[[], Intake]) -> Tasks:
    return build_broker(
        settings.redis_url,
        intake,
        TaskSettings(
            queue_name=settings.task_queue,
            redelivery_seconds=settings.task_redelivery_seconds,
            sweep_seconds=settings.intake_sweep_seconds,
            pending_grace_seconds=max(settings.intake_sweep_seconds, 10),
            triage_batch=settings.triage_batch,
            triage_batch_spacing_seconds=settings.triage_batch_spacing_ms / 1000,
            sla_sweep_seconds=settings.sla_sweep_seconds,
            notification_seconds=settings.notification_seconds,
            retry=RetryPolicy(max_attempts=settings.notification_max_attempts),
        ),
        notifiers(settings),
    )


def notifiers(settings: Settings) -> dict[NotificationChannel, Notifier]:
    """The notifiers the settings configure: Slack with a webhook URL, email with SMTP."""
    found: dict[NotificationChannel, Notifier] = {}
    if settings.slack_webhook_url:
        found[NotificationChannel.SLACK] = SlackWebhookNotifier()
    if settings.smtp_host:
        found[NotificationChannel.EMAIL] = SmtpNotifier(
            settings.smtp_host,
            settings.smtp_port,
            sender=settings.smtp_sender,
            username=settings.smtp_username or None,
            password=settings.smtp_password or None,
            starttls=settings.smtp_starttls,
        )
    return found


UVICORN_WEBSOCKETS: dict[str, Any] = {"ws": "websockets-sansio", "ws_per_message_deflate": False}
"""How the server speaks WebSocket. The sans-I/O implementation keeps no tasks of its
own per connection, and permessage-deflate is off: its zlib state costs hundreds of
KiB per connection, ten times what an idle dashboard may cost (docs/live.md);
updates are small JSON."""


def in_process_scheduler(broker: AsyncBroker) -> "asyncio.Task[None]":
    """The embedded default's scheduler: schedules from task labels, run in this process.

    In production exactly one ``frontdesk scheduler`` process does this instead.
    """
    scheduler = TaskiqScheduler(broker, [LabelScheduleSource(broker)])
    return asyncio.create_task(run_scheduler_task(scheduler), name="frontdesk-scheduler")


def create_app(settings: Settings, database_url: str, *, clock: Clock | None = None) -> Starlette:
    """The API with its lifespan: pool and broker open while it serves."""
    the_clock = clock or SystemClock()
    intake = intake_factory(settings, the_clock)
    tasks = build_tasks(settings, intake)
    bus, publisher = build_event_bus(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with running(
            settings,
            database_url,
            clock=the_clock,
            intake=intake,
            tasks=tasks,
            triages=not settings.redis_url,
        ) as runtime:
            app.state.runtime = runtime
            scheduler = None if settings.redis_url else in_process_scheduler(runtime.broker)
            log.info(
                "Frontdesk ready: GraphQL at http://%s:%s/graphql", settings.host, settings.port
            )
            try:
                async with (
                    scheduled_collection(settings.gc_full_seconds),
                    relaying(database_url, publisher, the_clock),
                ):
                    yield
            finally:
                await bus.close()
                if publisher is not bus:
                    await publisher.close()
                if scheduler is not None:
                    scheduler.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await scheduler

    return build_app(
        clock=the_clock,
        max_body_bytes=settings.max_body_bytes,
        graphiql=settings.graphiql,
        token_cache_seconds=settings.token_cache_seconds,
        intake=intake(),
        triage=tasks.triage,
        bus=bus,
        ws_buffer_updates=settings.live_buffer_updates,
        lifespan=lifespan,
    )
