"""Vocabulary matcher: normalisation, ranking on fixtures, and a regression floor on the eval set."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from app.triage.protocols import RuleSet, load_rules
from app.triage.vocabulary import VocabularyIndex, normalise

EVAL = Path(__file__).parent / "data" / "vocabulary_eval.yaml"
TOP3_FLOOR = 0.80  # regression guard only; the measured figure is in docs/triage.md


def test_normalise() -> None:
    assert normalise("  Ça me SERRE, dans la poitrine !! ") == "ca me serre dans la poitrine"
    assert normalise("l'œil rouge—vite") == "l oeil rouge vite"
    assert normalise("") == ""


def test_exact_phrase_ranks_first(fixture_rules: RuleSet) -> None:
    index = VocabularyIndex(fixture_rules)
    s = index.suggest(
        "Bonjour, j'ai mal à la poitrine depuis ce matin", specialty="generaliste", age_years=50
    )
    assert s[0].protocol_id == "chest_pain" and s[0].motif == "consultation_urgente"
    assert "mal a la poitrine" in s[0].matched


def test_typos_and_missing_accents(fixture_rules: RuleSet) -> None:
    index = VocabularyIndex(fixture_rules)
    assert index.suggest("une opresion thoracique")[0].protocol_id == "chest_pain"
    assert index.suggest("il a des boutons partous et de la fievre")[0].protocol_id == "fever_rash"


def test_applicability_filters_and_specialty_ranks(fixture_rules: RuleSet) -> None:
    index = VocabularyIndex(fixture_rules)
    assert index.suggest("mal a la poitrine", age_years=4) == []  # chest_pain applies from 16
    assert index.suggest("ça n'a rien à voir") == []
    both = "mal a la poitrine et boutons partout"
    assert index.suggest(both, specialty="pediatre")[0].protocol_id == "fever_rash"


def _eval_cases() -> list[dict]:
    return yaml.safe_load(EVAL.read_text(encoding="utf-8"))["cases"]


def test_eval_set_is_large_and_well_formed() -> None:
    cases = _eval_cases()
    assert len(cases) >= 120
    for case in cases:
        assert case["text"] and case["expected"] and case["specialty"]


def test_eval_set_top3_floor() -> None:
    rules = load_rules()
    if not rules.vocabulary:
        pytest.skip("no vocabulary files yet")
    orphans = [c["text"] for c in _eval_cases() if not set(c["expected"]) & set(rules.protocols)]
    if orphans:
        pytest.skip(f"{len(orphans)} eval case(s) name only protocols not written yet")
    index = VocabularyIndex(rules)
    hits = 0
    for case in _eval_cases():
        got = index.suggest(case["text"], case["specialty"], case.get("age_years"), case.get("sex"), limit=3)
        hits += any(s.protocol_id in case["expected"] for s in got)
    assert hits / len(_eval_cases()) >= TOP3_FLOOR


def test_a_short_sentence_is_not_matched_inside_a_longer_phrase(fixture_rules: RuleSet) -> None:
    """ "boutons" alone is not "boutons partout"; "mal au cou" is not "mal au coeur"."""
    index = VocabularyIndex(fixture_rules)
    full = index.suggest("boutons partout")[0].score
    alone = index.suggest("boutons")
    assert not alone or alone[0].score < full
    real = VocabularyIndex(load_rules())
    assert real.suggest("mal au cou")[0].protocol_id == "neck_pain"
