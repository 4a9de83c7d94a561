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


# ---- typing with the input method off ----------------------------------------------

_TELEX_LETTERS = {"â": "aa", "ê": "ee", "ô": "oo", "ă": "aw", "ơ": "ow", "ư": "uw", "đ": "dd"}
_TELEX_TONES = {"\u0301": "s", "\u0300": "f", "\u0309": "r", "\u0303": "x", "\u0323": "j"}
_VNI_LETTERS = {"â": "a6", "ê": "e6", "ô": "o6", "ă": "a8", "ơ": "o7", "ư": "u7", "đ": "d9"}
_VNI_TONES = {"\u0301": "1", "\u0300": "2", "\u0309": "3", "\u0303": "4", "\u0323": "5"}


def _letters_and_tone(syllable: str) -> tuple[list[str], int, str]:
    """The letters of a syllable without its tone mark, which of them carries the
    tone (-1 for none), and the tone mark."""
    letters, carrier, tone = [], -1, ""
    for ch in unicodedata.normalize("NFC", syllable):
        marks = unicodedata.normalize("NFD", ch)
        tones = [m for m in marks if m in _TELEX_TONES]
        if tones:
            carrier, tone = len(letters), tones[0]
        letters.append(unicodedata.normalize("NFC", "".join(m for m in marks if m not in _TELEX_TONES)))
    return letters, carrier, tone


def typed_in_telex(syllable: str, *, tone_at_end: bool = False, shorthand: bool = False) -> str:
    """How a lower-case syllable is typed in Telex with the input method off: each
    marked letter as its keys ("ô" oo, "ư" uw, "đ" dd; "oo" written as "ooo"), the tone
    key after the vowel that carries it or at the end; with `shorthand`, "ươ" as "uow"
    and an "ư" with no vowel before it as "w"."""
    letters, carrier, tone = _letters_and_tone(syllable)
    keys = []
    for i, letter in enumerate(letters):
        typed = _TELEX_LETTERS.get(letter, letter)
        if letter == "o" and i + 1 < len(letters) and letters[i + 1] == "o":
            typed = "oo"  # "xoong": the second "o" is typed "oo" too, which undoes the ô
        if shorthand and letter == "ư":
            if i + 1 < len(letters) and letters[i + 1] == "ơ":
                typed = "u"
            elif not any(ch in "aăâeêioôơuưy" for ch in letters[:i]):
                typed = "w"
        keys.append(typed)
        if i == carrier and not tone_at_end:
            keys.append(_TELEX_TONES[tone])
    if tone and tone_at_end:
        keys.append(_TELEX_TONES[tone])
    return "".join(keys)


def typed_in_vni(syllable: str, *, tone_at_end: bool = False, marks_at_end: bool = False) -> str:
    """How a lower-case syllable is typed in VNI with the input method off: each mark
    as a digit after its letter ("ô" o6, "ư" u7, "đ" d9) or, with `marks_at_end`, after
    the whole syllable; the tone digit after its vowel or at the end."""
    letters, carrier, tone = _letters_and_tone(syllable)
    keys, later = [], []
    for i, letter in enumerate(letters):
        typed = _VNI_LETTERS.get(letter, letter)
        if marks_at_end and len(typed) == 2:
            keys.append(typed[0])
            if typed[1] not in later:
                later.append(typed[1])
        else:
            keys.append(typed)
        if i == carrier and not tone_at_end:
            keys.append(_VNI_TONES[tone])
    keys.extend(later)
    if tone and tone_at_end:
        keys.append(_VNI_TONES[tone])
    return "".join(keys)
