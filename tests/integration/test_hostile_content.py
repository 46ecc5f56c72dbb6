"""Hostile content: what citizens (or a broken platform) can put into a thread never breaks the archive.

Property-based: a real capture of each platform's fake API is taken once; hypothesis then rewrites every text
the platform returned (messages, names, titles, ids) with arbitrary Unicode (XML-illegal control characters,
lone surrogates, right-to-left overrides, zero-width characters, markup, entity references, path traversal)
and feeds it to the normaliser, the schema check, the XML writer and the HTML template. The normaliser either
gives a thread or says why the record is unusable (``RecordError``: the pipeline quarantines it); every thread
that passes the schema is written as XML valid against ``thread.xsd`` from which every text reads back
exactly, and as HTML in which user text stays text. Sizes no citizen types, but a platform may return: a 1 MB
comment, a reply chain 10,000 deep, 100,000 comments in one thread.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lxml_html

from archiver.clock import FixedClock
from archiver.config import AccountConfig, Secret, parse_settings
from archiver.connectors import connector_class
from archiver.connectors.base import RawCapture
from archiver.errors import RecordError
from archiver.fakes import API_VERSIONS, fake_for
from archiver.fakes.demo import synthetic_page
from archiver.fakes.graph import FakeGraphServer
from archiver.fakes.world import synthetic_account
from archiver.history import content_hash, merge
from archiver.model import Comment, Thread
from archiver.normalise import normaliser_for
from archiver.render.html import render_html
from archiver.render.xml import NS, read_text, write_thread_xml
from archiver.schema import _fast_accepts, _thread_validator, schema_path, thread_problems

PLATFORMS = ["facebook", "instagram", "x", "youtube", "linkedin", "mastodon", "bluesky"]
CLOCK = FixedClock(datetime(2026, 11, 20, 3, tzinfo=UTC))
TOKEN = "hostile-token"
SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
# keys whose string values are text a person or the platform wrote, or ids the platform chose
TEXT_KEYS = {"message", "text", "content", "textOriginal", "textDisplay", "caption", "name", "title",
             "description", "display_name", "displayName", "username", "handle", "acct", "commentary",
             "authorDisplayName", "spoiler_text", "note", "localizedFirstName", "localizedLastName"}
ID_KEYS = {"id", "uri", "commentUrn", "in_reply_to_id"}

PIECES = ["\x00", "\x07", "\x1b", "\x0b", "\ufffe", "\uffff", "\ud800", "\udfff", "\u202e", "\u2066", "\u200b",
          "\u200d", "\ufeff", "\u0301", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
          "<img src='file:///etc/passwd'>", "<link rel=stylesheet href='http://127.0.0.1:9/x.css'>",
          "]]>", "<![CDATA[x]]>", "&amp;", "&xxe;", "&#0;", "<!DOCTYPE x [<!ENTITY a 'b'>]>", "{{ 7*7 }}",
          "{% raw %}", "../../../etc/passwd", "..", "/", "\\", "C:\\x", "%2e%2e%2f", "javascript:alert(1)",
          "\r\n", "\t", " ", "😀", "👨‍👩‍👧", "🇳🇴", "ᚠ", "\U0010ffff", "€", "æøå ÆØÅ", "שלום", "مرحبا"]
HOSTILE = st.one_of(
    st.text(st.characters(codec=None, exclude_categories=()), max_size=60),
    st.lists(st.sampled_from(PIECES) | st.text(max_size=5), max_size=12).map("".join),
)


def _account(platform: str, url: str, account_id: str) -> AccountConfig:
    return parse_settings({"archive": {"organisation": "Demo kommune"}, "accounts": [{
        "key": f"demo-{platform}", "platform": platform, "account_id": account_id, "name": "Demo kommune",
        "base_url": url, "api_version": API_VERSIONS[platform], "credential": f"value:{TOKEN}"}]},
        base=Path(".")).accounts[0]


def _capture(platform: str) -> tuple[RawCapture, AccountConfig]:
    """One real capture (over HTTP, from the platform's fake) of the thread with the most comments."""
    if platform == "facebook":
        page = synthetic_page(3, 12, seed=5)
        server: Any = FakeGraphServer(page)
        account_id, token = page.id, page.token
    else:
        world = synthetic_account(platform, 3, 12, seed=5, token=TOKEN, hidden_share=0.2, edited_share=0.2)
        server, account_id, token = fake_for(platform, world, clock=CLOCK), world.me.id, TOKEN
    with server:
        account = _account(platform, server.url, account_id)
        connector = connector_class(platform)(account, Secret(token), CLOCK, sleep=lambda s: None)
        refs = connector.list_threads(datetime(2026, 1, 1, tzinfo=UTC), CLOCK.now())
        raws = [connector.capture_thread(ref) for ref in refs]
    raw = max(raws, key=lambda r: len(json.dumps([e.body for e in r.exchanges], default=str)))
    return raw, account


@pytest.fixture(scope="module")
def captures() -> dict[str, tuple[RawCapture, AccountConfig]]:
    return {platform: _capture(platform) for platform in PLATFORMS}


def _rewrite(node: Any, draw: Callable[[], str], key: str | None = None) -> Any:
    if isinstance(node, dict):
        return {k: _rewrite(v, draw, k) for k, v in node.items()}
    if isinstance(node, list):
        return [_rewrite(v, draw, key) for v in node]
    if isinstance(node, str) and key in TEXT_KEYS:
        return draw()
    if isinstance(node, str) and key in ID_KEYS:
        return node + draw()[:8]  # ids stay distinct, with hostile characters appended
    return node


def _tags(document: str) -> set[str]:
    return {element.tag for element in lxml_html.document_fromstring(document).iter() if isinstance(element.tag, str)}


@pytest.fixture(scope="module")
def template_tags(captures: dict[str, tuple[RawCapture, AccountConfig]]) -> set[str]:
    """Every element the template itself writes, from a thread of every platform with plain text."""
    tags: set[str] = set()
    for platform in PLATFORMS:
        raw, account = captures[platform]
        tags |= _tags(render_html(normaliser_for(platform)(raw, account), rendered_at="2026-11-20T03:00:00Z"))
    return tags


def assert_written_safely(thread: Thread, template_tags: set[str]) -> None:
    """XML valid against thread.xsd with every text exact, HTML with user text as text and no fetches."""
    out = io.BytesIO()
    write_thread_xml(thread, out)
    root = etree.fromstring(out.getvalue(), SAFE_PARSER)
    xsd = etree.XMLSchema(etree.parse(str(schema_path("thread.xsd")), SAFE_PARSER))
    assert xsd.validate(root), xsd.error_log.last_error
    texts = [read_text(e) for e in root.iter(f"{{{NS}}}text")]
    expected = [thread.post.text, *(c.text for c, _depth in thread.walk())]
    assert [t for t in texts[:1]] == expected[:1]
    assert set(expected) <= set(texts)
    page = render_html(thread, rendered_at="2026-11-20T03:00:00Z")
    tree = lxml_html.document_fromstring(page)
    assert _tags(page) <= template_tags, _tags(page) - template_tags
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            if name in ("src", "srcset", "data", "poster", "background") or name.startswith("on"):
                assert name not in ("srcset", "poster", "background") and not name.startswith("on"), name
                assert value.startswith("data:"), f"<{element.tag} {name}={value[:40]!r}> would be fetched"
            if name == "style":
                assert "url(" not in value.replace("url(data:", ""), value[:60]
            if name == "href" and element.tag == "link":
                raise AssertionError(f"a stylesheet link {value[:40]!r} would be fetched")


@pytest.mark.parametrize("platform", PLATFORMS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(data=st.data())
def test_normaliser_schema_xml_and_html_take_any_text(platform: str, data: st.DataObject,
                                                       captures: dict[str, tuple[RawCapture, AccountConfig]],
                                                       template_tags: set[str]) -> None:
    raw, account = captures[platform]
    hostile = replace(raw, exchanges=tuple(
        replace(e, body=_rewrite(e.body, lambda: data.draw(HOSTILE))) for e in raw.exchanges))
    try:
        thread = normaliser_for(platform)(hostile, account)
    except RecordError as exc:
        event(f"record error: {type(exc).__name__}")
        return  # quarantined with its reason by the pipeline
    document = thread.to_dict()
    problems = thread_problems(document)
    if _fast_accepts(document):  # the fast validator never accepts what jsonschema rejects
        assert not list(_thread_validator().iter_errors(document))
    if problems:
        event(f"schema violation at {problems[0].where.split('[')[0]}")
        return  # quarantined as a schema violation
    event("written")
    first, _ = merge(None, thread, "2026-11-20T03:00:00Z")
    again, found = merge(first, thread, "2026-11-21T03:00:00Z")  # the same capture the next night
    assert found == [] and content_hash(again) == content_hash(first)
    assert_written_safely(first, template_tags)


def _thread(captures: dict[str, tuple[RawCapture, AccountConfig]], comments: list[Comment]) -> Thread:
    raw, account = captures["facebook"]
    base = normaliser_for("facebook")(raw, account)
    completeness = replace(base.provenance.completeness, captured_comment_count=len(comments),
                           reported_comment_count=len(comments), complete=True, gaps=())
    return replace(base, comments=tuple(comments),
                   provenance=replace(base.provenance, completeness=completeness))


def _comment(template: Comment, n: int, text: str, parent: str | None) -> Comment:
    return replace(template, id=f"c{n}", text=text, parent_id=parent, history=None)


def test_a_one_megabyte_comment(captures, template_tags) -> None:
    raw, account = captures["facebook"]
    template = normaliser_for("facebook")(raw, account).comments[0]
    text = ("Jeg klager på \x07 vedtaket \u202e<script>x</script>\ud800 " * 20_000)[:1_000_000]
    thread = _thread(captures, [_comment(template, 1, text, None)])
    assert thread_problems(thread.to_dict()) == []
    assert_written_safely(thread, template_tags)


def test_replies_nested_ten_thousand_deep(captures, template_tags) -> None:
    raw, account = captures["facebook"]
    template = normaliser_for("facebook")(raw, account).comments[0]
    chain = [_comment(template, n, f"svar {n}", f"c{n - 1}" if n else None) for n in range(10_000)]
    thread = _thread(captures, chain)
    assert [depth for _c, depth in thread.walk()] == list(range(10_000))
    assert thread_problems(thread.to_dict()) == []
    first, _ = merge(None, thread, "2026-11-20T03:00:00Z")
    assert content_hash(merge(first, thread, "2026-11-21T03:00:00Z")[0]) == content_hash(first)
    assert_written_safely(first, template_tags)


def test_a_hundred_thousand_comments_in_one_thread(captures, template_tags) -> None:
    raw, account = captures["facebook"]
    template = normaliser_for("facebook")(raw, account).comments[0]
    comments = [_comment(template, n, f"kommentar {n} <b>fet</b> &amp;", f"c{n - 1}" if n % 3 else None)
                for n in range(100_000)]
    thread = _thread(captures, comments)
    assert thread_problems(thread.to_dict()) == []
    merged, found = merge(thread, replace(thread, comments=thread.comments[1:]), "2026-11-21T03:00:00Z")
    assert [c.change for c in found] == ["missing"] and len(merged.comments) == 100_000
    assert_written_safely(thread, template_tags)


# ------------------------------------------------------------------------------------------ XML parsers

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<mets xmlns="http://www.loc.gov/METS/">&lol9;</mets>"""


def _external_entity(target: Path) -> bytes:
    return (f'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY xxe SYSTEM "file://{target}">]>'
            '<mets xmlns="http://www.loc.gov/METS/">&xxe;</mets>').encode()


def _xml_parsers() -> Iterator[tuple[str, Any]]:
    """Every XMLParser the archive's own code reads XML with (verification, E-ARK and Noark 5 checks)."""
    from archiver.noark5 import check as noark5_check
    from archiver.package import eark_check, verify

    for module in (verify, eark_check, noark5_check):
        yield module.__name__, module._PARSER


@pytest.mark.parametrize("name,parser", list(_xml_parsers()))
def test_every_xml_parser_refuses_entity_expansion_and_external_entities(name: str, parser: Any,
                                                                          tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET", encoding="utf-8")
    for document in (BILLION_LAUGHS, _external_entity(secret)):
        try:
            root = etree.fromstring(document, parser)
        except etree.XMLSyntaxError:
            continue  # refused outright: safe
        serialised = etree.tostring(root)
        assert b"TOPSECRET" not in serialised and len(serialised) < 10_000, f"{name} expanded an entity"
        assert "lollol" not in "".join(root.itertext())


def test_archive_code_parses_xml_only_with_a_hardened_parser() -> None:
    """A guard for new code: every ``etree.parse``/``fromstring``/``XML`` call in ``archiver/`` passes a parser."""
    import ast

    unsafe = []
    for source in sorted(Path(__file__).resolve().parents[2].joinpath("archiver").rglob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("parse", "fromstring", "XML", "iterparse")
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "etree"
                    and len(node.args) + len(node.keywords) < 2):
                unsafe.append(f"{source.name}:{node.lineno}")
    assert unsafe == [], f"XML parsed without the hardened parser: {unsafe}"


@settings(max_examples=300, deadline=None)
@given(account_id=HOSTILE, post_id=HOSTILE, version=st.integers(1, 99_999))
def test_archive_paths_from_any_ids_stay_inside_the_store(account_id: str, post_id: str, version: int) -> None:
    from archiver.package.build import package_dir

    root = Path("/srv/arkiv/packages")
    relative = package_dir("facebook", account_id, post_id, version)
    parts = relative.split("/")
    assert len(parts) == 5 and parts[:2] == ["packages", "facebook"], relative
    for part in parts:
        assert part not in ("", ".", "..") and not set(part) & {"/", "\\", "\x00", ":"}, part
        assert part.isascii() and len(part.encode()) <= 100, part
    assert (root / relative).resolve().is_relative_to(root)
    assert package_dir("facebook", account_id, post_id + "x", version) != relative, "two ids, one folder"
