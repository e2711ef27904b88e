"""Macros in the desk: the picker of the case's reply box, applying a macro to a case, and the page
where agents keep their own canned replies (managers also the shared ones).

Applying a macro is a POST that calls `macro_use`: its field changes land on the case, and its text,
in the customer's language with the placeholders filled, goes into the reply box. With htmx the page
swaps the notice of what changed and the case header in, and case.js inserts the text where the
cursor is; without JavaScript the case page comes back with the text in the box.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vafa.accounts.models import Role, Team
from vafa.automation.macros import placeholders_help, text_choose
from vafa.automation.models import Macro
from vafa.automation.selectors import macro_get, macro_get_editable, macro_list, macro_list_editable
from vafa.automation.services import macro_create, macro_delete, macro_update, macro_use
from vafa.core.context import via
from vafa.core.errors import VafaError
from vafa.desk import case_forms as cf
from vafa.desk.access import desk_user, desk_view, is_htmx
from vafa.desk.forms import DeskForm
from vafa.desk.views import case as case_views
from vafa.service.models import Case, CaseStatus
from vafa.service.selectors import case_workspace_get

MAX_DB_INT = 2**63 - 1
PICKER_LIMIT = 50


def _case(request: HttpRequest, number: int) -> Case:
    if number > MAX_DB_INT:
        raise Http404
    return case_workspace_get(viewer=desk_user(request), number=number)


def _picker_rows(macros: list[Macro], case: Case) -> list[dict[str, Any]]:
    rows = []
    for macro in macros:
        texts = {text.language: text.body for text in macro.texts.all()}
        chosen = text_choose(texts, case)
        rows.append(
            {
                "macro": macro,
                "languages": sorted(texts),
                "preview": chosen[1][:120] if chosen else "",
                "preview_language": chosen[0] if chosen else "",
            }
        )
    return rows


@desk_view
@require_GET
def case_macros(request: HttpRequest, number: int) -> HttpResponse:
    """The macros the agent may use on this case, narrowed by `q`: a fragment for the picker, or a page."""
    case = _case(request, number)
    query = request.GET.get("q", "")[:100]
    macros = list(macro_list(viewer=desk_user(request), query=query)[:PICKER_LIMIT])
    context = {"case": case, "rows": _picker_rows(macros, case), "query": query, "nav": "inbox"}
    if is_htmx(request):
        template = "desk/macros/_items.html" if request.GET.get("list") == "1" else "desk/macros/_picker.html"
        return render(request, template, context)
    return render(request, "desk/macros/case_macros.html", context)


@desk_view
@require_POST
def case_macro_apply(request: HttpRequest, number: int, macro_id: int) -> HttpResponse:
    """Apply a macro: its changes to the case, its text into the reply box."""
    if macro_id > MAX_DB_INT:
        raise Http404
    case = _case(request, number)
    actor = desk_user(request)
    macro = macro_get(viewer=actor, macro_id=macro_id)
    typed = request.POST.get("reply-body", "")
    try:
        with via("web"):
            used = macro_use(actor=actor, macro=macro, case=case)
    except VafaError as exc:
        result: dict[str, Any] = {"macro": macro, "error": str(exc.message)}
        fresh: Case | None = case
        body = typed
    else:
        result = {"macro": macro, "used": used, "language_name": _language_name(used.language)}
        fresh = case_views._reload_or_leave(request, number)
        body = f"{typed.rstrip()}\n\n{used.text}" if typed.strip() else used.text
    if fresh is None:
        return case_views._gone(request, case)
    reply_form = cf.ReplyForm(
        prefix="reply",
        initial={"mode": "note" if fresh.status == CaseStatus.CLOSED else "reply", "body": body},
    )
    response = case_views._render_page(request, fresh, reply_form=reply_form, macro_result=result)
    if is_htmx(request) and "used" in result:
        # The stream shows the changes; case.js puts the text where the agent's cursor is.
        response["HX-Trigger-After-Swap"] = json.dumps({"case-changed": None, "macro-inserted": None})
    return response


def _language_name(code: str) -> str:
    return str(dict(settings.LANGUAGES).get(code, code))


# --- the agents' own canned replies ---------------------------------------------------------------


class MacroForm(DeskForm):
    """A canned reply: a name and its text in each language the agent writes it in."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=150)

    def __init__(self, *args: Any, manager: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, name in settings.LANGUAGES:
            self.fields[f"text_{code}"] = forms.CharField(
                label=_("Text in %(language)s") % {"language": name},
                required=False,
                max_length=10_000,
                widget=forms.Textarea(attrs={"rows": 4, "dir": "auto", "class": "form-control"}),
            )
        choices = [("own", _("Only me"))]
        if manager:
            choices.append(("shared", _("Everyone")))
            choices += [
                (f"team:{team.pk}", _("Team %(name)s") % {"name": team.name}) for team in Team.objects.all()
            ]
        if manager:
            self.fields["scope"] = forms.ChoiceField(
                label=gettext_lazy("Who can use it"),
                choices=choices,
                widget=forms.Select(attrs={"class": "form-select"}),
            )

    def texts(self) -> dict[str, str]:
        return {code: self.cleaned_data.get(f"text_{code}", "") for code, _name in settings.LANGUAGES}

    def text_fields(self) -> list[forms.BoundField]:
        return [self[f"text_{code}"] for code, _name in settings.LANGUAGES]


def _apply_error(form: MacroForm, exc: VafaError) -> None:
    fields = exc.fields or {}
    placed = False
    for key, problems in fields.items():
        target = "name" if key == "name" else None
        for problem in problems if isinstance(problems, list) else [problems]:
            form.add_error(target, str(problem))
            placed = True
    if not placed:
        form.add_error(None, str(exc.message))


def _is_manager(request: HttpRequest) -> bool:
    return desk_user(request).role in (Role.ADMIN, Role.MANAGER)


@desk_view
@require_http_methods(["GET", "POST"])
def macro_page(request: HttpRequest) -> HttpResponse:
    """The macros the agent may change, and a form to add one."""
    actor = desk_user(request)
    manager = _is_manager(request)
    form = MacroForm(request.POST if request.method == "POST" else None, manager=manager, prefix="macro")
    if request.method == "POST" and form.is_valid():
        scope = form.cleaned_data.get("scope") or "own"
        team = None
        if scope.startswith("team:"):
            team = Team.objects.filter(pk=int(scope[5:])).first() if scope[5:].isdigit() else None
        try:
            with via("web"):
                macro = macro_create(
                    actor=actor,
                    name=form.cleaned_data["name"],
                    texts=form.texts(),
                    owner=actor if scope == "own" else None,
                    team=team,
                )
        except VafaError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("“%(name)s” was added.") % {"name": macro.name})
            return HttpResponseRedirect(reverse("desk:macros"))
    macros = list(macro_list_editable(viewer=actor).order_by("name", "id"))
    return render(
        request,
        "desk/macros/list.html",
        {"nav": "macros", "macros": macros, "form": form, "placeholders": placeholders_help()},
        status=422 if form.errors else 200,
    )


@desk_view
@require_http_methods(["GET", "POST"])
def macro_edit(request: HttpRequest, macro_id: int) -> HttpResponse:
    """Change one of the agent's macros (a manager: also the shared ones)."""
    if macro_id > MAX_DB_INT:
        raise Http404
    actor = desk_user(request)
    macro = macro_get_editable(viewer=actor, macro_id=macro_id)
    initial = {"name": macro.name, **{f"text_{t.language}": t.body for t in macro.texts.all()}}
    form = MacroForm(
        request.POST if request.method == "POST" else None, manager=False, prefix="macro", initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            with via("web"):
                macro_update(actor=actor, macro=macro, name=form.cleaned_data["name"], texts=form.texts())
        except VafaError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("“%(name)s” was saved.") % {"name": form.cleaned_data["name"]})
            return HttpResponseRedirect(reverse("desk:macros"))
    return render(
        request,
        "desk/macros/edit.html",
        {"nav": "macros", "macro": macro, "form": form, "placeholders": placeholders_help()},
        status=422 if form.errors else 200,
    )


@desk_view
@require_POST
def macro_remove(request: HttpRequest, macro_id: int) -> HttpResponse:
    """Delete one of the agent's macros."""
    if macro_id > MAX_DB_INT:
        raise Http404
    actor = desk_user(request)
    macro = macro_get_editable(viewer=actor, macro_id=macro_id)
    name = macro.name
    try:
        with via("web"):
            macro_delete(actor=actor, macro=macro)
    except VafaError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("“%(name)s” was deleted.") % {"name": name})
    return HttpResponseRedirect(reverse("desk:macros"))


urlpatterns = [
    path("cases/<int:number>/macros/", case_macros, name="case_macros"),
    path("cases/<int:number>/macros/<int:macro_id>/apply/", case_macro_apply, name="case_macro_apply"),
    path("macros/", macro_page, name="macros"),
    path("macros/<int:macro_id>/", macro_edit, name="macro_edit"),
    path("macros/<int:macro_id>/delete/", macro_remove, name="macro_delete"),
]
