"""From text to the three views searchkit indexes, with exact offsets into the original.

A document is indexed three ways so that recall never depends on the segmenter
agreeing with itself: as pyvi words ("công_an"), as syllables ("công", "an") and as
syllables with diacritics folded away ("cong", "an"). Every view sees the same
normalized spelling, and every token keeps the span of the original text it covers.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import NamedTuple

from searchkit.analysis.normalize import fold_diacritics, nfc_with_offsets, normalize_syllable
from searchkit.analysis.segmentation import PLAIN_SYLLABLE_RE, SYLLABLE_RE, get_query_segmenter, get_segmenter


class Token(NamedTuple):
    """One indexed term: its text, its position in its view, and the span
    `original[start:end]` it was written as."""

    text: str
    pos: int
    start: int
    end: int


class Analysis:
    """The three views of one text, each kept as parallel lists (which is all the
    indexer reads) and made into `Token`s only when asked for. The syllable and folded
    views share their positions and spans."""

    __slots__ = (
        "ends",
        "folded_texts",
        "positions",
        "starts",
        "syllable_texts",
        "word_ends",
        "word_positions",
        "word_starts",
        "word_texts",
    )

    def __init__(self) -> None:
        for name in self.__slots__:
            setattr(self, name, [])

    @property
    def words(self) -> list[Token]:
        return list(map(Token, self.word_texts, self.word_positions, self.word_starts, self.word_ends))

    @property
    def syllables(self) -> list[Token]:
        return list(map(Token, self.syllable_texts, self.positions, self.starts, self.ends))

    @property
    def folded(self) -> list[Token]:
        return list(map(Token, self.folded_texts, self.positions, self.starts, self.ends))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Analysis):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self.__slots__)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Analysis(words={self.words!r}, syllables={self.syllables!r})"


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


# Piece(...) without the Python-level __new__ of a named tuple: one per syllable.
_new_piece = functools.partial(tuple.__new__, Piece)


def _is_wordlike(token: str) -> bool:
    return any(ch.isalnum() for ch in token)


@functools.lru_cache(maxsize=65536)
def _forms(raw: str) -> tuple[str, str, bool, int]:
    """What a piece is made of, worked out once per distinct string: the token pyvi is
    given, the indexed surface, whether it is a word, and how many characters (an
    abbreviation's full stops) the surface leaves off the end."""
    segmenter_token = normalize_syllable(raw)
    is_word = _is_wordlike(raw)
    stripped = 0
    if is_word:
        # An abbreviation's full stop ("TP.") is not part of the indexed word.
        while raw.endswith(".") and len(raw) > 1:
            raw = raw[:-1]
            stripped += 1
    surface = normalize_syllable(raw) if stripped else segmenter_token
    return segmenter_token, surface, is_word, stripped


@functools.lru_cache(maxsize=65536)
def _terms(surface: str) -> tuple[str, str]:
    """A surface's syllable term and folded term."""
    term = surface.lower()
    return term, fold_diacritics(term)


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
        # Web addresses and e-mails need the full pattern; most lines have neither.
        if clean.find("@", line_start, line_end) < 0 and clean.find("://", line_start, line_end) < 0:
            pattern = PLAIN_SYLLABLE_RE
        else:
            pattern = SYLLABLE_RE
        line: list[Piece] = []
        for match in pattern.finditer(clean, line_start, line_end):
            cs, ce = match.span()
            segmenter_token, surface, is_word, stripped = _forms(match.group())
            line.append(_new_piece((surface, pos, starts[cs], ends[ce - 1 - stripped], is_word, segmenter_token)))
            pos += 1
        if line:
            yield line
        pos += 1
        line_start = line_end + 1


def analyze(text: str, *, words: bool = True) -> Analysis:
    """Analyze `text` into its word, syllable and folded views. With `words=False`
    the word view is left empty and pyvi's model is never loaded (the syllable views
    are all that highlighting needs)."""
    analysis = Analysis()
    syllable_texts, folded_texts = analysis.syllable_texts, analysis.folded_texts
    positions, starts, ends = analysis.positions, analysis.starts, analysis.ends
    segmenter = get_segmenter() if words else None
    word_pos = 0
    for line in split_pieces(text):
        # pyvi sees the whole line, punctuation and abbreviation dots included, exactly
        # as it would in ViTokenizer.tokenize; a word never runs across punctuation.
        joins = segmenter.joins([piece.segmenter_token for piece in line]) if segmenter else None
        # The syllables of the word being read, and its span.
        parts: list[str] = []
        word_start = word_end = 0
        for i, piece in enumerate(line):
            if piece.is_word:
                term, folded = _terms(piece.surface)
                syllable_texts.append(term)
                folded_texts.append(folded)
                positions.append(piece.pos)
                starts.append(piece.start)
                ends.append(piece.end)
                if joins is None:
                    continue
                if parts and joins[i]:
                    parts.append(term)
                    word_end = piece.end
                    continue
                if parts:
                    _add_word(analysis, parts, word_pos, word_start, word_end)
                    word_pos += 1
                parts = [term]
                word_start, word_end = piece.start, piece.end
            elif joins is not None:
                # Keep the punctuation gap in the word view too, for phrases, even when
                # pyvi joins a dash to the word before it.
                if parts:
                    _add_word(analysis, parts, word_pos, word_start, word_end)
                    word_pos += 1
                    parts = []
                word_pos += 1
        if parts:
            _add_word(analysis, parts, word_pos, word_start, word_end)
            word_pos += 1
        word_pos += 1
    return analysis


def _add_word(analysis: Analysis, syllables: list[str], pos: int, start: int, end: int) -> None:
    analysis.word_texts.append(syllables[0] if len(syllables) == 1 else "_".join(syllables))
    analysis.word_positions.append(pos)
    analysis.word_starts.append(start)
    analysis.word_ends.append(end)


def word_numbers(text: str) -> list[int]:
    """For each syllable of `text` (in the order `analyze` gives them), the number of
    the word pyvi's model puts it in, counting from 0: "Công an cấp huyện" gives
    [0, 0, 1, 2]. A word never runs across punctuation or a line end. For a query's
    few words: loads pyvi's model the quick way on first use."""
    segmenter = get_query_segmenter()
    numbers: list[int] = []
    word = -1
    for line in split_pieces(text):
        joins = segmenter.joins([piece.segmenter_token for piece in line])
        joinable = False
        for piece, joined in zip(line, joins, strict=True):
            if not piece.is_word:
                joinable = False
                continue
            if not (joinable and joined):
                word += 1
            numbers.append(word)
            joinable = True
    return numbers
