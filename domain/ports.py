"""What the domain needs from outside, as protocols; adapters implement them."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol


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
    """Hands a committed ticket to the intake worker (Taskiq in production)."""

    async def triage(self, ticket_id: int) -> None: ...


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
