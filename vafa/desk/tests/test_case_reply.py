"""The reply box: public replies, internal notes, files, and what happens to the case on send."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from vafa.service import services
from vafa.service.models import Attachment, Case, Message
from vafa.service.selectors import message_list
from vafa.service.tests.factories import make_case

pytestmark = pytest.mark.django_db


def _reply(client, case: Case, **fields):
    data = {"reply-mode": "reply", "reply-body": "", "reply-status": "", **fields}
    return client.post(f"/desk/cases/{case.number}/reply/", data)


def _messages(case: Case) -> list[Message]:
    return list(Message.objects.filter(case=case).order_by("id"))


def test_public_reply_is_sent_and_the_page_comes_back_on_it(desk_as, agent, team, customer, customer_user):
    case = make_case(customer, team=team)

    response = _reply(desk_as(agent), case, **{"reply-body": "We will send a new charger."})

    message = _messages(case)[-1]
    assert response.status_code == 302
    assert response["Location"] == f"/desk/cases/{case.number}/#message-{message.pk}"
    assert (message.body_text, message.is_internal, message.author_user) == (
        "We will send a new charger.",
        False,
        agent,
    )
    assert message in message_list(viewer=customer_user, case=case)
    assert Case.objects.get(pk=case.pk).status == "open"


def test_reply_success_is_announced(desk_as, agent, team, customer):
    case = make_case(customer, team=team)
    client = desk_as(agent)

    response = _reply(client, case, **{"reply-body": "Done."})
    page = client.get(response["Location"]).content.decode()

    assert "Reply sent." in page


def test_internal_note_stays_with_the_staff(desk_as, agent, team, customer, customer_user):
    case = make_case(customer, team=team)

    _reply(desk_as(agent), case, **{"reply-mode": "note", "reply-body": "Customer sounds upset."})

    note = _messages(case)[-1]
    assert (note.body_text, note.is_internal) == ("Customer sounds upset.", True)
    assert note not in message_list(viewer=customer_user, case=case)
    assert note in message_list(viewer=agent, case=case)
    assert Case.objects.get(pk=case.pk).first_response_at is None


def test_note_ignores_the_reply_only_options(desk_as, agent, team, customer):
    case = make_case(customer, team=team)

    _reply(
        desk_as(agent),
        case,
        **{
            "reply-mode": "note",
            "reply-body": "Just a note",
            "reply-status": "pending_customer",
            "reply-resolve": "on",
        },
    )

    assert Case.objects.get(pk=case.pk).status == "new"


def test_empty_reply_is_refused_and_nothing_is_saved(desk_as, agent, team, customer):
    case = make_case(customer, team=team)

    response = _reply(desk_as(agent), case, **{"reply-body": "   "})

    html = response.content.decode()
    assert response.status_code == 200
    assert '<div class="invalid-feedback d-block" id="case-body-error">Write a message.</div>' in html
    assert len(_messages(case)) == 1


def test_send_and_set_pending_customer(desk_as, agent, team, customer):
    case = make_case(customer, team=team)

    _reply(
        desk_as(agent), case, **{"reply-body": "Could you send a photo?", "reply-status": "pending_customer"}
    )

    assert Case.objects.get(pk=case.pk).status == "pending_customer"


def test_resolve_on_send(desk_as, agent, team, customer):
    case = make_case(customer, team=team)

    _reply(
        desk_as(agent),
        case,
        **{"reply-body": "Fixed.", "reply-resolve": "on", "reply-resolution_summary": "Firmware update."},
    )

    case = Case.objects.get(pk=case.pk)
    assert (case.status, case.resolution_summary) == ("resolved", "Firmware update.")
    assert _messages(case)[-1].body_text == "Fixed."


def test_unknown_status_on_send_is_refused(desk_as, agent, team, customer):
    case = make_case(customer, team=team)

    response = _reply(desk_as(agent), case, **{"reply-body": "Hi", "reply-status": "closed"})

    assert "Select a valid choice." in response.content.decode()
    assert len(_messages(case)) == 1


def test_reply_on_a_closed_case_is_refused_with_the_rule(desk_as, agent, team, customer):
    case = make_case(customer, team=team)
    services.case_resolve(actor=agent, case=case)
    services.case_close(actor=agent, case=case)

    response = _reply(desk_as(agent), case, **{"reply-body": "Hello again"})

    assert "This case is closed; reopen it first." in response.content.decode()
    assert len(_messages(case)) == 1


def test_typed_text_survives_a_refusal(desk_as, agent, team, customer, settings):
    settings.VAFA_ATTACHMENT_MAX_BYTES = 10
    case = make_case(customer, team=team)

    response = desk_as(agent).post(
        f"/desk/cases/{case.number}/reply/",
        {
            "reply-mode": "reply",
            "reply-body": "A long answer I do not want to type again",
            "reply-attachments": SimpleUploadedFile("big.pdf", b"x" * 11, content_type="application/pdf"),
        },
    )

    assert "A long answer I do not want to type again</textarea>" in response.content.decode()


# --- files ----------------------------------------------------------------------------------------


def test_files_are_attached_to_the_reply(desk_as, agent, team, customer):
    case = make_case(customer, team=team)

    desk_as(agent).post(
        f"/desk/cases/{case.number}/reply/",
        {
            "reply-mode": "reply",
            "reply-body": "Here is the manual.",
            "reply-attachments": [
                SimpleUploadedFile("manual.pdf", b"%PDF-1.4 manual", content_type="application/pdf"),
                SimpleUploadedFile("photo.png", b"\x89PNG photo", content_type="image/png"),
            ],
        },
    )

    files = list(Attachment.objects.filter(message=_messages(case)[-1]).order_by("filename"))
    assert [(f.filename, f.content_type, f.size) for f in files] == [
        ("manual.pdf", "application/pdf", 15),
        ("photo.png", "image/png", 10),
    ]


def test_too_big_file_is_refused_before_anything_is_saved(desk_as, agent, team, customer, settings):
    settings.VAFA_ATTACHMENT_MAX_BYTES = 1024 * 1024
    case = make_case(customer, team=team)

    response = desk_as(agent).post(
        f"/desk/cases/{case.number}/reply/",
        {
            "reply-mode": "reply",
            "reply-body": "See attached",
            "reply-attachments": SimpleUploadedFile(
                "video.mp4", b"x" * (1024 * 1024 + 1), content_type="video/mp4"
            ),
        },
    )

    assert response.status_code == 200
    assert "video.mp4 is larger than 1 MB." in response.content.decode()
    assert len(_messages(case)) == 1
    assert Attachment.objects.count() == 0


def test_program_file_is_refused(desk_as, agent, team, customer):
    case = make_case(customer, team=team)

    response = desk_as(agent).post(
        f"/desk/cases/{case.number}/reply/",
        {
            "reply-mode": "note",
            "reply-body": "Tool for the customer",
            "reply-attachments": SimpleUploadedFile(
                "fix.exe", b"MZ...", content_type="application/octet-stream"
            ),
        },
    )

    assert "Files of this type cannot be attached: fix.exe" in response.content.decode()
    assert len(_messages(case)) == 1


def test_too_many_files_are_refused(desk_as, agent, team, customer, settings):
    settings.VAFA_ATTACHMENT_MAX_COUNT = 2
    case = make_case(customer, team=team)

    response = desk_as(agent).post(
        f"/desk/cases/{case.number}/reply/",
        {
            "reply-mode": "reply",
            "reply-body": "Three files",
            "reply-attachments": [
                SimpleUploadedFile(f"f{i}.txt", b"x", content_type="text/plain") for i in range(3)
            ],
        },
    )

    assert "At most 2 files can be attached." in response.content.decode()
    assert len(_messages(case)) == 1


class _DroppedConnection:
    """A request body that breaks off: the first bytes arrive, then the connection resets."""

    def __init__(self, data: bytes, cut: int) -> None:
        self.data, self.cut, self.position = data, cut, 0

    def read(self, size: int = -1) -> bytes:
        if self.position >= self.cut:
            raise OSError("Connection reset by peer")
        end = self.cut if size is None or size < 0 else min(self.cut, self.position + size)
        chunk = self.data[self.position : end]
        self.position = end
        return chunk

    def readline(self, size: int = -1) -> bytes:
        return self.read(size)


def test_broken_upload_gives_a_clear_message_not_a_server_error(desk_as, agent, team, customer):
    case = make_case(customer, team=team)
    body = (
        b"--BOUNDARY\r\n"
        b'Content-Disposition: form-data; name="reply-mode"\r\n\r\nreply\r\n'
        b"--BOUNDARY\r\n"
        b'Content-Disposition: form-data; name="reply-body"\r\n\r\nhello\r\n'
        b"--BOUNDARY\r\n"
        b'Content-Disposition: form-data; name="reply-attachments"; filename="big.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n" + b"%PDF" * 50_000 + b"\r\n--BOUNDARY--\r\n"
    )

    response = desk_as(agent).generic(
        "POST",
        f"/desk/cases/{case.number}/reply/",
        body,
        content_type="multipart/form-data; boundary=BOUNDARY",
        **{"wsgi.input": _DroppedConnection(body, cut=len(body) // 2)},
    )

    assert response.status_code == 200
    assert "The upload did not arrive whole. Nothing was sent; please try again." in response.content.decode()
    assert len(_messages(case)) == 1
    assert Attachment.objects.count() == 0


def test_malformed_multipart_is_answered_with_a_message(desk_as, agent, team, customer):
    case = make_case(customer, team=team)

    response = desk_as(agent).generic(
        "POST",
        f"/desk/cases/{case.number}/reply/",
        b"garbage without any boundary",
        content_type="multipart/form-data",
    )

    assert response.status_code == 200
    assert "The upload did not arrive whole. Nothing was sent; please try again." in response.content.decode()
    assert len(_messages(case)) == 1


def test_reply_refuses_forged_posts(csrf_client, agent, team, customer):
    case = make_case(customer, team=team)

    response = _reply(csrf_client(agent), case, **{"reply-body": "forged"})

    assert response.status_code == 403
    assert len(_messages(case)) == 1


def test_agent_outside_the_scope_cannot_reply(desk_as, other_agent, team, customer):
    case = make_case(customer, team=team)

    response = _reply(desk_as(other_agent), case, **{"reply-body": "Hi"})

    assert response.status_code == 404
    assert len(_messages(case)) == 1


# --- downloads ------------------------------------------------------------------------------------


def _case_with_file(
    customer, team, *, name="report.html", content_type="text/html", content=b"<script>x</script>"
):
    return make_case(customer, team=team, attachments=[services.AttachmentInput(name, content_type, content)])


def test_download_is_an_attachment_that_is_never_sniffed(desk_as, agent, team, customer):
    case = _case_with_file(customer, team)
    attachment = Attachment.objects.get(message__case=case)

    response = desk_as(agent).get(f"/desk/cases/{case.number}/attachments/{attachment.pk}/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"<script>x</script>"
    assert response["Content-Disposition"] == 'attachment; filename="report.html"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_safe_types_keep_their_type(desk_as, agent, team, customer):
    case = _case_with_file(customer, team, name="photo.png", content_type="image/png", content=b"\x89PNG")
    attachment = Attachment.objects.get(message__case=case)

    response = desk_as(agent).get(f"/desk/cases/{case.number}/attachments/{attachment.pk}/")

    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="photo.png"'


def test_download_outside_the_agents_scope_is_404(desk_as, other_agent, team, customer):
    case = _case_with_file(customer, team)
    attachment = Attachment.objects.get(message__case=case)

    response = desk_as(other_agent).get(f"/desk/cases/{case.number}/attachments/{attachment.pk}/")

    assert response.status_code == 404


def test_download_through_another_case_number_is_404(desk_as, agent, team, customer, other_customer):
    secret = _case_with_file(other_customer, team)
    mine = make_case(customer, team=team)
    attachment = Attachment.objects.get(message__case=secret)

    response = desk_as(agent).get(f"/desk/cases/{mine.number}/attachments/{attachment.pk}/")

    assert response.status_code == 404


def test_download_by_a_customer_account_is_404(desk_as, customer_user, team, customer):
    case = _case_with_file(customer, team)
    attachment = Attachment.objects.get(message__case=case)

    response = desk_as(customer_user).get(f"/desk/cases/{case.number}/attachments/{attachment.pk}/")

    assert response.status_code == 404
