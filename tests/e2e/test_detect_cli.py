"""`archiver detect`: JSON Lines in, one line out per input, in order, streaming; never failing on any text."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT


def _run(data: bytes) -> tuple[list[dict], str, int]:
    result = subprocess.run([sys.executable, "-m", "archiver.cli", "detect", "--today", "2026-11-21T00:00:00Z"],
                            input=data, capture_output=True, cwd=ROOT, timeout=60)
    return [json.loads(line) for line in result.stdout.decode().splitlines()], result.stderr.decode(), \
        result.returncode


def test_contract_order_and_spans() -> None:
    lines = [{"id": 1, "text": "Ring meg på 912 34 567"}, {"id": "b", "text": "Ingenting her", "lang": "nb"},
             {"id": None, "text": "Fødselsnummer 158385 10075", "lang": "nb"}]
    out, _, code = _run("".join(json.dumps(x) + "\n" for x in lines).encode())
    assert code == 0 and [o["id"] for o in out] == [1, "b", None]
    assert out[0]["entities"] == [{"start": 12, "end": 22, "category": "phone", "confidence": 0.95, "subtype": "NO"}]
    assert out[1]["entities"] == []
    assert out[2]["entities"][0]["category"] == "national_id" and out[2]["entities"][0]["subtype"] == "no-tenor"
    assert "158385" not in _run(b'{"id":1,"text":"fnr 15838510075"}\n')[1], "values never reach stderr"


def test_bad_lines_get_an_error_and_the_stream_goes_on() -> None:
    data = b'not json\n{"id": 2}\n\xff\xfe{"id":3,"text":"x"}\n{"id": 4, "text": "a\\ud800b \\u202e 912 34 567"}\n'
    out, err, code = _run(data)
    assert code == 1 and "were not comment objects" in err
    assert [o.get("error", "")[:6] for o in out] == ["line 1", "line 2", "line 3", ""]
    assert out[3]["id"] == 4 and out[3]["entities"]


def test_streams_line_by_line() -> None:
    process = subprocess.Popen([sys.executable, "-m", "archiver.cli", "detect"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, cwd=ROOT)
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(b'{"id": 1, "text": "hei"}\n')
    process.stdin.flush()
    assert json.loads(process.stdout.readline()) == {"id": 1, "entities": []}  # answered before stdin closes
    process.stdin.close()
    assert process.wait(timeout=30) == 0
