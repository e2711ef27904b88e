"""Showing message HTML: images become links that load nothing until the reader opens them."""

from __future__ import annotations

from vafa.core.text import html_for_display


def test_remote_image_becomes_a_link_that_loads_nothing():
    shown = html_for_display('<p>See <img src="https://tracker.example/p.gif?id=7&amp;u=2" alt="photo"></p>')

    assert "<img" not in shown
    assert 'href="https://tracker.example/p.gif?id=7&amp;u=2"' in shown
    assert "[Image not loaded: photo]" in shown
    assert 'rel="noopener noreferrer nofollow"' in shown


def test_relative_or_scriptable_image_sources_leave_only_a_label():
    shown = html_for_display('<img src="x" onerror="alert(1)"><img src="javascript:alert(2)" alt="a">')

    assert "<img" not in shown and "onerror" not in shown and "javascript" not in shown
    assert shown.count("vafa-remote-image") == 2
    assert "href" not in shown


def test_alt_text_is_escaped():
    shown = html_for_display(
        '<img src="https://x.example/a.png" alt="&lt;script&gt;alert(1)&lt;/script&gt;">'
    )

    assert "<script>" not in shown
    assert "&lt;script&gt;" in shown


def test_text_without_images_is_the_sanitised_html():
    assert html_for_display("<p><b>Hi</b><script>x()</script></p>") == "<p><b>Hi</b></p>"
