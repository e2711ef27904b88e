"""Guessing the customer's language from the letters they wrote."""

from __future__ import annotations

import pytest

from vafa.channels.email.language import guess_language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("سلام، گوشی من روشن نمی‌شود.", "fa"),
        ("سلام، يخچال من خنک نمي‌کند", "fa"),  # windows-1256 Persian: Arabic yeh, Persian kaf and gaf
        ("شماره سفارش ۱۲۳۴ است", "fa"),
        ("مرحبا، الثلاجة لا تبرد منذ أمس.", "ar"),
        ("Здравствуйте, телефон не заряжается.", "ru"),
        ("Hello, the phone does not charge.", "en"),
        ("Bonjour, le téléphone ne charge plus.", "en"),
    ],
)
def test_each_script_gives_its_language(text, language):
    assert guess_language(text) == language


def test_persian_with_an_english_model_name_is_persian():
    assert guess_language("گوشی Samsung Galaxy من خاموش شده و روشن نمی‌شود") == "fa"


def test_arabic_with_one_persian_letter_is_still_arabic():
    assert guess_language("مرحبا، اسمي گلنار والثلاجة لا تبرد منذ يومين يا أخي") == "ar"


@pytest.mark.parametrize("text", ["", "ok", "12345 !!!", "۱۲۳"])
def test_too_little_text_is_unsure(text):
    assert guess_language(text) is None


def test_an_even_mix_of_scripts_is_unsure():
    assert guess_language("Test тест") is None
