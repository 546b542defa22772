"""Stateless triage use cases: the rule set (loaded and linted once), protocols, suggestions, batch assess.

Nothing here touches the database: batch assess stores nothing and leaves no health data anywhere.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from app.core.errors import Invalid, NotFound
from app.triage import views
from app.triage.compiled import CompiledProtocol, compile_protocol
from app.triage.engine import (
    Answer,
    PatientContext,
    TriageInputError,
    assess,
    check_applicable,
    next_question,
    resolve,
)
from app.triage.lint import lint_rules
from app.triage.protocols import RuleLoadError, RuleSet, get_rules, load_rules
from app.triage.schema import Protocol
from app.triage.schemas import AssessRequest, PatientContextIn, SuggestRequest
from app.triage.vocabulary import Suggestion, VocabularyIndex

_WORSE = {Answer.no: 0, Answer.unknown: 1, Answer.yes: 2}


class BrokenRuleSet(RuntimeError):
    """The shipped triage rules fail to load or to lint: the service must not start."""


def rules() -> RuleSet:
    return get_rules()


@cache
def compiled(protocol_id: str) -> CompiledProtocol:
    return compile_protocol(rules(), protocol_id)


@cache
def vocabulary() -> VocabularyIndex:
    return VocabularyIndex(rules())


def startup_check(root: Path | None = None) -> None:
    """Load and lint the rule set; raise naming every bad file and the reason."""
    try:
        problems = [p for p in lint_rules(load_rules(root) if root is not None else rules()) if not p.warning]
    except RuleLoadError as exc:
        problems = exc.problems
    if problems:
        listing = "\n".join(f"  {p}" for p in problems[:50])
        raise BrokenRuleSet(f"triage rules are broken ({len(problems)} problem(s)):\n{listing}")
    if root is not None:
        return
    vocabulary()
    for pid in rules().protocols:
        compiled(pid)


def protocol(protocol_id: str, *, in_body: bool = False) -> Protocol:
    proto = rules().protocols.get(protocol_id)
    if proto is None:
        if in_body:
            raise Invalid(
                "Unknown protocol id.", errors=[{"loc": ["protocol_id"], "msg": "unknown protocol"}]
            )
        raise NotFound("Protocol not found.")
    return proto


def suggest(body: SuggestRequest) -> list[Suggestion]:
    return vocabulary().suggest(body.text, body.specialty, body.age_years, body.sex, limit=body.limit)


def patient_context(p: PatientContextIn) -> PatientContext:
    return PatientContext(age_years=p.age_years, sex=p.sex, pregnant=p.pregnant)


def canonical_code(code: str) -> str:
    canonical = rules().canonical_finding(code)
    if canonical is None:
        raise Invalid(
            f"Unknown finding code {code!r}.", errors=[{"loc": ["finding"], "msg": "unknown finding"}]
        )
    return canonical


def _as_answer(value: str | bool) -> Answer:
    if isinstance(value, bool):
        return Answer.yes if value else Answer.no
    return Answer(value)


def run_assess(body: AssessRequest) -> tuple[CompiledProtocol, list[Suggestion], list[str], views.Evaluated]:
    """Batch assess; unknown codes are a problem, known codes that the protocol does not use are listed."""
    suggestions: list[Suggestion] = []
    pid = body.protocol_id
    ctx = body.patient
    if pid is None:
        assert body.text is not None
        suggestions = vocabulary().suggest(body.text, body.specialty, ctx.age_years, ctx.sex, limit=5)
        if not suggestions:
            raise Invalid("No protocol matches this text; choose a protocol_id.")
        pid = suggestions[0].protocol_id
    protocol(pid, in_body=True)
    cp = compiled(pid)
    worst: dict[str, Answer] = {}
    ignored: list[str] = []
    for code, value in body.findings.items():
        answer = _as_answer(value)
        implied: list[tuple[str, Answer]] = []
        if answer is Answer.unknown:
            if code not in rules().negations:  # "don't know" to a reversed code implies nothing
                implied = [(canonical_code(code), answer)]
        else:
            facts = rules().translate(code, answer is Answer.yes)
            if facts is None:
                canonical_code(code)  # raises the unknown-code problem
            implied = [(c, Answer.yes if v else Answer.no) for c, v in facts or []]
        usable = [(c, a) for c, a in implied if c in cp.askable]
        for c, a in usable:  # the same finding given twice (code and reversed code): the worse wins
            worst[c] = a if c not in worst or _WORSE[a] > _WORSE[worst[c]] else worst[c]
        if not usable:
            ignored.append(code)
    answers = list(worst.items())
    patient = patient_context(ctx)
    try:
        check_applicable(cp, patient)
        disposition = assess(cp, answers, patient)
    except TriageInputError as exc:
        raise Invalid(str(exc)) from exc
    question = next_question(cp, resolve(cp, answers, patient))
    return cp, suggestions, sorted(ignored), views.Evaluated(disposition, question)
