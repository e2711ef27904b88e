"""Forms of the portal's "Ask for help", "My requests" and the help widget: parsing only, no rules."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from vafa.catalog.models import Product
from vafa.core.errors import ValidationFailed
from vafa.sales.models import Unit
from vafa.service.models import CaseKind
from vafa.service.services import AttachmentInput, CaseError

# The kinds a customer picks from (the rest are the desk's words for the work that follows).
ASK_KINDS = (
    CaseKind.QUESTION,
    CaseKind.PROBLEM,
    CaseKind.WARRANTY_CLAIM,
    CaseKind.RETURN,
    CaseKind.REPAIR,
    CaseKind.INSTALLATION,
    CaseKind.MAINTENANCE,
    CaseKind.COMPLAINT,
    CaseKind.FEEDBACK,
)
ABOUT_PRODUCT = "product"
ABOUT_OTHER = "other"
_VISIT = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def visit_or_none(raw: Any) -> str | None:
    """The visit key a form carried, if it looks like one `visit_key_new` made."""
    value = str(raw or "")
    return value if _VISIT.match(value) else None


def unit_choice(unit: Unit) -> str:
    return f"unit-{unit.pk}"


class StyledForm(forms.Form):
    """Bootstrap's classes on every visible input, so templates can draw fields with one snippet."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput | forms.RadioSelect):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                widget.attrs["aria-invalid"] = "true"


class AskForm(StyledForm):
    """Screen one of "Ask for help": what it is about, what kind of help, and what happened."""

    about = forms.ChoiceField(label=_("What is it about?"), widget=forms.RadioSelect)
    product = forms.TypedChoiceField(label=_("Product"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(label=_("What do you need?"), choices=[(k.value, k.label) for k in ASK_KINDS])
    subject = forms.CharField(label=_("Subject"), max_length=250)
    description = forms.CharField(label=_("Describe what happened"), max_length=20000, widget=forms.Textarea)
    visit = forms.CharField(required=False, widget=forms.HiddenInput)
    follow_up = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)

    def __init__(self, *args: Any, units: Sequence[Unit], products: Sequence[Product], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units = {unit_choice(unit): unit for unit in units}
        self.products = {product.pk: product for product in products}
        cast(forms.ChoiceField, self.fields["about"]).choices = [
            *[(key, str(unit)) for key, unit in self.units.items()],
            (ABOUT_PRODUCT, _("A product I do not see here")),
            (ABOUT_OTHER, _("Something else")),
        ]
        cast(forms.ChoiceField, self.fields["product"]).choices = [
            ("", _("Choose a product")),
            *[(p.pk, p.display_name()) for p in products],
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        about = data.get("about")
        if about == ABOUT_PRODUCT and data.get("product") is None:
            self.add_error("product", _("Choose the product."))
        return data

    def chosen_unit(self) -> Unit | None:
        """The customer's unit the request is about, if they chose one."""
        return self.units.get(self.cleaned_data.get("about") or "")

    def chosen_product(self) -> Product | None:
        """The product the request is about: the chosen one, or the chosen unit's."""
        about = self.cleaned_data.get("about")
        if about == ABOUT_PRODUCT:
            return self.products.get(self.cleaned_data.get("product") or 0)
        unit = self.chosen_unit()
        return unit.product if unit is not None else None


class ReplyForm(StyledForm):
    """The customer's answer on one of their requests."""

    body = forms.CharField(label=_("Your reply"), max_length=20000, widget=forms.Textarea(attrs={"rows": 4}))


class RatingForm(StyledForm):
    """How the customer rates the way their request was handled."""

    score = forms.TypedChoiceField(
        label=_("Your rating"),
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything you want to tell us? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class WidgetRequestForm(StyledForm):
    """The help widget's request form: anyone may send it, so it asks for a name and an address."""

    name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(label=_("Your e-mail address"), max_length=254)
    subject = forms.CharField(label=_("Subject"), max_length=250)
    description = forms.CharField(label=_("How can we help?"), max_length=20000, widget=forms.Textarea)
    token = forms.CharField(widget=forms.HiddenInput, max_length=500)


def read_uploads(files: Sequence[UploadedFile]) -> list[AttachmentInput]:
    """The uploaded files as the case services take them; a file over the size limit is not even read.

    The count, type and size rules themselves are the case services' (`case_open` checks again).
    """
    limit = int(settings.VAFA_ATTACHMENT_MAX_BYTES)
    result = []
    for upload in files:
        if not upload.name:
            continue
        name = str(upload.name)
        if (upload.size or 0) > limit:
            raise ValidationFailed(
                _("%(name)s is larger than %(limit)d MB.") % {"name": name, "limit": limit // (1024 * 1024)},
                fields={"attachments": [_("The file is too large.")]},
                code=CaseError.ATTACHMENT_TOO_LARGE,
            )
        try:
            content = b"".join(upload.chunks())
        except OSError:
            raise ValidationFailed(
                _("%(name)s did not arrive whole; choose it again.") % {"name": name},
                fields={"attachments": [_("The upload broke off.")]},
            ) from None
        result.append(
            AttachmentInput(
                filename=name,
                content_type=upload.content_type or "application/octet-stream",
                content=content,
            )
        )
    return result
