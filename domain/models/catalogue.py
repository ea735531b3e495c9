"""Categories are data, not an enum: admins add them without a deploy."""

from typing import Any

from tortoise import fields
from tortoise.models import Model


class Category(Model):
    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=40, unique=True)
    name = fields.CharField(max_length=120)
    default_team: fields.ForeignKeyNullableRelation[Any] = fields.ForeignKeyField(
        "models.Team", related_name="default_categories", null=True, on_delete=fields.SET_NULL
    )
    default_team_id: int | None

    class Meta:
        table = "category"
