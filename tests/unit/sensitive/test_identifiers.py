"""Identifier checks on synthetic values only (Tenor, H- and FH-numbers, 1800s dates, published test numbers)."""

from __future__ import annotations

import datetime as dt

import pytest

from archiver.sensitive.identifiers import (
    card_brand,
    danish_cpr_kind,
    finnish_hetu_kind,
    is_iban,
    is_norwegian_account,
    norwegian_id_kind,
    swedish_id_kind,
)
from bench.make_sensitive_eval import _cpr, _hetu, _norwegian, _swedish

TODAY = dt.date(2026, 11, 21)


def _k(base: str) -> str:
    """Append classic K1 and K2 to nine digits (None where they would be 10)."""
    def mod11(digits: str, weights: tuple[int, ...]) -> int:
        return (11 - sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11) % 11
    k1 = mod11(base, (3, 7, 6, 1, 8, 9, 4, 5, 2))
    k2 = mod11(base + str(k1), (5, 4, 3, 2, 7, 6, 5, 4, 3, 2))
    return base + str(k1) + str(k2)


@pytest.mark.parametrize(("number", "kind"), [
    pytest.param("15838510075", "tenor", id="tenor-from-SENSITIVE_DATA"),
    pytest.param(_k("154385100"), "h-nummer", id="h-number"),
    pytest.param(_k("558385100"), "d-nummer+tenor", id="d-and-tenor"),
])
def test_norwegian_kinds(number: str, kind: str) -> None:
    assert norwegian_id_kind(number, TODAY) == kind


def test_generated_synthetic_numbers_validate() -> None:
    import random
    rng = random.Random(1)
    for kind, expected in (("tenor", "tenor"), ("h", "h-nummer"), ("fh", "fh-nummer")):
        for _ in range(20):
            assert norwegian_id_kind(_norwegian(rng, kind), TODAY) == expected
    for _ in range(20):
        assert danish_cpr_kind(_cpr(rng).replace("-", ""), TODAY) in ("cpr", "cpr-mod11")
        assert swedish_id_kind(_swedish(rng), TODAY) == "personnummer"
        assert swedish_id_kind(_swedish(rng, samordning=True), TODAY) == "samordningsnummer"
        assert finnish_hetu_kind(_hetu(rng)) == "hetu"


def test_fh_numbers_stdnum_rejects_are_accepted_and_a_changed_digit_fails() -> None:
    number = _k("912345678")[:11]
    assert norwegian_id_kind(number, TODAY) == "fh-nummer"
    broken = number[:10] + str((int(number[10]) + 1) % 10)
    assert norwegian_id_kind(broken, TODAY) is None


def test_2032_rule_allows_other_k1_values() -> None:
    base = "010132" + "123"  # born 1 January 2032 under the new rules (checked as of 2040)
    later = dt.date(2040, 1, 1)
    accepted = []
    for k1 in range(10):
        k2 = (11 - sum(int(d) * w for d, w in zip(base + str(k1), (5, 4, 3, 2, 7, 6, 5, 4, 3, 2), strict=True))
              % 11) % 11
        if k2 == 10:
            continue
        kind = norwegian_id_kind(base + str(k1) + str(k2), later)
        if kind:
            accepted.append(kind)
    assert 1 <= len(accepted) <= 4 and "fnr-2032" in accepted


def test_future_birth_dates_are_refused() -> None:
    assert norwegian_id_kind(_k("018530500"), dt.date(2025, 1, 1)) is None  # born 2030 (Tenor month 85)


def test_accounts_cards_iban() -> None:
    assert is_norwegian_account("15838510075")  # every valid fødselsnummer also passes the account check
    assert not is_norwegian_account("1234567")  # stdnum's 7-digit postgiro path is not used
    assert card_brand("4111111111111111") == "visa"
    assert card_brand("400123456789011") is None  # a Luhn-valid 15-digit KID is not a Visa length
    assert card_brand("2223000048400011") == "mastercard"
    assert is_iban("NO9386011117947") and not is_iban("NO9386011117948")
