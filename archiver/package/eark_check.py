"""Offline checks of a package's E-ARK layer: the root and representation METS, PREMIS and the access rights.

eark-validator checks only the root METS against schema and schematron, and neither checksums nor file
existence (STANDARDS.md 2.3); this module checks what it leaves out, with nothing but the package:

* every METS ``file`` and ``mdRef`` points inside the package at a file that exists, with the SIZE and SHA-256
  CHECKSUM it records; every file of the package is described by a METS (none is extra);
* identifiers are unique in each METS, and every FILEID, DMDID, ADMID and ``mptr`` resolves;
* each representation states its access in a rights file, and the root structMap says the same;
* PREMIS has an object with matching fixity and size for every data file, and its chain of events is whole:
  capture, normalisation, (screening, one appraisal per review decision,) rendering, (redaction,) package
  creation and storage, in time order, each linking only agents and objects that PREMIS describes.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise
from pathlib import Path, PurePosixPath

from lxml import etree

from ..errors import Problem
from .eark import ACCESS_PUBLIC, ACCESS_RESTRICTED, METS_XML, NS, PREMIS_XML, RIGHTS_XML
from .manifest import MANIFEST, file_fixity, safe_relative

__all__ = ["eark_problems"]

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
_HREF = f"{{{NS['xlink']}}}href"
_REQUIRED_EVENTS = ("capture", "normalization", "rendering", "information package creation", "ingestion")
_ORDER = {"capture": 0, "normalization": 1, "policy assignment": 2, "appraisal": 3, "rendering": 4,
          "redaction": 5, "information package creation": 6, "ingestion": 7}



def _parse(file: Path, problems: list[Problem]) -> etree._ElementTree | None:
    try:
        return etree.parse(str(file), _PARSER)
    except (OSError, etree.XMLSyntaxError) as exc:
        problems.append(Problem(str(file), f"not readable XML: {exc}"))
        return None


def _target(package: Path, base: PurePosixPath, href: str | None, where: str,
            problems: list[Problem]) -> str | None:
    """The package-relative path an href names, if it is a safe relative path inside the package."""
    if not href:
        problems.append(Problem(where, "reference without xlink:href"))
        return None
    joined = (base / href).as_posix() if str(base) != "." else href
    if not safe_relative(href) or not safe_relative(joined):
        problems.append(Problem(where, f"href {href!r} leads outside the package"))
        return None
    return joined


def _check_reference(package: Path, relative: str, element: etree._Element, where: str,
                     problems: list[Problem]) -> None:
    file = package / relative
    if not file.is_file():
        problems.append(Problem(str(file), f"referenced by {where} but missing"))
        return
    size = element.get("SIZE")
    if size is not None and size != str(file.stat().st_size):
        problems.append(Problem(str(file), f"size {file.stat().st_size} bytes, {where} records {size}"))
    checksum, kind = element.get("CHECKSUM"), element.get("CHECKSUMTYPE")
    if checksum is None or kind != "SHA-256":
        problems.append(Problem(where, f"no SHA-256 CHECKSUM for {relative}"))
    elif checksum.lower() != file_fixity(file):
        problems.append(Problem(str(file), f"checksum mismatch: {where} records SHA-256 {checksum.lower()}"))


def _mets(package: Path, relative: str, problems: list[Problem], described: set[str]) -> etree._ElementTree | None:
    """Check one METS document's references; add every file it describes to ``described``."""
    file = package / relative
    tree = _parse(file, problems)
    if tree is None:
        return None
    base = PurePosixPath(relative).parent
    ids: dict[str, str] = {}
    for element in tree.iter():
        identifier = element.get("ID")
        if identifier is None:
            continue
        if identifier in ids:
            problems.append(Problem(f"{file}:{element.sourceline}", f"ID {identifier} is used twice"))
        ids[identifier] = etree.QName(element).localname
    for element in tree.iterfind(".//mets:file", NS):
        location = element.find("mets:FLocat", NS)
        where = f"{file}:{element.sourceline} (file {element.get('ID')})"
        target = _target(package, base, None if location is None else location.get(_HREF), where, problems)
        if target is not None:
            described.add(target)
            _check_reference(package, target, element, where, problems)
    for element in tree.iterfind(".//mets:mdRef", NS):
        where = f"{file}:{element.sourceline} (mdRef)"
        target = _target(package, base, element.get(_HREF), where, problems)
        if target is not None:
            described.add(target)
            _check_reference(package, target, element, where, problems)
    for element in tree.iterfind(".//mets:fptr", NS):
        if ids.get(element.get("FILEID", "")) not in ("file", "fileGrp"):
            problems.append(Problem(f"{file}:{element.sourceline}",
                                    f"fptr FILEID {element.get('FILEID')!r} names no file or fileGrp"))
    for element in tree.iterfind(".//mets:div", NS):
        for attribute, kinds in (("DMDID", ("dmdSec",)), ("ADMID", ("digiprovMD", "rightsMD", "techMD",
                                                                   "sourceMD"))):
            for reference in (element.get(attribute) or "").split():
                if ids.get(reference) not in kinds:
                    problems.append(Problem(f"{file}:{element.sourceline}",
                                            f"{attribute} {reference!r} names no {' or '.join(kinds)}"))
    return tree


def _representations(package: Path, root: etree._ElementTree, problems: list[Problem],
                     described: set[str]) -> dict[str, str]:
    """Check every representation the root METS points at; representation folder -> access class."""
    access: dict[str, str] = {}
    mets = package / METS_XML
    for division in root.iterfind(".//mets:structMap/mets:div/mets:div", NS):
        label = division.get("LABEL", "")
        if not label.startswith("Representations/"):
            continue
        pointer = division.find("mets:mptr", NS)
        where = f"{mets}:{division.sourceline} ({label})"
        if pointer is None:
            problems.append(Problem(where, "representation division without mptr"))
            continue
        target = _target(package, PurePosixPath("."), pointer.get(_HREF), where, problems)
        if target is None:
            continue
        folder = str(PurePosixPath(target).parent)
        if folder != "representations/" + label.split("/", 1)[1]:
            problems.append(Problem(where, f"mptr {target} is not inside {label}"))
        tree = _mets(package, target, problems, described) if (package / target).is_file() else None
        if tree is None:
            if not (package / target).is_file():
                problems.append(Problem(str(package / target), f"representation METS named by {where} is missing"))
            continue
        stated = _rights_access(package, f"{folder}/{RIGHTS_XML}", problems)
        declared = division.get("TYPE")
        if stated is not None and declared != stated:
            problems.append(Problem(where, f"root METS says {declared!r}, the representation's rights say "
                                           f"{stated!r}"))
        access[folder] = stated or "unknown"
    return access


def _rights_access(package: Path, relative: str, problems: list[Problem]) -> str | None:
    file = package / relative
    if not file.is_file():
        problems.append(Problem(str(file), "representation rights statement missing"))
        return None
    tree = _parse(file, problems)
    if tree is None:
        return None
    restriction = tree.findtext(".//premis:rightsGranted/premis:restriction", namespaces=NS)
    if restriction == "Disallow":
        return ACCESS_RESTRICTED
    if restriction == "Allow":
        return ACCESS_PUBLIC
    problems.append(Problem(str(file), f"rightsGranted/restriction is {restriction!r}, not Allow or Disallow"))
    return None


def _premis(package: Path, representations: Iterable[str], problems: list[Problem], described: set[str],
            screened: dict[str, object] | None) -> None:
    file = package / PREMIS_XML
    tree = _parse(file, problems)
    if tree is None:
        return
    objects: dict[str, etree._Element] = {}
    for element in tree.iterfind("premis:object", NS):
        value = element.findtext("premis:objectIdentifier/premis:objectIdentifierValue", namespaces=NS)
        if value is None:
            problems.append(Problem(f"{file}:{element.sourceline}", "object without an identifier"))
        elif value in objects:
            problems.append(Problem(f"{file}:{element.sourceline}", f"object {value} is described twice"))
        else:
            objects[value] = element
    data_files = {path for path in described if "/data/" in path and path.startswith("representations/")}
    for path in sorted(data_files):
        element = objects.get(path)
        if element is None:
            problems.append(Problem(str(file), f"no PREMIS object for {path}"))
            continue
        digest = element.findtext(".//premis:fixity/premis:messageDigest", namespaces=NS)
        algorithm = element.findtext(".//premis:fixity/premis:messageDigestAlgorithm", namespaces=NS)
        size = element.findtext(".//premis:objectCharacteristics/premis:size", namespaces=NS)
        target = package / path
        if not target.is_file():
            continue  # named by the METS check already
        if algorithm != "SHA-256" or digest is None or digest.lower() != file_fixity(target):
            problems.append(Problem(str(target), f"checksum mismatch: PREMIS records {algorithm} {digest}"))
        if size != str(target.stat().st_size):
            problems.append(Problem(str(target), f"size {target.stat().st_size} bytes, PREMIS records {size}"))
    for folder in representations:
        if folder not in objects:
            problems.append(Problem(str(file), f"no PREMIS object for representation {folder}"))
    agents = {element.findtext("premis:agentIdentifier/premis:agentIdentifierValue", namespaces=NS)
              for element in tree.iterfind("premis:agent", NS)}
    events: list[tuple[str, str, int]] = []
    event_ids: set[str] = set()
    for element in tree.iterfind("premis:event", NS):
        where = f"{file}:{element.sourceline}"
        kind = element.findtext("premis:eventType", namespaces=NS) or ""
        at = element.findtext("premis:eventDateTime", namespaces=NS) or ""
        identifier = element.findtext("premis:eventIdentifier/premis:eventIdentifierValue", namespaces=NS) or ""
        if identifier in event_ids:
            problems.append(Problem(where, f"event {identifier} is recorded twice"))
        event_ids.add(identifier)
        for agent in element.iterfind("premis:linkingAgentIdentifier/premis:linkingAgentIdentifierValue", NS):
            if agent.text not in agents:
                problems.append(Problem(where, f"{kind} event links agent {agent.text!r}, which PREMIS does not "
                                               "describe"))
        for linked in element.iterfind("premis:linkingObjectIdentifier/premis:linkingObjectIdentifierValue", NS):
            if linked.text not in objects:
                problems.append(Problem(where, f"{kind} event links object {linked.text!r}, which PREMIS does "
                                               "not describe"))
        events.append((kind, at, element.sourceline or 0))
    kinds = [kind for kind, _at, _line in events]
    for required in _REQUIRED_EVENTS:
        if required not in kinds:
            problems.append(Problem(str(file), f"the chain of events has no {required} event"))
    if screened is not None:
        if "policy assignment" not in kinds:
            problems.append(Problem(str(file), "the thread was screened but PREMIS records no screening event"))
        decisions = screened.get("decisions", 0)
        if isinstance(decisions, int) and kinds.count("appraisal") != decisions:
            problems.append(Problem(str(file), f"{decisions} review decisions in the thread, "
                                               f"{kinds.count('appraisal')} appraisal events in PREMIS"))
    ordered = [(kind, at, line) for kind, at, line in events if kind in _ORDER and kind != "appraisal"]
    for (kind, at, _), (later, later_at, line) in pairwise(ordered):
        if _ORDER[later] < _ORDER[kind] or later_at < at:
            problems.append(Problem(f"{file}:{line}", f"{later} event ({later_at}) is out of order after {kind} "
                                                      f"({at})"))


def eark_problems(package: Path, screened: dict[str, object] | None = None) -> list[Problem]:
    """Every problem of the package's E-ARK layer. ``screened`` (``{"decisions": n}``) when the thread says it
    was screened, so PREMIS must record it."""
    problems: list[Problem] = []
    described: set[str] = {METS_XML}
    root = _mets(package, METS_XML, problems, described) if (package / METS_XML).is_file() else None
    if root is None:
        if not (package / METS_XML).is_file():
            problems.append(Problem(str(package / METS_XML), "root METS missing"))
        return problems
    objid = root.getroot().get("OBJID")
    if not objid:
        problems.append(Problem(str(package / METS_XML), "root METS has no OBJID"))
    representations = _representations(package, root, problems, described)
    _premis(package, representations, problems, described, screened)
    present = {p.relative_to(package).as_posix() for p in package.rglob("*") if p.is_file()}
    for extra in sorted(present - described - {MANIFEST}):
        problems.append(Problem(str(package / extra), "file not described by any METS"))
    return problems
