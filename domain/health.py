"""Readiness: does the database answer right now?"""

import asyncio

from tortoise import connections


async def database_answers(seconds: float = 2.0) -> bool:
    try:
        await asyncio.wait_for(connections.get("default").execute_query("SELECT 1"), seconds)
    except Exception:  # noqa: BLE001  (any failure means "not ready"; the caller reports 503)
        return False
    return True
