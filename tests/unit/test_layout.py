"""Line breaking for the direct engine: lines stay within the width, nothing is lost or reordered, newlines and
CJK breaks behave as in the HTML template (``white-space: pre-wrap``, ``word-wrap: break-word``)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archiver.render.fonts import chain
from archiver.render.layout import BODY, BOLD, Box, Line, Pages, Row, lines

pytestmark = pytest.mark.skipif(not chain(False), reason="the Debian font packages are not installed")


def _drawn(line: Line) -> str:
    return "".join(run.text for run in line.runs)


def _inked_width(line: Line) -> float:
    """The line's width without the spaces that hang at its end (as CSS lets them)."""
    width = line.width
    for run in reversed(line.runs):
        if run.face is None:
            break
        kept = run.text.rstrip(" ")
        width -= run.face.width(run.text[len(kept):]) * run.style.size / 1000
        if kept:
            break
    return width


LETTERS = st.sampled_from([*"abcdefghijklmnopqrstuvwxyzæøåÆØÅ0123456789,.-!?", "道", "路", "서"])
TEXT = st.lists(st.one_of(LETTERS, st.sampled_from([" ", "  ", "\n", "Kirkegata", "a" * 120, "👍", "🇳🇴"])),
                max_size=80).map("".join)


@settings(max_examples=200, deadline=None)
@given(text=TEXT, width=st.floats(min_value=40, max_value=520))
def test_lines_stay_within_the_width_and_keep_every_character_in_order(text, width):
    result = lines([(text, BODY)], width)
    for line in result:
        single = len(_drawn(line).strip(" ")) <= 1 or (len(line.runs) == 1 and line.runs[0].image)
        assert _inked_width(line) <= width + 1e-6 or single, (line.width, width, _drawn(line))
        xs = [run.x for run in line.runs]
        assert xs == sorted(xs)
    drawn = "".join(_drawn(line) for line in result)
    # only spaces at a wrap and the newlines themselves are not drawn
    assert drawn.replace(" ", "") == text.replace(" ", "").replace("\n", "")
    assert len(result) >= text.count("\n") + 1


def test_a_newline_starts_a_line_and_keeps_its_leading_spaces():
    result = lines([("første\n  andre", BODY)], 500)
    assert [_drawn(line) for line in result] == ["første", "  andre"]


def test_words_wrap_at_spaces_and_a_word_wider_than_the_line_breaks_between_letters():
    result = lines([("kort " * 30, BODY)], 200)
    assert len(result) > 1 and all(_drawn(line).strip().split(" ")[0] == "kort" for line in result)
    long = lines([("x" * 200, BOLD)], 100)
    assert len(long) > 1 and "".join(_drawn(line) for line in long) == "x" * 200


def test_cjk_text_breaks_between_characters():
    result = lines([("道路什么时候开放" * 10, BODY)], 100)
    assert len(result) > 1 and all(line.width <= 100 for line in result)


def test_a_block_that_fits_on_a_page_is_not_split_and_a_longer_one_continues():
    row = Row(height=100)
    pages = Pages()
    pages.block([row] * 6, Box())  # 600 pt: fits the first page
    pages.block([row] * 3, Box())  # 300 pt: does not fit what is left, fits a page: moves whole
    assert len(pages.pages) == 2
    pages.block([row] * 20, Box())  # taller than a page: continues over the next pages
    assert len(pages.pages) >= 4
