"""Practice overrides: a practice may tighten a protocol, never loosen it."""

from __future__ import annotations

import pytest

from app.triage.compiled import CompiledProtocol, OverrideError, PracticeOverride, apply_override
from app.triage.engine import Answer, PatientContext, assess
from app.triage.schema import Level

CTX = PatientContext(age_years=40, sex="M")


def _all_no(cp: CompiledProtocol) -> list[tuple[str, Answer]]:
    return [(q.finding, Answer.no) for q in cp.questions]


def test_raise_a_rule_and_add_instructions(chest: CompiledProtocol) -> None:
    tight = apply_override(
        chest,
        PracticeOverride(
            "chest_pain",
            rule_levels={"cough_pain": Level.urgent},
            instructions={Level.urgent: "Prévenir le Dr Martin sur son portable."},
        ),
    )
    answers = [*_all_no(tight), ("cough", Answer.yes)]
    d = assess(tight, answers, CTX)
    assert d.level == Level.urgent and d.instructions == ("Prévenir le Dr Martin sur son portable.",)
    assert d.path[0].source == "practice"
    assert assess(chest, answers, CTX).level == Level.soon  # the shared protocol is untouched


def test_raise_to_emergency_needs_a_valid_number(chest: CompiledProtocol) -> None:
    tight = apply_override(chest, PracticeOverride("chest_pain", rule_levels={"rest_pain": Level.emergency}))
    d = assess(tight, [*_all_no(tight), ("chest_pain_at_rest", Answer.yes)], CTX)
    assert d.level == Level.emergency and d.call == "15"
    with pytest.raises(OverrideError, match="call must be"):
        apply_override(
            chest,
            PracticeOverride(
                "chest_pain", rule_levels={"rest_pain": Level.emergency}, rule_calls={"rest_pain": "18"}
            ),
        )


def test_default_can_rise_but_not_to_emergency(fever_rash: CompiledProtocol) -> None:
    tight = apply_override(fever_rash, PracticeOverride("fever_rash", default_level=Level.routine))
    assert assess(tight, _all_no(tight), CTX).level == Level.routine
    with pytest.raises(OverrideError, match="cannot be emergency"):
        apply_override(fever_rash, PracticeOverride("fever_rash", default_level=Level.emergency))


@pytest.mark.parametrize(
    "override",
    [
        PracticeOverride("chest_pain", rule_levels={"acs_pattern": Level.urgent}),
        PracticeOverride("chest_pain", default_level=Level.self_care),
        PracticeOverride(
            "chest_pain", rule_levels={"g_unresponsive": Level.emergency}
        ),  # global: not editable
        PracticeOverride("chest_pain", rule_levels={"nope": Level.urgent}),
        PracticeOverride("fever_rash"),
    ],
)
def test_loosening_or_unknown_targets_are_rejected(
    chest: CompiledProtocol, override: PracticeOverride
) -> None:
    with pytest.raises(OverrideError):
        apply_override(chest, override)
