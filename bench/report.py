"""The benchmark's output: the figures as a table, or as JSON with ``--json``.

Next to the throughput it prints the CPU each process used, the code revision
measured and the data it ran on, because figures from a busy machine, an
uncommitted tree or another data set do not compare; a warning says when other
work took more than a quarter of a core meanwhile.
"""

import argparse
import subprocess
from dataclasses import asdict, dataclass
from typing import Any

import psutil
from bench_database import DataSummary
from queue_query import PAGE
from targets import TargetResult
from workspace import ROOT

TARGET_RATIO = 0.25
NOISY_OTHER_CPU_PCT = 25.0


def code_version() -> str:
    """The checked-out revision, and whether the working tree differs from it."""
    git = ["git", "-C", str(ROOT)]
    try:
        head = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            [*git, "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (no git)"
    return f"{head} + uncommitted changes" if dirty else head


def _fmt_pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}%"


@dataclass
class Report:
    summary: DataSummary
    status: str | None
    args: argparse.Namespace
    frontdesk: TargetResult
    floor: TargetResult
    difference: str | None
    """Where the two servers' data first differ; None when identical."""
    code: str

    @property
    def ratio(self) -> float:
        floor_rps = self.floor.load.rps
        return self.frontdesk.load.rps / floor_rps if floor_rps else float("nan")

    @property
    def query(self) -> str:
        where = f"filter: {{status: {self.status}}}" if self.status else "no filter"
        return f"tickets(first: {PAGE}, {where})"


def print_table(r: Report) -> None:
    a = r.args
    lines = [
        "",
        f"Frontdesk read benchmark: {r.query} with customer, assignee, team, category, lastMessage",
        f"data: {r.summary.tickets:,} tickets ({r.summary.open_tickets:,} OPEN),"
        f" {r.summary.messages:,} messages, {r.summary.customers:,} customers",
        f"code: {r.code}",
        f"load: {a.concurrency} connections ({a.client} client, this process),"
        f" {a.warmup:g} s warm-up + {a.duration:g} s measured",
        f"servers measured one after the other on {psutil.cpu_count()} CPU(s),"
        " sharing them with PostgreSQL and the load generator",
        "",
        f"{'target':<26}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
        f"{'resp bytes':>12}{'server CPU':>12}{'PG CPU':>8}{'client CPU':>12}{'other CPU':>11}",
    ]
    for t in (r.frontdesk, r.floor):
        lines.append(
            f"{t.name:<26}{t.load.rps:>9.1f}{t.load.p50_ms:>9.1f}{t.load.p99_ms:>9.1f}"
            f"{t.load.errors:>8}{t.response_bytes:>12,}{_fmt_pct(t.load.server_cpu_pct):>12}"
            f"{_fmt_pct(t.load.postgres_cpu_pct):>8}{_fmt_pct(t.load.loadgen_cpu_pct):>12}"
            f"{_fmt_pct(t.load.other_cpu_pct):>11}"
        )
    verdict = "meets" if r.ratio >= TARGET_RATIO else "BELOW"
    lines += [
        "",
        f"ratio frontdesk/floor req/s: {r.ratio:.3f}x  ({verdict} the {TARGET_RATIO}x target)",
        f"resident memory of an idle `frontdesk serve`: {r.frontdesk.idle_rss_mib:.1f} MiB"
        f"  (after the load: {r.frontdesk.rss_after_load_mib:.1f} MiB;"
        f" floor idle: {r.floor.idle_rss_mib:.1f} MiB)",
        "same JSON data from both: yes"
        if r.difference is None
        else f"same JSON data from both: NO ({r.difference})",
        "(CPU columns: % of one core during the measured seconds; 'other' is the rest of the"
        " machine, including kernel networking)",
    ]
    busy = max(r.frontdesk.load.other_cpu_pct, r.floor.load.other_cpu_pct)
    if busy > NOISY_OTHER_CPU_PCT:
        lines.append(
            f"WARNING: other work used up to {busy:.0f}% of a core during the measurements;"
            " the figures are not from a quiet machine."
        )
    lines.append("")
    print("\n".join(lines))


def json_summary(r: Report) -> dict[str, Any]:
    def target(t: TargetResult) -> dict[str, Any]:
        out = {k: v for k, v in asdict(t).items() if k != "data"}
        out.update(out.pop("load"))
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in out.items()}

    return {
        "query": r.query,
        "code": r.code,
        "data": asdict(r.summary),
        "concurrency": r.args.concurrency,
        "client": r.args.client,
        "warmup_s": r.args.warmup,
        "duration_s": r.args.duration,
        "cpus": psutil.cpu_count(),
        "frontdesk": target(r.frontdesk),
        "floor": target(r.floor),
        "ratio_rps": round(r.ratio, 4),
        "target_ratio": TARGET_RATIO,
        "meets_target": r.ratio >= TARGET_RATIO,
        "idle_rss_mib": round(r.frontdesk.idle_rss_mib, 1),
        "same_data": r.difference is None,
        "difference": r.difference,
    }
