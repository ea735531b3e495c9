"""What the domain needs from outside, as protocols; adapters implement them."""

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class TextGuess:
    """A model's best label for one text, with its probability (0..1)."""

    label: str
    confidence: float


class TextClassifier(Protocol):
    """A trained text model (category or severity); the spaCy adapter implements it.

    ``labels`` are the classes it was trained on; ``version`` names the model
    directory so a stored triage result says which model made it.
    """

    @property
    def labels(self) -> tuple[str, ...]: ...

    @property
    def version(self) -> str: ...

    def classify(self, texts: Sequence[str]) -> list[TextGuess]:
        """One guess per text, in order; must be safe to call from a worker thread."""
        ...


class TriageQueue(Protocol):
    """Hands committed tickets to the intake worker (Taskiq in production), in one go:
    tickets created together are handed over together."""

    async def triage(self, ticket_ids: Sequence[int]) -> None: ...


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One notification as a notifier sends it: to a Slack webhook URL or an address."""

    recipient: str
    subject: str
    body: str


class Notifier(Protocol):
    """Sends one message on one channel (Slack webhook, SMTP); the adapters implement it."""

    async def send(self, message: OutgoingMessage) -> None:
        """Deliver, or raise: the notification outbox retries with backoff on any error."""
        ...


@dataclass(frozen=True, slots=True)
class DomainEvent:
    """One committed event, as the event bus carries it to subscribers.

    Most are about a ticket. An agent's own change (``agent.*``: availability,
    capacity, tier) has ``ticket_id`` None and names the agent in ``agent_id``;
    its scope is the agent's team.
    """

    event_id: int
    ticket_id: int | None
    kind: str
    data: dict[str, Any]
    actor_role: str
    actor_id: int | None
    created_at: datetime
    # The ticket's scope when the event was published: who may see it.
    customer_id: int | None = None
    team_id: int | None = None
    assignee_id: int | None = None
    category_id: int | None = None
    client_id: str | None = None
    """The client that made the change, if it named itself (echo suppression)."""
    agent_id: int | None = None
    """The agent an ``agent.*`` event is about (None for ticket events)."""


@dataclass(frozen=True, slots=True)
class Delivered:
    """An event with its position on the bus; a subscriber resumes after a position."""

    position: str
    event: DomainEvent


class ResumeTooOld(Exception):
    """The position to resume after is older than what the bus still keeps."""


class EventBus(Protocol):
    """Committed events, in the order the outbox relay published them.

    In-process for the embedded default, Redis Streams in production.
    """

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        """Append in order. An event whose ``event_id`` was published before is skipped,
        so a relay that publishes again after a crash never duplicates one. Raises
        when the bus is unavailable (the outbox keeps the events)."""
        ...

    def read(self, after: str | None) -> AsyncIterator[Delivered]:
        """Everything after position ``after`` (None: from now on), then each new event
        as it comes, until the consumer stops. Raises ``ResumeTooOld`` when ``after``
        is older than the bus keeps."""
        ...

    async def close(self) -> None: ...
