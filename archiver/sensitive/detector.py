"""The sensitive-data detector: text in, findings out. Pure and deterministic (``today`` is injected).

Structured identifiers follow "candidate pattern -> checksum and date -> context -> decision"
(../shared/reference/SENSITIVE_DATA.md): only checksum-valid numbers become ``national_id`` with high
confidence; an invalid one with a strong context word is reported at low confidence. Context words are
matched as substrings of the few words before a candidate, because Nordic compounds ("fødselsnummeret",
"kontonummeret") defeat whole-word matching. Free-text categories come from word lists (``lexicons``) and
count only in a sentence about a specific person (first person, possessives, kin, pronouns), never in one
about a group.

Policy (README, "Sensitive personal data"): only data about private persons is screened. The organisation's
own contact points (``OrganisationProfile``: switchboard numbers, mail domains, bank accounts, public
buildings, officials' names) and institutional mailboxes (``postmottak@``...) are not findings.

Findings carry character offsets into the given string (end exclusive). Matched values are never logged.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import phonenumbers

from . import lexicons
from .identifiers import (
    card_brand,
    danish_cpr_kind,
    finnish_hetu_kind,
    is_iban,
    is_norwegian_account,
    norwegian_id_kind,
    swedish_id_kind,
)

__all__ = ["CATEGORIES", "DETECTOR", "VERSION", "Detector", "Finding", "OrganisationProfile"]

DETECTOR = "socialarkiv-rules"
VERSION = "1.1"  # 1.1: announced identifiers failing their check (Swedish 12-digit, kontonummer, phone)
CATEGORIES = ("national_id", "phone", "email", "bank_account", "iban", "payment_card", "address", "person_name",
              "health", "other_special_category", "criminal_offence", "child_related")
STRUCTURED = ("national_id", "iban", "payment_card", "bank_account", "phone", "email")  # overlap priority


@dataclass(frozen=True)
class Finding:
    start: int
    end: int
    category: str
    confidence: float
    subtype: str | None = None
    detector: str = DETECTOR
    version: str = VERSION

    def to_entity(self) -> dict[str, object]:
        entity: dict[str, object] = {"start": self.start, "end": self.end, "category": self.category,
                                     "confidence": self.confidence}
        if self.subtype:
            entity["subtype"] = self.subtype
        return entity


@dataclass(frozen=True)
class OrganisationProfile:
    """What belongs to the organisation itself and is therefore not a finding."""

    phones: frozenset[str] = frozenset()          # digits only, national or with country code
    mail_domains: frozenset[str] = frozenset()    # "sarpsborg.kommune.no": every address there is work mail
    accounts: frozenset[str] = frozenset()        # kontonummer / IBAN, compact
    addresses: frozenset[str] = frozenset()       # "storgata 1": public buildings
    names: frozenset[str] = frozenset()           # "kari nordmann": officials and employees in their role

    @classmethod
    def build(cls, *, phones: Iterable[str] = (), mail_domains: Iterable[str] = (), accounts: Iterable[str] = (),
              addresses: Iterable[str] = (), names: Iterable[str] = ()) -> OrganisationProfile:
        return cls(frozenset(_digits(p)[-8:] for p in phones), frozenset(d.lower().lstrip("@") for d in mail_domains),
                   frozenset(re.sub(r"[\s.]", "", a).upper() for a in accounts),
                   frozenset(_fold(a) for a in addresses), frozenset(_fold(n) for n in names))


INSTITUTIONAL_MAILBOXES = frozenset({
    "post", "postmottak", "postmottaket", "kundeservice", "kundesenter", "info", "kontakt", "servicetorget",
    "servicesenter", "support", "noreply", "no-reply", "presse", "sentralbord", "firmapost", "kommune", "borgerservice",
    "registrator", "arkiv", "digitalpost", "webmaster", "hello", "contact", "office",
})

_ID_CONTEXT = ("fødselsnummer", "fødselsnr", "fnr", "personnummer", "personnr", "person nr", "d-nummer", "dnr",
               "cpr", "personnumret", "samordningsnummer", "hetu", "henkilötunnus", "henkilötunnus", "social security",
               "ssn", "id-nummer", "identitetsnummer", "født", "fødd", "personal number", "personnumm")
_ACCOUNT_CONTEXT = ("konto", "kontonr", "bankkonto", "reg.nr", "regnr", "reg nr", "registreringsnummer", "account",
                    "overfør", "overføre", "innbetal", "bank")
_PHONE_CONTEXT = ("tlf", "telefon", "mobil", "ring", "sms", "phone", "call", "tel.", "tel:", "mob.", "mob:",
                  "nås på", "treffes på", "träffas på", "ringa", "ringe", "nummeret mitt", "nummeret mit",
                  "nummer er", "numret", "whatsapp")
_VETO_CONTEXT = ("kid", "faktura", "fakturanr", "ordre", "ordrenr", "bestilling", "kundenummer", "kundenr",
                 "saksnummer", "saksnr", "sak ", "referanse", "ref.", "ref ", "ref:", "invoice", "order", "booking",
                 "sporing", "pakke", "sending", "journalnummer", "journalpost", "org.nr", "orgnr", "org nr",
                 "organisasjonsnummer", "cvr", "gnr", "bnr", "ordrenummer", "bestillingsnummer", "betalings",
                 "ocr", "kvittering", "tracking", "kontrakt", "avtalenummer", "avtale nr", "kundnummer", "ärende",
                 "sagsnummer", "sagsnr", "fakturanummer")
_MONEY = re.compile(r"(?:\bkr\.?|\bkroner|\bkronor|\bnok\b|\bdkk\b|\bsek\b|\beur\b|,-|€|\$|\bmill)", re.IGNORECASE)
_CARD_CONTEXT = ("kort", "card", "visa", "mastercard", "dankort", "kredittkort", "betalingskort", "amex")

_NO11 = re.compile(r"(?<![\w.,/-])(\d{6})[ .-]?(\d{5})(?![\w/-]|[.,]\d)")
_NO_ACCOUNT_DOTTED = re.compile(r"(?<![\w.])(\d{4})[. ](\d{2})[. ](\d{5})(?![\w]|[.,]\d)")
_TEN = re.compile(r"(?<![\w.,/-])(\d{6})([-+ ]?)(\d{4})(?![\w/-]|[.,]\d)")
_SE12 = re.compile(r"(?<![\w.,/-])((?:18|19|20)\d{6})([-+]?)(\d{4})(?![\w/-]|[.,]\d)")
_HETU = re.compile(r"(?<![\w])(\d{6}[-+A-FU-Y]\d{3}[0-9A-Y])(?![\w])", re.IGNORECASE)
_PHONE_INTL = re.compile(r"(?<![\w+])(?:\+|00)\s?(?:47|45|46|358|354|44|49|1)(?:[ -]?\d){6,12}(?![\d])")
_PHONE_GROUPED = re.compile(
    r"(?<![\w.,+-])(?:\d{2} \d{2} \d{2} \d{2}|\d{3} \d{2} \d{3}|\d{4} \d{4}|0\d{1,3}[- ]\d{2,3} ?\d{2} ?\d{2}"
    r"|\d{8})(?![\w]|[.,]\d| ?\d)")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_IBAN = re.compile(r"(?<![\w])([A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30})(?![\w])")
_CARD = re.compile(r"(?<![\w.,])(?:\d[ -]?){12,18}\d(?![\w]|[.,]\d)")
_DK_ACCOUNT = re.compile(r"(?i)\breg(?:\.|istrerings)?\s*(?:nr\.?|nummer)?\s*:?\s*(\d{4})[\s,.:/-]*(?:og\s+|and\s+)?"
                         r"(?:konto(?:nr|nummer)?\.?\s*:?\s*)?(\d{6,10})\b")
_STREET = re.compile(
    r"(?<![\w])((?:[A-ZÆØÅÄÖÉ][\w-]+ ){0,2}[A-ZÆØÅÄÖÉ]?[\wæøåäöé-]*(?:" +
    "|".join(re.escape(s) for s in sorted(lexicons.STREET_SUFFIXES, key=len, reverse=True)) +
    r"))\s+(\d{1,4}(?: ?[A-Za-z](?![\w]))?)(?:,?\s*(\d{4})(?:\s+[A-ZÆØÅ][\wæøå]+)?)?",
)
_STREET_EN = re.compile(r"(?<![\w])\d{1,4} (?:[A-Z][a-z]+ ){1,2}(?:Road|Street|Lane|Avenue|Close|Way|Drive)\b")
_SENTENCE = re.compile(r"[^.!?\n]+[.!?\n]*")
_NAME_INTRO = re.compile(
    r"(?i:jeg heter|eg heiter|mitt navn er|mitt namn er|jeg hedder|mit navn er|jag heter|mitt namn är|"
    r"my name is|naboen|naboen min|sønnen min|datteren min|min sønn|min datter|min søn|min dotter|"
    r"min son|my son|my daughter|kona mi|mannen min|min mor|min far)\s+([A-ZÆØÅÄÖ][a-zæøåäöé]{1,20})\b")


_TOKEN = re.compile(r"\w+")
Token = tuple[int, int, str]


class _Lexicon:
    """Word-list matching over the text's tokens (one dictionary lookup per token instead of a regex with
    hundreds of alternatives): a term matches at the start of a word and may continue ("diabetes" finds
    "diabetesen"); a term ending in ``=`` must be the whole word; a term of several words matches them in a
    row, the last one as a prefix."""

    def __init__(self, terms: Iterable[str]) -> None:
        self.index: dict[str, list[tuple[tuple[str, ...], bool]]] = {}
        for term in set(terms):
            whole = term.endswith("=")
            words = tuple(_TOKEN.findall(term.rstrip("=").lower()))
            if words:
                self.index.setdefault(words[0][:3], []).append((words, whole))
        for entries in self.index.values():
            entries.sort(key=lambda e: -sum(len(w) for w in e[0]))  # the longest term first

    def find(self, tokens: list[Token]) -> Iterator[tuple[int, int]]:
        for i, (start, _end, word) in enumerate(tokens):
            for words, whole in self.index.get(word[:3], ()):
                if i + len(words) > len(tokens):
                    continue
                if all(tokens[i + k][2] == w for k, w in enumerate(words[:-1])) and (
                        tokens[i + len(words) - 1][2] == words[-1] if whole
                        else tokens[i + len(words) - 1][2].startswith(words[-1])):
                    yield start, tokens[i + len(words) - 1][1]
                    break


_HEALTH = _Lexicon(lexicons.HEALTH["stems"])
_SPECIAL = {subtype: _Lexicon(terms) for subtype, terms in lexicons.SPECIAL.items()}
_CRIME = _Lexicon(lexicons.CRIME)
_PERSON = _Lexicon(lexicons.PERSON_MARKERS)
_GROUP = _Lexicon(lexicons.GROUP_MARKERS)
_CHILD = re.compile(lexicons.CHILD_PHRASE, re.IGNORECASE)
_CHILD_AGE = re.compile(lexicons.CHILD_AGE, re.IGNORECASE)
_CHILD_WORDS = frozenset(lexicons.CHILD_WORDS)
_SCHOOL = _Lexicon(lexicons.SCHOOL_CONTEXT)
_RESIDENCE = tuple(lexicons.RESIDENCE_CONTEXT)
_FIRST = frozenset(n.capitalize() for n in lexicons.FIRST_NAMES)
_CAPITALISED = re.compile(r"(?<![\w])[A-ZÆØÅÄÖ][a-zæøåäöé]+(?![\w])")
_NOT_SURNAME = frozenset("""Kommune Kommunes Bymiljøetaten Etaten Skatteetaten Nav Politiet Storgata Gate Vei Vegen
Veien Skole Skolen Barnehage Sykehus Hospital Street Road Rådhus Rådhuset Bibliotek Biblioteket Kirke Kirken Hei
Takk Mvh Hilsen Kjære God Dag Jul Påske Norge Danmark Sverige Oslo Bergen Trondheim Stavanger København Aarhus
Stockholm Göteborg Malmö Sarpsborg Silkeborg Roskilde Fredrikstad Og Eller Som Men Er Har The And""".split())
_LANG_REGIONS = {"nb": ("NO",), "nn": ("NO",), "no": ("NO",), "da": ("DK",), "sv": ("SE",), "en": ("GB", "NO"),
                 None: ("NO", "DK", "SE")}


class Detector:
    """Find personal data in comment text. ``today`` bounds birth dates; ``profile`` is the organisation."""

    def __init__(self, *, today: dt.date, profile: OrganisationProfile | None = None) -> None:
        self.today = today
        self.profile = profile or OrganisationProfile()

    def detect(self, text: str, lang: str | None = None) -> list[Finding]:
        """Every finding in ``text``, sorted by position. Never raises on any string."""
        if not text:
            return []
        lower = text.lower()
        found: list[Finding] = []
        found.extend(self._identifiers(text, lower, lang))
        found.extend(self._contacts(text, lower, lang))
        found.extend(self._free_text(text, lower))
        return _resolve(found)

    # --------------------------------------------------------------------------------- national ids, money

    def _identifiers(self, text: str, lower: str, lang: str | None) -> Iterator[Finding]:
        for match in _NO_ACCOUNT_DOTTED.finditer(text):
            digits = "".join(match.groups())
            if _near(lower, match.start(), _VETO_CONTEXT) or digits in self.profile.accounts:
                continue
            if is_norwegian_account(digits):
                yield Finding(match.start(), match.end(), "bank_account", 0.97, "no-kontonummer")
            elif _near(lower, match.start(), _ACCOUNT_CONTEXT):  # announced, in the account's grouping: a typo
                yield Finding(match.start(), match.end(), "bank_account", 0.4, "no-kontonummer-checksum-invalid")
        for match in _NO11.finditer(text):
            digits = match.group(1) + match.group(2)
            start, end = match.span()
            vetoed = _near(lower, start, _VETO_CONTEXT)
            id_context = _near(lower, start, _ID_CONTEXT)
            account_context = _near(lower, start, _ACCOUNT_CONTEXT)
            kind = norwegian_id_kind(digits, self.today)
            if account_context and not id_context and is_norwegian_account(digits):
                if digits not in self.profile.accounts and not vetoed:
                    yield Finding(start, end, "bank_account", 0.9, "no-kontonummer")
            elif kind is not None and (not vetoed or id_context):
                yield Finding(start, end, "national_id", 0.99 if kind == "fnr" else 0.97, f"no-{kind}")
            elif id_context and not vetoed:
                yield Finding(start, end, "national_id", 0.4, "no-checksum-invalid")
        for match in _SE12.finditer(text):
            kind = swedish_id_kind(match.group(0), self.today)
            if _near(lower, match.start(), _VETO_CONTEXT):
                continue
            if kind:
                yield Finding(match.start(), match.end(), "national_id", 0.95, f"se-{kind}")
            elif _near(lower, match.start(), _ID_CONTEXT):
                yield Finding(match.start(), match.end(), "national_id", 0.4, "se-checksum-invalid")
        for match in _TEN.finditer(text):
            yield from self._ten_digits(match, lower, lang)
        for match in _HETU.finditer(text):
            kind = finnish_hetu_kind(match.group(1))
            if kind:
                yield Finding(match.start(), match.end(), "national_id", 0.98, f"fi-{kind}")

    def _ten_digits(self, match: re.Match[str], lower: str, lang: str | None) -> Iterator[Finding]:
        start, end = match.span()
        digits, separator = match.group(1) + match.group(3), match.group(2)
        if _near(lower, start, _VETO_CONTEXT) or (_near(lower, start, _PHONE_CONTEXT, 20) and not separator):
            return
        context = _near(lower, start, _ID_CONTEXT)
        if not context and _near(lower, start, _ACCOUNT_CONTEXT, 25):
            return  # "reg.nr. 1234 konto 2008122520": an account number, not a CPR
        cpr = danish_cpr_kind(digits, self.today)
        swedish = swedish_id_kind(match.group(0), self.today)
        if separator == " " and not context:
            return  # "123456 7890" is too often a reference
        if cpr and (separator == "-" or context):
            yield Finding(start, end, "national_id", 0.97 if cpr == "cpr-mod11" or context else 0.9, "dk-cpr")
        elif swedish and ((separator in "-+" and separator) or context or lang == "sv"):
            yield Finding(start, end, "national_id", 0.95, f"se-{swedish}")
        elif cpr and lang == "da" and separator == "":
            yield Finding(start, end, "national_id", 0.6, "dk-cpr")
        elif context and not cpr and not swedish:
            yield Finding(start, end, "national_id", 0.4, "checksum-invalid")

    # ----------------------------------------------------------------------------------- contact and money

    def _contacts(self, text: str, lower: str, lang: str | None) -> Iterator[Finding]:
        for match in _EMAIL.finditer(text):
            local, _, domain = match.group(0).rstrip(".").lower().rpartition("@")
            if local in INSTITUTIONAL_MAILBOXES or any(domain == d or domain.endswith("." + d)
                                                       for d in self.profile.mail_domains):
                continue
            yield Finding(match.start(), match.start() + len(match.group(0).rstrip(".")), "email", 0.99)
        for match in _IBAN.finditer(text):
            compact = match.group(1).replace(" ", "")
            if is_iban(compact) and compact not in self.profile.accounts:
                yield Finding(match.start(), match.end(), "iban", 0.99)
        for match in _DK_ACCOUNT.finditer(text):
            if (match.group(1) + match.group(2)) not in self.profile.accounts:
                yield Finding(match.start(1), match.end(2), "bank_account", 0.9, "dk-reg-konto")
        for match in _CARD.finditer(text):
            digits = _digits(match.group(0))
            brand = card_brand(digits)
            if brand and not _near(lower, match.start(), _VETO_CONTEXT):
                confident = _near(lower, match.start(), _CARD_CONTEXT) or " " in match.group(0) or "-" in match.group(0)
                yield Finding(match.start(), match.end(), "payment_card", 0.97 if confident else 0.85, brand)
        for pattern in (_PHONE_INTL, _PHONE_GROUPED):
            for match in pattern.finditer(text):
                finding = self._phone(match, text, lower, lang)
                if finding:
                    yield finding

    def _phone(self, match: re.Match[str], text: str, lower: str, lang: str | None) -> Finding | None:
        raw = match.group(0)
        start, end = match.span()
        digits = _digits(raw)
        if digits[-8:] in self.profile.phones:
            return None
        if _near(lower, start, _VETO_CONTEXT) or _near(lower, start, _ID_CONTEXT, 25) or _money(lower, start, end):
            return None
        international = raw.startswith(("+", "00"))
        bare = raw.isdigit()
        if bare and not _near(lower, start, _PHONE_CONTEXT):
            return None  # an 8-digit run alone is more often an order or customer number
        possible = None
        for region in _LANG_REGIONS.get(lang, _LANG_REGIONS[None]):
            try:
                number = phonenumbers.parse(raw, None if international else region)
            except phonenumbers.NumberParseException:
                continue
            if not phonenumbers.is_valid_number(number):
                if international and possible is None and phonenumbers.is_possible_number(number):
                    possible = number
                continue
            national = str(number.national_number)
            if number.country_code == 47 and national[:1] == "8":
                return None  # 8xx are service numbers (freephone, premium): not a person's number
            if national[-8:] in self.profile.phones:
                return None
            confidence = 0.95 if international or _near(lower, start, _PHONE_CONTEXT) else 0.85
            return Finding(start, end, "phone", confidence, f"{phonenumbers.region_code_for_number(number)}")
        if possible is not None and _near(lower, start, _PHONE_CONTEXT):
            # announced and dialable, in a range the numbering plan does not assign (yet, or to fiction)
            return Finding(start, end, "phone", 0.4, f"{phonenumbers.region_code_for_number(possible)}-unassigned")
        return None

    # ------------------------------------------------------------------------------------------ free text

    def _free_text(self, text: str, lower: str) -> Iterator[Finding]:
        tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(lower)]
        hits: list[tuple[int, int, str, str | None, float]] = [
            *((s, e, "health", None, 0.85) for s, e in _HEALTH.find(tokens)),
            *((s, e, "other_special_category", sub, 0.8) for sub, lex in _SPECIAL.items() for s, e in lex.find(tokens)),
            *((s, e, "criminal_offence", None, 0.8) for s, e in _CRIME.find(tokens)),
        ]
        sentences = _Sentences(text)
        if hits:
            people = sentences.marked(s for s, _ in _PERSON.find(tokens))
            groups = sentences.marked(s for s, _ in _GROUP.find(tokens))
            for start, end, category, subtype, confidence in hits:
                number = sentences.index(start)
                if number in people and number not in groups:
                    yield Finding(start, end, category, confidence, subtype)
        yield from self._children(text, tokens, sentences)
        if any(c.isdigit() for c in text):
            yield from self._addresses(text, lower)
        yield from self._names(text)

    def _children(self, text: str, tokens: list[Token], sentences: _Sentences) -> Iterator[Finding]:
        """A phrase pointing at one minor: kin word with an age under 18, a word for a child, or kin in a
        sentence about school or kindergarten ("sønnen min" alone may be an adult)."""
        school = sentences.marked(s for s, _ in _SCHOOL.find(tokens))
        for match in _CHILD.finditer(text):
            kin = (match.group("kin") or match.group("kin2")).lower()
            if match.group("age") or kin in _CHILD_WORDS or sentences.index(match.start()) in school:
                yield Finding(match.start(), match.end(), "child_related", 0.9 if match.group("age") else 0.8)
        for match in _CHILD_AGE.finditer(text):
            yield Finding(match.start(), match.end(), "child_related", 0.85)

    def _addresses(self, text: str, lower: str) -> Iterator[Finding]:
        for pattern in (_STREET, _STREET_EN):
            for match in pattern.finditer(text):
                start, end = match.span()
                if _fold(match.group(0)).split(",")[0] in self.profile.addresses or any(
                        _fold(match.group(0)).startswith(a) for a in self.profile.addresses):
                    continue
                window = lower[max(0, start - 60):end + 40]
                if any(c in window for c in _RESIDENCE):
                    yield Finding(start, end, "address", 0.85)

    def _names(self, text: str) -> Iterator[Finding]:
        words = list(_CAPITALISED.finditer(text))
        for i, word in enumerate(words):
            if word.group() not in _FIRST:
                continue
            end, taken = word.end(), 0
            for following in words[i + 1:i + 3]:  # a surname, or a middle name and a surname
                if following.start() != end + 1 or text[end] not in " -" or following.group() in _NOT_SURNAME:
                    break
                end, taken = following.end(), taken + 1
            if not taken or _fold(text[word.start():end]) in self.profile.names:
                continue
            yield Finding(word.start(), end, "person_name", 0.85)
        for match in _NAME_INTRO.finditer(text):
            name = match.group(1)
            if name in _NOT_SURNAME or _fold(name) in self.profile.names:
                continue
            yield Finding(match.start(1), match.end(1), "person_name", 0.75)


# ------------------------------------------------------------------------------------------------- helpers

class _Sentences:
    """Sentence numbers of positions, by binary search (linear overall, also for a megabyte comment)."""

    def __init__(self, text: str) -> None:
        self.starts = [m.start() for m in _SENTENCE.finditer(text)] or [0]

    def index(self, position: int) -> int:
        return bisect.bisect_right(self.starts, position) - 1

    def marked(self, positions: Iterable[int]) -> set[int]:
        return {self.index(p) for p in positions}


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def _fold(text: str) -> str:
    return " ".join(text.lower().replace(".", " ").split())


def _near(lower: str, start: int, words: Iterable[str], width: int = 40) -> bool:
    window = lower[max(0, start - width):start]
    return any(word in window for word in words)


def _money(lower: str, start: int, end: int) -> bool:
    return bool(_MONEY.search(lower[max(0, start - 6):start])) or bool(_MONEY.match(lower[end:end + 8].lstrip()))


def _resolve(found: list[Finding]) -> list[Finding]:
    """Sorted, without duplicates; where structured findings overlap, the higher-priority category wins; a
    person name inside an address or e-mail is dropped."""
    ordered = sorted(set(found), key=lambda f: (f.start, -(f.end - f.start), -f.confidence))
    kept: list[Finding] = []
    active: list[int] = []  # indices into kept of findings that may still overlap what comes next
    for finding in ordered:
        active = [i for i in active if kept[i].end > finding.start]
        clash = next((i for i in active if _competes(kept[i], finding)), None)
        if clash is None:
            kept.append(finding)
            active.append(len(kept) - 1)
        elif _rank(finding) < _rank(kept[clash]):
            kept[clash] = finding
    return sorted(kept, key=lambda f: (f.start, f.end, f.category))


def _competes(a: Finding, b: Finding) -> bool:
    if a.category == b.category:
        return True  # the longer (first in order) of two overlapping findings of one category stays
    pair = {a.category, b.category}
    if pair <= set(STRUCTURED):
        return True
    return "person_name" in pair and bool(pair & {"address", "email", *STRUCTURED})


def _rank(finding: Finding) -> int:
    order = [*STRUCTURED, "address", "person_name"]
    return order.index(finding.category) if finding.category in order else len(order)
