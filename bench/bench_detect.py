"""Benchmark: the sensitive-data detector's quality and speed, with Presidio's pattern recognizers alongside.

    .venv/bin/python bench/bench_detect.py [--presidio-python .venv-presidio/bin/python] [--repeat 20]

Two labelled sets: ``tests/fixtures/sensitive/eval.jsonl`` (440 comments generated from templates by
``bench/make_sensitive_eval.py``; the rules were developed against it) and ``bench/sensitive/handwritten.txt``
(comments written separately and never used to tune the rules: the held-out set). Prints precision, recall
and F1 per category, exact and overlapping spans, for each set; comments per second on one core; and the same
for Presidio 2.2 (pattern recognizers only: no NLP model is available offline, see
../shared/reference/SENSITIVE_DATA.md), run in its own virtual environment (``scripts/install.sh --presidio``)
on the same comments in the same run.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archiver.sensitive import CATEGORIES, Detector, OrganisationProfile  # noqa: E402
from archiver.sensitive.scoring import score  # noqa: E402
from bench.make_sensitive_eval import PROFILE, TODAY  # noqa: E402

GENERATED = ROOT / "tests" / "fixtures" / "sensitive" / "eval.jsonl"
HANDWRITTEN = ROOT / "bench" / "sensitive" / "handwritten.txt"
HELDOUT_2 = ROOT / "bench" / "sensitive" / "heldout-2026-11.txt"
STRUCTURED = ("national_id", "phone", "email", "bank_account", "iban", "payment_card")
# Presidio entity -> our category, for the recognizers that exist (it has nothing for the free-text ones).
PRESIDIO_MAP = {"EMAIL_ADDRESS": "email", "PHONE_NUMBER": "phone", "CREDIT_CARD": "payment_card",
                "IBAN_CODE": "iban", "SE_PERSONNUMMER": "national_id", "FI_PERSONAL_IDENTITY_CODE": "national_id",
                "NO_PERSON_ID": "national_id"}
_MARK = re.compile(r"\[\[([a-z_]+)(?:/([a-z_]+))?:(.+?)\]\]")


def load_handwritten(path: Path = HANDWRITTEN) -> list[dict[str, Any]]:
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        lang, _, marked = line.partition(" ")
        text, entities, position = "", [], 0
        for match in _MARK.finditer(marked):
            text += marked[position:match.start()]
            entity: dict[str, Any] = {"start": len(text), "end": len(text) + len(match.group(3)),
                                      "category": match.group(1)}
            if match.group(2):
                entity["subtype"] = match.group(2)
            entities.append(entity)
            text += match.group(3)
            position = match.end()
        text += marked[position:]
        records.append({"id": f"hand-{number:03d}", "lang": lang, "text": text, "entities": entities})
    return records


def load_generated(path: Path = GENERATED) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def quality(records: list[dict[str, Any]], predicted: list[list[dict[str, Any]]]) -> dict[str, Any]:
    gold = [r["entities"] for r in records]
    present = [c for c in CATEGORIES if any(e["category"] == c for g in gold for e in g)
               or any(e["category"] == c for p in predicted for e in p)]
    out: dict[str, Any] = {}
    for mode, overlap in (("exact", False), ("overlap", True)):
        scores = score(gold, predicted, overlap=overlap, categories=present)
        structured = score(gold, predicted, overlap=overlap, categories=[c for c in STRUCTURED if c in present])
        out[mode] = {**{c: s.to_dict() for c, s in scores.items()}, "structured": structured["all"].to_dict()}
    return out


def run_ours(records: list[dict[str, Any]], repeat: int) -> tuple[list[list[dict[str, Any]]], float]:
    detector = Detector(today=TODAY, profile=OrganisationProfile.build(**PROFILE))
    predicted = [[f.to_entity() for f in detector.detect(r["text"], r["lang"])] for r in records]
    start = time.perf_counter()
    for _ in range(repeat):
        for record in records:
            detector.detect(record["text"], record["lang"])
    return predicted, len(records) * repeat / (time.perf_counter() - start)


def run_presidio(python: str, records: list[dict[str, Any]], repeat: int) -> tuple[list[list[dict[str, Any]]], float]:
    runner = ROOT / "bench" / "sensitive" / "presidio_runner.py"
    payload = json.dumps({"repeat": repeat, "records": [{"text": r["text"], "lang": r["lang"]} for r in records]})
    result = subprocess.run([python, str(runner)], input=payload, capture_output=True, text=True, check=True,
                            timeout=3600)
    answer = json.loads(result.stdout)
    predicted = [[{**e, "category": PRESIDIO_MAP[e["type"]]} for e in found if e["type"] in PRESIDIO_MAP]
                 for found in answer["entities"]]
    return predicted, answer["per_second"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--presidio-python", default=str(ROOT / ".venv-presidio" / "bin" / "python"))
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    sets = {"generated (440, rules developed against it)": load_generated(),
            "hand-written (79; its three misses led to the checksum-invalid rule)": load_handwritten(),
            "second held-out (60, written 2026-11-22, never tuned on)": load_handwritten(HELDOUT_2)}
    report: dict[str, Any] = {"comments": {name: len(records) for name, records in sets.items()}}
    everything = [r for records in sets.values() for r in records]
    _, speed = run_ours(everything, args.repeat)
    report["socialarkiv comments per second (one core)"] = round(speed)
    for name, records in sets.items():
        predicted, _ = run_ours(records, 1)
        report[f"socialarkiv, {name}"] = quality(records, predicted)
    if Path(args.presidio_python).exists():
        _, presidio_speed = run_presidio(args.presidio_python, everything, max(1, args.repeat // 10))
        report["presidio comments per second (one core)"] = round(presidio_speed)
        report["speed ratio (socialarkiv / presidio)"] = round(speed / presidio_speed, 1)
        for name, records in sets.items():
            predicted, _ = run_presidio(args.presidio_python, records, 1)
            report[f"presidio, {name}"] = quality(records, predicted)
    else:
        report["presidio"] = f"not run: {args.presidio_python} is missing (bash scripts/install.sh --presidio)"
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
