"""Latency of one interactive triage step (record an answer, next question + provisional disposition).

Usage: .venv/bin/python bench/triage_step.py [--samples 20000]
Budget (DESIGN.md §8): p99 <= 2 ms in-process. Baseline in the same run: the same step when the
protocol is compiled again on every call (what a service without the per-process cache would pay),
and one vocabulary suggestion (budget < 5 ms).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.triage.compiled import compile_protocol
from app.triage.engine import Answer, PatientContext
from app.triage.interactive import SessionState, answer, step
from app.triage.protocols import load_rules
from app.triage.vocabulary import VocabularyIndex

SENTENCES = [
    "Je débouchais l'évier avec un produit et ça m'a giclé dans l'œil gauche il y a cinq minutes, ça brûle",
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

    timings, cpu = [], []
    for cp, state, code, value in states:
        c0, t0 = time.thread_time_ns(), time.perf_counter()
        step(cp, answer(cp, state, code, value))
        timings.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.thread_time_ns() - c0) / 1e6)
    baseline = []
    for cp, state, code, value in states[: max(200, args.samples // 50)]:
        t0 = time.perf_counter()
        fresh = compile_protocol(rules, cp.id)
        step(fresh, answer(fresh, state, code, value))
        baseline.append((time.perf_counter() - t0) * 1000)
    index = VocabularyIndex(rules)
    suggest, suggest_cpu = [], []
    for i in range(2000):
        c0, t0 = time.thread_time_ns(), time.perf_counter()
        index.suggest(SENTENCES[i % len(SENTENCES)], "generaliste", 40, "F")
        suggest.append((time.perf_counter() - t0) * 1000)
        suggest_cpu.append((time.thread_time_ns() - c0) / 1e6)

    print(
        f"protocols: {len(compiled)}, questions/protocol (mean): "
        f"{statistics.mean(len(c.questions) for c in compiled.values()):.1f}, samples: {len(timings)}"
    )
    p50, p99 = percentile(timings, 50), percentile(timings, 99)
    print(
        f"interactive step (cached protocol): p50 {p50:.3f} ms, p99 {p99:.3f} ms, max {max(timings):.3f} ms"
        f"  -> budget p99 <= 2 ms: {'OK' if p99 <= 2 else 'OVER'}"
    )
    print(
        f"   same, CPU time of the thread (immune to other processes): p50 {percentile(cpu, 50):.3f} ms,"
        f" p99 {percentile(cpu, 99):.3f} ms; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
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
    c50, c99 = percentile(suggest_cpu, 50), percentile(suggest_cpu, 99)
    print(f"   same, CPU time: p50 {c50:.3f} ms, p99 {c99:.3f} ms")


if __name__ == "__main__":
    main()
