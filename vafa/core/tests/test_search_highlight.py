from vafa.core.search import parse_query
from vafa.core.search.highlight import excerpt, highlight


def test_highlight_marks_every_matching_word_escaped():
    assert str(highlight("<b> Battery and battery, كتاب", parse_query("battery کتاب"))) == (
        "&lt;b&gt; <mark>Battery</mark> and <mark>battery</mark>, <mark>كتاب</mark>"
    )


def test_excerpt_of_long_text_is_cut_around_the_first_match_and_marks_inside_only():
    # given
    text = " ".join(["filler"] * 100) + " the battery drains " + " ".join(["more"] * 100) + " battery"

    # when
    cut = str(excerpt(text, parse_query("battery"), length=60))

    # then
    assert cut.startswith("…") and cut.endswith("…")
    assert cut.count("<mark>battery</mark>") == 1
    assert "the <mark>battery</mark> drains" in cut


def test_excerpt_with_other_forms_marks_words_found_by_them():
    # given a form function as the knowledge base's stems
    def forms(token: str) -> list[str]:
        return ["batter"] if token.startswith("batter") else []

    # when
    cut = str(excerpt("Batteries wear out.", parse_query("batter"), forms=forms))

    # then
    assert cut == "<mark>Batteries</mark> wear out."


def test_excerpt_of_a_phone_number_marks_the_run():
    assert "<mark>+98 912 345 6789</mark>" in str(
        excerpt("Call +98 912 345 6789 now", parse_query("09123456789"))
    )
