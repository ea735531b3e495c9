"""One SLA clock as a pure state machine: start, pause, resume, meet, re-plan, restart.

No database and no clock of its own: services load a ``Clock``, ask this module
what a change does, and store the result with its timeline entries. Elapsed
business time is banked whenever the clock stops or its terms change, so a
re-plan never loses time already spent or gives back time already paused.

While a clock runs, the instants at which its not-yet-fired levels fall are
precomputed (``checkpoint_at``); the sweep then only compares instants in SQL.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from domain.enums import ClockState, SlaStatus, SlaTarget
from domain.sla_calendar import Calendar
from domain.sla_policy import BREACH, Levels, Terms

Timeline = list[tuple[str, dict[str, Any]]]
"""Event kinds and their data, for the ticket's event log (``ticket.sla.timeline``)."""


@dataclass(frozen=True, slots=True)
class Clock:
    target: SlaTarget
    state: ClockState
    started_at: datetime
    period: int = 1
    policy_id: int | None = None
    calendar_id: int | None = None
    note: str = ""
    target_seconds: int | None = None
    elapsed_seconds: float = 0.0
    running_since: datetime | None = None
    due_at: datetime | None = None
    at_risk_percent: float = 75.0
    status: SlaStatus = SlaStatus.WITHIN
    fired_through: float = 0.0
    checkpoint_levels: tuple[float, ...] = ()
    checkpoint_at: tuple[datetime, ...] = ()
    next_check_at: datetime | None = None
    breached_at: datetime | None = None
    met_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class View:
    """A clock as a reader sees it at ``now``."""

    target: SlaTarget
    applies: bool
    note: str
    status: SlaStatus
    due_at: datetime | None
    percent_elapsed: float | None
    elapsed_seconds: float
    remaining_seconds: float | None
    paused: bool
    met_at: datetime | None
    breached_at: datetime | None
    period: int
    target_seconds: int | None
    started_at: datetime


def elapsed(clock: Clock, calendar: Calendar, now: datetime) -> float:
    """Business seconds spent so far, including the running stretch."""
    if clock.state != ClockState.RUNNING or clock.running_since is None:
        return clock.elapsed_seconds
    return clock.elapsed_seconds + calendar.between(clock.running_since, now)


def status_at(clock: Clock, spent: float) -> SlaStatus:
    """A breach recorded in this period stands, even if a longer target came later."""
    if clock.breached_at is not None:
        return SlaStatus.BREACHED
    if clock.target_seconds is None:
        return SlaStatus.WITHIN
    percent = 100.0 * spent / clock.target_seconds
    if percent >= BREACH:
        return SlaStatus.BREACHED
    if clock.state != ClockState.MET and percent >= clock.at_risk_percent:
        return SlaStatus.AT_RISK
    return SlaStatus.WITHIN


def _cleared(clock: Clock, **changes: Any) -> Clock:
    return replace(
        clock, checkpoint_levels=(), checkpoint_at=(), next_check_at=None, due_at=None, **changes
    )


def _planned(clock: Clock, levels: Levels, calendar: Calendar, now: datetime) -> Clock:
    """Bank nothing; precompute when each level not yet fired falls."""
    status = status_at(clock, elapsed(clock, calendar, now))
    if clock.state != ClockState.RUNNING or clock.target_seconds is None:
        return _cleared(clock, status=status)
    assert clock.running_since is not None
    target = clock.target_seconds
    pending = [lv for lv in levels.checkpoints() if lv > clock.fired_through]
    # the deadline first, then each pending level: all ascending, found in one walk
    offsets = [max(0.0, lv / 100.0 * target - clock.elapsed_seconds) for lv in (BREACH, *pending)]
    order = sorted(range(len(offsets)), key=offsets.__getitem__)
    found = _place(calendar, clock.running_since, [offsets[i] for i in order])
    instants: list[datetime | None] = [None] * len(offsets)
    for position, index in enumerate(order):
        instants[index] = found[position]
    placed = [(lv, at) for lv, at in zip(pending, instants[1:], strict=True) if at is not None]
    return replace(
        clock,
        status=status,
        due_at=instants[0],
        checkpoint_levels=tuple(lv for lv, _ in placed),
        checkpoint_at=tuple(at for _, at in placed),
        next_check_at=placed[0][1] if placed else None,
    )


def _place(calendar: Calendar, start: datetime, offsets: list[float]) -> list[datetime | None]:
    """The instants of ascending offsets; None for any too far away to place (a
    calendar so sparse, or a target so long, that it lies a decade or more ahead)."""
    try:
        return list(calendar.instants(start, offsets))
    except ValueError:
        placed: list[datetime | None] = []
        for offset in offsets:
            try:
                placed.append(calendar.add(start, offset))
            except ValueError:
                placed.append(None)
        return placed


def _bank(clock: Clock, calendar: Calendar, now: datetime) -> Clock:
    if clock.state != ClockState.RUNNING:
        return clock
    return replace(clock, elapsed_seconds=elapsed(clock, calendar, now), running_since=now)


def _terms_fields(terms: Terms) -> dict[str, Any]:
    """What a clock takes from its terms."""
    return {
        "policy_id": terms.policy_id,
        "calendar_id": terms.calendar_id,
        "note": terms.note,
        "target_seconds": terms.seconds,
        "at_risk_percent": terms.levels.at_risk,
    }


def _with_terms(clock: Clock, terms: Terms) -> Clock:
    return replace(clock, **_terms_fields(terms))


def _entry(kind: str, clock: Clock, cause: str, **data: Any) -> tuple[str, dict[str, Any]]:
    due = clock.due_at.isoformat() if clock.due_at else None
    return kind, {
        "target": clock.target.value,
        "period": clock.period,
        "cause": cause,
        "due_at": due,
        "elapsed_seconds": round(clock.elapsed_seconds, 3),
        **data,
    }


def start(
    target: SlaTarget, terms: Terms, calendar: Calendar, started_at: datetime, now: datetime
) -> tuple[Clock, Timeline]:
    """A clock counting from ``started_at`` (the ticket's creation), planned at ``now``.

    No timeline entry: every ticket's clocks start, so the start is read from the
    clock itself (``started_at``, ``note``) rather than written as two more events
    per new ticket on the intake path."""
    clock = Clock(
        target, ClockState.RUNNING, started_at, running_since=started_at, **_terms_fields(terms)
    )
    return _planned(clock, terms.levels, calendar, now), []


def pause(clock: Clock, calendar: Calendar, now: datetime, cause: str) -> tuple[Clock, Timeline]:
    if clock.state != ClockState.RUNNING:
        return clock, []
    banked, missed = _breach_unswept(_bank(clock, calendar, now), clock, cause)
    paused = _cleared(banked, state=ClockState.PAUSED, running_since=None)
    paused = replace(paused, status=status_at(paused, paused.elapsed_seconds))
    return paused, [*missed, _entry("sla.paused", paused, cause)]


def resume(
    clock: Clock, terms: Terms, calendar: Calendar, now: datetime, cause: str
) -> tuple[Clock, Timeline]:
    if clock.state != ClockState.PAUSED:
        return clock, []
    running = replace(_with_terms(clock, terms), state=ClockState.RUNNING, running_since=now)
    running = _planned(running, terms.levels, calendar, now)
    return running, [_entry("sla.resumed", running, cause)]


def meet(clock: Clock, calendar: Calendar, now: datetime, cause: str) -> tuple[Clock, Timeline]:
    """The promise is kept (late or not): the clock stops for good in this period."""
    if clock.state == ClockState.MET:
        return clock, []
    banked, missed = _breach_unswept(_bank(clock, calendar, now), clock, cause)
    met = _cleared(banked, state=ClockState.MET, running_since=None, met_at=now)
    met = replace(met, status=status_at(met, met.elapsed_seconds), due_at=clock.due_at)
    late = met.status == SlaStatus.BREACHED
    return met, [*missed, _entry("sla.met", met, cause, late=late)]


def _breach_unswept(banked: Clock, before: Clock, cause: str) -> tuple[Clock, Timeline]:
    """A clock stopping past its deadline before a sweep fired the breach (the sweep
    skipped the locked ticket, or was down) records the breach now, at the deadline."""
    target = banked.target_seconds
    if target is None or banked.breached_at is not None or banked.fired_through >= BREACH:
        return banked, []
    if banked.elapsed_seconds < target or before.due_at is None:
        return banked, []
    breached = replace(banked, breached_at=before.due_at, fired_through=BREACH)
    entry = _entry("sla.breached", breached, cause, percent=BREACH, at=before.due_at.isoformat())
    return breached, [entry]


def replan(
    clock: Clock,
    terms: Terms,
    calendars: tuple[Calendar, Calendar],
    now: datetime,
    cause: str,
) -> tuple[Clock, Timeline]:
    """New terms (priority, tier or policy changed): bank the time spent under the
    old calendar, then plan what is left under the new one. Levels that already
    fired in this period do not fire again."""
    if clock.state == ClockState.MET:
        return clock, []
    old_calendar, new_calendar = calendars
    before = clock.target_seconds
    banked = _with_terms(_bank(clock, old_calendar, now), terms)
    planned = _planned(banked, terms.levels, new_calendar, now)
    if before == planned.target_seconds and clock.calendar_id == planned.calendar_id:
        return planned, []
    entry = _entry("sla.replanned", planned, cause, from_seconds=before, to_seconds=terms.seconds)
    return planned, [entry]


def restart(
    clock: Clock, terms: Terms, calendar: Calendar, now: datetime, cause: str
) -> tuple[Clock, Timeline]:
    """A reopened ticket: a new resolution period with a full target."""
    fresh = Clock(
        clock.target,
        ClockState.RUNNING,
        now,
        period=clock.period + 1,
        running_since=now,
    )
    fresh = _planned(_with_terms(fresh, terms), terms.levels, calendar, now)
    return fresh, [_entry("sla.restarted", fresh, cause, target_seconds=terms.seconds)]


def view(clock: Clock, calendar: Calendar, now: datetime) -> View:
    spent = elapsed(clock, calendar, now)
    target = clock.target_seconds
    percent = None if target is None else round(100.0 * spent / target, 2)
    remaining = None if target is None else target - spent
    return View(
        target=clock.target,
        applies=target is not None,
        note=clock.note,
        status=status_at(clock, spent),
        due_at=clock.due_at,
        percent_elapsed=percent,
        elapsed_seconds=spent,
        remaining_seconds=remaining,
        paused=clock.state == ClockState.PAUSED,
        met_at=clock.met_at,
        breached_at=clock.breached_at,
        period=clock.period,
        target_seconds=target,
        started_at=clock.started_at,
    )
