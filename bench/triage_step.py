"""Latency of one interactive triage step (record an answer, next question + provisional disposition).

Usage: .venv/bin/python bench/triage_step.py [--samples 20000]
Budget (DESIGN.md §8): p99 <= 2 ms in-process. Baseline in the same run: the same step when the
protocol is compiled again on every call (what a service without the per-process cache would pay),
and one vocabulary suggestion (budget < 5 ms).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.triage.compiled import compile_protocol
from app.triage.engine import Answer, PatientContext, SessionState, answer, step
from app.triage.protocols import load_rules
from app.triage.vocabulary import VocabularyIndex

SENTENCES = [
    "j'ai mal dans la poitrine depuis ce matin et ca serre",
    "mon bebe a de la fievre depuis hier soir il a 39",
    "rage de dent depuis deux jours la joue gonfle",
    "je vois des mouches volantes et des eclairs dans l'oeil",
    "je me suis tordu la cheville en descendant l'escalier",
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=20000)
    args = parser.parse_args()
    rules = load_rules()
    compiled = {pid: compile_protocol(rules, pid) for pid in rules.protocols}
    rng = random.Random(42)
    ctx = PatientContext(age_years=40, sex="F")
    states = []
    for _ in range(args.samples):
        cp = compiled[rng.choice(sorted(compiled))]
        codes = [q.finding for q in cp.questions]
        given = rng.sample(codes, rng.randint(0, max(0, len(codes) - 1)))
        state = SessionState(cp.id, ctx, tuple((c, rng.choice(list(Answer))) for c in given))
        states.append((cp, state, rng.choice(codes), rng.choice(list(Answer))))

    timings = []
    for cp, state, code, value in states:
        t0 = time.perf_counter()
        step(cp, answer(cp, state, code, value))
        timings.append((time.perf_counter() - t0) * 1000)
    baseline = []
    for cp, state, code, value in states[: max(200, args.samples // 50)]:
        t0 = time.perf_counter()
        fresh = compile_protocol(rules, cp.id)
        step(fresh, answer(fresh, state, code, value))
        baseline.append((time.perf_counter() - t0) * 1000)
    index = VocabularyIndex(rules)
    suggest = []
    for i in range(2000):
        t0 = time.perf_counter()
        index.suggest(SENTENCES[i % len(SENTENCES)], "generaliste", 40, "F")
        suggest.append((time.perf_counter() - t0) * 1000)

    print(
        f"protocols: {len(compiled)}, questions/protocol (mean): "
        f"{statistics.mean(len(c.questions) for c in compiled.values()):.1f}, samples: {len(timings)}"
    )
    p50, p99 = percentile(timings, 50), percentile(timings, 99)
    print(
        f"interactive step (cached protocol): p50 {p50:.3f} ms, p99 {p99:.3f} ms, max {max(timings):.3f} ms"
        f"  -> budget p99 <= 2 ms: {'OK' if p99 <= 2 else 'OVER'}"
    )
    b50, b99 = percentile(baseline, 50), percentile(baseline, 99)
    print(
        f"baseline, protocol compiled per step: p50 {b50:.3f} ms, p99 {b99:.3f} ms"
        f" ({b50 / p50:.1f}x slower at p50)"
    )
    s50, s99 = percentile(suggest, 50), percentile(suggest, 99)
    print(
        f"vocabulary suggest ({index.size} phrases): p50 {s50:.3f} ms, p99 {s99:.3f} ms"
        f"  -> budget < 5 ms: {'OK' if s99 < 5 else 'OVER'}"
    )


if __name__ == "__main__":
    main()
