"""Writing migration files, and finding model changes that no migration covers.

Wraps Tortoise's autodetector so that ``frontdesk makemigrations`` and the drift
test use exactly the same comparison.
"""

from typing import Any

from tortoise.context import TortoiseContext
from tortoise.migrations.autodetector import MigrationAutodetector
from tortoise.migrations.writer import MigrationWriter, format_migration_name

from app.database import tortoise_config


async def detect_changes(url: str) -> list[MigrationWriter]:
    """Migrations that would be written now; empty when models and files agree."""
    config = tortoise_config(url, pool_size=1)
    apps: dict[str, dict[str, Any]] = config["apps"]
    async with TortoiseContext() as ctx:
        await ctx.init(config=config)
        assert ctx.apps is not None
        return list(await MigrationAutodetector(ctx.apps, apps).changes())


async def make_migrations(url: str, name: str | None = None) -> list[str]:
    """Write a migration file per changed app; return their paths."""
    paths = []
    for writer in await detect_changes(url):
        if name:
            writer.name = format_migration_name(int(writer.name.split("_", 1)[0]), name)
        paths.append(str(writer.write()))
    return paths
