"""API shapes of triage: catalogue, protocols, suggestions, sessions, batch assess."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from app.core.schemas import StrictModel

AnswerValue = Literal["yes", "no", "unknown"]
LevelName = Literal["emergency", "urgent", "soon", "routine", "self_care"]
SpecialtyName = Literal["generaliste", "pediatre", "dentiste", "kine", "psychologue", "gyneco", "ophtalmo"]


class FindingOut(BaseModel):
    code: str
    question: str
    label: str
    derived_from: str | None = None
    aliases: list[str] = []
    negated_by: list[str] = []


class QuestionOut(BaseModel):
    finding: str
    question: str
    red_flag: bool
    source: str = "protocol"


class RuleOut(BaseModel):
    id: str
    all: list[str]
    level: LevelName
    call: str | None
    why: str


class GlobalChecklistOut(BaseModel):
    """The global red flags, shown from the first second of every call; any one ticked is an emergency."""

    version: int
    content_hash: str
    title: str
    questions: list[QuestionOut]
    rules: list[RuleOut]
    references: list[str]


class OutcomeOut(BaseModel):
    say: str
    while_waiting: str = ""
    watch_for: str = ""


class ApplicabilityOut(BaseModel):
    min_age_years: float | None
    max_age_years: float | None
    sex: list[str]


class ProtocolSummary(BaseModel):
    id: str
    version: int
    title: str
    title_en: str
    specialties: list[str]
    applies: ApplicabilityOut
    motif: str | None
    content_hash: str


class ProtocolDetail(ProtocolSummary):
    entry_phrases: list[str]
    questions: list[QuestionOut]
    rules: list[RuleOut]
    default_level: LevelName
    outcomes: dict[str, OutcomeOut]
    references: list[str]


class PatientContextIn(StrictModel):
    age_years: float | None = Field(default=None, ge=0, le=130)
    sex: Literal["F", "M"] | None = None
    pregnant: bool | None = None


class SuggestRequest(StrictModel):
    text: str = Field(min_length=1, max_length=2000)
    specialty: SpecialtyName | None = None
    age_years: float | None = Field(default=None, ge=0, le=130)
    sex: Literal["F", "M"] | None = None
    limit: int = Field(default=5, ge=1, le=20)


class SuggestionOut(BaseModel):
    protocol_id: str
    title: str
    score: float
    matched: list[str]
    motif: str | None


class SuggestResponse(BaseModel):
    suggestions: list[SuggestionOut]
    motif: str | None


class FindingAnswer(BaseModel):
    finding: str
    answer: AnswerValue | None


class RuleHitOut(BaseModel):
    rule_id: str
    source: str
    level: LevelName
    why: str
    confirmed: bool
    findings: list[FindingAnswer]


class ModifierHitOut(BaseModel):
    finding: str
    from_level: LevelName
    to_level: LevelName
    why: str


class DispositionOut(BaseModel):
    level: LevelName
    call: str | None
    complete: bool
    lower_level: LevelName
    path: list[RuleHitOut]
    modifiers: list[ModifierHitOut]
    outcome: OutcomeOut | None
    instructions: list[str]
    open_questions: list[str]
    open_red_flags: list[str]
    protocol_id: str
    content_hash: str


class AssessRequest(StrictModel):
    """Batch assess: a protocol (or caller text to pick one), the patient, the known findings."""

    protocol_id: str | None = Field(default=None, max_length=64)
    text: str | None = Field(default=None, min_length=1, max_length=2000)
    specialty: SpecialtyName | None = None
    patient: PatientContextIn = PatientContextIn()
    findings: dict[str, AnswerValue | bool] = Field(default_factory=dict, max_length=500)

    @model_validator(mode="after")
    def _protocol_or_text(self) -> AssessRequest:
        if self.protocol_id is None and self.text is None:
            raise ValueError("give protocol_id or text")
        return self


class AssessResponse(BaseModel):
    protocol_id: str
    protocol_version: int
    suggestions: list[SuggestionOut]
    disposition: DispositionOut
    next_question: QuestionOut | None
    ignored_findings: list[str]


class SessionCreate(StrictModel):
    practice_id: uuid.UUID
    protocol_id: str = Field(max_length=64)
    patient: PatientContextIn = PatientContextIn()
    call_id: uuid.UUID | None = None


class AnswerRequest(StrictModel):
    action: Literal["answer", "undo"] = "answer"
    finding: str | None = Field(default=None, max_length=64)
    answer: AnswerValue | None = None

    @model_validator(mode="after")
    def _shape(self) -> AnswerRequest:
        if self.action == "answer" and (self.finding is None or self.answer is None):
            raise ValueError("an answer needs finding and answer")
        if self.action == "undo" and (self.finding is not None or self.answer is not None):
            raise ValueError("undo takes no finding or answer")
        return self


class SessionOut(BaseModel):
    id: uuid.UUID
    practice_id: uuid.UUID
    protocol_id: str
    protocol_version: int
    protocol_hash: str
    protocol_changed: bool  # the protocol was updated since: the session is read-only
    status: Literal["in_progress", "completed"]
    patient: PatientContextIn
    answers: list[FindingAnswer]
    next_question: QuestionOut | None
    checklist: list[QuestionOut]
    disposition: DispositionOut
    call_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
