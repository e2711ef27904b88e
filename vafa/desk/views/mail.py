"""The desk's mail pages (admins and managers): the e-mail log and quarantine, one e-mail with its
actions and original, the block list — and, for every agent who may see the case, the original of a
message that came by e-mail.

Every action is a plain form POST that calls one service of `vafa.channels.services` and redirects
back with a message; a refused action shows the service's message and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vafa.channels import services as channels
from vafa.channels.models import InboundMail
from vafa.core.context import via
from vafa.core.errors import VafaError
from vafa.core.keyset import KeysetPage
from vafa.desk import mail as rm
from vafa.desk.access import desk_user, desk_view, manager_view
from vafa.desk.forms import DeskForm
from vafa.service.selectors import case_get_by_number

MAX_DB_INT = 2**63 - 1


class BlockForm(DeskForm):
    """Put an address or @domain on the block list."""

    pattern = forms.CharField(
        label=gettext_lazy("Address or @domain"),
        max_length=254,
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}),
        help_text=gettext_lazy("An e-mail address, or a whole domain written as @example.com."),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200, required=False)


class BlockSenderForm(forms.Form):
    """Block the sender of one e-mail: the address itself or its whole domain."""

    SCOPES = (("address", gettext_lazy("This address")), ("domain", gettext_lazy("The whole domain")))

    scope = forms.ChoiceField(label=gettext_lazy("Block"), choices=SCOPES, initial="address")
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200, required=False)


def _page_links(request: HttpRequest, page: KeysetPage[Any]) -> dict[str, str | None]:
    """The addresses of the pages before and after `page`, keeping the other parameters."""

    def link(direction: str, cursor: str | None) -> str | None:
        if not cursor:
            return None
        query = request.GET.copy()
        query.pop("after", None)
        query.pop("before", None)
        query[direction] = cursor
        return f"?{query.urlencode()}"

    return {"previous": link("before", page.previous), "next": link("after", page.next)}


def _detail_url(inbound_id: int) -> str:
    return reverse("desk:mail_detail", args=[inbound_id])


# --- the log and one e-mail -----------------------------------------------------------------------


@manager_view
@require_GET
def mail_log(request: HttpRequest) -> HttpResponse:
    """The e-mail log: tabs by state with their counts, filters, newest first, keyset pages."""
    filters = rm.MailFilters.from_params(request.GET)
    log = rm.mail_log(
        filters=filters, after=request.GET.get("after") or None, before=request.GET.get("before") or None
    )
    return render(
        request,
        "desk/mail/log.html",
        {"nav": "mail", "log": log, "links": _page_links(request, log.page)},
    )


@manager_view
@require_GET
def mail_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One e-mail: state, envelope, headers, body, parts, its case, and the quarantine's actions."""
    detail = rm.mail_detail(inbound_id=pk)
    return render(request, "desk/mail/detail.html", {"nav": "mail", "mail": detail})


def _original_response(inbound: InboundMail) -> HttpResponse:
    try:
        raw = channels.inbound_raw(inbound)
    except (OSError, ValueError) as exc:
        raise Http404 from exc
    response = HttpResponse(raw, content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="{inbound.pk}.eml"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@manager_view
@require_GET
def mail_original(request: HttpRequest, pk: int) -> HttpResponse:
    """Download the e-mail exactly as it arrived."""
    return _original_response(rm.mail_get(inbound_id=pk))


ACTIONS = {
    "reprocess": (channels.inbound_reprocess, gettext_lazy("Queued for processing.")),
    "release": (channels.inbound_release, gettext_lazy("Released. Queued for processing.")),
    "dismiss": (channels.inbound_dismiss, gettext_lazy("The e-mail was dismissed.")),
}


@manager_view
@require_POST
def mail_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Process again, release or dismiss a quarantined e-mail."""
    if action not in ACTIONS:
        raise Http404
    service, done = ACTIONS[action]
    inbound = rm.mail_get(inbound_id=pk)
    try:
        with via("web"):
            service(actor=desk_user(request), inbound=inbound)
    except VafaError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, str(done))
    return HttpResponseRedirect(_detail_url(inbound.pk))


@manager_view
@require_POST
def mail_block_sender(request: HttpRequest, pk: int) -> HttpResponse:
    """Put the sender of this e-mail (the address or its domain) on the block list."""
    inbound = rm.mail_get(inbound_id=pk)
    form = BlockSenderForm(request.POST, prefix="block")
    if not form.is_valid():
        messages.error(request, _("Choose the address or the domain to block."))
        return HttpResponseRedirect(_detail_url(inbound.pk))
    address = inbound.from_address
    pattern = address
    if form.cleaned_data["scope"] == "domain" and "@" in address:
        pattern = "@" + address.rpartition("@")[2]
    try:
        with via("web"):
            blocked = channels.sender_block(
                actor=desk_user(request), pattern=pattern, reason=form.cleaned_data["reason"]
            )
    except VafaError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("%(pattern)s is now blocked.") % {"pattern": blocked.pattern})
    return HttpResponseRedirect(_detail_url(inbound.pk))


# --- the block list -------------------------------------------------------------------------------


@manager_view
@require_http_methods(["GET", "POST"])
def blocked_list(request: HttpRequest) -> HttpResponse:
    """The block list; POST adds an address or @domain."""
    form = BlockForm(request.POST if request.method == "POST" else None, prefix="add")
    if request.method == "POST" and form.is_valid():
        try:
            with via("web"):
                blocked = channels.sender_block(
                    actor=desk_user(request),
                    pattern=form.cleaned_data["pattern"],
                    reason=form.cleaned_data["reason"],
                )
        except VafaError as exc:
            form.add_error("pattern", str(exc.message))
        else:
            messages.success(request, _("%(pattern)s is now blocked.") % {"pattern": blocked.pattern})
            return HttpResponseRedirect(reverse("desk:mail_blocked"))
    page = rm.blocked_list(after=request.GET.get("after") or None, before=request.GET.get("before") or None)
    return render(
        request,
        "desk/mail/blocked.html",
        {"nav": "mail", "page": page, "links": _page_links(request, page), "form": form},
        status=422 if form.errors else 200,
    )


@manager_view
@require_POST
def blocked_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Take an entry off the block list."""
    blocked = rm.blocked_get(blocked_id=pk)
    try:
        with via("web"):
            channels.sender_unblock(actor=desk_user(request), blocked=blocked)
    except VafaError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("%(pattern)s is no longer blocked.") % {"pattern": blocked.pattern})
    return HttpResponseRedirect(reverse("desk:mail_blocked"))


# --- a case's message -----------------------------------------------------------------------------


@desk_view
@require_GET
def case_message_original(request: HttpRequest, number: int, message_id: int) -> HttpResponse:
    """Download the e-mail a message of the case came from, to anyone who may see the case."""
    if number > MAX_DB_INT or message_id > MAX_DB_INT:
        raise Http404
    case = case_get_by_number(viewer=desk_user(request), number=number)
    inbound = InboundMail.objects.filter(message_id=message_id, message__case=case).order_by("id").first()
    if inbound is None:
        raise Http404
    return _original_response(inbound)


urlpatterns = [
    path("mail/", mail_log, name="mail"),
    path("mail/blocked/", blocked_list, name="mail_blocked"),
    path("mail/blocked/<int:pk>/remove/", blocked_remove, name="mail_blocked_remove"),
    path("mail/<int:pk>/", mail_detail, name="mail_detail"),
    path("mail/<int:pk>/original/", mail_original, name="mail_original"),
    path("mail/<int:pk>/block/", mail_block_sender, name="mail_block_sender"),
    path("mail/<int:pk>/<slug:action>/", mail_action, name="mail_action"),
    path(
        "cases/<int:number>/messages/<int:message_id>/original/",
        case_message_original,
        name="case_message_original",
    ),
]
