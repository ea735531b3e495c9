"""Categories are data, not an enum: admins add them without a deploy."""

from typing import Any

from tortoise import fields
from tortoise.contrib.postgres.fields import ArrayField
from tortoise.models import Model


class Category(Model):
    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=40, unique=True)
    name = fields.CharField(max_length=120)
    default_team: fields.ForeignKeyNullableRelation[Any] = fields.ForeignKeyField(
        "models.Team", related_name="default_categories", null=True, on_delete=fields.SET_NULL
    )
    default_team_id: int | None
    # Used when a queued ticket waits past the skill timeout: anyone there may take it.
    fallback_team: fields.ForeignKeyNullableRelation[Any] = fields.ForeignKeyField(
        "models.Team", related_name="fallback_categories", null=True, on_delete=fields.SET_NULL
    )
    fallback_team_id: int | None
    # Keyword rules: classify with these when no model is trained (lower-case words/phrases).
    keywords = ArrayField("text", default=list)
    # Mean handle time of resolved tickets in this category: routing compares each
    # agent's own mean with it (a running mean, updated on every resolution).
    handled_count = fields.IntField(default=0)
    avg_handle_seconds = fields.FloatField(null=True)

    class Meta:
        table = "category"
