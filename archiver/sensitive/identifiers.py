"""Checks for structured identifiers. Pure; digits in, a verdict out.

python-stdnum does the work where it is right (Danish CPR, Swedish personnummer, Finnish HETU, IBAN, Luhn,
organisation numbers); it is extended where it falls short for archive text
(../shared/reference/SENSITIVE_DATA.md section 3):

* Norwegian fødselsnummer: stdnum rejects FH-nummer, Tenor test numbers (month + 80) and the K1 values the
  2032 rules allow; ``norwegian_id_kind`` accepts them all and says which kind a number is;
* Swedish samordningsnummer (day + 60), which stdnum rejects;
* Finnish temporary HETU (individual number 900-999), which stdnum rejects unless asked;
* Norwegian kontonummer without stdnum's 7-digit postgiro path.

``today`` is passed in where a date must not lie in the future, so results do not depend on the clock.
"""

from __future__ import annotations

import datetime as dt

from stdnum import iban as _iban
from stdnum import luhn
from stdnum.dk import cpr as _cpr
from stdnum.dk import cvr as _cvr
from stdnum.exceptions import ValidationError
from stdnum.fi import hetu as _hetu
from stdnum.no import orgnr as _orgnr

__all__ = [
    "card_brand", "danish_cpr_kind", "finnish_hetu_kind", "is_danish_cvr", "is_iban", "is_norwegian_account",
    "is_norwegian_orgnr", "norwegian_id_kind", "swedish_id_kind",
]

_W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _mod11(digits: str, weights: tuple[int, ...]) -> int | None:
    rest = 11 - sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11
    return {11: 0, 10: None}.get(rest, rest)


def _birth_year_no(yy: int, individual: int) -> int | None:
    if individual <= 499:
        return 1900 + yy
    if individual <= 749 and yy >= 54:
        return 1800 + yy
    if individual >= 500 and yy < 40:
        return 2000 + yy
    if individual >= 900 and yy >= 40:
        return 1900 + yy
    return None


def norwegian_id_kind(digits: str, today: dt.date) -> str | None:
    """'fnr', 'd-nummer', 'h-nummer', 'tenor', combinations joined by '+', 'fh-nummer', 'fnr-2032', or None.

    K2 is always the kontonummer weights; K1 is the classic check, or (numbers from 2032 on) any value with
    the weighted sum including K1 in {0, 1, 2, 3} mod 11."""
    if len(digits) != 11 or not digits.isdigit():
        return None
    if _mod11(digits[:10], _W2) != int(digits[10]):
        return None
    classic = _mod11(digits[:9], _W1) == int(digits[9])
    if not classic and sum(int(d) * w for d, w in zip(digits[:10], (*_W1, 1), strict=True)) % 11 not in (1, 2, 3):
        return None
    if digits[0] in "89":
        return "fh-nummer" if classic else None
    day, month, yy, individual = int(digits[:2]), int(digits[2:4]), int(digits[4:6]), int(digits[6:9])
    kinds = []
    if day > 40:
        day -= 40
        kinds.append("d-nummer")
    if month > 80:
        month -= 80
        kinds.append("tenor")
    elif month > 40:
        month -= 40
        kinds.append("h-nummer")
    if classic:
        year = _birth_year_no(yy, individual)
    else:  # 2032 rules: the individual number no longer gives the century; the youngest plausible one wins
        year = 2000 + yy if 2000 + yy <= today.year else 1900 + yy
        kinds.append("2032")
    try:
        born = dt.date(year, month, day) if year is not None else None
    except ValueError:
        return None
    if born is None or born > today:
        return None
    return "+".join(kinds) if kinds and kinds != ["2032"] else ("fnr-2032" if kinds else "fnr")


def danish_cpr_kind(digits: str, today: dt.date) -> str | None:
    """'cpr' when date and century are valid ('cpr-mod11' when the old check also holds), else None. The
    mod-11 check is not guaranteed since 2007, so it only raises confidence."""
    if len(digits) != 10 or not digits.isdigit():
        return None
    try:
        born = _cpr.get_birth_date(digits)
    except (ValidationError, ValueError):
        return None
    if born > today:
        return None
    mod11 = sum(int(d) * w for d, w in zip(digits, (4, 3, 2, 7, 6, 5, 4, 3, 2, 1), strict=True)) % 11 == 0
    return "cpr-mod11" if mod11 else "cpr"


def swedish_id_kind(text: str, today: dt.date) -> str | None:
    """'personnummer' or 'samordningsnummer' for 10 or 12 digits with an optional '-' or '+', else None."""
    compact = text.replace(" ", "")
    digits = "".join(c for c in compact if c.isdigit())
    if len(digits) == 12:
        digits = digits[2:]
    if len(digits) != 10 or not luhn.is_valid(digits):
        return None
    day = int(digits[4:6])
    kind = "personnummer"
    if day > 60:
        kind, day = "samordningsnummer", day - 60
    try:
        born = dt.date(_se_century(int(digits[:2]), today), int(digits[2:4]), day)
    except ValueError:
        return None
    return kind if born <= today else None


def _se_century(yy: int, today: dt.date) -> int:
    year = today.year - today.year % 100 + yy
    return year if year <= today.year else year - 100


def finnish_hetu_kind(text: str) -> str | None:
    """'hetu' (or 'hetu-temporary' for individual numbers 900-999) for a valid DDMMYYCZZZQ, else None."""
    try:
        _hetu.validate(text.upper(), allow_temporary=True)
    except (ValidationError, ValueError):
        return None
    return "hetu-temporary" if int(text[7:10]) >= 900 else "hetu"


def is_norwegian_account(digits: str) -> bool:
    """An 11-digit kontonummer (mod 11 with the K2 weights); stdnum's 7-digit postgiro path is not used."""
    return len(digits) == 11 and digits.isdigit() and _mod11(digits[:10], _W2) == int(digits[10])


def is_norwegian_orgnr(digits: str) -> bool:
    return len(digits) == 9 and digits[0] in "89" and _orgnr.is_valid(digits)


def is_danish_cvr(digits: str) -> bool:
    return len(digits) == 8 and _cvr.is_valid(digits)


def is_iban(text: str) -> bool:
    return _iban.is_valid(text)


def card_brand(digits: str) -> str | None:
    """The card scheme for a Luhn-valid number of that scheme's length and issuer prefix, else None."""
    if not digits.isdigit() or not 13 <= len(digits) <= 19 or not luhn.is_valid(digits):
        return None
    two, four = int(digits[:2]), int(digits[:4])
    if digits.startswith("4571") and len(digits) == 16:
        return "visa-dankort"
    if digits.startswith("5019") and len(digits) == 16:
        return "dankort"
    if digits[0] == "4" and len(digits) in (13, 16, 19):
        return "visa"
    if (51 <= two <= 55 or 2221 <= four <= 2720) and len(digits) == 16:
        return "mastercard"
    if two in (34, 37) and len(digits) == 15:
        return "amex"
    return None
