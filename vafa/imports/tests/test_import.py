import csv
import datetime as dt
import shutil
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError

from vafa.accounts.models import AuditLog
from vafa.catalog.models import Category, Product, WarrantyPolicy
from vafa.customers.models import ContactPoint, Customer, Organisation
from vafa.imports.importers import customers as customer_importer
from vafa.sales.models import Order, OrderLine, Unit

DATA = Path(__file__).parent / "data"
UTC = dt.UTC

pytestmark = pytest.mark.django_db


def run(kind: str, path: Path, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import", kind, str(path), "--no-progress", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(kind: str, path: Path, *args: str) -> tuple[str, str, str]:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as info:
        call_command("import", kind, str(path), "--no-progress", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue(), str(info.value)


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def report_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def counts() -> dict[str, int]:
    models = (
        Customer,
        ContactPoint,
        Organisation,
        Product,
        Category,
        WarrantyPolicy,
        Order,
        OrderLine,
        Unit,
        AuditLog,
    )
    return {model.__name__: model.objects.count() for model in models}


def contacts(customer: Customer) -> list[tuple[str, str, bool]]:
    return list(customer.contact_points.order_by("kind", "value").values_list("kind", "value", "is_primary"))


@pytest.fixture
def catalogue(tmp_path):
    """The usual order: the customers file, then the products file."""
    run("customers", DATA / "customers.csv", "--report", str(tmp_path / "c.report.csv"))
    run("products", DATA / "products.csv", "--report", str(tmp_path / "p.report.csv"))


# --- customers ------------------------------------------------------------------------------------


def test_customers_file_creates_customers_with_normalised_contacts(tmp_path):
    # given a UTF-8 file with a BOM, Persian and Russian text and a blank line (data/customers.csv)
    # when
    out, _err = run("customers", DATA / "customers.csv", "--report", str(tmp_path / "r.csv"))
    # then
    assert "3 rows read" in out
    assert "customers: 3 created, 0 updated, 0 unchanged" in out
    assert "organisations: 1 created, 0 updated, 0 unchanged" in out
    sara = Customer.objects.get(external_id="C-1001")
    assert (sara.name, sara.language, sara.time_zone, sara.tier) == (
        "سارا احمدی",
        "fa",
        "Asia/Tehran",
        "gold",
    )
    assert (sara.consent_marketing, sara.consent_surveys) == (True, True)
    assert (sara.address, sara.city, sara.country, sara.external_source) == (
        "خیابان ولیعصر ۱۲",
        "تهران",
        "IR",
        "",
    )
    assert sara.organisation.name == "Pars Trading"
    assert contacts(sara) == [
        ("email", "sara.ahmadi@example.test", True),
        ("email", "sara.work@example.test", False),
        ("phone", "+989121234567", True),
    ]
    john = Customer.objects.get(external_id="C-1002")
    assert (john.name, john.tier, john.organisation, john.consent_marketing, john.country) == (
        "John Smith",
        "standard",
        None,
        False,
        "GB",
    )
    assert contacts(john) == [("email", "john@example.test", True), ("phone", "+442079460958", True)]
    olga = Customer.objects.get(external_id="C-1003")
    assert (olga.name, olga.language, olga.tier, olga.consent_surveys, olga.city) == (
        "Ольга Иванова",
        "ru",
        "vip",
        False,
        "Москва",
    )
    assert olga.organisation_id == sara.organisation_id
    assert Organisation.objects.count() == 1
    assert AuditLog.objects.count() == 4
    assert set(AuditLog.objects.values_list("via", flat=True)) == {"import"}
    assert not (tmp_path / "r.csv").exists()


def test_reimporting_the_same_customers_file_changes_nothing(tmp_path):
    # given
    run("customers", DATA / "customers.csv")
    before = counts()
    stamps = dict(Customer.objects.values_list("external_id", "updated_at"))
    # when
    out, _err = run("customers", DATA / "customers.csv")
    # then
    assert "customers: 0 created, 0 updated, 3 unchanged" in out
    assert "organisations" not in out
    assert counts() == before
    assert dict(Customer.objects.values_list("external_id", "updated_at")) == stamps


def test_changed_row_updates_the_customer_and_adds_new_contacts(tmp_path):
    # given
    run("customers", DATA / "customers.csv")
    path = write(tmp_path, "c.csv", "external_id,name,phone,tier\nC-1002,John Smith,+44 7911 123456,silver\n")
    # when
    out, _err = run("customers", path)
    # then
    assert "customers: 0 created, 1 updated, 0 unchanged" in out
    john = Customer.objects.get(external_id="C-1002")
    assert john.tier == "silver"
    assert contacts(john) == [
        ("email", "john@example.test", True),
        ("phone", "+442079460958", True),
        ("phone", "+447911123456", False),
    ]
    entry = AuditLog.objects.filter(action="customer.update").get()
    assert (entry.via, entry.before, entry.after) == (
        "import",
        {"tier": "standard"},
        {"tier": "silver", "emails_added": [], "phones_added": ["+447911123456"]},
    )


def test_bad_rows_write_nothing_and_a_report(tmp_path):
    # given
    path = write(
        tmp_path,
        "bad.csv",
        (
            "external_id,name,email,language,consent_marketing\n"
            "C-1,Ali,ali@example.test,fa,yes\n"
            "C-2,Bita,not-an-email,xx,yes\n"
            "C-3,,c3@example.test,en,maybe\n"
        ),
    )
    # when
    out, err, message = run_failing("customers", path, "--report", str(tmp_path / "report.csv"))
    # then
    assert counts() == dict.fromkeys(counts(), 0)
    assert message == f"4 errors; nothing was imported. The report is in {tmp_path / 'report.csv'}."
    assert "3 rows read" in out
    assert "errors: 4 in 2 rows (consent_marketing: 1, email: 1, language: 1, name: 1)" in out
    assert "row 3, language: Choose one of: ar, en, fa, ru." in err
    assert report_rows(tmp_path / "report.csv") == [
        ["row", "column", "value", "error"],
        ["3", "language", "xx", "Choose one of: ar, en, fa, ru."],
        ["3", "email", "not-an-email", "not-an-email is not a valid e-mail address."],
        ["4", "name", "", "A value is required."],
        ["4", "consent_marketing", "maybe", "Enter yes or no (1 or 0, true or false)."],
    ]


def test_report_goes_beside_the_file_by_default(tmp_path):
    # given
    path = write(tmp_path, "bad.csv", "external_id,name\nC-1,\n")
    # when
    run_failing("customers", path)
    # then
    assert report_rows(tmp_path / "bad.csv.report.csv") == [
        ["row", "column", "value", "error"],
        ["2", "name", "", "A value is required."],
    ]


def test_missing_required_columns_fail_before_reading_rows(tmp_path):
    # given
    path = write(tmp_path, "c.csv", "email,phone\nali@example.test,09121234567\n")
    # when
    _out, _err, message = run_failing("customers", path, "--report", str(tmp_path / "r.csv"))
    # then
    assert message == "Required columns are missing: external_id, name. Nothing was imported."
    assert report_rows(tmp_path / "r.csv")[1:] == [
        ["1", "external_id", "", "This column is required but missing."],
        ["1", "name", "", "This column is required but missing."],
    ]
    assert Customer.objects.count() == 0


def test_duplicate_external_ids_and_emails_in_the_file_are_errors(tmp_path):
    # given
    path = write(
        tmp_path,
        "c.csv",
        ("external_id,name,email\nC-1,Ali,ali@example.test\nC-1,Ali again,\nC-2,Bita,ALI@example.test\n"),
    )
    # when
    run_failing("customers", path, "--report", str(tmp_path / "r.csv"))
    # then
    assert report_rows(tmp_path / "r.csv")[1:] == [
        ["3", "external_id", "C-1", "The same external id is on row 2."],
        ["4", "email", "ali@example.test", "This e-mail address is also on row 2."],
    ]
    assert Customer.objects.count() == 0


def test_an_email_of_another_customer_is_an_error(tmp_path, customer):
    # given a customer (no external id) with sara@example.test
    before = counts()
    path = write(tmp_path, "c.csv", "external_id,name,email\nC-9,Sara,Sara@Example.test\n")
    # when
    run_failing("customers", path, "--report", str(tmp_path / "r.csv"))
    # then
    assert report_rows(tmp_path / "r.csv")[1:] == [
        ["2", "email", "sara@example.test", "This e-mail address belongs to another customer."],
    ]
    assert counts() == before


def test_persian_and_arabic_digits_are_read_as_numbers(tmp_path):
    # given
    path = write(tmp_path, "c.csv", "external_id,name,phone\nC-1,علی,۰۹۱۲۱۲۳۴۵۶۷\nC-2,Ahmad,٠٩١٢٧٦٥٤٣٢١\n")
    # when
    run("customers", path)
    # then
    assert contacts(Customer.objects.get(external_id="C-1")) == [("phone", "+989121234567", True)]
    assert contacts(Customer.objects.get(external_id="C-2")) == [("phone", "+989127654321", True)]


def test_windows_1256_file_is_read_with_its_encoding(tmp_path):
    # given
    path = write(tmp_path, "c.csv", "external_id,name,city\nC-1,رضا پاکزاد,رشت\n", encoding="windows-1256")
    # when
    run("customers", path, "--encoding", "windows-1256")
    # then
    assert Customer.objects.values_list("name", "city").get() == ("رضا پاکزاد", "رشت")


def test_excel_unicode_text_utf16_with_tabs_is_read(tmp_path):
    # given what Excel saves as "Unicode text": UTF-16 with a BOM, tab-separated, CRLF line ends
    path = write(
        tmp_path,
        "c.txt",
        "external_id\tname\tcity\r\nC-1\tمریم کاظمی\tکرج\r\nC-2\tAmal\tDoha\r\n",
        encoding="utf-16",
    )
    # when
    run("customers", path, "--encoding", "utf-16", "--delimiter", "tab")
    # then
    assert list(Customer.objects.order_by("external_id").values_list("external_id", "name", "city")) == [
        ("C-1", "مریم کاظمی", "کرج"),
        ("C-2", "Amal", "Doha"),
    ]


def test_wrong_encoding_is_refused_with_a_hint(tmp_path):
    # given
    path = write(tmp_path, "c.csv", "external_id,name\nC-1,Reza\nC-2,رضا پاکزاد\n", encoding="windows-1256")
    # when
    _out, _err, message = run_failing("customers", path, "--report", str(tmp_path / "r.csv"))
    # then
    assert message == (
        "The file is not utf-8-sig text (line 3); give its encoding with --encoding, "
        "e.g. windows-1256. Nothing was imported."
    )
    assert Customer.objects.count() == 0


def test_unknown_columns_are_ignored_with_a_warning(tmp_path):
    # given
    path = write(tmp_path, "c.csv", "External ID;Name;Favourite colour\nC-1;Ali;blue\n")
    # when
    out, err = run("customers", path, "--delimiter", ";")
    # then
    assert "Unknown columns are ignored: Favourite colour." in err
    assert "customers: 1 created" in out
    assert Customer.objects.values_list("external_id", "name").get() == ("C-1", "Ali")


def test_more_values_than_columns_is_an_error(tmp_path):
    # given
    path = write(tmp_path, "c.csv", "external_id,name\nC-1,Ali,surplus\n")
    # when
    run_failing("customers", path, "--report", str(tmp_path / "r.csv"))
    # then
    assert report_rows(tmp_path / "r.csv")[1:] == [
        ["2", "", "surplus", "The row has more values than the header has columns."],
    ]


def test_dry_run_reports_changes_and_writes_nothing(tmp_path):
    # given
    run("customers", DATA / "customers.csv")
    before = counts()
    path = write(
        tmp_path,
        "c.csv",
        (
            "external_id,name,tier,organisation\n"
            "C-1001,سارا احمدی,gold,Pars Trading\n"
            "C-1002,John Smith,vip,\n"
            "C-2000,New Person,,Kish Ltd\n"
        ),
    )
    # when
    out, _err = run("customers", path, "--dry-run")
    # then
    assert "Dry run: nothing was written." in out
    assert "customers: 1 created, 1 updated, 1 unchanged" in out
    assert "organisations: 1 created, 0 updated, 0 unchanged" in out
    assert counts() == before
    assert Customer.objects.get(external_id="C-1002").tier == "standard"


def test_a_database_error_while_applying_rolls_back_everything(tmp_path, monkeypatch):
    # given a service that fails on the third customer
    calls = []
    original = customer_importer.customer_create

    def flaky(**kwargs):
        calls.append(kwargs["external_id"])
        if len(calls) == 3:
            raise IntegrityError("disk on fire")
        return original(**kwargs)

    monkeypatch.setattr(customer_importer, "customer_create", flaky)
    # when
    out, _err, message = run_failing("customers", DATA / "customers.csv", "--report", str(tmp_path / "r.csv"))
    # then
    assert calls == ["C-1001", "C-1002", "C-1003"]
    assert counts() == dict.fromkeys(counts(), 0)
    assert report_rows(tmp_path / "r.csv")[1:] == [
        ["5", "", "", "The database refused the row: disk on fire"]
    ]
    assert message.startswith("1 errors; nothing was imported.")


# --- products -------------------------------------------------------------------------------------


def test_products_file_creates_products_categories_and_policies(tmp_path):
    # when
    out, _err = run("products", DATA / "products.csv")
    # then
    assert "products: 3 created, 0 updated, 0 unchanged" in out
    assert "categories: 2 created" in out
    assert "warranty policies: 2 created" in out
    phone = Product.objects.select_related("category", "warranty_policy").get(sku="PH-100")
    assert (phone.name, phone.names) == (
        "Vafa Phone 100",
        {"fa": "گوشی وفا ۱۰۰", "ar": "هاتف وفا ١٠٠", "ru": "Телефон Вафа 100"},
    )
    assert (phone.category.code, phone.category.name) == ("phones", "Phones")
    assert (
        phone.price,
        phone.currency,
        phone.return_window_days,
        phone.maintenance_interval_days,
        phone.is_active,
    ) == (Decimal("12500000.00"), "IRR", 7, None, True)
    policy = phone.warranty_policy
    assert (policy.name, policy.months, policy.covers_parts, policy.covers_labour, policy.covers_onsite) == (
        "18 months: parts, labour",
        18,
        True,
        True,
        False,
    )
    washer = Product.objects.select_related("warranty_policy", "category").get(sku="WM-200")
    assert (washer.category.code, washer.price, washer.maintenance_interval_days) == (
        "appliances",
        Decimal("45000000.00"),
        180,
    )
    assert (
        washer.warranty_policy.name,
        washer.warranty_policy.months,
        washer.warranty_policy.covers_onsite,
    ) == ("24 months: parts, labour, on-site", 24, True)
    cable = Product.objects.get(sku="CB-1")
    assert (cable.category_id, cable.warranty_policy_id, cable.price) == (
        phone.category_id,
        None,
        Decimal("350000.00"),
    )


def test_reimporting_products_changes_nothing():
    # given
    run("products", DATA / "products.csv")
    before = counts()
    # when
    out, _err = run("products", DATA / "products.csv")
    # then
    assert "products: 0 created, 0 updated, 3 unchanged" in out
    assert counts() == before


def test_products_use_an_existing_policy_by_name_and_persian_digits(tmp_path):
    # given
    WarrantyPolicy.objects.create(name="Gold", months=36)
    path = write(
        tmp_path,
        "p.csv",
        (
            "sku,name,category,category_name,price,warranty_policy,warranty_months,return_window_days\n"
            "TV-1,TV,tv,Televisions,۱۲۵۰۰۰۰٫۵,Gold,٣٦,۱۴\n"
        ),
    )
    # when
    run("products", path)
    # then
    tv = Product.objects.get(sku="TV-1")
    assert (tv.price, tv.warranty_policy.name, tv.return_window_days) == (Decimal("1250000.50"), "Gold", 14)
    assert WarrantyPolicy.objects.count() == 1


def test_decimal_commas_and_unknown_categories_are_errors(tmp_path):
    # given
    path = write(
        tmp_path,
        "p.csv",
        ('sku,name,category,price,warranty_policy\nA-1,Phone,nope,"12,50",\nA-2,Phone 2,,1.234.5,Platinum\n'),
    )
    # when
    run_failing("products", path, "--report", str(tmp_path / "r.csv"))
    # then
    assert report_rows(tmp_path / "r.csv")[1:] == [
        [
            "2",
            "price",
            "12,50",
            "A comma in an amount is ambiguous (decimal or thousands separator); write it as 1234.50.",
        ],
        ["2", "category", "nope", "No category has this code; add category_name to create it."],
        ["3", "price", "1.234.5", "Enter an amount such as 1234.50."],
        [
            "3",
            "warranty_policy",
            "Platinum",
            "No warranty policy has this name; add warranty_months to create it.",
        ],
    ]
    assert counts() == dict.fromkeys(counts(), 0)


# --- orders ---------------------------------------------------------------------------------------


def test_order_line_rows_make_orders_and_owned_units(catalogue, settings):
    # given (customers and products imported); a date alone is midnight in TIME_ZONE
    settings.TIME_ZONE = "Asia/Tehran"
    # when
    out, _err = run("orders", DATA / "orders_lines.csv")
    # then
    assert "orders: 2 created, 0 updated, 0 unchanged" in out
    assert "units: 3 created, 0 updated, 0 unchanged" in out
    sara = Customer.objects.get(external_id="C-1001")
    first = Order.objects.get(external_id="SO-1")
    assert (
        first.number,
        first.customer,
        first.placed_at,
        first.sales_channel,
        first.currency,
        first.total_amount,
    ) == ("1001", sara, dt.datetime(2024, 8, 2, 11, 0, tzinfo=UTC), "web", "IRR", Decimal("24350000.00"))
    assert list(first.lines.order_by("id").values_list("product__sku", "quantity", "unit_price")) == [
        ("PH-100", 2, Decimal("12000000.00")),
        ("CB-1", 1, Decimal("350000.00")),
    ]
    phone_line = first.lines.get(product__sku="PH-100")
    assert list(
        Unit.objects.filter(product__sku="PH-100")
        .order_by("serial_number")
        .values_list("serial_number", "owner", "order_line", "purchased_on", "warranty_start", "warranty_end")
    ) == [
        ("SN-A1", sara.pk, phone_line.pk, dt.date(2024, 8, 2), dt.date(2024, 8, 2), dt.date(2026, 2, 2)),
        ("SN-A2", sara.pk, phone_line.pk, dt.date(2024, 8, 2), dt.date(2024, 8, 2), dt.date(2026, 2, 2)),
    ]
    second = Order.objects.get(external_id="SO-2")
    assert (second.customer.external_id, second.placed_at, second.sales_channel, second.total_amount) == (
        "C-1002",
        dt.datetime(2024, 9, 9, 20, 30, tzinfo=UTC),
        "store",
        Decimal("45000000.00"),
    )
    washer = Unit.objects.get(serial_number="WM-0001")
    assert (washer.owner.external_id, washer.warranty_start, washer.warranty_end) == (
        "C-1002",
        dt.date(2024, 9, 10),
        dt.date(2026, 9, 10),
    )
    assert set(
        AuditLog.objects.filter(action__in=["order.create", "unit.create"]).values_list("via", flat=True)
    ) == {"import"}


def test_reimporting_orders_changes_nothing(catalogue):
    # given
    run("orders", DATA / "orders_lines.csv")
    before = counts()
    # when
    out, _err = run("orders", DATA / "orders_lines.csv")
    # then
    assert "orders: 0 created, 0 updated, 2 unchanged" in out
    assert counts() == before


def test_changed_order_lines_replace_the_lines(catalogue, tmp_path):
    # given
    run("orders", DATA / "orders_lines.csv")
    path = write(
        tmp_path,
        "o.csv",
        (
            "order_external_id,order_number,customer_external_id,placed_at,sku,quantity,unit_price,serial_numbers\n"
            "SO-1,1001,C-1001,2024-08-02T14:30:00+03:30,PH-100,2,11000000,SN-A1;SN-A2\n"
        ),
    )
    # when
    out, _err = run("orders", path)
    # then
    assert "orders: 0 created, 1 updated, 0 unchanged" in out
    order = Order.objects.get(external_id="SO-1")
    assert order.total_amount == Decimal("22000000.00")
    assert list(order.lines.values_list("product__sku", "quantity", "unit_price")) == [
        ("PH-100", 2, Decimal("11000000.00"))
    ]
    assert set(
        Unit.objects.filter(serial_number__in=["SN-A1", "SN-A2"]).values_list("order_line", flat=True)
    ) == {order.lines.get().pk}


def test_orders_dry_run_counts_orders_and_units_and_writes_nothing(catalogue):
    # given
    before = counts()
    # when
    out, _err = run("orders", DATA / "orders_lines.csv", "--dry-run")
    # then
    assert "orders: 2 created, 0 updated, 0 unchanged" in out
    assert "units: 3 created, 0 updated, 0 unchanged" in out
    assert counts() == before


def test_order_total_rows_make_orders_without_lines(catalogue):
    # when
    out, _err = run("orders", DATA / "orders_totals.csv")
    # then
    assert "orders: 2 created, 0 updated, 0 unchanged" in out
    assert list(
        Order.objects.order_by("external_id").values_list(
            "external_id",
            "number",
            "customer__external_id",
            "placed_at",
            "sales_channel",
            "currency",
            "total_amount",
        )
    ) == [
        (
            "SO-10",
            "2001",
            "C-1002",
            dt.datetime(2024, 10, 1, 9, 0, tzinfo=UTC),
            "marketplace",
            "IRR",
            Decimal("990000.50"),
        ),
        (
            "SO-11",
            "2002",
            "C-1003",
            dt.datetime(2024, 10, 5, 0, 0, tzinfo=UTC),
            "phone",
            "EUR",
            Decimal("120.00"),
        ),
    ]
    assert OrderLine.objects.count() == 0


def test_unknown_sku_customer_and_inconsistent_order_rows_are_errors(catalogue, tmp_path):
    # given
    before = counts()
    path = write(
        tmp_path,
        "o.csv",
        (
            "order_external_id,customer_external_id,customer_email,placed_at,sku,quantity,unit_price,serial_numbers\n"
            "SO-1,C-1001,,2024-08-02T10:00:00+00:00,NOPE,1,100,\n"
            "SO-1,C-1001,,2024-08-03T10:00:00+00:00,PH-100,1,100,\n"
            "SO-2,C-404,,2024-08-02T10:00:00+00:00,PH-100,1,100,X1;X2\n"
            "SO-3,,nobody@example.test,2024-08-02 10:00,PH-100,1,100,\n"
        ),
    )
    # when
    run_failing("orders", path, "--report", str(tmp_path / "r.csv"))
    # then
    assert report_rows(tmp_path / "r.csv")[1:] == [
        ["2", "sku", "NOPE", "No product has this SKU."],
        ["3", "placed_at", "2024-08-03T10:00:00+00:00", "Differs from row 2 of the same order."],
        ["4", "serial_numbers", "X1;X2", "More serial numbers than items on the line."],
        ["4", "customer_external_id", "C-404", "No customer has this external id."],
        [
            "5",
            "placed_at",
            "2024-08-02 10:00",
            "Give the time with its UTC offset, such as 2024-08-02T14:30:00+03:30.",
        ],
        ["5", "customer_email", "nobody@example.test", "No customer has this e-mail address."],
    ]
    assert counts() == before


def test_orders_with_persian_digits_and_jalali_dates(catalogue, tmp_path):
    # given
    path = write(
        tmp_path,
        "o.csv",
        (
            "order_external_id,customer_external_id,placed_at,total_amount\n"
            "SO-7,C-1001,۱۴۰۳/۰۵/۱۲T۱۴:۳۰:۰۰+۰۳:۳۰,۱۵۰۰۰۰۰\n"
        ),
    )
    # when
    run("orders", path, "--jalali")
    # then
    assert Order.objects.values_list("placed_at", "total_amount").get() == (
        dt.datetime(2024, 8, 2, 11, 0, tzinfo=UTC),
        Decimal("1500000.00"),
    )


def test_a_jalali_date_without_the_flag_is_an_error(catalogue, tmp_path):
    # given
    path = write(
        tmp_path,
        "o.csv",
        "order_external_id,customer_external_id,placed_at,total_amount\nSO-7,C-1001,1403/05/12,10\n",
    )
    # when
    run_failing("orders", path, "--report", str(tmp_path / "r.csv"))
    # then
    assert report_rows(tmp_path / "r.csv")[1:] == [
        [
            "2",
            "placed_at",
            "1403/05/12",
            "This looks like a Jalali date; give --jalali to read dates in the Jalali calendar.",
        ],
    ]
    assert Order.objects.count() == 0


# --- units ----------------------------------------------------------------------------------------


def test_units_file_creates_units_with_warranty_from_the_policy(catalogue):
    # when
    out, _err = run("units", DATA / "units.csv")
    # then
    assert "units: 2 created, 0 updated, 0 unchanged" in out
    washer = Unit.objects.get(serial_number="WM-0002")
    assert (washer.product.sku, washer.owner.external_id, washer.purchased_on, washer.delivered_on) == (
        "WM-200",
        "C-1003",
        dt.date(2024, 3, 1),
        dt.date(2024, 3, 5),
    )
    assert (washer.warranty_start, washer.warranty_end, washer.extended_warranty_end) == (
        dt.date(2024, 3, 5),
        dt.date(2026, 3, 5),
        None,
    )
    phone = Unit.objects.get(serial_number="PH-9000")
    assert (
        phone.owner.external_id,
        phone.warranty_start,
        phone.warranty_end,
        phone.extended_warranty_end,
    ) == ("C-1002", dt.date(2024, 1, 15), dt.date(2025, 1, 15), dt.date(2026, 1, 15))


def test_reimporting_units_changes_nothing_and_a_changed_date_updates(catalogue, tmp_path):
    # given
    run("units", DATA / "units.csv")
    before = counts()
    # when
    out, _err = run("units", DATA / "units.csv")
    # then
    assert "units: 0 created, 0 updated, 2 unchanged" in out
    assert counts() == before
    # when the extension is moved
    path = write(tmp_path, "u.csv", "serial_number,sku,extended_warranty_end\nPH-9000,PH-100,2027-01-15\n")
    out, _err = run("units", path)
    # then
    assert "units: 0 created, 1 updated, 0 unchanged" in out
    assert Unit.objects.get(serial_number="PH-9000").extended_warranty_end == dt.date(2027, 1, 15)


def test_units_linked_to_an_order_and_bad_dates(catalogue, tmp_path):
    # given
    run("orders", DATA / "orders_lines.csv")
    before = counts()
    path = write(
        tmp_path,
        "u.csv",
        (
            "serial_number,sku,owner_email,purchased_on,delivered_on,warranty_end,order_external_id\n"
            "CB-55,CB-1,,,,,SO-1\n"
            "WM-9,WM-200,,2024-05-10,2024-05-01,,\n"
            "WM-10,WM-200,ghost@example.test,,,,SO-404\n"
            "PH-1,PH-100,,2024-01-01,,2023-12-01,SO-2\n"
        ),
    )
    # when
    run_failing("units", path, "--report", str(tmp_path / "r.csv"))
    # then
    assert report_rows(tmp_path / "r.csv")[1:] == [
        ["3", "delivered_on", "2024-05-01", "A unit cannot be delivered before it was bought."],
        ["4", "owner_email", "ghost@example.test", "No customer has this e-mail address."],
        ["4", "order_external_id", "SO-404", "No order has this external id."],
        ["5", "order_external_id", "SO-2", "The order has no line with this SKU."],
        ["5", "warranty_end", "2023-12-01", "The warranty must end after it starts."],
    ]
    assert counts() == before
    # when only the good row is imported
    path = write(tmp_path, "u2.csv", "serial_number,sku,order_external_id\nCB-55,CB-1,SO-1\n")
    run("units", path)
    # then the unit belongs to the order's customer and line
    unit = Unit.objects.get(serial_number="CB-55")
    order = Order.objects.get(external_id="SO-1")
    assert (unit.owner_id, unit.order_line_id, unit.purchased_on, unit.warranty_end) == (
        order.customer_id,
        order.lines.get(product__sku="CB-1").pk,
        dt.date(2024, 8, 2),
        None,
    )


def test_units_with_jalali_dates(catalogue, tmp_path):
    # given
    path = write(
        tmp_path,
        "u.csv",
        "serial_number,sku,owner_external_id,purchased_on\nWM-77,WM-200,C-1001,1403/05/12\n",
    )
    # when
    run("units", path, "--jalali")
    # then
    unit = Unit.objects.get(serial_number="WM-77")
    assert (unit.purchased_on, unit.warranty_end) == (dt.date(2024, 8, 2), dt.date(2026, 8, 2))


def test_copy_of_the_fixture_gets_its_own_report(tmp_path):
    # given a file whose products are unknown
    path = tmp_path / "units.csv"
    shutil.copy(DATA / "units.csv", path)
    # when
    _out, _err, message = run_failing("units", path)
    # then
    assert message == f"2 errors; nothing was imported. The report is in {tmp_path / 'units.csv.report.csv'}."
    assert [row[:2] for row in report_rows(tmp_path / "units.csv.report.csv")[1:]] == [
        ["2", "sku"],
        ["3", "sku"],
    ]
