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
# Fuzzy thresholds: partial_ratio catches typos inside a contiguous phrase, the word matcher catches
# reordered words and dropped little words; both are kept high (a wrong protocol costs more than none).
PARTIAL_CUTOFF = 88.0
MIN_FUZZY_LENGTH = 6
OTHER_SPECIALTY_FACTOR = 0.6
RANK_DECAY = (1.0, 0.8, 0.65, 0.5)
WORD_CUTOFF = 84.0  # a content word of a phrase matches a word of the sentence with a typo or two
WORD_MATCH_SCORE = 90.0  # all content words present, in any order: a little below a contiguous match
PARTIAL_WORDS_SCORE = 80.0  # some distinctive words present (scaled by how much of the phrase they cover)
DISTINCTIVE = 3  # a word used by at most this many protocols is distinctive
# Grammatical words carry no meaning for matching; negations ("pas", "plus", "rien") are kept on purpose.
STOPWORDS = frozenset(
    [
        "a",
        "ai",
        "as",
        "au",
        "aux",
        "avec",
        "c",
        "ca",
        "ce",
        "ces",
        "cet",
        "cette",
        "d",
        "de",
        "des",
        "du",
        "elle",
        "en",
        "es",
        "est",
        "et",
        "il",
        "ils",
        "j",
        "je",
        "l",
        "la",
        "le",
        "les",
        "lui",
        "m",
        "ma",
        "me",
        "mes",
        "mon",
        "n",
        "on",
        "ou",
        "par",
        "pour",
        "qu",
        "que",
        "qui",
        "s",
        "sa",
        "se",
        "ses",
        "son",
        "sur",
        "t",
        "ta",
        "te",
        "tes",
        "ton",
        "tu",
        "un",
        "une",
        "y",
        "tres",
        "vraiment",
        "depuis",
        # modal and light verbs: "je voudrais", "il faut", "je peux" say nothing about the complaint
        *[
            "veux",
            "veut",
            "voulais",
            "voulait",
            "voudrais",
            "voudrait",
            "vouloir",
            "peux",
            "peut",
            "pouvez",
            "pourrais",
            "pourrait",
        ],
        *["aimerais", "aimerait", "faut", "fallait", "besoin", "suis", "sommes", "etre", "avoir"],
    ]
)


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
        self.size = len(self._phrases)
        # Word-level index: each phrase's content words, and the lexicon words grouped by length.
        self._words = [tuple(w for w in t.split() if w not in STOPWORDS) for t in self._texts]
        self._by_any_word: dict[str, list[int]] = {}
        self._by_word: dict[str, list[int]] = {}
        for i, words in enumerate(self._words):
            for w in set(words):
                self._by_any_word.setdefault(w, []).append(i)
                if len(words) > 1 or len(words[0]) >= MIN_FUZZY_LENGTH:
                    self._by_word.setdefault(w, []).append(i)
        self._spread = {
            w: len({p for i in idx for p in self._phrases[i].protocols})
            for w, idx in self._by_any_word.items()
        }
        self._by_length: dict[int, list[str]] = {}
        for w in sorted(self._by_any_word):
            if len(w) >= 4:
                self._by_length.setdefault(len(w), []).append(w)

    def _matches(self, sentence: str) -> dict[int, float]:
        padded = f" {sentence} "
        scores: dict[int, float] = {}
        for i, text in enumerate(self._texts):
            if f" {text} " in padded:
                scores[i] = 100.0
        words = self._sentence_words(sentence)
        # partial_ratio (typos inside a contiguous phrase) only on phrases sharing a word with the sentence
        candidates = sorted({i for w in words for i in self._by_any_word.get(w, ())} - set(scores))
        # A phrase longer than the sentence cannot be *in* it: partial_ratio would align the sentence
        # inside the phrase instead ("mal au cou" inside "mal au coeur"). One extra character is a typo.
        fits = [i for i in candidates if MIN_FUZZY_LENGTH <= len(self._texts[i]) <= len(sentence) + 1]
        texts = [self._texts[i] for i in fits]
        index = fits
        for _, score, j in process.extract(
            sentence, texts, scorer=fuzz.partial_ratio, score_cutoff=PARTIAL_CUTOFF, limit=None
        ):
            scores[index[j]] = max(scores.get(index[j], 0.0), float(score))
        for i, score in self._word_matches(words).items():
            scores[i] = max(scores.get(i, 0.0), score)
        return scores

    def _sentence_words(self, sentence: str) -> dict[str, float]:
        """Lexicon words found in the sentence, exactly or with a small typo (best score per word)."""
        best: dict[str, float] = {}
        for token in set(sentence.split()) - STOPWORDS:
            if token in self._by_any_word:
                best[token] = 100.0
            if len(token) < 4:
                continue
            # ratio >= 84 needs lengths within a few characters: compare only with those words.
            pool = [w for n in range(len(token) - 2, len(token) + 3) for w in self._by_length.get(n, ())]
            for word, score, _ in process.extract(
                token, pool, scorer=fuzz.ratio, score_cutoff=WORD_CUTOFF, limit=None
            ):
                best[word] = max(best.get(word, 0.0), float(score))
        return best

    def _word_matches(self, best: dict[str, float]) -> dict[int, float]:
        """Phrases whose content words appear in the sentence (order free, small typos allowed).

        All words: 90. Otherwise, when the words found are distinctive (used by few protocols) and
        cover at least 40 % of the phrase, a weaker score proportional to the coverage: this catches
        other conjugations ("elle voulait mourir" for "je veux mourir") without a lemmatiser.
        """
        out: dict[int, float] = {}
        for i in {i for w in best for i in self._by_word.get(w, ())}:
            words = self._words[i]
            found = [w for w in words if w in best]
            quality = min(best[w] for w in found) / 100.0
            if len(found) == len(words):
                out[i] = WORD_MATCH_SCORE * quality
                continue
            if not all(len(w) >= 5 and self._spread[w] <= DISTINCTIVE for w in found):
                continue
            coverage = sum(len(w) for w in found) / sum(len(w) for w in words)
            if coverage >= 0.4:
                out[i] = PARTIAL_WORDS_SCORE * coverage * quality
        return out

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
