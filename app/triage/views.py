"""Conversions between engine results, stored JSON and API shapes (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.triage.compiled import CompiledProtocol, QuestionSpec
from app.triage.engine import Answer, Disposition
from app.triage.models import TriageSession
from app.triage.protocols import RuleSet
from app.triage.schema import Protocol
from app.triage.schemas import (
    ApplicabilityOut,
    DispositionOut,
    FindingOut,
    GlobalChecklistOut,
    OutcomeOut,
    PatientContextIn,
    ProtocolDetail,
    ProtocolSummary,
    QuestionOut,
    RuleOut,
    SessionOut,
    SuggestionOut,
)
from app.triage.vocabulary import Suggestion


def disposition_json(d: Disposition) -> dict[str, Any]:
    return {
        "level": d.level.name,
        "call": d.call,
        "complete": d.complete,
        "lower_level": d.lower_level.name,
        "path": [
            {
                "rule_id": h.rule_id,
                "source": h.source,
                "level": h.level.name,
                "why": h.why,
                "confirmed": h.confirmed,
                "findings": [{"finding": c, "answer": a.value if a else None} for c, a in h.findings],
            }
            for h in d.path
        ],
        "modifiers": [
            {"finding": m.finding, "from_level": m.from_level.name, "to_level": m.to_level.name, "why": m.why}
            for m in d.modifiers
        ],
        "outcome": (
            {"say": d.outcome.say, "while_waiting": d.outcome.while_waiting, "watch_for": d.outcome.watch_for}
            if d.outcome
            else None
        ),
        "instructions": list(d.instructions),
        "open_questions": list(d.open_questions),
        "open_red_flags": list(d.open_red_flags),
        "protocol_id": d.protocol_id,
        "content_hash": d.content_hash,
    }


@dataclass(frozen=True)
class Evaluated:
    disposition: Disposition
    question: QuestionSpec | None

    def disposition_json(self) -> dict[str, Any]:
        return disposition_json(self.disposition)


@dataclass(frozen=True)
class StoredState:
    """What a session stores encrypted: the patient context and the answers in order."""

    context: dict[str, Any]
    answers: list[list[str]]

    def pairs(self) -> list[tuple[str, Answer]]:
        return [(code, Answer(value)) for code, value in self.answers]


@dataclass(frozen=True)
class SessionView:
    row: TriageSession
    state: StoredState
    disposition: dict[str, Any]
    question: QuestionSpec | None
    protocol: CompiledProtocol | None  # None when the protocol changed since the session started


def question_out(q: QuestionSpec) -> QuestionOut:
    return QuestionOut(finding=q.finding, question=q.question, red_flag=q.red_flag, source=q.source)


def finding_list(rules: RuleSet) -> list[FindingOut]:
    return [
        FindingOut(
            code=code,
            question=f.question,
            label=f.label,
            derived_from=f.derived.context if f.derived else None,
            aliases=list(f.aliases),
            negated_by=list(f.negated_by),
        )
        for code, f in sorted(rules.findings.items())
    ]


def _summary_fields(p: Protocol, content_hash: str) -> dict[str, Any]:
    return {
        "id": p.id,
        "version": p.version,
        "title": p.title,
        "title_en": p.title_en,
        "specialties": list(p.specialties),
        "applies": ApplicabilityOut(
            min_age_years=p.applies.min_age_years,
            max_age_years=p.applies.max_age_years,
            sex=list(p.applies.sex),
        ),
        "motif": p.motif,
        "content_hash": content_hash,
    }


def protocol_summary(p: Protocol, content_hash: str) -> ProtocolSummary:
    return ProtocolSummary(**_summary_fields(p, content_hash))


def protocol_detail(rules: RuleSet, p: Protocol, content_hash: str) -> ProtocolDetail:
    return ProtocolDetail(
        **_summary_fields(p, content_hash),
        entry_phrases=list(p.entry_phrases),
        questions=[
            QuestionOut(finding=q.finding, question=rules.findings[q.finding].question, red_flag=q.red_flag)
            for q in p.questions
        ],
        rules=[RuleOut(id=r.id, all=list(r.all), level=r.level, call=r.call, why=r.why) for r in p.rules],
        default_level=p.default_level,
        outcomes={k: OutcomeOut(**v.model_dump()) for k, v in p.outcomes.items()},
        references=list(p.references),
    )


def global_checklist(rules: RuleSet) -> GlobalChecklistOut:
    glob = rules.global_rules
    codes = dict.fromkeys([*(q.finding for q in glob.questions), *(c for r in glob.rules for c in r.all)])
    return GlobalChecklistOut(
        version=glob.version,
        content_hash=rules.global_hash,
        title=glob.title,
        questions=[
            QuestionOut(finding=c, question=rules.findings[c].question, red_flag=True, source="global")
            for c in codes
            if c in rules.findings
        ],
        rules=[RuleOut(id=r.id, all=list(r.all), level=r.level, call=r.call, why=r.why) for r in glob.rules],
        references=list(glob.references),
    )


def suggestion_out(s: Suggestion) -> SuggestionOut:
    return SuggestionOut(
        protocol_id=s.protocol_id, title=s.title, score=s.score, matched=list(s.matched), motif=s.motif
    )


def session_out(view: SessionView, rules: RuleSet) -> SessionOut:
    row = view.row
    checklist = [
        QuestionOut(finding=c, question=rules.findings[c].question, red_flag=True, source="global")
        for c in (view.protocol.global_findings if view.protocol else ())
        if c in rules.findings
    ]
    return SessionOut(
        id=row.id,
        practice_id=row.practice_id,
        protocol_id=row.protocol_id,
        protocol_version=row.protocol_version,
        protocol_hash=row.protocol_hash,
        protocol_changed=view.protocol is None,
        status="completed" if row.completed_at is not None else "in_progress",
        patient=PatientContextIn(**view.state.context),
        answers=[{"finding": c, "answer": a} for c, a in view.state.answers],
        next_question=question_out(view.question) if view.question else None,
        checklist=checklist,
        disposition=DispositionOut(**view.disposition),
        call_id=row.call_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        completed_at=row.completed_at,
    )
