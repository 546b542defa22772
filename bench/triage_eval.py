"""Triage evaluation on the dev vignettes (../shared/eval/triage_dev_vignettes.jsonl).

Usage:
    .venv/bin/python bench/triage_eval.py                  # in-process engine, protocol from caller_text
    .venv/bin/python bench/triage_eval.py --choice coverage  # protocol = best coverage of the findings
    .venv/bin/python bench/triage_eval.py --api            # through POST /api/v1/triage/assess
    PERMANENCE_API_KEY=pmk_... .venv/bin/python bench/triage_eval.py --api --base-url http://127.0.0.1:8000

Input mode `findings`: the vignette's findings, age, sex and specialty are given to the engine. The
protocol is the vocabulary's top suggestion for `caller_text` (`--choice text`, the default) or the
protocol whose questions cover most positive findings (`--choice coverage`). Findings are mapped onto
the catalogue by code or alias; unmapped codes are listed. The engine's interactive loop is simulated:
every question it asks is answered from the vignette, or `unknown` when the vignette does not say.
Global red flags that the protocol does not ask are a checklist (docs/triage.md): they count when the
vignette gives them, and are not assumed otherwise; `--strict-global` answers them `unknown` instead.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.triage.compiled import compile_protocol  # noqa: E402
from app.triage.engine import Answer, PatientContext, assess, next_question, resolve  # noqa: E402
from app.triage.protocols import RuleSet, load_rules  # noqa: E402
from app.triage.schema import Level  # noqa: E402
from app.triage.vocabulary import VocabularyIndex, _applies  # noqa: E402

DEFAULT_VIGNETTES = ROOT.parent / "shared" / "eval" / "triage_dev_vignettes.jsonl"
LEVELS = [lvl.name for lvl in sorted(Level, reverse=True)]


@dataclass
class Result:
    vid: str
    specialty: str
    expected: str
    predicted: str | None
    protocol: str | None
    asked: int = 0
    path: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    not_asked: list[str] = field(default_factory=list)


def map_findings(rules: RuleSet, findings: dict[str, bool]) -> tuple[dict[str, Answer], list[str]]:
    mapped: dict[str, Answer] = {}
    unmapped: list[str] = []
    for code, value in findings.items():
        facts = rules.translate(code, value)
        if facts is None:
            unmapped.append(code)
        for canonical, positive in facts or []:
            answer = Answer.yes if positive else Answer.no
            if mapped.get(canonical) is not Answer.yes:  # given twice (code and reversed code): worse wins
                mapped[canonical] = answer
    return mapped, unmapped


def choose_protocol(
    rules: RuleSet, index: VocabularyIndex, case: dict, mapped: dict[str, Answer], choice: str
) -> str | None:
    ctx = (case["specialty"], case["age_years"], case["sex"])
    suggestions = index.suggest(case["caller_text"], *ctx, limit=5)
    if choice == "text":
        return suggestions[0].protocol_id if suggestions else None
    vocab_rank = {s.protocol_id: -i for i, s in enumerate(suggestions)}
    positives = {c for c, a in mapped.items() if a is Answer.yes}
    best: tuple[int, int, int, str] | None = None
    for pid, proto in rules.protocols.items():
        if not _applies(proto, case["age_years"], case["sex"]):
            continue
        cover = len(positives & {q.finding for q in proto.questions})
        key = (cover, int(case["specialty"] in proto.specialties), vocab_rank.get(pid, -99), pid)
        if cover and (best is None or key > best):
            best = key
    return best[3] if best else (suggestions[0].protocol_id if suggestions else None)


def run_engine(rules: RuleSet, case: dict, pid: str, mapped: dict[str, Answer], strict: bool) -> Result:
    cp = compile_protocol(rules, pid)
    ctx = PatientContext(age_years=case["age_years"], sex=case["sex"])
    res = Result(case["id"], case["specialty"], case["expected"], None, pid)
    res.not_asked = sorted(c for c in mapped if c not in cp.askable)
    # Checklist: global findings the vignette gives are ticked up front, like an agent would.
    given = [(c, a) for c, a in mapped.items() if c in cp.global_findings and c not in cp.asked]
    if strict:
        given += [(c, Answer.unknown) for c in cp.global_findings if c not in mapped and c not in cp.asked]
    eff = resolve(cp, given, ctx)
    while (q := next_question(cp, eff)) is not None:
        given.append((q.finding, mapped.get(q.finding, Answer.unknown)))
        res.asked += 1
        eff = resolve(cp, given, ctx)
    d = assess(cp, given, ctx)
    res.predicted = d.level.name
    res.path = [h.rule_id for h in d.path] + [f"+{m.finding}" for m in d.modifiers]
    return res


def rank(level: str | None) -> int:
    return -1 if level is None else int(Level[level])


def report(results: list[Result], title: str) -> dict[str, float]:
    n = len(results)
    exact = sum(rank(r.predicted) == rank(r.expected) for r in results)
    under = [r for r in results if rank(r.predicted) < rank(r.expected)]
    over = sum(rank(r.predicted) > rank(r.expected) for r in results)
    emerg = [r for r in results if r.expected == "emergency"]
    recall = sum(r.predicted == "emergency" for r in emerg) / len(emerg) if emerg else float("nan")
    m = {
        "exact": exact / n,
        "under": len(under) / n,
        "over": over / n,
        "safe": 1 - len(under) / n,
        "emergency_recall": recall,
        "under_emergencies": sum(r.expected == "emergency" for r in under),
    }
    print(f"\n== {title} (N={n})")
    print(
        f"exact accuracy {m['exact']:.3f} | under-triage {m['under']:.3f} | over-triage {m['over']:.3f}"
        f" | safe {m['safe']:.3f} | emergency recall {m['emergency_recall']:.3f}"
        f" | under-triaged emergencies {m['under_emergencies']}"
    )
    for label, key in (("per expected level", "expected"), ("per specialty", "specialty")):
        print(f"-- {label}: n / exact / under / over")
        for value in sorted(
            {getattr(r, key) for r in results}, key=lambda v: -rank(v) if key == "expected" else 0
        ):
            group = [r for r in results if getattr(r, key) == value]
            ex = sum(rank(r.predicted) == rank(r.expected) for r in group)
            un = sum(rank(r.predicted) < rank(r.expected) for r in group)
            ov = sum(rank(r.predicted) > rank(r.expected) for r in group)
            print(f"   {value:12s} {len(group):3d} {ex:3d} {un:3d} {ov:3d}")
    print("-- confusion (rows expected, columns predicted; 'none' = no disposition)")
    cols = [*LEVELS, "none"]
    print("   " + " " * 10 + "".join(f"{c[:9]:>10s}" for c in cols))
    counts = Counter((r.expected, r.predicted or "none") for r in results)
    for e in LEVELS:
        print(f"   {e:10s}" + "".join(f"{counts[(e, c)]:10d}" for c in cols))
    print("-- every vignette: id specialty expected -> predicted [protocol, questions asked, rule path]")
    for r in results:
        flag = (
            "UNDER"
            if rank(r.predicted) < rank(r.expected)
            else ("over" if rank(r.predicted) > rank(r.expected) else "")
        )
        print(
            f"   {r.vid} {r.specialty:11s} {r.expected:9s} -> {r.predicted or 'none':9s} {flag:5s}"
            f" [{r.protocol}, {r.asked} q, {' '.join(r.path) or 'default'}]"
        )
    print(
        "-- under-triaged: " + (", ".join(f"{r.vid} ({r.expected}->{r.predicted})" for r in under) or "none")
    )
    unmapped = Counter(c for r in results for c in r.unmapped)
    print("-- unmapped finding codes: " + (", ".join(f"{c}" for c in sorted(unmapped)) or "none"))
    not_asked = Counter(c for r in results for c in r.not_asked)
    print("-- known findings the chosen protocol never asks: " + (", ".join(sorted(not_asked)) or "none"))
    return m


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--vignettes", type=Path, default=DEFAULT_VIGNETTES)
    parser.add_argument("--choice", choices=["text", "coverage"], default="text")
    parser.add_argument("--strict-global", action="store_true")
    parser.add_argument("--api", action="store_true", help="go through POST /api/v1/triage/assess")
    parser.add_argument("--base-url", help="with --api: a running server instead of an in-process app")
    args = parser.parse_args()
    cases = [
        json.loads(line) for line in args.vignettes.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    if args.api:
        from bench.triage_eval_api import run_api

        results = run_api(cases, args.choice, args.base_url)
        mode = f"HTTP batch API (POST /api/v1/triage/assess{' on ' + args.base_url if args.base_url else ''})"
    else:
        rules = load_rules()
        index = VocabularyIndex(rules)
        results = []
        for case in cases:
            mapped, unmapped = map_findings(rules, case["findings"])
            pid = choose_protocol(rules, index, case, mapped, args.choice)
            if pid is None:
                results.append(Result(case["id"], case["specialty"], case["expected"], None, None))
            else:
                results.append(run_engine(rules, case, pid, mapped, args.strict_global))
            results[-1].unmapped = unmapped
        mode = "in-process engine"
    glob = (
        "global red flags answered unknown when absent (strict)"
        if args.strict_global
        else ("global checklist counted when given, not assumed")
    )
    report(results, f"{mode}; input mode findings; protocol choice {args.choice}; {glob}")


if __name__ == "__main__":
    main()
