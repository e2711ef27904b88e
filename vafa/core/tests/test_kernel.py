import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st

from vafa.core.dates import add_months, format_date
from vafa.core.money import format_money, to_amount, validate_currency
from vafa.core.text import body_from, html_to_text, sanitize_html


def test_amounts_are_exact_decimals():
    assert to_amount("19.999") == Decimal("20.00")
    assert to_amount(0.1) == Decimal("0.10")
    assert to_amount(" 1500000 ") == Decimal("1500000.00")
    for bad in ("abc", "NaN", "Infinity", "", "1,5"):
        with pytest.raises(ValidationError):
            to_amount(bad)


def test_currencies_are_iso_4217():
    validate_currency("IRR")
    validate_currency("RUB")
    with pytest.raises(ValidationError):
        validate_currency("TOMAN")


def test_money_is_formatted_for_the_reader():
    assert format_money(Decimal("1234.5"), "USD", "en") == "$1,234.50"
    assert "₽" in format_money(Decimal("1234.5"), "RUB", "ru")


def test_persian_readers_see_jalali_dates_in_their_time_zone():
    moment = dt.datetime(2026, 3, 20, 22, 0, tzinfo=dt.UTC)  # 21 March 01:30 in Tehran: Nowruz 1405

    assert format_date(moment, language="fa", tz="Asia/Tehran") == "1405/01/01 01:30"
    assert format_date(moment, language="fa", tz="Asia/Tehran", native_digits=True) == "۱۴۰۵/۰۱/۰۱ ۰۱:۳۰"
    assert format_date(moment, language="en", tz="Europe/Moscow") == "2026-03-21 01:00"
    assert format_date(dt.date(2026, 3, 21), language="fa") == "1405/01/01"
    assert format_date(dt.date(2026, 3, 21), language="ar", native_digits=True) == "٢٠٢٦-٠٣-٢١"
    assert format_date(None) == ""


def test_add_months_clamps_to_the_end_of_the_month():
    assert add_months(dt.date(2025, 1, 31), 1) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2025, 11, 15), 14) == dt.date(2027, 1, 15)


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2090, 1, 1)), st.integers(0, 120))
def test_add_months_never_goes_backwards_and_lands_in_the_right_month(day, months):
    result = add_months(day, months)
    assert result >= day
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months


def test_sanitiser_keeps_formatting_and_drops_scripts():
    dirty = '<p dir="rtl">سلام <b>دنیا</b><img src=x onerror=alert(1)><script>alert(2)</script><style>p{}</style></p>'

    clean = sanitize_html(dirty)

    assert clean == '<p dir="rtl">سلام <b>دنیا</b><img src="x"></p>'
    assert html_to_text("<p>a<br>b</p><p>c &amp; d</p>") == "a\nb\nc & d"


def test_plain_text_bodies_become_escaped_paragraphs():
    html, text = body_from(text="Hello <you>\n\nSecond para")
    assert html == "<p>Hello &lt;you&gt;</p><p>Second para</p>"
    assert text == "Hello <you>\n\nSecond para"


def test_zoneinfo_is_available_for_customer_time_zones():
    assert ZoneInfo("Asia/Tehran").key == "Asia/Tehran"


def test_no_model_change_lacks_a_migration(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
