"""The detector's policy on small cases; the evaluation set is scored in bench/bench_detect.py and checked
here against a floor so a regression fails the build."""

from __future__ import annotations

import datetime as dt

import pytest

from archiver.sensitive import CATEGORIES, Detector, OrganisationProfile
from archiver.sensitive.scoring import score
from bench.bench_detect import HELDOUT_2, load_generated, load_handwritten
from bench.make_sensitive_eval import PROFILE, TODAY

DETECTOR = Detector(today=TODAY, profile=OrganisationProfile.build(**PROFILE))


def _found(text: str, lang: str | None = None) -> list[tuple[str, str]]:
    return [(text[f.start:f.end], f.category) for f in DETECTOR.detect(text, lang)]


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("Fødselsnummeret mitt er 158385 10075.", [("158385 10075", "national_id")], id="fnr-spaced"),
    pytest.param("KID 400123456789011 ble avvist", [], id="kid-is-not-a-card"),
    pytest.param("Bestilling 33184455 er borte", [], id="order-is-not-a-phone"),
    pytest.param("Møtet 23.10.2026 og 38 750 000 kroner", [], id="date-and-money"),
    pytest.param("Ring sentralbordet på 69 10 80 00", [], id="own-switchboard"),
    pytest.param("Skriv til postmottak@example.com eller ola@sarpsborg.kommune.no", [], id="institutional-mail"),
    pytest.param("Biblioteket i Storgata 1 er stengt, jeg bor ikke der", [], id="public-building"),
    pytest.param("Ordfører Kari Nordvik svarte", [], id="official-in-role"),
    pytest.param("Mange eldre har demens.", [], id="group-statement"),
    pytest.param("Mora mi har demens.", [("demens", "health")], id="about-a-person"),
    pytest.param("Sønnen min flyttet til Bergen.", [], id="adult-son"),
    pytest.param("Sønnen min på 7 år", [("Sønnen min på 7 år", "child_related")], id="son-with-age"),
    pytest.param("Betal til 1503.04.44445", [], id="own-account"),
    pytest.param("fødselsnummer 12345678901", [("12345678901", "national_id")], id="invalid-but-announced"),
])
def test_policy(text: str, expected: list[tuple[str, str]]) -> None:
    assert _found(text, "nb") == expected


def test_an_invalid_number_with_context_is_low_confidence() -> None:
    [finding] = DETECTOR.detect("fødselsnummer 12345678901", "nb")
    assert finding.confidence < 0.5 and finding.detector == "socialarkiv-rules" and finding.version


@pytest.mark.parametrize(("text", "unannounced", "lang", "category"), [
    # 12 digits whose check digit is off
    ("Mitt personnummer är 189604239883, kan ni kolla?", "Ärendet 189604239883 ligger kvar.", "sv", "national_id"),
    # the kontonummer grouping, mod 11 off
    ("Kontonr 2801 45 67890 – refusjonen kom aldri.", "Referanse 2801 45 67890 i brevet.", "nb", "bank_account"),
    # dialable, in a range not assigned (the UK's drama numbers)
    ("my phone is +44 7700 900123", "reference +44 7700 900123", "en", "phone"),
])
def test_an_announced_identifier_that_fails_its_check_is_reported_at_low_confidence(
        text: str, unannounced: str, lang: str, category: str) -> None:
    [finding] = DETECTOR.detect(text, lang)
    assert finding.category == category and finding.confidence < 0.5  # below the screening default (0.5)
    assert [f for f in DETECTOR.detect(unannounced, lang) if f.category == category] == []


@pytest.mark.parametrize(("loader", "floor"), [(load_generated, 0.95), (load_handwritten, 0.85),
                                              (lambda: load_handwritten(HELDOUT_2), 0.80)])
def test_evaluation_sets_stay_above_their_floor(loader, floor) -> None:  # type: ignore[no-untyped-def]
    records = loader()
    predicted = [[f.to_entity() for f in DETECTOR.detect(r["text"], r["lang"])] for r in records]
    overall = score([r["entities"] for r in records], predicted, overlap=True, categories=CATEGORIES)["all"]
    assert overall.f1 >= floor, overall.to_dict()


def test_the_generated_set_is_large_enough_and_mixed() -> None:
    records = load_generated()
    with_data = sum(1 for r in records if r["entities"])
    assert len(records) >= 400 and 0.35 <= with_data / len(records) <= 0.5
    assert {r["lang"] for r in records} == {"nb", "nn", "da", "sv", "en"}


def test_today_is_injected() -> None:
    early = Detector(today=dt.date(1980, 1, 1))
    assert early.detect("fødselsnummer 15838510075", "nb")[0].confidence < 0.5  # born 1985: not yet valid
