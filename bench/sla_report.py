"""What the SLA sweep bench measured, and its printed report with the targets."""

import argparse
import os
import resource
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from report import code_version

from domain.sla_sweep import SweepReport

IDLE_TARGET_MS = 50.0
DUE_TARGET_S = 2.0
DELAY_TARGET_S = 15.0
MIX = (
    "1/3 cross 50% only (sla.warning; no chain step);\n"
    "        1/3 cross 50%+75% (sla.warning, sla.at_risk -> AT_RISK; NOTIFY_ASSIGNEE);\n"
    "        1/3 cross 75%+90%+100% (sla.at_risk, sla.warning, sla.breached -> BREACHED, "
    "sla_breach row,\n"
    "        ticket flagged; NOTIFY_ASSIGNEE, NOTIFY_LEAD, REASSIGN = escalation through routing)"
)


@dataclass
class Round:
    """One sweep over a freshly due set, timed step by step (seconds)."""

    clocks: int
    report: SweepReport
    replan: float
    advance: float
    notify: float
    reassign: float
    notified: int
    steps: dict[str, int]
    escalations: int
    per_action: dict[str, float]
    """Mean seconds of one reassignment (its own transaction, through routing)."""

    @property
    def sweep(self) -> float:
        """What the sweep task does: statuses, events, breaches and steps recorded."""
        return self.replan + self.advance

    @property
    def total(self) -> float:
        return self.sweep + self.notify + self.reassign


@dataclass
class Watch:
    windows: int
    sweeps: list[float]
    """Seconds each sweep took."""
    delays: list[float]
    """Per event: created_at (the sweep's now) - the instant its level fell due."""
    visible: list[float]
    """Per event: the end of the sweep that wrote it - the instant its level fell due."""
    missing: int
    early: int


@dataclass
class Result:
    load: str
    seeded: float | None
    idle: list[float] = field(default_factory=list)
    rounds: list[Round] = field(default_factory=list)
    watch: Watch | None = None
    sizes: dict[str, int] = field(default_factory=dict)
    plan: list[str] = field(default_factory=list)


def rss_mib() -> float:
    """Resident memory of this process now (VmRSS), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def dist(values: Sequence[float], unit: str, scale: float = 1.0) -> str:
    v = [x * scale for x in values]
    top = max(v) if v else float("nan")
    return f"{pct(v, 0.5):.1f} / {pct(v, 0.99):.1f} / {top:.1f} {unit}"


def _rounds(args: argparse.Namespace, rounds: list[Round]) -> list[str]:
    first = rounds[0]
    r0 = first.report
    out = [
        f"2. {args.due_share:.1%} due: {first.clocks:,} clocks (one per ticket), {len(rounds)} "
        "rounds, fresh clocks each round; sweep() steps timed separately",
        f"   mix: {MIX}",
        f"   round 1 wrote: {r0.events:,} events, {r0.breached:,} tickets flagged breached, "
        f"{r0.actions:,} chain steps {first.steps}, {first.escalations:,} escalations",
        "   sweep = re-plan + advance (the sla_sweep task: statuses visible, events, breaches,",
        "   steps queued); then the sla_actions task: notify steps (set-based) and reassignments",
        f"   {'round':<7}{'replan':>9}{'advance':>10}{'SWEEP ms':>10}{'notify':>9}"
        f"{'reassign':>10}{'all ms':>9}",
    ]
    for n, r in enumerate(rounds, 1):
        out.append(
            f"   {n:<7}{r.replan * 1000:>9.1f}{r.advance * 1000:>10.1f}{r.sweep * 1000:>10.1f}"
            f"{r.notify * 1000:>9.1f}{r.reassign * 1000:>10.1f}{r.total * 1000:>9.1f}"
        )
    each = {k: round(v * 1000, 2) for k, v in sorted(first.per_action.items())}
    out.append(
        f"   round 1: {first.notified:,} notify steps; ms per reassignment (routing, own "
        f"transaction): {each}"
    )
    for name in ("sweep", "notify", "reassign", "total"):
        v = [getattr(r, name) for r in rounds]
        out.append(f"   {name:<8} p50 / max  {pct(v, 0.5) * 1000:.1f} / {max(v) * 1000:.1f} ms")
    worst = max(r.sweep for r in rounds)
    out.append(
        f"   target <= {DUE_TARGET_S:g} s: worst sweep {worst:.2f} s = {worst / DUE_TARGET_S:.2f}x"
        f" the target (with every chain step done too: {max(r.total for r in rounds):.1f} s)"
    )
    return out


def _watch(args: argparse.Namespace, w: Watch) -> list[str]:
    worst = max(w.visible) if w.visible else float("nan")
    return [
        f"3. deadline -> visible: {args.watch_clocks:,} levels falling due at random instants "
        f"over {args.watch_seconds:g} s (1/3 each at 50%, 75%, 100%),",
        f"   {w.windows} sweep_window(15 s) runs started every 15 s, {len(w.sweeps)} sweeps "
        f"(each p50 / p99 / max {dist(w.sweeps, 'ms', 1000)})",
        f"   events made visible {len(w.delays):,}, never {w.missing}, before their deadline "
        f"{w.early}",
        f"   created_at - at                      p50 / p99 / max  {dist(w.delays, 's')}",
        f"   end of the sweep that wrote it - at  p50 / p99 / max  {dist(w.visible, 's')}",
        f"   target <= {DELAY_TARGET_S:g} s: max {worst / DELAY_TARGET_S:.3f}x the target",
    ]


def print_report(args: argparse.Namespace, res: Result) -> None:
    idle = res.idle
    out = [
        "",
        f"SLA sweep bench: {args.tickets:,} OPEN tickets, {2 * args.tickets:,} RUNNING clocks "
        f"(24/7), {os.cpu_count()} CPUs, load average before {res.load}",
        f"code: {code_version()}",
        f"seeding: {'reused' if res.seeded is None else f'{res.seeded:.1f} s'}",
        "",
        f"1. nothing due: sweep() x {len(idle)}, p50 / p99 / max  {dist(idle, 'ms', 1000)}",
        f"   target <= {IDLE_TARGET_MS:g} ms: p99 {pct(idle, 0.99) * 1000 / IDLE_TARGET_MS:.2f}x"
        f" the target, max {max(idle) * 1000 / IDLE_TARGET_MS:.2f}x",
        "",
        *_rounds(args, res.rounds),
        "",
    ]
    if res.watch is not None:
        out += [*_watch(args, res.watch), ""]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out += [
        f"RSS of this process: {rss_mib():.1f} MiB (peak {peak:.1f} MiB)",
        "database size (table + indexes + toast, after the last due round): "
        + ", ".join(f"{k} {v / 2**20:.1f} MiB" for k, v in res.sizes.items()),
    ]
    if res.plan:
        out += ["", "EXPLAIN (ANALYZE, BUFFERS) ADVANCE, one batch of the 1% case (rolled back):"]
        out += [f"   {line}" for line in res.plan]
    print("\n".join(out))
