"""Business time: add business minutes to an instant and measure business time between two instants.

A `Schedule` is a time zone plus an answer, for each local date, to "when is the business open":
holidays close the whole date; otherwise special hours covering the date give its intervals (none
for its weekday = closed); otherwise the weekly hours of its weekday do. Local intervals become
real instants in the schedule's zone:

- a local time inside a spring-forward gap is the instant the clock jumps to (Tehran's 00:00 on
  1 Farvardin while it kept DST was 01:00 IRDT);
- a local time that happens twice at a fall-back is its first occurrence (fold=0), for starts and
  ends alike, so the mapping never runs backwards and two intervals never overlap;
- durations are real elapsed time (differences in UTC).

All arithmetic is on exact `timedelta`s (microseconds), so adding a span then measuring it gives
the same span back. The walk goes day by day and skips whole weeks whose pattern is known (no
holiday, no special hours, no change of UTC offset); each schedule caches the instants of the
dates it has seen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo

import jdatetime
from django.utils.translation import gettext_lazy as _

from vafa.core.errors import VafaError

UTC = dt.UTC
MIDNIGHT = dt.time(0, 0)
DAY = dt.timedelta(days=1)
WEEK = dt.timedelta(days=7)
# With no open time this far ahead of where the walk last saw some, the calendar is taken as never open.
HORIZON_DAYS = 5 * 366
_CACHE_SIZE = 4096
_UNKNOWN = object()

Interval = tuple[dt.time, dt.time]
DayIntervals = tuple[Interval, ...]
WeeklyPattern = tuple[DayIntervals, ...]
_Span = tuple[dt.datetime, dt.datetime]


class BusinessTimeError(StrEnum):
    NEVER_OPEN = "calendar_never_open"


class CalendarNeverOpen(VafaError):
    """The calendar has no open time within five years of the moment asked about."""

    status = 422

    def __init__(self) -> None:
        super().__init__(
            BusinessTimeError.NEVER_OPEN,
            _("The business calendar has no open hours in the next five years; add weekly hours to it."),
        )


def _minutes(t: dt.time, *, end: bool = False) -> int:
    """Minutes since midnight; an end at 00:00 is the end of the day (1440)."""
    if end and t == MIDNIGHT:
        return 24 * 60
    return t.hour * 60 + t.minute


def _wall_length(interval: Interval) -> dt.timedelta:
    start, end = interval
    start_at = dt.datetime.combine(dt.date(2000, 1, 1), start)
    end_at = dt.datetime.combine(dt.date(2000, 1, 2) if end == MIDNIGHT else dt.date(2000, 1, 1), end)
    return end_at - start_at


def normalize_intervals(intervals: Iterable[Sequence[dt.time]]) -> DayIntervals:
    """Sort a day's intervals and check them: each ends after it starts (00:00 = midnight), none overlap.

    Raises ValueError; the calendar services turn the same checks into translated messages.
    """
    result = sorted((dt.time(s.hour, s.minute, s.second, s.microsecond), e) for s, e in intervals)
    previous_end: dt.time | None = None
    for start, end in result:
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError("business hours are local wall-clock times without a time zone")
        if end != MIDNIGHT and end <= start:
            raise ValueError(f"interval {start}–{end} does not end after it starts")
        if previous_end is not None and (previous_end == MIDNIGHT or start < previous_end):
            raise ValueError(f"interval starting {start} overlaps the one before it")
        previous_end = end
    return tuple(result)


def _pattern(weekly: Mapping[int, Iterable[Sequence[dt.time]]]) -> WeeklyPattern:
    for weekday in weekly:
        if weekday not in range(7):
            raise ValueError(f"weekday {weekday} is not 0 (Monday) to 6 (Sunday)")
    return tuple(normalize_intervals(weekly.get(weekday, ())) for weekday in range(7))


HolidayKind = Literal["single", "range", "yearly_gregorian", "yearly_jalali"]


@dataclass(frozen=True)
class HolidayRule:
    """A closed date: one date, a range of dates (both ends included), or every year on a date."""

    kind: HolidayKind
    start: dt.date | None = None
    end: dt.date | None = None
    month: int | None = None
    day: int | None = None

    @classmethod
    def on(cls, day: dt.date) -> HolidayRule:
        return cls("single", start=day)

    @classmethod
    def between(cls, first: dt.date, last: dt.date) -> HolidayRule:
        if last < first:
            raise ValueError("a holiday range ends on or after its first day")
        return cls("range", start=first, end=last)

    @classmethod
    def yearly(cls, month: int, day: int) -> HolidayRule:
        """Every year on a Gregorian month and day (29 February only in leap years)."""
        return cls("yearly_gregorian", month=month, day=day)

    @classmethod
    def yearly_jalali(cls, month: int, day: int) -> HolidayRule:
        """Every year on a Jalali month and day (30 Esfand only in leap years)."""
        return cls("yearly_jalali", month=month, day=day)

    def dates_in(self, year: int) -> set[dt.date]:
        """The Gregorian dates of `year` this rule closes."""
        if self.kind == "single":
            assert self.start is not None
            return {self.start} if self.start.year == year else set()
        if self.kind == "range":
            assert self.start is not None and self.end is not None
            first = max(self.start, dt.date(year, 1, 1))
            last = min(self.end, dt.date(year, 12, 31))
            return {first + dt.timedelta(days=n) for n in range((last - first).days + 1)}
        assert self.month is not None and self.day is not None
        if self.kind == "yearly_gregorian":
            try:
                return {dt.date(year, self.month, self.day)}
            except ValueError:  # 29 February of a common year
                return set()
        found = set()
        # A Gregorian year overlaps two Jalali years (Nowruz falls on 20 or 21 March).
        for jalali_year in (year - 622, year - 621):
            try:
                day = jdatetime.date(jalali_year, self.month, self.day).togregorian()
            except ValueError:  # 30 Esfand of a common year, 31 of a 30-day month
                continue
            if day.year == year:
                found.add(day)
        return found


@dataclass(frozen=True)
class SpecialPeriod:
    """Hours that replace the weekly ones from `start` to `end` (both included); a weekday without intervals is closed."""

    start: dt.date
    end: dt.date
    weekly: WeeklyPattern

    @classmethod
    def build(
        cls, start: dt.date, end: dt.date, weekly: Mapping[int, Iterable[Sequence[dt.time]]]
    ) -> SpecialPeriod:
        if end < start:
            raise ValueError("special hours end on or after their first day")
        return cls(start, end, _pattern(weekly))


@dataclass(frozen=True)
class Schedule:
    """When a business is open: a time zone, weekly hours (Monday = 0), holidays and special hours.

    Build one with `Schedule.build(...)` or `Schedule.always(...)`. When special periods overlap,
    the one that starts last decides (the more specific stretch inside a longer one).
    """

    tz_name: str
    weekly: WeeklyPattern
    holidays: tuple[HolidayRule, ...] = ()
    special: tuple[SpecialPeriod, ...] = ()
    zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _days: dict[dt.date, tuple[_Span, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _weeks: dict[dt.date, dt.timedelta | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _years: dict[int, frozenset[dt.date]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.weekly) != 7:
            raise ValueError("weekly hours need one entry per weekday, Monday first")
        object.__setattr__(self, "zone", ZoneInfo(self.tz_name))
        # Latest start first, so the first special period covering a date is the one that decides.
        ordered = sorted(self.special, key=lambda period: period.start, reverse=True)
        object.__setattr__(self, "special", tuple(ordered))

    @classmethod
    def build(
        cls,
        tz_name: str,
        weekly: Mapping[int, Iterable[Sequence[dt.time]]],
        *,
        holidays: Iterable[HolidayRule] = (),
        special: Iterable[SpecialPeriod] = (),
    ) -> Schedule:
        """A schedule from weekday → intervals; each day's intervals are sorted and checked."""
        return cls(tz_name, _pattern(weekly), tuple(holidays), tuple(special))

    @classmethod
    def always(cls, tz_name: str = "UTC") -> Schedule:
        """Open around the clock, every day."""
        return cls(tz_name, tuple(((MIDNIGHT, MIDNIGHT),) for _ in range(7)))

    @property
    def is_always_open(self) -> bool:
        return (
            not self.holidays
            and not self.special
            and all(day == ((MIDNIGHT, MIDNIGHT),) for day in self.weekly)
        )

    # --- local answers ---------------------------------------------------------------------------

    def holiday_dates(self, year: int) -> frozenset[dt.date]:
        """Every date of `year` a holiday closes."""
        found = self._years.get(year)
        if found is None:
            dates: set[dt.date] = set()
            for rule in self.holidays:
                dates |= rule.dates_in(year)
            found = frozenset(dates)
            self._years[year] = found
        return found

    def is_holiday(self, day: dt.date) -> bool:
        return day in self.holiday_dates(day.year)

    def _special_on(self, day: dt.date) -> SpecialPeriod | None:
        for period in self.special:
            if period.start <= day <= period.end:
                return period
        return None

    def intervals_on(self, day: dt.date) -> DayIntervals:
        """The local open intervals of a date: none on a holiday, else special hours, else weekly hours."""
        if self.is_holiday(day):
            return ()
        period = self._special_on(day)
        if period is not None:
            return period.weekly[day.weekday()]
        return self.weekly[day.weekday()]

    # --- instants ---------------------------------------------------------------------------------

    def instant(self, day: dt.date, at: dt.time) -> dt.datetime:
        """The UTC instant of a local date and time: a time in a gap is the moment the clock jumps to."""
        local = dt.datetime.combine(day, at, tzinfo=self.zone)
        first = local.astimezone(UTC)
        if first.astimezone(self.zone).replace(tzinfo=None) == local.replace(tzinfo=None):
            return first
        # In a gap: fold=0 reads the time with the offset before the jump (an instant after it),
        # fold=1 with the offset after (an instant before it); the jump lies between.
        before = local.replace(fold=1).astimezone(UTC)
        lo, hi = min(before, first), max(before, first)
        new_offset = hi.astimezone(self.zone).utcoffset()
        while hi - lo > dt.timedelta(microseconds=1):
            middle = lo + (hi - lo) // 2
            if middle.astimezone(self.zone).utcoffset() == new_offset:
                hi = middle
            else:
                lo = middle
        return hi

    def local_date(self, at: dt.datetime) -> dt.date:
        return at.astimezone(self.zone).date()

    def spans_on(self, day: dt.date) -> tuple[_Span, ...]:
        """The open intervals of a local date as UTC instants (empty ones left out)."""
        spans = self._days.get(day)
        if spans is None:
            found = []
            for start, end in self.intervals_on(day):
                start_at = self.instant(day, start)
                end_at = self.instant(day + DAY, MIDNIGHT) if end == MIDNIGHT else self.instant(day, end)
                if end_at > start_at:
                    found.append((start_at, end_at))
            spans = tuple(found)
            if len(self._days) >= _CACHE_SIZE:
                self._days.clear()
            self._days[day] = spans
        return spans

    def week_length(self, first: dt.date) -> dt.timedelta | None:
        """Open time of the 7 dates from `first` when they follow the weekly hours plainly, else None.

        Plain: no holiday, no special hours, the same UTC offset at each of the 8 midnights.
        """
        known = self._weeks.get(first, _UNKNOWN)
        if known is not _UNKNOWN:
            return known  # type: ignore[return-value]
        last = first + dt.timedelta(days=6)
        length: dt.timedelta | None = dt.timedelta(0)
        holidays = self.holiday_dates(first.year) | self.holiday_dates(last.year)
        if any(first + dt.timedelta(days=n) in holidays for n in range(7)) or any(
            period.start <= last and first <= period.end for period in self.special
        ):
            length = None
        else:
            offsets = {
                dt.datetime.combine(first + dt.timedelta(days=n), MIDNIGHT, tzinfo=self.zone).utcoffset()
                for n in range(8)
            }
            if len(offsets) != 1:
                length = None
            else:
                length = sum(
                    (_wall_length(interval) for day in self.weekly for interval in day), dt.timedelta(0)
                )
        if len(self._weeks) >= _CACHE_SIZE:
            self._weeks.clear()
        self._weeks[first] = length
        return length


def _utc(at: dt.datetime, name: str) -> dt.datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")
    return at.astimezone(UTC)


def business_add(schedule: Schedule, start: dt.datetime, delta: dt.timedelta) -> dt.datetime:
    """The instant `delta` of open time after `start`, in `start`'s time zone.

    Time runs only inside open intervals; a span that ends exactly at a closing time ends there.
    Raises CalendarNeverOpen when the calendar has no open time within five years.
    """
    at = _utc(start, "start")
    if delta < dt.timedelta(0):
        raise ValueError("business_add adds a span of zero or more")
    if not delta:
        return start
    if schedule.is_always_open:
        return (at + delta).astimezone(start.tzinfo)
    remaining = delta
    day = schedule.local_date(at)
    last_open = day
    while True:
        if (day - last_open).days > HORIZON_DAYS:
            raise CalendarNeverOpen
        # A whole plain week ahead of the start that does not use up the span is skipped at once.
        if at <= schedule.instant(day, MIDNIGHT):
            week = schedule.week_length(day)
            if week is not None and week < remaining:
                if week:
                    remaining -= week
                    last_open = day
                day += WEEK
                continue
        for open_at, close_at in schedule.spans_on(day):
            if close_at <= at:
                continue
            last_open = day
            open_at = max(open_at, at)
            if close_at - open_at >= remaining:
                return (open_at + remaining).astimezone(start.tzinfo)
            remaining -= close_at - open_at
        day += DAY


def business_between(schedule: Schedule, a: dt.datetime, b: dt.datetime) -> dt.timedelta:
    """The open time between `a` and `b`; zero when `b` is not after `a`."""
    start, end = _utc(a, "a"), _utc(b, "b")
    if end <= start:
        return dt.timedelta(0)
    if schedule.is_always_open:
        return end - start
    total = dt.timedelta(0)
    day = schedule.local_date(start)
    last = schedule.local_date(end)
    while day <= last:
        if start <= schedule.instant(day, MIDNIGHT) and schedule.instant(day + WEEK, MIDNIGHT) <= end:
            week = schedule.week_length(day)
            if week is not None:
                total += week
                day += WEEK
                continue
        for open_at, close_at in schedule.spans_on(day):
            overlap = min(close_at, end) - max(open_at, start)
            if overlap > dt.timedelta(0):
                total += overlap
        day += DAY
    return total


def business_add_minutes(schedule: Schedule, start: dt.datetime, minutes: int) -> dt.datetime:
    """The instant `minutes` business minutes after `start`."""
    return business_add(schedule, start, dt.timedelta(minutes=minutes))


def business_minutes_between(schedule: Schedule, a: dt.datetime, b: dt.datetime) -> float:
    """Business minutes between `a` and `b` (fractions included); zero when `b` is not after `a`."""
    return business_between(schedule, a, b) / dt.timedelta(minutes=1)


def business_is_open(schedule: Schedule, at: dt.datetime) -> bool:
    """Whether the business is open at the instant `at`."""
    moment = _utc(at, "at")
    return any(
        open_at <= moment < close_at for open_at, close_at in schedule.spans_on(schedule.local_date(moment))
    )


def business_next_open(schedule: Schedule, at: dt.datetime) -> dt.datetime:
    """`at` itself when the business is open then, else the next opening, in `at`'s time zone."""
    moment = _utc(at, "at")
    day = schedule.local_date(moment)
    first = day
    while (day - first).days <= HORIZON_DAYS:
        for open_at, close_at in schedule.spans_on(day):
            if close_at > moment:
                return at if open_at <= moment else open_at.astimezone(at.tzinfo)
        day += DAY
    raise CalendarNeverOpen
