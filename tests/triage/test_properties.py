"""Safety properties over every real protocol (hypothesis): monotonicity, conservatism, termination."""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.triage.compiled import CompiledProtocol, compile_protocol
from app.triage.engine import Answer, PatientContext, assess, next_question, resolve
from app.triage.protocols import load_rules
from app.triage.schema import CALL_NUMBERS, Level

RULES = load_rules()
PROTOCOL_IDS = sorted(RULES.protocols)
pytestmark = pytest.mark.skipif(not PROTOCOL_IDS, reason="triage_rules/protocols is empty")
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ANSWERS = st.sampled_from([Answer.yes, Answer.no, Answer.unknown])


@cache
def compiled(pid: str) -> CompiledProtocol:
    return compile_protocol(RULES, pid)


@st.composite
def cases(draw: st.DrawFn) -> tuple[CompiledProtocol, dict[str, Answer], PatientContext]:
    cp = compiled(draw(st.sampled_from(PROTOCOL_IDS)))
    a = cp.protocol.applies
    lo = a.min_age_years if a.min_age_years is not None else 0.0
    hi = a.max_age_years if a.max_age_years is not None else 100.0
    age = draw(st.one_of(st.none(), st.floats(min_value=lo, max_value=hi)))
    sex = draw(st.sampled_from([None, *a.sex]))
    pregnant = draw(st.sampled_from([None, False, True])) if sex != "M" else None
    codes = sorted(cp.askable)
    answers = draw(st.dictionaries(st.sampled_from(codes), ANSWERS, max_size=len(codes)))
    return cp, answers, PatientContext(age_years=age, sex=sex, pregnant=pregnant)


def _level(cp: CompiledProtocol, answers: dict[str, Answer], ctx: PatientContext) -> Level:
    return assess(cp, answers.items(), ctx).level


@SETTINGS
@given(cases(), st.data())
def test_monotonicity_a_positive_finding_never_lowers(case, data) -> None:  # type: ignore[no-untyped-def]
    cp, answers, ctx = case
    code = data.draw(st.sampled_from(sorted(cp.askable)))
    before = _level(cp, answers, ctx)
    assert _level(cp, {**answers, code: Answer.yes}, ctx) >= before


@SETTINGS
@given(cases(), st.data())
def test_conservatism_unknown_never_lowers(case, data) -> None:  # type: ignore[no-untyped-def]
    cp, answers, ctx = case
    code = data.draw(st.sampled_from(sorted(cp.askable)))
    before = _level(cp, answers, ctx)
    assert _level(cp, {**answers, code: Answer.unknown}, ctx) >= before
    # answering a still-open question, even "no", never goes below the lower bound
    if code not in answers:
        lower = assess(cp, answers.items(), ctx).lower_level
        assert _level(cp, {**answers, code: Answer.no}, ctx) >= lower


@SETTINGS
@given(cases(), st.data())
def test_interactive_loop_terminates_and_agrees_with_batch(case, data) -> None:  # type: ignore[no-untyped-def]
    cp, _, ctx = case
    script = data.draw(st.dictionaries(st.sampled_from(sorted(cp.askable)), ANSWERS))
    eff = resolve(cp, [], ctx)
    given_answers: list[tuple[str, Answer]] = []
    limit = len(cp.questions) + len(cp.global_findings)
    for _ in range(limit + 1):
        q = next_question(cp, eff)
        if q is None:
            break
        value = script.get(q.finding, Answer.unknown)
        given_answers.append((q.finding, value))
        eff = resolve(cp, given_answers, ctx)
    else:
        pytest.fail(f"{cp.id}: no end after {limit} questions")
    final = assess(cp, given_answers, ctx)
    assert final.complete and final.level == final.lower_level
    assert len(given_answers) == len({c for c, _ in given_answers}), "a question was asked twice"


@SETTINGS
@given(cases())
def test_every_emergency_names_a_number_and_every_result_has_a_script(case) -> None:  # type: ignore[no-untyped-def]
    cp, answers, ctx = case
    d = assess(cp, answers.items(), ctx)
    if d.level == Level.emergency:
        assert d.call in CALL_NUMBERS
        assert d.outcome is not None and "{call}" not in d.outcome.say
        assert any(w in d.outcome.say for w in ("15", "112", "3114", "antipoison")), d.outcome.say
    else:
        assert d.call is None
    assert d.outcome is not None, f"{cp.id}: no script for {d.level.name}"
    assert d.lower_level <= d.level


@SETTINGS
@given(cases())
def test_determinism(case) -> None:  # type: ignore[no-untyped-def]
    cp, answers, ctx = case
    assert assess(cp, answers.items(), ctx) == assess(cp, list(answers.items()), ctx)
    assert assess(cp, answers.items(), ctx) == assess(compile_protocol(RULES, cp.id), answers.items(), ctx)


def test_red_flags_answered_no_and_everything_else_no_reaches_default_or_modified() -> None:
    """All-no on every protocol gives a complete disposition at or above the default level."""
    for pid in PROTOCOL_IDS:
        cp = compiled(pid)
        d = assess(cp, [(c, Answer.no) for c in sorted(cp.askable)], PatientContext(age_years=40))
        assert d.complete and d.level >= cp.default


@SETTINGS
@given(cases())
def test_batch_equals_the_interactive_loop_answering_unknown(case) -> None:  # type: ignore[no-untyped-def]
    """Batch assess = what the interactive loop reaches when every open question gets "je ne sais pas"."""
    cp, answers, ctx = case
    given_answers = [(c, a) for c, a in answers.items() if c not in cp.asked]  # checklist and known facts
    eff = resolve(cp, given_answers, ctx)
    while (q := next_question(cp, eff)) is not None:
        given_answers.append((q.finding, answers.get(q.finding, Answer.unknown)))
        eff = resolve(cp, given_answers, ctx)
    assert assess(cp, given_answers, ctx).level == _level(cp, answers, ctx)


@SETTINGS
@given(cases(), st.data())
def test_practice_tightening_never_lowers(case, data) -> None:  # type: ignore[no-untyped-def]
    from app.triage.compiled import PracticeOverride, apply_override

    cp, answers, ctx = case
    own = [r for r in cp.rules if r.source == "protocol"]
    raised = data.draw(st.lists(st.sampled_from(own), max_size=3, unique_by=lambda r: r.id)) if own else []
    targets = {r.id: Level(data.draw(st.integers(min_value=int(r.level), max_value=4))) for r in raised}
    default = Level(data.draw(st.integers(min_value=int(cp.default), max_value=3)))
    tight = apply_override(cp, PracticeOverride(cp.id, rule_levels=targets, default_level=default))
    assert assess(tight, answers.items(), ctx).level >= _level(cp, answers, ctx)
