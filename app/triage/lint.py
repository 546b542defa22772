"""Linter of the rule set (pure): every problem names the file and the reason."""

from __future__ import annotations

import itertools
from pathlib import Path

from app.triage.compiled import compile_protocol
from app.triage.engine import Answer, PatientContext, next_question, resolve
from app.triage.protocols import DEFAULT_RULES_DIR, Problem, RuleLoadError, RuleSet, load_rules
from app.triage.schema import CALL_NUMBERS, MOTIF_CODES, Level, Outcome, Protocol, Rule

_CALL_WORDS = ("15", "112", "3114", "antipoison", "anti-poison")


def lint_dir(root: Path | str = DEFAULT_RULES_DIR) -> list[Problem]:
    """Load then lint; a load failure is reported as problems too."""
    try:
        rules = load_rules(root)
    except RuleLoadError as exc:
        return list(exc.problems)
    return lint_rules(rules)


def lint_rules(rules: RuleSet) -> list[Problem]:
    problems: list[Problem] = []
    problems += _lint_global(rules)
    problems += _lint_modifiers(rules)
    vocab_targets = {p for v in rules.vocabulary for p in v.entry.protocols}
    for pid, proto in rules.protocols.items():
        file = rules.protocol_files[pid]
        warnings: list[str] = []
        problems += [Problem(file, m) for m in _lint_protocol(rules, proto, vocab_targets, warnings)]
        problems += [Problem(file, m, warning=True) for m in warnings]
    problems += _lint_vocabulary(rules)
    return problems


def _rule_problems(rules: RuleSet, rule: Rule) -> list[str]:
    out = [f"rule {rule.id!r}: unknown finding {c!r}" for c in rule.all if c not in rules.findings]
    if rule.level == "emergency" and rule.call not in CALL_NUMBERS:
        out.append(f"emergency rule {rule.id!r} must name call: one of {', '.join(CALL_NUMBERS)}")
    if rule.level != "emergency" and rule.call is not None:
        out.append(f"rule {rule.id!r}: call is only for emergency rules")
    return out


def _outcome_problems(level: str, outcome: Outcome) -> list[str]:
    if level == "emergency" and not any(w in outcome.say for w in (*_CALL_WORDS, "{call}")):
        return ["the emergency script (say) must name the number to call"]
    return []


def _lint_global(rules: RuleSet) -> list[Problem]:
    file = "triage_rules/global.yaml"
    glob = rules.global_rules
    msgs: list[str] = []
    for q in glob.questions:
        if q.finding not in rules.findings:
            msgs.append(f"question on unknown finding {q.finding!r}")
    for rule in glob.rules:
        msgs += _rule_problems(rules, rule)
    for level, outcome in glob.outcomes.items():
        msgs += _outcome_problems(level, outcome)
    if glob.rules and not glob.references:
        msgs.append("references must not be empty")
    return [Problem(file, m) for m in msgs]


def _lint_modifiers(rules: RuleSet) -> list[Problem]:
    file = "triage_rules/modifiers.yaml"
    msgs: list[str] = []
    for mod in rules.modifiers.modifiers:
        if mod.finding not in rules.findings:
            msgs.append(f"modifier on unknown finding {mod.finding!r}")
        for pid in mod.protocols or ():
            if pid not in rules.protocols:
                msgs.append(f"modifier {mod.finding!r}: unknown protocol {pid!r}")
        if not mod.references:
            msgs.append(f"modifier {mod.finding!r}: references must not be empty")
    return [Problem(file, m) for m in msgs]


def _reachable_levels(rules: RuleSet, proto: Protocol) -> set[Level]:
    levels = {Level[proto.default_level]} | {Level[r.level] for r in proto.rules}
    # Global rules speak with the global scripts, so they do not make a protocol script reachable.
    for mod in rules.modifiers.modifiers:
        if mod.protocols is not None and proto.id not in mod.protocols:
            continue
        for base in list(levels):
            if base >= Level[mod.when_level_at_least]:
                if mod.raise_to_at_least:
                    levels.add(max(base, Level[mod.raise_to_at_least]))
                elif base < Level.urgent:
                    levels.add(Level(min(base + 1, Level.urgent)))
    return levels


def _lint_protocol(
    rules: RuleSet, proto: Protocol, vocab_targets: set[str], warnings: list[str]
) -> list[str]:
    msgs: list[str] = []
    asked = [q.finding for q in proto.questions]
    for code in asked:
        if code not in rules.findings:
            msgs.append(f"question on unknown finding {code!r}")
    for code, n in _counts(asked).items():
        if n > 1:
            msgs.append(f"finding {code!r} is asked {n} times")
    global_codes = {c for r in rules.global_rules.rules for c in r.all}
    derived = {c for c, f in rules.findings.items() if f.derived is not None}
    default = Level[proto.default_level]
    rule_ids = [r.id for r in proto.rules] + [r.id for r in rules.global_rules.rules]
    for rid, n in _counts(rule_ids).items():
        if n > 1:
            msgs.append(f"rule id {rid!r} is used {n} times (global rules included)")
    for rule in proto.rules:
        msgs += _rule_problems(rules, rule)
        unasked = [c for c in rule.all if c not in asked and c not in global_codes and c not in derived]
        if unasked:
            msgs.append(f"rule {rule.id!r} uses findings the protocol never asks: {', '.join(unasked)}")
        if Level[rule.level] < default:
            msgs.append(f"rule {rule.id!r} ({rule.level}) is below the default level ({proto.default_level})")
    mod_codes = {m.finding for m in rules.modifiers.modifiers}
    counted = {c for r in proto.rules for c in r.all} | global_codes | mod_codes
    useful = {c for r in proto.rules if Level[r.level] > default for c in r.all} | global_codes | mod_codes
    for q in proto.questions:
        if q.finding not in counted and not q.informational:
            msgs.append(f"question {q.finding!r} can never change the disposition (mark it informational?)")
        elif q.finding not in useful and not q.informational:
            warnings.append(
                f"question {q.finding!r} only appears in rules at the default level: the engine never asks it"
            )
    flags = [q.red_flag for q in proto.questions]
    if any(not a and b for a, b in itertools.pairwise(flags)):
        msgs.append("red-flag questions must all come before the other questions")
    used = {Level[proto.default_level]} | {Level[r.level] for r in proto.rules}
    for level in sorted(used):
        if level.name not in proto.outcomes:
            msgs.append(f"no outcome script for level {level.name!r}")
    calls = {r.call for r in proto.rules if r.level == "emergency"}
    em = proto.outcomes.get("emergency")
    if len(calls) > 1 and em is not None and "{call}" not in em.say:
        msgs.append("emergency rules name different numbers: the emergency script must use {call}")
    reachable = _reachable_levels(rules, proto)
    for name, outcome in proto.outcomes.items():
        if Level[name] not in reachable:
            msgs.append(f"outcome {name!r} can never be returned")
        msgs += _outcome_problems(name, outcome)
    if not proto.references or not all(r.strip() for r in proto.references):
        msgs.append("references must not be empty")
    if proto.motif is not None and proto.motif not in MOTIF_CODES:
        msgs.append(f"unknown motif code {proto.motif!r}")
    a = proto.applies
    if a.min_age_years is not None and a.max_age_years is not None and a.min_age_years > a.max_age_years:
        msgs.append("applies: min_age_years is above max_age_years")
    if not proto.entry_phrases and proto.id not in vocab_targets:
        msgs.append("no entry phrase and no vocabulary entry: the protocol can never be suggested")
    if not msgs:
        msgs += _termination_problems(rules, proto.id)
    return msgs


def _termination_problems(rules: RuleSet, protocol_id: str) -> list[str]:
    """Run the interactive loop with all-no and all-unknown answers: both must end with met bounds."""
    cp = compile_protocol(rules, protocol_id)
    limit = len(cp.questions)
    for value in (Answer.no, Answer.unknown, Answer.yes):
        eff = resolve(cp, [], PatientContext())
        for _ in range(limit + 1):
            q = next_question(cp, eff)
            if q is None:
                break
            eff[q.finding] = value
        else:
            return [f"interactive loop does not terminate when every answer is {value.value!r}"]
    return []


def _lint_vocabulary(rules: RuleSet) -> list[Problem]:
    out: list[Problem] = []
    for src in rules.vocabulary:
        for pid in src.entry.protocols:
            if pid not in rules.protocols:
                out.append(Problem(src.file, f"entry {src.entry.phrase!r}: unknown protocol {pid!r}"))
        if src.entry.motif is not None and src.entry.motif not in MOTIF_CODES:
            out.append(Problem(src.file, f"entry {src.entry.phrase!r}: unknown motif {src.entry.motif!r}"))
    return out


def _counts(items: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return counts


def main() -> int:
    """`python -m app.triage.lint [dir]`: print every problem, exit 1 if any."""
    import sys

    problems = lint_dir(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_RULES_DIR)
    for problem in problems:
        print(problem)
    errors = [p for p in problems if not p.warning]
    print(f"{len(errors)} problem(s), {len(problems) - len(errors)} warning(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
