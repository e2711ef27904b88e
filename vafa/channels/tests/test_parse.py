"""Parsing the e-mail corpus: every file parses or is refused with a reason, and the details come out right."""

from __future__ import annotations

import contextlib
import datetime
import hashlib
from pathlib import Path

import pytest
from django.utils import translation

from vafa.channels.email.decode import Address, decode_header_value, subject_case_numbers
from vafa.channels.email.parse import MailParseError, ParsedMail, SkippedPart, parse_mail
from vafa.channels.tests.corpus import build
from vafa.core.text import html_for_display, sanitize_html

CORPUS = Path(build.__file__).parent
LIMITS = {"max_part_bytes": 20 * 1024 * 1024, "max_parts": 10}
TEHRAN = datetime.timezone(datetime.timedelta(hours=3, minutes=30))
SUPPORT = (Address(name="Vafa Support", address="support@vafa.test"),)


def parse(name: str) -> ParsedMail:
    return parse_mail((CORPUS / name).read_bytes(), **LIMITS)


@pytest.mark.parametrize("name", sorted(path.name for path in CORPUS.glob("*.eml")))
def test_every_corpus_file_parses_or_is_refused_with_a_code(name):
    raw = (CORPUS / name).read_bytes()

    try:
        parsed = parse_mail(raw, **LIMITS)
    except MailParseError as error:
        assert name.startswith("broken-")
        assert error.code in {"empty", "not_mail"}
        return

    assert isinstance(parsed, ParsedMail)
    assert "\x00" not in parsed.text + parsed.html + parsed.subject
    assert len(parsed.content_hash) == 64


def test_corpus_files_are_what_build_writes():
    files = build.corpus()

    assert sorted(files) == sorted(path.name for path in CORPUS.glob("*.eml"))
    for name, data in files.items():
        assert (CORPUS / name).read_bytes() == data, name


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("broken-empty.eml", "empty"),
        ("broken-binary-junk.eml", "not_mail"),
        ("broken-body-only.eml", "not_mail"),
    ],
)
def test_what_is_not_mail_is_refused_with_a_code(name, code):
    with pytest.raises(MailParseError) as refused:
        parse(name)

    assert refused.value.code == code


# --- replies from common clients -----------------------------------------------------------------


def test_gmail_reply_threads_and_folds_signature_and_quote():
    with translation.override("en"):
        parsed = parse("reply-gmail.eml")

    assert parsed.message_id == "CAGmail-1001-2@mail.gmail.com"
    assert parsed.in_reply_to == ("vafa-1001-1@vafa.test",)
    assert parsed.references == ("vafa-1001-0@vafa.test", "vafa-1001-1@vafa.test")
    assert parsed.subject == "Re: [VF-1001] Phone does not charge"
    assert parsed.sender == Address(name="Sara Ahmadi", address="sara@example.com")
    assert parsed.to == SUPPORT
    assert parsed.date == datetime.datetime(2025, 1, 6, 10, 15, tzinfo=TEHRAN)
    assert parsed.new_text == "Thanks, I tried another cable and it still does not charge."
    assert parsed.text.startswith(
        "Thanks, I tried another cable and it still does not charge.\n\n-- \nSara Ahmadi\n"
    )
    assert parsed.text.endswith("> Vafa Support")
    assert parsed.html.startswith(
        '<div dir="ltr">Thanks, I tried another cable and it still does not charge.'
    )
    assert (
        '<details class="vafa-signature"><summary>Show signature</summary><div dir="ltr">Sara Ahmadi</div></details>'
        in parsed.html
    )
    assert '<details class="vafa-quoted"><summary>Show quoted text</summary>' in parsed.html
    assert "Please try another cable and tell us if the phone charges." in parsed.html
    assert parsed.language == "en"
    assert (parsed.auto_reply, parsed.bounce, parsed.forwarded) == (False, False, False)


def test_folded_html_survives_sanitising_again():
    parsed = parse("reply-gmail.eml")

    assert sanitize_html(parsed.html) == parsed.html


def test_outlook_reply_folds_from_the_header_block():
    parsed = parse("reply-outlook.eml")

    assert parsed.in_reply_to == ("vafa-1002-0@vafa.test",)
    assert parsed.new_text == "Hello,\n\nThe screen is still broken after the update.\n\nJohn"
    new, quoted = parsed.html.split('<details class="vafa-quoted">')
    assert new == "<div>Hello,</div><div>The screen is still broken after the update.</div><div>John</div>"
    assert "<b>Sent:</b> Monday, January 6, 2025 9:00 AM" in quoted
    assert "Did the update help?" in quoted
    assert "p{margin:0}" not in parsed.html


def test_apple_mail_reply_folds_sent_from_my_iphone_and_both_quotes():
    parsed = parse("reply-apple-mail.eml")

    assert parsed.new_text == "It works now, thank you!"
    new, rest = parsed.html.split('<details class="vafa-signature">')
    assert "Sent from my iPhone" not in new
    assert "Sent from my iPhone" in rest
    quoted = rest.split('<details class="vafa-quoted">')[1]
    assert "wrote:" in quoted and "Please restart the device." in quoted


def test_thunderbird_reply_in_russian():
    parsed = parse("reply-thunderbird.eml")

    assert parsed.subject == "Re: [VF-1004] Не работает зарядка"
    assert parsed.sender == Address(name="Ольга Иванова", address="olga@example.ru")
    assert parsed.references == ("vafa-1004-0@vafa.test", "vafa-1004-1@vafa.test")
    assert parsed.new_text == "Спасибо, всё заработало."
    assert parsed.html.startswith('<p>Спасибо, всё заработало.</p><details class="vafa-signature">')
    assert "<pre>-- \nОльга Иванова</pre>" in parsed.html
    assert "<blockquote>Попробуйте другой кабель.</blockquote>" in parsed.html.split("vafa-quoted")[1]
    assert parsed.language == "ru"


def test_persian_gmail_reply_with_persian_digits_in_the_case_token():
    parsed = parse("reply-gmail-persian.eml")

    assert parsed.subject == "Re: [VF-۱۰۰۵] گوشی روشن نمی\u200cشود"
    assert subject_case_numbers(parsed.subject, "VF-") == [1005]
    assert parsed.sender == Address(name="مریم کریمی", address="maryam@example.ir")
    assert parsed.new_text == "سلام، گوشی هنوز روشن نمی\u200cشود. لطفاً راهنمایی کنید."
    assert "نوشت:" in parsed.html.split("vafa-quoted")[1]
    assert parsed.language == "fa"


def test_arabic_outlook_reply_in_windows_1256():
    parsed = parse("reply-outlook-arabic.eml")

    assert parsed.subject == "RE: [VF-1006] الشاشة مكسورة"
    assert parsed.sender == Address(name="خالد العتيبي", address="khaled@example.sa")
    assert parsed.new_text == "شكرا، الشاشة ما زالت مكسورة."
    assert parsed.text.endswith("الموضوع: [VF-1006] الشاشة مكسورة\n\nهل ساعد التحديث؟")
    assert parsed.language == "ar"


# --- forwarded mail --------------------------------------------------------------------------------


def test_gmail_inline_forward_is_forwarded_and_folded():
    parsed = parse("forward-gmail-inline.eml")

    assert parsed.forwarded is True
    assert parsed.new_text == "Please see the message below from the courier."
    assert "Your parcel was delivered on 5 January." in parsed.text
    assert "Your parcel was delivered on 5 January." in parsed.html.split("vafa-quoted")[1]


def test_attached_message_goes_into_the_body_and_its_attachment_is_kept():
    with translation.override("en"):
        parsed = parse("forward-attached-rfc822.eml")

    assert parsed.forwarded is True
    assert parsed.new_text == "Forwarding the dealer's answer, with the invoice."
    assert parsed.text == (
        "Forwarding the dealer's answer, with the invoice.\n\n"
        "---------- Forwarded message ----------\nFrom: Dealer <dealer@shop.example>\n"
        "Date: Fri, 03 Jan 2025 12:00:00 +0000\nSubject: Your warranty\nTo: Sara Ahmadi <sara@example.com>\n\n"
        "Your warranty ends on 1 March 2025."
    )
    assert "Your warranty ends on 1 March 2025." in parsed.html.split("vafa-quoted")[1]
    assert [(part.filename, part.content_type, part.content) for part in parsed.attachments] == [
        ("invoice-5521.pdf", "application/pdf", build.PDF)
    ]


def test_bare_forward_is_not_folded():
    parsed = parse("forward-bare-rfc822.eml")

    assert parsed.forwarded is True
    assert "Your warranty ends on 1 March 2025." in parsed.new_text
    assert "<details" not in parsed.html
    assert "Your warranty ends on 1 March 2025." in parsed.html


# --- bodies ----------------------------------------------------------------------------------------


def test_html_only_mail_gets_text_derived_and_html_sanitised():
    parsed = parse("html-only.eml")

    assert parsed.text == "My washing machine leaks from the door.\nModel WM-200, serial SN-778812."
    assert parsed.new_text == parsed.text
    assert (
        parsed.html
        == "<p>My <b>washing machine</b> leaks from the door.</p><p>Model WM-200, serial <i>SN-778812</i>.</p>"
    )


def test_multipart_alternative_takes_text_from_plain_and_html_from_html():
    parsed = parse("multipart-alternative.eml")

    assert parsed.text == "The fridge is noisy at night."
    assert parsed.html == "<p>The <b>fridge</b> is noisy at night.</p>"


@pytest.mark.parametrize(
    ("name", "subject", "body", "language"),
    [
        ("charset-utf-8-persian.eml", "یخچال خنک نمی\u200cکند", build.PERSIAN, "fa"),
        ("charset-windows-1256-persian.eml", "يخچال خنک نمي\u200cکند", build.PERSIAN_1256, "fa"),
        ("charset-cp1256-label-arabic.eml", "الثلاجة لا تبرد", build.ARABIC, "ar"),
        ("charset-iso-8859-6-arabic.eml", "الثلاجة لا تبرد", build.ARABIC, "ar"),
        ("charset-koi8-r-russian.eml", "Холодильник не охлаждает", build.RUSSIAN, "ru"),
        ("charset-windows-1251-russian.eml", "Холодильник не охлаждает", build.RUSSIAN, "ru"),
        ("charset-iso-8859-1-french.eml", "Réfrigérateur en panne", build.FRENCH, "en"),
    ],
)
def test_each_charset_decodes_subject_and_body(name, subject, body, language):
    parsed = parse(name)

    assert parsed.subject == subject
    assert parsed.text == body
    assert parsed.new_text == body
    assert parsed.language == language
    assert parsed.defects == ()


def test_encoded_sender_names_in_koi8_r_and_latin_1():
    assert parse("charset-koi8-r-russian.eml").sender == Address(
        name="Ольга Иванова", address="olga@example.ru"
    )
    assert parse("charset-iso-8859-1-french.eml").sender == Address(
        name="Hélène Dubois", address="helene@example.fr"
    )


def test_a_letter_split_across_two_encoded_words_is_joined():
    assert parse("subject-split-encoded-words.eml").subject == "گارانتی تمدید شد"


# --- attachments -----------------------------------------------------------------------------------


def test_pdf_and_image_attachments_are_kept():
    pdf = parse("attachment-pdf.eml").attachments
    image = parse("attachment-image.eml").attachments

    assert [(part.filename, part.content_type, part.content, part.inline) for part in pdf] == [
        ("invoice.pdf", "application/pdf", build.PDF, False)
    ]
    assert [(part.filename, part.content_type, part.content, part.inline) for part in image] == [
        ("door.png", "image/png", build.PNG, False)
    ]


def test_rfc_2231_persian_filename_is_decoded():
    parsed = parse("attachment-persian-filename-rfc2231.eml")

    assert [part.filename for part in parsed.attachments] == ["فاکتور خرید.pdf"]
    assert parsed.text == "فاکتور پیوست است."


def test_cid_image_is_inline_with_its_content_id():
    parsed = parse("inline-cid-image.eml")

    assert [(part.filename, part.content_id, part.inline, part.content) for part in parsed.attachments] == [
        ("screen.png", "screen-error@example.ir", True, build.PNG)
    ]
    assert '<img src="cid:screen-error@example.ir" alt="screen">' in parsed.html
    assert parsed.text == "The error on the screen: [image: screen]"


def test_text_part_marked_as_attachment_is_an_attachment_not_body():
    parsed = parse("text-attachment.eml")

    assert parsed.text == "The log from the service menu is attached."
    assert [(part.filename, part.content) for part in parsed.attachments] == [
        ("error-log.txt", b"2025-01-06 09:00 E42 compressor fault\r\n")
    ]


def test_attachments_beyond_the_count_limit_are_skipped_and_recorded():
    parsed = parse("too-many-attachments.eml")

    assert [part.filename for part in parsed.attachments] == [
        f"note-{index:02}.txt" for index in range(1, 11)
    ]
    assert parsed.skipped == (
        SkippedPart(filename="note-11.txt", content_type="text/plain", size=8, reason="too_many"),
        SkippedPart(filename="note-12.txt", content_type="text/plain", size=8, reason="too_many"),
    )


@pytest.mark.slow
def test_a_50_mb_attachment_is_skipped_as_too_large_with_its_size():
    raw = build.huge_attachment_mail(50 * 1024 * 1024)

    parsed = parse_mail(raw, **LIMITS)

    assert parsed.skipped == (
        SkippedPart(
            filename="fault-video.mp4",
            content_type="application/octet-stream",
            size=50 * 1024 * 1024,
            reason="too_large",
        ),
    )
    assert parsed.attachments == ()
    assert parsed.text == "The video of the fault is attached."


def test_an_attachment_under_the_part_limit_is_kept_whole():
    raw = build.huge_attachment_mail(3 * 1024 * 1024)

    parsed = parse_mail(raw, max_part_bytes=4 * 1024 * 1024, max_parts=10)

    assert [len(part.content) for part in parsed.attachments] == [3 * 1024 * 1024]
    assert parsed.skipped == ()


def test_an_attachment_just_over_a_small_limit_is_skipped_with_its_exact_size():
    raw = build.huge_attachment_mail(3 * 1024 * 1024 + 1)

    parsed = parse_mail(raw, max_part_bytes=3 * 1024 * 1024, max_parts=10)

    assert parsed.attachments == ()
    assert [(part.size, part.reason) for part in parsed.skipped] == [(3 * 1024 * 1024 + 1, "too_large")]


# --- auto-replies and bounces ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("auto-auto-submitted.eml", "auto-submitted"),
        ("auto-precedence-bulk.eml", "precedence"),
        ("auto-x-autoreply.eml", "x-autoreply"),
        ("auto-ooo-en.eml", "subject"),
        ("auto-ooo-fa.eml", "subject"),
        ("auto-ooo-ar.eml", "subject"),
        ("auto-ooo-ru.eml", "subject"),
        ("auto-ooo-de.eml", "subject"),
        ("auto-ooo-fr.eml", "subject"),
    ],
)
def test_auto_replies_are_recognised_with_their_reason(name, reason):
    parsed = parse(name)

    assert (parsed.auto_reply, parsed.auto_reason) == (True, reason)
    assert parsed.bounce is False


def test_a_customer_reply_is_not_an_auto_reply():
    parsed = parse("reply-gmail.eml")

    assert (parsed.auto_reply, parsed.auto_reason) == (False, "")


@pytest.mark.parametrize(
    ("name", "address", "message_id"),
    [
        ("bounce-rfc3464-dsn.eml", "gone@example.com", "vafa-3001-1@vafa.test"),
        ("bounce-postfix.eml", "nobody@example.org", "vafa-3002-1@vafa.test"),
        ("bounce-exim.eml", "missing@example.com", "vafa-3003-1@vafa.test"),
    ],
)
def test_bounces_name_the_failed_address_and_the_original_message(name, address, message_id):
    parsed = parse(name)

    assert parsed.bounce is True
    assert parsed.bounced_addresses == (address,)
    assert parsed.bounced_message_id == message_id
    assert parsed.forwarded is False
    assert parsed.attachments == ()


def test_an_ordinary_mail_is_not_a_bounce():
    parsed = parse("attachment-pdf.eml")

    assert (parsed.bounce, parsed.bounced_addresses, parsed.bounced_message_id) == (False, (), "")


# --- broken mail -----------------------------------------------------------------------------------


def test_missing_boundary_is_guessed_from_the_body():
    parsed = parse("broken-missing-boundary.eml")

    assert parsed.text == "The boundary parameter is missing, the parts are still here."
    assert [(part.filename, part.content) for part in parsed.attachments] == [("manual.pdf", build.PDF)]
    assert "NoBoundaryInMultipartDefect" in parsed.defects


def test_truncated_multipart_keeps_what_arrived():
    parsed = parse("broken-truncated-multipart.eml")

    assert parsed.text == "The end of this message was cut off in transit."
    assert [part.filename for part in parsed.attachments] == ["cut.pdf"]
    assert "CloseBoundaryNotFoundDefect" in parsed.defects


def test_bad_base64_keeps_the_readable_text_and_records_the_undecodable_part():
    parsed = parse("broken-bad-base64.eml")

    assert parsed.text == "The body is still readable."
    assert parsed.attachments == ()
    assert parsed.skipped == (
        SkippedPart(filename="broken.pdf", content_type="application/pdf", size=6, reason="undecodable"),
    )
    assert "InvalidBase64CharactersDefect" in parsed.defects


def test_undeclared_charset_and_raw_8bit_subject_are_read_as_utf_8():
    parsed = parse("broken-undeclared-charset.eml")

    assert parsed.subject == "یخچال خراب است"
    assert parsed.text == build.PERSIAN


def test_lying_utf_8_label_on_windows_1256_bytes_is_detected():
    parsed = parse("broken-lying-charset.eml")

    assert parsed.text == build.ARABIC
    assert "CharsetMismatch" in parsed.defects


def test_latin_1_label_on_koi8_r_bytes_is_detected():
    parsed = parse("broken-lying-latin-1-label.eml")

    assert parsed.text == build.RUSSIAN
    assert parsed.language == "ru"


def test_unknown_charset_label_falls_back_to_detection():
    parsed = parse("broken-unknown-charset.eml")

    assert parsed.text == build.PERSIAN
    assert "UnknownCharset" in parsed.defects


def test_headers_without_a_body_give_an_empty_message():
    parsed = parse("broken-headers-only.eml")

    assert parsed.subject == "Headers only"
    assert (parsed.text, parsed.html, parsed.new_text) == ("", "", "")
    assert parsed.attachments == ()


def test_broken_headers_are_read_as_far_as_they_go():
    parsed = parse("broken-bad-headers.eml")

    assert parsed.sender is None
    assert parsed.message_id == ""
    assert parsed.date is None
    assert parsed.subject.startswith("!!not-base64!! and caf")
    assert parsed.text == "The headers of this message are broken."


# --- hashing and helpers ---------------------------------------------------------------------------


def test_content_hash_ignores_transport_headers():
    raw = (CORPUS / "reply-gmail.eml").read_bytes()
    relayed = (
        b"Received: from relay.example.net by mx2.vafa.test; Mon, 06 Jan 2025 10:16:00 +0330\r\n"
        b"Delivered-To: support@vafa.test\r\nDKIM-Signature: v=1; a=rsa-sha256; d=example.com; b=abc\r\n"
        + raw
    )

    assert parse_mail(relayed, **LIMITS).content_hash == parse_mail(raw, **LIMITS).content_hash


def test_content_hash_differs_for_a_different_body():
    raw = (CORPUS / "multipart-alternative.eml").read_bytes()
    changed = raw.replace(b"noisy at night", b"noisy at noon!")

    assert parse_mail(changed, **LIMITS).content_hash != parse_mail(raw, **LIMITS).content_hash


def test_content_hash_does_not_depend_on_the_active_language():
    with translation.override("en"):
        english = parse("forward-attached-rfc822.eml").content_hash
    with translation.override("fa"):
        persian = parse("forward-attached-rfc822.eml").content_hash

    assert english == persian


def test_content_hash_covers_attachments():
    raw = (CORPUS / "attachment-pdf.eml").read_bytes()
    changed = raw.replace(b"JVBERi0xLjQK", b"JVBERi0xLjUK")

    assert changed != raw
    assert parse_mail(changed, **LIMITS).content_hash != parse_mail(raw, **LIMITS).content_hash
    assert parse_mail(raw, **LIMITS).attachments[0].content == build.PDF
    assert hashlib.sha256(build.PDF).hexdigest()


def test_subject_case_numbers_reads_every_token_of_the_prefix():
    assert subject_case_numbers("Re: [VF-123] Battery", "VF-") == [123]
    assert subject_case_numbers("Re: [VF-12] and [vf-٤٥] and [VF-12]", "VF-") == [12, 45]
    assert subject_case_numbers("Re: VF-123 [XX-5] [VF-] [VF-1a]", "VF-") == []


def test_decode_header_value_never_raises():
    assert decode_header_value("=?utf-8?B?2LPZhNin2YU=?= =?utf-8?B?INiv2YjYs9iq?=") == "سلام دوست"
    assert decode_header_value("=?windows-1256?Q?=D3=E1=C7=E3?=") == "سلام"
    assert decode_header_value("=?utf-8?B?%%%?= plain") == "%%% plain"
    assert decode_header_value("no encoding\r\n here") == "no encoding here"


def test_charset_label_in_raw_8bit_bytes_is_an_unknown_charset():
    raw = (CORPUS / "reply-apple-mail.eml").read_bytes().replace(b'charset="utf-8"', b'charset="\xe3\x9f"')

    parsed = parse_mail(raw, **LIMITS)

    assert parsed.new_text == "It works now, thank you!"
    assert "UnknownCharset" in parsed.defects


def test_cut_and_damaged_copies_of_the_corpus_never_raise_anything_but_mail_parse_error():
    names = ["reply-gmail.eml", "forward-attached-rfc822.eml", "bounce-postfix.eml", "inline-cid-image.eml"]
    for name in names:
        raw = (CORPUS / name).read_bytes()
        for cut in range(0, len(raw), 97):
            damaged = raw[:cut] + b"\xe3\x9f=?utf-8?B?;;\r\n\r\n--" + raw[cut + 5 :]
            for variant in (raw[:cut], damaged):
                with contextlib.suppress(MailParseError):
                    parse_mail(variant, max_part_bytes=1000, max_parts=2)


def test_folded_quotes_are_labelled_in_the_readers_language():
    with translation.override("en"):
        parsed = parse_mail(
            b"From: a@example.com\r\nSubject: x\r\n\r\nNew words.\r\n\r\nOn Mon, B wrote:\r\n> old words\r\n",
            max_part_bytes=1000,
            max_parts=10,
        )
    with translation.override("fa"):
        shown = html_for_display(parsed.html)

    assert "Show quoted text" in parsed.html
    assert "Show quoted text" not in shown
    assert "old words" in shown
