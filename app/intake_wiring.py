"""Build the intake collaborators (models, policies) from settings.

Models load lazily, on the first ticket a process triages, so ``serve`` starts
fast and a process that never triages never pays for spaCy. A newly trained
model (``frontdesk train-classifier`` moves the LATEST pointer) is picked up
within ``RECHECK_SECONDS`` without a restart.
"""

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from app.settings import Settings
from domain.ports import Clock, TextClassifier
from domain.routing import RoutingPolicy
from domain.sla_alerts import AlertSettings
from domain.triage_inputs import Intake

log = logging.getLogger("frontdesk.intake")
RECHECK_SECONDS = 10.0


class ModelSlot:
    """The current model of one kind: an explicit directory, or the latest trained one."""

    def __init__(self, settings: Settings, kind: str, explicit: Path | None) -> None:
        self._data_dir = settings.data_dir
        self._kind = kind
        self._explicit = explicit
        self._checked_at = float("-inf")
        self._path: Path | None = None
        self._model: TextClassifier | None = None
        self._lock = threading.Lock()

    def _wanted(self) -> Path | None:
        from adapters.text_classifier import latest_model_dir

        return self._explicit or latest_model_dir(self._data_dir, self._kind)

    @staticmethod
    def _pointer_error() -> type[Exception]:
        from adapters.text_classifier import ModelDirectoryError

        return ModelDirectoryError

    def __call__(self) -> TextClassifier | None:
        now = time.monotonic()
        if now - self._checked_at < RECHECK_SECONDS:
            return self._model
        with self._lock:
            self._checked_at = now
            try:
                wanted = self._wanted()
            except self._pointer_error() as exc:  # a broken LATEST: keep what we have, say so
                log.error(
                    "The %s model pointer is broken (%s); keeping the current one", self._kind, exc
                )
                return self._model
            if wanted != self._path:
                self._model = self._load(wanted)
                self._path = wanted
        return self._model

    def _load(self, path: Path | None) -> TextClassifier | None:
        if path is None:
            return None
        from adapters.text_classifier import SpacyTextClassifier

        try:
            model = SpacyTextClassifier.load(path)
        except Exception:
            log.exception(
                "Could not load the %s model at %s; keeping keyword rules", self._kind, path
            )
            return None
        log.info("Loaded %s model %s", self._kind, model.version)
        return model


def warm_up(intake: Intake) -> None:
    """Load the models now (call in a thread at start-up), not on the first ticket."""
    intake.category_model()
    intake.severity_model()


def intake_factory(settings: Settings, clock: Clock) -> Callable[[], Intake]:
    intake = Intake(
        clock=clock,
        category_model=ModelSlot(settings, "category", settings.category_model_dir),
        severity_model=ModelSlot(settings, "severity", settings.severity_model_dir),
        confidence_threshold=settings.triage_confidence_threshold,
        reference_seconds=settings.routing_reference_seconds,
        alerts=AlertSettings(
            slack_webhook_url=settings.slack_webhook_url,
            management_emails=settings.management_list(),
            email_enabled=bool(settings.smtp_host),
        ),
        routing=RoutingPolicy(
            capacity_weight=settings.routing_capacity_weight,
            skill_weight=settings.routing_skill_weight,
            handle_time_weight=settings.routing_handle_time_weight,
            skill_timeout_seconds=settings.routing_skill_timeout_seconds,
        ),
    )
    return lambda: intake
