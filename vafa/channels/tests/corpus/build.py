"""Build the e-mail test corpus: one .eml file per case, written next to this script.

Everything is fixed (dates, Message-IDs, boundaries, "random" bytes), so a rebuild gives the same
bytes. Run from the repository root:

    .venv/bin/python vafa/channels/tests/corpus/build.py

The 50 MB attachment is not kept in the repository: tests call huge_attachment_mail() instead.
"""

from __future__ import annotations

import base64
import quopri
import random
from email.charset import BASE64, QP, Charset
from email.header import Header
from email.utils import encode_rfc2231, formataddr
from pathlib import Path

HERE = Path(__file__).resolve().parent
SUPPORT = "Vafa Support <support@vafa.test>"
DATE = "Mon, 06 Jan 2025 10:15:00 +0330"
# A 1x1 transparent PNG and the start of a PDF: enough for a content type and a checksum.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


# --- building blocks ---------------------------------------------------------------------------


def crlf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def words(text: str, charset: str = "utf-8", encoding: str = "B") -> str:
    """Encode header text as RFC 2047 encoded words with the email package."""
    spec = Charset(charset)
    spec.header_encoding = BASE64 if encoding == "B" else QP
    spec.output_charset = charset
    return Header(text, spec).encode()


def address(name: str, mail: str, charset: str = "utf-8") -> str:
    return formataddr((name, mail), charset=charset)


def leaf(
    content_type: str, data: bytes, *, cte: str = "7bit", params: str = "", extra: tuple[str, ...] = ()
) -> bytes:
    if cte == "base64":
        body = base64.encodebytes(data)
    elif cte == "quoted-printable":
        body = quopri.encodestring(data.replace(b"\r\n", b"\n"))
    else:
        body = data
    head = [f"Content-Type: {content_type}{params}", f"Content-Transfer-Encoding: {cte}", *extra]
    return "\r\n".join(head).encode("ascii") + b"\r\n\r\n" + crlf(body)


def text(
    value: str, *, charset: str = "utf-8", cte: str = "quoted-printable", subtype: str = "plain"
) -> bytes:
    return leaf(f"text/{subtype}", value.encode(charset), cte=cte, params=f'; charset="{charset}"')


def attachment(
    content_type: str, data: bytes, filename: str, *, inline: bool = False, content_id: str = ""
) -> bytes:
    disposition = "inline" if inline else "attachment"
    extra = [f'Content-Disposition: {disposition}; filename="{filename}"']
    if content_id:
        extra.append(f"Content-ID: <{content_id}>")
    return leaf(content_type, data, cte="base64", params=f'; name="{filename}"', extra=tuple(extra))


def multi(subtype: str, boundary: str, *parts: bytes, params: str = "") -> bytes:
    head = f'Content-Type: multipart/{subtype}; boundary="{boundary}"{params}\r\n\r\n'.encode("ascii")
    body = b"".join(b"--" + boundary.encode("ascii") + b"\r\n" + part + b"\r\n" for part in parts)
    return head + body + b"--" + boundary.encode("ascii") + b"--\r\n"


def mail(headers: list[str], body: bytes) -> bytes:
    return "\r\n".join([*headers, "MIME-Version: 1.0"]).encode("ascii") + b"\r\n" + body


def customer(
    sender: str,
    subject: str,
    message_id: str,
    *,
    replying_to: tuple[str, ...] = (),
    extra: tuple[str, ...] = (),
    date: str = DATE,
) -> list[str]:
    headers = [
        "Received: from mx.example.com (mx.example.com [192.0.2.10]) by mail.vafa.test; " + date,
        f"From: {sender}",
        f"To: {SUPPORT}",
        f"Subject: {subject}",
        f"Date: {date}",
        f"Message-ID: <{message_id}>",
    ]
    if replying_to:
        headers.append(f"In-Reply-To: <{replying_to[-1]}>")
        headers.append("References: " + "\r\n ".join(f"<{mail_id}>" for mail_id in replying_to))
    return [*headers, *extra]


# --- replies from common clients -------------------------------------------------------------------


def reply_gmail() -> bytes:
    plain = (
        "Thanks, I tried another cable and it still does not charge.\n\n"
        "-- \nSara Ahmadi\n\n"
        "On Mon, Jan 6, 2025 at 9:00 AM Vafa Support <support@vafa.test>\nwrote:\n\n"
        "> Please try another cable and tell us if the phone charges.\n>\n> Vafa Support\n"
    )
    rich = (
        '<div dir="ltr">Thanks, I tried another cable and it still does not charge.<br clear="all">'
        '<div><br></div><span class="gmail_signature_prefix">-- </span><br>'
        '<div dir="ltr" class="gmail_signature" data-smartmail="gmail_signature">Sara Ahmadi</div></div><br>'
        '<div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, Jan 6, 2025 at 9:00 AM Vafa Support '
        '&lt;<a href="mailto:support@vafa.test">support@vafa.test</a>&gt; wrote:<br></div>'
        '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204)">'
        "Please try another cable and tell us if the phone charges.<br><br>Vafa Support</blockquote></div>\n"
    )
    return mail(
        customer(
            "Sara Ahmadi <sara@example.com>",
            "Re: [VF-1001] Phone does not charge",
            "CAGmail-1001-2@mail.gmail.com",
            replying_to=("vafa-1001-0@vafa.test", "vafa-1001-1@vafa.test"),
        ),
        multi(
            "alternative",
            "000000000000gmail1001",
            text(plain, cte="quoted-printable"),
            text(rich, subtype="html", cte="quoted-printable"),
        ),
    )


def reply_outlook() -> bytes:
    plain = (
        "Hello,\n\nThe screen is still broken after the update.\n\nJohn\n\n"
        "________________________________\n"
        "From: Vafa Support <support@vafa.test>\nSent: Monday, January 6, 2025 9:00 AM\n"
        "To: John Smith <john.smith@example.org>\nSubject: [VF-1002] Broken screen\n\n"
        "Did the update help?\n"
    )
    rich = (
        "<html><head>\n<style>p{margin:0}</style></head><body>"
        '<div style="font-family:Calibri">Hello,</div><div>The screen is still broken after the update.</div>'
        "<div>John</div>"
        '<div id="appendonsend"></div><hr style="display:inline-block;width:98%" tabindex="-1">'
        '<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri"><b>From:</b> Vafa Support '
        "&lt;support@vafa.test&gt;<br><b>Sent:</b> Monday, January 6, 2025 9:00 AM<br><b>To:</b> John Smith"
        "<br><b>Subject:</b> [VF-1002] Broken screen</font><div>&nbsp;</div></div>"
        "<div>Did the update help?</div></body></html>\n"
    )
    return mail(
        customer(
            "John Smith <john.smith@example.org>",
            "RE: [VF-1002] Broken screen",
            "AM0PR01MB1002.eurprd01.prod.outlook.com",
            replying_to=("vafa-1002-0@vafa.test",),
            extra=(
                "Thread-Topic: [VF-1002] Broken screen",
                "Thread-Index: AQHbYAbcdEFGhijKLMnop==",
                "X-MS-Has-Attach:",
                "Content-Language: en-US",
            ),
        ),
        multi(
            "alternative",
            "_000_AM0PR01MB1002_",
            text(plain, charset="us-ascii"),
            text(rich, charset="us-ascii", subtype="html"),
        ),
    )


def reply_apple_mail() -> bytes:
    plain = (
        "It works now, thank you!\n\nSent from my iPhone\n\n"
        "> On 6 Jan 2025, at 09:00, Vafa Support <support@vafa.test> wrote:\n> \n"
        "> Please restart the device.\n"
    )
    rich = (
        '<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head>'
        '<body dir="auto"><div dir="ltr">It works now, thank you!</div><div dir="ltr"><br>'
        '<div id="AppleMailSignature">Sent from my iPhone</div><div dir="ltr"><br>'
        '<blockquote type="cite">On 6 Jan 2025, at 09:00, Vafa Support &lt;support@vafa.test&gt; wrote:<br><br></blockquote></div>'
        '<blockquote type="cite"><div dir="ltr">Please restart the device.</div></blockquote></div></body></html>\n'
    )
    return mail(
        customer(
            "Ali Rezaei <ali@example.ir>",
            "Re: [VF-1003] Phone restarts by itself",
            "6A1B2C3D-1003-4E5F-A6B7-C8D9E0F1A2B3@example.ir",
            replying_to=("vafa-1003-0@vafa.test", "vafa-1003-1@vafa.test"),
            extra=("X-Mailer: iPhone Mail (21C66)",),
        ),
        multi(
            "alternative",
            "Apple-Mail-1003",
            text(plain),
            text(rich, subtype="html"),
        ),
    )


def reply_thunderbird() -> bytes:
    plain = (
        "Спасибо, всё заработало.\n\n-- \nОльга Иванова\n\n"
        "06.01.2025 09:00, Vafa Support пишет:\n> Попробуйте другой кабель.\n"
    )
    rich = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8"></head><body>'
        "<p>Спасибо, всё заработало.</p>"
        '<pre class="moz-signature" cols="72">-- \nОльга Иванова</pre>'
        '<div class="moz-cite-prefix">06.01.2025 09:00, Vafa Support пишет:<br></div>\n'
        '<blockquote type="cite" cite="mid:vafa-1004-1@vafa.test">Попробуйте другой кабель.</blockquote>'
        "</body></html>\n"
    )
    return mail(
        customer(
            address("Ольга Иванова", "Olga@Example.RU"),
            words("Re: [VF-1004] Не работает зарядка"),
            "1004aa11-bb22-cc33-dd44-ee55ff667788@example.ru",
            replying_to=("vafa-1004-0@vafa.test", "vafa-1004-1@vafa.test"),
            extra=("User-Agent: Mozilla Thunderbird", "Content-Language: ru"),
        ),
        multi(
            "alternative",
            "------------tb1004",
            text(plain, cte="base64"),
            text(rich, subtype="html", cte="base64"),
        ),
    )


def reply_gmail_persian() -> bytes:
    plain = (
        "سلام، گوشی هنوز روشن نمی‌شود. لطفاً راهنمایی کنید.\n\n"
        "در تاریخ دوشنبه ۶ ژانویهٔ ۲۰۲۵ ساعت ۹:۰۰ Vafa Support <support@vafa.test> نوشت:\n\n"
        "> لطفاً دستگاه را دوباره راه‌اندازی کنید.\n"
    )
    rich = (
        '<div dir="rtl">سلام، گوشی هنوز روشن نمی‌شود. لطفاً راهنمایی کنید.</div><br>'
        '<div class="gmail_quote"><div dir="rtl" class="gmail_attr">در تاریخ دوشنبه ۶ ژانویهٔ ۲۰۲۵ ساعت ۹:۰۰ '
        "Vafa Support &lt;support@vafa.test&gt; نوشت:<br></div>"
        '<blockquote class="gmail_quote">لطفاً دستگاه را دوباره راه‌اندازی کنید.</blockquote></div>\n'
    )
    return mail(
        customer(
            address("مریم کریمی", "maryam@example.ir"),
            words("Re: [VF-۱۰۰۵] گوشی روشن نمی‌شود"),
            "CAGmail-1005-2@mail.gmail.com",
            replying_to=("vafa-1005-0@vafa.test",),
        ),
        multi(
            "alternative",
            "000000000000gmail1005",
            text(plain, cte="base64"),
            text(rich, subtype="html", cte="base64"),
        ),
    )


def reply_outlook_arabic() -> bytes:
    plain = (
        "شكرا، الشاشة ما زالت مكسورة.\n\n"
        "من: Vafa Support <support@vafa.test>\nتم الإرسال: الاثنين، 6 يناير 2025 09:00\n"
        "إلى: خالد <khaled@example.sa>\nالموضوع: [VF-1006] الشاشة مكسورة\n\n"
        "هل ساعد التحديث؟\n"
    )
    return mail(
        customer(
            address("خالد العتيبي", "khaled@example.sa", charset="utf-8"),
            words("RE: [VF-1006] الشاشة مكسورة", "windows-1256", "Q"),
            "DB7PR02MB1006.eurprd02.prod.outlook.com",
            replying_to=("vafa-1006-0@vafa.test",),
        ),
        text(plain, charset="windows-1256"),
    )


# --- forwarded mail ------------------------------------------------------------------------------


def forward_gmail_inline() -> bytes:
    plain = (
        "Please see the message below from the courier.\n\n"
        "---------- Forwarded message ---------\nFrom: Courier <noreply@courier.example>\n"
        "Date: Sun, Jan 5, 2025 at 6:00 PM\nSubject: Order 5521 delivered\nTo: <sara@example.com>\n\n"
        "Your parcel was delivered on 5 January.\n"
    )
    rich = (
        '<div dir="ltr">Please see the message below from the courier.<br><br>'
        '<div class="gmail_quote"><div dir="ltr" class="gmail_attr">---------- Forwarded message ---------<br>'
        "From: <strong>Courier</strong> &lt;noreply@courier.example&gt;<br>Date: Sun, Jan 5, 2025 at 6:00 PM<br>"
        "Subject: Order 5521 delivered<br>To: &lt;sara@example.com&gt;<br></div><br>"
        "<div>Your parcel was delivered on 5 January.</div></div></div>\n"
    )
    return mail(
        customer(
            "Sara Ahmadi <sara@example.com>", "Fwd: Order 5521 delivered", "CAGmail-fwd-5521@mail.gmail.com"
        ),
        multi("alternative", "000000000000fwd5521", text(plain), text(rich, subtype="html")),
    )


def _dealer_answer() -> bytes:
    return mail(
        [
            "From: Dealer <dealer@shop.example>",
            "To: Sara Ahmadi <sara@example.com>",
            "Subject: Your warranty",
            "Date: Fri, 03 Jan 2025 12:00:00 +0000",
            "Message-ID: <dealer-answer-1@shop.example>",
        ],
        multi(
            "mixed",
            "dealer-boundary",
            text("Your warranty ends on 1 March 2025.\n"),
            attachment("application/pdf", PDF, "invoice-5521.pdf"),
        ),
    )


def forward_attached_rfc822() -> bytes:
    return mail(
        customer(
            "Sara Ahmadi <sara@example.com>",
            "Fw: Warranty answer from the dealer",
            "fwd-attached-1@example.com",
        ),
        multi(
            "mixed",
            "outer-forward",
            text("Forwarding the dealer's answer, with the invoice.\n"),
            b'Content-Type: message/rfc822\r\nContent-Disposition: attachment; filename="Your warranty.eml"\r\n\r\n'
            + _dealer_answer(),
        ),
    )


def forward_bare_rfc822() -> bytes:
    return mail(
        customer("Sara Ahmadi <sara@example.com>", "Fwd: Your warranty", "fwd-bare-1@example.com"),
        multi(
            "mixed",
            "outer-bare",
            b"Content-Type: message/rfc822\r\n\r\n" + _dealer_answer(),
        ),
    )


# --- bodies ----------------------------------------------------------------------------------------


def html_only() -> bytes:
    rich = (
        "<html><head><title>Leak</title><style>body{color:red}</style></head><body>"
        "<p>My <b>washing machine</b> leaks from the door.</p>"
        '<script>alert("x")</script><p onclick="steal()">Model WM-200, serial <i>SN-778812</i>.</p>'
        "</body></html>\n"
    )
    return mail(
        customer("Reza Moradi <reza@example.ir>", "Washing machine leaks", "html-only-1@example.ir"),
        text(rich, subtype="html"),
    )


def multipart_alternative() -> bytes:
    return mail(
        customer("Reza Moradi <reza@example.ir>", "Fridge is noisy", "alternative-1@example.ir"),
        multi(
            "alternative",
            "alt-boundary",
            text("The fridge is noisy at night.\n"),
            text("<p>The <b>fridge</b> is noisy at night.</p>\n", subtype="html"),
        ),
    )


PERSIAN = "سلام، یخچال من از دیروز خنک نمی‌کند. لطفاً کمک کنید."
PERSIAN_1256 = "سلام، يخچال من از ديروز خنک نمي‌کند. لطفاً کمک کنيد."  # windows-1256 has no Persian yeh
ARABIC = "مرحبا، الثلاجة لا تبرد منذ أمس. أرجو المساعدة."
RUSSIAN = "Здравствуйте, холодильник не охлаждает со вчерашнего дня. Помогите, пожалуйста."
FRENCH = "Bonjour, mon réfrigérateur ne refroidit plus depuis hier. Merci d'avance, à bientôt."


def charset_mail(name: str, subject: str, body: bytes, sender: str) -> bytes:
    return mail(customer(sender, subject, f"charset-{name}@example.com"), body)


def charset_cases() -> dict[str, bytes]:
    return {
        "charset-utf-8-persian.eml": charset_mail(
            "utf-8",
            words("یخچال خنک نمی‌کند"),
            text(PERSIAN + "\n", cte="base64"),
            address("مریم کریمی", "maryam@example.ir"),
        ),
        "charset-windows-1256-persian.eml": charset_mail(
            "windows-1256",
            words("يخچال خنک نمي‌کند", "windows-1256", "B"),
            text(PERSIAN_1256 + "\n", charset="windows-1256"),
            "maryam@example.ir",
        ),
        "charset-cp1256-label-arabic.eml": charset_mail(
            "cp1256",
            words("الثلاجة لا تبرد", "cp1256", "Q"),
            leaf("text/plain", (ARABIC + "\n").encode("cp1256"), cte="8bit", params="; charset=cp1256"),
            "khaled@example.sa",
        ),
        "charset-iso-8859-6-arabic.eml": charset_mail(
            "iso-8859-6",
            words("الثلاجة لا تبرد", "iso-8859-6", "Q"),
            text(ARABIC + "\n", charset="iso-8859-6"),
            "khaled@example.sa",
        ),
        "charset-koi8-r-russian.eml": charset_mail(
            "koi8-r",
            words("Холодильник не охлаждает", "koi8-r", "B"),
            leaf("text/plain", (RUSSIAN + "\n").encode("koi8-r"), cte="8bit", params='; charset="koi8-r"'),
            address("Ольга Иванова", "olga@example.ru", charset="koi8-r"),
        ),
        "charset-windows-1251-russian.eml": charset_mail(
            "windows-1251",
            words("Холодильник не охлаждает", "windows-1251", "Q"),
            text(RUSSIAN + "\n", charset="windows-1251", cte="base64"),
            "olga@example.ru",
        ),
        "charset-iso-8859-1-french.eml": charset_mail(
            "iso-8859-1",
            words("Réfrigérateur en panne", "iso-8859-1", "Q"),
            text(FRENCH + "\n", charset="iso-8859-1"),
            address("Hélène Dubois", "helene@example.fr", charset="iso-8859-1"),
        ),
    }


def subject_split_words() -> bytes:
    # Outlook splits long subjects into several encoded words, sometimes inside a multi-byte letter.
    encoded = "گارانتی تمدید شد".encode()
    first, second = base64.b64encode(encoded[:7]).decode(), base64.b64encode(encoded[7:]).decode()
    return mail(
        customer(
            "maryam@example.ir", f"=?UTF-8?B?{first}?=\r\n =?UTF-8?B?{second}?=", "split-words-1@example.ir"
        ),
        text("متن\n"),
    )


# --- attachments -----------------------------------------------------------------------------------


def attachment_pdf() -> bytes:
    return mail(
        customer("Reza Moradi <reza@example.ir>", "Invoice for the repair", "attachment-pdf-1@example.ir"),
        multi(
            "mixed",
            "pdf-boundary",
            text("The invoice is attached.\n"),
            attachment("application/pdf", PDF, "invoice.pdf"),
        ),
    )


def attachment_image() -> bytes:
    return mail(
        customer("Reza Moradi <reza@example.ir>", "Photo of the damage", "attachment-image-1@example.ir"),
        multi(
            "mixed",
            "image-boundary",
            text("A photo of the cracked door.\n"),
            attachment("image/png", PNG, "door.png"),
        ),
    )


def attachment_persian_filename() -> bytes:
    name = "فاکتور خرید.pdf"
    disposition = f"Content-Disposition: attachment;\r\n filename*={encode_rfc2231(name, 'utf-8')}"
    part = leaf("application/pdf", PDF, cte="base64", params=f'; name="{words(name)}"', extra=(disposition,))
    return mail(
        customer(
            address("مریم کریمی", "maryam@example.ir"), words("فاکتور"), "attachment-rfc2231-1@example.ir"
        ),
        multi("mixed", "rfc2231-boundary", text("فاکتور پیوست است.\n"), part),
    )


def inline_cid_image() -> bytes:
    rich = '<p>The error on the screen:</p><p><img src="cid:screen-error@example.ir" alt="screen"></p>\n'
    return mail(
        customer("Reza Moradi <reza@example.ir>", "Error code on the screen", "inline-cid-1@example.ir"),
        multi(
            "alternative",
            "cid-alternative",
            text("The error on the screen: [image: screen]\n"),
            multi(
                "related",
                "cid-related",
                text(rich, subtype="html"),
                attachment("image/png", PNG, "screen.png", inline=True, content_id="screen-error@example.ir"),
                params='; type="text/html"',
            ),
        ),
    )


def text_attachment() -> bytes:
    log = leaf(
        "text/plain",
        b"2025-01-06 09:00 E42 compressor fault\n",
        params='; charset="us-ascii"',
        extra=('Content-Disposition: attachment; filename="error-log.txt"',),
    )
    return mail(
        customer("Reza Moradi <reza@example.ir>", "Error log", "text-attachment-1@example.ir"),
        multi("mixed", "log-boundary", text("The log from the service menu is attached.\n"), log),
    )


def too_many_attachments() -> bytes:
    notes = [
        attachment("text/plain", f"note {index}\n".encode(), f"note-{index:02}.txt") for index in range(1, 13)
    ]
    return mail(
        customer("Reza Moradi <reza@example.ir>", "Twelve notes", "too-many-1@example.ir"),
        multi("mixed", "many-boundary", text("Twelve notes are attached.\n"), *notes),
    )


# --- auto-replies --------------------------------------------------------------------------------


def auto_reply(subject: str, message_id: str, extra: tuple[str, ...] = ()) -> bytes:
    return mail(
        customer(
            "Sara Ahmadi <sara@example.com>",
            subject,
            message_id,
            replying_to=("vafa-1001-1@vafa.test",),
            extra=extra,
        ),
        text("I am away until 20 January and will read your message when I return.\n"),
    )


def auto_cases() -> dict[str, bytes]:
    return {
        "auto-auto-submitted.eml": auto_reply(
            "Re: [VF-1001] Phone does not charge",
            "auto-submitted-1@example.com",
            ("Auto-Submitted: auto-replied",),
        ),
        "auto-precedence-bulk.eml": auto_reply(
            "Newsletter", "precedence-1@example.com", ("Precedence: bulk",)
        ),
        "auto-x-autoreply.eml": auto_reply(
            "Re: [VF-1001] Phone does not charge", "x-autoreply-1@example.com", ("X-Autoreply: yes",)
        ),
        "auto-ooo-en.eml": auto_reply(
            "Out of Office: Re: [VF-1001] Phone does not charge", "ooo-en-1@example.com"
        ),
        "auto-ooo-fa.eml": auto_reply(
            words("پاسخ خودکار: Re: [VF-1001] Phone does not charge"), "ooo-fa-1@example.com"
        ),
        "auto-ooo-ar.eml": auto_reply(
            words("رد تلقائي: Re: [VF-1001] Phone does not charge"), "ooo-ar-1@example.com"
        ),
        "auto-ooo-ru.eml": auto_reply(
            words("Автоответ: Re: [VF-1001] Phone does not charge"), "ooo-ru-1@example.com"
        ),
        "auto-ooo-de.eml": auto_reply(
            words("Abwesenheitsnotiz: Re: [VF-1001] Phone does not charge"), "ooo-de-1@example.com"
        ),
        "auto-ooo-fr.eml": auto_reply(
            words("Réponse automatique : Re: [VF-1001] Phone does not charge"), "ooo-fr-1@example.com"
        ),
    }


# --- bounces ---------------------------------------------------------------------------------------

ORIGINAL_HEADERS = (
    "From: Vafa Support <support@vafa.test>\r\nTo: {to}\r\nSubject: [VF-1001] We received your request\r\n"
    "Date: Mon, 06 Jan 2025 09:00:00 +0000\r\nMessage-ID: <{message_id}>\r\n"
)


def bounce_rfc3464() -> bytes:
    status = (
        "Reporting-MTA: dns; mx.example.net\r\nArrival-Date: Mon, 06 Jan 2025 09:00:01 +0000\r\n\r\n"
        "Final-Recipient: rfc822; gone@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Remote-MTA: dns; mx.example.com\r\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\r\n"
    )
    original = ORIGINAL_HEADERS.format(to="gone@example.com", message_id="vafa-3001-1@vafa.test").encode()
    return mail(
        [
            "Return-Path: <>",
            "From: Mail Delivery Subsystem <mailer-daemon@mx.example.net>",
            "To: support@vafa.test",
            "Subject: Delivery Status Notification (Failure)",
            "Date: Mon, 06 Jan 2025 09:00:02 +0000",
            "Message-ID: <dsn-3001@mx.example.net>",
            "Auto-Submitted: auto-replied",
        ],
        multi(
            "report",
            "dsn-3001",
            text("Your message to gone@example.com could not be delivered: the address does not exist.\n"),
            b"Content-Type: message/delivery-status\r\n\r\n" + status.encode(),
            b"Content-Type: message/rfc822\r\n\r\n" + original + b"\r\nWe received your request.\r\n",
            params="; report-type=delivery-status",
        ),
    )


def bounce_postfix() -> bytes:
    notice = (
        "This is the mail system at host mail.example.org.\n\n"
        "I'm sorry to have to inform you that your message could not\n"
        "be delivered to one or more recipients. It's attached below.\n\n"
        "                   The mail system\n\n"
        "<nobody@example.org>: host mx.example.org[192.0.2.25] said: 550 5.1.1\n"
        "    <nobody@example.org>: Recipient address rejected: User unknown in local\n"
        "    recipient table (in reply to RCPT TO command)\n"
    )
    status = (
        "Reporting-MTA: dns; mail.example.org\r\nX-Postfix-Queue-ID: 4F2A31C0A1\r\n"
        "X-Postfix-Sender: rfc822; support@vafa.test\r\nArrival-Date: Mon,  6 Jan 2025 09:00:00 +0000 (UTC)\r\n\r\n"
        "Final-Recipient: rfc822; nobody@example.org\r\nOriginal-Recipient: rfc822;nobody@example.org\r\n"
        "Action: failed\r\nStatus: 5.1.1\r\nRemote-MTA: dns; mx.example.org\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.org>: Recipient address rejected\r\n"
    )
    original = ORIGINAL_HEADERS.format(to="nobody@example.org", message_id="vafa-3002-1@vafa.test").encode()
    return mail(
        [
            "Return-Path: <>",
            "From: MAILER-DAEMON@mail.example.org (Mail Delivery System)",
            "To: support@vafa.test",
            "Subject: Undelivered Mail Returned to Sender",
            "Date: Mon,  6 Jan 2025 09:00:03 +0000 (UTC)",
            "Message-Id: <20250106090003.4F2A31C0A1@mail.example.org>",
            "Auto-Submitted: auto-replied",
        ],
        multi(
            "report",
            "4F2A31C0A1.1736154003/mail.example.org",
            leaf(
                "text/plain",
                notice.encode(),
                params="; charset=us-ascii",
                extra=("Content-Description: Notification",),
            ),
            b"Content-Description: Delivery report\r\nContent-Type: message/delivery-status\r\n\r\n"
            + status.encode(),
            b"Content-Description: Undelivered Message Headers\r\nContent-Type: text/rfc822-headers\r\n\r\n"
            + original,
            params="; report-type=delivery-status",
        ),
    )


def bounce_exim() -> bytes:
    body = (
        "This message was created automatically by mail delivery software.\n\n"
        "A message that you sent could not be delivered to one or more of its\n"
        "recipients. This is a permanent error. The following address(es) failed:\n\n"
        "  missing@example.com\n    host mx.example.com [192.0.2.30]\n"
        "    SMTP error from remote mail server after RCPT TO:<missing@example.com>:\n"
        "    550 5.1.1 No such user\n\n"
        "------ This is a copy of the message, including all the headers. ------\n\n"
        "Return-path: <support@vafa.test>\n"
        + ORIGINAL_HEADERS.format(to="missing@example.com", message_id="vafa-3003-1@vafa.test").replace(
            "\r\n", "\n"
        )
        + "\nWe received your request.\n"
    )
    return mail(
        [
            "Return-path: <>",
            "From: Mail Delivery System <Mailer-Daemon@mx.example.com>",
            "To: support@vafa.test",
            "Subject: Mail delivery failed: returning message to sender",
            "Date: Mon, 06 Jan 2025 09:00:04 +0000",
            "Message-Id: <E1tUmXX-0003003-AB@mx.example.com>",
            "X-Failed-Recipients: missing@example.com",
            "Auto-Submitted: auto-replied",
        ],
        leaf("text/plain", body.encode(), cte="8bit", params="; charset=us-ascii"),
    )


# --- broken mail -----------------------------------------------------------------------------------


def broken_cases() -> dict[str, bytes]:
    missing_boundary = mail(
        customer("Reza Moradi <reza@example.ir>", "Missing boundary", "broken-boundary-1@example.ir"),
        b"Content-Type: multipart/mixed\r\n\r\n"
        + b"--lost-boundary\r\n"
        + text("The boundary parameter is missing, the parts are still here.\n")
        + b"\r\n--lost-boundary\r\n"
        + attachment("application/pdf", PDF, "manual.pdf")
        + b"\r\n--lost-boundary--\r\n",
    )
    truncated = mail(
        customer("Reza Moradi <reza@example.ir>", "Truncated multipart", "broken-truncated-1@example.ir"),
        multi(
            "mixed",
            "cut-here",
            text("The end of this message was cut off in transit.\n"),
            attachment("application/pdf", PDF, "cut.pdf"),
        )[:-60],
    )
    bad_base64 = mail(
        customer("Reza Moradi <reza@example.ir>", "Bad base64", "broken-base64-1@example.ir"),
        multi(
            "mixed",
            "b64-boundary",
            b'Content-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
            + base64.b64encode(b"The body is still readable.\n").rstrip(b"=")
            + b"!!$$\r\n",
            b'Content-Type: application/pdf; name="broken.pdf"\r\nContent-Transfer-Encoding: base64\r\n'
            b'Content-Disposition: attachment; filename="broken.pdf"\r\n\r\n%%%%%%\r\n',
        ),
    )
    # No charset parameter, and a subject in raw UTF-8 bytes instead of encoded words.
    undeclared_headers = "\r\n".join(
        customer("Reza Moradi <reza@example.ir>", "SUBJECT", "broken-undeclared-1@example.ir")
    ).encode("ascii")
    undeclared = (
        undeclared_headers.replace(b"SUBJECT", "یخچال خراب است".encode())
        + b"\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + crlf(PERSIAN.encode() + b"\n")
    )
    lying = mail(
        customer("khaled@example.sa", "Lying charset", "broken-lying-1@example.sa"),
        leaf("text/plain", (ARABIC + "\n").encode("cp1256"), cte="8bit", params='; charset="utf-8"'),
    )
    lying_latin = mail(
        customer("olga@example.ru", "Lying Latin-1 label", "broken-lying-latin-1@example.ru"),
        leaf("text/plain", (RUSSIAN + "\n").encode("koi8-r"), cte="8bit", params='; charset="iso-8859-1"'),
    )
    unknown = mail(
        customer("reza@example.ir", "Unknown charset", "broken-unknown-charset-1@example.ir"),
        leaf("text/plain", (PERSIAN + "\n").encode(), cte="8bit", params='; charset="x-vafa-unknown"'),
    )
    headers_only = "\r\n".join(
        customer("Reza Moradi <reza@example.ir>", "Headers only", "broken-headers-only-1@example.ir")
    )
    bad_headers = mail(
        [
            "From: Just A Name",
            "To: support@vafa.test",
            "Subject: =?utf-8?B?!!not-base64!!?= and =?x-unknown?Q?caf=E9?=",
            "Date: the day after tomorrow",
            "Message-ID: not a message id",
        ],
        text("The headers of this message are broken.\n"),
    )
    return {
        "broken-missing-boundary.eml": missing_boundary,
        "broken-truncated-multipart.eml": truncated,
        "broken-bad-base64.eml": bad_base64,
        "broken-undeclared-charset.eml": undeclared,
        "broken-lying-charset.eml": lying,
        "broken-lying-latin-1-label.eml": lying_latin,
        "broken-unknown-charset.eml": unknown,
        "broken-headers-only.eml": headers_only.encode("ascii") + b"\r\n",
        "broken-bad-headers.eml": bad_headers,
        "broken-body-only.eml": crlf(b"Hello,\nmy phone is broken, please call me back.\nThanks\n"),
        "broken-binary-junk.eml": random.Random(4).randbytes(4096),
        "broken-empty.eml": b"",
    }


def huge_attachment_mail(size_bytes: int) -> bytes:
    """Return a mail with one attachment of `size_bytes` (built at run time, never committed)."""
    block = bytes(range(256))
    data = (block * (size_bytes // len(block) + 1))[:size_bytes]
    return mail(
        customer("Reza Moradi <reza@example.ir>", "Video of the fault", "huge-attachment-1@example.ir"),
        multi(
            "mixed",
            "huge-boundary",
            text("The video of the fault is attached.\n"),
            attachment("application/octet-stream", data, "fault-video.mp4"),
        ),
    )


def corpus() -> dict[str, bytes]:
    """Return every corpus file by name."""
    return {
        "reply-gmail.eml": reply_gmail(),
        "reply-outlook.eml": reply_outlook(),
        "reply-apple-mail.eml": reply_apple_mail(),
        "reply-thunderbird.eml": reply_thunderbird(),
        "reply-gmail-persian.eml": reply_gmail_persian(),
        "reply-outlook-arabic.eml": reply_outlook_arabic(),
        "forward-gmail-inline.eml": forward_gmail_inline(),
        "forward-attached-rfc822.eml": forward_attached_rfc822(),
        "forward-bare-rfc822.eml": forward_bare_rfc822(),
        "html-only.eml": html_only(),
        "multipart-alternative.eml": multipart_alternative(),
        "subject-split-encoded-words.eml": subject_split_words(),
        "attachment-pdf.eml": attachment_pdf(),
        "attachment-image.eml": attachment_image(),
        "attachment-persian-filename-rfc2231.eml": attachment_persian_filename(),
        "inline-cid-image.eml": inline_cid_image(),
        "text-attachment.eml": text_attachment(),
        "too-many-attachments.eml": too_many_attachments(),
        "bounce-rfc3464-dsn.eml": bounce_rfc3464(),
        "bounce-postfix.eml": bounce_postfix(),
        "bounce-exim.eml": bounce_exim(),
        **charset_cases(),
        **auto_cases(),
        **broken_cases(),
    }


def main() -> None:
    for old in HERE.glob("*.eml"):
        old.unlink()
    for name, data in sorted(corpus().items()):
        (HERE / name).write_bytes(data)
    print(f"{len(corpus())} files written to {HERE}")


if __name__ == "__main__":
    main()
