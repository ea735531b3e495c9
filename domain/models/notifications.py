"""The notification outbox: a message to send, written in the change's transaction."""

from typing import Any

from tortoise import fields
from tortoise.models import Model

from domain.enums import NotificationChannel, NotificationState


class Notification(Model):
    """One Slack or email message; the delivery task sends it, retrying with backoff.

    ``dedupe_key`` (unique) makes writing the same notification twice a no-op, so a
    retried escalation step never notifies twice.
    """

    id = fields.BigIntField(primary_key=True)
    channel = fields.CharEnumField(NotificationChannel, max_length=5)
    recipient = fields.CharField(max_length=500)
    subject = fields.CharField(max_length=300)
    body = fields.TextField()
    kind = fields.CharField(max_length=40)
    ticket: fields.ForeignKeyNullableRelation[Any] = fields.ForeignKeyField(
        "models.Ticket", related_name="notifications", null=True, on_delete=fields.SET_NULL
    )
    ticket_id: int | None
    dedupe_key = fields.CharField(max_length=200, unique=True)
    state = fields.CharEnumField(NotificationState, max_length=7, default=NotificationState.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    last_error = fields.TextField(default="")
    created_at = fields.DatetimeField()
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "notification"
