"""API tokens: random secrets shown once, stored only as a SHA-256 digest."""

from typing import Any

from tortoise import fields
from tortoise.models import Model

from domain.enums import Role


class ApiToken(Model):
    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    role = fields.CharEnumField(Role, max_length=16)
    name = fields.CharField(max_length=200, default="")
    customer: fields.ForeignKeyNullableRelation[Any] = fields.ForeignKeyField(
        "models.Customer", related_name="tokens", null=True, on_delete=fields.CASCADE
    )
    customer_id: int | None
    agent: fields.ForeignKeyNullableRelation[Any] = fields.ForeignKeyField(
        "models.Agent", related_name="tokens", null=True, on_delete=fields.CASCADE
    )
    agent_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_token"
