"""Forms of the desk's after-sales screens: claims, returns, refunds, replacements, repairs, visits,
goodwill, stock and settings.

They only parse what the browser sent (choices, amounts, days and times); every rule about what may
happen is the after-sales services'. Each form's `service_kwargs()` is what its one service call needs.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from vafa.accounts.models import User
from vafa.aftersales.models import (
    ApprovalLimit,
    ClaimReason,
    Goodwill,
    Part,
    Refund,
    RepairOrder,
    ReturnReason,
    ReturnRequest,
    ServiceLocation,
    Visit,
    WarrantyClaim,
)
from vafa.core.dates import parse_date
from vafa.core.money import to_amount
from vafa.desk.forms import DeskForm
from vafa.sales.models import OrderLine, Unit

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩٫", "01234567890123456789.")
TEXT = forms.Textarea(attrs={"rows": 2})


def _ascii(raw: str) -> str:
    return (raw or "").strip().translate(_DIGITS).replace(",", "")


class AmountField(forms.CharField):
    """A money amount typed with Latin, Persian or Arabic digits, parsed exactly as a Decimal."""

    def __init__(self, *, minimum: Decimal | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "dir": "ltr"}))
        super().__init__(**kwargs)
        self.minimum = minimum

    def clean(self, value: Any) -> Decimal | None:  # type: ignore[override]
        raw = super().clean(value)
        if not raw:
            return None
        try:
            amount = to_amount(_ascii(raw))
        except ValidationError as exc:
            raise ValidationError(_("Enter an amount such as 12.50.")) from exc
        if self.minimum is not None and amount < self.minimum:
            raise ValidationError(_("Enter an amount of at least %(minimum)s.") % {"minimum": self.minimum})
        return amount


class DayField(forms.CharField):
    """A day typed as year/month/day, Jalali or Gregorian, in any digits."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("widget", forms.TextInput(attrs={"dir": "ltr", "placeholder": "yyyy/mm/dd"}))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> dt.date | None:  # type: ignore[override]
        raw = super().clean(value)
        if not raw:
            return None
        day = parse_date(raw)
        if day is None:
            raise ValidationError(_("Write the date as year/month/day."))
        return day


class TimeOfDayField(forms.TimeField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TimeInput(attrs={"type": "time", "dir": "ltr"}, format="%H:%M"))
        super().__init__(**kwargs)


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return f"{obj.product.display_name()} · {obj.serial_number}"


class OrderLineChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: OrderLine) -> str:
        return _("%(order)s · %(quantity)s × %(product)s") % {
            "order": obj.order.number,
            "quantity": obj.quantity,
            "product": obj.product.display_name(),
        }


class RecordChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.reference)


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return str(obj)


class LocationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ServiceLocation) -> str:
        return obj.display_name()


def window(day: dt.date, start: dt.time, end: dt.time, time_zone: str) -> tuple[dt.datetime, dt.datetime]:
    """A visit window typed as a day and two times, in `time_zone`, as aware datetimes."""
    zone = ZoneInfo(time_zone or "UTC")
    return dt.datetime.combine(day, start, tzinfo=zone), dt.datetime.combine(day, end, tzinfo=zone)


class ActionForm(DeskForm):
    """A form whose cleaned data, as is, are the keyword arguments of its service."""

    def service_kwargs(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class EmptyForm(ActionForm):
    """An action that needs nothing but the button (send instructions, receive, approve …)."""


# --- claims ---------------------------------------------------------------------------------------


class ClaimOpenForm(ActionForm):
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False)
    fault = forms.CharField(label=_("Fault described"), max_length=4000, required=False, widget=TEXT)

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class ClaimApproveForm(ActionForm):
    remedy = forms.ChoiceField(label=_("Remedy"), choices=WarrantyClaim.Remedy.choices)
    note = forms.CharField(label=_("Note"), max_length=4000, required=False, widget=TEXT)


class ClaimRejectForm(ActionForm):
    reason = forms.ChoiceField(label=_("Reason"), choices=ClaimReason.choices)
    note = forms.CharField(label=_("Note"), max_length=4000, required=False, widget=TEXT)


class NoteForm(ActionForm):
    note = forms.CharField(label=_("Note"), max_length=4000, required=False, widget=TEXT)


class RequiredNoteForm(ActionForm):
    note = forms.CharField(label=_("Why (the customer reads it)"), max_length=4000, widget=TEXT)


# --- returns --------------------------------------------------------------------------------------


class ReturnRequestForm(ActionForm):
    order_line = OrderLineChoiceField(label=_("Order line"), queryset=OrderLine.objects.none())
    reason = forms.ChoiceField(label=_("Reason"), choices=ReturnReason.choices)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=10_000, initial=1)
    description = forms.CharField(label=_("Description"), max_length=4000, required=False, widget=TEXT)

    def __init__(self, *args: Any, order_lines: QuerySet[OrderLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["order_line"].queryset = order_lines  # type: ignore[attr-defined]


class ReturnApproveForm(ActionForm):
    location = LocationChoiceField(label=_("Return to"), queryset=ServiceLocation.objects.none())

    def __init__(self, *args: Any, locations: QuerySet[ServiceLocation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations  # type: ignore[attr-defined]


class ReturnInspectForm(ActionForm):
    condition = forms.ChoiceField(label=_("Condition on arrival"), choices=ReturnRequest.Condition.choices)
    note = forms.CharField(label=_("Inspection note"), max_length=4000, required=False, widget=TEXT)


class ReturnCloseForm(ActionForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ReturnRequest.Outcome.choices)


# --- replacements and refunds ---------------------------------------------------------------------


class ReplacementIssueForm(ActionForm):
    original_unit = UnitChoiceField(label=_("Unit replaced"), queryset=Unit.objects.none())
    new_serial = forms.CharField(
        label=_("Serial number of the new unit"),
        max_length=100,
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}),
    )
    claim = RecordChoiceField(
        label=_("Warranty claim"), queryset=WarrantyClaim.objects.none(), required=False
    )
    return_request = RecordChoiceField(
        label=_("Return"), queryset=ReturnRequest.objects.none(), required=False
    )

    def __init__(
        self,
        *args: Any,
        units: QuerySet[Unit],
        claims: QuerySet[WarrantyClaim],
        returns: QuerySet[ReturnRequest],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["original_unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["claim"].queryset = claims  # type: ignore[attr-defined]
        self.fields["return_request"].queryset = returns  # type: ignore[attr-defined]


class ReplacementShipForm(ActionForm):
    tracking = forms.CharField(
        label=_("Tracking number"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"dir": "ltr"}),
    )


class RefundRequestForm(ActionForm):
    order_line = OrderLineChoiceField(label=_("Order line"), queryset=OrderLine.objects.none())
    amount = AmountField(label=_("Amount (in the order's currency)"), minimum=Decimal("0.01"))
    method = forms.ChoiceField(label=_("Method"), choices=Refund.Method.choices)
    reference = forms.CharField(label=_("Payment reference"), max_length=100, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=4000, required=False, widget=TEXT)
    claim = RecordChoiceField(
        label=_("Warranty claim"), queryset=WarrantyClaim.objects.none(), required=False
    )
    return_request = RecordChoiceField(
        label=_("Return"), queryset=ReturnRequest.objects.none(), required=False
    )

    def __init__(
        self,
        *args: Any,
        order_lines: QuerySet[OrderLine],
        claims: QuerySet[WarrantyClaim],
        returns: QuerySet[ReturnRequest],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["order_line"].queryset = order_lines  # type: ignore[attr-defined]
        self.fields["claim"].queryset = claims  # type: ignore[attr-defined]
        self.fields["return_request"].queryset = returns  # type: ignore[attr-defined]


class RefundApproveForm(ActionForm):
    reference = forms.CharField(label=_("Payment reference"), max_length=100, required=False)


# --- repairs --------------------------------------------------------------------------------------


class RepairOpenForm(ActionForm):
    location = LocationChoiceField(label=_("Service location"), queryset=ServiceLocation.objects.none())
    technician = UserChoiceField(label=_("Technician"), queryset=User.objects.none(), required=False)
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False)
    fault = forms.CharField(label=_("Fault reported"), max_length=4000, required=False, widget=TEXT)
    claim = RecordChoiceField(
        label=_("Warranty claim"), queryset=WarrantyClaim.objects.none(), required=False
    )
    return_request = RecordChoiceField(
        label=_("Return"), queryset=ReturnRequest.objects.none(), required=False
    )

    def __init__(
        self,
        *args: Any,
        locations: QuerySet[ServiceLocation],
        technicians: QuerySet[User],
        units: QuerySet[Unit],
        claims: QuerySet[WarrantyClaim],
        returns: QuerySet[ReturnRequest],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations  # type: ignore[attr-defined]
        self.fields["technician"].queryset = technicians  # type: ignore[attr-defined]
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["claim"].queryset = claims  # type: ignore[attr-defined]
        self.fields["return_request"].queryset = returns  # type: ignore[attr-defined]


class VersionForm(ActionForm):
    """A change to a repair, made against the version the agent was looking at."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class RepairDiagnoseForm(VersionForm):
    diagnosis = forms.CharField(
        label=_("Diagnosis"), max_length=8000, widget=forms.Textarea(attrs={"rows": 3})
    )


class RepairPartForm(VersionForm):
    part = forms.ModelChoiceField(label=_("Part"), queryset=Part.objects.none())
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=1000, initial=1)

    def __init__(self, *args: Any, parts: QuerySet[Part], labels: dict[int, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["part"]
        field.queryset = parts  # type: ignore[attr-defined]
        field.label_from_instance = lambda part: labels.get(part.pk, str(part))  # type: ignore[attr-defined]


class RepairLabourForm(VersionForm):
    hours = AmountField(label=_("Hours"), minimum=Decimal("0.01"))
    description = forms.CharField(label=_("Work done"), max_length=250, required=False)


class RepairRemoveLineForm(VersionForm):
    line = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class RepairStatusForm(VersionForm):
    status = forms.ChoiceField(choices=RepairOrder.Status.choices, widget=forms.HiddenInput)


class RepairAssignForm(VersionForm):
    technician = UserChoiceField(label=_("Technician"), queryset=User.objects.none())

    def __init__(self, *args: Any, technicians: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["technician"].queryset = technicians  # type: ignore[attr-defined]


class RepairListFilter(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any")), *RepairOrder.Status.choices], required=False
    )
    technician = UserChoiceField(
        label=_("Technician"), queryset=User.objects.none(), required=False, empty_label=_("Any")
    )
    location = LocationChoiceField(
        label=_("Location"), queryset=ServiceLocation.objects.none(), required=False, empty_label=_("Any")
    )

    def __init__(
        self, *args: Any, technicians: QuerySet[User], locations: QuerySet[ServiceLocation], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["technician"].queryset = technicians  # type: ignore[attr-defined]
        self.fields["location"].queryset = locations  # type: ignore[attr-defined]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"


# --- visits ---------------------------------------------------------------------------------------


class VisitWindowForm(ActionForm):
    """A day and a window on it, read in `time_zone` (the customer's)."""

    day = DayField(label=_("Day"))
    start = TimeOfDayField(label=_("From"))
    end = TimeOfDayField(label=_("To"))

    def __init__(self, *args: Any, time_zone: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.time_zone = time_zone

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("day") and data.get("start") and data.get("end"):
            data["starts_at"], data["ends_at"] = window(
                data["day"], data["start"], data["end"], self.time_zone
            )
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("day", "start", "end")}
        return data


class VisitScheduleForm(VisitWindowForm):
    technician = UserChoiceField(label=_("Technician"), queryset=User.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=Visit.Kind.choices)
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False)
    address = forms.CharField(label=_("Address"), max_length=2000, widget=TEXT)
    checklist = forms.CharField(
        label=_("Checklist (one item a line)"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    field_order = ("technician", "kind", "unit", "day", "start", "end", "address", "checklist")

    def __init__(self, *args: Any, technicians: QuerySet[User], units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["technician"].queryset = technicians  # type: ignore[attr-defined]
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]

    def clean_checklist(self) -> list[str]:
        return [
            line.strip() for line in (self.cleaned_data.get("checklist") or "").splitlines() if line.strip()
        ]


class VisitBookForm(VisitWindowForm):
    technician = UserChoiceField(label=_("Technician"), queryset=User.objects.none())
    address = forms.CharField(label=_("Address"), max_length=2000, required=False, widget=TEXT)

    field_order = ("technician", "day", "start", "end", "address")

    def __init__(self, *args: Any, technicians: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["technician"].queryset = technicians  # type: ignore[attr-defined]


class VisitCompleteForm(ActionForm):
    outcome = forms.CharField(label=_("Outcome"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    ticked = forms.MultipleChoiceField(
        label=_("Checklist"), required=False, widget=forms.CheckboxSelectMultiple
    )
    labour_hours = AmountField(label=_("Hours on site"), required=False, minimum=Decimal(0))

    def __init__(self, *args: Any, items: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        self.fields["ticked"].choices = [(str(index), item) for index, item in enumerate(items)]  # type: ignore[attr-defined]

    def service_kwargs(self) -> dict[str, Any]:
        ticked = {int(index) for index in self.cleaned_data.get("ticked") or []}
        return {
            "outcome": self.cleaned_data["outcome"],
            "checklist": [{"item": item, "done": index in ticked} for index, item in enumerate(self.items)],
            "labour_hours": self.cleaned_data.get("labour_hours"),
        }


# --- goodwill and costs ---------------------------------------------------------------------------


class GoodwillGiveForm(ActionForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=Goodwill.Kind.choices)
    value = AmountField(label=_("Value to the customer"), required=False, minimum=Decimal(0))
    cost = AmountField(label=_("Cost to the company"), required=False, minimum=Decimal(0))
    currency = forms.CharField(
        label=_("Currency"), max_length=3, required=False, widget=forms.TextInput(attrs={"dir": "ltr"})
    )
    reason = forms.CharField(label=_("Reason"), max_length=4000, widget=TEXT)
    code = forms.CharField(
        label=_("Discount code"), max_length=64, required=False, widget=forms.TextInput(attrs={"dir": "ltr"})
    )
    description = forms.CharField(label=_("What is given"), max_length=250, required=False)
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False)
    extension_months = forms.IntegerField(
        label=_("Extension (months)"), min_value=1, max_value=120, required=False
    )

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["value"] = data.get("value") or Decimal(0)
        data["cost"] = data.get("cost") or Decimal(0)
        data["currency"] = (data.get("currency") or "").upper() or None
        return data


class ShippingCostForm(ActionForm):
    amount = AmountField(label=_("Amount"), minimum=Decimal("0.01"))
    currency = forms.CharField(
        label=_("Currency"), max_length=3, required=False, widget=forms.TextInput(attrs={"dir": "ltr"})
    )
    description = forms.CharField(label=_("Description"), max_length=250, required=False)

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["currency"] = (data.get("currency") or "").upper()
        return data


# --- stock and settings (managers) ----------------------------------------------------------------


class StockReceiveForm(ActionForm):
    part = forms.ModelChoiceField(label=_("Part"), queryset=Part.objects.none())
    location = LocationChoiceField(label=_("Location"), queryset=ServiceLocation.objects.none())
    quantity = forms.IntegerField(label=_("Quantity received"), min_value=1, max_value=1_000_000)
    note = forms.CharField(label=_("Note"), max_length=250, required=False)

    def __init__(
        self, *args: Any, parts: QuerySet[Part], locations: QuerySet[ServiceLocation], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["part"].queryset = parts  # type: ignore[attr-defined]
        self.fields["location"].queryset = locations  # type: ignore[attr-defined]


class StockAdjustForm(ActionForm):
    part = forms.ModelChoiceField(label=_("Part"), queryset=Part.objects.none())
    location = LocationChoiceField(label=_("Location"), queryset=ServiceLocation.objects.none())
    on_hand = forms.IntegerField(label=_("Counted on hand"), min_value=0, max_value=1_000_000)
    note = forms.CharField(label=_("Why (required)"), max_length=250)

    def __init__(
        self, *args: Any, parts: QuerySet[Part], locations: QuerySet[ServiceLocation], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["part"].queryset = parts  # type: ignore[attr-defined]
        self.fields["location"].queryset = locations  # type: ignore[attr-defined]


class ApprovalLimitForm(ActionForm):
    kind = forms.ChoiceField(label=_("For"), choices=ApprovalLimit.Kind.choices)
    amount = AmountField(label=_("Up to (company currency)"), minimum=Decimal(0))
    user = UserChoiceField(
        label=_("One agent (empty: all agents)"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args: Any, agents: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = agents  # type: ignore[attr-defined]

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["role"] = "" if data.get("user") else "agent"
        return data


class ExchangeRateForm(ActionForm):
    currency = forms.CharField(
        label=_("Currency"), max_length=3, widget=forms.TextInput(attrs={"dir": "ltr"})
    )
    # The service parses the rate itself, to eight places: only the digits are made ASCII here.
    rate = forms.CharField(
        label=_("Rate (company currency for one unit)"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "dir": "ltr"}),
    )
    valid_from = DayField(label=_("Valid from"))

    def clean_rate(self) -> str:
        return _ascii(self.cleaned_data.get("rate") or "")


class ReportRangeForm(forms.Form):
    start = DayField(label=_("From"))
    end = DayField(label=_("To"))
