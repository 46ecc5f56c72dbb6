"""From findings to a screening decision: which entries are restricted, the proposed Noark 5 skjerming, and
the public rendition with every finding replaced by a visible marker. Pure.

An entry (post or comment) is restricted when it holds a finding at or above ``min_confidence`` that no
records officer rejected, or one an officer confirmed. The thread's skjerming names the triggering
categories and the restricted entries; a thread without any is open. Decisions are carried from one version
to the next by the finding's id (entry, field, span and category), so a confirmed or rejected finding stays
decided while its text is unchanged. A finding a records officer added by hand (``add_finding``, detector
``MANUAL``) is carried to the next version while its text still holds it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, replace

from ..model import Comment, Decision, History, Post, ScreenedFinding, Screening, Skjerming, Thread
from .detector import DETECTOR, VERSION, Detector

__all__ = ["MANUAL", "MARKERS", "ScreeningRules", "add_finding", "decide", "entry_text", "public_version", "screen"]

MANUAL = "records-officer"   # the detector name of findings added by hand

MARKERS = {
    "national_id": "[fødselsnummer fjernet]", "phone": "[telefonnummer fjernet]", "email": "[e-postadresse fjernet]",
    "bank_account": "[kontonummer fjernet]", "iban": "[IBAN fjernet]", "payment_card": "[kortnummer fjernet]",
    "address": "[adresse fjernet]", "person_name": "[navn fjernet]", "health": "[helseopplysning fjernet]",
    "other_special_category": "[særlig kategori fjernet]", "criminal_offence": "[straffbart forhold fjernet]",
    "child_related": "[opplysning om barn fjernet]",
}


ORGANISATION_CONTACT = frozenset({"phone", "email", "bank_account", "iban", "address"})


@dataclass(frozen=True)
class ScreeningRules:
    """The organisation's screening settings (``[screening]`` in the configuration)."""

    min_confidence: float = 0.5
    tilgangsrestriksjon: str = "13"
    skjermingshjemmel: str = "Offl. § 13 jf. fvl. § 13 første ledd nr. 1"


def screen(thread: Thread, detector: Detector, rules: ScreeningRules, screened_at: str) -> Thread:
    """The thread with its ``screening``: every text (current and earlier versions) of every entry."""
    previous = {f.id: f.decision for f in thread.screening.findings} if thread.screening else {}
    findings: list[ScreenedFinding] = []
    entries: list[Post | Comment] = [thread.post, *thread.comments]
    for manual in (f for f in thread.screening.findings if f.detector == MANUAL) if thread.screening else ():
        text = entry_text(thread, manual.entry_id, manual.field)
        if text is not None and manual.end <= len(text) and manual.decision is not None:
            findings.append(manual)
    for entry in entries:
        # the organisation's own posts and answers give its own contact points: not personal data to screen
        skip = ORGANISATION_CONTACT if entry.author.is_organisation else frozenset()
        texts = [("text", entry.text)]
        if entry.history is not None:
            texts += [(f"version:{n}", v.text) for n, v in enumerate(entry.history.versions)]
        for field_name, text in texts:
            for found in detector.detect(text):
                if found.category in skip:
                    continue
                identifier = _finding_id(entry.id, field_name, found.start, found.end, found.category)
                if any(f.id == identifier for f in findings):   # an officer marked it before the detector did
                    continue
                findings.append(ScreenedFinding(
                    id=identifier, entry_id=entry.id, field=field_name, start=found.start, end=found.end,
                    category=found.category, confidence=found.confidence, detector=DETECTOR,
                    detector_version=VERSION, subtype=found.subtype, decision=previous.get(identifier)))
    return replace(thread, screening=Screening(DETECTOR, VERSION, screened_at, tuple(findings),
                                               _skjerming(findings, rules)))


def decide(thread: Thread, finding_id: str, decision: Decision, rules: ScreeningRules) -> Thread:
    """Record a records officer's decision on one finding; the skjerming follows it."""
    if thread.screening is None or finding_id not in {f.id for f in thread.screening.findings}:
        raise KeyError(finding_id)
    findings = tuple(replace(f, decision=decision) if f.id == finding_id else f for f in thread.screening.findings)
    return replace(thread, screening=replace(thread.screening, findings=findings,
                                             skjerming=_skjerming(findings, rules)))


def add_finding(thread: Thread, entry_id: str, field_name: str, start: int, end: int, category: str,
                decision: Decision, rules: ScreeningRules) -> Thread:
    """A finding the detector missed, marked by a records officer (confirmed by the adding)."""
    text = entry_text(thread, entry_id, field_name)
    if text is None:
        raise KeyError(f"{entry_id}/{field_name}")
    if not 0 <= start < end <= len(text) or not text[start:end].strip():
        raise ValueError(f"the span {start}..{end} is not a part of the text of {entry_id}")
    if category not in MARKERS:
        raise ValueError(f"unknown category {category!r}; one of {', '.join(MARKERS)}")
    identifier = _finding_id(entry_id, field_name, start, end, category)
    screening = thread.screening or Screening(DETECTOR, VERSION, decision.at, (), None)
    if identifier in {f.id for f in screening.findings}:
        return decide(thread, identifier, decision, rules)
    finding = ScreenedFinding(id=identifier, entry_id=entry_id, field=field_name, start=start, end=end,
                              category=category, confidence=1.0, detector=MANUAL, detector_version="1",
                              decision=decision)
    findings = (*screening.findings, finding)
    return replace(thread, screening=replace(screening, findings=findings, skjerming=_skjerming(findings, rules)))


def entry_text(thread: Thread, entry_id: str, field_name: str) -> str | None:
    """The text a finding points into: an entry's current text or one of its earlier versions."""
    entries: list[Post | Comment] = [thread.post, *thread.comments]
    for entry in entries:
        if entry.id != entry_id:
            continue
        if field_name == "text":
            return entry.text
        if field_name.startswith("version:") and entry.history is not None:
            number = field_name.removeprefix("version:")
            if number.isdigit() and int(number) < len(entry.history.versions):
                return entry.history.versions[int(number)].text
    return None


def public_version(thread: Thread, rules: ScreeningRules) -> Thread:
    """The thread as the public may see it: each counting finding's span replaced by a marker naming its
    category, in current texts and earlier versions alike; the findings' offsets are dropped."""
    if thread.screening is None:
        return thread
    counting = [f for f in thread.screening.findings if _counts(f, rules)]
    by_text: dict[tuple[str, str], list[ScreenedFinding]] = {}
    for finding in counting:
        by_text.setdefault((finding.entry_id, finding.field), []).append(finding)

    def clean(entry: Post | Comment) -> Post | Comment:
        text = _redact(entry.text, by_text.get((entry.id, "text"), ()))
        history = entry.history
        if history is not None and history.versions:
            versions = tuple(replace(v, text=_redact(v.text, by_text.get((entry.id, f"version:{n}"), ())))
                             for n, v in enumerate(history.versions))
            history = History(history.first_seen_at, history.last_seen_at, history.missing_since, versions,
                              history.changes)
        return replace(entry, text=text, history=history)

    post = clean(thread.post)
    comments = tuple(clean(c) for c in thread.comments)
    screening = replace(thread.screening, findings=())
    return replace(thread, post=post, comments=comments, screening=screening)  # type: ignore[arg-type]


def _counts(finding: ScreenedFinding, rules: ScreeningRules) -> bool:
    if finding.decision is not None:
        return finding.decision.verdict == "confirmed"
    return finding.confidence >= rules.min_confidence


def _skjerming(findings: Iterable[ScreenedFinding], rules: ScreeningRules) -> Skjerming | None:
    counting = [f for f in findings if _counts(f, rules)]
    if not counting:
        return None
    return Skjerming(rules.tilgangsrestriksjon, rules.skjermingshjemmel,
                     tuple(sorted({f.category for f in counting})),
                     tuple(sorted({f.entry_id for f in counting})))


def _redact(text: str, findings: Iterable[ScreenedFinding]) -> str:
    """Replace spans right to left, merging overlaps, so offsets stay valid while replacing."""
    spans: list[list[int | str]] = []
    for finding in sorted(findings, key=lambda f: (f.start, -f.end)):
        if spans and finding.start < int(spans[-1][1]):
            spans[-1][1] = max(int(spans[-1][1]), finding.end)
        else:
            spans.append([finding.start, finding.end, finding.category])
    for start, end, category in reversed(spans):
        text = text[:int(start)] + MARKERS[str(category)] + text[int(end):]
    return text


def _finding_id(entry_id: str, field_name: str, start: int, end: int, category: str) -> str:
    key = f"{entry_id}\x1f{field_name}\x1f{start}\x1f{end}\x1f{category}"
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]

