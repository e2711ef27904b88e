"""Forms of the case page: in-place edits of the header, the reply box and the merge form.

They only parse what the browser sent; every rule about what may change is the services'.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from vafa.accounts.models import Team, User
from vafa.core.errors import VafaError, ValidationFailed
from vafa.desk.forms import DeskForm
from vafa.sales.models import Unit
from vafa.sales.selectors import unit_warranty_status
from vafa.service.models import CaseKind, CaseStatus, Priority, WarrantyStatus
from vafa.service.services import AttachmentInput, CaseError, tag_names_split

# The header fields an agent can edit in place, in the order the header shows them.
EDITABLE_FIELDS = ("subject", "status", "priority", "kind", "team", "assignee", "unit", "tags")

# Field names the services use in their errors, and the form field that shows them.
_SERVICE_FIELDS = {"assignee_id": "assignee", "team_id": "team", "unit_id": "unit", "tags": "add"}


def apply_error(form: forms.Form, exc: VafaError) -> None:
    """Show a service's refusal on the form: per field where it names one, else above the form."""
    placed = False
    for name, messages in (exc.fields or {}).items():
        target = _SERVICE_FIELDS.get(name, name)
        if target in form.fields:
            for message in messages if isinstance(messages, list | tuple) else [messages]:
                form.add_error(target, str(message))
            placed = True
    if not placed or exc.fields.keys() - set(form.fields) - set(_SERVICE_FIELDS):
        form.add_error(None, str(exc.message))


class SubjectForm(DeskForm):
    subject = forms.CharField(label=_("Subject"), max_length=250)


class KindForm(DeskForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=CaseKind.choices)


class PriorityForm(DeskForm):
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)


class StatusForm(DeskForm):
    """A move to one of the statuses the workflow allows next, or resolve / close / reopen."""

    ACTIONS = ("set", "resolve", "close", "reopen")

    do = forms.ChoiceField(choices=[(a, a) for a in ACTIONS], initial="set", required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    summary = forms.CharField(
        label=_("Resolution summary (optional)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, choices: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["status"]).choices = list(choices)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["do"] = data.get("do") or "set"
        if data["do"] == "set" and not data.get("status"):
            self.add_error("status", _("Choose a status."))
        return data


def _user_label(user: User) -> str:
    teams = ", ".join(team.name for team in user.teams.all())
    name = str(user)
    return str(_("%(name)s (%(teams)s)") % {"name": name, "teams": teams}) if teams else name


class AssignmentForm(DeskForm):
    """The team and the agent of the case, edited together (the agent must be in the team)."""

    team = forms.ChoiceField(label=_("Team"), required=False)
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)

    def __init__(self, *args: Any, teams: Iterable[Team] = (), users: Iterable[User] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.teams = {str(team.pk): team for team in teams}
        self.users = {str(user.pk): user for user in users}
        cast(forms.ChoiceField, self.fields["team"]).choices = [("", _("No team (general queue)"))] + [
            (pk, team.name) for pk, team in self.teams.items()
        ]
        cast(forms.ChoiceField, self.fields["assignee"]).choices = [("", _("Unassigned"))] + [
            (pk, _user_label(user)) for pk, user in self.users.items()
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["team_obj"] = self.teams.get(data.get("team") or "")
        data["assignee_obj"] = self.users.get(data.get("assignee") or "")
        return data


class TagsForm(DeskForm):
    add = forms.CharField(
        label=_("Add tags"),
        required=False,
        max_length=500,
        help_text=_("Separate tags with commas."),
    )
    remove = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["names"] = tag_names_split(data.get("add") or "")
        if not data["names"] and not (data.get("remove") or "").strip():
            self.add_error("add", _("Write a tag."))
        return data


def unit_label(unit: Unit) -> str:
    info = unit_warranty_status(unit)
    return str(
        _("%(serial)s · %(product)s · %(warranty)s")
        % {
            "serial": unit.serial_number,
            "product": unit.product.display_name(),
            "warranty": WarrantyStatus(info.status).label,
        }
    )


class UnitForm(DeskForm):
    unit = forms.ChoiceField(label=_("Unit"), required=False)

    def __init__(self, *args: Any, units: Iterable[Unit] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units = {str(unit.pk): unit for unit in units}
        cast(forms.ChoiceField, self.fields["unit"]).choices = [("", _("No unit"))] + [
            (pk, unit_label(unit)) for pk, unit in self.units.items()
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["unit_obj"] = self.units.get(data.get("unit") or "")
        return data


class MergeForm(DeskForm):
    target = forms.CharField(
        label=_("Merge this case into"),
        max_length=40,
        help_text=_("The number of the case that stays open, e.g. %(example)s.")
        % {"example": f"{settings.VAFA_CASE_PREFIX}1234"},
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean_target(self) -> int:
        raw = self.cleaned_data["target"].strip()
        prefix = re.escape(settings.VAFA_CASE_PREFIX)
        match = re.fullmatch(rf"(?i)(?:{prefix}|#)?\s*(\d{{1,18}})", raw)
        if match is None:
            raise forms.ValidationError(
                _("Enter a case number, e.g. %(example)s."), params={"example": "1234"}
            )
        return int(match.group(1))


REPLY_STATUSES = (CaseStatus.OPEN, CaseStatus.PENDING_CUSTOMER, CaseStatus.ON_HOLD)


class ReplyForm(DeskForm):
    """A public reply or an internal note, with files and what happens to the case on send."""

    mode = forms.ChoiceField(
        label=_("Send as"),
        choices=[("reply", _("Public reply")), ("note", _("Internal note"))],
        initial="reply",
    )
    body = forms.CharField(label=_("Message"), required=False, max_length=100_000, widget=forms.Textarea)
    status = forms.ChoiceField(
        label=_("After sending"),
        required=False,
        choices=[("", _("Keep the status"))]
        + [(s.value, _("Set to %(status)s") % {"status": s.label}) for s in REPLY_STATUSES],
    )
    resolve = forms.BooleanField(label=_("Resolve on send"), required=False)
    resolution_summary = forms.CharField(
        label=_("Resolution summary (optional)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    @property
    def is_note(self) -> bool:
        value = self["mode"].value()
        return value == "note"


def read_uploads(files: Sequence[UploadedFile]) -> list[AttachmentInput]:
    """Turn uploaded files into AttachmentInput, refusing too many or too large before reading them."""
    limit = int(settings.VAFA_ATTACHMENT_MAX_BYTES)
    count = int(settings.VAFA_ATTACHMENT_MAX_COUNT)
    files = [f for f in files if f.name]
    if len(files) > count:
        raise ValidationFailed(
            _("At most %(count)d files can be attached.") % {"count": count},
            fields={"attachments": [_("Too many files.")]},
            code=CaseError.TOO_MANY_ATTACHMENTS,
        )
    result = []
    for upload in files:
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
        if len(content) != upload.size:
            raise ValidationFailed(
                _("%(name)s did not arrive whole; choose it again.") % {"name": name},
                fields={"attachments": [_("The upload broke off.")]},
            )
        result.append(
            AttachmentInput(
                filename=name,
                content_type=upload.content_type or "application/octet-stream",
                content=content,
            )
        )
    return result
