"""Settings from the environment, validated once at start-up.

Every knob a deployment turns is here; a bad value fails with one line that
names the setting instead of a traceback deep inside a driver.
"""

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(Exception):
    """A setting is missing, malformed or points at something unreachable."""


def _check_url(value: str | None, setting: str, schemes: tuple[str, ...]) -> str | None:
    if value is None or value == "":
        return None
    parts = urlsplit(value)
    if parts.scheme not in schemes:
        raise ValueError(
            f"{setting} must start with {' or '.join(s + '://' for s in schemes)}, got {value!r}"
        )
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FRONTDESK_", extra="ignore")

    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "FRONTDESK_DATABASE_URL")
    )
    redis_url: str | None = Field(
        default=None, validation_alias=AliasChoices("REDIS_URL", "FRONTDESK_REDIS_URL")
    )
    meili_url: str | None = Field(
        default=None, validation_alias=AliasChoices("MEILI_URL", "FRONTDESK_MEILI_URL")
    )
    meili_api_key: str | None = Field(
        default=None, validation_alias=AliasChoices("MEILI_API_KEY", "FRONTDESK_MEILI_API_KEY")
    )
    data_dir: Path = Path(".frontdesk")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    max_body_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    db_pool_size: int = Field(default=10, ge=1, le=200)
    graphiql: bool = True
    token_cache_seconds: float = Field(default=5.0, ge=0, le=300)
    task_queue: str = Field(default="frontdesk:tasks", min_length=1, max_length=100)
    connect_timeout_seconds: float = Field(default=5.0, gt=0)
    # Intake: classifier trust, routing score weights, timeouts (docs/intake.md).
    triage_confidence_threshold: float = Field(default=0.5, ge=0, le=1)
    category_model_dir: Path | None = None
    severity_model_dir: Path | None = None
    routing_capacity_weight: float = Field(default=0.5, ge=0, le=100)
    routing_skill_weight: float = Field(default=0.3, ge=0, le=100)
    routing_handle_time_weight: float = Field(default=0.2, ge=0, le=100)
    routing_skill_timeout_seconds: float = Field(default=900, gt=0)
    # How long a worker reuses categories, teams and rules before reading them again.
    routing_reference_seconds: float = Field(default=2.0, ge=0, le=300)
    task_redelivery_seconds: float = Field(default=60, ge=1)
    intake_sweep_seconds: int = Field(default=30, ge=1, le=3600)
    triage_batch: int = Field(default=100, ge=1, le=500)
    triage_batch_spacing_ms: int = Field(default=30, ge=0, le=1000)
    # SLA: the sweep and where alerts go (docs/sla.md).
    sla_sweep_seconds: int = Field(default=15, ge=1, le=3600)
    notification_seconds: int = Field(default=5, ge=1, le=3600)
    notification_max_attempts: int = Field(default=8, ge=1, le=100)
    slack_webhook_url: str | None = None
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_sender: str = "frontdesk@localhost"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    management_emails: str = Field(default="", description="Comma-separated addresses.")
    # Live updates: the Redis stream the outbox relay publishes committed events to.
    event_stream: str = Field(default="frontdesk:events", min_length=1, max_length=100)
    # How many updates may wait unsent for one subscriber before its connection is
    # closed as too slow (1013); memory per subscriber stays bounded by it.
    live_buffer_updates: int = Field(default=256, ge=4, le=100_000)
    # Seconds between full garbage collections in `frontdesk serve` (app/garbage.py):
    # CPython's own trigger pauses a process holding thousands of connections.
    gc_full_seconds: float = Field(default=300.0, ge=1, le=86_400)

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        return _check_url(value, "DATABASE_URL", ("postgres", "postgresql"))

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        return _check_url(value, "REDIS_URL", ("redis", "rediss", "unix"))

    @field_validator("meili_url")
    @classmethod
    def _meili_url(cls, value: str | None) -> str | None:
        return _check_url(value, "MEILI_URL", ("http", "https"))

    @field_validator("slack_webhook_url")
    @classmethod
    def _slack_url(cls, value: str | None) -> str | None:
        return _check_url(value, "FRONTDESK_SLACK_WEBHOOK_URL", ("http", "https"))

    @field_validator("management_emails")
    @classmethod
    def _emails(cls, value: str) -> str:
        for address in (a.strip() for a in value.split(",")):
            if address and ("@" not in address or " " in address):
                raise ValueError(f"{address!r} is not an email address")
        return value

    def management_list(self) -> tuple[str, ...]:
        return tuple(a.strip() for a in self.management_emails.split(",") if a.strip())

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @property
    def uses_embedded_database(self) -> bool:
        return self.database_url is None


def load_settings() -> Settings:
    """Read the environment; turn pydantic's report into one line per bad setting."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "settings"
            message = str(error["msg"]).removeprefix("Value error, ")
            if name.upper() in message:
                problems.append(message)
            else:
                problems.append(f"{_env_name(name)}: {message}")
        raise SettingsError("; ".join(problems)) from None


def _env_name(field: str) -> str:
    aliases = {"database_url", "redis_url", "meili_url", "meili_api_key"}
    return field.upper() if field.lower() in aliases else f"FRONTDESK_{field.upper()}"
