"""Thread -> XML in the project's namespace, valid against ``schemas/thread.xsd``. Pure; writes to a stream.

XML 1.0 cannot carry some characters a comment may hold (C0 controls other than tab, newline and carriage
return, U+FFFE, U+FFFF, lone surrogates). They are written as ``<sa:char cp="0007"/>`` inside the text, so
the exact text is recoverable (``read_text``) and the writer never fails on user content.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import IO, Any
from urllib.parse import quote

from lxml import etree

from ..model import Attachment, Author, Comment, History, Post, Screening, Thread

__all__ = ["NS", "read_text", "thread_to_xml", "write_thread_xml"]

NS = "urn:socialarkiv:thread:1"
_Q = f"{{{NS}}}"
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_STRAY_PERCENT = re.compile("%(?![0-9A-Fa-f]{2})")


def _el(into: etree._Element, name: str, text: str | None = None, **attrs: str) -> etree._Element:
    """A child element holding an id, URL, number or our own words: an XML-illegal character there is replaced
    (the JSON rendition keeps it exactly). User content goes through ``_mixed`` instead."""
    element = etree.SubElement(into, _Q + name, {k: _attr(v) for k, v in attrs.items()})
    if text is not None:
        element.text = _attr(text)
    return element


def _mixed(into: etree._Element, name: str, text: str) -> etree._Element:
    """A child element with user text, every character kept (see ``_set_text``)."""
    element = etree.SubElement(into, _Q + name)
    _set_text(element, text)
    return element


def _attr(value: str) -> str:
    return _ILLEGAL.sub("\ufffd", value)


def _uri(value: str) -> str:
    """A URL as a valid ``xs:anyURI``: characters a URI cannot hold percent-encoded as UTF-8 (as browsers do
    with an IRI), a ``%`` that starts no escape and every ``#`` after the first encoded too. The JSON keeps the
    URL exactly as the platform gave it."""
    fragment = value.find("#")
    if fragment >= 0:
        value = value[:fragment + 1] + value[fragment + 1:].replace("#", "%23")
    encoded = quote(value.encode("utf-8", "surrogatepass"), safe="!#$%&'()*+,/:;=?@~")
    return _STRAY_PERCENT.sub("%25", encoded)


def _set_text(element: etree._Element, text: str) -> None:
    """Set mixed content: plain runs as text, each XML-illegal character as an ``sa:char`` element."""
    pieces = _ILLEGAL.split(text)
    bad = _ILLEGAL.findall(text)
    element.text = pieces[0]
    for char, tail in zip(bad, pieces[1:], strict=True):
        marker = etree.SubElement(element, _Q + "char", cp=f"{ord(char):04X}")
        marker.tail = tail


def read_text(element: Any) -> str:
    """Inverse of the writer's text encoding: the exact original string of a text element."""
    out = [element.text or ""]
    for child in element:
        if child.tag == _Q + "char":
            out.append(chr(int(child.get("cp"), 16)))
        out.append(child.tail or "")
    return "".join(out)


def _author(parent: etree._Element, author: Author) -> None:
    attrs = {"organisation": "true" if author.is_organisation else "false"}
    if author.id is not None:
        attrs["id"] = author.id
    element = _el(parent, "author", **attrs)
    if author.display_name is not None:
        _set_text(element, author.display_name)


def _attachments(parent: etree._Element, items: Iterable[Attachment]) -> None:
    items = list(items)
    if not items:
        return
    container = _el(parent, "attachments")
    for item in items:
        attrs = {"type": item.type}
        if item.url:
            attrs["url"] = _uri(item.url)
        element = _el(container, "attachment", **attrs)
        if item.title is not None:
            _mixed(element, "title", item.title)
        if item.alt_text is not None:
            _mixed(element, "altText", item.alt_text)


def _reactions(parent: etree._Element, reactions: dict[str, int] | Any) -> None:
    if not reactions:
        return
    container = _el(parent, "reactions")
    for kind in sorted(reactions):
        _el(container, "reaction", type=kind, count=str(reactions[kind]))


def _history(parent: etree._Element, history: History | None) -> None:
    if history is None:
        return
    attrs = {name: value for name, value in (("firstSeen", history.first_seen_at), ("lastSeen", history.last_seen_at),
                                             ("missingSince", history.missing_since)) if value is not None}
    element = _el(parent, "history", **attrs)
    for version in history.versions:
        entry = _el(element, "version", observed=version.observed_at, source=version.source)
        if version.edited_at is not None:
            _el(entry, "edited", version.edited_at)
        _mixed(entry, "text", version.text)
        _attachments(entry, version.attachments)
    for change in history.changes:
        _el(element, "change", change.note, at=change.at, type=change.change, source=change.source)


def _entry(parent: etree._Element, name: str, item: Post | Comment, depth: int | None = None) -> None:
    attrs = {"id": item.id, "visibility": item.visibility}
    if isinstance(item, Comment):
        if item.parent_id is not None:
            attrs["parent"] = item.parent_id
        attrs["depth"] = str(depth or 0)
    element = _el(parent, name, **attrs)
    _author(element, item.author)
    _el(element, "created", item.created_at)
    if item.edited_at is not None:
        _el(element, "edited", item.edited_at)
    if item.permalink is not None:
        _el(element, "permalink", _uri(item.permalink))
    _mixed(element, "text", item.text)
    _attachments(element, item.attachments)
    _reactions(element, item.reactions)
    _history(element, item.history)


def _screening(parent: etree._Element, screening: Screening | None) -> None:
    if screening is None:
        return
    element = _el(parent, "screening", detector=screening.detector, version=screening.detector_version,
                  screenedAt=screening.screened_at)
    if screening.skjerming is not None:
        skjerming = _el(element, "skjerming", tilgangsrestriksjon=screening.skjerming.tilgangsrestriksjon,
                        skjermingshjemmel=screening.skjerming.skjermingshjemmel)
        for category in screening.skjerming.categories:
            _el(skjerming, "category", category)
        for entry in screening.skjerming.restricted_entries:
            _el(skjerming, "restrictedEntry", entry)
    for finding in screening.findings:
        attrs = {"id": finding.id, "entry": finding.entry_id, "field": finding.field, "start": str(finding.start),
                 "end": str(finding.end), "category": finding.category, "confidence": f"{finding.confidence:g}"}
        if finding.subtype:
            attrs["subtype"] = finding.subtype
        found = _el(element, "finding", **attrs)
        if finding.decision is not None:
            decision = finding.decision
            _el(found, "decision", decision.note, verdict=decision.verdict, by=decision.by, at=decision.at)


def thread_to_xml(thread: Thread) -> etree._Element:
    root = etree.Element(_Q + "thread", nsmap={"sa": NS}, schemaVersion=thread.schema_version)
    src = thread.source
    source = _el(root, "source", platform=src.platform)
    _el(source, "accountId", src.account_id)
    _mixed(source, "accountName", src.account_name)
    _el(source, "postId", src.post_id)
    if src.permalink is not None:
        _el(source, "permalink", _uri(src.permalink))
    _entry(root, "post", thread.post)
    comments = _el(root, "comments", count=str(len(thread.comments)))
    for comment, depth in thread.walk():
        _entry(comments, "comment", comment, depth)
    prov = thread.provenance
    provenance = _el(root, "provenance")
    _el(provenance, "captureStarted", prov.capture_started_at)
    _el(provenance, "captureEnded", prov.capture_ended_at)
    _el(provenance, "connector", prov.connector, version=prov.connector_version)
    api_attrs = {"version": prov.api_version}
    if prov.api_version_served:
        api_attrs["served"] = prov.api_version_served
    _el(provenance, "api", prov.api, **api_attrs)
    _el(provenance, "requests", str(prov.requests))
    comp = prov.completeness
    completeness = _el(provenance, "completeness", complete="true" if comp.complete else "false")
    if comp.reported_comment_count is not None:
        _el(completeness, "reported", str(comp.reported_comment_count))
    _el(completeness, "captured", str(comp.captured_comment_count))
    for gap in comp.gaps:
        _el(completeness, "gap", gap)
    _screening(root, thread.screening)
    return root


def write_thread_xml(thread: Thread, out: IO[bytes]) -> None:
    """Serialise as UTF-8 with an XML declaration; deterministic for the same thread."""
    out.write(etree.tostring(thread_to_xml(thread), xml_declaration=True, encoding="UTF-8", pretty_print=True))
