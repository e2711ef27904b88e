"""Writes of the automation app: rules (managers and admins only) and macros (everyone's own canned
replies; shared and team macros by managers), and applying a macro to a case."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.utils.translation import gettext_lazy as _

from vafa.accounts.audit import audit_record, changed, snapshot
from vafa.accounts.models import Role, Team, User
from vafa.accounts.permissions import require_manager, require_staff
from vafa.automation.actions import MACRO_ACTIONS, ActionContext, action_apply, action_describe, actions_clean
from vafa.automation.conditions import conditions_clean
from vafa.automation.macros import macro_render_detail, placeholders_unknown
from vafa.automation.models import Macro, MacroText, Rule, Trigger
from vafa.automation.rules import rule_triggers_forget
from vafa.automation.selectors import macro_get
from vafa.core.errors import Forbidden, ValidationFailed
from vafa.core.i18n import choose_one_of, language_codes
from vafa.service.models import OPEN_STATUSES, Case, CaseStatus
from vafa.sla.models import BusinessCalendar

RULE_AUDIT_FIELDS = (
    "name",
    "description",
    "is_active",
    "position",
    "trigger",
    "time_status",
    "time_minutes",
    "time_calendar",
    "conditions",
    "actions",
)
MACRO_AUDIT_FIELDS = ("name", "is_active", "team", "owner", "actions")
# A time rule waits in an open status, or in "resolved" (to close resolved cases after a while).
TIME_STATUSES = (*OPEN_STATUSES, CaseStatus.RESOLVED)
MAX_WAIT_MINUTES = 366 * 24 * 60
MAX_MACRO_TEXT = 10_000
_UNSET: Any = object()


class AutomationError(StrEnum):
    """Stable codes of the automation app's refusals."""

    INVALID_RULE = "invalid_rule"
    INVALID_MACRO = "invalid_macro"
    NOT_YOUR_MACRO = "not_your_macro"


def _audit_secrets(values: dict[str, Any]) -> dict[str, Any]:
    """Rule values for the audit log, without webhook secrets."""
    if isinstance(values.get("actions"), list):
        values = {
            **values,
            "actions": [
                {**a, "secret": "********"} if isinstance(a, dict) and "secret" in a else a
                for a in values["actions"]
            ],
        }
    return values


# --- rules ----------------------------------------------------------------------------------------


@dataclass
class RuleInput:
    """A rule's fields as submitted, before they are checked."""

    name: str
    trigger: str
    time_status: str
    time_minutes: int | None
    conditions: Any
    actions: Any
    errors: dict[str, list[Any]] = field(default_factory=dict)


def rule_validate(
    data: RuleInput, *, rule_id: int | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Check a rule's fields together: the cleaned (conditions, actions), or ValidationFailed listing
    every problem, field by field (the admin's form shows them under each field)."""
    errors = data.errors
    name = data.name.strip()
    if not name:
        errors["name"] = [_("Give the rule a name.")]
    elif len(name) > 150:
        errors["name"] = [_("Keep the name under 150 characters.")]
    elif Rule.objects.filter(name=name).exclude(pk=rule_id or 0).exists():
        errors["name"] = [_("Another rule already has this name.")]
    if data.trigger not in Trigger.values:
        errors["trigger"] = [choose_one_of(Trigger.values)]
    elif data.trigger == Trigger.TIME:
        if data.time_status not in TIME_STATUSES:
            errors["time_status"] = [choose_one_of(TIME_STATUSES)]
        minutes = data.time_minutes
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= MAX_WAIT_MINUTES:
            errors["time_minutes"] = [
                _("Give the wait in business minutes, from 1 to %(max)d.") % {"max": MAX_WAIT_MINUTES}
            ]
    elif data.time_status or data.time_minutes is not None:
        errors["time_status"] = [_("Only a time rule waits in a status.")]
    conditions: list[dict[str, Any]] = []
    actions: list[dict[str, Any]] = []
    try:
        conditions = conditions_clean(data.conditions)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    try:
        actions = actions_clean(data.actions)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    else:
        if not actions:
            errors["actions"] = [_("A rule needs at least one action.")]
    if errors:
        raise ValidationFailed(_("The rule is not valid."), fields=errors, code=AutomationError.INVALID_RULE)
    return conditions, actions


def _forget_on_commit() -> None:
    transaction.on_commit(rule_triggers_forget)


@transaction.atomic
def rule_create(
    *,
    actor: User | None,
    name: str,
    trigger: str,
    actions: Sequence[dict[str, Any]],
    conditions: Sequence[dict[str, Any]] = (),
    description: str = "",
    is_active: bool = True,
    time_status: str = "",
    time_minutes: int | None = None,
    time_calendar: BusinessCalendar | None = None,
    position: int | None = None,
) -> Rule:
    """Add an automation rule after the others (or at `position`), checked against the vocabulary."""
    require_manager(actor)
    clean_conditions, clean_actions = rule_validate(
        RuleInput(name, trigger, time_status, time_minutes, list(conditions), list(actions)), rule_id=None
    )
    if position is None:
        position = (Rule.objects.aggregate(last=Max("position"))["last"] or 0) + 1
    is_time = trigger == Trigger.TIME
    rule = Rule.objects.create(
        name=name.strip(),
        description=description.strip(),
        is_active=is_active,
        position=position,
        trigger=trigger,
        time_status=time_status if is_time else "",
        time_minutes=time_minutes if is_time else None,
        time_calendar=time_calendar if is_time else None,
        conditions=clean_conditions,
        actions=clean_actions,
        created_by=actor if actor is not None and actor.pk else None,
    )
    audit_record(
        actor=actor, action="rule.create", obj=rule, after=_audit_secrets(snapshot(rule, RULE_AUDIT_FIELDS))
    )
    _forget_on_commit()
    return rule


@transaction.atomic
def rule_update(
    *,
    actor: User | None,
    rule: Rule,
    name: str = _UNSET,
    trigger: str = _UNSET,
    actions: Sequence[dict[str, Any]] = _UNSET,
    conditions: Sequence[dict[str, Any]] = _UNSET,
    description: str = _UNSET,
    is_active: bool = _UNSET,
    time_status: str = _UNSET,
    time_minutes: int | None = _UNSET,
    time_calendar: BusinessCalendar | None = _UNSET,
) -> Rule:
    """Change a rule; the whole rule is checked again, and nothing is saved if any part is wrong."""
    require_manager(actor)
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    before = snapshot(rule, RULE_AUDIT_FIELDS)

    def pick(value: Any, current: Any) -> Any:
        return current if value is _UNSET else value

    new_trigger = pick(trigger, rule.trigger)
    is_time = new_trigger == Trigger.TIME
    new_status = pick(time_status, rule.time_status) if is_time else ""
    new_minutes = pick(time_minutes, rule.time_minutes) if is_time else None
    clean_conditions, clean_actions = rule_validate(
        RuleInput(
            pick(name, rule.name),
            new_trigger,
            new_status,
            new_minutes,
            pick(conditions, rule.conditions),
            pick(actions, rule.actions),
        ),
        rule_id=rule.pk,
    )
    rule.name = pick(name, rule.name).strip()
    rule.description = pick(description, rule.description).strip()
    rule.is_active = pick(is_active, rule.is_active)
    rule.trigger = new_trigger
    rule.time_status = new_status
    rule.time_minutes = new_minutes
    rule.time_calendar = pick(time_calendar, rule.time_calendar) if is_time else None
    rule.conditions = clean_conditions
    rule.actions = clean_actions
    rule.save()
    old, new = changed(before, snapshot(rule, RULE_AUDIT_FIELDS))
    if new:
        audit_record(
            actor=actor, action="rule.update", obj=rule, before=_audit_secrets(old), after=_audit_secrets(new)
        )
    _forget_on_commit()
    return rule


@transaction.atomic
def rule_set_active(*, actor: User | None, rule: Rule, active: bool) -> Rule:
    """Switch a rule on or off."""
    require_manager(actor)
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    if rule.is_active == active:
        return rule
    rule.is_active = active
    rule.save(update_fields=["is_active", "updated_at"])
    audit_record(
        actor=actor,
        action="rule.set_active",
        obj=rule,
        before={"is_active": not active},
        after={"is_active": active},
    )
    _forget_on_commit()
    return rule


@transaction.atomic
def rule_reorder(*, actor: User | None, rule_ids: Sequence[int]) -> list[Rule]:
    """Put the rules in this order (rules not listed follow, in their present order); return all rules."""
    require_manager(actor)
    rules = list(Rule.objects.select_for_update().order_by("position", "id"))
    by_id = {rule.pk: rule for rule in rules}
    unknown = [pk for pk in rule_ids if pk not in by_id]
    if unknown or len(set(rule_ids)) != len(rule_ids):
        raise ValidationFailed(
            _("The order lists rules that do not exist, or a rule twice."),
            fields={"rule_ids": [", ".join(str(pk) for pk in unknown) or _("A rule is listed twice.")]},
            code=AutomationError.INVALID_RULE,
        )
    ordered = [by_id[pk] for pk in rule_ids] + [rule for rule in rules if rule.pk not in set(rule_ids)]
    before = [rule.pk for rule in rules]
    moved = []
    for position, rule in enumerate(ordered, start=1):
        if rule.position != position:
            rule.position = position
            moved.append(rule)
    Rule.objects.bulk_update(moved, ["position"])
    after = [rule.pk for rule in ordered]
    if before != after and ordered:
        audit_record(
            actor=actor,
            action="rule.reorder",
            obj=ordered[0],
            before={"order": before},
            after={"order": after},
        )
    return ordered


def rule_move(*, actor: User | None, rule: Rule, offset: int) -> list[Rule]:
    """Move a rule `offset` places earlier (negative) or later (positive) in the order."""
    require_manager(actor)
    ids = list(Rule.objects.order_by("position", "id").values_list("pk", flat=True))
    if rule.pk not in ids:
        return rule_reorder(actor=actor, rule_ids=ids)
    index = ids.index(rule.pk)
    target = max(0, min(len(ids) - 1, index + offset))
    ids.insert(target, ids.pop(index))
    return rule_reorder(actor=actor, rule_ids=ids)


# --- macros ---------------------------------------------------------------------------------------


def _require_macro_editor(actor: User | None, macro: Macro) -> None:
    """An agent changes only their own macros; managers and admins any."""
    require_staff(actor)
    if actor is None or actor.role in (Role.ADMIN, Role.MANAGER):
        return
    if macro.owner_id != actor.pk:
        raise Forbidden(
            _("Only its owner or a manager can change this macro."), code=AutomationError.NOT_YOUR_MACRO
        )


def _macro_check(
    *, name: str, texts: Mapping[str, str], actions: Any, errors: dict[str, list[Any]]
) -> tuple[dict[str, str], list[dict[str, Any]]]:
    if not name.strip():
        errors["name"] = [_("Give the macro a name.")]
    elif len(name.strip()) > 150:
        errors["name"] = [_("Keep the name under 150 characters.")]
    languages = language_codes()
    cleaned: dict[str, str] = {}
    problems: list[Any] = []
    for language, body in texts.items():
        if language not in languages:
            problems.append(
                _("“%(language)s” is not a language; use one of: %(languages)s.")
                % {"language": language, "languages": ", ".join(sorted(languages))}
            )
            continue
        body = (body or "").strip()
        if not body:
            continue
        if len(body) > MAX_MACRO_TEXT:
            problems.append(_("Keep each text under %(count)d characters.") % {"count": MAX_MACRO_TEXT})
        unknown = placeholders_unknown(body)
        if unknown:
            problems.append(
                _("Unknown placeholder in the %(language)s text: %(names)s.")
                % {"language": language, "names": ", ".join("{" + n + "}" for n in unknown)}
            )
        cleaned[language] = body
    if not cleaned and not problems:
        problems.append(_("Write the text in at least one language."))
    if problems:
        errors["texts"] = problems
    clean_actions: list[dict[str, Any]] = []
    try:
        clean_actions = actions_clean(actions, allowed=MACRO_ACTIONS, macro=True)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationFailed(
            _("The macro is not valid."), fields=errors, code=AutomationError.INVALID_MACRO
        )
    return cleaned, clean_actions


def _texts_save(macro: Macro, texts: Mapping[str, str]) -> None:
    MacroText.objects.filter(macro=macro).exclude(language__in=list(texts)).delete()
    for language, body in texts.items():
        MacroText.objects.update_or_create(macro=macro, language=language, defaults={"body": body})


@transaction.atomic
def macro_create(
    *,
    actor: User | None,
    name: str,
    texts: Mapping[str, str],
    actions: Sequence[dict[str, Any]] = (),
    owner: User | None = None,
    team: Team | None = None,
) -> Macro:
    """Add a canned reply: an agent's own, or (managers) a team's or everyone's (no owner, no team)."""
    require_staff(actor)
    if actor is not None and actor.role == Role.AGENT and (owner is None or owner.pk != actor.pk or team):
        raise Forbidden(
            _("Agents can create only their own macros; ask a manager for a shared one."),
            code=AutomationError.NOT_YOUR_MACRO,
        )
    clean_texts, clean_actions = _macro_check(name=name, texts=texts, actions=list(actions), errors={})
    macro = Macro.objects.create(name=name.strip(), owner=owner, team=team, actions=clean_actions)
    _texts_save(macro, clean_texts)
    audit_record(
        actor=actor,
        action="macro.create",
        obj=macro,
        after={**snapshot(macro, MACRO_AUDIT_FIELDS), "texts": clean_texts},
    )
    return macro


@transaction.atomic
def macro_update(
    *,
    actor: User | None,
    macro: Macro,
    name: str = _UNSET,
    texts: Mapping[str, str] = _UNSET,
    actions: Sequence[dict[str, Any]] = _UNSET,
    is_active: bool = _UNSET,
) -> Macro:
    """Change a macro's name, texts, actions or whether it is offered."""
    _require_macro_editor(actor, macro)
    macro = Macro.objects.select_for_update().get(pk=macro.pk)
    before = snapshot(macro, MACRO_AUDIT_FIELDS)
    current_texts = {t.language: t.body for t in macro.texts.all()}
    new_texts, new_actions = _macro_check(
        name=macro.name if name is _UNSET else name,
        texts=current_texts if texts is _UNSET else texts,
        actions=macro.actions if actions is _UNSET else list(actions),
        errors={},
    )
    if name is not _UNSET:
        macro.name = name.strip()
    if is_active is not _UNSET:
        macro.is_active = is_active
    macro.actions = new_actions
    macro.save()
    if new_texts != current_texts:
        _texts_save(macro, new_texts)
    old, new = changed(before, snapshot(macro, MACRO_AUDIT_FIELDS))
    if new_texts != current_texts:
        old["texts"], new["texts"] = current_texts, new_texts
    if new:
        audit_record(actor=actor, action="macro.update", obj=macro, before=old, after=new)
    return macro


@transaction.atomic
def macro_delete(*, actor: User | None, macro: Macro) -> None:
    """Delete a macro for good."""
    _require_macro_editor(actor, macro)
    audit_record(actor=actor, action="macro.delete", obj=macro, before=snapshot(macro, MACRO_AUDIT_FIELDS))
    macro.delete()


@dataclass(frozen=True)
class MacroUse:
    """What applying a macro gave: the text for the reply box and the changes it made to the case."""

    text: str
    language: str
    changes: list[str]
    unknown: tuple[str, ...]


@transaction.atomic
def macro_use(*, actor: User, macro: Macro, case: Case) -> MacroUse:
    """Apply the macro's field changes to the case and count the use; return its text and the changes.

    All or nothing: when one change is refused, none is kept and the error is raised.
    """
    require_staff(actor)
    macro = macro_get(viewer=actor, macro_id=macro.pk)
    changes: list[str] = []
    context = ActionContext(actor=actor, rule_name="")
    for action in macro.actions:
        action_apply(action, case=case, context=context)
        changes.append(action_describe(action, actor=actor))
    case = Case.objects.select_related("customer", "unit", "product", "assignee").get(pk=case.pk)
    rendered = macro_render_detail(macro=macro, case=case, agent=actor)
    Macro.objects.filter(pk=macro.pk).update(usage_count=F("usage_count") + 1)
    return MacroUse(text=rendered.text, language=rendered.language, changes=changes, unknown=rendered.unknown)


def macro_apply(*, actor: User, macro: Macro, case: Case) -> str:
    """Apply the macro to the case (its field changes, counted as a use) and return its text."""
    return macro_use(actor=actor, macro=macro, case=case).text
