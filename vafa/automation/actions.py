"""What an automation rule (or a macro) does to a case: the vocabulary of actions, its checks, and
how each action is carried out — always through the case services, so every change writes its
timeline event and audit row like an agent's would.

A rule's `actions` is a list of `{"type": …, …}` in the order they run; the table of types and
their keys is in docs/automation.md ("Actions"). A macro may use the field-setting ones only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from vafa.accounts.models import STAFF_ROLES, Team, User
from vafa.automation.macros import Rendered, macro_render_detail, text_choose, text_render
from vafa.automation.models import Macro
from vafa.core.errors import NotFound, ValidationFailed
from vafa.core.i18n import choice_label, language_codes
from vafa.service import services
from vafa.service.models import Case, CaseKind, CaseStatus, Priority
from vafa.webhooks.models import validate_webhook_url
from vafa.webhooks.services import webhook_post

MAX_TEXT = 10_000
MAX_ACTIONS = 30
ME = "me"
_EVENT_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,59}$")
_TAG_SEPARATORS = re.compile("[,\u060c]")
# The case services take `actor: User`; like every case service they accept None for the system.
SYSTEM: Any = None


class ActionError(StrEnum):
    """Stable codes of refused or failed actions."""

    INVALID = "invalid_actions"
    NO_TEXT = "automation_no_text"
    MACRO_GONE = "automation_macro_gone"
    AGENT_GONE = "automation_agent_gone"
    TEAM_GONE = "automation_team_gone"


ALL_ACTIONS = (
    "set_status",
    "set_priority",
    "set_kind",
    "assign_team",
    "assign_agent",
    "unassign",
    "add_tag",
    "remove_tag",
    "add_note",
    "send_message",
    "call_webhook",
    "resolve",
)
# A macro sets fields, tags and assignment; its reply is the agent's to send.
MACRO_ACTIONS = frozenset(
    {
        "set_status",
        "set_priority",
        "set_kind",
        "assign_team",
        "assign_agent",
        "unassign",
        "add_tag",
        "remove_tag",
    }
)
SETTABLE_STATUSES = tuple(status for status in CaseStatus.values if status != CaseStatus.NEW)
REPLY_STATUSES = (CaseStatus.OPEN, CaseStatus.PENDING_CUSTOMER, CaseStatus.ON_HOLD)


# --- validation -----------------------------------------------------------------------------------


class _Problems:
    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.messages.append(_("Action %(where)s: %(problem)s") % {"where": where, "problem": message})


def _choice(value: Any, allowed: Sequence[str], where: str, key: str, problems: _Problems) -> Any:
    if value not in allowed:
        problems.add(
            where,
            _("“%(value)s” is not a valid %(key)s; choose one of: %(choices)s.")
            % {"value": value, "key": key, "choices": ", ".join(allowed)},
        )
        return None
    return value


def _positive_id(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return None


def _text(value: Any, where: str, key: str, problems: _Problems, *, required: bool = True) -> str | None:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > MAX_TEXT:
        problems.add(
            where, _("“%(key)s” needs a text of 1 to %(count)d characters.") % {"key": key, "count": MAX_TEXT}
        )
        return None
    return value.strip()


def _message(
    raw: dict[str, Any], where: str, problems: _Problems, *, required: bool
) -> dict[str, Any] | None:
    """The message keys of send_message / resolve: a macro id, or texts per language."""
    has_macro, has_texts = "macro" in raw, "texts" in raw
    if has_macro and has_texts:
        problems.add(where, _("give either “macro” or “texts”, not both."))
        return None
    if has_macro:
        macro_id = _positive_id(raw["macro"])
        if macro_id is None:
            problems.add(where, _("“macro” is the id (a number) of a macro."))
            return None
        if not Macro.objects.filter(pk=macro_id, is_active=True).exists():
            problems.add(where, _("there is no active macro %(id)s.") % {"id": macro_id})
            return None
        return {"macro": macro_id}
    if has_texts:
        texts = raw["texts"]
        languages = language_codes()
        if not isinstance(texts, dict) or not texts:
            problems.add(where, _('“texts” maps languages to texts, e.g. {"en": …, "fa": …}.'))
            return None
        cleaned: dict[str, str] = {}
        for language, body in texts.items():
            if language not in languages:
                problems.add(
                    where,
                    _("“%(language)s” is not a language; use one of: %(languages)s.")
                    % {"language": language, "languages": ", ".join(sorted(languages))},
                )
                return None
            text = _text(body, where, f"texts.{language}", problems)
            if text is None:
                return None
            cleaned[language] = text
        return {"texts": cleaned}
    if required:
        problems.add(where, _("give the message: “macro” (an id) or “texts” per language."))
    return {} if not required else None


def _check(
    kind: str, raw: dict[str, Any], where: str, problems: _Problems, macro: bool
) -> dict[str, Any] | None:
    """The action with its keys checked, or None (with a problem noted)."""
    keys = set(raw) - {"type"}
    allowed_keys: dict[str, set[str]] = {
        "set_status": {"status"},
        "set_priority": {"priority"},
        "set_kind": {"kind"},
        "assign_team": {"team"},
        "assign_agent": {"agent"},
        "unassign": set(),
        "add_tag": {"tag"},
        "remove_tag": {"tag"},
        "add_note": {"text"},
        "send_message": {"macro", "texts", "status"},
        "call_webhook": {"url", "secret", "event"},
        "resolve": {"summary", "macro", "texts"},
    }
    extra = sorted(keys - allowed_keys[kind])
    if extra:
        problems.add(where, _("unexpected key “%(key)s”.") % {"key": extra[0]})
        return None
    action: dict[str, Any] = {"type": kind}
    if kind == "set_status":
        value = _choice(raw.get("status"), SETTABLE_STATUSES, where, "status", problems)
    elif kind == "set_priority":
        value = _choice(raw.get("priority"), Priority.values, where, "priority", problems)
    elif kind == "set_kind":
        value = _choice(raw.get("kind"), CaseKind.values, where, "kind", problems)
    elif kind == "assign_team":
        team_id = _positive_id(raw.get("team"))
        if team_id is None or not Team.objects.filter(pk=team_id).exists():
            problems.add(where, _("there is no team “%(value)s”.") % {"value": raw.get("team")})
            return None
        return {**action, "team": team_id}
    elif kind == "assign_agent":
        agent = raw.get("agent")
        if macro and agent == ME:
            return {**action, "agent": ME}
        agent_id = _positive_id(agent)
        if (
            agent_id is None
            or not User.objects.filter(pk=agent_id, role__in=STAFF_ROLES, is_active=True).exists()
        ):
            problems.add(where, _("there is no active agent “%(value)s”.") % {"value": agent})
            return None
        return {**action, "agent": agent_id}
    elif kind == "unassign":
        return action
    elif kind in ("add_tag", "remove_tag"):
        name = services.tag_name_clean(raw["tag"]) if isinstance(raw.get("tag"), str) else ""
        if not name or len(name) > 50 or _TAG_SEPARATORS.search(name):
            problems.add(where, _("“%(value)s” is not a tag name.") % {"value": raw.get("tag", "")})
            return None
        return {**action, "tag": name}
    elif kind == "add_note":
        text = _text(raw.get("text"), where, "text", problems)
        return None if text is None else {**action, "text": text}
    elif kind == "send_message":
        message = _message(raw, where, problems, required=True)
        if message is None:
            return None
        if "status" in raw:
            status = _choice(raw["status"], REPLY_STATUSES, where, "status", problems)
            if status is None:
                return None
            message["status"] = status
        return {**action, **message}
    elif kind == "resolve":
        summary = _text(raw.get("summary"), where, "summary", problems, required=False)
        message = _message(raw, where, problems, required=False)
        if summary is None or message is None:
            return None
        return {**action, "summary": summary, **message}
    else:  # call_webhook
        url = raw.get("url")
        try:
            if not isinstance(url, str) or len(url) > 500:
                raise ValidationError(_("Enter an http:// or https:// address."))
            validate_webhook_url(url)
        except ValidationError as error:
            problems.add(where, " ".join(str(m) for m in error.messages))
            return None
        secret = raw.get("secret")
        if not isinstance(secret, str) or not secret.strip() or len(secret) > 200:
            problems.add(where, _("a webhook needs a signing “secret” (1 to 200 characters)."))
            return None
        event = raw.get("event")
        if not isinstance(event, str) or not _EVENT_NAME.match(event):
            problems.add(
                where,
                _("“event” names the call in lower case letters, digits, dots, dashes and underscores."),
            )
            return None
        return {**action, "url": url, "secret": secret, "event": event}
    if value is None:
        return None
    key = {"set_status": "status", "set_priority": "priority", "set_kind": "kind"}[kind]
    return {**action, key: value}


def actions_clean(
    raw: Any, *, allowed: Collection[str] = ALL_ACTIONS, macro: bool = False
) -> list[dict[str, Any]]:
    """The actions checked against the vocabulary; ValidationFailed names every bad item."""
    if raw is None or raw == "":
        return []
    if not isinstance(raw, list) or len(raw) > MAX_ACTIONS:
        raise ValidationFailed(
            _("The actions are not valid."),
            fields={
                "actions": [_("Write the actions as a list of at most %(count)d.") % {"count": MAX_ACTIONS}]
            },
            code=ActionError.INVALID,
        )
    problems = _Problems()
    cleaned: list[dict[str, Any]] = []
    for index, item in enumerate(raw, start=1):
        where = str(index)
        if not isinstance(item, dict) or item.get("type") not in allowed:
            problems.add(
                where,
                _("“%(type)s” is not an action here; the actions are: %(types)s.")
                % {
                    "type": item.get("type", "") if isinstance(item, dict) else item,
                    "types": ", ".join(a for a in ALL_ACTIONS if a in allowed),
                },
            )
            continue
        action = _check(item["type"], item, f"{where} ({item['type']})", problems, macro)
        if action is not None:
            cleaned.append(action)
    if problems.messages:
        raise ValidationFailed(
            _("The actions are not valid."), fields={"actions": problems.messages}, code=ActionError.INVALID
        )
    return cleaned


# --- carrying out ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionContext:
    """Who acts (None: the system, for a rule) and on whose behalf; `key` makes outside calls once-only."""

    actor: User | None
    rule_id: int | None = None
    rule_name: str = ""
    trigger: str = ""
    key: str = ""


def _reload(case: Case) -> Case:
    return Case.objects.select_related("customer", "unit", "product", "assignee").get(pk=case.pk)


def _text_for(action: dict[str, Any], case: Case, context: ActionContext) -> Rendered:
    if "macro" in action:
        macro = Macro.objects.filter(pk=action["macro"]).first()
        if macro is None:
            raise NotFound(
                _("The macro %(id)s no longer exists.") % {"id": action["macro"]}, code=ActionError.MACRO_GONE
            )
        rendered = macro_render_detail(macro=macro, case=case)
        if not rendered.text.strip():
            raise ValidationFailed(
                _("The macro “%(name)s” has no text.") % {"name": macro.name}, code=ActionError.NO_TEXT
            )
        return rendered
    chosen = text_choose(action["texts"], case)
    if chosen is None:
        raise ValidationFailed(_("The message has no text."), code=ActionError.NO_TEXT)
    language, body = chosen
    return text_render(body, case=case, language=language)


def _agent(action: dict[str, Any], context: ActionContext) -> User:
    if action["agent"] == ME:
        if context.actor is None:
            raise ValidationFailed(
                _("Only a person can assign a case to themselves."), code=ActionError.AGENT_GONE
            )
        return context.actor
    agent = User.objects.filter(pk=action["agent"], role__in=STAFF_ROLES).first()
    if agent is None:
        raise NotFound(
            _("The agent %(id)s no longer exists.") % {"id": action["agent"]}, code=ActionError.AGENT_GONE
        )
    return agent


def _webhook_payload(case: Case, context: ActionContext) -> dict[str, Any]:
    return {
        "case": {
            "id": case.pk,
            "number": case.number,
            "reference": case.reference,
            "subject": case.subject,
            "status": case.status,
            "priority": case.priority,
            "kind": case.kind,
            "channel": case.channel,
            "language": case.language,
            "customer_id": case.customer_id,
            "team_id": case.team_id,
            "assignee_id": case.assignee_id,
            "tags": sorted(case.tags.values_list("name", flat=True)),
        },
        "rule": {"id": context.rule_id, "name": context.rule_name, "trigger": context.trigger},
    }


def _set_status(case: Case, action: dict[str, Any], context: ActionContext) -> str:
    services.case_set_status(actor=context.actor, case=case, status=action["status"])
    return f"set_status: {action['status']}"


def _set_priority(case: Case, action: dict[str, Any], context: ActionContext) -> str:
    services.case_set_priority(actor=context.actor, case=case, priority=action["priority"])
    return f"set_priority: {action['priority']}"


def _set_kind(case: Case, action: dict[str, Any], context: ActionContext) -> str:
    services.case_update(actor=context.actor, case=case, kind=action["kind"])
    return f"set_kind: {action['kind']}"


def _assign_team(case: Case, action: dict[str, Any], context: ActionContext) -> str:
    team = Team.objects.filter(pk=action["team"]).first()
    if team is None:
        raise NotFound(
            _("The team %(id)s no longer exists.") % {"id": action["team"]}, code=ActionError.TEAM_GONE
        )
    # The agent stays only if they belong to the new team.
    keep = case.assignee is not None and team.members.filter(pk=case.assignee_id).exists()
    services.case_assign(
        actor=context.actor,
        case=case,
        team=team,
        assignee=case.assignee if keep else None,
        reason=context.rule_name,
    )
    return f"assign_team: {team.pk}"


def _assign_agent(case: Case, action: dict[str, Any], context: ActionContext) -> str:
    agent = _agent(action, context)
    services.case_assign(actor=context.actor, case=case, assignee=agent, reason=context.rule_name)
    return f"assign_agent: {agent.pk}"


def _unassign(case: Case, action: dict[str, Any], context: ActionContext) -> str:
    services.case_assign(actor=context.actor, case=case, assignee=None, reason=context.rule_name)
    return "unassign"


def _add_tag(case: Case, action: dict[str, Any], context: ActionContext) -> str:
    services.case_tag(actor=context.actor, case=case, names=[action["tag"]])
    return f"add_tag: {action['tag']}"


def _remove_tag(case: Case, action: dict[str, Any], context: ActionContext) -> str:
    services.case_untag(actor=context.actor, case=case, name=action["tag"])
    return f"remove_tag: {action['tag']}"


def _add_note(case: Case, action: dict[str, Any], context: ActionContext) -> str:
    text = text_render(action["text"], case=case, language=settings.LANGUAGE_CODE).text
    services.case_note(actor=context.actor or SYSTEM, case=case, body=text)
    return "add_note"


def _send_message(case: Case, action: dict[str, Any], context: ActionContext) -> str:
    rendered = _text_for(action, case, context)
    services.case_reply(
        actor=context.actor or SYSTEM, case=case, body=rendered.text, status=action.get("status") or None
    )
    return f"send_message: {rendered.language}"


def _resolve(case: Case, action: dict[str, Any], context: ActionContext) -> str:
    if "macro" in action or "texts" in action:
        rendered = _text_for(action, case, context)
        services.case_reply(
            actor=context.actor or SYSTEM,
            case=case,
            body=rendered.text,
            resolve=True,
            resolution_summary=action.get("summary", ""),
        )
        return f"resolve: {rendered.language}"
    services.case_resolve(actor=context.actor, case=case, summary=action.get("summary", ""))
    return "resolve"


def _call_webhook(case: Case, action: dict[str, Any], context: ActionContext) -> str:
    delivery = webhook_post(
        url=action["url"],
        secret=action["secret"],
        event=action["event"],
        payload=_webhook_payload(case, context),
        source=f"rule:{context.rule_id}" if context.rule_id else "macro",
        dedupe_key=f"automation:{context.key}" if context.key else None,
    )
    return f"call_webhook: {action['event']} (delivery {delivery.pk})"


_APPLY: dict[str, Callable[[Case, dict[str, Any], ActionContext], str]] = {
    "set_status": _set_status,
    "set_priority": _set_priority,
    "set_kind": _set_kind,
    "assign_team": _assign_team,
    "assign_agent": _assign_agent,
    "unassign": _unassign,
    "add_tag": _add_tag,
    "remove_tag": _remove_tag,
    "add_note": _add_note,
    "send_message": _send_message,
    "call_webhook": _call_webhook,
    "resolve": _resolve,
}


def action_apply(action: dict[str, Any], *, case: Case, context: ActionContext) -> str:
    """Carry out one checked action on the case as it is now; return a short line for the log."""
    return _APPLY[action["type"]](_reload(case), action, context)


def action_for_log(action: dict[str, Any]) -> dict[str, Any]:
    """The action as the run log keeps it: without the webhook's secret."""
    if "secret" in action:
        return {**action, "secret": "********"}
    return dict(action)


def action_describe(action: dict[str, Any], *, actor: User | None = None) -> str:
    """The action as a person reads it, in the active language ("Priority: High")."""
    kind = action.get("type")
    if kind == "set_status":
        return _("Status: %(value)s") % {"value": choice_label(CaseStatus, action["status"])}
    if kind == "set_priority":
        return _("Priority: %(value)s") % {"value": choice_label(Priority, action["priority"])}
    if kind == "set_kind":
        return _("Kind: %(value)s") % {"value": choice_label(CaseKind, action["kind"])}
    if kind == "assign_team":
        team = Team.objects.filter(pk=action["team"]).first()
        return _("Team: %(value)s") % {"value": team.name if team else action["team"]}
    if kind == "assign_agent":
        agent = actor if action["agent"] == ME else User.objects.filter(pk=action["agent"]).first()
        return _("Assigned to %(value)s") % {"value": str(agent) if agent else action["agent"]}
    if kind == "unassign":
        return _("No longer assigned to an agent")
    if kind == "add_tag":
        return _("Tag added: %(value)s") % {"value": action["tag"]}
    if kind == "remove_tag":
        return _("Tag removed: %(value)s") % {"value": action["tag"]}
    if kind == "add_note":
        return _("Internal note added")
    if kind == "send_message":
        return _("Message sent to the customer")
    if kind == "call_webhook":
        return _("Webhook called: %(value)s") % {"value": action["event"]}
    if kind == "resolve":
        return _("Resolved")
    return str(kind)
