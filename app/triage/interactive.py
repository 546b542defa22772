"""Interactive triage session (pure): one question at a time, answer, undo; built on the engine."""

from __future__ import annotations

from dataclasses import dataclass

from app.triage.compiled import CompiledProtocol, QuestionSpec
from app.triage.engine import (
    Answer,
    Disposition,
    PatientContext,
    TriageInputError,
    assess,
    check_applicable,
    next_question,
    resolve,
)


@dataclass(frozen=True)
class SessionState:
    """An interactive session: the answers in the order given (undo pops the last one)."""

    protocol_id: str
    context: PatientContext
    answers: tuple[tuple[str, Answer], ...] = ()


@dataclass(frozen=True)
class Step:
    question: QuestionSpec | None  # None when the bounds have met: the disposition is final
    disposition: Disposition


def start(cp: CompiledProtocol, ctx: PatientContext) -> SessionState:
    check_applicable(cp, ctx)
    return SessionState(cp.id, ctx)


def step(cp: CompiledProtocol, state: SessionState) -> Step:
    eff = resolve(cp, state.answers, state.context)
    return Step(next_question(cp, eff), assess(cp, state.answers, state.context))


def answer(cp: CompiledProtocol, state: SessionState, finding: str, value: Answer) -> SessionState:
    """Record an answer to any question of the session (the current one, an earlier one, a checklist item)."""
    if finding not in cp.askable:
        raise TriageInputError(f"finding {finding!r} is not a question of protocol {cp.id!r}")
    return SessionState(state.protocol_id, state.context, (*state.answers, (finding, Answer(value))))


def undo(state: SessionState) -> SessionState:
    if not state.answers:
        raise TriageInputError("nothing to undo")
    return SessionState(state.protocol_id, state.context, state.answers[:-1])
