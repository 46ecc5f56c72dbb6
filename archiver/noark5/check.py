"""The project's own implementation of Arkade 5's Noark 5 checks (STANDARDS.md 1.6) for an extraction folder or
tar, with nothing but the extraction. Each problem names its check, its file and what is wrong.

N5.01 files listed in arkivuttrekk.xml exist; N5.02 their SHA-256 checksums; N5.03 every XML file validates
against the package's own schemas; the numberOfOccurrences counts; N5.28 the number of document files;
N5.30 each document's SHA-256 and size; N5.32 referenced files exist; N5.33 no unreferenced file;
N5.34 no file referenced twice; N5.47 unique systemIDs; N5.48 referanseArkivdel resolves; N5.59 the same
journalposter in arkivstruktur and both journals, and antallJournalposter; N5.60 journal periods; N5.62
endringslogg references exist; N5.63 no empty elements; N5.64 no empty document; dates within the archive
period; the public journal has no ``tittel``; ``inneholderSkjermetInformasjon`` matches the skjerming.
"""

from __future__ import annotations

import tarfile
import tempfile
from collections import Counter
from pathlib import Path

from lxml import etree

from ..errors import Problem
from ..package.manifest import file_fixity, safe_relative

__all__ = ["extraction_problems", "find_extractions", "is_extraction"]

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
_ADDML = "{http://www.arkivverket.no/standarder/addml}"
_PAIRS = {"arkivstruktur.xml": "arkivstruktur.xsd", "endringslogg.xml": "endringslogg.xsd",
          "loependeJournal.xml": "loependeJournal.xsd", "offentligJournal.xml": "offentligJournal.xsd",
          "arkivuttrekk.xml": "addml.xsd"}
_DOCUMENT_FOLDERS = ("dokumenter", "DOKUMENTER", "dokument", "DOKUMENT")


def is_extraction(path: Path) -> bool:
    if path.is_file() and tarfile.is_tarfile(path):
        with tarfile.open(path) as tar:
            return any(m.name.endswith("/arkivuttrekk.xml") and m.name.count("/") == 1 for m in tar.getmembers())
    return (path / "arkivuttrekk.xml").is_file()


def find_extractions(path: Path) -> list[Path]:
    """``path`` itself when it is an extraction (folder or tar), else the extractions directly inside it."""
    if is_extraction(path):
        return [path]
    if not path.is_dir():
        return []
    return [child for child in sorted(path.iterdir())
            if not child.name.startswith(".") and (child.is_dir() or child.suffix == ".tar") and is_extraction(child)]



def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _text(element: etree._Element, name: str) -> str | None:
    found = element.find(f"{{*}}{name}")
    return None if found is None else (found.text or "")


def _prop(element: etree._Element, name: str) -> etree._Element | None:
    for child in element.iterfind(f"{_ADDML}properties/{_ADDML}property"):
        if child.get("name") == name:
            return child
    return None


def _value(element: etree._Element | None) -> str | None:
    return None if element is None else element.findtext(f"{_ADDML}value")


def extraction_problems(path: Path) -> list[Problem]:
    """Every problem of the extraction at ``path`` (a folder, or a tar holding one folder)."""
    if path.is_file():
        if not tarfile.is_tarfile(path):
            return [Problem(str(path), "neither an extraction folder nor a tar")]
        with tempfile.TemporaryDirectory() as tmp, tarfile.open(path) as tar:
            members = tar.getmembers()
            for member in members:
                if not safe_relative(member.name) or not (member.isfile() or member.isdir()):
                    return [Problem(f"{path}!{member.name}", "unsafe tar member (absolute, '..' or a link)")]
            tops = {m.name.split("/", 1)[0] for m in members}
            if len(tops) != 1:
                return [Problem(str(path), f"the tar must hold one folder, holds {sorted(tops)}")]
            tar.extractall(tmp, filter="data")
            top = tops.pop()
            return [Problem(f"{path}!{top}/{Path(p.where).relative_to(Path(tmp) / top)}"
                            if p.where.startswith(str(Path(tmp) / top)) else p.where, p.message)
                    for p in extraction_problems(Path(tmp) / top)]
    return _Checker(path).run()


class _Checker:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Problem] = []
        self.trees: dict[str, etree._ElementTree] = {}

    def fail(self, check: str, where: str, message: str) -> None:
        self.problems.append(Problem(where, f"{check}: {message}"))

    def run(self) -> list[Problem]:
        addml_file = self.root / "arkivuttrekk.xml"
        if not addml_file.is_file():
            self.fail("N5.01", str(addml_file), "arkivuttrekk.xml missing")
            return self.problems
        for name in _PAIRS:
            file = self.root / name
            if not file.is_file():
                self.fail("N5.01", str(file), "missing")
                continue
            try:
                self.trees[name] = etree.parse(str(file), _PARSER)
            except etree.XMLSyntaxError as exc:
                self.fail("N5.03", str(file), f"not well-formed XML: {exc}")
        self._schemas()
        if "arkivuttrekk.xml" in self.trees:
            self._addml(self.trees["arkivuttrekk.xml"])
        if "arkivstruktur.xml" in self.trees:
            self._structure(self.trees["arkivstruktur.xml"])
        self._empty_elements()
        return self.problems

    def _schemas(self) -> None:
        for name, schema_name in _PAIRS.items():
            if name not in self.trees:
                continue
            schema_file = self.root / schema_name
            if not schema_file.is_file():
                self.fail("N5.03", str(schema_file), f"schema for {name} missing from the extraction")
                continue
            try:
                schema = etree.XMLSchema(etree.parse(str(schema_file), _PARSER))
            except (etree.XMLSyntaxError, etree.XMLSchemaParseError) as exc:
                self.fail("N5.03", str(schema_file), f"schema unreadable: {exc}")
                continue
            if not schema.validate(self.trees[name]):
                for error in list(schema.error_log)[:20]:
                    self.fail("N5.03", f"{self.root / name}:{error.line}", error.message)

    def _addml(self, tree: etree._ElementTree) -> None:
        where = str(self.root / "arkivuttrekk.xml")
        main = tree.find(f".//{_ADDML}dataObject[@name='Noark 5-arkivuttrekk']")
        if main is None:
            self.fail("N5.01", where, "no dataObject 'Noark 5-arkivuttrekk'")
            return
        for data_object in main.iterfind(f"{_ADDML}dataObjects/{_ADDML}dataObject"):
            for holder in [data_object, *[p for p in data_object.iterfind(f"{_ADDML}properties/{_ADDML}property")
                                          if p.get("name") == "schema"]]:
                file_prop = _prop(holder, "file")
                if file_prop is None:
                    continue
                name = _value(_prop(file_prop, "name"))
                checksum = _prop(file_prop, "checksum")
                algorithm = _value(_prop(checksum, "algorithm")) if checksum is not None else None
                value = _value(_prop(checksum, "value")) if checksum is not None else None
                if not name or not safe_relative(name):
                    self.fail("N5.01", where, f"file name {name!r} is not a relative path inside the extraction")
                    continue
                file = self.root / name
                if not file.is_file():
                    self.fail("N5.01", str(file), "listed in arkivuttrekk.xml but missing")
                elif algorithm not in ("SHA-256", "SHA256") or not value:
                    self.fail("N5.02", where, f"no SHA-256 checksum for {name}")
                elif value.lower() != file_fixity(file):
                    self.fail("N5.02", str(file), f"checksum mismatch: arkivuttrekk.xml records {value.lower()}")
            info = _prop(data_object, "info")
            tree_name = f"{data_object.get('name')}.xml"
            counted = self.trees.get(tree_name)
            for occurrence in ([] if info is None else info.iterfind(f"{_ADDML}properties/{_ADDML}property")):
                if occurrence.get("name") != "numberOfOccurrences" or counted is None:
                    continue
                element = _value(occurrence) or ""
                recorded = _value(_prop(occurrence, "value"))
                found = len(counted.findall(f".//{{*}}{element}"))
                if recorded != str(found):
                    self.fail("count", where, f"numberOfOccurrences of {element} in {tree_name} says {recorded}, "
                                              f"the file has {found}")
        info_prop = _prop(main, "info")
        additional = _prop(info_prop if info_prop is not None else main, "additionalInfo")
        recorded_files = _value(_prop(additional, "antallDokumentfiler")) if additional is not None else None
        folder = next((self.root / d for d in _DOCUMENT_FOLDERS if (self.root / d).is_dir()), None)
        if folder is None:
            self.fail("N5.28", str(self.root), "no documents folder (dokumenter)")
        else:
            count = sum(1 for p in folder.rglob("*") if p.is_file())
            if recorded_files != str(count):
                self.fail("N5.28", where, f"antallDokumentfiler says {recorded_files}, {folder.name}/ holds {count}")
        screened = _value(_prop(additional, "inneholderSkjermetInformasjon")) if additional is not None else None
        structure = self.trees.get("arkivstruktur.xml")
        if structure is not None:
            has = structure.find(".//{*}skjerming") is not None or structure.find(".//{*}offentligTittel") is not None
            if screened != str(has).lower():
                self.fail("skjerming", where, f"inneholderSkjermetInformasjon says {screened}, the extraction "
                                              f"{'has' if has else 'has no'} screened information")

    def _structure(self, tree: etree._ElementTree) -> None:
        where = str(self.root / "arkivstruktur.xml")
        ids = Counter(e.text for e in tree.iter("{*}systemID"))
        for value, count in sorted(ids.items(), key=lambda item: str(item[0])):
            if count > 1:
                self.fail("N5.47", where, f"systemID {value} is used {count} times")
        arkivdeler = {e.findtext("{*}systemID") for e in tree.iter("{*}arkivdel")}
        for reference in tree.iter("{*}referanseArkivdel"):
            if reference.text not in arkivdeler:
                self.fail("N5.48", f"{where}:{reference.sourceline}", f"referanseArkivdel {reference.text} names no "
                                                                      "arkivdel")
        referenced: Counter[str] = Counter()
        for document in tree.iter("{*}dokumentobjekt"):
            line = f"{where}:{document.sourceline}"
            reference = _text(document, "referanseDokumentfil")
            if not reference:
                self.fail("N5.32", line, "dokumentobjekt without referanseDokumentfil")
                continue
            reference = reference.replace("\\", "/")
            referenced[reference] += 1
            file = self.root / reference
            if not safe_relative(reference) or not file.is_file():
                self.fail("N5.32", line, f"referanseDokumentfil {reference} does not exist")
                continue
            size = file.stat().st_size
            if size == 0:
                self.fail("N5.64", str(file), "empty document file")
            if (_text(document, "sjekksum") or "").lower() != file_fixity(file):
                self.fail("N5.30", str(file), f"checksum mismatch: arkivstruktur.xml records "
                                              f"{_text(document, 'sjekksum')}")
            if _text(document, "filstoerrelse") != str(size):
                self.fail("N5.30", str(file), f"size {size} bytes, arkivstruktur.xml records "
                                              f"{_text(document, 'filstoerrelse')}")
        for reference, count in sorted(referenced.items()):
            if count > 1:
                self.fail("N5.34", str(self.root / reference), f"referenced by {count} dokumentobjekt")
        for folder in (self.root / d for d in _DOCUMENT_FOLDERS):
            for file in sorted(folder.rglob("*")) if folder.is_dir() else ():
                relative = file.relative_to(self.root).as_posix()
                if file.is_file() and relative not in referenced:
                    self.fail("N5.33", str(file), "document file not referenced by any dokumentobjekt")
        self._journals(tree)
        log = self.trees.get("endringslogg.xml")
        if log is not None:
            for reference in log.iter("{*}referanseArkivenhet"):
                if reference.text not in ids:
                    self.fail("N5.62", f"{self.root / 'endringslogg.xml'}:{reference.sourceline}",
                              f"referanseArkivenhet {reference.text} names no unit in arkivstruktur.xml")
        starts = [e.text or "" for e in tree.iter("{*}arkivperiodeStartDato")]
        ends = [e.text or "" for e in tree.iter("{*}arkivperiodeSluttDato")]
        if starts and ends:
            low, high = min(starts), max(ends)
            for entry in tree.iter("{*}journaldato"):
                if not low <= (entry.text or "") <= high:
                    self.fail("dates", f"{where}:{entry.sourceline}", f"journaldato {entry.text} is outside the "
                                                                      f"archive period {low}..{high}")

    def _journals(self, tree: etree._ElementTree) -> None:
        posts = {e.findtext("{*}systemID"): (e.findtext("{*}journaldato") or "")
                 for e in tree.iter("{*}registrering")
                 if e.get("{http://www.w3.org/2001/XMLSchema-instance}type") == "journalpost"}
        periods = []
        for name in ("loependeJournal.xml", "offentligJournal.xml"):
            journal = self.trees.get(name)
            if journal is None:
                continue
            where = str(self.root / name)
            listed = [e.findtext("{*}systemID") for e in journal.iter("{*}journalpost")]
            if sorted(filter(None, listed)) != sorted(filter(None, posts)):
                missing = sorted(set(filter(None, posts)) - set(filter(None, listed)))
                extra = sorted(set(filter(None, listed)) - set(filter(None, posts)))
                self.fail("N5.59", where, f"{len(listed)} journalposter, arkivstruktur.xml has {len(posts)}"
                                          f" (missing {missing[:3]}, not in arkivstruktur {extra[:3]})")
            recorded = journal.findtext("{*}journalhode/{*}antallJournalposter")
            if recorded != str(len(listed)):
                self.fail("N5.59", where, f"antallJournalposter says {recorded}, the journal lists {len(listed)}")
            start = journal.findtext("{*}journalhode/{*}journalStartDato") or ""
            end = journal.findtext("{*}journalhode/{*}journalSluttDato") or ""
            periods.append((start, end))
            dates = [d for d in posts.values() if d]
            if dates and (start, end) != (min(dates), max(dates)):
                self.fail("N5.60", where, f"journal period {start}..{end}, the journalposts run "
                                          f"{min(dates)}..{max(dates)}")
            if name == "offentligJournal.xml" and journal.find(".//{*}tittel") is not None:
                self.fail("public", where, "the public journal holds a tittel (only offentligTittel belongs there)")
        if len(set(periods)) > 1:
            self.fail("N5.60", str(self.root / "offentligJournal.xml"), "the two journals cover different periods")

    def _empty_elements(self) -> None:
        for name, tree in self.trees.items():
            for element in tree.iter():
                if not isinstance(element.tag, str):
                    continue
                if len(element) == 0 and not (element.text or "").strip():
                    self.fail("N5.63", f"{self.root / name}:{element.sourceline}", f"empty element <{_local(element)}>")
