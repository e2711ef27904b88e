"""The case workspace: header with in-place edits, the conversation and timeline, the reply box,
merge, the customer 360 side panel and the collision notice.

Every action is a plain form POST that also works through htmx: with htmx the answer is the
fragment that changed, without it a redirect back to the page (or the page with the errors).
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    QueryDict,
    UnreadablePostError,
)
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vafa.core.context import via
from vafa.core.errors import NotFound, VafaError, ValidationFailed
from vafa.desk import case_forms as cf
from vafa.desk.access import desk_user, desk_view, is_htmx
from vafa.desk.conversation import stream_entries
from vafa.desk.customer360 import customer_360
from vafa.desk.presence import presence_leave, presence_others, presence_touch
from vafa.desk.views.knowledge import reply_html_with_article_links
from vafa.sales.selectors import unit_list, unit_warranty_status
from vafa.service import services
from vafa.service.models import Case, CaseStatus
from vafa.service.selectors import (
    StreamCursor,
    attachment_get,
    case_activity_since,
    case_assignment_choices,
    case_conversation_page,
    case_get_by_number,
    case_neighbours,
    case_workspace_get,
)

STREAM_PAGE_SIZE = 30
MAX_DB_INT = 2**63 - 1
UNIT_CHOICES_LIMIT = 500
# Served as their own type when downloaded; anything else is application/octet-stream.
INLINE_SAFE_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"}
)


# --- loading --------------------------------------------------------------------------------------


def _case(request: HttpRequest, number: int) -> Case:
    if number > MAX_DB_INT:
        raise Http404
    return case_workspace_get(viewer=desk_user(request), number=number)


def _case_url(case: Case, anchor: str = "") -> str:
    url = reverse("desk:case", args=[case.number])
    return f"{url}#{anchor}" if anchor else url


def _status_choices(case: Case) -> list[tuple[str, str]]:
    allowed = services.TRANSITIONS.get(case.status, frozenset())
    return [
        (status.value, str(status.label))
        for status in CaseStatus
        if status in allowed and status not in (CaseStatus.RESOLVED, CaseStatus.CLOSED)
    ]


def _edit_form(request: HttpRequest, case: Case, name: str, data: QueryDict | None = None) -> Any:
    """The small form for editing `name` in place, bound to `data` when posted."""
    if name == "subject":
        return cf.SubjectForm(data, initial={"subject": case.subject}, prefix="edit")
    if name == "kind":
        return cf.KindForm(data, initial={"kind": case.kind}, prefix="edit")
    if name == "priority":
        return cf.PriorityForm(data, initial={"priority": case.priority}, prefix="edit")
    if name == "status":
        return cf.StatusForm(data, choices=_status_choices(case), prefix="edit")
    if name in ("team", "assignee"):
        teams, users = case_assignment_choices()
        return cf.AssignmentForm(
            data,
            teams=teams,
            users=users,
            initial={"team": case.team_id or "", "assignee": case.assignee_id or ""},
            prefix="edit",
        )
    if name == "unit":
        units = (
            unit_list(viewer=desk_user(request))
            .filter(owner_id=case.customer_id)
            .select_related(None)
            .select_related("product")
            .order_by("-created_at", "-id")[:UNIT_CHOICES_LIMIT]
        )
        return cf.UnitForm(data, units=units, initial={"unit": case.unit_id or ""}, prefix="edit")
    if name == "tags":
        return cf.TagsForm(data, prefix="edit")
    raise Http404


def _header_context(
    request: HttpRequest, case: Case, *, editing: str = "", form: Any = None
) -> dict[str, Any]:
    if editing and editing not in cf.EDITABLE_FIELDS:
        editing = ""
    if editing and form is None:
        form = _edit_form(request, case, editing)
    previous, following = case_neighbours(viewer=desk_user(request), case=case)
    allowed = services.TRANSITIONS.get(case.status, frozenset())
    return {
        "case": case,
        "editing": editing,
        "form": form,
        "tags": list(case.tags.all()),
        "unit_warranty": unit_warranty_status(case.unit) if case.unit is not None else None,
        "can_resolve": CaseStatus.RESOLVED in allowed,
        "can_close": CaseStatus.CLOSED in allowed,
        "can_reopen": case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED),
        "is_merged": case.merged_into_id is not None,
        "merged_reference": f"{settings.VAFA_CASE_PREFIX}{getattr(case, 'merged_into_number', '')}"
        if case.merged_into_id is not None
        else "",
        "customer_url": reverse("desk:customer", args=[case.customer_id]),
        "is_mine": case.assignee_id == desk_user(request).pk,
        "previous_case": previous,
        "next_case": following,
    }


def _page_context(request: HttpRequest, case: Case, **extra: Any) -> dict[str, Any]:
    page = case_conversation_page(viewer=desk_user(request), case=case, limit=STREAM_PAGE_SIZE)
    context = {
        "nav": "inbox",
        **_header_context(request, case, editing=extra.pop("editing", ""), form=extra.pop("form", None)),
        "entries": stream_entries(page, customer_name=case.customer.name),
        "earlier": page.earlier.encode() if page.earlier is not None else "",
        "c360": customer_360(viewer=desk_user(request), customer=case.customer, exclude_case=case),
        "others": presence_others(case=case, user=desk_user(request)),
        "reply_form": extra.pop("reply_form", None)
        or cf.ReplyForm(
            prefix="reply", initial={"mode": "note" if case.status == CaseStatus.CLOSED else "reply"}
        ),
        "merge_form": extra.pop("merge_form", None) or cf.MergeForm(prefix="merge"),
        "merge_target": extra.pop("merge_target", None),
        "attachment_max_count": settings.VAFA_ATTACHMENT_MAX_COUNT,
        "attachment_max_mb": settings.VAFA_ATTACHMENT_MAX_BYTES // (1024 * 1024),
    }
    context.update(extra)
    return context


def _render_page(request: HttpRequest, case: Case, *, status: int = 200, **extra: Any) -> HttpResponse:
    return render(request, "desk/case/page.html", _page_context(request, case, **extra), status=status)


def _reload_or_leave(request: HttpRequest, number: int) -> Case | None:
    """The case again after a change, or None when the change took it out of the viewer's scope."""
    try:
        return _case(request, number)
    except NotFound:
        return None


def _gone(request: HttpRequest, case: Case) -> HttpResponse:
    """Answer a change after which the viewer may no longer see the case: back to the inbox."""
    messages.info(
        request,
        _("%(reference)s moved out of your queues.") % {"reference": case.reference},
    )
    inbox = reverse("desk:inbox")
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = inbox
        return response
    return HttpResponseRedirect(inbox)


# --- the page -------------------------------------------------------------------------------------


@desk_view
@require_GET
def case_page(request: HttpRequest, number: int) -> HttpResponse:
    case = _case(request, number)
    return _render_page(request, case, editing=request.GET.get("edit", ""))


@desk_view
@require_GET
def case_header(request: HttpRequest, number: int) -> HttpResponse:
    """The header alone (htmx: cancelling an edit)."""
    case = _case(request, number)
    if not is_htmx(request):
        return HttpResponseRedirect(_case_url(case))
    return render(request, "desk/case/_header.html", _header_context(request, case))


@desk_view
@require_http_methods(["GET", "POST"])
def case_field(request: HttpRequest, number: int, name: str) -> HttpResponse:
    """Edit one header field in place: GET shows its small form, POST saves it."""
    if name not in cf.EDITABLE_FIELDS:
        raise Http404
    case = _case(request, number)
    if request.method == "GET":
        if not is_htmx(request):
            return HttpResponseRedirect(
                reverse("desk:case", args=[number]) + "?edit=" + name + "#case-header"
            )
        return render(request, "desk/case/_header.html", _header_context(request, case, editing=name))
    form = _edit_form(request, case, name, request.POST)
    assign_to_me = name == "assignee" and request.POST.get("assign_to_me") == "1"
    if assign_to_me or form.is_valid():
        try:
            with via("web"):
                _save_field(request, case, name, form, assign_to_me=assign_to_me)
        except VafaError as exc:
            if assign_to_me:
                # Show the refusal on the assignment form, filled in with the case as it is.
                current = QueryDict(mutable=True)
                current.update(
                    {"edit-team": str(case.team_id or ""), "edit-assignee": str(case.assignee_id or "")}
                )
                form = _edit_form(request, case, name, current)
                form.is_valid()
            cf.apply_error(form, exc)
        else:
            fresh = _reload_or_leave(request, number)
            if fresh is None:
                return _gone(request, case)
            if not is_htmx(request):
                return HttpResponseRedirect(_case_url(fresh, "case-header"))
            response = render(request, "desk/case/_header.html", _header_context(request, fresh))
            response["HX-Trigger"] = "case-changed"
            return response
    if not is_htmx(request):
        return _render_page(request, case, editing=name, form=form)
    return render(request, "desk/case/_header.html", _header_context(request, case, editing=name, form=form))


def _save_field(request: HttpRequest, case: Case, name: str, form: Any, *, assign_to_me: bool) -> None:
    actor = desk_user(request)
    if assign_to_me:
        services.case_assign(actor=actor, case=case, assignee=actor)
        return
    data = form.cleaned_data
    if name == "subject":
        services.case_update(actor=actor, case=case, subject=data["subject"])
    elif name == "kind":
        services.case_update(actor=actor, case=case, kind=data["kind"])
    elif name == "priority":
        services.case_set_priority(actor=actor, case=case, priority=data["priority"])
    elif name == "status":
        action = data["do"]
        if action == "resolve":
            services.case_resolve(actor=actor, case=case, summary=data["summary"])
        elif action == "close":
            services.case_close(actor=actor, case=case)
        elif action == "reopen":
            services.case_reopen(actor=actor, case=case, reason=data["summary"])
        else:
            services.case_set_status(actor=actor, case=case, status=data["status"])
    elif name in ("team", "assignee"):
        services.case_assign(actor=actor, case=case, team=data["team_obj"], assignee=data["assignee_obj"])
    elif name == "unit":
        services.case_link_unit(actor=actor, case=case, unit=data["unit_obj"])
    elif name == "tags":
        if data.get("remove"):
            services.case_untag(actor=actor, case=case, name=data["remove"])
        if data["names"]:
            services.case_tag(actor=actor, case=case, names=data["names"])


# --- conversation ---------------------------------------------------------------------------------


def _post_data(request: HttpRequest) -> tuple[QueryDict, list[Any]] | None:
    """The posted fields and files, or None when the upload arrived broken."""
    try:
        return request.POST, request.FILES.getlist("reply-attachments")
    except (MultiPartParserError, UnreadablePostError):
        return None


@desk_view
@require_POST
def case_reply(request: HttpRequest, number: int) -> HttpResponse:
    """Send a public reply or add an internal note, with files; optionally set the status or resolve."""
    case = _case(request, number)
    posted = _post_data(request)
    if posted is None:
        form = cf.ReplyForm(QueryDict("reply-mode=reply"), prefix="reply")
        form.is_valid()
        form.add_error(None, _("The upload did not arrive whole. Nothing was sent; please try again."))
        return _render_page(request, case, reply_form=form)
    data, files = posted
    form = cf.ReplyForm(data, prefix="reply")
    if form.is_valid():
        fields = form.cleaned_data
        try:
            attachments = cf.read_uploads(files)
            with via("web"):
                if fields["mode"] == "note":
                    message = services.case_note(
                        actor=desk_user(request), case=case, body=fields["body"], attachments=attachments
                    )
                else:
                    message = services.case_reply(
                        actor=desk_user(request),
                        case=case,
                        body=fields["body"],
                        # Help-centre article addresses ("Insert link") are sent as links.
                        body_html=reply_html_with_article_links(fields["body"]),
                        attachments=attachments,
                        status=fields["status"] or None,
                        resolve=fields["resolve"],
                        resolution_summary=fields["resolution_summary"],
                    )
        except VafaError as exc:
            _reply_error(form, exc)
        else:
            if fields["mode"] == "note":
                messages.success(request, _("Internal note added."))
            else:
                messages.success(request, _("Reply sent."))
            fresh = _reload_or_leave(request, number)
            if fresh is None:
                return _gone(request, case)
            return HttpResponseRedirect(_case_url(fresh, f"message-{message.pk}"))
    return _render_page(request, case, reply_form=form)


def _reply_error(form: cf.ReplyForm, exc: VafaError) -> None:
    fields = dict(exc.fields or {})
    if "attachments" in fields:
        # The files field is drawn by hand; its errors go above the form with the service's message.
        form.add_error(None, str(exc.message))
        return
    if "body" in fields and isinstance(exc, ValidationFailed):
        form.add_error("body", str(exc.message))
        return
    cf.apply_error(form, exc)


@desk_view
@require_GET
def case_conversation(request: HttpRequest, number: int) -> HttpResponse:
    """A page of the stream: the newest items, or the ones before `before` ("Show earlier")."""
    case = _case(request, number)
    raw = request.GET.get("before", "")
    try:
        before = StreamCursor.decode(raw) if raw else None
    except ValidationFailed as exc:
        return HttpResponseBadRequest(str(exc.message))
    page = case_conversation_page(viewer=desk_user(request), case=case, before=before, limit=STREAM_PAGE_SIZE)
    context = {
        "case": case,
        "entries": stream_entries(page, customer_name=case.customer.name),
        "earlier": page.earlier.encode() if page.earlier is not None else "",
        "nav": "inbox",
    }
    if is_htmx(request):
        return render(request, "desk/case/_stream.html", context)
    return render(request, "desk/case/conversation.html", context)


@desk_view
@require_GET
def case_attachment(request: HttpRequest, number: int, attachment_id: int) -> HttpResponse:
    """Download a file of the case, to viewers who may see the case, never shown inline."""
    if number > MAX_DB_INT or attachment_id > MAX_DB_INT:
        raise Http404
    case = case_get_by_number(viewer=desk_user(request), number=number)
    attachment = attachment_get(viewer=desk_user(request), case=case, attachment_id=attachment_id)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    content_type = attachment.content_type if attachment.content_type in INLINE_SAFE_TYPES else None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.filename,
        content_type=content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return cast(HttpResponse, response)  # streamed; the view decorators only pass it through


# --- merge ----------------------------------------------------------------------------------------


@desk_view
@require_POST
def case_merge(request: HttpRequest, number: int) -> HttpResponse:
    """Merge this case into another: the first post asks to confirm, the second merges."""
    case = _case(request, number)
    form = cf.MergeForm(request.POST, prefix="merge")
    target: Case | None = None
    if form.is_valid():
        target_number = form.cleaned_data["target"]
        try:
            target = case_get_by_number(viewer=desk_user(request), number=target_number)
        except NotFound:
            form.add_error(
                "target",
                _("There is no case %(reference)s that you can see.")
                % {"reference": f"{settings.VAFA_CASE_PREFIX}{target_number}"},
            )
        else:
            if form.cleaned_data["confirm"]:
                try:
                    with via("web"):
                        merged = services.case_merge(actor=desk_user(request), source=case, target=target)
                except VafaError as exc:
                    form.add_error("target", str(exc.message))
                    target = None
                else:
                    messages.success(
                        request,
                        _("%(source)s was merged into %(target)s.")
                        % {"source": case.reference, "target": merged.reference},
                    )
                    url = _case_url(merged)
                    if is_htmx(request):
                        response = HttpResponse(status=204)
                        response["HX-Redirect"] = url
                        return response
                    return HttpResponseRedirect(url)
            elif target.pk == case.pk:
                form.add_error("target", _("A case cannot be merged into itself."))
                target = None
    context = {"case": case, "merge_form": form, "merge_target": target}
    if is_htmx(request):
        return render(request, "desk/case/_merge.html", context)
    return _render_page(request, case, merge_form=form, merge_target=target)


# --- presence -------------------------------------------------------------------------------------


@desk_view
@require_POST
def case_presence(request: HttpRequest, number: int) -> HttpResponse:
    """Record that the agent has the case open (typing or not); answer who else has, and news."""
    if number > MAX_DB_INT:
        raise Http404
    case = case_get_by_number(viewer=desk_user(request), number=number)
    if request.POST.get("leave") == "1":
        presence_leave(user=desk_user(request), case=case)
        return HttpResponse(status=204)
    presence_touch(user=desk_user(request), case=case, typing=request.POST.get("typing") == "1")
    since = request.POST.get("since", "")
    news = False
    if since.isdigit() and len(since) <= 18:
        news = case_activity_since(case=case, event_id=int(since), viewer=desk_user(request))
    context = {"case": case, "others": presence_others(case=case, user=desk_user(request)), "news": news}
    return render(request, "desk/case/_presence.html", context)


urlpatterns = [
    path("cases/<int:number>/", case_page, name="case"),
    path("cases/<int:number>/header/", case_header, name="case_header"),
    path("cases/<int:number>/field/<slug:name>/", case_field, name="case_field"),
    path("cases/<int:number>/reply/", case_reply, name="case_reply"),
    path("cases/<int:number>/merge/", case_merge, name="case_merge"),
    path("cases/<int:number>/conversation/", case_conversation, name="case_conversation"),
    path("cases/<int:number>/presence/", case_presence, name="case_presence"),
    path(
        "cases/<int:number>/attachments/<int:attachment_id>/",
        case_attachment,
        name="case_attachment",
    ),
]
