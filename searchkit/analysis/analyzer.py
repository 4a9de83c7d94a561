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


class Piece(NamedTuple):
    """What pyvi's splitter finds: a syllable (or number, abbreviation, address) or a
    punctuation mark, in canonical spelling with its case kept, and its span in the
    original text. Punctuation is not indexed but still takes a position, so that
    phrases do not run across it."""

    surface: str
    pos: int
    start: int
    end: int
    is_word: bool
    # The token as pyvi's model is given it: the abbreviation "TP." keeps its full stop.
    segmenter_token: str


def _is_wordlike(token: str) -> bool:
    return any(ch.isalnum() for ch in token)


def split_pieces(text: str) -> Iterator[list[Piece]]:
    """Yield the pieces of `text` line by line (pyvi segments a line at a time).
    Positions run on across lines, with a gap at every punctuation mark and line end."""
    clean, starts, ends = nfc_with_offsets(text)
    pos = 0
    line_start = 0
    length = len(clean)
    while line_start <= length:
        line_end = clean.find("\n", line_start)
        if line_end < 0:
            line_end = length
        line: list[Piece] = []
        for match in SYLLABLE_RE.finditer(clean, line_start, line_end):
            raw = match.group(0)
            segmenter_token = normalize_syllable(raw)
            cs, ce = match.span()
            is_word = _is_wordlike(raw)
            if is_word:
                # An abbreviation's full stop ("TP.") is not part of the indexed word.
                while raw.endswith(".") and len(raw) > 1:
                    raw = raw[:-1]
                    ce -= 1
            surface = normalize_syllable(raw) if ce != match.end() else segmenter_token
            line.append(Piece(surface, pos, starts[cs], ends[ce - 1], is_word, segmenter_token))
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
    for line in split_pieces(text):
        for piece in line:
            if piece.is_word:
                term = piece.surface.lower()
                syllable_tokens.append(Token(term, piece.pos, piece.start, piece.end))
                folded_tokens.append(Token(fold_diacritics(term), piece.pos, piece.start, piece.end))
        if segmenter is None:
            continue
        # pyvi sees the whole line, punctuation and abbreviation dots included, exactly
        # as it would in ViTokenizer.tokenize; a word never runs across punctuation.
        joins = segmenter.joins([piece.segmenter_token for piece in line])
        group: list[Piece] = []
        for piece, joined in zip(line, joins, strict=True):
            if group and not joined:
                word_tokens.append(_word(group, word_pos))
                word_pos += 1
                group = []
            if piece.is_word:
                group.append(piece)
            else:
                # Keep the punctuation gap in the word view too, for phrases, even when
                # pyvi joins a dash to the word before it.
                if group:
                    word_tokens.append(_word(group, word_pos))
                    word_pos += 1
                    group = []
                word_pos += 1
        if group:
            word_tokens.append(_word(group, word_pos))
            word_pos += 1
        word_pos += 1
    return Analysis(word_tokens, syllable_tokens, folded_tokens)


def _word(group: list[Piece], pos: int) -> Token:
    text = "_".join(piece.surface.lower() for piece in group)
    return Token(text, pos, group[0].start, group[-1].end)
