"""Business-hours calendars for SLA clocks: add and count seconds inside working windows.

A ``BusinessCalendar`` has an IANA zone, working windows per weekday (local wall-clock
times, split shifts allowed) and holidays. Business time is real elapsed time inside the
windows: a window on a local date becomes UTC instants with fold=0 at both ends, so a
spring-forward morning is an hour shorter and a fall-back one an hour longer; a window
that ends before it starts once converted (it began in the gap) counts nothing.
``ALWAYS_OPEN`` is the 24/7 calendar: plain UTC arithmetic.

Inside, instants are integer microseconds since the epoch. Each local date owns the
real time from its midnight (fold=0) to the next one; its *slice* is the union of the
windows of that date and its neighbours, clipped to that span. Slices never overlap,
even where a converted window crosses midnight or two windows land on the same instants,
so a single walk forward over them adds, counts and answers ``is_open`` consistently.
Slices are cached per calendar (calendars are immutable and shared).
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from domain.sla_calendar_parse import DAY_KEYS, check_holidays, check_time_zone, check_week, hhmm

MAX_WALK_DAYS = 3700
_CACHE_LIMIT = 40_000  # local dates per calendar (about a century) before starting afresh
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)

Interval = tuple[int, int]  # [start, end) in microseconds since the epoch


@dataclass(frozen=True, slots=True)
class Window:
    start_minute: int  # 0..1439, minutes after local midnight
    end_minute: int  # 1..1440, > start_minute

    def __post_init__(self) -> None:
        if not 0 <= self.start_minute < self.end_minute <= 1440:
            raise ValueError(f"bad window {self.start_minute}-{self.end_minute}")


class Calendar(Protocol):
    def add(self, start: datetime, seconds: float) -> datetime: ...
    def instants(self, start: datetime, offsets: Sequence[float]) -> list[datetime]: ...
    def between(self, start: datetime, end: datetime) -> float: ...
    def is_open(self, at: datetime) -> bool: ...


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"datetime {at!r} has no time zone")
    return at


def _micros(seconds: float) -> int:
    if not (math.isfinite(seconds) and seconds >= 0):
        raise ValueError(f"business seconds must be finite and >= 0, got {seconds!r}")
    return round(seconds * 1_000_000)


def _epoch_us(at: datetime) -> int:
    return (_aware(at) - _EPOCH) // _US


def _instant(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


class AlwaysOpen:
    """24/7: every real second is a business second."""

    __slots__ = ()

    def add(self, start: datetime, seconds: float) -> datetime:
        _micros(seconds)
        return (_aware(start) + timedelta(seconds=seconds)).astimezone(UTC)

    def instants(self, start: datetime, offsets: Sequence[float]) -> list[datetime]:
        return [self.add(start, offset) for offset in offsets]

    def between(self, start: datetime, end: datetime) -> float:
        return max(0.0, (_aware(end) - _aware(start)).total_seconds())

    def is_open(self, at: datetime) -> bool:
        _aware(at)
        return True


ALWAYS_OPEN = AlwaysOpen()


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    time_zone: str
    week: tuple[tuple[Window, ...], ...]  # 7 entries, Monday first, sorted, not overlapping
    holidays: frozenset[date]
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _bounds: dict[int, int] = field(init=False, repr=False, compare=False, default_factory=dict)
    _slices: dict[int, tuple[Interval, ...]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        if len(self.week) != 7 or not any(self.week):
            raise ValueError("a business calendar needs 7 days and at least one window")
        object.__setattr__(self, "_zone", ZoneInfo(self.time_zone))

    # --- public ---------------------------------------------------------------------

    def add(self, start: datetime, seconds: float) -> datetime:
        return self.instants(start, (seconds,))[0]

    def instants(self, start: datetime, offsets: Sequence[float]) -> list[datetime]:
        """Like ``[add(start, o) for o in offsets]``, in one walk (any order is accepted)."""
        needs = [_micros(offset) for offset in offsets]
        origin = _epoch_us(start)
        wanted = sorted({need for need in needs if need > 0})
        found = dict(zip(wanted, self._walk(start, origin, wanted) if wanted else (), strict=True))
        return [_instant(found[need]) if need else start.astimezone(UTC) for need in needs]

    def between(self, start: datetime, end: datetime) -> float:
        """Business seconds in [start, end)."""
        lo, hi = _epoch_us(start), _epoch_us(end)
        total = 0
        day = self._day_of(start, lo)
        while lo < hi and self._bound(day) < hi:
            for s, e in self._slice(day):
                total += max(0, min(e, hi) - max(s, lo))
            day += 1
        return total / 1_000_000

    def is_open(self, at: datetime) -> bool:
        us = _epoch_us(at)
        return any(s <= us < e for s, e in self._slice(self._day_of(at, us)))

    def weekly_business_seconds(self) -> float:
        """Nominal (no holidays, no clock changes), for display."""
        return 60.0 * sum(w.end_minute - w.start_minute for day in self.week for w in day)

    def to_data(self) -> dict[str, object]:
        windows = {
            key: [[hhmm(w.start_minute), hhmm(w.end_minute)] for w in day]
            for key, day in zip(DAY_KEYS, self.week, strict=True)
            if day
        }
        holidays = [d.isoformat() for d in sorted(self.holidays)]
        return {"timeZone": self.time_zone, "windows": windows, "holidays": holidays}

    # --- the walk -------------------------------------------------------------------

    def _walk(self, start: datetime, origin: int, wanted: list[int]) -> list[int]:
        """Instants at which ``wanted`` (ascending, > 0) business microseconds are done."""
        out: list[int] = []
        done, i, last = 0, 0, len(wanted) - 1
        first = self._day_of(start, origin)
        slices = self._slices
        for day in range(first, first + MAX_WALK_DAYS):
            intervals = slices.get(day)
            if intervals is None:
                intervals = self._slice(day)
            for begin, e in intervals:
                if e <= origin:
                    continue
                s = max(begin, origin)
                reached = done + e - s
                while wanted[i] <= reached:
                    out.append(s + wanted[i] - done)
                    if i == last:
                        return out
                    i += 1
                done = reached
        raise ValueError(f"no end found within {MAX_WALK_DAYS} days of business calendar")

    def _day_of(self, at: datetime, us: int) -> int:
        """Ordinal of the local date whose span [midnight, next midnight) holds ``us``."""
        day = at.astimezone(self._zone).toordinal()
        # Both loops only turn when a clock change straddles local midnight (none in tzdata
        # since 1970), so that every instant belongs to exactly one date's span.
        while us < self._bound(day):
            day -= 1
        while us >= self._bound(day + 1):
            day += 1
        return day

    def _bound(self, day: int) -> int:
        """Local midnight (fold=0) of the date with this ordinal, in epoch microseconds."""
        bound = self._bounds.get(day)
        if bound is None:
            d = date.fromordinal(day)
            bound = _epoch_us(datetime(d.year, d.month, d.day, tzinfo=self._zone))
            self._bounds[day] = bound
        return bound

    def _slice(self, day: int) -> tuple[Interval, ...]:
        intervals = self._slices.get(day)
        if intervals is None:
            if len(self._slices) > _CACHE_LIMIT:
                self._slices.clear()
                self._bounds.clear()
            intervals = self._compute_slice(day)
            self._slices[day] = intervals
        return intervals

    def _compute_slice(self, day: int) -> tuple[Interval, ...]:
        lo, hi = self._bound(day), self._bound(day + 1)
        merged: list[Interval] = []
        raw = sorted(self._converted(day - 1) + self._converted(day) + self._converted(day + 1))
        for start, end in raw:
            s, e = max(start, lo), min(end, hi)
            if e <= s:
                continue
            if merged and s <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], e))
            else:
                merged.append((s, e))
        return tuple(merged)

    def _converted(self, day: int) -> list[Interval]:
        """The windows of one local date as UTC intervals (fold=0 at both ends)."""
        d = date.fromordinal(day)
        windows = self.week[d.weekday()]
        if not windows or d in self.holidays:
            return []
        out: list[Interval] = []
        for w in windows:
            start = self._local_us(d, w.start_minute)
            end = self._local_us(d, w.end_minute)
            if end > start:
                out.append((start, end))
        return out

    def _local_us(self, d: date, minute: int) -> int:
        if minute == 1440:
            return self._bound(d.toordinal() + 1)
        hour, minute = divmod(minute, 60)
        return _epoch_us(datetime(d.year, d.month, d.day, hour, minute, tzinfo=self._zone))


def parse_calendar(
    time_zone: str,
    windows: Mapping[str, Sequence[Sequence[str]]],
    holidays: Sequence[str],
) -> BusinessCalendar:
    """A calendar from user input, or ``InvalidInput`` naming the field and the problem."""
    check_time_zone(time_zone)
    week = tuple(tuple(Window(s, e) for s, e in day) for day in check_week(windows))
    return BusinessCalendar(time_zone, week, check_holidays(holidays))
