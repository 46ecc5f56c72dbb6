"""The CLI in-process against the fake Graph API; the pipeline with a fixed clock for byte-identical packages."""

import json
from datetime import UTC, datetime
from pathlib import Path

from archiver.cli import main
from archiver.clock import FixedClock
from archiver.fakes.demo import demo_page
from archiver.fakes.graph import FakeGraphServer, Fault
from archiver.pipeline import run, services_for
from tests.conftest import make_settings, write_config

WINDOW = ("--since", "2026-11-01T00:00:00Z", "--until", "2026-11-20T00:00:00Z")


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_run_archives_the_demo_page_and_a_rerun_writes_nothing(fake_graph, tmp_path, capsys):
    config = write_config(tmp_path / "c.toml", fake_graph.url, tmp_path, fake_graph.page.token)
    assert main(["run", "--config", str(config), *WINDOW]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["threads"] == 5 and summary["packages_written"] == 5 and summary["comments"] == 345
    packages = tmp_path / "archive" / "packages"
    before = _files(packages)
    assert main(["run", "--config", str(config), *WINDOW]) == 0
    rerun = json.loads(capsys.readouterr().out)
    # the rerun captures only the threads younger than the 30-day look-back (at --until); the two older
    # ones kept their updated_time, so they are not due
    assert rerun["threads"] == 3 and rerun["packages_written"] == 0 and rerun["packages_unchanged"] == 3
    assert _files(packages) == before
    assert main(["verify", str(packages)]) == 0
    assert "5 package(s) or extraction(s) checked, 0 failed" in capsys.readouterr().out
    assert fake_graph.page.token not in "".join(p.read_text(errors="replace") for p in tmp_path.rglob("*.json"))
    # after a restore from a backup: each thread's next capture checks the store, then the catalog is whole
    assert main(["catalog", "recheck", "--config", str(config)]) == 0
    assert json.loads(capsys.readouterr().out) == {"threads_marked": 5}
    assert main(["run", "--config", str(config), *WINDOW]) == 0
    assert json.loads(capsys.readouterr().out)["packages_unchanged"] == 3
    assert main(["catalog", "recheck", "--config", str(config)]) == 0
    assert json.loads(capsys.readouterr().out) == {"threads_marked": 3}, "the checked threads stayed marked"


def test_verify_names_the_file_whose_byte_changed_and_missing_or_extra_files(fake_graph, tmp_path, capsys):
    config = write_config(tmp_path / "c.toml", fake_graph.url, tmp_path, fake_graph.page.token)
    assert main(["run", "--config", str(config), *WINDOW]) == 0
    capsys.readouterr()
    packages = tmp_path / "archive" / "packages"
    pdf = next(packages.rglob("thread.pdf"))
    pdf.chmod(0o644)
    data = bytearray(pdf.read_bytes())
    data[len(data) // 2] ^= 0x01
    pdf.write_bytes(bytes(data))
    assert main(["verify", "--json", str(packages)]) == 1
    report = json.loads(capsys.readouterr().out)
    # the changed file is named first, by its checksum; the PDF/A checks may name what the byte broke in it
    assert {p["where"] for p in report["problems"]} == {str(pdf)}
    assert "checksum mismatch" in report["problems"][0]["problem"]
    other = next(p for p in packages.rglob("thread.xml"))
    other.chmod(0o644)
    other.unlink()
    (other.parent / "extra.txt").write_text("x")
    assert main(["verify", str(other.parents[3])]) == 1
    out = capsys.readouterr().out
    assert f"{other}: listed in the manifest but missing" in out and "extra.txt: file not listed" in out


def test_one_bad_thread_is_quarantined_with_a_report_and_the_rest_archived(tmp_path, capsys):
    page = demo_page()
    del page.posts[4].comments[0]["created_time"]  # the normaliser refuses it
    page.posts[2].comments[0]["like_count"] = -5  # normalises, but violates the schema, as does:
    page.posts[2].comments[2]["id"] = "7" * 600  # ids are at most 512 characters
    with FakeGraphServer(page) as fake:
        config = write_config(tmp_path / "c.toml", fake.url, tmp_path, page.token)
        fake.inject(Fault("truncated", path=f"{page.posts[3].id}/comments$", times=5))
        assert main(["run", "--config", str(config), *WINDOW]) == 1
    summary = json.loads(capsys.readouterr().out)
    assert summary["packages_written"] == 2 and summary["quarantined"] == 3
    reports = sorted((tmp_path / "archive" / "quarantine").rglob("report.txt"))
    texts = [r.read_text() for r in reports]
    assert any("created_time is missing" in t for t in texts)
    schema = next(json.loads((r.parent / "report.json").read_text()) for r in reports if "schema-violation" in
                  r.read_text())
    wheres = {p.split(":")[0] for p in schema["problems"]}
    assert {"$.comments[0].reactions.like", "$.comments[2].id"} <= wheres  # every violation, not the first
    assert any("not valid JSON" in t for t in texts)
    assert all((r.parent / "report.json").is_file() for r in reports)


def test_bad_configuration_and_expired_token_give_exit_3(fake_graph, tmp_path, capsys):
    assert main(["run", "--config", str(tmp_path / "missing.toml")]) == 3
    assert "does not exist" in capsys.readouterr().err
    config = write_config(tmp_path / "c.toml", fake_graph.url, tmp_path, "wrong-token")
    assert main(["run", "--config", str(config), *WINDOW]) == 3
    assert "renew" in capsys.readouterr().out
    assert main(["bogus"]) == 2


def test_same_capture_and_clock_give_byte_identical_packages(tmp_path):
    trees, port = [], 0
    for attempt in ("a", "b"):
        # the same capture: same data, same clock, and the same server address (the evidence keeps URLs)
        with FakeGraphServer(demo_page(), port=port) as fake:
            port = int(fake.url.rsplit(":", 1)[1])
            settings = make_settings(tmp_path / attempt, fake.url)
            services = services_for(settings, clock=FixedClock(datetime(2026, 11, 2, 1, 30, tzinfo=UTC)))
            report = run(services, datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 20, tzinfo=UTC), run_id="r")
            assert report.counts() == {"archived": 5}, report.to_dict()
            trees.append(_files(tmp_path / attempt / "archive" / "packages"))
    # 22 files per E-ARK SIP: root METS, manifest, DC, PREMIS, package.json, README, 2 schemas; four
    # representations (METS and rights each) with capture.json, thread.json + .xml, thread.pdf, public .xml + .pdf
    assert len(trees[0]) == 5 * 22
    assert trees[0] == trees[1]
