"""Assemble one thread snapshot into a package: a mapping of relative paths to bytes. Pure. The one package
builder: every package is an E-ARK SIP (``eark.py`` writes its METS, PREMIS, Dublin Core and rights).

Each thread has a sequence of versions, ``packages/<platform>/<account>/<post>/v00001``, ``v00002``...: a new
version is written only when the thread's content hash changed, and each names the one before it. The version
directory is the write-once slot (and the SIP's root folder): two workers cannot both write version 2.

    v00001/
      METS.xml                                     root METS (E-ARK SIP 2.1), OBJID = the package id
      manifest-sha256.txt                          SHA-256 of every other file (BagIt line format)
      metadata/descriptive/dc.xml                  Dublin Core, without personal data
      metadata/preservation/premis.xml             PREMIS 3: objects with fixity and format, events, agents
      metadata/other/package.json                  ids, version chain, content hash, access summary
      representations/evidence/                    METS.xml, metadata/rights.xml,
                           data/capture.json       raw API exchanges, credentials scrubbed
                           data/webhook-events.json  webhook deliveries (when the version holds any)
      representations/normalised/data/thread.json  the thread model (schemas/thread.schema.json)
      representations/normalised/data/thread.xml   the same as XML (schemas/thread.xsd)
      representations/rendition/data/thread.pdf    PDF/A-2b for people
      representations/public/data/thread.xml|pdf   the public rendition (when screened)
      schemas/thread.schema.json, schemas/thread.xsd
      documentation/README.txt
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .. import __version__
from ..connectors.base import RawCapture, dump_json
from ..model import Thread
from ..schema import schema_path
from .manifest import MANIFEST, fixity, format_manifest

__all__ = [
    "EVIDENCE",
    "PACKAGE_FORMAT",
    "PACKAGE_JSON",
    "PUBLIC_PDF",
    "PUBLIC_XML",
    "THREAD_JSON",
    "THREAD_PDF",
    "THREAD_XML",
    "WEBHOOK_EVIDENCE",
    "Package",
    "Previous",
    "account_dir",
    "assemble",
    "package_dir",
    "package_id",
    "parse_version",
    "safe_component",
    "thread_dir",
    "version_name",
]

PACKAGE_FORMAT = "socialarkiv-package/2"  # /2: the E-ARK SIP layout
PACKAGE_JSON = "metadata/other/package.json"
EVIDENCE = "representations/evidence/data/capture.json"
WEBHOOK_EVIDENCE = "representations/evidence/data/webhook-events.json"
PUBLIC_XML = "representations/public/data/thread.xml"
PUBLIC_PDF = "representations/public/data/thread.pdf"
THREAD_JSON = "representations/normalised/data/thread.json"
THREAD_XML = "representations/normalised/data/thread.xml"
THREAD_PDF = "representations/rendition/data/thread.pdf"
SCHEMA_FILES = ("thread.schema.json", "thread.xsd")
_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


@dataclass(frozen=True)
class Package:
    id: str
    platform: str
    account_id: str
    post_id: str
    version: int
    content_hash: str
    files: Mapping[str, bytes]

    @property
    def relative_dir(self) -> str:
        return package_dir(self.platform, self.account_id, self.post_id, self.version)


@dataclass(frozen=True)
class Previous:
    """The version a new package follows."""

    id: str
    version: int
    content_hash: str


def account_dir(platform: str, account_id: str) -> str:
    """Where an account's packages live inside a store: the one definition of the store layout."""
    return "/".join(("packages", platform, safe_component(account_id)))


def thread_dir(platform: str, account_id: str, post_id: str) -> str:
    """Where every version of one thread lives inside a store."""
    return "/".join((account_dir(platform, account_id), safe_component(post_id)))


def package_dir(platform: str, account_id: str, post_id: str, version: int) -> str:
    """Where one version lives inside a store, derived only from sanitised ids."""
    return "/".join((thread_dir(platform, account_id, post_id), version_name(version)))


def version_name(version: int) -> str:
    return f"v{version:05d}"


def parse_version(name: str) -> int | None:
    """The version number of a directory name written by ``version_name``, else None."""
    if len(name) >= 6 and name[0] == "v" and name[1:].isascii() and name[1:].isdigit():
        return int(name[1:])
    return None


def safe_component(value: str) -> str:
    """A platform id as one safe path segment; ids with other characters get a hash suffix so they stay unique."""
    cleaned = _SAFE.sub("_", value)[:80].strip(".") or "_"
    if cleaned != value:
        cleaned = f"{cleaned}-{hashlib.sha256(value.encode('utf-8', 'surrogatepass')).hexdigest()[:10]}"
    return cleaned


def package_id(thread: Thread, version: int) -> str:
    return f"{thread.source.platform}-{safe_component(thread.source.post_id)}-{version_name(version)}"


def assemble(thread: Thread, raw: RawCapture, pdf: bytes, *, digest: str, created: str, version: int = 1,
             previous: Previous | None = None, changes: Mapping[str, int] | None = None,
             volatile: tuple[str, ...] = ("reactions",), webhook_events: bytes | None = None,
             public: tuple[Thread, bytes] | None = None, organisation: str = "",
             organisation_id: str | None = None, records: Mapping[str, Any] | None = None,
             skipped: Sequence[Mapping[str, Any]] = ()) -> Package:
    """All files of the package, manifest included. Same inputs, same bytes. ``records``: the account key,
    classification and retention decision the package is stored under (kept in ``package.json``).
    ``skipped``: the version slots before this one that were abandoned unsealed (``{"version", "reason"}``)."""
    # lxml here, not at import: the tasks that write no package (planning, listing, reporting, a night of
    # unchanged captures) spend 0.15 s less starting up (tests/unit/test_imports.py)
    from ..render.xml import write_thread_xml
    from .eark import ACCESS_PUBLIC, ACCESS_RESTRICTED, Representation, SipFacts, describe

    xml = io.BytesIO()
    write_thread_xml(thread, xml)
    files: dict[str, bytes] = {
        EVIDENCE: raw.to_json_bytes(),
        THREAD_JSON: dump_json(thread.to_dict()),
        THREAD_XML: xml.getvalue(),
        THREAD_PDF: pdf,
    }
    if webhook_events is not None:
        files[WEBHOOK_EVIDENCE] = webhook_events
    if public is not None:  # the rendition with every finding replaced by a marker naming its category
        public_xml = io.BytesIO()
        write_thread_xml(public[0], public_xml)
        files[PUBLIC_XML], files[PUBLIC_PDF] = public_xml.getvalue(), public[1]
    screening = thread.screening
    skjerming = screening.skjerming if screening else None
    for name in SCHEMA_FILES:
        files[f"schemas/{name}"] = schema_path(name).read_bytes()
    identifier = package_id(thread, version)
    evidence = (EVIDENCE, WEBHOOK_EVIDENCE) if webhook_events is not None else (EVIDENCE,)
    reps = [
        Representation("evidence", "raw API responses as captured, credentials scrubbed",
                       ACCESS_RESTRICTED if skjerming else ACCESS_PUBLIC, evidence),
        Representation("normalised", "the thread model as JSON and XML",
                       ACCESS_RESTRICTED if skjerming else ACCESS_PUBLIC, (THREAD_JSON, THREAD_XML)),
        Representation("rendition", "the thread as PDF/A-2b",
                       ACCESS_RESTRICTED if skjerming else ACCESS_PUBLIC, (THREAD_PDF,)),
    ]
    if public is not None:
        reps.append(Representation("public", "public rendition: screened spans replaced by markers, XML and "
                                   "PDF/A-2b", ACCESS_PUBLIC, (PUBLIC_XML, PUBLIC_PDF)))
    files[PACKAGE_JSON] = dump_json({
        "format": PACKAGE_FORMAT,
        "id": identifier,
        "version": version,
        "previous": None if previous is None else {"id": previous.id, "version": previous.version,
                                                   "content_hash": previous.content_hash},
        # version slots between previous and this one that a stopped writer left unsealed (S3 keeps them)
        **({"skipped_versions": [dict(s) for s in skipped]} if skipped else {}),
        "changes": dict(sorted((changes or {}).items())),
        "created": created,
        "software": {"name": "socialarkiv", "version": __version__},
        "source": {"platform": thread.source.platform, "account_id": thread.source.account_id,
                   "account_name": thread.source.account_name, "post_id": thread.source.post_id},
        "content_hash": {"algorithm": "sha256", "value": digest},
        "volatile_fields": list(volatile),
        "comments": len(thread.comments),
        "capture": {"started": thread.provenance.capture_started_at, "ended": thread.provenance.capture_ended_at},
        "files": {
            "evidence": EVIDENCE, "normalised_json": THREAD_JSON, "normalised_xml": THREAD_XML,
            "rendition_pdf": THREAD_PDF,
            **({"webhook_events": WEBHOOK_EVIDENCE} if webhook_events is not None else {}),
            **({"public_xml": PUBLIC_XML, "public_pdf": PUBLIC_PDF} if public is not None else {}),
        },
        "access": {
            "screened": screening is not None,
            "findings": len(screening.findings) if screening else 0,
            "skjerming": None if skjerming is None else {
                "tilgangsrestriksjon": skjerming.tilgangsrestriksjon,
                "skjermingshjemmel": skjerming.skjermingshjemmel, "categories": list(skjerming.categories)},
            "restricted": [path for r in reps if r.access == ACCESS_RESTRICTED for path in r.files],
            "public": [PUBLIC_XML, PUBLIC_PDF] if public is not None else [],
        },
        **({"records": dict(records)} if records is not None else {}),
    })
    facts = SipFacts(package_id=identifier, label=f"{thread.source.platform} {thread.source.account_name} "
                     f"post {thread.source.post_id} v{version}", created=created,
                     organisation=organisation or thread.source.account_name, organisation_id=organisation_id,
                     thread=thread, version=version, previous_id=previous.id if previous else None,
                     store_slot=package_dir(thread.source.platform, thread.source.account_id,
                                            thread.source.post_id, version))
    files = describe(facts, files, reps, [f"schemas/{name}" for name in SCHEMA_FILES], [PACKAGE_JSON])
    digests = {path: fixity(io.BytesIO(data)) for path, data in files.items()}
    files[MANIFEST] = format_manifest(digests)
    return Package(id=identifier, platform=thread.source.platform, account_id=thread.source.account_id,
                   post_id=thread.source.post_id, version=version, content_hash=digest, files=files)
