"""A Noark 5 arkivuttrekk (version 5.0 schemas, "5.5.0 vedlikehold") of one organisation's archived threads for
one period. ``build_extraction`` is pure: the same versions, period and export time give the same bytes.

Mapping (STANDARDS.md 1.2-1.4 and 5.2):

* ``arkiv``: the organisation's social media archive for the period; ``arkivskaper`` = the organisation.
* ``arkivdel``: one per account and year (the saksaar of its cases), status «Avsluttet periode».
* ``mappe xsi:type="saksmappe"``: one per thread. ``mappeID`` = saksaar/sakssekvensnummer, where the saksaar is
  the year the archive first stored the thread and the sequence follows first-archiving order over the whole
  store, so numbers stay the same in every later extraction. ``tittel`` names the platform, the date and the
  start of the post; where screening found personal data in that start, ``offentligTittel`` has it as
  ``*****`` and the mappe's ``skjerming`` says «Skjerming tittel mappe - utvalgte ord».
* ``registrering xsi:type="journalpost"``: one per archived version in the period. «Inngående dokument» when
  citizens wrote in the thread (their names are the Avsender parts), «Utgående dokument» when only the
  organisation did. The proposed skjerming of the version becomes its ``skjerming``.
* ``dokumentbeskrivelse`` «Hoveddokument» with a ``dokumentobjekt`` «Arkivformat» (the PDF/A-2b rendition,
  ``fmt/477``, SHA256, size) and, under a skjerming, a second one «Dokument hvor deler av innholdet er
  skjermet» (the public rendition).
* ``endringslogg.xml``: the arkiv's title assignment (Arkade's convention; the schema needs one ``endring``)
  and every review decision taken in the period.
* ``loependeJournal.xml`` and ``offentligJournal.xml`` list the same journalposter; the public one has no
  ``tittel`` and shows screened words and the names of private senders under a skjerming as ``*****``.
* ``arkivuttrekk.xml``: ADDML 8.3 after Arkivverket's template, with the SHA-256 of every XML and schema file
  and the element counts.

systemIDs are UUIDv5: a journalpost's and a document's from the package id (each version is in exactly one
period), an arkiv's, arkivdel's and mappe's from the period too, so every unit's identifier is unique across
all extractions of the organisation (krav 6.4.26); a thread that continues into the next period appears there
again with the same mappeID and a new systemID.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import groupby

from lxml import etree

from .. import __version__
from ..model import Thread

__all__ = [
    "DOCUMENTS",
    "EXTRACTION_FILES",
    "SCHEMA_FILES",
    "ArchivedVersion",
    "Period",
    "build_extraction",
    "period_from",
]

NS = "http://www.arkivverket.no/standarder/noark5/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
ADDML = "http://www.arkivverket.no/standarder/addml"
DOCUMENTS = "dokumenter"
SCHEMA_FILES = ("arkivstruktur.xsd", "metadatakatalog.xsd", "endringslogg.xsd", "loependeJournal.xsd",
                "offentligJournal.xsd", "addml.xsd")
EXTRACTION_FILES = ("arkivstruktur.xml", "endringslogg.xml", "loependeJournal.xml", "offentligJournal.xml",
                    "arkivuttrekk.xml")
SCREENED = "*****"
AGENT = "socialarkiv"
# our own documents, read back with the parser the checks use (no DTD, no entities, no network)
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
_UUID_NAMESPACE = uuid.UUID("7d3e8a51-2f0b-4c6e-9e1a-3b5d7c9f1e24")
_PLATFORM_NAMES = {"facebook": "Facebook", "instagram": "Instagram", "x": "X", "youtube": "YouTube",
                   "linkedin": "LinkedIn", "mastodon": "Mastodon", "bluesky": "Bluesky"}
_TITLE_CHARS = 80


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    def holds(self, timestamp: str) -> bool:
        return self.start.isoformat() <= timestamp[:10] <= self.end.isoformat()

    @property
    def label(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


def period_from(month: str | None, start: str | None, end: str | None) -> Period:
    """``--month YYYY-MM`` or ``--from``/``--to`` dates, with errors that name the option."""
    from calendar import monthrange

    from ..errors import ConfigError

    try:
        if month and not (start or end):
            year, number = (int(x) for x in month.split("-"))
            return Period(date(year, number, 1), date(year, number, monthrange(year, number)[1]))
        if start and end and not month:
            period = Period(date.fromisoformat(start), date.fromisoformat(end))
            if period.start > period.end:
                raise ConfigError(f"--from {start} is after --to {end}")
            return period
    except ValueError:
        raise ConfigError(f"the period must be --month YYYY-MM or --from YYYY-MM-DD --to YYYY-MM-DD, got "
                          f"month={month!r} from={start!r} to={end!r}") from None
    raise ConfigError("give the period as --month YYYY-MM, or as --from YYYY-MM-DD and --to YYYY-MM-DD")


@dataclass(frozen=True)
class ArchivedVersion:
    """One stored package, as much as the extraction needs."""

    package_id: str
    version: int
    created: str
    thread: Thread
    pdf: bytes
    public_pdf: bytes | None = None
    first_archived: str = ""          # when the thread's version 1 was stored
    case_number: int = 0              # sakssekvensnummer within the saksaar (first-archiving order, whole store)
    journal_number: int = 0           # journalsekvensnummer within the journalaar (whole store)


@dataclass
class _Case:
    key: str
    platform: str
    account_name: str
    account_id: str
    year: int
    number: int
    title: str
    public_title: str | None
    versions: list[ArchivedVersion] = field(default_factory=list)


def _id(*parts: object) -> str:
    return str(uuid.uuid5(_UUID_NAMESPACE, "/".join(str(p) for p in parts)))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _date(timestamp: str) -> str:
    return timestamp[:10]


def _el(parent: etree._Element, name: str, text: object = None) -> etree._Element:
    element = etree.SubElement(parent, parent.tag.split("}")[0] + "}" + name if "}" in parent.tag else name)
    if text is not None:
        value = str(text)
        if not value.strip():
            raise ValueError(f"empty value for <{name}>: Noark 5 forbids empty elements")
        element.text = value
    return element


def _root(kind: str, tag: str | None = None) -> etree._Element:
    root = etree.Element(f"{{{NS}{kind}}}{tag or kind}", nsmap={None: NS + kind, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{NS}{kind} {kind}.xsd")
    return root


def _bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _titles(thread: Thread) -> tuple[str, str | None]:
    """The case title and, when screening found personal data in the part of the post it quotes, the public
    title with those words as ``*****``."""
    source, post = thread.source, thread.post
    prefix = f"{_PLATFORM_NAMES.get(source.platform, source.platform)}-innlegg {_date(post.created_at)}"
    text = " ".join(post.text.split())
    if not text:
        return prefix, None
    # spans are offsets into the original text: quote the original up to the cut, then normalise spaces
    cut = min(len(post.text), _TITLE_CHARS)
    spans = sorted((f.start, f.end) for f in (thread.screening.findings if thread.screening else ())
                   if f.entry_id == post.id and f.field == "text" and f.start < cut
                   and (f.decision is None or f.decision.verdict != "rejected"))
    quoted = post.text[:cut]
    public, position = [], 0
    for start, end in spans:
        if start < position:
            continue
        public.append(quoted[position:start])
        public.append(SCREENED)
        position = min(end, cut)
    public.append(quoted[position:])
    ellipsis = "…" if cut < len(post.text) else ""

    def tidy(value: str) -> str:
        return f"{prefix}: {' '.join(value.split())}{ellipsis}".rstrip(": ")

    return tidy(quoted), tidy("".join(public)) if spans else None


def _citizens(thread: Thread) -> list[str]:
    names = []
    for comment in thread.comments:
        author = comment.author
        if not author.is_organisation:
            name = author.display_name or "Ukjent avsender"
            if name not in names:
                names.append(name)
    return names


def _skjerming(parent: etree._Element, tilgang: str, hjemmel: str, metadata: Sequence[str],
               document: str | None = None) -> None:
    skjerming = _el(parent, "skjerming")
    _el(skjerming, "tilgangsrestriksjon", tilgang)
    _el(skjerming, "skjermingshjemmel", hjemmel)
    for item in metadata:
        _el(skjerming, "skjermingMetadata", item)
    if document:
        _el(skjerming, "skjermingDokument", document)


@dataclass
class _Journalpost:
    system_id: str
    case: _Case
    version: ArchivedVersion
    number: int                  # journalpostnummer within the case
    title: str
    public_title: str | None
    kind: str
    parts: list[tuple[str, str]]  # (korrespondanseparttype, name)
    restricted: bool


def build_extraction(versions: Iterable[ArchivedVersion], period: Period, *, organisation: str,
                     organisation_id: str | None, exported_at: str, schemas: Mapping[str, bytes],
                     tilgangsrestriksjon: str, skjermingshjemmel: str) -> dict[str, bytes]:
    """Every file of the extraction, relative to its root folder."""
    missing = [name for name in SCHEMA_FILES if name not in schemas]
    if missing:
        raise ValueError(f"the official Noark 5 schemas are needed: missing {', '.join(missing)}")
    chosen = sorted((v for v in versions if period.holds(v.created)), key=lambda v: (v.created, v.package_id))
    if not chosen:
        raise ValueError(f"no archived versions in the period {period.label}")
    creator_id = organisation_id or organisation
    cases: dict[str, _Case] = {}
    for version in chosen:
        source = version.thread.source
        key = f"{source.platform}/{source.account_id}/{source.post_id}"
        if key not in cases:
            title, public_title = _titles(version.thread)
            cases[key] = _Case(key, source.platform, source.account_name, source.account_id,
                               int((version.first_archived or version.created)[:4]), version.case_number,
                               title, public_title)
        case = cases[key]
        case.versions.append(version)
        title, public_title = _titles(version.thread)  # the latest version's wording names the case
        case.title, case.public_title = title, public_title

    files: dict[str, bytes] = {}
    arkiv_id = _id("arkiv", creator_id, period.label)
    arkiv = _root("arkivstruktur", "arkiv")
    arkiv_title = f"{organisation} – sosiale medier {period.label}"
    _closed_unit(arkiv, arkiv_id, arkiv_title, ("arkivstatus", "Avsluttet"), exported_at)
    creator = _el(arkiv, "arkivskaper")
    _el(creator, "arkivskaperID", creator_id)
    _el(creator, "arkivskaperNavn", organisation)

    journalposts: list[_Journalpost] = []
    changes: list[tuple[str, str, str, str, str, str]] = [
        (arkiv_id, "tittel", exported_at, AGENT, "NULL", arkiv_title)]
    by_part = sorted(cases.values(), key=lambda c: (c.platform, c.account_id, c.year, c.number, c.key))
    for (platform, account_id, year), group in groupby(by_part, key=lambda c: (c.platform, c.account_id, c.year)):
        group_cases = list(group)
        arkivdel = _el(arkiv, "arkivdel")
        _closed_unit(arkivdel, _id("arkivdel", creator_id, platform, account_id, year, period.label),
                     f"{_PLATFORM_NAMES.get(platform, platform)}: {group_cases[0].account_name} ({account_id}), "
                     f"saker fra {year}", ("arkivdelstatus", "Avsluttet periode"), exported_at)
        _el(arkivdel, "arkivperiodeStartDato", period.start.isoformat())
        _el(arkivdel, "arkivperiodeSluttDato", period.end.isoformat())
        for case in group_cases:
            journalposts.extend(_mappe(arkivdel, case, period, files, changes, tilgangsrestriksjon,
                                       skjermingshjemmel))
    files["arkivstruktur.xml"] = _bytes(arkiv)
    files["endringslogg.xml"] = _endringslogg(changes)
    journalposts.sort(key=lambda j: (int(j.version.created[:4]), j.version.journal_number, j.system_id))
    for public in (False, True):
        name = "offentligJournal" if public else "loependeJournal"
        files[f"{name}.xml"] = _journal(name, journalposts, period, creator_id, organisation, public)
    restricted = any(j.restricted for j in journalposts) or any(c.public_title for c in cases.values())
    for name in SCHEMA_FILES:
        files[name] = schemas[name]
    files["arkivuttrekk.xml"] = _addml(files, period, organisation, arkiv_title, restricted,
                                       sum(1 for p in files if p.startswith(DOCUMENTS + "/")))
    return files


def _closed_unit(unit: etree._Element, system_id: str, title: str, status: tuple[str, str], at: str) -> None:
    """The leading elements arkiv and arkivdel share, for a unit opened and closed by this export."""
    _el(unit, "systemID", system_id)
    _el(unit, "tittel", title)
    _el(unit, *status)
    _el(unit, "dokumentmedium", "Elektronisk arkiv")
    _el(unit, "opprettetDato", at)
    _el(unit, "opprettetAv", AGENT)
    _el(unit, "avsluttetDato", at)
    _el(unit, "avsluttetAv", AGENT)


def _mappe(arkivdel: etree._Element, case: _Case, period: Period, files: dict[str, bytes],
           changes: list[tuple[str, str, str, str, str, str]], tilgang: str, hjemmel: str) -> list[_Journalpost]:
    mappe = _el(arkivdel, "mappe")
    mappe.set(f"{{{XSI}}}type", "saksmappe")
    _el(mappe, "systemID", _id("mappe", case.key, period.label))
    _el(mappe, "mappeID", f"{case.year}/{case.number}")
    _el(mappe, "tittel", case.title)
    if case.public_title:
        _el(mappe, "offentligTittel", case.public_title)
    _el(mappe, "dokumentmedium", "Elektronisk arkiv")
    first, last = case.versions[0], case.versions[-1]
    _el(mappe, "opprettetDato", first.created)
    _el(mappe, "opprettetAv", AGENT)
    _el(mappe, "avsluttetDato", last.created)
    _el(mappe, "avsluttetAv", AGENT)
    if case.public_title:
        _skjerming(mappe, tilgang, hjemmel, ["Skjerming tittel mappe - utvalgte ord"])
    made: list[_Journalpost] = []
    logged: set[str] = set()
    for version in case.versions:
        made.append(_registrering(mappe, case, version, files, changes, tilgang, hjemmel, period, logged))
    _el(mappe, "saksaar", case.year)
    _el(mappe, "sakssekvensnummer", case.number)
    _el(mappe, "saksdato", _date(first.first_archived or first.created))
    _el(mappe, "administrativEnhet", case.account_name)
    _el(mappe, "saksansvarlig", case.account_name)
    _el(mappe, "saksstatus", "Avsluttet")
    return made


def _registrering(mappe: etree._Element, case: _Case, version: ArchivedVersion, files: dict[str, bytes],
                  changes: list[tuple[str, str, str, str, str, str]], tilgang: str, hjemmel: str, period: Period,
                  logged: set[str]) -> _Journalpost:
    thread = version.thread
    screening = thread.screening
    skjerming = screening.skjerming if screening else None
    citizens = _citizens(thread)
    kind = "Inngående dokument" if citizens else "Utgående dokument"
    parts = ([("Avsender", name) for name in citizens] + [("Mottaker", case.account_name)] if citizens
             else [("Avsender", case.account_name), ("Mottaker", f"Følgere av {case.account_name}")])
    system_id = _id("journalpost", version.package_id)
    entry = _el(mappe, "registrering")
    entry.set(f"{{{XSI}}}type", "journalpost")
    _el(entry, "systemID", system_id)
    _el(entry, "opprettetDato", version.created)
    _el(entry, "opprettetAv", AGENT)
    _el(entry, "arkivertDato", version.created)
    _el(entry, "arkivertAv", AGENT)
    title = f"{case.title} (versjon {version.version}, {len(thread.comments)} kommentarer)"
    public_title = (f"{case.public_title} (versjon {version.version}, {len(thread.comments)} kommentarer)"
                    if case.public_title else None)
    screened_metadata = []
    if public_title:
        screened_metadata.append("Skjerming tittel registrering - utvalgte ord")
    if skjerming is not None and citizens:
        screened_metadata.append("Skjerming navn avsender")
    if skjerming is not None:
        _skjerming(entry, skjerming.tilgangsrestriksjon or tilgang, skjerming.skjermingshjemmel or hjemmel,
                   screened_metadata or ["Skjerming navn avsender"], "Skjerming av deler av dokumentet")
    elif public_title:
        _skjerming(entry, tilgang, hjemmel, screened_metadata)
    description = _el(entry, "dokumentbeskrivelse")
    _el(description, "systemID", _id("dokumentbeskrivelse", version.package_id))
    _el(description, "dokumenttype", "Innlegg sosiale medier")
    _el(description, "dokumentstatus", "Dokumentet er ferdigstilt")
    _el(description, "tittel", f"Tråden med alle kommentarer, versjon {version.version}")
    _el(description, "opprettetDato", version.created)
    _el(description, "opprettetAv", AGENT)
    _el(description, "tilknyttetRegistreringSom", "Hoveddokument")
    _el(description, "dokumentnummer", 1)
    _el(description, "tilknyttetDato", version.created)
    _el(description, "tilknyttetAv", AGENT)
    variants = [("Arkivformat", version.pdf, "full")]
    if skjerming is not None and version.public_pdf is not None:
        variants.append(("Dokument hvor deler av innholdet er skjermet", version.public_pdf, "public"))
    for variant, data, key in variants:
        name = f"{DOCUMENTS}/{_id('dokumentfil', version.package_id, key)}.pdf"
        files[name] = data
        document = _el(description, "dokumentobjekt")
        _el(document, "systemID", _id("dokumentobjekt", version.package_id, key))
        _el(document, "versjonsnummer", 1)
        _el(document, "variantformat", variant)
        _el(document, "format", "fmt/477")
        _el(document, "formatDetaljer", "PDF/A-2b")
        _el(document, "opprettetDato", version.created)
        _el(document, "opprettetAv", AGENT)
        _el(document, "referanseDokumentfil", name)
        _el(document, "sjekksum", _sha256(data))
        _el(document, "sjekksumAlgoritme", "SHA256")
        _el(document, "filstoerrelse", len(data))
    _el(entry, "registreringsID", f"{case.year}/{case.number}-{version.version}")
    _el(entry, "tittel", title)
    if public_title:
        _el(entry, "offentligTittel", public_title)
    for part_type, name in parts:
        part = _el(entry, "korrespondansepart")
        _el(part, "korrespondanseparttype", part_type)
        _el(part, "korrespondansepartNavn", name)
    _el(entry, "journalaar", version.created[:4])
    _el(entry, "journalsekvensnummer", version.journal_number)
    _el(entry, "journalpostnummer", version.version)
    _el(entry, "journalposttype", kind)
    _el(entry, "journalstatus", "Arkivert")
    _el(entry, "journaldato", _date(version.created))
    _el(entry, "dokumentetsDato", _date(thread.provenance.capture_ended_at))
    if citizens:
        _el(entry, "mottattDato", thread.provenance.capture_ended_at)
    for finding in screening.findings if screening is not None else ():
        decision = finding.decision  # logged once, on the first version in the period that carries it
        if decision is not None and finding.id not in logged and period.holds(decision.at):
            logged.add(finding.id)
            changes.append((system_id, "skjerming", decision.at, decision.by, f"foreslått: {finding.category}",
                            f"{decision.verdict}: funn {finding.id} ({finding.category})"))
    return _Journalpost(system_id, case, version, version.version, title, public_title, kind, parts,
                        skjerming is not None)


def _endringslogg(changes: Sequence[tuple[str, str, str, str, str, str]]) -> bytes:
    root = _root("endringslogg")
    for reference, metadata, at, by, before, after in changes:
        change = _el(root, "endring")
        _el(change, "referanseArkivenhet", reference)
        _el(change, "referanseMetadata", metadata)
        _el(change, "endretDato", at)
        _el(change, "endretAv", by)
        _el(change, "tidligereVerdi", before)
        _el(change, "nyVerdi", after)
    return _bytes(root)


def _journal(name: str, posts: Sequence[_Journalpost], period: Period, creator_id: str, organisation: str,
             public: bool) -> bytes:
    root = _root(name)
    header = _el(root, "journalhode")
    dates = [_date(p.version.created) for p in posts]
    _el(header, "journalStartDato", min(dates))
    _el(header, "journalSluttDato", max(dates))
    _el(header, "seleksjon", "journaldato")
    _el(header, "antallJournalposter", len(posts))
    creator = _el(header, "arkivskaper")
    _el(creator, "arkivskaperID", creator_id)
    _el(creator, "arkivskaperNavn", organisation)
    for post in posts:
        case, version = post.case, post.version
        entry = _el(root, "journalregistrering")
        mappe = _el(entry, "saksmappe")
        _el(mappe, "mappeID", f"{case.year}/{case.number}")
        _el(mappe, "saksaar", case.year)
        _el(mappe, "sakssekvensnummer", case.number)
        if not public:
            _el(mappe, "tittel", case.title)
            if case.public_title:
                _el(mappe, "offentligTittel", case.public_title)
                _el(mappe, "skjermingMetadata", "Skjerming tittel mappe - utvalgte ord")
        else:
            _el(mappe, "offentligTittel", case.public_title or case.title)
        _el(mappe, "administrativEnhet", case.account_name)
        _el(mappe, "saksansvarlig", case.account_name)
        journalpost = _el(entry, "journalpost")
        _el(journalpost, "systemID", post.system_id)
        _el(journalpost, "registreringsID", f"{case.year}/{case.number}-{version.version}")
        _el(journalpost, "journalaar", version.created[:4])
        _el(journalpost, "journalsekvensnummer", version.journal_number)
        _el(journalpost, "journalpostnummer", post.number)
        if not public:
            _el(journalpost, "tittel", post.title)
            if post.public_title:
                _el(journalpost, "offentligTittel", post.public_title)
        else:
            _el(journalpost, "offentligTittel", post.public_title or post.title)
        _el(journalpost, "journaldato", _date(version.created))
        _el(journalpost, "dokumentetsDato", _date(version.thread.provenance.capture_ended_at))
        skjerming = version.thread.screening.skjerming if version.thread.screening else None
        if skjerming is not None:
            _el(journalpost, "tilgangsrestriksjon", skjerming.tilgangsrestriksjon)
            _el(journalpost, "skjermingshjemmel", skjerming.skjermingshjemmel)
        for part_type, part_name in post.parts:
            part = _el(journalpost, "korrespondansepart")
            _el(part, "korrespondanseparttype", part_type)
            private = part_type == "Avsender" and post.kind == "Inngående dokument"
            _el(part, "korrespondansepartNavn", SCREENED if public and private and post.restricted else part_name)
    return _bytes(root)


def _property(parent: etree._Element, name: str, value: object = None, data_type: str | None = None
              ) -> etree._Element:
    prop = etree.SubElement(parent, f"{{{ADDML}}}property", name=name)
    if data_type:
        prop.set("dataType", data_type)
    if value is not None:
        etree.SubElement(prop, f"{{{ADDML}}}value").text = str(value)
    return prop


def _properties(parent: etree._Element) -> etree._Element:
    return etree.SubElement(parent, f"{{{ADDML}}}properties")


def _file_property(parent: etree._Element, name: str, data: bytes) -> None:
    file = _properties(_property(parent, "file"))
    _property(file, "name", name)
    _property(_properties(_property(file, "format", "XML")), "version", "1.0")
    checksum = _properties(_property(file, "checksum"))
    _property(checksum, "algorithm", "SHA-256")
    _property(checksum, "value", _sha256(data))


def _addml(files: Mapping[str, bytes], period: Period, organisation: str, arkiv_title: str, screened: bool,
           documents: int) -> bytes:
    a = f"{{{ADDML}}}"
    root = etree.Element(a + "addml", nsmap={None: ADDML, "xsi": XSI}, name="Noark 5-arkivuttrekk")
    root.set(f"{{{XSI}}}schemaLocation", f"{ADDML} addml.xsd")
    dataset = etree.SubElement(root, a + "dataset")
    etree.SubElement(dataset, a + "description").text = "Noark 5-arkivuttrekk"
    reference = etree.SubElement(dataset, a + "reference")
    context = etree.SubElement(etree.SubElement(reference, a + "context"), a + "additionalElements")

    def element(parent: etree._Element, name: str, value: object = None) -> etree._Element:
        item = etree.SubElement(parent, a + "additionalElement", name=name)
        if value is not None:
            etree.SubElement(item, a + "value").text = str(value)
        return item

    creators = etree.SubElement(element(context, "recordCreators"), a + "additionalElements")
    element(creators, "recordCreator", organisation)
    element(context, "systemType", "Noark 5")
    element(context, "systemName", f"socialarkiv {__version__}")
    element(context, "archive", arkiv_title)
    content = etree.SubElement(etree.SubElement(reference, a + "content"), a + "additionalElements")
    period_props = etree.SubElement(element(content, "archivalPeriod"), a + "properties")
    _property(period_props, "startDate", period.start.isoformat())
    _property(period_props, "endDate", period.end.isoformat())
    objects = etree.SubElement(dataset, a + "dataObjects")
    main = etree.SubElement(objects, a + "dataObject", name="Noark 5-arkivuttrekk")
    info = _properties(_property(_properties(main), "info"))
    _property(_properties(_property(info, "type", "Noark 5")), "version", "5.0")
    additional = _properties(_property(info, "additionalInfo"))
    separation = _properties(_property(additional, "periode"))
    _property(separation, "inngaaendeSkille", "skarpt")
    _property(separation, "utgaaendeSkille", "skarpt")
    _property(additional, "inneholderSkjermetInformasjon", str(screened).lower(), "boolean")
    _property(additional, "omfatterDokumenterSomErKassert", "false", "boolean")
    _property(additional, "inneholderDokumenterSomSkalKasseres", "false", "boolean")
    _property(additional, "inneholderVirksomhetsspesifikkeMetadata", "false", "boolean")
    _property(additional, "antallDokumentfiler", documents, "integer")
    children = etree.SubElement(main, a + "dataObjects")
    counts = {
        "arkivstruktur": [("mappe", "//mappe"), ("registrering", "//registrering")],
        "endringslogg": [("endring", "//endring")],
        "loependeJournal": [("journalregistrering", "//journalregistrering")],
        "offentligJournal": [("journalregistrering", "//journalregistrering")],
    }
    for name, paths in counts.items():
        data_object = etree.SubElement(children, a + "dataObject", name=name)
        props = _properties(data_object)
        _file_property(props, f"{name}.xml", files[f"{name}.xml"])
        for schema, main_schema in ((f"{name}.xsd", True), ("metadatakatalog.xsd", False)):
            holder = _property(props, "schema", "main" if main_schema else None)
            schema_props = _properties(holder)
            _file_property(schema_props, schema, files[schema])
            _property(_properties(_property(schema_props, "type", "XML Schema")), "version", "5.0")
        info_props = _properties(_property(props, "info"))
        tree = etree.fromstring(files[f"{name}.xml"], _PARSER)
        for element_name, path in paths:
            occurrence = _properties(_property(info_props, "numberOfOccurrences", element_name))
            _property(occurrence, "elementPath", path)
            _property(occurrence, "value", len(tree.findall(f".//{{*}}{element_name}")), "integer")
    return _bytes(root)
