"""Regression guard: no under-triaged emergency on the shared dev set, nothing below expected on ours.

Text mode (protocol = top vocabulary suggestion), findings given, absent findings unknown when asked,
global checklist counted when given (docs/triage.md). The figures themselves are in docs/triage.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.triage.compiled import compile_protocol
from app.triage.engine import Answer, PatientContext, assess, next_question, resolve
from app.triage.protocols import RuleSet, load_rules
from app.triage.schema import Level
from app.triage.vocabulary import VocabularyIndex

HERE = Path(__file__).parent
DEV = HERE.parents[2] / "shared" / "eval" / "triage_dev_vignettes.jsonl"
EXTRA = HERE / "data" / "vignettes_extra.jsonl"


def _level(rules: RuleSet, index: VocabularyIndex, case: dict) -> tuple[str | None, int]:
    found = index.suggest(case["caller_text"], case["specialty"], case["age_years"], case["sex"], limit=1)
    if not found:
        return None, -1
    cp = compile_protocol(rules, found[0].protocol_id)
    known = {}
    for code, value in case["findings"].items():
        for canonical, positive in rules.translate(code, value) or []:
            if known.get(canonical) is not Answer.yes:
                known[canonical] = Answer.yes if positive else Answer.no
    ctx = PatientContext(age_years=case["age_years"], sex=case["sex"])
    given = [(c, a) for c, a in known.items() if c in cp.global_findings and c not in cp.asked]
    eff = resolve(cp, given, ctx)
    while (q := next_question(cp, eff)) is not None:
        given.append((q.finding, known.get(q.finding, Answer.unknown)))
        eff = resolve(cp, given, ctx)
    return cp.id, int(assess(cp, given, ctx).level)


def _cases(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def engine() -> tuple[RuleSet, VocabularyIndex]:
    rules = load_rules()
    if not rules.protocols or not rules.vocabulary:
        pytest.skip("no protocols or vocabulary yet")
    return rules, VocabularyIndex(rules)


def test_no_under_triaged_emergency_on_the_dev_set(engine) -> None:  # type: ignore[no-untyped-def]
    if not DEV.exists():
        pytest.skip("shared dev vignettes not present")
    misses = []
    for case in _cases(DEV):
        pid, level = _level(*engine, case)
        if case["expected"] == "emergency" and level < Level.emergency:
            misses.append(f"{case['id']} via {pid}: {level}")
    assert misses == []


def test_our_vignettes_are_never_under_triaged(engine) -> None:  # type: ignore[no-untyped-def]
    misses = []
    for case in _cases(EXTRA):
        pid, level = _level(*engine, case)
        if level < Level[case["expected"]]:
            misses.append(f"{case['id']} via {pid}: {level} < {case['expected']}")
    assert misses == []
