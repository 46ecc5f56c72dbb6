"""Run Presidio's pattern recognizers (no NLP model) over comments read as JSON from stdin; runs in the
Presidio virtual environment (``scripts/install.sh --presidio``), not in socialarkiv's.

Input: {"repeat": N, "records": [{"text", "lang"}]}. Output: {"per_second", "entities": [[{"start", "end",
"type", "score"}]]}. The predefined recognizers are loaded for English (their only language) plus the Swedish
and Finnish ones; every comment is analysed as English, which is how the pattern recognizers apply regardless
of the text's language. Norwegian and Danish identifiers have no Presidio recognizer.
"""

from __future__ import annotations

import json
import sys
import time

from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
from presidio_analyzer.nlp_engine import NoOpNlpEngine
from presidio_analyzer.predefined_recognizers import FiPersonalIdentityCodeRecognizer, SePersonnummerRecognizer


def main() -> None:
    job = json.load(sys.stdin)
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(languages=["en"])
    for name in ("SpacyRecognizer",):
        try:
            registry.remove_recognizer(name)
        except Exception:  # absent in some versions
            pass
    registry.add_recognizer(SePersonnummerRecognizer(supported_language="en"))
    registry.add_recognizer(FiPersonalIdentityCodeRecognizer(supported_language="en"))
    engine = AnalyzerEngine(nlp_engine=NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "none"}]),
                            registry=registry, supported_languages=["en"])
    records = job["records"]
    found = [[{"start": r.start, "end": r.end, "type": r.entity_type, "score": r.score}
              for r in engine.analyze(record["text"], language="en")] for record in records]
    start = time.perf_counter()
    for _ in range(job["repeat"]):
        for record in records:
            engine.analyze(record["text"], language="en")
    elapsed = time.perf_counter() - start
    json.dump({"per_second": len(records) * job["repeat"] / elapsed, "entities": found}, sys.stdout)


if __name__ == "__main__":
    main()
