"""Checking a business calendar as a user writes it: zone, windows per weekday, holidays.

Every refusal is an ``InvalidInput`` naming the field ("timeZone", "windows" or
"holidays") and the problem. The results are plain values (minutes after local
midnight, dates); ``domain.sla_calendar.parse_calendar`` builds the calendar from them.
"""

from collections.abc import Mapping, Sequence
from datetime import date
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.errors import InvalidInput

DAY_KEYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
MAX_WINDOWS_PER_DAY = 8
MAX_HOLIDAYS = 1000
_DIGITS = frozenset("0123456789")

Minutes = tuple[int, int]


def hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def check_time_zone(time_zone: str) -> ZoneInfo:
    try:
        if not isinstance(time_zone, str) or not time_zone:
            raise ValueError(time_zone)
        return ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # ValueError: a malformed key (absolute or "..") path; OSError: a directory
        message = f"unknown time zone {time_zone!r}; use an IANA name such as 'Europe/London'"
        raise InvalidInput(message, field="timeZone") from None


def _minute(text: object, *, end: bool) -> int:
    if (
        isinstance(text, str)
        and len(text) == 5
        and text[2] == ":"
        and set(text[:2] + text[3:]) <= _DIGITS
    ):
        hours, minutes = int(text[:2]), int(text[3:])
        if text == "24:00":
            if end:
                return 1440
            raise InvalidInput("a window cannot start at 24:00", field="windows")
        if hours <= 23 and minutes <= 59:
            return hours * 60 + minutes
    message = f"time {text!r} is not HH:MM from 00:00 to 23:59 (24:00 only as an end)"
    raise InvalidInput(message, field="windows")


def _window(raw: object, day: str) -> Minutes:
    if isinstance(raw, str) or not isinstance(raw, Sequence) or len(raw) != 2:
        message = f'on {day}, a window must be two times ["HH:MM", "HH:MM"], got {raw!r}'
        raise InvalidInput(message, field="windows")
    start, end = _minute(raw[0], end=False), _minute(raw[1], end=True)
    if end <= start:
        message = f"on {day}, window {raw[0]}-{raw[1]} must end after it starts"
        raise InvalidInput(message, field="windows")
    return start, end


def _day(day: str, raw: object) -> tuple[Minutes, ...]:
    if isinstance(raw, str) or not isinstance(raw, Sequence):
        message = f"on {day}, windows must be a list of [start, end] pairs"
        raise InvalidInput(message, field="windows")
    if len(raw) > MAX_WINDOWS_PER_DAY:
        message = f"{day} has {len(raw)} windows; at most {MAX_WINDOWS_PER_DAY} are allowed"
        raise InvalidInput(message, field="windows")
    windows = sorted(_window(w, day) for w in raw)
    for (a_start, a_end), (b_start, b_end) in pairwise(windows):
        if b_start < a_end:
            first = f"{hhmm(a_start)}-{hhmm(a_end)}"
            second = f"{hhmm(b_start)}-{hhmm(b_end)}"
            message = f"on {day}, windows {first} and {second} overlap"
            raise InvalidInput(message, field="windows")
    return tuple(windows)


def check_week(windows: Mapping[str, Sequence[Sequence[str]]]) -> tuple[tuple[Minutes, ...], ...]:
    """Seven entries, Monday first, each sorted by start; touching windows are kept."""
    if not isinstance(windows, Mapping):
        raise InvalidInput("windows must map day names to lists of windows", field="windows")
    week: list[tuple[Minutes, ...] | None] = [None] * 7
    for key, raw in windows.items():
        day = key.upper() if isinstance(key, str) else ""
        if day not in DAY_KEYS:
            message = f"unknown day {key!r}; use MON, TUE, WED, THU, FRI, SAT or SUN"
            raise InvalidInput(message, field="windows")
        index = DAY_KEYS.index(day)
        if week[index] is not None:
            raise InvalidInput(f"{day} is given twice", field="windows")
        week[index] = _day(day, raw)
    days = tuple(day or () for day in week)
    if not any(days):
        message = "a calendar must have at least one working window; use 24/7 for always-open"
        raise InvalidInput(message, field="windows")
    return days


def _holiday(text: object) -> date:
    if (
        isinstance(text, str)
        and len(text) == 10
        and text[4] == text[7] == "-"
        and set(text[:4] + text[5:7] + text[8:]) <= _DIGITS
    ):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass  # the shape is right but the date does not exist (2026-02-30)
    raise InvalidInput(f"holiday {text!r} is not a date YYYY-MM-DD", field="holidays")


def check_holidays(holidays: Sequence[str]) -> frozenset[date]:
    """Duplicates are merged; more than MAX_HOLIDAYS distinct dates are refused."""
    if isinstance(holidays, str) or not isinstance(holidays, Sequence):
        raise InvalidInput("holidays must be a list of dates YYYY-MM-DD", field="holidays")
    found: set[date] = set()
    for text in holidays:
        found.add(_holiday(text))
        if len(found) > MAX_HOLIDAYS:
            message = f"at most {MAX_HOLIDAYS} holidays are allowed"
            raise InvalidInput(message, field="holidays")
    return frozenset(found)
