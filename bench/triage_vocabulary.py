"""Vocabulary accuracy: top-1 / top-3 on tests/triage/data/vocabulary_eval.yaml and vocabulary_holdout.yaml.

Usage: .venv/bin/python bench/triage_vocabulary.py [--misses]
Baseline in the same run: the protocols' own entry phrases only (no vocabulary files).
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.triage.protocols import load_rules  # noqa: E402
from app.triage.vocabulary import VocabularyIndex  # noqa: E402

EVAL = ROOT / "tests" / "triage" / "data" / "vocabulary_eval.yaml"
HOLDOUT = ROOT / "tests" / "triage" / "data" / "vocabulary_holdout.yaml"


def score(index: VocabularyIndex, cases: list[dict], show: bool) -> tuple[float, float, dict]:
    top1 = top3 = 0
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for case in cases:
        got = index.suggest(case["text"], case["specialty"], case.get("age_years"), case.get("sex"), limit=3)
        ids = [s.protocol_id for s in got]
        h1 = bool(ids) and ids[0] in case["expected"]
        h3 = any(i in case["expected"] for i in ids)
        top1 += h1
        top3 += h3
        row = per[case["specialty"]]
        row[0] += 1
        row[1] += h1
        row[2] += h3
        if show and not h1:
            tag = "miss3" if not h3 else "miss1"
            print(f"   {tag} {case['text']!r}: expected {case['expected']}, got {ids}")
    return top1 / len(cases), top3 / len(cases), per


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--misses", action="store_true")
    args = parser.parse_args()
    cases = yaml.safe_load(EVAL.read_text(encoding="utf-8"))["cases"]
    rules = load_rules()
    missing = sorted({p for c in cases for p in c["expected"]} - set(rules.protocols))
    if missing:
        print(f"expected protocols not in triage_rules/ (such cases can only miss): {', '.join(missing)}")
    index = VocabularyIndex(rules)
    t1, t3, per = score(index, cases, args.misses)
    base = VocabularyIndex(replace(rules, vocabulary=()))
    b1, b3, _ = score(base, cases, False)
    print(f"cases: {len(cases)}; lexicon phrases (vocabulary + entry phrases): {index.size}")
    print(f"top-1 {t1:.3f}  top-3 {t3:.3f}   (baseline, entry phrases only: top-1 {b1:.3f}  top-3 {b3:.3f})")
    for specialty, (n, h1, h3) in sorted(per.items()):
        print(f"   {specialty:12s} n={n:3d} top-1 {h1 / n:.2f} top-3 {h3 / n:.2f}")
    held = yaml.safe_load(HOLDOUT.read_text(encoding="utf-8"))["cases"]
    h1, h3, _ = score(index, held, args.misses)
    print(f"held-out set (never tuned on), {len(held)} cases: top-1 {h1:.3f}  top-3 {h3:.3f}")


if __name__ == "__main__":
    main()
