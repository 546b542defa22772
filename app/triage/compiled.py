"""A protocol compiled with the global red flags and modifiers into the flat form the engine runs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from app.triage.protocols import RuleSet
from app.triage.schema import CALL_NUMBERS, Finding, Level, Outcome, Protocol


class OverrideError(ValueError):
    """A practice override would loosen a protocol or names something that does not exist."""


@dataclass(frozen=True)
class CompiledRule:
    id: str
    source: str  # "global" | "protocol" | "practice"
    findings: tuple[str, ...]
    level: Level
    call: str | None
    why: str


@dataclass(frozen=True)
class CompiledModifier:
    finding: str
    floor: Level | None
    raise_by: int
    threshold: Level
    why: str


@dataclass(frozen=True)
class QuestionSpec:
    finding: str
    red_flag: bool
    source: str  # "protocol" | "derived" | "modifier"
    question: str


@dataclass(frozen=True)
class CompiledProtocol:
    protocol: Protocol
    content_hash: str
    questions: tuple[QuestionSpec, ...]
    global_findings: tuple[str, ...]
    rules: tuple[CompiledRule, ...]
    default: Level
    modifiers: tuple[CompiledModifier, ...]
    outcomes: Mapping[Level, Outcome]
    context_findings: Mapping[str, Finding]
    asked: frozenset[str]
    askable: frozenset[str]
    global_outcomes: Mapping[Level, Outcome] = field(default_factory=dict)
    instructions: Mapping[Level, tuple[str, ...]] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.protocol.id


def compile_protocol(rules: RuleSet, protocol_id: str) -> CompiledProtocol:
    """Flatten one protocol with the global rules and the modifiers that apply to it."""
    proto = rules.protocols[protocol_id]
    glob = rules.global_rules
    specs: list[QuestionSpec] = []
    seen: set[str] = set()

    def add(code: str, red_flag: bool, source: str) -> None:
        if code in seen or code not in rules.findings:
            return
        seen.add(code)
        specs.append(QuestionSpec(code, red_flag, source, rules.findings[code].question))

    for q in proto.questions:
        add(q.finding, q.red_flag, "protocol")
    # A derived finding used by a rule is asked when the context field is missing.
    for rule in proto.rules:
        for code in rule.all:
            if code in rules.findings and rules.findings[code].derived is not None:
                add(code, True, "derived")
    modifiers: list[CompiledModifier] = []
    for mod in rules.modifiers.modifiers:
        if mod.protocols is not None and protocol_id not in mod.protocols:
            continue
        if not _possible(rules.findings.get(mod.finding), proto):
            continue  # e.g. "infant under 3 months" in a protocol for ages 16 and over
        modifiers.append(
            CompiledModifier(
                finding=mod.finding,
                floor=Level[mod.raise_to_at_least] if mod.raise_to_at_least else None,
                raise_by=mod.raise_by or 0,
                threshold=Level[mod.when_level_at_least],
                why=mod.why,
            )
        )
        if mod.asked:
            add(mod.finding, False, "modifier")

    compiled_rules = [
        CompiledRule(r.id, "global", r.all, Level[r.level], r.call, r.why) for r in glob.rules
    ] + [CompiledRule(r.id, "protocol", r.all, Level[r.level], r.call, r.why) for r in proto.rules]
    global_findings = tuple(
        dict.fromkeys([*(q.finding for q in glob.questions), *(c for r in glob.rules for c in r.all)])
    )
    outcomes: dict[Level, Outcome] = {Level[k]: v for k, v in glob.outcomes.items()}
    outcomes.update({Level[k]: v for k, v in proto.outcomes.items()})
    used = {s.finding for s in specs} | set(global_findings) | {m.finding for m in modifiers}
    context = {
        c: rules.findings[c]
        for c in sorted(used)
        if c in rules.findings and (rules.findings[c].derived or rules.findings[c].applies)
    }
    asked = frozenset(s.finding for s in specs)
    modifier_facts = frozenset(m.finding for m in modifiers)
    return CompiledProtocol(
        protocol=proto,
        content_hash=rules.protocol_hashes[protocol_id],
        questions=tuple(specs),
        global_findings=global_findings,
        rules=tuple(compiled_rules),
        default=Level[proto.default_level],
        modifiers=tuple(modifiers),
        outcomes=MappingProxyType(outcomes),
        context_findings=MappingProxyType(context),
        asked=asked,
        askable=asked | frozenset(global_findings) | modifier_facts,
        global_outcomes=MappingProxyType({Level[k]: v for k, v in glob.outcomes.items()}),
    )


def _possible(finding: Finding | None, proto: Protocol) -> bool:
    """Can an age-derived finding be true for some age the protocol applies to?"""
    d = finding.derived if finding else None
    if d is None or d.context != "age_years":
        return True
    lo = proto.applies.min_age_years or 0.0
    hi = proto.applies.max_age_years if proto.applies.max_age_years is not None else 130.0
    if d.lt is not None:
        return lo < d.lt
    if d.le is not None:
        return lo <= d.le
    if d.gt is not None:
        return hi > d.gt
    if d.ge is not None:
        return hi >= d.ge
    return True


@dataclass(frozen=True)
class PracticeOverride:
    """A practice's tightening of one protocol: raise rule levels or the default, add instructions."""

    protocol_id: str
    rule_levels: Mapping[str, Level] = field(default_factory=dict)
    rule_calls: Mapping[str, str] = field(default_factory=dict)
    default_level: Level | None = None
    instructions: Mapping[Level, str] = field(default_factory=dict)


def apply_override(cp: CompiledProtocol, override: PracticeOverride) -> CompiledProtocol:
    """Return the protocol tightened by a practice; reject anything that would lower a level."""
    if override.protocol_id != cp.id:
        raise OverrideError("override targets another protocol")
    by_id = {r.id: r for r in cp.rules if r.source != "global"}
    unknown = sorted(set(override.rule_levels) - set(by_id))
    if unknown:
        raise OverrideError(f"unknown rule id(s): {', '.join(unknown)}")
    new_rules: list[CompiledRule] = []
    for rule in cp.rules:
        target = override.rule_levels.get(rule.id) if rule.source != "global" else None
        if target is None:
            new_rules.append(rule)
            continue
        if target < rule.level:
            raise OverrideError(f"rule {rule.id!r} cannot be lowered below {rule.level.name}")
        call = rule.call
        if target == Level.emergency:
            call = override.rule_calls.get(rule.id, rule.call or "15")
            if call not in CALL_NUMBERS:
                raise OverrideError(f"rule {rule.id!r}: call must be one of {', '.join(CALL_NUMBERS)}")
        new_rules.append(replace(rule, level=target, call=call, source="practice"))
    default = cp.default
    if override.default_level is not None:
        if override.default_level < cp.default:
            raise OverrideError(f"default level cannot be lowered below {cp.default.name}")
        if override.default_level == Level.emergency:
            raise OverrideError("the default level cannot be emergency")
        default = override.default_level
    instructions = {lvl: (*cp.instructions.get(lvl, ()), text) for lvl, text in override.instructions.items()}
    return replace(cp, rules=tuple(new_rules), default=default, instructions=MappingProxyType(instructions))
