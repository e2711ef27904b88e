"""Ready-made calendars: Iran, the Gulf states, Russia and a Western Monday–Friday week.

The public holidays come from the `holidays` library, which computes them locally (Islamic dates
from its tables of the lunar calendar, Russian transfers from the government's decrees); nothing
is downloaded. Holidays that fall on the same Jalali date every year (Nowruz, 22 Bahman …) become
yearly Jalali rows that keep working after the years applied; every other date becomes a one-day
row for the years applied. Applying a preset again replaces what a preset wrote and keeps what a
manager entered by hand.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import holidays as holidays_lib
import jdatetime
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vafa.accounts.audit import audit_record
from vafa.accounts.models import User
from vafa.core.errors import ValidationFailed
from vafa.sla.calendars import (
    CalendarError,
    calendar_touch,
    require_calendar_manager,
    time_zone_clean,
)
from vafa.sla.models import (
    BusinessCalendar,
    Holiday,
    HolidayKind,
    HolidaySource,
    SpecialHours,
    SpecialInterval,
    Weekday,
    WeeklyHours,
)

T = dt.time
Interval = tuple[dt.time, dt.time]

PRESET_CHOICES = [
    ("iran", gettext_lazy("Iran: Saturday–Wednesday, Thursday half day, Friday closed")),
    ("gulf", gettext_lazy("Gulf states: Sunday–Thursday, Friday–Saturday closed")),
    ("russia", gettext_lazy("Russia: Monday–Friday with a lunch break")),
    ("western", gettext_lazy("Western: Monday–Friday 09:00–17:00")),
]
PRESETS = [name for name, _label in PRESET_CHOICES]

GULF_ZONES = {
    "SA": "Asia/Riyadh",
    "AE": "Asia/Dubai",
    "QA": "Asia/Qatar",
    "KW": "Asia/Kuwait",
    "BH": "Asia/Bahrain",
    "OM": "Asia/Muscat",
}
GULF_COUNTRY_CHOICES = [
    ("SA", gettext_lazy("Saudi Arabia")),
    ("AE", gettext_lazy("United Arab Emirates")),
    ("QA", gettext_lazy("Qatar")),
    ("KW", gettext_lazy("Kuwait")),
    ("BH", gettext_lazy("Bahrain")),
    ("OM", gettext_lazy("Oman")),
]

_IRAN_DAY = [(T(8), T(12)), (T(13), T(16))]
_RUSSIA_DAY = [(T(9), T(13)), (T(14), T(18))]
_SAT, _SUN, _MON, _TUE, _WED, _THU, _FRI = (
    Weekday.SATURDAY,
    Weekday.SUNDAY,
    Weekday.MONDAY,
    Weekday.TUESDAY,
    Weekday.WEDNESDAY,
    Weekday.THURSDAY,
    Weekday.FRIDAY,
)


@dataclass
class PresetPlan:
    """What a preset writes into a calendar."""

    preset: str
    time_zone: str
    hours: dict[int, list[Interval]]
    country: str = ""
    yearly_jalali: list[tuple[int, int, str]] = field(default_factory=list)
    single: list[tuple[dt.date, str]] = field(default_factory=list)
    # Weekend days the government made working days (Russia's transferred Saturdays).
    working_days: list[tuple[dt.date, str]] = field(default_factory=list)


@dataclass(frozen=True)
class PresetResult:
    calendar: BusinessCalendar
    yearly: int
    single: int
    working_days: int


def _library_language(country: str) -> str | None:
    """The library's language closest to the active one (Persian names for a Persian-speaking manager)."""
    supported = holidays_lib.country_holidays(country).supported_languages
    active = (translation.get_language() or "en").replace("-", "_")
    for candidate in (active, active.split("_")[0]):
        for language in supported:
            if language == candidate or language.split("_")[0] == candidate:
                return language
    return "en_US" if "en_US" in supported else None


def _library_days(country: str, years: Iterable[int]) -> dict[dt.date, list[str]]:
    found = holidays_lib.country_holidays(country, years=list(years), language=_library_language(country))
    return {day: [name.strip() for name in found.get_list(day)] for day in sorted(found)}


def _iran(years: list[int]) -> PresetPlan:
    plan = PresetPlan(
        "iran",
        "Asia/Tehran",
        {
            _SAT: _IRAN_DAY,
            _SUN: _IRAN_DAY,
            _MON: _IRAN_DAY,
            _TUE: _IRAN_DAY,
            _WED: _IRAN_DAY,
            _THU: [(T(8), T(12))],
        },
        country="IR",
    )
    # A holiday on the same Jalali date in three years running is a solar one: a yearly Jalali row.
    window = list(range(years[0], years[0] + max(len(years), 3)))
    seen: dict[tuple[int, int, str], set[int]] = defaultdict(set)
    for day, names in _library_days("IR", window).items():
        jalali = jdatetime.date.fromgregorian(date=day)
        for name in names:
            seen[(jalali.month, jalali.day, name)].add(day.year)
    fixed = sorted(key for key, found_in in seen.items() if len(found_in) == len(window))
    plan.yearly_jalali = fixed
    fixed_keys = {(month, day, name) for month, day, name in fixed}
    for day, names in _library_days("IR", years).items():
        jalali = jdatetime.date.fromgregorian(date=day)
        rest = [name for name in names if (jalali.month, jalali.day, name) not in fixed_keys]
        if rest:
            plan.single.append((day, "; ".join(rest)))
    return plan


def _gulf(years: list[int], country: str) -> PresetPlan:
    if country == "AE":
        # The UAE moved to a Saturday–Sunday weekend in 2022, with a short Friday.
        hours: dict[int, list[Interval]] = {d: [(T(7, 30), T(15, 30))] for d in (_MON, _TUE, _WED, _THU)}
        hours[_FRI] = [(T(7, 30), T(12))]
    else:
        hours = {weekday: [(T(8), T(17))] for weekday in (_SUN, _MON, _TUE, _WED, _THU)}
    plan = PresetPlan("gulf", GULF_ZONES[country], hours, country=country)
    plan.single = [(day, "; ".join(names)) for day, names in _library_days(country, years).items()]
    return plan


def _russia(years: list[int]) -> PresetPlan:
    plan = PresetPlan(
        "russia", "Europe/Moscow", dict.fromkeys((_MON, _TUE, _WED, _THU, _FRI), _RUSSIA_DAY), country="RU"
    )
    plan.single = [(day, "; ".join(names)) for day, names in _library_days("RU", years).items()]
    found = holidays_lib.country_holidays("RU", years=years)
    plan.working_days = [
        (day, _("Working day moved from a holiday")) for day in sorted(found.weekend_workdays)
    ]
    return plan


def _western(years: list[int], country: str) -> PresetPlan:
    plan = PresetPlan(
        "western", "UTC", {d: [(T(9), T(17))] for d in (_MON, _TUE, _WED, _THU, _FRI)}, country=country
    )
    if country:
        plan.single = [(day, "; ".join(names)) for day, names in _library_days(country, years).items()]
    return plan


def preset_plan(preset: str, *, years: list[int], country: str | None = None) -> PresetPlan:
    """The hours, holidays and working days a preset gives for these Gregorian years."""
    country = (country or "").strip().upper()
    if preset == "iran":
        return _iran(years)
    if preset == "gulf":
        country = country or "SA"
        if country not in GULF_ZONES:
            raise ValidationFailed(
                _("The Gulf preset covers %(countries)s, not “%(country)s”.")
                % {"countries": ", ".join(GULF_ZONES), "country": country},
                fields={"country": [_("Unknown country.")]},
                code=CalendarError.UNKNOWN_PRESET,
            )
        return _gulf(years, country)
    if preset == "russia":
        return _russia(years)
    if preset == "western":
        if country and country not in holidays_lib.list_supported_countries():
            raise ValidationFailed(
                _("No public holidays are known for the country “%(country)s”.") % {"country": country},
                fields={"country": [_("Unknown country.")]},
                code=CalendarError.UNKNOWN_PRESET,
            )
        return _western(years, country)
    raise ValidationFailed(
        _("“%(preset)s” is not a preset; choose one of %(presets)s.")
        % {"preset": preset, "presets": ", ".join(PRESETS)},
        fields={"preset": [_("Unknown preset.")]},
        code=CalendarError.UNKNOWN_PRESET,
    )


@transaction.atomic
def calendar_apply_preset(
    *,
    actor: User | None,
    calendar: BusinessCalendar,
    preset: str,
    country: str | None = None,
    years: int = 2,
    time_zone: str | None = None,
    first_year: int | None = None,
) -> PresetResult:
    """Set a calendar's zone, weekly hours and public holidays from a preset; hand-entered holidays stay."""
    require_calendar_manager(actor)
    if not 1 <= years <= 10:
        raise ValidationFailed(
            _("A preset covers 1 to 10 years."),
            fields={"years": [_("From 1 to 10.")]},
            code=CalendarError.UNKNOWN_PRESET,
        )
    start = first_year or timezone.localdate().year
    plan = preset_plan(preset, years=list(range(start, start + years)), country=country)
    zone = time_zone_clean(time_zone) if time_zone else plan.time_zone

    calendar.time_zone = zone
    calendar.preset = preset
    calendar.save(update_fields=["time_zone", "preset", "updated_at"])
    WeeklyHours.objects.filter(calendar=calendar).delete()
    WeeklyHours.objects.bulk_create(
        WeeklyHours(calendar=calendar, weekday=weekday, start=start_at, end=end_at)
        for weekday, intervals in sorted(plan.hours.items())
        for start_at, end_at in intervals
    )
    Holiday.objects.filter(calendar=calendar, source=HolidaySource.PRESET).delete()
    rows = [
        Holiday(
            calendar=calendar,
            name=name[:200],
            kind=HolidayKind.YEARLY_JALALI,
            month=month,
            day=day,
            source=HolidaySource.PRESET,
        )
        for month, day, name in plan.yearly_jalali
    ]
    rows += [
        Holiday(
            calendar=calendar,
            name=name[:200],
            kind=HolidayKind.SINGLE,
            start_date=day,
            source=HolidaySource.PRESET,
        )
        for day, name in plan.single
    ]
    Holiday.objects.bulk_create(rows)
    # The preset's own stretches are replaced, so applying twice writes them once; a manager's stay.
    SpecialHours.objects.filter(calendar=calendar, source=HolidaySource.PRESET).delete()
    weekday_hours = plan.hours.get(_MON, [])
    for day, name in plan.working_days:
        special = SpecialHours.objects.create(
            calendar=calendar, name=name, start_date=day, end_date=day, source=HolidaySource.PRESET
        )
        SpecialInterval.objects.bulk_create(
            SpecialInterval(special=special, weekday=day.weekday(), start=start_at, end=end_at)
            for start_at, end_at in weekday_hours
        )
    calendar_touch(calendar)
    result = PresetResult(calendar, len(plan.yearly_jalali), len(plan.single), len(plan.working_days))
    audit_record(
        actor=actor,
        action="calendar.apply_preset",
        obj=calendar,
        after={
            "preset": preset,
            "country": plan.country,
            "years": [start, start + years - 1],
            "time_zone": zone,
            "yearly_holidays": result.yearly,
            "holidays": result.single,
            "working_days": result.working_days,
        },
    )
    return result
