"""SLA clock maths, property-based: whatever happens to a ticket (pauses, resumes,
re-plans with new terms, across DST changes and holidays), the clock counts exactly
the business time of its running stretches and plans each level where it falls."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from domain import sla_clock
from domain.enums import ClockState, EscalationAction, SlaStatus, SlaTarget
from domain.sla_calendar import ALWAYS_OPEN, Calendar, parse_calendar
from domain.sla_policy import Levels, Step, Terms

LONDON = parse_calendar(
    "Europe/London",
    {d: [["09:00", "12:30"], ["13:30", "17:30"]] for d in ("MON", "TUE", "WED", "THU", "FRI")},
    ["2026-03-30", "2026-04-03"],
)
NEW_YORK_NIGHTS = parse_calendar(
    "America/New_York",
    {d: [["00:00", "04:00"], ["20:00", "24:00"]] for d in ("SAT", "SUN", "MON")},
    [],
)
CALENDARS: list[Calendar] = [ALWAYS_OPEN, LONDON, NEW_YORK_NIGHTS]
LEVELS = Levels((50.0, 75.0, 90.0), 80.0, 200.0, (Step(75.0, EscalationAction.NOTIFY_LEAD),))
START = datetime(2026, 3, 20, 7, 30, tzinfo=UTC)  # spans both DST changes (US and EU)

steps = st.lists(
    st.tuples(
        st.sampled_from(["pause", "resume", "replan"]),
        st.floats(min_value=60, max_value=4 * 86400),
        st.integers(min_value=600, max_value=40 * 3600),
    ),
    max_size=8,
)


def terms(seconds: int) -> Terms:
    return Terms(seconds, policy_id=1, levels=LEVELS)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(CALENDARS), st.integers(600, 40 * 3600), steps)
def test_elapsed_is_the_business_time_of_the_running_stretches(
    calendar: Calendar, target: int, events: list[tuple[str, float, int]]
) -> None:
    now = START
    clock, _ = sla_clock.start(SlaTarget.RESOLUTION, terms(target), calendar, now, now)
    running_since: datetime | None = now
    counted = 0.0
    for action, gap, new_target in events:
        now += timedelta(seconds=gap)
        if action == "pause":
            clock, _ = sla_clock.pause(clock, calendar, now, "waiting")
        elif action == "resume":
            clock, _ = sla_clock.resume(clock, terms(clock.target_seconds or 0), calendar, now, "")
        else:
            clock, _ = sla_clock.replan(clock, terms(new_target), (calendar, calendar), now, "p")
        if action == "pause" and running_since is not None:
            counted += calendar.between(running_since, now)
            running_since = None
        elif action == "resume" and running_since is None:
            running_since = now
        expected = counted + (calendar.between(running_since, now) if running_since else 0.0)
        assert abs(sla_clock.elapsed(clock, calendar, now) - expected) < 1e-3
        assert (clock.state == ClockState.PAUSED) == (running_since is None)
        _check_plan(clock, calendar, now)


def _check_plan(clock: sla_clock.Clock, calendar: Calendar, now: datetime) -> None:
    if clock.state != ClockState.RUNNING:
        assert (clock.due_at, clock.next_check_at, clock.checkpoint_at) == (None, None, ())
        return
    assert clock.running_since is not None and clock.target_seconds is not None
    left = max(0.0, clock.target_seconds - clock.elapsed_seconds)
    assert clock.due_at == calendar.add(clock.running_since, left)
    assert list(clock.checkpoint_at) == sorted(clock.checkpoint_at)
    assert clock.next_check_at == (clock.checkpoint_at[0] if clock.checkpoint_at else None)
    every = {80.0, 50.0, 75.0, 90.0, 100.0, 200.0}
    assert set(clock.checkpoint_levels) == {lv for lv in every if lv > clock.fired_through}
    for level, at in zip(clock.checkpoint_levels, clock.checkpoint_at, strict=True):
        offset = max(0.0, level / 100 * clock.target_seconds - clock.elapsed_seconds)
        assert at == calendar.add(clock.running_since, offset)
    spent = sla_clock.elapsed(clock, calendar, now)
    percent = 100 * spent / clock.target_seconds
    wanted = (
        SlaStatus.BREACHED
        if percent >= 100 or clock.breached_at is not None
        else SlaStatus.AT_RISK
        if percent >= 80
        else SlaStatus.WITHIN
    )
    assert sla_clock.view(clock, calendar, now).status == wanted


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(CALENDARS), st.integers(600, 40 * 3600), st.floats(0, 10 * 86400))
def test_meeting_stops_the_clock_and_says_whether_it_was_late(
    calendar: Calendar, target: int, after: float
) -> None:
    clock, _ = sla_clock.start(SlaTarget.FIRST_RESPONSE, terms(target), calendar, START, START)
    now = START + timedelta(seconds=after)
    met, timeline = sla_clock.meet(clock, calendar, now, "public reply")
    late = calendar.between(START, now) >= target
    assert (met.state, met.met_at, met.next_check_at) == (ClockState.MET, now, None)
    assert timeline[-1][1]["late"] is late
    # a deadline no sweep fired before the clock stopped is recorded as breached, at the deadline
    kinds = ["sla.breached", "sla.met"] if late else ["sla.met"]
    assert [kind for kind, _ in timeline] == kinds
    assert met.breached_at == (clock.due_at if late else None)
    later = now + timedelta(days=3)
    assert sla_clock.elapsed(met, calendar, later) == met.elapsed_seconds


def test_levels_already_fired_do_not_fire_again_after_a_longer_replan() -> None:
    clock, _ = sla_clock.start(SlaTarget.RESOLUTION, terms(3600), ALWAYS_OPEN, START, START)
    fired = replace(clock, fired_through=90.0)
    longer, _ = sla_clock.replan(
        fired, terms(7200), (ALWAYS_OPEN, ALWAYS_OPEN), START + timedelta(minutes=50), "priority"
    )
    assert longer.checkpoint_levels == (100.0, 200.0)
    assert longer.checkpoint_at[0] == START + timedelta(hours=2)


def test_a_restart_opens_a_new_period_with_the_full_target() -> None:
    clock, _ = sla_clock.start(SlaTarget.RESOLUTION, terms(3600), ALWAYS_OPEN, START, START)
    met, _ = sla_clock.meet(clock, ALWAYS_OPEN, START + timedelta(hours=2), "resolved")
    again = START + timedelta(hours=3)
    fresh, timeline = sla_clock.restart(met, terms(3600), ALWAYS_OPEN, again, "reopened")
    assert (fresh.period, fresh.elapsed_seconds, fresh.breached_at, fresh.status) == (
        2,
        0.0,
        None,
        SlaStatus.WITHIN,
    )
    assert fresh.due_at == again + timedelta(hours=1)
    assert timeline[0][0] == "sla.restarted"


def test_no_target_still_counts_time_for_a_policy_given_later() -> None:
    none = Terms(None, note="No SLA policy covers LOW tickets.")
    clock, timeline = sla_clock.start(SlaTarget.RESOLUTION, none, ALWAYS_OPEN, START, START)
    assert (clock.due_at, clock.note, timeline) == (None, "No SLA policy covers LOW tickets.", [])
    later = START + timedelta(minutes=30)
    planned, _ = sla_clock.replan(clock, terms(3600), (ALWAYS_OPEN, ALWAYS_OPEN), later, "new")
    assert planned.elapsed_seconds == 1800
    assert planned.due_at == START + timedelta(hours=1)
