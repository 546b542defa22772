"""Triage engine (pure, deterministic): answers + patient context -> next question or disposition.

Rules are positive conjunctions and `unknown` counts as positive, so the level can only rise when an
answer turns worse (monotonicity) or uncertain (conservatism). Two bounds drive the interactive flow:
the lower bound (unanswered = no) and the upper bound (unanswered = yes); the session is over when
they meet. Global red flags not asked by the protocol are a checklist: they count once answered
(unknown included) but are never assumed (see docs/triage.md, "Global red flags").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from app.triage.compiled import CompiledProtocol, CompiledRule, QuestionSpec
from app.triage.schema import Finding, Level, Outcome


class Answer(StrEnum):
    yes = "yes"
    no = "no"
    unknown = "unknown"


class TriageInputError(ValueError):
    """Bad input to the engine (unknown finding, question not part of the session, bad context)."""


@dataclass(frozen=True)
class PatientContext:
    age_years: float | None = None
    sex: str | None = None  # "F" | "M"
    pregnant: bool | None = None

    def __post_init__(self) -> None:
        if self.age_years is not None and not 0 <= self.age_years <= 130:
            raise TriageInputError("age_years must be between 0 and 130")
        if self.sex not in (None, "F", "M"):
            raise TriageInputError("sex must be F or M")


@dataclass(frozen=True)
class RuleHit:
    rule_id: str
    source: str
    level: Level
    findings: tuple[tuple[str, Answer | None], ...]  # None: not answered yet (counted as unknown)
    why: str
    confirmed: bool  # every finding answered; False only while questions that matter are still open


@dataclass(frozen=True)
class ModifierHit:
    finding: str
    from_level: Level
    to_level: Level
    why: str


@dataclass(frozen=True)
class Disposition:
    level: Level
    call: str | None
    complete: bool
    lower_level: Level
    path: tuple[RuleHit, ...]
    modifiers: tuple[ModifierHit, ...]
    outcome: Outcome | None
    instructions: tuple[str, ...]
    open_questions: tuple[str, ...]
    open_red_flags: tuple[str, ...]
    protocol_id: str
    content_hash: str


_WORSE = {Answer.no: 0, Answer.unknown: 1, Answer.yes: 2}


def _derive(finding: Finding, ctx: PatientContext) -> Answer | None:
    """Answer from the patient context: derivation, then applicability (outside it = no)."""
    d = finding.derived
    if d is not None:
        value = getattr(ctx, d.context)
        if value is not None:
            if d.eq is not None:
                hit = value == d.eq
            elif d.lt is not None:
                hit = value < d.lt
            elif d.le is not None:
                hit = value <= d.le
            elif d.gt is not None:
                hit = value > d.gt
            else:
                hit = d.ge is not None and value >= d.ge
            return Answer.yes if hit else Answer.no
        if d.context == "pregnant" and _cannot_be_pregnant(ctx):
            return Answer.no
    a = finding.applies
    if a is not None:
        if ctx.sex is not None and ctx.sex not in a.sex:
            return Answer.no
        if ctx.age_years is not None:
            if a.min_age_years is not None and ctx.age_years < a.min_age_years:
                return Answer.no
            if a.max_age_years is not None and ctx.age_years > a.max_age_years:
                return Answer.no
    return None


def _cannot_be_pregnant(ctx: PatientContext) -> bool:
    """Pregnancy is not asked of men or outside ages 10-55 (documented in docs/protocol-format.md)."""
    if ctx.sex == "M":
        return True
    return ctx.age_years is not None and not 10 <= ctx.age_years <= 55


def resolve(
    cp: CompiledProtocol, answers: Iterable[tuple[str, Answer]], ctx: PatientContext
) -> dict[str, Answer]:
    """Effective answers: the last explicit answer per finding, combined with the context (worse wins)."""
    explicit: dict[str, Answer] = {}
    for code, ans in answers:
        explicit[code] = ans
    effective = dict(explicit)
    for code, finding in cp.context_findings.items():
        derived = _derive(finding, ctx)
        if derived is None:
            continue
        given = explicit.get(code)
        effective[code] = derived if given is None or _WORSE[derived] > _WORSE[given] else given
    return effective


def _positive(code: str, eff: Mapping[str, Answer], asked: frozenset[str], upper: bool) -> bool:
    ans = eff.get(code)
    if ans is None:
        return upper and code in asked
    return ans is not Answer.no


def _evaluate(
    cp: CompiledProtocol, eff: Mapping[str, Answer], upper: bool
) -> tuple[Level, list[CompiledRule], list[ModifierHit]]:
    asked = cp.asked
    fired = [r for r in cp.rules if _fires(r, eff, asked, upper)]
    base = max([cp.default, *(r.level for r in fired)])
    level = base
    hits: list[ModifierHit] = []
    for mod in cp.modifiers:
        if base < mod.threshold or not _positive(mod.finding, eff, asked, upper):
            continue
        target = base
        if mod.floor is not None:
            target = max(base, mod.floor)
        elif base < Level.urgent:
            target = Level(min(base + mod.raise_by, Level.urgent))
        if target > base:
            hits.append(ModifierHit(mod.finding, base, target, mod.why))
            level = max(level, target)
    return level, fired, hits


def _base(cp: CompiledProtocol, eff: Mapping[str, Answer], upper: bool) -> Level:
    return max([cp.default, *(r.level for r in cp.rules if _fires(r, eff, cp.asked, upper))])


def _fires(rule: CompiledRule, eff: Mapping[str, Answer], asked: frozenset[str], upper: bool) -> bool:
    return all(_positive(c, eff, asked, upper) for c in rule.findings)


def _relevant(
    cp: CompiledProtocol, code: str, eff: Mapping[str, Answer], lower_base: Level, lower: Level
) -> bool:
    """Could answering `code` still raise the lower bound? (used to pick the next question)"""
    for rule in cp.rules:
        if rule.level > lower_base and code in rule.findings and _fires(rule, eff, cp.asked, True):
            return True
    upper_base = _base(cp, eff, upper=True)
    for mod in cp.modifiers:
        if mod.finding == code and upper_base >= mod.threshold:
            if mod.floor is not None:
                reach = int(max(upper_base, mod.floor))
            else:
                reach = max(int(upper_base), min(upper_base + mod.raise_by, int(Level.urgent)))
            if reach > lower:
                return True
    return False


def next_question(cp: CompiledProtocol, eff: Mapping[str, Answer]) -> QuestionSpec | None:
    """The first unanswered question, in protocol order, that could still raise the lower bound."""
    lower, _, _ = _evaluate(cp, eff, upper=False)
    upper, _, _ = _evaluate(cp, eff, upper=True)
    if lower >= upper:
        return None
    lower_base = _base(cp, eff, upper=False)
    for q in cp.questions:
        if q.finding not in eff and _relevant(cp, q.finding, eff, lower_base, lower):
            return q
    return None  # unreachable when the rules only use askable findings (lint checks it)


def assess(cp: CompiledProtocol, answers: Iterable[tuple[str, Answer]], ctx: PatientContext) -> Disposition:
    """Disposition for the answers so far; unanswered questions count as unknown (the worse answer)."""
    answers = list(answers)
    for code, _ in answers:
        if code not in cp.askable:
            raise TriageInputError(f"finding {code!r} is not part of protocol {cp.id!r}")
    eff = resolve(cp, answers, ctx)
    lower, _, _ = _evaluate(cp, eff, upper=False)
    level, fired, mods = _evaluate(cp, eff, upper=True)
    first_emergency = next((r for r in fired if r.level == Level.emergency), None)
    call = first_emergency.call if first_emergency else None
    if level == Level.emergency and call is None:
        call = "15"  # defensive: lint requires a number on every emergency rule
    confirmed = {r.id for r in cp.rules if _fires(r, eff, cp.asked, upper=False)}
    path = tuple(
        RuleHit(r.id, r.source, r.level, tuple((c, eff.get(c)) for c in r.findings), r.why, r.id in confirmed)
        for r in fired
        if r.level > cp.default and (r.id in confirmed or r.level > lower)
    )
    lower_base = _base(cp, eff, upper=False)
    open_questions = [
        q.finding
        for q in cp.questions
        if lower < level and q.finding not in eff and _relevant(cp, q.finding, eff, lower_base, lower)
    ]
    open_red = [q.finding for q in cp.questions if q.red_flag and q.finding not in eff]
    open_red += [c for c in cp.global_findings if c not in eff and c not in open_red]
    outcome = cp.outcomes.get(level)
    if first_emergency is not None and first_emergency.source == "global":
        # A global red flag speaks with the global script: the protocol's one is about its own complaint.
        outcome = cp.global_outcomes.get(level, outcome)
    if outcome is not None and call is not None:
        outcome = Outcome(
            say=outcome.say.replace("{call}", call),
            while_waiting=outcome.while_waiting.replace("{call}", call),
            watch_for=outcome.watch_for.replace("{call}", call),
        )
    return Disposition(
        level=level,
        call=call if level == Level.emergency else None,
        complete=lower == level,
        lower_level=lower,
        path=path,
        modifiers=tuple(mods),
        outcome=outcome,
        instructions=cp.instructions.get(level, ()),
        open_questions=tuple(open_questions),
        open_red_flags=tuple(open_red),
        protocol_id=cp.id,
        content_hash=cp.content_hash,
    )


def check_applicable(cp: CompiledProtocol, ctx: PatientContext) -> None:
    """Refuse a protocol outside its age/sex applicability (the agent must pick another one)."""
    a = cp.protocol.applies
    if ctx.sex is not None and ctx.sex not in a.sex:
        raise TriageInputError(f"protocol {cp.id!r} does not apply to this patient's sex")
    if ctx.age_years is not None:
        if a.min_age_years is not None and ctx.age_years < a.min_age_years:
            raise TriageInputError(f"protocol {cp.id!r} applies from {a.min_age_years} years")
        if a.max_age_years is not None and ctx.age_years > a.max_age_years:
            raise TriageInputError(f"protocol {cp.id!r} applies up to {a.max_age_years} years")
