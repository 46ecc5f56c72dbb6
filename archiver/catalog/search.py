"""Full-text search terms: Norwegian and Danish stemming (Snowball, through PyStemmer). Pure.

A comment's language is not known reliably (bokmål, nynorsk and Danish mix in one thread), so every word is
indexed under its Norwegian and its Danish stem, and a query word matches either: "søknadene" finds
"søknaden" and "søknad"; "kommunerne" finds "kommunen". SQLite indexes the stems we compute here (FTS5);
PostgreSQL computes the same with its ``norwegian`` and ``danish`` configurations.
"""

from __future__ import annotations

import re
from functools import cache

import Stemmer

__all__ = ["forms", "fts5_query", "stems", "words"]

_WORD = re.compile(r"\w+", re.UNICODE)
_LANGUAGES = ("norwegian", "danish")


@cache
def _stemmers() -> tuple[Stemmer.Stemmer, ...]:
    return tuple(Stemmer.Stemmer(language) for language in _LANGUAGES)


def words(text: str) -> list[str]:
    return [w.casefold() for w in _WORD.findall(text)]


def forms(word: str) -> list[str]:
    forms: list[str] = []
    for stemmer in _stemmers():
        form = stemmer.stemWord(word)
        if form not in forms:
            forms.append(form)
    return forms


def stems(text: str) -> str:
    """The text as its words' stems in both languages (what SQLite's FTS5 table holds)."""
    return " ".join(form for word in words(text) for form in forms(word))


def fts5_query(text: str) -> str | None:
    """An FTS5 MATCH expression: every query word (either stem) must occur. None when no word is left.
    Every term is quoted, so no input can inject FTS5 syntax."""
    terms = []
    for word in words(text):
        either = " OR ".join('"' + form.replace('"', '""') + '"' for form in forms(word))
        terms.append(f"({either})")
    return " AND ".join(terms) or None
