"""Lay-French vocabulary matcher (pure): caller's sentence -> ranked protocol suggestions and motif."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from app.triage.protocols import RuleSet
from app.triage.schema import Protocol

_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "’": " ", "'": " ", "-": " "})
_NON_WORD = re.compile(r"[^a-z0-9]+")
# Fuzzy thresholds: partial_ratio catches typos inside a contiguous phrase, token_set_ratio catches
# reordered words; both are kept high because a wrong protocol costs more than no suggestion.
PARTIAL_CUTOFF = 88.0
TOKEN_SET_CUTOFF = 92.0
MIN_FUZZY_LENGTH = 6
OTHER_SPECIALTY_FACTOR = 0.6
RANK_DECAY = (1.0, 0.8, 0.65, 0.5)


def normalise(text: str) -> str:
    """Lower case, no accents, no punctuation, single spaces."""
    text = text.lower().translate(_LIGATURES)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", text).strip()


@dataclass(frozen=True)
class _Phrase:
    text: str
    protocols: tuple[str, ...]
    motif: str | None


@dataclass(frozen=True)
class Suggestion:
    protocol_id: str
    title: str
    score: float
    matched: tuple[str, ...]
    motif: str | None


class VocabularyIndex:
    """Precomputed lexicon (vocabulary files + protocol entry phrases), built once per rule set."""

    def __init__(self, rules: RuleSet) -> None:
        self._protocols: dict[str, Protocol] = dict(rules.protocols)
        merged: dict[str, _Phrase] = {}
        sources = [(v.entry.phrase, v.entry.protocols, v.entry.motif) for v in rules.vocabulary]
        sources += [(ph, (p.id,), p.motif) for p in rules.protocols.values() for ph in p.entry_phrases]
        for phrase, pids, motif in sources:
            key = normalise(phrase)
            if not key:
                continue
            pids = tuple(p for p in pids if p in self._protocols)
            old = merged.get(key)
            if old is None:
                merged[key] = _Phrase(key, pids, motif)
            else:
                extra = tuple(p for p in pids if p not in old.protocols)
                merged[key] = _Phrase(key, old.protocols + extra, old.motif or motif)
        self._phrases = [p for p in merged.values() if p.protocols]
        self._texts = [p.text for p in self._phrases]
        self._long = [i for i, t in enumerate(self._texts) if len(t) >= MIN_FUZZY_LENGTH]
        self._long_texts = [self._texts[i] for i in self._long]
        self.size = len(self._phrases)

    def _matches(self, sentence: str) -> dict[int, float]:
        padded = f" {sentence} "
        scores: dict[int, float] = {}
        for i, text in enumerate(self._texts):
            if f" {text} " in padded:
                scores[i] = 100.0
        for scorer, cutoff in (
            (fuzz.partial_ratio, PARTIAL_CUTOFF),
            (fuzz.token_set_ratio, TOKEN_SET_CUTOFF),
        ):
            for _, score, j in process.extract(
                sentence, self._long_texts, scorer=scorer, score_cutoff=cutoff, limit=None
            ):
                i = self._long[j]
                scores[i] = max(scores.get(i, 0.0), float(score))
        return scores

    def suggest(
        self,
        text: str,
        specialty: str | None = None,
        age_years: float | None = None,
        sex: str | None = None,
        limit: int = 5,
    ) -> list[Suggestion]:
        """Ranked protocols for a caller's sentence; protocols of other specialties are kept, lower."""
        sentence = normalise(text)
        if not sentence:
            return []
        best: dict[str, float] = {}
        extra: dict[str, float] = {}
        matched: dict[str, list[tuple[float, str, str | None]]] = {}
        for i, score in self._matches(sentence).items():
            phrase = self._phrases[i]
            # Longer phrases are more specific: "douleur dans la poitrine" beats "douleur".
            weight = (score / 100.0) * min(1.0, 0.55 + len(phrase.text) / 40.0)
            for rank, pid in enumerate(phrase.protocols):
                value = weight * RANK_DECAY[min(rank, len(RANK_DECAY) - 1)]
                if value > best.get(pid, 0.0):
                    extra[pid] = extra.get(pid, 0.0) + best.get(pid, 0.0)
                    best[pid] = value
                else:
                    extra[pid] = extra.get(pid, 0.0) + value
                matched.setdefault(pid, []).append((value, phrase.text, phrase.motif))
        out: list[Suggestion] = []
        for pid, top in best.items():
            proto = self._protocols[pid]
            if not _applies(proto, age_years, sex):
                continue
            score = top + min(0.3, 0.1 * extra.get(pid, 0.0))
            if specialty is not None and specialty not in proto.specialties:
                score *= OTHER_SPECIALTY_FACTOR
            hits = sorted(matched[pid], key=lambda h: -h[0])
            motif = next((m for _, _, m in hits if m), None) or proto.motif
            phrases = tuple(dict.fromkeys(h[1] for h in hits))
            out.append(Suggestion(pid, proto.title, round(score, 4), phrases, motif))
        out.sort(key=lambda s: (-s.score, s.protocol_id))
        return out[:limit]


def _applies(proto: Protocol, age_years: float | None, sex: str | None) -> bool:
    a = proto.applies
    if sex is not None and sex not in a.sex:
        return False
    if age_years is None:
        return True
    if a.min_age_years is not None and age_years < a.min_age_years:
        return False
    return a.max_age_years is None or age_years <= a.max_age_years
