"""Engine unit tests on the fixture protocols."""

from __future__ import annotations

import pytest

from app.triage.compiled import CompiledProtocol
from app.triage.engine import Answer, PatientContext, TriageInputError, assess
from app.triage.interactive import answer, start, step, undo
from app.triage.schema import Level

Y, N, U = Answer.yes, Answer.no, Answer.unknown
ADULT = PatientContext(age_years=40, sex="M")


def _all(cp: CompiledProtocol, value: Answer) -> list[tuple[str, Answer]]:
    return [(q.finding, value) for q in cp.questions]


def test_all_no_gives_default(chest: CompiledProtocol) -> None:
    d = assess(chest, _all(chest, N), ADULT)
    assert d.level == Level.routine and d.complete and d.path == () and d.call is None
    assert d.outcome is not None and d.outcome.say == "Rendez-vous."


def test_conjunction_fires_emergency_with_call_and_path(chest: CompiledProtocol) -> None:
    answers = [*_all(chest, N), ("chest_pain_at_rest", Y), ("pain_radiating_arm_jaw", Y)]
    d = assess(chest, answers, ADULT)
    assert d.level == Level.emergency and d.call == "15"
    hit = next(h for h in d.path if h.rule_id == "acs_pattern")
    assert hit.findings == (("chest_pain_at_rest", Y), ("pain_radiating_arm_jaw", Y))
    assert "15" in (d.outcome.say if d.outcome else "")


def test_unknown_counts_as_positive(chest: CompiledProtocol) -> None:
    answers = [*_all(chest, N), ("chest_pain_at_rest", Y), ("pain_radiating_arm_jaw", U)]
    assert assess(chest, answers, ADULT).level == Level.emergency


def test_unanswered_questions_count_as_unknown_in_batch(chest: CompiledProtocol) -> None:
    d = assess(chest, [("chest_pain_at_rest", Y)], ADULT)
    assert d.level == Level.emergency and not d.complete and d.lower_level == Level.urgent
    assert "pain_radiating_arm_jaw" in d.open_questions
    assert "pain_radiating_arm_jaw" in d.open_red_flags and "unresponsive" in d.open_red_flags


def test_global_checklist_counts_when_known_but_is_not_assumed(chest: CompiledProtocol) -> None:
    none = _all(chest, N)
    assert assess(chest, none, ADULT).level == Level.routine  # unresponsive never asked: not assumed
    d = assess(chest, [*none, ("unresponsive", U)], ADULT)
    assert d.level == Level.emergency and d.path[0].source == "global"
    # cyanosis is a global flag the protocol asks itself: unanswered there, it counts as unknown.
    assert assess(chest, [f for f in none if f[0] != "blue_lips"], ADULT).level == Level.emergency
    d = assess(chest, [*none, ("blue_lips", Y)], ADULT)
    assert d.call == "112" and "112" in (d.outcome.say if d.outcome else "")


def test_interactive_asks_red_flags_first_and_stops_when_bounds_meet(chest: CompiledProtocol) -> None:
    state = start(chest, ADULT)
    s = step(chest, state)
    assert s.question is not None and s.question.finding == "blue_lips"
    state = answer(chest, state, "blue_lips", N)
    s = step(chest, state)
    assert s.question is not None and s.question.finding == "chest_pain_at_rest"
    state = answer(chest, state, "chest_pain_at_rest", N)
    # rest pain denied: the radiating and sweating questions can no longer matter
    s = step(chest, state)
    assert s.question is not None and s.question.finding == "cough"
    state = answer(chest, state, "cough", N)
    s = step(chest, state)
    assert s.question is None and s.disposition.complete and s.disposition.level == Level.routine


def test_undo_restores_previous_state(chest: CompiledProtocol) -> None:
    state = answer(chest, start(chest, ADULT), "blue_lips", Y)
    assert step(chest, state).disposition.level == Level.emergency
    state = undo(state)
    assert state.answers == () and step(chest, state).question is not None
    with pytest.raises(TriageInputError):
        undo(state)


def test_answer_outside_session_is_rejected(chest: CompiledProtocol) -> None:
    with pytest.raises(TriageInputError, match="not a question"):
        answer(chest, start(chest, ADULT), "rash", Y)
    with pytest.raises(TriageInputError):
        assess(chest, [("rash", Y)], ADULT)


def test_protocol_applicability_and_context_bounds(chest: CompiledProtocol) -> None:
    with pytest.raises(TriageInputError, match="applies from"):
        start(chest, PatientContext(age_years=4))
    with pytest.raises(TriageInputError):
        PatientContext(age_years=131)
    with pytest.raises(TriageInputError):
        PatientContext(sex="X")


def test_derived_modifier_infant_raises_floor(fever_rash: CompiledProtocol) -> None:
    baby = PatientContext(age_years=0.1, sex="F")
    d = assess(fever_rash, [("fever", Y), ("rash", N), ("anticoagulant", N)], baby)
    assert d.level == Level.urgent and d.modifiers[0].finding == "infant_under_3_months"
    older = PatientContext(age_years=1, sex="F")
    assert assess(fever_rash, [("fever", Y), ("rash", N), ("anticoagulant", N)], older).level == Level.soon


def test_modifier_needs_a_clinical_need_and_is_asked_last(fever_rash: CompiledProtocol) -> None:
    ctx = PatientContext(age_years=30, sex="F")
    assert assess(fever_rash, [("fever", N), ("rash", Y)], ctx).level == Level.routine
    state = answer(fever_rash, start(fever_rash, ctx), "fever", Y)
    state = answer(fever_rash, state, "rash", N)
    s = step(fever_rash, state)
    assert s.question is not None and s.question.finding == "anticoagulant"
    assert s.disposition.level == Level.urgent and s.disposition.lower_level == Level.soon


def test_asked_false_modifier_counts_only_when_known(fever_rash: CompiledProtocol) -> None:
    ctx = PatientContext(age_years=30, sex="F")
    base = [("fever", Y), ("rash", N), ("anticoagulant", N)]
    assert assess(fever_rash, base, ctx).level == Level.soon
    assert assess(fever_rash, [*base, ("second_call_48h", Y)], ctx).level == Level.urgent
    assert "second_call_48h" not in {q.finding for q in fever_rash.questions}


def test_modifier_scope(chest: CompiledProtocol, fever_rash: CompiledProtocol) -> None:
    assert "anticoagulant" not in chest.askable  # scoped to fever_rash only
    # an age-derived modifier that cannot hold in the protocol's age range is not asked at all
    assert "infant_under_3_months" not in chest.askable  # chest_pain applies from 16
    assert "infant_under_3_months" in {q.finding for q in fever_rash.questions}


def test_pregnancy_derivation(fever_rash: CompiledProtocol) -> None:
    from app.triage.engine import resolve

    assert resolve(fever_rash, [], PatientContext(age_years=30, sex="M")).get("pregnant") is None
    # pregnant is not used by fever_rash; check the derivation directly on a compiled finding map
    from app.triage.engine import _derive

    finding = fever_rash.protocol  # placeholder to keep mypy quiet about unused import
    assert finding.id == "fever_rash"
    from app.triage.protocols import load_rules
    from tests.triage.conftest import FIXTURE_RULES

    pregnant = load_rules(FIXTURE_RULES).findings["pregnant"]
    assert _derive(pregnant, PatientContext(age_years=30, sex="M")) == N
    assert _derive(pregnant, PatientContext(age_years=6, sex="F")) == N
    assert _derive(pregnant, PatientContext(age_years=30, sex="F")) is None
    assert _derive(pregnant, PatientContext(age_years=30, sex="F", pregnant=True)) == Y


def test_explicit_and_derived_answers_combine_to_the_worse(fever_rash: CompiledProtocol) -> None:
    from app.triage.engine import resolve

    eff = resolve(fever_rash, [("infant_under_3_months", N)], PatientContext(age_years=0.1))
    assert eff["infant_under_3_months"] == Y


def test_determinism(chest: CompiledProtocol) -> None:
    answers = [("chest_pain_at_rest", Y), ("cough", N)]
    assert assess(chest, answers, ADULT) == assess(chest, list(answers), ADULT)
