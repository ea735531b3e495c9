"""Business calendars, property-based: over random zones (with DST and odd offsets),
split shifts, transition-hour windows and holidays, ``add`` and ``between`` are
inverses, monotone, additive, and land only in working time."""

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from domain.sla_calendar import ALWAYS_OPEN, BusinessCalendar, parse_calendar
from tests.unit.test_sla_calendar import LONDON, LORD_HOWE, NEW_YORK, round_trip

ZONES = [
    "UTC",
    "Europe/London",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "America/St_Johns",
    "Pacific/Chatham",
]
DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
FIRST_DAY = date(2024, 1, 1)


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@st.composite
def day_windows(draw: st.DrawFn) -> list[list[str]]:
    """Non-overlapping windows, often near the 01:00-03:00 hours where clocks change."""
    grid = st.one_of(
        st.integers(0, 16).map(lambda q: q * 15),  # 00:00-04:00 by quarter hours
        st.integers(0, 96).map(lambda q: q * 15),
        st.integers(0, 1440),
    )
    points = sorted(draw(st.lists(grid, max_size=9, unique=True)))
    if draw(st.booleans()):  # touching windows: 09:00-12:00, 12:00-13:00, ...
        pairs = list(pairwise(points))[:8]
    else:
        pairs = list(zip(points[::2], points[1::2], strict=False))
    return [[_hhmm(a), _hhmm(b)] for a, b in pairs]


@st.composite
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    zone = draw(st.sampled_from(ZONES))
    windows = {day: draw(day_windows()) for day in DAYS}
    if not any(windows.values()):
        windows["MON"] = [["09:00", "17:00"]]
    holidays = draw(
        st.lists(st.integers(0, 6 * 366).map(lambda i: FIRST_DAY + timedelta(days=i)), max_size=80)
    )
    return parse_calendar(zone, windows, [d.isoformat() for d in holidays])


instants_2024_2028 = st.builds(
    lambda s, zone: (datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=s)).astimezone(zone),
    st.integers(0, 5 * 365 * 86400),
    st.sampled_from([UTC, LONDON, NEW_YORK, LORD_HOWE]),
)
fractions = st.floats(0, 12, allow_nan=False)  # up to twelve nominal weeks (about 60 days)


def business_seconds(cal: BusinessCalendar, fraction: float) -> float:
    return fraction * cal.weekly_business_seconds()


@settings(max_examples=200, deadline=None)
@given(calendars(), instants_2024_2028, fractions)
def test_between_undoes_add(cal: BusinessCalendar, start: datetime, fraction: float) -> None:
    x = business_seconds(cal, fraction)
    due = cal.add(start, x)
    assert due >= start
    assert due.tzinfo is UTC
    assert cal.between(start, due) == pytest.approx(x, abs=1e-6)


@settings(max_examples=200, deadline=None)
@given(calendars(), instants_2024_2028, st.lists(fractions, min_size=1, max_size=6))
def test_add_is_monotone_and_instants_walks_the_same_way(
    cal: BusinessCalendar, start: datetime, fracs: list[float]
) -> None:
    xs = sorted(business_seconds(cal, f) for f in fracs)
    singles = [cal.add(start, x) for x in xs]
    assert singles == sorted(singles)
    assert cal.instants(start, xs) == singles
    assert cal.instants(start, xs[::-1]) == singles[::-1]


@settings(max_examples=200, deadline=None)
@given(
    calendars(),
    instants_2024_2028,
    st.integers(0, 90 * 86400),
    st.integers(0, 90 * 86400),
)
def test_between_is_additive_and_bounded(
    cal: BusinessCalendar, a: datetime, ab: int, bc: int
) -> None:
    b = a + timedelta(seconds=ab, microseconds=ab % 997)
    c = b + timedelta(seconds=bc)
    first, second, whole = cal.between(a, b), cal.between(b, c), cal.between(a, c)
    assert first + second == pytest.approx(whole, abs=1e-6)
    assert 0 <= first <= (b - a).total_seconds()
    assert 0 <= whole <= (c - a).total_seconds()
    assert cal.between(c, a) == 0.0


@settings(max_examples=200, deadline=None)
@given(calendars(), instants_2024_2028, fractions)
def test_a_deadline_falls_inside_working_time_on_a_working_day(
    cal: BusinessCalendar, start: datetime, fraction: float
) -> None:
    x = business_seconds(cal, fraction)
    assume(x >= 1e-6)  # instants are whole microseconds: less than half of one adds nothing
    due = cal.add(start, x)
    just_before = due - timedelta(microseconds=1)
    assert cal.is_open(just_before)
    assert just_before.astimezone(ZoneInfo(cal.time_zone)).date() not in cal.holidays
    if cal.is_open(start):
        assert cal.add(start, 0) == start
    assert cal.between(just_before, due) == pytest.approx(1e-6)


@settings(max_examples=200, deadline=None)
@given(calendars(), instants_2024_2028, st.integers(1, 7 * 86400))
def test_is_open_agrees_with_between(cal: BusinessCalendar, start: datetime, later: int) -> None:
    at = start + timedelta(seconds=later)
    second = timedelta(seconds=1)
    if cal.is_open(at) and cal.is_open(at + second - timedelta(microseconds=1)):
        assert cal.between(at, at + second) == pytest.approx(1.0)
    counted = cal.between(at, at + timedelta(microseconds=1))
    assert counted == (1e-6 if cal.is_open(at) else 0.0)


@settings(max_examples=200, deadline=None)
@given(instants_2024_2028, st.floats(0, 60 * 86400, allow_nan=False))
def test_always_open_adds_plain_time(start: datetime, x: float) -> None:
    assert ALWAYS_OPEN.add(start, x) == start + timedelta(seconds=x)
    assert ALWAYS_OPEN.instants(start, [0, x]) == [start, start + timedelta(seconds=x)]


@settings(max_examples=200, deadline=None)
@given(calendars())
def test_to_data_parses_back_to_the_same_calendar(cal: BusinessCalendar) -> None:
    again = round_trip(cal)
    assert again == cal
    assert hash(again) == hash(cal)
    assert again.to_data() == cal.to_data()
