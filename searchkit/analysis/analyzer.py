"""From text to the three views searchkit indexes, with exact offsets into the original.

A document is indexed three ways so that recall never depends on the segmenter
agreeing with itself: as pyvi words ("công_an"), as syllables ("công", "an") and as
syllables with diacritics folded away ("cong", "an"). Every view sees the same
normalized spelling, and every token keeps the span of the original text it covers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from searchkit.analysis.normalize import fold_diacritics, nfc_with_offsets, normalize_syllable
from searchkit.analysis.segmentation import SYLLABLE_RE, get_segmenter


class Token(NamedTuple):
    """One indexed term: its text, its position in its view, and the span
    `original[start:end]` it was written as."""

    text: str
    pos: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Analysis:
    """The three views of one text."""

    words: list[Token]
    syllables: list[Token]
    folded: list[Token]


class Syllable(NamedTuple):
    """A syllable (or number, abbreviation, address) as pyvi splits text, in canonical
    spelling with its case kept, and its span in the original text. Punctuation is not
    a syllable but still takes a position, so that phrases do not run across it."""

    surface: str
    pos: int
    start: int
    end: int


def _is_wordlike(token: str) -> bool:
    return any(ch.isalnum() for ch in token)


def split_syllables(text: str) -> Iterator[list[Syllable]]:
    """Yield the syllables of `text` line by line (pyvi segments a line at a time).
    Positions run on across lines, with a gap at every punctuation mark and line end."""
    clean, starts, ends = nfc_with_offsets(text)
    pos = 0
    line_start = 0
    length = len(clean)
    while line_start <= length:
        line_end = clean.find("\n", line_start)
        if line_end < 0:
            line_end = length
        line: list[Syllable] = []
        for match in SYLLABLE_RE.finditer(clean, line_start, line_end):
            raw = match.group(0)
            if not _is_wordlike(raw):
                pos += 1
                continue
            cs, ce = match.span()
            # An abbreviation's full stop ("TP.") is punctuation, not part of the word.
            while raw.endswith(".") and len(raw) > 1:
                raw = raw[:-1]
                ce -= 1
            line.append(Syllable(normalize_syllable(raw), pos, starts[cs], ends[ce - 1]))
            pos += 1
        if line:
            yield line
        pos += 1
        line_start = line_end + 1


def analyze(text: str, *, words: bool = True) -> Analysis:
    """Analyze `text` into its word, syllable and folded views. With `words=False`
    the word view is left empty and pyvi's model is never loaded (the syllable views
    are all that highlighting needs)."""
    word_tokens: list[Token] = []
    syllable_tokens: list[Token] = []
    folded_tokens: list[Token] = []
    segmenter = get_segmenter() if words else None
    word_pos = 0
    for line in split_syllables(text):
        for syl in line:
            term = syl.surface.lower()
            syllable_tokens.append(Token(term, syl.pos, syl.start, syl.end))
            folded_tokens.append(Token(fold_diacritics(term), syl.pos, syl.start, syl.end))
        if segmenter is None:
            continue
        joins = segmenter.joins([syl.surface for syl in line])
        group: list[Syllable] = []
        for syl, joined in zip(line, joins, strict=True):
            # pyvi never joins across punctuation; neither do we across the gap it leaves.
            if group and not (joined and syl.pos == group[-1].pos + 1):
                word_tokens.append(_word(group, word_pos))
                # Keep the punctuation gap in the word view too, for phrases.
                word_pos += 1 if syl.pos == group[-1].pos + 1 else 2
                group = []
            group.append(syl)
        word_tokens.append(_word(group, word_pos))
        word_pos += 2
    return Analysis(word_tokens, syllable_tokens, folded_tokens)


def _word(group: list[Syllable], pos: int) -> Token:
    text = "_".join(syl.surface.lower() for syl in group)
    return Token(text, pos, group[0].start, group[-1].end)
