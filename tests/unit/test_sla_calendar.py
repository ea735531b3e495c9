"""Business-hours calendars: adding and counting SLA seconds inside working windows."""

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

import pytest

from domain.errors import InvalidInput
from domain.sla_calendar import (
    ALWAYS_OPEN,
    BusinessCalendar,
    Calendar,
    Window,
    parse_calendar,
)

HOUR = 3600.0
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
NINE_TO_FIVE = {d: [["09:00", "17:00"]] for d in ("MON", "TUE", "WED", "THU", "FRI")}
OFFICE = parse_calendar("Europe/London", NINE_TO_FIVE, [])


def local(zone: ZoneInfo, stamp: str) -> datetime:
    return datetime.fromisoformat(stamp).replace(tzinfo=zone)


def london(stamp: str) -> datetime:
    return local(LONDON, stamp)


def round_trip(cal: BusinessCalendar) -> BusinessCalendar:
    data = cal.to_data()
    return parse_calendar(
        cast(str, data["timeZone"]),
        cast(dict[str, list[list[str]]], data["windows"]),
        cast(list[str], data["holidays"]),
    )


# --- examples: Mon-Fri 09:00-17:00 in London, 2026-03-06 is a Friday -----------------


def test_friday_afternoon_plus_two_hours_is_monday_ten() -> None:
    due = OFFICE.add(london("2026-03-06 16:00"), 2 * HOUR)
    assert due == london("2026-03-09 10:00")
    assert due.tzinfo is UTC


def test_a_target_that_fills_the_day_ends_at_closing_time_not_next_morning() -> None:
    assert OFFICE.add(london("2026-03-06 09:00"), 8 * HOUR) == london("2026-03-06 17:00")


def test_split_shift_skips_lunch() -> None:
    cal = parse_calendar("Europe/London", {"mon": [["13:30", "18:00"], ["09:00", "12:30"]]}, [])
    assert cal.add(london("2026-03-09 12:00"), HOUR) == london("2026-03-09 14:00")
    assert cal.between(london("2026-03-09 09:00"), london("2026-03-09 18:00")) == 8 * HOUR
    assert not cal.is_open(london("2026-03-09 13:00"))
    assert cal.week[0] == (Window(540, 750), Window(810, 1080))


def test_holiday_is_skipped() -> None:
    cal = parse_calendar("Europe/London", NINE_TO_FIVE, ["2026-03-09"])
    assert cal.add(london("2026-03-06 16:00"), 2 * HOUR) == london("2026-03-10 10:00")
    assert not cal.is_open(london("2026-03-09 12:00"))


def test_from_saturday_the_clock_starts_monday_morning() -> None:
    assert OFFICE.add(london("2026-03-07 11:00"), 90 * 60) == london("2026-03-09 10:30")


def test_adding_nothing_outside_hours_returns_the_start_itself() -> None:
    start = london("2026-03-07 11:00")
    assert OFFICE.add(start, 0) == start
    assert OFFICE.instants(start, [0, 60]) == [start, london("2026-03-09 09:01")]


def test_between_over_a_weekend_counts_only_the_weekdays() -> None:
    assert OFFICE.between(london("2026-03-06 15:00"), london("2026-03-09 11:00")) == 4 * HOUR
    assert OFFICE.between(london("2026-03-09 11:00"), london("2026-03-06 15:00")) == 0.0


def test_a_window_may_end_at_midnight() -> None:
    cal = parse_calendar("Europe/London", {"MON": [["22:00", "24:00"]]}, [])
    assert cal.add(london("2026-03-09 23:00"), HOUR) == london("2026-03-10 00:00")
    assert cal.between(london("2026-03-09 00:00"), london("2026-03-11 00:00")) == 2 * HOUR
    assert cal.to_data()["windows"] == {"MON": [["22:00", "24:00"]]}


@pytest.mark.parametrize(
    ("zone", "spring", "autumn"),
    [
        ("Europe/London", date(2026, 3, 29), date(2026, 10, 25)),
        ("America/New_York", date(2026, 3, 8), date(2026, 11, 1)),
    ],
)
def test_a_time_change_inside_a_window_counts_real_elapsed_time(
    zone: str, spring: date, autumn: date
) -> None:
    days = {d: [["00:00", "04:00"]] for d in ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")}
    cal = parse_calendar(zone, days, [])
    tz = ZoneInfo(zone)
    for day, hours in ((spring, 3), (autumn, 5)):
        midnight = local(tz, f"{day} 00:00")
        assert cal.between(midnight, midnight + timedelta(hours=12)) == hours * HOUR
        assert cal.add(midnight, hours * HOUR) == local(tz, f"{day} 04:00")


def test_lord_howe_moves_its_clocks_by_half_an_hour() -> None:
    # 2026-10-04 02:00 becomes 02:30; 2026-04-05 02:00 becomes 01:30 again.
    days = {d: [["01:00", "04:00"]] for d in ("SUN",)}
    cal = parse_calendar("Australia/Lord_Howe", days, [])
    spring = local(LORD_HOWE, "2026-10-04 00:00")
    autumn = local(LORD_HOWE, "2026-04-05 00:00")
    assert cal.between(spring, spring + timedelta(days=1)) == 2.5 * HOUR
    assert cal.between(autumn, autumn + timedelta(days=1)) == 3.5 * HOUR
    assert cal.add(spring, 2.5 * HOUR) == local(LORD_HOWE, "2026-10-04 04:00")


@pytest.mark.parametrize(
    ("windows", "minutes", "due_utc"),
    [
        ([["02:10", "02:50"]], 40, "07:50"),  # wall-clock times in the gap map past it (fold=0)
        ([["02:30", "03:15"]], 0, ""),  # 07:30 UTC to 07:15 UTC: ends before it starts
        ([["02:00", "02:45"], ["03:00", "04:00"]], 60, "08:00"),  # both from 07:00 UTC: once
    ],
)
def test_windows_in_the_spring_gap(windows: list[list[str]], minutes: int, due_utc: str) -> None:
    cal = parse_calendar("America/New_York", {"SUN": windows}, [])
    gap_day = local(NEW_YORK, "2026-03-08 00:00")
    assert cal.between(gap_day, gap_day + timedelta(days=1)) == minutes * 60
    if minutes:
        due = datetime.fromisoformat(f"2026-03-08T{due_utc}+00:00")
        assert cal.add(gap_day, minutes * 60) == due


def test_a_skipped_local_date_still_counts_its_windows_in_real_time() -> None:
    # Samoa jumped from Thursday 2011-12-29 24:00 to Saturday 2011-12-31 00:00; Friday's
    # 09:00-17:00 (fold=0, UTC-10) is 19:00-03:00 UTC, inside Saturday's real span.
    cal = parse_calendar("Pacific/Apia", {"FRI": [["09:00", "17:00"]]}, [])
    apia = ZoneInfo("Pacific/Apia")
    thursday, monday = local(apia, "2011-12-29 00:00"), local(apia, "2012-01-02 00:00")
    assert cal.between(thursday, monday) == 8 * HOUR
    assert cal.add(thursday, HOUR) == datetime(2011, 12, 30, 20, 0, tzinfo=UTC)
    assert cal.is_open(datetime(2011, 12, 31, 2, 59, tzinfo=UTC))


def test_inputs_must_be_aware_and_seconds_not_negative() -> None:
    naive = datetime(2026, 3, 9, 10, 0)  # noqa: DTZ001  (the point of the test)
    for call in (
        lambda: OFFICE.add(naive, 1),
        lambda: OFFICE.is_open(naive),
        lambda: OFFICE.between(naive, london("2026-03-09 11:00")),
        lambda: ALWAYS_OPEN.add(naive, 1),
        lambda: OFFICE.add(london("2026-03-09 10:00"), -1),
    ):
        with pytest.raises(ValueError):
            call()


def test_a_calendar_that_never_opens_again_stops_walking() -> None:
    mondays = [(date(2026, 1, 5) + timedelta(weeks=w)).isoformat() for w in range(600)]
    cal = parse_calendar("UTC", {"MON": [["09:00", "10:00"]]}, mondays)
    with pytest.raises(ValueError, match="days"):
        cal.add(datetime(2026, 1, 1, tzinfo=UTC), 1)


def test_always_open_is_plain_arithmetic() -> None:
    start = london("2026-03-07 11:00")
    assert ALWAYS_OPEN.add(start, 2 * HOUR) == datetime(2026, 3, 7, 13, 0, tzinfo=UTC)
    assert ALWAYS_OPEN.instants(start, [0, 60]) == [start, start + timedelta(minutes=1)]
    assert ALWAYS_OPEN.between(start, start + timedelta(days=2)) == 48 * HOUR
    assert ALWAYS_OPEN.between(start, start - timedelta(days=2)) == 0.0
    assert ALWAYS_OPEN.is_open(start)


def test_both_kinds_are_calendars() -> None:
    start = london("2026-03-09 08:00")
    both: list[Calendar] = [ALWAYS_OPEN, OFFICE]
    assert [c.add(start, HOUR) for c in both] == [
        london("2026-03-09 09:00"),
        london("2026-03-09 10:00"),
    ]


def test_to_data_and_nominal_week() -> None:
    cal = parse_calendar(
        "Europe/London",
        {"tue": [["13:30", "18:00"], ["09:00", "12:30"]], "Mon": [["09:00", "17:00"]], "SUN": []},
        ["2026-12-25", "2026-01-01", "2026-12-25"],
    )
    assert cal.to_data() == {
        "timeZone": "Europe/London",
        "windows": {"MON": [["09:00", "17:00"]], "TUE": [["09:00", "12:30"], ["13:30", "18:00"]]},
        "holidays": ["2026-01-01", "2026-12-25"],
    }
    assert cal.weekly_business_seconds() == 16 * HOUR
    assert round_trip(cal) == cal


# --- refusals -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("time_zone", "windows", "holidays", "field", "word"),
    [
        ("Mars/Olympus_Mons", NINE_TO_FIVE, [], "timeZone", "time zone"),
        ("", NINE_TO_FIVE, [], "timeZone", "time zone"),
        ("../etc/passwd", NINE_TO_FIVE, [], "timeZone", "time zone"),
        ("UTC", {"MOON": [["09:00", "17:00"]]}, [], "windows", "MOON"),
        ("UTC", {"MON": [["09:00"]]}, [], "windows", "two"),
        ("UTC", {"MON": [["09:00", "12:00", "13:00"]]}, [], "windows", "two"),
        ("UTC", {"MON": ["09:00"]}, [], "windows", "two"),
        ("UTC", {"MON": [["9:00", "17:00"]]}, [], "windows", "HH:MM"),
        ("UTC", {"MON": [["09:60", "17:00"]]}, [], "windows", "HH:MM"),
        ("UTC", {"MON": [["09:00", "25:00"]]}, [], "windows", "HH:MM"),
        ("UTC", {"MON": [["09:00", "24:30"]]}, [], "windows", "HH:MM"),
        ("UTC", {"MON": [["24:00", "24:00"]]}, [], "windows", "24:00"),
        ("UTC", {"MON": [["17:00", "09:00"]]}, [], "windows", "after"),
        ("UTC", {"MON": [["09:00", "09:00"]]}, [], "windows", "after"),
        ("UTC", {"MON": [["12:00", "18:00"], ["09:00", "12:30"]]}, [], "windows", "overlap"),
        ("UTC", {"MON": [["09:00", "12:00"]], "mon": [["13:00", "14:00"]]}, [], "windows", "twice"),
        (
            "UTC",
            {"MON": [[f"{h:02d}:00", f"{h:02d}:30"] for h in range(9)]},
            [],
            "windows",
            "8",
        ),
        ("UTC", {"MON": [], "SAT": []}, [], "windows", "24/7"),
        ("UTC", NINE_TO_FIVE, ["25/12/2026"], "holidays", "YYYY-MM-DD"),
        ("UTC", NINE_TO_FIVE, ["20261225"], "holidays", "YYYY-MM-DD"),
        ("UTC", NINE_TO_FIVE, ["2026-02-30"], "holidays", "YYYY-MM-DD"),
        ("UTC", NINE_TO_FIVE, "2026-12-25", "holidays", "list"),
        (
            "UTC",
            NINE_TO_FIVE,
            [(date(2026, 1, 1) + timedelta(days=i)).isoformat() for i in range(1001)],
            "holidays",
            "1000",
        ),
    ],
)
def test_bad_calendars_are_refused_with_the_field_and_the_reason(
    time_zone: str,
    windows: dict[str, Sequence[Sequence[str]]],
    holidays: Sequence[str],
    field: str,
    word: str,
) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_calendar(time_zone, windows, holidays)
    assert refused.value.field == field
    assert word in refused.value.message


def test_overlap_message_names_the_day_and_both_windows() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_calendar("UTC", {"wed": [["12:00", "18:00"], ["09:00", "12:30"]]}, [])
    assert refused.value.message == "on WED, windows 09:00-12:30 and 12:00-18:00 overlap"


def test_touching_windows_are_kept_and_count_without_a_gap() -> None:
    cal = parse_calendar("UTC", {"MON": [["12:00", "13:00"], ["09:00", "12:00"]]}, [])
    monday = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
    assert cal.add(monday, 4 * HOUR) == monday + timedelta(hours=4)
    assert cal.is_open(monday + timedelta(hours=3))


def test_exactly_1000_holidays_and_8_windows_are_fine() -> None:
    holidays = [(date(2026, 1, 1) + timedelta(days=i)).isoformat() for i in range(1000)]
    eight = [[f"{h:02d}:00", f"{h:02d}:30"] for h in range(8)]
    cal = parse_calendar("UTC", {"MON": eight}, [*holidays, holidays[0]])
    assert len(cal.holidays) == 1000
    assert len(cal.week[0]) == 8


# --- properties over generated calendars -------------------------------------------
