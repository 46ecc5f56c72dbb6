"""The E-ARK layer of a package: root and representation METS, PREMIS, Dublin Core, rights and documentation.
Pure: the same files and facts give the same bytes.

The package is an E-ARK SIP (CSIP/SIP 2.1; ``PROFILE`` is the 2.1 SIP profile, the newest that the independent
eark-validator checks). Four representations:

    evidence     the raw API exchanges (and webhook deliveries), credentials scrubbed
    normalised   the thread model as JSON and XML
    rendition    the thread as PDF/A-2b
    public       the public rendition, XML and PDF/A-2b, every screened span replaced by a marker

Each representation's METS carries its access rights (``amdSec/rightsMD`` -> ``metadata/rights.xml``, a PREMIS
rights statement: ``restricted`` under the proposed skjerming, else ``public``), and the root structMap labels
each representation division with the same access class, so a public copy (a DIP) can leave the restricted
representations out (``archiver dip``). PREMIS (``metadata/preservation/premis.xml``) holds an object with
SHA-256 fixity, size and PRONOM format for every data file, the events that made the package (capture,
normalisation, screening, each review decision, rendition, redaction, packaging, storage) and their agents.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from lxml import etree

from .. import __version__
from ..model import Thread

__all__ = [
    "ACCESS_PUBLIC",
    "ACCESS_RESTRICTED",
    "DC_XML",
    "DOCUMENTATION",
    "METS_XML",
    "NS",
    "PREMIS_XML",
    "PROFILE",
    "RIGHTS_XML",
    "Representation",
    "SipFacts",
    "describe",
    "file_format",
    "mets_file",
    "representation_dir",
]

METS_XML = "METS.xml"
DC_XML = "metadata/descriptive/dc.xml"
PREMIS_XML = "metadata/preservation/premis.xml"
RIGHTS_XML = "metadata/rights.xml"  # inside each representation folder
DOCUMENTATION = "documentation/README.txt"
PROFILE = "https://earksip.dilcis.eu/profile/E-ARK-SIP.xml"
CONTENT_TYPE = "socialarkiv thread"
ACCESS_RESTRICTED = "restricted"
ACCESS_PUBLIC = "public"

NS = {
    "mets": "http://www.loc.gov/METS/",
    "xlink": "http://www.w3.org/1999/xlink",
    "csip": "https://DILCIS.eu/XML/METS/CSIPExtensionMETS",
    "sip": "https://DILCIS.eu/XML/METS/SIPExtensionMETS",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
    "premis": "http://www.loc.gov/premis/v3",
    "dc": "http://purl.org/dc/elements/1.1/",
}
_M = f"{{{NS['mets']}}}"
_X = f"{{{NS['xlink']}}}"
_C = f"{{{NS['csip']}}}"
_P = f"{{{NS['premis']}}}"
_XSI = f"{{{NS['xsi']}}}"
_ID_NAMESPACE = uuid.UUID("0b6c3f0e-8a55-4a61-9d0c-5f1e6b2f7d21")

# suffix -> (MIME type, PRONOM id, format name)
_FORMATS = {
    ".pdf": ("application/pdf", "fmt/477", "PDF/A-2b"),
    ".xml": ("application/xml", "fmt/101", "XML 1.0"),
    ".xsd": ("application/xml", "x-fmt/280", "XML Schema Definition"),
    ".json": ("application/json", "fmt/817", "JSON"),
    ".txt": ("text/plain", "x-fmt/111", "Plain Text File"),
}


def file_format(path: str) -> tuple[str, str, str]:
    """MIME type, PRONOM id and format name of a file the builder writes, by its suffix."""
    return _FORMATS.get(PurePosixPath(path).suffix, ("application/octet-stream", "fmt/0", "unknown"))


@dataclass(frozen=True)
class Representation:
    name: str                  # folder under representations/
    content: str               # what it holds, for people
    access: str                # ACCESS_RESTRICTED or ACCESS_PUBLIC
    files: tuple[str, ...]     # package-relative paths of its data files


@dataclass(frozen=True)
class SipFacts:
    """What the E-ARK layer needs to know beyond the files."""

    package_id: str
    label: str
    created: str
    organisation: str
    organisation_id: str | None
    thread: Thread
    version: int
    previous_id: str | None
    store_slot: str            # where the package is published, relative to the store root


def representation_dir(name: str) -> str:
    return f"representations/{name}"


def mets_file(name: str) -> str:
    return f"{representation_dir(name)}/{METS_XML}"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _xml_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, tag, {k: v for k, v in attrs.items()})
    if text is not None:
        element.text = text
    return element


def _file_id(path: str) -> str:
    return "file-" + hashlib.sha256(path.encode("utf-8")).hexdigest()[:24]


def _stable_uuid(package_id: str, key: str) -> str:
    return str(uuid.uuid5(_ID_NAMESPACE, f"{package_id}/{key}"))


# --- METS -------------------------------------------------------------------------------------------------------

def _mets_root(facts: SipFacts, objid: str) -> etree._Element:
    nsmap = {None: NS["mets"], "xlink": NS["xlink"], "csip": NS["csip"], "sip": NS["sip"], "xsi": NS["xsi"]}
    root = etree.Element(_M + "mets", nsmap=nsmap)
    root.set("OBJID", objid)
    root.set("TYPE", "Other")
    root.set(_C + "OTHERTYPE", "Social media thread")
    root.set(_C + "CONTENTINFORMATIONTYPE", "OTHER")
    root.set(_C + "OTHERCONTENTINFORMATIONTYPE", CONTENT_TYPE)
    root.set("PROFILE", PROFILE)
    root.set("LABEL", facts.label)
    header = _el(root, _M + "metsHdr", CREATEDATE=facts.created, LASTMODDATE=facts.created, RECORDSTATUS="NEW")
    header.set(_C + "OAISPACKAGETYPE", "SIP")
    software = _el(header, _M + "agent", ROLE="CREATOR", TYPE="OTHER", OTHERTYPE="SOFTWARE")
    _el(software, _M + "name", "socialarkiv")
    _el(software, _M + "note", __version__).set(_C + "NOTETYPE", "SOFTWARE VERSION")
    # The submitting organisation as ARCHIVIST (not a second CREATOR): eark-validator 1.1.3's CSIP12/13/16
    # rules fire on every CREATOR agent (STANDARDS.md 2.3).
    organisation = _el(header, _M + "agent", ROLE="ARCHIVIST", TYPE="ORGANIZATION")
    _el(organisation, _M + "name", facts.organisation)
    if facts.organisation_id:
        _el(organisation, _M + "note", facts.organisation_id).set(_C + "NOTETYPE", "IDENTIFICATIONCODE")
    return root


def _md_ref(parent: etree._Element, href: str, data: bytes, created: str, mdtype: str, **extra: str) -> None:
    ref = _el(parent, _M + "mdRef", LOCTYPE="URL", MDTYPE=mdtype, **extra)
    ref.set(_X + "type", "simple")
    ref.set(_X + "href", href)
    ref.set("MIMETYPE", file_format(href)[0])
    ref.set("SIZE", str(len(data)))
    ref.set("CREATED", created)
    ref.set("CHECKSUM", _sha256(data).upper())
    ref.set("CHECKSUMTYPE", "SHA-256")


def _file_group(parent: etree._Element, use: str, group_id: str, files: Mapping[str, bytes], base: str,
                created: str, paths: Sequence[str]) -> None:
    group = _el(parent, _M + "fileGrp", USE=use, ID=group_id)
    group.set(_C + "CONTENTINFORMATIONTYPE", "OTHER")  # eark-validator's CSIP63 rule wants it on every group
    group.set(_C + "OTHERCONTENTINFORMATIONTYPE", CONTENT_TYPE if use.startswith("Representations") else "n/a")
    for path in paths:
        data = files[path]
        entry = _el(group, _M + "file", ID=_file_id(path), MIMETYPE=file_format(path)[0], SIZE=str(len(data)),
                    CREATED=created, CHECKSUM=_sha256(data).upper(), CHECKSUMTYPE="SHA-256")
        location = _el(entry, _M + "FLocat", LOCTYPE="URL")
        location.set(_X + "type", "simple")
        location.set(_X + "href", path[len(base):] if base else path)


def _representation_mets(facts: SipFacts, rep: Representation, files: Mapping[str, bytes]) -> bytes:
    base = representation_dir(rep.name) + "/"
    root = _mets_root(facts, f"{facts.package_id}-{rep.name}")
    rights = base + RIGHTS_XML
    amd = _el(root, _M + "amdSec")
    rights_md = _el(amd, _M + "rightsMD", ID=f"rights-{rep.name}", STATUS="CURRENT")
    _md_ref(rights_md, RIGHTS_XML, files[rights], facts.created, "PREMIS:RIGHTS")
    section = _el(root, _M + "fileSec", ID=f"filesec-{rep.name}")
    _file_group(section, f"Representations/{rep.name}", f"grp-{rep.name}", files, base, facts.created, rep.files)
    struct = _el(root, _M + "structMap", TYPE="PHYSICAL", LABEL="CSIP", ID=f"structmap-{rep.name}")
    top = _el(struct, _M + "div", ID=f"div-{rep.name}", LABEL=f"Representations/{rep.name}")
    _el(top, _M + "div", ID=f"div-{rep.name}-metadata", LABEL="Metadata", ADMID=f"rights-{rep.name}")
    data_div = _el(top, _M + "div", ID=f"div-{rep.name}-data", LABEL="Data")
    _el(data_div, _M + "fptr", FILEID=f"grp-{rep.name}")
    return _xml_bytes(root)


def _root_mets(facts: SipFacts, reps: Sequence[Representation], files: Mapping[str, bytes],
               documentation: Sequence[str], schemas: Sequence[str], other: Sequence[str]) -> bytes:
    root = _mets_root(facts, facts.package_id)
    dmd = _el(root, _M + "dmdSec", ID="dmd-dc", CREATED=facts.created, STATUS="CURRENT")
    _md_ref(dmd, DC_XML, files[DC_XML], facts.created, "DC")
    amd = _el(root, _M + "amdSec")
    for number, path in enumerate(other, start=1):  # socialarkiv's own summary: technical metadata
        tech = _el(amd, _M + "techMD", ID=f"tech-{number}", STATUS="CURRENT")
        _md_ref(tech, path, files[path], facts.created, "OTHER", OTHERMDTYPE="socialarkiv package summary")
    premis = _el(amd, _M + "digiprovMD", ID="digiprov-premis", STATUS="CURRENT")
    _md_ref(premis, PREMIS_XML, files[PREMIS_XML], facts.created, "PREMIS")
    section = _el(root, _M + "fileSec", ID="filesec-root")
    _file_group(section, "Documentation", "grp-documentation", files, "", facts.created, documentation)
    _file_group(section, "Schemas", "grp-schemas", files, "", facts.created, schemas)
    for rep in reps:
        _file_group(section, f"Representations/{rep.name}", f"grp-{rep.name}", files, "", facts.created,
                    [mets_file(rep.name)])
    struct = _el(root, _M + "structMap", TYPE="PHYSICAL", LABEL="CSIP", ID="structmap-root")
    top = _el(struct, _M + "div", ID="div-root", LABEL=facts.package_id)
    _el(top, _M + "div", ID="div-metadata", LABEL="Metadata", DMDID="dmd-dc",
        ADMID=" ".join(["digiprov-premis", *(f"tech-{n}" for n in range(1, len(other) + 1))]))
    _el(_el(top, _M + "div", ID="div-documentation", LABEL="Documentation"), _M + "fptr", FILEID="grp-documentation")
    _el(_el(top, _M + "div", ID="div-schemas", LABEL="Schemas"), _M + "fptr", FILEID="grp-schemas")
    for rep in reps:
        division = _el(top, _M + "div", ID=f"div-rep-{rep.name}", LABEL=f"Representations/{rep.name}",
                       TYPE=rep.access)
        pointer = _el(division, _M + "mptr", LOCTYPE="URL")  # METS wants mptr before fptr
        pointer.set(_X + "type", "simple")
        pointer.set(_X + "href", mets_file(rep.name))
        pointer.set(_X + "title", f"grp-{rep.name}")
        _el(division, _M + "fptr", FILEID=f"grp-{rep.name}")
    return _xml_bytes(root)


# --- Dublin Core, rights, documentation ---------------------------------------------------------------------------

def _dublin_core(facts: SipFacts, restricted: bool) -> bytes:
    thread, source = facts.thread, facts.thread.source
    root = etree.Element("metadata", nsmap={"dc": NS["dc"]})
    d = f"{{{NS['dc']}}}"
    _el(root, d + "identifier", facts.package_id)
    if source.permalink:
        _el(root, d + "identifier", source.permalink)
    title = f"{source.platform} · {source.account_name} · post {source.post_id}"
    _el(root, d + "title", title)  # the post's text may hold personal data: never in the descriptive title
    _el(root, d + "creator", source.account_name)
    _el(root, d + "publisher", facts.organisation)
    _el(root, d + "date", thread.post.created_at)
    _el(root, d + "type", "Text")
    _el(root, d + "format", "application/pdf; application/xml; application/json")
    _el(root, d + "source", f"{source.platform} account {source.account_id}")
    _el(root, d + "description",
        f"Discussion thread: the post and {len(thread.comments)} comments, version {facts.version}, captured "
        f"{thread.provenance.capture_ended_at}.")
    _el(root, d + "rights", "Restricted: see the skjerming proposal; the public representation may be shown."
        if restricted else "Open: no personal data found by screening, or not screened.")
    return _xml_bytes(root)


def _rights(facts: SipFacts, rep: Representation) -> bytes:
    root = etree.Element(_P + "premis", nsmap={None: NS["premis"]}, version="3.0")
    statement = _el(root, _P + "rights")
    rights = _el(statement, _P + "rightsStatement")
    ident = _el(rights, _P + "rightsStatementIdentifier")
    _el(ident, _P + "rightsStatementIdentifierType", "UUID")
    _el(ident, _P + "rightsStatementIdentifierValue", _stable_uuid(facts.package_id, f"rights/{rep.name}"))
    screening = facts.thread.screening
    skjerming = screening.skjerming if screening else None
    if rep.access == ACCESS_RESTRICTED and skjerming is not None:
        _el(rights, _P + "rightsBasis", "Statute")
        statute = _el(rights, _P + "statuteInformation")
        _el(statute, _P + "statuteJurisdiction", "NO")
        _el(statute, _P + "statuteCitation", skjerming.skjermingshjemmel)
        _el(statute, _P + "statuteNote", f"tilgangsrestriksjon {skjerming.tilgangsrestriksjon}; categories: "
                                         f"{', '.join(skjerming.categories)}")
        granted = _el(rights, _P + "rightsGranted")
        _el(granted, _P + "act", "disseminate")
        _el(granted, _P + "restriction", "Disallow")
        _el(granted, _P + "rightsGrantedNote", f"{ACCESS_RESTRICTED}: proposed skjerming (Noark 5); not for the "
                                               "public before a records officer has decided")
    else:
        _el(rights, _P + "rightsBasis", "Other")
        other = _el(rights, _P + "otherRightsInformation")
        _el(other, _P + "otherRightsBasis", "Public record")
        granted = _el(rights, _P + "rightsGranted")
        _el(granted, _P + "act", "disseminate")
        _el(granted, _P + "restriction", "Allow")
        _el(granted, _P + "rightsGrantedNote", f"{ACCESS_PUBLIC}: may be shown to the public")
    link = _el(rights, _P + "linkingObjectIdentifier")
    _el(link, _P + "linkingObjectIdentifierType", "local")
    _el(link, _P + "linkingObjectIdentifierValue", representation_dir(rep.name))
    return _xml_bytes(root)


def _documentation(facts: SipFacts, reps: Sequence[Representation]) -> bytes:
    lines = [
        f"E-ARK SIP {facts.package_id}, written by socialarkiv {__version__} on {facts.created}.",
        "",
        f"One version (v{facts.version}) of one social media discussion thread archived by {facts.organisation}.",
        "Previous version: " + (facts.previous_id or "none (first version)") + ".",
        "",
        "Representations:",
        *(f"  representations/{r.name}/  {r.content} [{r.access}]" for r in reps),
        "",
        "metadata/preservation/premis.xml  PREMIS 3: fixity and format of every data file, the events that made",
        "                                  this package and their agents.",
        "metadata/descriptive/dc.xml       Dublin Core description (no personal data).",
        "metadata/other/package.json       socialarkiv's own summary (version chain, content hash, access).",
        "manifest-sha256.txt               SHA-256 of every file but itself (BagIt line format).",
        "schemas/                          thread.xsd and thread.schema.json, the thread model's schemas.",
        "",
        "Restricted representations fall under the proposed skjerming; a public copy (DIP) keeps only the",
        "representations marked [public]. Check everything offline with: archiver verify <this folder>.",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


# --- PREMIS -----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Event:
    key: str
    type: str          # the Library of Congress eventType term
    at: str
    detail: str
    outcome: str
    agents: tuple[tuple[str, str], ...]      # (agent key, role)
    objects: tuple[tuple[str, str], ...]     # (object id, role)


def _events(facts: SipFacts, reps: Sequence[Representation]) -> list[_Event]:
    thread = facts.thread
    provenance = thread.provenance
    software = ("software", "executing program")
    names = {r.name for r in reps}
    complete = provenance.completeness
    events = [
        _Event("capture", "capture", provenance.capture_started_at,
               f"socialarkiv captured the thread from {provenance.api} {provenance.api_version} with "
               f"{provenance.requests} requests, {provenance.capture_started_at} to {provenance.capture_ended_at}",
               "success" if complete.complete else "partial",
               (software, ("platform", "source")), (("representations/evidence", "outcome"),)),
        _Event("normalisation", "normalization", provenance.capture_ended_at,
               f"{provenance.connector} {provenance.connector_version} normalised the capture to the thread "
               f"model {thread.schema_version} and merged it into the thread's history",
               "success", (software,),
               (("representations/evidence", "source"), ("representations/normalised", "outcome"))),
    ]
    screening = thread.screening
    if screening is not None:
        skjerming = screening.skjerming
        events.append(_Event(
            "screening", "policy assignment", screening.screened_at,
            f"{screening.detector} {screening.detector_version} screened every text for personal data: "
            f"{len(screening.findings)} findings",
            "skjerming proposed" if skjerming else "no skjerming proposed",
            (software, ("organisation", "implementer")), (("representations/normalised", "source"),)))
        for finding in screening.findings:
            if finding.decision is not None:
                events.append(_Event(
                    f"review/{finding.id}", "appraisal", finding.decision.at,
                    f"a records officer {finding.decision.verdict} finding {finding.id} ({finding.category})",
                    finding.decision.verdict, ((f"person/{finding.decision.by}", "decider"),),
                    (("representations/normalised", "outcome"),)))
    events.append(_Event("rendition", "rendering", facts.created, "rendered the thread as PDF/A-2b", "success",
                         (software,), (("representations/normalised", "source"),
                                       ("representations/rendition", "outcome"))))
    if "public" in names:
        events.append(_Event("redaction", "redaction", facts.created,
                             "made the public rendition: every screened span replaced by a marker naming its "
                             "category", "success", (software,),
                             (("representations/normalised", "source"), ("representations/public", "outcome"))))
    events.append(_Event("packaging", "information package creation", facts.created,
                         f"assembled E-ARK SIP {facts.package_id}, version {facts.version}"
                         + (f", following {facts.previous_id}" if facts.previous_id else ""),
                         "success", (software, ("organisation", "implementer")),
                         tuple((representation_dir(r.name), "source") for r in reps)))
    events.append(_Event("storage", "ingestion", facts.created,
                         f"published write-once to {facts.store_slot}: the slot is filled atomically, so this "
                         "package exists only if the write succeeded", "success", (software,), ()))
    return events


def _identifier(parent: etree._Element, prefix: str, kind: str, value: str) -> None:
    ident = _el(parent, _P + f"{prefix}Identifier")
    _el(ident, _P + f"{prefix}IdentifierType", kind)
    _el(ident, _P + f"{prefix}IdentifierValue", value)


def _premis(facts: SipFacts, reps: Sequence[Representation], files: Mapping[str, bytes]) -> bytes:
    root = etree.Element(_P + "premis", nsmap={None: NS["premis"], "xsi": NS["xsi"]}, version="3.0")
    events = _events(facts, reps)
    event_ids = {e.key: _stable_uuid(facts.package_id, f"event/{e.key}") for e in events}
    linked: dict[str, list[str]] = {}
    for event in events:
        for object_id, _role in event.objects:
            linked.setdefault(object_id, []).append(event_ids[event.key])

    entity = _el(root, _P + "object")
    entity.set(_XSI + "type", "intellectualEntity")
    _identifier(entity, "object", "local", facts.package_id)
    if facts.previous_id:
        relation = _el(entity, _P + "relationship")
        _el(relation, _P + "relationshipType", "derivation")
        _el(relation, _P + "relationshipSubType", "has source")
        related = _el(relation, _P + "relatedObjectIdentifier")
        _el(related, _P + "relatedObjectIdentifierType", "local")
        _el(related, _P + "relatedObjectIdentifierValue", facts.previous_id)
    for rep in reps:
        rep_id = representation_dir(rep.name)
        obj = _el(root, _P + "object")
        obj.set(_XSI + "type", "representation")
        _identifier(obj, "object", "local", rep_id)
        for path in rep.files:
            relation = _el(obj, _P + "relationship")
            _el(relation, _P + "relationshipType", "structural")
            _el(relation, _P + "relationshipSubType", "includes")
            related = _el(relation, _P + "relatedObjectIdentifier")
            _el(related, _P + "relatedObjectIdentifierType", "local")
            _el(related, _P + "relatedObjectIdentifierValue", path)
        for event_id in linked.get(rep_id, ()):
            _identifier(obj, "linkingEvent", "UUID", event_id)
        _identifier(obj, "linkingRightsStatement", "UUID", _stable_uuid(facts.package_id, f"rights/{rep.name}"))
        for path in rep.files:
            data = files[path]
            _mime, puid, name = file_format(path)
            item = _el(root, _P + "object")
            item.set(_XSI + "type", "file")
            _identifier(item, "object", "local", path)
            characteristics = _el(item, _P + "objectCharacteristics")
            _el(characteristics, _P + "compositionLevel", "0")
            fixity = _el(characteristics, _P + "fixity")
            _el(fixity, _P + "messageDigestAlgorithm", "SHA-256")
            _el(fixity, _P + "messageDigest", _sha256(data))
            _el(characteristics, _P + "size", str(len(data)))
            form = _el(characteristics, _P + "format")
            _el(_el(form, _P + "formatDesignation"), _P + "formatName", name)
            registry = _el(form, _P + "formatRegistry")
            _el(registry, _P + "formatRegistryName", "PRONOM")
            _el(registry, _P + "formatRegistryKey", puid)
            _el(registry, _P + "formatRegistryRole", "specification")
            _el(item, _P + "originalName", PurePosixPath(path).name)
            relation = _el(item, _P + "relationship")
            _el(relation, _P + "relationshipType", "structural")
            _el(relation, _P + "relationshipSubType", "is included in")
            related = _el(relation, _P + "relatedObjectIdentifier")
            _el(related, _P + "relatedObjectIdentifierType", "local")
            _el(related, _P + "relatedObjectIdentifierValue", rep_id)

    agents = _agents(facts, events)
    for event in events:
        element = _el(root, _P + "event")
        _identifier(element, "event", "UUID", event_ids[event.key])
        _el(element, _P + "eventType", event.type)
        _el(element, _P + "eventDateTime", event.at)
        _el(_el(element, _P + "eventDetailInformation"), _P + "eventDetail", event.detail)
        _el(_el(element, _P + "eventOutcomeInformation"), _P + "eventOutcome", event.outcome)
        for agent_key, role in event.agents:
            link = _el(element, _P + "linkingAgentIdentifier")
            _el(link, _P + "linkingAgentIdentifierType", "local")
            _el(link, _P + "linkingAgentIdentifierValue", agents[agent_key][0])
            _el(link, _P + "linkingAgentRole", role)
        for object_id, role in event.objects:
            link = _el(element, _P + "linkingObjectIdentifier")
            _el(link, _P + "linkingObjectIdentifierType", "local")
            _el(link, _P + "linkingObjectIdentifierValue", object_id)
            _el(link, _P + "linkingObjectRole", role)
    for _key, (value, name, kind, version) in sorted(agents.items(), key=lambda item: item[1][0]):
        agent = _el(root, _P + "agent")
        _identifier(agent, "agent", "local", value)
        _el(agent, _P + "agentName", name)
        _el(agent, _P + "agentType", kind)
        if version:
            _el(agent, _P + "agentVersion", version)
    return _xml_bytes(root)


def _agents(facts: SipFacts, events: Sequence[_Event]) -> dict[str, tuple[str, str, str, str | None]]:
    """agent key -> (identifier, name, type, version) for every agent an event names."""
    provenance = facts.thread.provenance
    known: dict[str, tuple[str, str, str, str | None]] = {
        "software": (f"software/socialarkiv/{__version__}", "socialarkiv", "software", __version__),
        "platform": (f"software/{provenance.api}/{provenance.api_version}", provenance.api, "software",
                     provenance.api_version_served or provenance.api_version),
        "organisation": (f"organisation/{facts.organisation_id or facts.organisation}", facts.organisation,
                         "organization", None),
    }
    agents = {}
    for event in events:
        for key, _role in event.agents:
            if key in known:
                agents[key] = known[key]
            else:  # person/<who>, from a review decision
                who = key.split("/", 1)[1]
                agents[key] = (key, who, "person", None)
    return agents


def describe(facts: SipFacts, files: Mapping[str, bytes], reps: Sequence[Representation],
             schemas: Sequence[str], other: Sequence[str]) -> dict[str, bytes]:
    """The E-ARK files for a package whose data files (``files``) are already assembled: rights per
    representation, Dublin Core, PREMIS, documentation, the representation METS files and the root METS.
    ``other`` are metadata files of the package's own (``package.json``), referenced as technical metadata."""
    out: dict[str, bytes] = dict(files)
    restricted = any(r.access == ACCESS_RESTRICTED for r in reps)
    for rep in reps:
        out[f"{representation_dir(rep.name)}/{RIGHTS_XML}"] = _rights(facts, rep)
    out[DC_XML] = _dublin_core(facts, restricted)
    out[PREMIS_XML] = _premis(facts, reps, out)
    out[DOCUMENTATION] = _documentation(facts, reps)
    for rep in reps:
        out[mets_file(rep.name)] = _representation_mets(facts, rep, out)
    out[METS_XML] = _root_mets(facts, reps, out, [DOCUMENTATION], schemas, other)
    return out
