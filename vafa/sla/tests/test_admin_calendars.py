"""Admin pages of calendars, policies and clocks: they render, save through the services and presets apply."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from vafa.accounts.models import AuditLog
from vafa.sla.calendars import schedule_for, schedules_forget
from vafa.sla.models import BusinessCalendar, HolidayKind, SlaPolicy, Weekday
from vafa.sla.tests.factories import (
    BusinessCalendarFactory,
    SlaEscalationFactory,
    SlaPolicyFactory,
    SpecialIntervalFactory,
    tehran_calendar,
)

T = dt.time
DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _forget_schedules():
    schedules_forget()
    yield
    schedules_forget()


def _empty_inlines(**extra: str) -> dict[str, str]:
    data = {}
    for prefix in ("hours", "holidays", "special_hours"):
        data[f"{prefix}-TOTAL_FORMS"] = "0"
        data[f"{prefix}-INITIAL_FORMS"] = "0"
    data.update(extra)
    return data


@pytest.mark.django_db
def test_the_calendar_policy_and_clock_pages_open_for_a_manager(client, manager):
    calendar = tehran_calendar()
    special = SpecialIntervalFactory(special__calendar=calendar).special
    policy = SlaPolicyFactory(calendar=calendar)
    SlaEscalationFactory(policy=policy)
    client.force_login(manager)
    pages = [
        reverse("admin:sla_businesscalendar_changelist"),
        reverse("admin:sla_businesscalendar_add"),
        reverse("admin:sla_businesscalendar_change", args=[calendar.pk]),
        reverse("admin:sla_businesscalendar_import_ical", args=[calendar.pk]),
        reverse("admin:sla_specialhours_change", args=[special.pk]),
        reverse("admin:sla_slapolicy_changelist"),
        reverse("admin:sla_slapolicy_change", args=[policy.pk]),
        reverse("admin:sla_slaclock_changelist"),
    ]
    for url in pages:
        assert client.get(url).status_code == 200, url
    page = client.get(reverse("admin:sla_businesscalendar_change", args=[calendar.pk])).content.decode()
    assert '<div class="sla-week-day" data-weekday="4"><strong>Friday</strong>: closed</div>' in page
    assert '<div class="sla-week-day" data-weekday="3"><strong>Thursday</strong>: 08:00–12:00</div>' in page


@pytest.mark.django_db
def test_an_agent_cannot_open_the_calendar_admin(client, agent):
    client.force_login(agent)
    response = client.get(reverse("admin:sla_businesscalendar_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.django_db
def test_adding_a_calendar_with_hours_goes_through_the_service(client, manager):
    client.force_login(manager)
    data = _empty_inlines(name="Moscow office", time_zone="Europe/Moscow")
    data.update(
        {
            "hours-TOTAL_FORMS": "2",
            "hours-0-weekday": str(Weekday.MONDAY),
            "hours-0-start": "09:00",
            "hours-0-end": "13:00",
            "hours-1-weekday": str(Weekday.MONDAY),
            "hours-1-start": "14:00",
            "hours-1-end": "18:00",
        }
    )
    response = client.post(reverse("admin:sla_businesscalendar_add"), data)
    assert response.status_code == 302
    calendar = BusinessCalendar.objects.get(name="Moscow office")
    assert calendar.time_zone == "Europe/Moscow"
    assert schedule_for(calendar).intervals_on(dt.date(2025, 1, 6)) == ((T(9), T(13)), (T(14), T(18)))
    assert AuditLog.objects.get(action="calendar.create").via == "admin"
    assert AuditLog.objects.filter(action="weeklyhours.create").count() == 2


@pytest.mark.django_db
def test_overlapping_hours_and_unknown_zones_are_refused_in_the_admin(client, manager):
    calendar = tehran_calendar()
    stamp = calendar.updated_at
    client.force_login(manager)
    url = reverse("admin:sla_businesscalendar_change", args=[calendar.pk])
    rows = list(calendar.hours.order_by("pk"))
    data = _empty_inlines(name=calendar.name, time_zone="Asia/Tehran")
    data["hours-TOTAL_FORMS"] = str(len(rows) + 1)
    data["hours-INITIAL_FORMS"] = str(len(rows))
    for i, row in enumerate(rows):
        data.update(
            {
                f"hours-{i}-id": str(row.pk),
                f"hours-{i}-calendar": str(calendar.pk),
                f"hours-{i}-weekday": str(row.weekday),
                f"hours-{i}-start": row.start.strftime("%H:%M"),
                f"hours-{i}-end": row.end.strftime("%H:%M"),
            }
        )
    n = len(rows)
    data.update(
        {f"hours-{n}-weekday": str(Weekday.THURSDAY), f"hours-{n}-start": "11:00", f"hours-{n}-end": "14:00"}
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Thursday: The interval 11:00–14:00 overlaps 08:00–12:00." in response.content.decode()
    data[f"hours-{n}-start"], data[f"hours-{n}-end"] = "13:00", "14:00"
    data["time_zone"] = "Tehran"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "is not a time zone" in response.content.decode()
    calendar.refresh_from_db()
    assert calendar.updated_at == stamp
    assert calendar.hours.filter(weekday=Weekday.THURSDAY).count() == 1


@pytest.mark.django_db
def test_a_holiday_row_with_the_wrong_fields_for_its_kind_is_refused(client, manager):
    calendar = tehran_calendar()
    client.force_login(manager)
    data = _empty_inlines(name=calendar.name, time_zone="Asia/Tehran")
    data.update(
        {
            "holidays-TOTAL_FORMS": "1",
            "holidays-0-name": "Nowruz",
            "holidays-0-kind": HolidayKind.YEARLY_JALALI,
            "holidays-0-month": "1",
        }
    )
    response = client.post(reverse("admin:sla_businesscalendar_change", args=[calendar.pk]), data)
    assert response.status_code == 200
    assert "A yearly holiday needs its month and day." in response.content.decode()
    # Mehr, the seventh Jalali month, has 30 days.
    data["holidays-0-month"], data["holidays-0-day"] = "7", "31"
    response = client.post(reverse("admin:sla_businesscalendar_change", args=[calendar.pk]), data)
    assert "7/31 is not a day of the year in that calendar." in response.content.decode()
    assert calendar.holidays.count() == 0
    data["holidays-0-month"] = "1"
    data["holidays-0-day"] = "1"
    response = client.post(reverse("admin:sla_businesscalendar_change", args=[calendar.pk]), data)
    assert response.status_code == 302
    assert AuditLog.objects.get(action="holiday.create").via == "admin"
    assert schedule_for(BusinessCalendar.objects.get(pk=calendar.pk)).is_holiday(dt.date(2026, 3, 21))


@pytest.mark.django_db
def test_the_apply_preset_action_asks_for_the_preset_then_applies_it(client, manager):
    calendar = BusinessCalendarFactory(name="Head office")
    client.force_login(manager)
    changelist = reverse("admin:sla_businesscalendar_changelist")
    ask = client.post(changelist, {"action": "apply_preset", "_selected_action": [calendar.pk]})
    assert ask.status_code == 200
    assert 'name="preset"' in ask.content.decode()
    calendar.refresh_from_db()
    assert calendar.preset == ""
    done = client.post(
        changelist,
        {
            "action": "apply_preset",
            "_selected_action": [calendar.pk],
            "apply": "1",
            "preset": "iran",
            "years": "2",
        },
    )
    assert done.status_code == 302
    assert done["Location"] == reverse("admin:sla_businesscalendar_change", args=[calendar.pk])
    calendar.refresh_from_db()
    assert (calendar.preset, calendar.time_zone) == ("iran", "Asia/Tehran")
    page = client.get(done["Location"]).content.decode()
    assert "<strong>Friday</strong>: closed" in page
    assert 'value="Nowruz"' in page
    assert AuditLog.objects.get(action="calendar.apply_preset").via == "admin"


@pytest.mark.django_db
def test_the_apply_preset_form_shows_errors_and_changes_nothing(client, manager):
    calendar = BusinessCalendarFactory(name="Head office", time_zone="UTC")
    client.force_login(manager)
    response = client.post(
        reverse("admin:sla_businesscalendar_changelist"),
        {
            "action": "apply_preset",
            "_selected_action": [calendar.pk],
            "apply": "1",
            "preset": "western",
            "years": "2",
            "time_zone": "Europe/Atlantis",
        },
    )
    assert response.status_code == 200
    assert "“Europe/Atlantis” is not a time zone" in response.content.decode()
    calendar.refresh_from_db()
    assert (calendar.preset, calendar.hours.count()) == ("", 0)


@pytest.mark.django_db
def test_importing_an_ical_file_in_the_admin(client, manager):
    calendar = tehran_calendar()
    client.force_login(manager)
    url = reverse("admin:sla_businesscalendar_import_ical", args=[calendar.pk])
    broken = SimpleUploadedFile(
        "broken.ics", (DATA / "broken.ics").read_bytes(), content_type="text/calendar"
    )
    response = client.post(url, {"file": broken})
    assert response.status_code == 200
    assert "The file is not a valid iCalendar file (DTSTART is not a date); nothing was imported." in (
        response.content.decode()
    )
    assert calendar.holidays.count() == 0
    good = SimpleUploadedFile(
        "mixed.ics", (DATA / "timed-events.ics").read_bytes(), content_type="text/calendar"
    )
    response = client.post(url, {"file": good}, follow=True)
    assert "Imported: 1 new, 0 updated; skipped cancelled: 1, timed: 2." in response.content.decode()
    assert list(calendar.holidays.values_list("name", flat=True)) == ["Company day"]


@pytest.mark.django_db
def test_make_default_action(client, manager):
    first, second = BusinessCalendarFactory(is_default=True), BusinessCalendarFactory()
    client.force_login(manager)
    client.post(
        reverse("admin:sla_businesscalendar_changelist"),
        {"action": "make_default", "_selected_action": [second.pk]},
    )
    assert list(BusinessCalendar.objects.filter(is_default=True)) == [second]
    first.refresh_from_db()
    assert first.is_default is False


@pytest.mark.django_db
def test_policies_are_reordered_from_the_list(client, manager):
    calendar = tehran_calendar()
    gold = SlaPolicyFactory(name="Gold", calendar=calendar, position=0)
    basic = SlaPolicyFactory(name="Basic", calendar=calendar, position=1)
    client.force_login(manager)
    data = {
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "2",
        "form-0-id": str(basic.pk),
        "form-0-position": "0",
        "form-0-is_active": "on",
        "form-1-id": str(gold.pk),
        "form-1-position": "5",
        "form-1-is_active": "on",
        "_save": "Save",
    }
    response = client.post(reverse("admin:sla_slapolicy_changelist"), data)
    assert response.status_code == 302
    assert list(SlaPolicy.objects.values_list("name", flat=True)) == ["Basic", "Gold"]
    assert AuditLog.objects.filter(action="slapolicy.update").count() == 2


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("language", "direction", "nowruz"), [("en", "ltr", "Nowruz"), ("fa", "rtl", "جشن نوروز")]
)
def test_a_manager_applies_the_iran_preset_in_the_admin(page, manager, language, direction, nowruz):
    manager.language = language
    manager.save(update_fields=["language"])
    calendar = BusinessCalendarFactory(name="Head office", time_zone="UTC")
    with translation.override(language):
        closed, friday = gettext("closed"), str(Weekday.FRIDAY.label)

    page.goto("/admin/")
    page.fill("#id_username", manager.email)
    page.fill("#id_password", "pw-Vafa-2026")
    page.locator("input[type=submit]").click()
    page.wait_for_load_state()
    page.goto("/admin/sla/businesscalendar/")
    assert page.locator("html").get_attribute("dir") == direction
    page.check(f'input[name="_selected_action"][value="{calendar.pk}"]')
    page.select_option("select[name=action]", "apply_preset")
    page.locator("button[name=index]").click()
    page.wait_for_load_state()

    page.select_option("#id_preset", "iran")
    page.fill("#id_years", "1")
    page.locator("input[name=apply]").click()
    page.wait_for_url(f"**/admin/sla/businesscalendar/{calendar.pk}/change/")

    assert page.locator("html").get_attribute("dir") == direction
    assert page.locator('.sla-week-day[data-weekday="4"]').inner_text() == f"{friday}: {closed}"
    assert page.locator(f'#holidays-group input[value="{nowruz}"]').count() == 1
    assert page.locator("#id_time_zone").input_value() == "Asia/Tehran"
    assert page.console_errors == []
