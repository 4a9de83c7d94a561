"""A plain reference for what a query matches (the README's "What a query matches"),
deciding it by scanning each document's text, without the index.

Texts are normalized the analyzer's way (its syllable split: NFC, canonical spelling,
lower case, a gap at punctuation and line ends); the query's words are what pyvi's
`tokenize` makes of the query (or of its restored reading, given by the caller), so
that nothing here goes through `searchkit.matching`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from searchkit.analysis import analyze, fold_diacritics, get_segmenter, normalize_spelling

QUESTION_WORDS = frozenset({"gì", "nào", "sao", "đâu", "bao", "nhiêu", "thế", "không", "ai", "mấy", "vậy", "là"})
# Up to this many distinct syllables, keywords are all required.
REQUIRED_UP_TO = 4


@dataclass(frozen=True)
class Text:
    """A document's text as the analyzer reads it: each syllable as written, folded,
    and its position (punctuation takes one, so neighbours across it are not)."""

    written: tuple[str, ...]
    folded: tuple[str, ...]
    positions: tuple[int, ...]

    @classmethod
    def of(cls, text: str) -> Text:
        analysis = analyze(text, words=False)
        return cls(tuple(analysis.syllable_texts), tuple(analysis.folded_texts), tuple(analysis.positions))

    def has(self, syllables: Sequence[str], exact: bool) -> bool:
        """Whether `syllables` stand here side by side, in order."""
        texts = self.written if exact else self.folded
        n = len(syllables)
        return any(
            list(texts[i : i + n]) == list(syllables) and self.positions[i + n - 1] - self.positions[i] == n - 1
            for i in range(len(texts) - n + 1)
        )


@dataclass(frozen=True)
class Leaf:
    """What a run of words or a phrase asks of a document."""

    words: tuple[tuple[str, ...], ...]
    exact: bool
    # Any one of `words` is enough (a long run, a question); else all are needed.
    any_word: bool

    def matches(self, text: Text) -> bool:
        found = (text.has(word, self.exact) for word in self.words)
        return any(found) if self.any_word else all(found)


def _syllables(text: str) -> list[tuple[str, int]]:
    analysis = analyze(text, words=False)
    return list(zip(analysis.syllable_texts, analysis.positions, strict=True))


def leaf(typed: str, *, phrase: bool = False, restored: Sequence[str] | None = None) -> Leaf:
    """The reference reading of a run (or, with `phrase`, a quoted phrase) typed as
    `typed`; `restored` is the reading with diacritics put back that the index gives
    a run typed without any."""
    syllables = _syllables(typed)
    exact = any(fold_diacritics(s) != s for s, _ in syllables)
    if phrase:
        # The parts between punctuation, each to be found whole.
        parts: list[list[str]] = []
        for i, (s, pos) in enumerate(syllables):
            if i == 0 or pos != syllables[i - 1][1] + 1:
                parts.append([])
            parts[-1].append(s if exact else fold_diacritics(s))
        return Leaf(tuple(tuple(p) for p in parts), exact, any_word=False)
    reading = typed if exact or restored is None else _in_place(typed, restored)
    words = [word.split("_") for word in get_segmenter().tokenize(_nfc_canonical(reading)).split()]
    words = [[s.lower() for s in word] for word in words if any(ch.isalnum() for ch in word[0])]
    if not exact:
        words = [[fold_diacritics(s) for s in word] for word in words]
    asks = QUESTION_WORDS if exact else {fold_diacritics(word) for word in QUESTION_WORDS}
    question = any((s if exact else fold_diacritics(s)) in asks for s, _ in syllables)
    ranked = question or len({s for s, _ in syllables}) > REQUIRED_UP_TO
    if ranked:
        telling = [word for word in words if not all(s in asks for s in word)]
        return Leaf(tuple(tuple(w) for w in (telling or words)), exact, any_word=True)
    return Leaf(tuple(tuple(w) for w in words), exact, any_word=False)


def _nfc_canonical(text: str) -> str:
    return normalize_spelling(unicodedata.normalize("NFC", text))


_SYLLABLE = re.compile(r"\w+")


def _in_place(typed: str, restored: Sequence[str]) -> str:
    """`typed` with each of its syllables written as restored, in the case typed."""
    written = iter(restored)

    def put(match: re.Match[str]) -> str:
        word, new = match.group(), next(written)
        if word.isupper() and len(word) > 1:
            return new.upper()
        return new[:1].upper() + new[1:] if word[:1].isupper() else new

    return _SYLLABLE.sub(put, typed)


def matching(documents: dict[str, Text], leaves: Iterable[Leaf], operator: str = "AND") -> set[str]:
    """The names of the documents matched by the leaves joined with AND or OR (or, for
    "NOT", the first leaf without the others)."""
    leaves = list(leaves)
    sets = [{name for name, text in documents.items() if part.matches(text)} for part in leaves]
    if operator == "OR":
        return set().union(*sets)
    if operator == "NOT":
        return sets[0].difference(*sets[1:])
    return set.intersection(*sets)
