"""Pydantic models of the triage rule files (the contract in docs/protocol-format.md)."""

from __future__ import annotations

from enum import IntEnum
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Specialty = Literal["generaliste", "pediatre", "dentiste", "kine", "psychologue", "gyneco", "ophtalmo"]
SPECIALTIES: tuple[str, ...] = get_args(Specialty)
CALL_NUMBERS = ("15", "112", "3114", "centre antipoison")
MOTIF_CODES = frozenset(
    {
        "consultation",
        "consultation_urgente",
        "renouvellement_ordonnance",
        "certificat",
        "resultats_examens",
        "vaccination",
        "visite_domicile",
        "consultation_pediatrique",
        "suivi_nourrisson",
        "urgence_dentaire",
        "soin_dentaire",
        "controle_dentaire",
        "detartrage",
        "extraction",
        "bilan_kine",
        "seance_kine",
        "reeducation_post_op",
        "premiere_consultation_psy",
        "suivi_psy",
        "consultation_gyneco",
        "suivi_grossesse",
        "contraception",
        "echographie",
        "consultation_ophtalmo",
        "urgence_ophtalmo",
        "renouvellement_lunettes",
    }
)
CODE_PATTERN = r"^[a-z][a-z0-9_]*$"


class Level(IntEnum):
    """Disposition levels, ranked: a higher value is more urgent."""

    self_care = 0
    routine = 1
    soon = 2
    urgent = 3
    emergency = 4

    @classmethod
    def parse(cls, value: str | int | Level) -> Level:
        if isinstance(value, int):
            return cls(value)
        try:
            return cls[value]
        except KeyError:
            raise ValueError(f"unknown level {value!r}") from None


LevelName = Literal["self_care", "routine", "soon", "urgent", "emergency"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Derivation(_Strict):
    """How a finding is answered from the patient context when the context field is known."""

    context: Literal["age_years", "sex", "pregnant"]
    lt: float | None = None
    le: float | None = None
    gt: float | None = None
    ge: float | None = None
    eq: str | float | bool | None = None

    @model_validator(mode="after")
    def _one_operator(self) -> Derivation:
        ops = [op for op in ("lt", "le", "gt", "ge", "eq") if getattr(self, op) is not None]
        if len(ops) != 1:
            raise ValueError("a derivation needs exactly one of lt / le / gt / ge / eq")
        return self


class Applicability(_Strict):
    min_age_years: float | None = None
    max_age_years: float | None = None
    sex: tuple[Literal["F", "M"], ...] = ("F", "M")


class Finding(_Strict):
    question: str = Field(min_length=3)
    label: str = Field(min_length=2)
    derived: Derivation | None = None
    # A finding outside its applicability (e.g. pregnancy for a man) is answered "no" automatically.
    applies: Applicability | None = None
    aliases: tuple[str, ...] = ()
    # Codes phrased the other way round ("feeding_normally"): their yes means this finding is no;
    # their no says nothing (it is not the worrying answer), so it is ignored.
    negated_by: tuple[str, ...] = ()


class Question(_Strict):
    finding: str = Field(pattern=CODE_PATTERN)
    red_flag: bool = False
    informational: bool = False


class Rule(_Strict):
    id: str = Field(pattern=CODE_PATTERN)
    all: tuple[str, ...] = Field(min_length=1)
    level: LevelName
    call: str | None = None
    why: str = Field(min_length=3)


class Outcome(_Strict):
    say: str = Field(min_length=3)
    while_waiting: str = ""
    watch_for: str = ""


class Protocol(_Strict):
    id: str = Field(pattern=CODE_PATTERN)
    version: int = Field(ge=1)
    title: str = Field(min_length=2)
    title_en: str = ""
    specialties: tuple[Specialty, ...] = Field(min_length=1)
    applies: Applicability = Applicability()
    entry_phrases: tuple[str, ...] = ()
    motif: str | None = None
    questions: tuple[Question, ...] = Field(min_length=1)
    rules: tuple[Rule, ...] = ()
    default_level: LevelName
    outcomes: dict[LevelName, Outcome]
    references: tuple[str, ...] = ()


class GlobalRules(_Strict):
    """Global red flags: rules evaluated on every call whenever their findings are known."""

    id: str = "global"
    version: int = Field(default=1, ge=1)
    title: str = "Signes de gravité généraux"
    title_en: str = ""
    questions: tuple[Question, ...] = ()
    rules: tuple[Rule, ...] = ()
    outcomes: dict[LevelName, Outcome] = {}
    references: tuple[str, ...] = ()


class Modifier(_Strict):
    finding: str = Field(pattern=CODE_PATTERN)
    raise_to_at_least: LevelName | None = None
    raise_by: int | None = Field(default=None, ge=1, le=1)
    when_level_at_least: LevelName = "soon"
    protocols: tuple[str, ...] | None = None  # optional scope; absent = every protocol
    asked: bool = True  # False: a fact the system knows (call history); counts when known, never assumed
    why: str = Field(min_length=3)
    references: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _one_effect(self) -> Modifier:
        if (self.raise_to_at_least is None) == (self.raise_by is None):
            raise ValueError("a modifier needs exactly one of raise_to_at_least / raise_by")
        if self.raise_to_at_least == "emergency":
            raise ValueError("a modifier never creates an emergency by itself")
        return self


class ModifierFile(_Strict):
    modifiers: tuple[Modifier, ...] = ()


class VocabularyEntry(_Strict):
    phrase: str = Field(min_length=2)
    protocols: tuple[str, ...] = Field(min_length=1)
    motif: str | None = None

    @field_validator("phrase")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


class VocabularyFile(_Strict):
    entries: tuple[VocabularyEntry, ...] = ()


class FindingFile(_Strict):
    findings: dict[str, Finding] = {}
