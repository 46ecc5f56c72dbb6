"""Offline verification of packages: fixity, completeness, schemas, internal consistency, the E-ARK layer
(METS, PREMIS and access rights, ``eark_check``), the version chain and the PDF/A-2b properties of every
rendition (``pdfa``).

Needs nothing but the package (it validates against the schema copies the package carries). Collects every
problem, naming its file, and raises once (``verify_package``) or returns them (``package_problems``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from ..errors import Problem, VerificationError
from ..history import content_hash
from ..model import Thread
from .build import EVIDENCE, PACKAGE_JSON, PUBLIC_PDF, PUBLIC_XML, THREAD_JSON, THREAD_PDF, THREAD_XML, version_name
from .eark_check import eark_problems
from .manifest import MANIFEST, file_fixity, parse_manifest
from .pdfa import pdfa_problems

__all__ = ["find_packages", "package_problems", "verify_package", "verify_tree"]

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


def find_packages(root: Path) -> Iterator[Path]:
    """Package directories at or below ``root`` (a package is a directory holding a manifest)."""
    if (root / MANIFEST).is_file():
        yield root
        return
    for manifest in sorted(root.rglob(MANIFEST)):
        if ".staging" not in manifest.parts and "quarantine" not in manifest.relative_to(root).parts[:1]:
            yield manifest.parent


def package_problems(package: Path) -> list[Problem]:
    problems: list[Problem] = []
    manifest_file = package / MANIFEST
    if not manifest_file.is_file():
        return [Problem(str(manifest_file), "manifest missing")]
    try:
        entries, problems = parse_manifest(manifest_file.read_text(encoding="utf-8"), str(manifest_file))
    except UnicodeDecodeError:
        return [Problem(str(manifest_file), "manifest is not UTF-8")]
    root = package.resolve()
    for relative, expected in sorted(entries.items()):
        file = package / relative
        if not file.resolve().is_relative_to(root):
            problems.append(Problem(str(file), "path leads outside the package"))
        elif not file.is_file():
            problems.append(Problem(str(file), "listed in the manifest but missing"))
        else:
            found = file_fixity(file)
            if found != expected:
                problems.append(Problem(str(file), f"checksum mismatch: manifest sha256 {expected}, file {found}"))
    present = {p.relative_to(package).as_posix() for p in package.rglob("*") if p.is_file()}
    for extra in sorted(present - set(entries) - {MANIFEST}):
        problems.append(Problem(str(package / extra), "file not listed in the manifest"))
    for required in (PACKAGE_JSON, EVIDENCE, THREAD_JSON, THREAD_XML, THREAD_PDF):
        if required not in entries:
            problems.append(Problem(str(package / required), "required file not in the manifest"))
    # the content and E-ARK checks run even after a fixity fault, so that a changed reference or count is named
    # for what it is and not only as "METS.xml changed"
    if all((package / required).is_file() for required in (PACKAGE_JSON, THREAD_JSON)):
        problems.extend(_content_problems(package))
    return _once_per_changed_file(problems)


def _once_per_changed_file(problems: list[Problem]) -> list[Problem]:
    """A changed file disagrees with the manifest, its METS and PREMIS alike: name it once (the first)."""
    seen: set[str] = set()
    kept = []
    for problem in problems:
        if problem.message.startswith("checksum mismatch"):
            if problem.where in seen:
                continue
            seen.add(problem.where)
        kept.append(problem)
    return kept


def _content_problems(package: Path) -> list[Problem]:
    from jsonschema import Draft202012Validator, FormatChecker

    problems: list[Problem] = []
    meta_file = package / PACKAGE_JSON
    thread_file = package / THREAD_JSON
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        document = json.loads(thread_file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return [Problem(str(package), f"package.json or thread.json is not readable JSON: {exc}")]
    problems.extend(_sequence_problems(package, meta))
    screening = document.get("screening") if isinstance(document, dict) else None
    decisions = sum(1 for finding in (screening or {}).get("findings", []) if finding.get("decision"))
    problems.extend(eark_problems(package, None if screening is None else {"decisions": decisions}))
    schema_file = package / "schemas" / "thread.schema.json"
    if schema_file.is_file():
        validator = Draft202012Validator(json.loads(schema_file.read_text(encoding="utf-8")),
                                         format_checker=FormatChecker())
        for error in sorted(validator.iter_errors(document), key=lambda e: e.json_path):
            problems.append(Problem(f"{thread_file}#{error.json_path}", error.message[:200]))
    else:
        problems.append(Problem(str(schema_file), "schema missing"))
    if not problems:
        recorded = (meta.get("content_hash") or {}).get("value")
        volatile = meta.get("volatile_fields", ["reactions"])
        if recorded != content_hash(Thread.from_dict(document), volatile):
            problems.append(Problem(str(thread_file), "content hash differs from package.json"))
    xsd_file = package / "schemas" / "thread.xsd"
    public = (package / PUBLIC_XML).is_file()
    for xml_name in (THREAD_XML, PUBLIC_XML) if public else (THREAD_XML,):
        try:
            xsd = etree.XMLSchema(etree.parse(str(xsd_file), _PARSER))
            xml = etree.parse(str(package / xml_name), _PARSER)
            if not xsd.validate(xml):
                for error in xsd.error_log:
                    problems.append(Problem(f"{package / xml_name}:{error.line}", error.message))
        except (OSError, etree.XMLSyntaxError, etree.XMLSchemaParseError) as exc:
            problems.append(Problem(str(package / xml_name), f"XML or XSD unreadable: {exc}"))
    for pdf_name in (THREAD_PDF, PUBLIC_PDF) if public else (THREAD_PDF,):
        if (package / pdf_name).is_file():
            problems.extend(pdfa_problems((package / pdf_name).read_bytes(), str(package / pdf_name)))
    return problems


def _sequence_problems(package: Path, meta: dict[str, object]) -> list[Problem]:
    """The folder is the version's slot, and the version names the one before it: a removed or replaced
    earlier version is found here."""
    where = str(package / PACKAGE_JSON)
    version = meta.get("version")
    if version is None:  # the format before thread versions: the folder is named by the id
        return [] if meta.get("id") == package.name else [
            Problem(where, f"id {meta.get('id')!r} does not match the folder {package.name!r}")]
    if not isinstance(version, int) or version < 1 or version_name(version) != package.name:
        return [Problem(where, f"version {version!r} does not match the folder {package.name!r}")]
    previous = meta.get("previous")
    skipped = meta.get("skipped_versions") or []
    gap = [s.get("version") if isinstance(s, dict) else None for s in skipped] if isinstance(skipped, list) else None
    follows = version - 1 - len(gap or [])
    if gap is None or gap != list(range(follows + 1, version)):
        return [Problem(where, f"skipped_versions {skipped!r} are not the slots just before version {version}")]
    if follows == 0:
        return [] if previous is None else [Problem(where, f"version {version} names a previous version, but "
                                                           "every slot before it is skipped")]
    if not isinstance(previous, dict) or previous.get("version") != follows:
        return [Problem(where, f"version {version} does not name version {follows} as its previous")]
    before = package.parent / version_name(follows) / PACKAGE_JSON
    try:
        recorded = json.loads(before.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return [Problem(str(before.parent), f"version {follows}, which {package.name} follows, is missing")]
    except (UnicodeDecodeError, json.JSONDecodeError):
        return [Problem(str(before), "not readable JSON")]
    if (recorded.get("id"), (recorded.get("content_hash") or {}).get("value")) != (
            previous.get("id"), previous.get("content_hash")):
        return [Problem(where, f"previous version {previous.get('id')} differs from the one stored at "
                               f"{before.parent.name} (replaced?)")]
    return []


def verify_package(package: Path) -> None:
    problems = package_problems(package)
    if problems:
        raise VerificationError(str(package), problems)


def verify_tree(root: Path) -> dict[str, list[Problem]]:
    """Problems per package below ``root`` (empty lists for good packages)."""
    return {str(package): package_problems(package) for package in find_packages(root)}
