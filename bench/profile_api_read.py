"""Where Frontdesk spends a queue-page request: the bench query, profiled in-process.

Builds the same app ``frontdesk serve`` runs (``app.runtime.create_app`` with
its lifespan) against the bench database seeded by ``bench/api_read.py``, and
calls it as an ASGI app, one request at a time: everything but uvicorn's HTTP
parsing (auth, Strawberry, graphql-core, DataLoaders, Tortoise, asyncpg,
orjson). Prints:

- the unprofiled cost per request and the SQL statements per request;
- self time grouped by package (pyinstrument samples when it is installed,
  else cProfile);
- cProfile's top functions by cumulative and by own time.

pyinstrument is optional (``.venv/bin/pip install pyinstrument``); without it
only cProfile runs.

    .venv/bin/python bench/api_read.py --tickets 100000   # seeds .frontdesk-bench once
    .venv/bin/python bench/profile_api_read.py --iterations 200
"""

import argparse
import contextlib
import cProfile
import gc
import os
import pstats
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
from bench_database import BenchDatabase, admin_token, bench_database, data_summary, frontdesk_cli
from in_process_app import asgi_caller, frontdesk_app
from queue_query import PAGE, queue_request
from workspace import DATA_DIR, ROOT, run_async

SITE = f"{os.sep}site-packages{os.sep}"
STDLIB = os.path.dirname(os.__file__) + os.sep
OWN_PACKAGES = ("app", "gql", "resolvers", "domain", "adapters", "tasks")


@contextlib.contextmanager
def counting_statements() -> Iterator[Counter[str]]:
    """Count SQL statements sent through asyncpg connections while the block runs."""
    counts: Counter[str] = Counter()
    names = ("fetch", "fetchrow", "fetchval", "execute", "executemany")
    originals = {n: getattr(asyncpg.Connection, n) for n in names}

    def wrap(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        async def counted(self: asyncpg.Connection, query: str, *args: Any, **kw: Any) -> Any:
            counts[" ".join(query.split())[:90]] += 1
            return await original(self, query, *args, **kw)

        return counted

    for name, original in originals.items():
        setattr(asyncpg.Connection, name, wrap(name, original))
    try:
        yield counts
    finally:
        for name, original in originals.items():
            setattr(asyncpg.Connection, name, original)


@contextlib.contextmanager
def timing_gc() -> Iterator[dict[int, list[float]]]:
    """Per generation: [collections, seconds] of the garbage collector while the block runs."""
    spent: dict[int, list[float]] = {0: [0, 0.0], 1: [0, 0.0], 2: [0, 0.0]}
    started = [0.0]

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            spent[info["generation"]][0] += 1
            spent[info["generation"]][1] += time.perf_counter() - started[0]

    gc.callbacks.append(callback)
    try:
        yield spent
    finally:
        gc.callbacks.remove(callback)


def package_of(path: str) -> str:
    """A short owner for a source file: a distribution, a Frontdesk layer, a stdlib module."""
    if path in ("~", "<built-in>"):
        return "(C built-ins: isinstance, getattr, dict ops...)"
    if path.startswith("<") or not path:
        return path or "?"
    if SITE in path:
        return path.split(SITE, 1)[1].split(os.sep, 1)[0].removesuffix(".py")
    if path.startswith(STDLIB):
        return "stdlib:" + path[len(STDLIB) :].split(os.sep, 1)[0].removesuffix(".py")
    try:
        relative = Path(path).resolve().relative_to(ROOT)
    except ValueError:
        return "other"
    return f"frontdesk:{relative.parts[0]}" if relative.parts[0] in OWN_PACKAGES else "bench"


def short_location(path: str, line: int, name: str) -> str:
    if SITE in path:
        path = path.split(SITE, 1)[1]
    else:
        with contextlib.suppress(ValueError):
            path = str(Path(path).resolve().relative_to(ROOT))
    return f"{path}:{line}({name})" if line else f"{path}({name})"


def print_cprofile(profile: cProfile.Profile, iterations: int, top: int, wall: float) -> None:
    """Top functions; percentages are of the profiled wall time.

    With asyncio, a coroutine's cumulative time covers only the stretches it
    ran after each resume, not what its awaiting caller spent, so the outer
    frames (the ASGI app, the view) show less than 100%.
    """
    stats = pstats.Stats(profile)
    rows = stats.stats  # type: ignore[attr-defined]  # pstats' documented-by-use table
    total = wall
    by_package: Counter[str] = Counter()
    for (path, _, _), (_, _, tt, _, _) in rows.items():
        by_package[package_of(path)] += tt
    print(f"\ncProfile self time by package ({iterations} requests; cProfile inflates code that")
    print("makes many small calls, so compare with the sampling profile above when present):")
    for package, seconds in by_package.most_common(12):
        print(f"  {100 * seconds / total:5.1f}%  {package}")
    for key, title in (("cumulative", "cumulative"), ("tottime", "own (tottime)")):
        ordered = sorted(rows.items(), key=lambda kv: kv[1][3 if key == "cumulative" else 2])
        print(
            f"\ncProfile top {top} by {title} time ({iterations} requests,"
            f" {1000 * wall / iterations:.2f} ms per request under cProfile):"
        )
        print(f"{'calls/req':>10}{'own ms':>9}{'cum ms':>9}{'cum %':>7}  function")
        for (path, line, name), (_, nc, tt, ct, _) in list(reversed(ordered))[:top]:
            print(
                f"{nc / iterations:>10.1f}{1000 * tt / iterations:>9.3f}"
                f"{1000 * ct / iterations:>9.3f}{100 * ct / total:>7.1f}  "
                f"{short_location(path, line, name)}"
            )


def print_pyinstrument(session: Any, iterations: int) -> None:
    """Self time by package from pyinstrument's samples (awaiting I/O is its own line)."""
    by_package: Counter[str] = Counter()

    def walk(frame: Any, owner: str) -> None:
        if frame.identifier == "[await]":
            by_package["(awaiting PostgreSQL: the event loop idles)"] += frame.time
            return
        if not frame.is_synthetic:  # [self] and [out-of-context] belong to their parent
            owner = package_of(frame.file_path or "")
        by_package[owner] += frame.time - sum(c.time for c in frame.children)
        for child in frame.children:
            walk(child, owner)

    root = session.root_frame()
    walk(root, "?")
    total = root.time
    print(f"\npyinstrument (sampling; {iterations} requests, {1000 * total / iterations:.2f} ms")
    print("per request under the profiler): self time by package")
    for package, seconds in by_package.most_common(14):
        if seconds / total >= 0.001:
            print(f"  {100 * seconds / total:5.1f}%  {package}")


async def profile(db: BenchDatabase, token: str, args: argparse.Namespace) -> None:
    body = queue_request("OPEN")
    async with frontdesk_app(db) as app:
        call = asgi_caller(app, body, token)
        status, content = await call()
        if status != 200 or b'"errors"' in content:
            sys.exit(f"the query failed ({status}): {content[:1000]!r}")
        for _ in range(args.warmup):
            await call()

        with timing_gc() as spent:
            started = time.perf_counter()
            for _ in range(args.iterations):
                await call()
            per_request = (time.perf_counter() - started) / args.iterations
        print(f"\nqueue page ({PAGE} OPEN tickets, {len(content):,} bytes), in-process ASGI,")
        print(f"sequential, no profiler: {1000 * per_request:.2f} ms per request")
        print(f"  (a ceiling of {1 / per_request:.0f} req/s on one core without HTTP parsing)")
        print(
            f"garbage collector ({len(gc.get_objects()):,} objects tracked after start-up),"
            " per request:"
        )
        for generation, (n, seconds) in spent.items():
            print(
                f"  gen {generation}: {n / args.iterations:.2f} collections,"
                f" {1000 * seconds / args.iterations:.2f} ms"
            )

        with counting_statements() as counts:
            await call()
        print(f"SQL statements per request: {sum(counts.values())}")
        for statement, n in counts.most_common():
            print(f"  {n} x {statement}")

        if args.pyinstrument:
            from pyinstrument import Profiler  # noqa: PLC0415  (optional dependency)

            profiler = Profiler(interval=0.0002, async_mode="enabled")
            profiler.start()
            for _ in range(args.iterations):
                await call()
            profiler.stop()
            print_pyinstrument(profiler.last_session, args.iterations)
            out = DATA_DIR / "profile_api_read.html"
            out.write_text(profiler.output_html(), encoding="utf-8")
            print(f"  (full call tree: {out})")

        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.enable()
        for _ in range(args.iterations):
            await call()
        profile.disable()
        print_cprofile(profile, args.iterations, args.top, time.perf_counter() - started)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--iterations", type=int, default=200, help="requests per measurement")
    p.add_argument("--warmup", type=int, default=20, help="unmeasured requests first")
    p.add_argument("--top", type=int, default=15, help="functions listed per table")
    p.add_argument("--no-pyinstrument", dest="pyinstrument", action="store_false")
    args = p.parse_args()
    try:
        import pyinstrument  # noqa: F401, PLC0415
    except ImportError:
        args.pyinstrument = False

    DATA_DIR.mkdir(exist_ok=True)
    db = bench_database()
    try:
        summary = run_async(lambda: data_summary(db.url))
        if summary.open_tickets <= PAGE:
            sys.exit("seed the bench database first: .venv/bin/python bench/api_read.py")
        print(f"bench data: {summary.tickets:,} tickets, {summary.messages:,} messages")
        token = admin_token(db)
        run_async(lambda: profile(db, token, args))
    finally:
        if db.started_embedded:
            frontdesk_cli(db, "db-stop")


if __name__ == "__main__":
    main()
