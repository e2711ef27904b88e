"""Folding quoted history and signatures: what the customer wrote now stays in view, nothing is lost."""

from __future__ import annotations

import pytest

from vafa.channels.email.quotes import Split, has_forward_marker, split_html, split_text


def test_plain_reply_with_attribution_and_quote():
    text = "Still broken.\n\nOn Mon, Jan 6, 2025 at 9:00 AM Vafa <support@vafa.test> wrote:\n> Try again.\n"

    assert split_text(text) == Split(
        new="Still broken.\n\n",
        quoted="On Mon, Jan 6, 2025 at 9:00 AM Vafa <support@vafa.test> wrote:\n> Try again.\n",
        signature="",
    )


def test_attribution_wrapped_onto_two_lines():
    text = "Yes.\n\nOn Mon, Jan 6, 2025 at 9:00 AM Vafa Support <support@vafa.test>\nwrote:\n\n> Old.\n"

    assert split_text(text).quoted.startswith("On Mon, Jan 6, 2025")


@pytest.mark.parametrize(
    "attribution",
    [
        "در تاریخ دوشنبه ۶ ژانویه ۲۰۲۵، Vafa Support نوشت:",
        "Vafa Support نوشت:",
        "في 6 يناير 2025، كتب Vafa Support:",
        "Vafa Support كتب:",
        "6 января 2025 г., в 9:00, Vafa Support пишет:",
        "Vafa Support написал(а):",
    ],
)
def test_attributions_in_persian_arabic_and_russian(attribution):
    split = split_text(f"New text.\n\n{attribution}\n> Old text.\n")

    assert split.new == "New text.\n\n"
    assert split.quoted == f"{attribution}\n> Old text.\n"


@pytest.mark.parametrize(
    "separator",
    [
        "-----Original Message-----",
        "-----Исходное сообщение-----",
        "---------- Forwarded message ---------",
        "-------- Пересылаемое сообщение --------",
    ],
)
def test_separator_lines_start_the_history(separator):
    split = split_text(f"See below.\n\n{separator}\nOld text without quote marks.\n")

    assert split.new == "See below.\n\n"
    assert split.quoted == f"{separator}\nOld text without quote marks.\n"


@pytest.mark.parametrize(
    "block",
    [
        "From: Vafa <support@vafa.test>\nSent: Monday, January 6, 2025\nTo: Sara\nSubject: Hello\n",
        "از: Vafa <support@vafa.test>\nارسال شده: دوشنبه\nبه: سارا\nموضوع: سلام\n",
        "من: Vafa <support@vafa.test>\nتم الإرسال: الاثنين\nإلى: سارة\nالموضوع: مرحبا\n",
        "От: Vafa <support@vafa.test>\nОтправлено: понедельник\nКому: Сара\nТема: Привет\n",
    ],
)
def test_outlook_header_blocks_in_each_language(block):
    split = split_text(f"Reply.\n\n________________________________\n{block}\nOld.\n")

    assert split.new == "Reply.\n\n"
    assert split.quoted == f"________________________________\n{block}\nOld.\n"


def test_dash_dash_space_signature_before_the_quote():
    text = "Thanks!\n\n-- \nAli\n+98 21 1234\n\nOn Mon, Vafa wrote:\n> Old.\n"

    assert split_text(text) == Split(
        new="Thanks!\n\n", quoted="On Mon, Vafa wrote:\n> Old.\n", signature="-- \nAli\n+98 21 1234\n\n"
    )


@pytest.mark.parametrize("line", ["Sent from my iPhone", "ارسال شده از تلفن همراه", "Отправлено с iPhone"])
def test_mobile_signature_line(line):
    split = split_text(f"Thanks!\n\n{line}\n")

    assert split == Split(new="Thanks!\n\n", quoted="", signature=f"{line}\n")


def test_interleaved_reply_keeps_everything_in_view():
    text = "> Is it charging?\nNo.\n> Did you restart?\nYes.\n"

    assert split_text(text) == Split(new=text, quoted="", signature="")


def test_quote_only_mail_is_not_folded():
    text = "On Mon, Vafa wrote:\n> Old.\n"

    assert split_text(text) == Split(new=text, quoted="", signature="")


def test_bare_forward_is_not_folded():
    text = "---------- Forwarded message ---------\nFrom: Shop <shop@example.com>\nDate: today\nSubject: X\n\nBody\n"

    assert split_text(text) == Split(new=text, quoted="", signature="")


def test_pieces_hold_the_whole_text():
    text = "Hi.\n\n-- \nSig\n\nOn Mon, Vafa wrote:\n> a\n> b\n"
    split = split_text(text)

    assert split.new + split.signature + split.quoted == text


def test_forward_marker_is_found_in_any_language():
    assert has_forward_marker("Hi\n\n---------- Forwarded message ---------\nFrom: x\n")
    assert has_forward_marker("Привет\n-------- Пересылаемое сообщение --------\n")
    assert has_forward_marker("Begin forwarded message:\n")
    assert not has_forward_marker("Nothing forwarded here -- really.")


# --- HTML ------------------------------------------------------------------------------------------


def test_gmail_quote_and_signature():
    source = (
        '<div dir="ltr">New<div class="gmail_signature">Sig</div></div>'
        '<div class="gmail_quote">On x wrote:<blockquote class="gmail_quote">Old</blockquote></div>'
    )

    assert split_html(source) == Split(
        new='<div dir="ltr">New</div>',
        quoted='<div class="gmail_quote">On x wrote:<blockquote class="gmail_quote">Old</blockquote></div>',
        signature='<div class="gmail_signature">Sig</div>',
    )


def test_thunderbird_cite_prefix_and_blockquote():
    source = (
        '<p>New</p><div class="moz-cite-prefix">On x wrote:</div>\n<blockquote type="cite">Old</blockquote>'
    )

    split = split_html(source)

    assert split.new == "<p>New</p>"
    assert (
        split.quoted
        == '<div class="moz-cite-prefix">On x wrote:</div>\n<blockquote type="cite">Old</blockquote>'
    )


def test_outlook_divrplyfwdmsg_folds_everything_after_it():
    source = '<body><div>New</div><hr><div id="divRplyFwdMsg">From: x</div><div>Old</div></body>'

    split = split_html(source)

    assert split.new == "<body><div>New</div><hr>"
    assert split.quoted == '<div id="divRplyFwdMsg">From: x</div><div>Old</div></body>'


def test_yahoo_quoted():
    source = '<div>New</div><div class="yahoo_quoted"><div>Old</div></div>'

    assert split_html(source).quoted == '<div class="yahoo_quoted"><div>Old</div></div>'


def test_html_reply_written_below_the_quote_stays_in_view():
    source = '<blockquote type="cite">Old</blockquote><p>My answer below.</p>'

    assert split_html(source) == Split(new=source, quoted="", signature="")


def test_html_quote_only_is_not_folded():
    source = '<div class="gmail_quote">Old</div>'

    assert split_html(source) == Split(new=source, quoted="", signature="")


def test_unclosed_tags_do_not_break_the_split():
    source = '<div><p>New<div class="gmail_quote">Old<blockquote>older'

    split = split_html(source)

    assert split.new == "<div><p>New"
    assert split.quoted == '<div class="gmail_quote">Old<blockquote>older'
