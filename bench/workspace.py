"""Where the read benchmark keeps its files, and how its scripts run.

Everything the bench writes goes under ``.frontdesk-bench/`` (its PostgreSQL
data, the ADMIN token, the servers' logs, profiles), never the user's
``.frontdesk/``. The ``frontdesk`` executable is the one of the virtualenv
running the bench, so the server measured is the checked-out code. Progress
goes to stderr, leaving stdout to the figures (the table or the ``--json``
document). Coroutines run on uvloop when it is installed: the load generator
is cheaper on it, which leaves more of the CPU to the servers it measures.
"""

import asyncio
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
DATA_DIR = ROOT / ".frontdesk-bench"
VENV_BIN = Path(sys.executable).parent
FRONTDESK = VENV_BIN / "frontdesk"


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def run_async(coro_fn: Callable[[], Coroutine[Any, Any, T]]) -> T:
    try:
        import uvloop  # noqa: PLC0415  (optional: the client is cheaper on uvloop)
    except ImportError:
        return asyncio.run(coro_fn())
    return uvloop.run(coro_fn())
