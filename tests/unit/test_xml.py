import io
import json
from dataclasses import replace
from pathlib import Path

from lxml import etree

from archiver.model import Thread
from archiver.render.xml import NS, read_text, write_thread_xml
from archiver.schema import schema_path

EXAMPLE = Path(__file__).resolve().parents[2] / "schemas" / "examples" / "valid" / "demo-road-works.json"


def _thread() -> Thread:
    return Thread.from_dict(json.loads(EXAMPLE.read_text(encoding="utf-8")))


def _xml(thread: Thread) -> etree._ElementTree:
    out = io.BytesIO()
    write_thread_xml(thread, out)
    return etree.parse(io.BytesIO(out.getvalue()))


def _xsd() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(schema_path("thread.xsd"))))


def test_thread_xml_is_valid_against_the_xsd_and_keeps_every_comment():
    thread = _thread()
    document = _xml(thread)
    assert _xsd().validate(document), _xsd().error_log
    comments = document.findall(f"{{{NS}}}comments/{{{NS}}}comment")
    assert len(comments) == len(thread.comments)
    assert {c.get("id") for c in comments} == {c.id for c in thread.comments}
    hidden = [c for c in comments if c.get("visibility") == "hidden"]
    assert len(hidden) == 1


def test_xml_illegal_characters_are_kept_recoverably_and_stay_valid():
    thread = _thread()
    hostile = "bell\x07 nul\x00 esc\x1b fffe\ufffe lone\ud83d rtl\u202e zw\u200b æøå 👍 <b>&amp;</b>"
    comments = (replace(thread.comments[0], text=hostile), *thread.comments[1:])
    document = _xml(replace(thread, comments=comments))
    assert _xsd().validate(document), _xsd().error_log
    first = document.find(f"{{{NS}}}comments/{{{NS}}}comment/{{{NS}}}text")
    assert read_text(first) == hostile


def test_same_thread_gives_identical_bytes():
    thread = _thread()
    a, b = io.BytesIO(), io.BytesIO()
    write_thread_xml(thread, a)
    write_thread_xml(thread, b)
    assert a.getvalue() == b.getvalue()
