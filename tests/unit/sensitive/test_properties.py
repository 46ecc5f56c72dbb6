"""Property-based robustness: any Unicode, adversarial digit runs and huge texts never crash the detector,
spans stay inside the text, and time grows linearly with the input."""

from __future__ import annotations

import datetime as dt
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from archiver.sensitive import CATEGORIES, Detector

DETECTOR = Detector(today=dt.date(2026, 11, 21))
PIECES = st.sampled_from(["158385 10075", "4111 1111 1111 1111", "+47 912 34 567", "a@b.co", "NO93 8601 1117 947",
                          "Min sønn på 7 år", "jeg har diabetes", "Storgata 12", "jeg bor i", "Kari Hansen",
                          "\u202e", "\u200b", "\x00", "\ud800", "1" * 40, "-", ".", " ", "\n", "kr", "KID"])


def _check(text: str) -> None:
    for finding in DETECTOR.detect(text):
        assert 0 <= finding.start < finding.end <= len(text)
        assert finding.category in CATEGORIES and 0 < finding.confidence <= 1


@given(st.text())
@settings(max_examples=300, deadline=None)
def test_any_unicode(text: str) -> None:
    _check(text)


@given(st.lists(st.one_of(PIECES, st.text(max_size=5), st.from_regex(r"[0-9 .+-]{1,30}", fullmatch=True)),
                max_size=40).map("".join))
@settings(max_examples=300, deadline=None)
def test_adversarial_mixtures(text: str) -> None:
    _check(text)


def test_time_grows_linearly_with_the_input() -> None:
    unit = "Ring meg på 912 34 567, fnr 158385 10075. Min sønn på 7 år har astma. 1234 5678 9012 3456 " * 10

    def seconds(copies: int) -> float:
        text = unit * copies
        start = time.perf_counter()
        _check(text)
        return time.perf_counter() - start

    small, large = min(seconds(5) for _ in range(3)), min(seconds(50) for _ in range(3))
    assert large < small * 10 * 3, (small, large)  # 10x the text: well under 30x the time


def test_many_findings_stay_linear() -> None:
    unit = "Min sønn på 7 år har astma. Jeg bor i Storgata 5. Ring 912 34 567. "

    def seconds(copies: int) -> float:   # the best of three: one pause of a shared machine is no slope
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            found = DETECTOR.detect(unit * copies)
            best = min(best, time.perf_counter() - start)
        assert len(found) == 4 * copies
        return best

    small, large = seconds(200), seconds(2000)
    assert large < small * 10 * 3, (small, large)  # 10x the findings: well under 30x the time


def test_a_megabyte_comment_and_a_long_digit_run() -> None:
    _check("å" * 1_000_000)
    _check("9" * 200_000)
    _check("12 " * 100_000)
