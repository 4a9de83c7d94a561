"""The index's schema: the views every text is indexed in, and the fields they go to.

Each text is indexed in five views (pyvi words, syllables, folded syllables, and the
pairs of adjacent syllables, as written and folded), for the body and again for the
title. The text is analyzed once per document (`document_parts`); `ViewAnalyzer` is
only what the schema records, for Whoosh's sake.
"""

from __future__ import annotations

import sys
from array import array
from typing import NamedTuple

from whoosh.analysis import Analyzer
from whoosh.analysis import Token as WhooshToken
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.formats import Positions

from searchkit.analysis import Analysis, Token, analyze, fold_diacritics
from searchkit.documents import Document


class FieldTokens(NamedTuple):
    """One indexed field of one document: its terms in order and, when the field keeps
    positions, each distinct term's positions."""

    terms: list[str]
    positions: dict[str, list[int]] | None


INDEX_NAME = "MAIN"  # Whoosh's default index name: files _MAIN_<gen>.toc and MAIN_<id>.seg

VIEWS = ("words", "syllables", "folded", "bigrams", "folded_bigrams")
# Views whose positions are kept, for quoted phrases.
POSITIONAL_VIEWS = ("syllables", "folded")
BODY_FIELDS = {view: f"body_{view}" for view in VIEWS}
TITLE_FIELDS = {view: f"title_{view}" for view in VIEWS}


class ViewAnalyzer(Analyzer):
    """The Whoosh analyzer of one view. It is pickled into the index's schema, so it
    keeps nothing but the view's name. searchkit never calls it (documents are written
    by `segments.SegmentBuilder`, queries analyzed by `query`); it is there so that the
    schema says truthfully how each field was made."""

    def __init__(self, view: str) -> None:
        if view not in VIEWS:
            raise ValueError(f"unknown view {view!r}")
        self.view = view

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ViewAnalyzer) and other.view == self.view

    def __hash__(self) -> int:
        return hash(self.view)

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        mode: str = "",
        **kwargs: object,
    ):
        tokens = view_tokens(analyze(value), self.view)
        token = WhooshToken(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for text, pos, start, end in tokens:
            token.text = text
            token.stopped = False
            token.boost = 1.0
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token


def _pair_texts(texts: list[str], positions: list[int]) -> list[str]:
    """Each two syllables that stand next to each other ("công an"), never across
    punctuation or a line end, from a view's parallel lists. Matching a pair is how a
    query's words count more where they stand together, without reading positions at
    query time."""
    return [
        f"{a} {b}" for a, b, pa, pb in zip(texts, texts[1:], positions, positions[1:], strict=False) if pb == pa + 1
    ]


def _positions(texts: list[str], positions: list[int]) -> dict[str, list[int]]:
    """Each distinct term's positions, in order."""
    found: dict[str, list[int]] = {}
    for text, pos in zip(texts, positions, strict=True):
        entry = found.get(text)
        if entry is None:
            found[text] = [pos]
        else:
            entry.append(pos)
    return found


def _folded_positions(syllables: dict[str, list[int]]) -> dict[str, list[int]]:
    """The folded view's positions, from the syllable view's: a folded term stands
    wherever a syllable that folds to it stands. Read per distinct syllable rather than
    per token."""
    found: dict[str, list[int]] = {}
    for term, positions in syllables.items():
        folded = fold_diacritics(term)
        entry = found.get(folded)
        found[folded] = positions if entry is None else sorted(entry + positions)
    return found


def _fields(analysis: Analysis, fields: dict[str, str]) -> dict[str, FieldTokens]:
    """The tokens of every view of one analyzed text, by field name."""
    syllables = _positions(analysis.syllable_texts, analysis.positions)
    return {
        fields["words"]: FieldTokens(analysis.word_texts, None),
        fields["syllables"]: FieldTokens(analysis.syllable_texts, syllables),
        fields["folded"]: FieldTokens(analysis.folded_texts, _folded_positions(syllables)),
        fields["bigrams"]: FieldTokens(_pair_texts(analysis.syllable_texts, analysis.positions), None),
        fields["folded_bigrams"]: FieldTokens(_pair_texts(analysis.folded_texts, analysis.positions), None),
    }


def view_tokens(analysis: Analysis, view: str) -> list[Token]:
    """The tokens of one view of an analyzed text, for `ViewAnalyzer`. The pair views
    keep no positions, so their tokens carry none."""
    if view.endswith("bigrams"):
        texts = analysis.folded_texts if view == "folded_bigrams" else analysis.syllable_texts
        return [Token(text, 0, 0, 0) for text in _pair_texts(texts, analysis.positions)]
    return getattr(analysis, view)


def encode_positions(count_and_positions: array) -> bytes:
    """A posting's value in a positional field: an array of 32-bit numbers, little
    endian: how many positions, then the positions."""
    if sys.byteorder == "big":
        count_and_positions = array("I", count_and_positions)
        count_and_positions.byteswap()
    return count_and_positions.tobytes()


class CompactPositions(Positions):
    """Whoosh's `Positions`, stored as `encode_positions` writes them rather than as a
    pickled list: a document's positions are written with one copy instead of one
    pickle, a saving of a fifth of the indexing time."""

    def encode(self, poslist: list[int]) -> bytes:
        return encode_positions(array("I", [len(poslist), *poslist]))

    def decode_positions(self, valuestring: bytes) -> list[int]:
        values = array("I", valuestring)
        if sys.byteorder == "big":
            values.byteswap()
        return values[1:].tolist()

    def decode_frequency(self, valuestring: bytes) -> int:
        return int.from_bytes(valuestring[:4], "little")

    def decode_weight(self, valuestring: bytes) -> float:
        return self.decode_frequency(valuestring) * self.field_boost


def _text_field(view: str) -> TEXT:
    field = TEXT(analyzer=ViewAnalyzer(view), phrase=view in POSITIONAL_VIEWS)
    if view in POSITIONAL_VIEWS:
        field.format = CompactPositions(field_boost=field.format.field_boost)
    return field


def build_schema() -> Schema:
    fields: dict[str, object] = {
        "path": ID(stored=True, unique=True),
        "title": STORED(),
        "content": STORED(),
    }
    for view in VIEWS:
        fields[BODY_FIELDS[view]] = _text_field(view)
        fields[TITLE_FIELDS[view]] = _text_field(view)
    return Schema(**fields)


def document_parts(doc: Document) -> tuple[dict[str, object], dict[str, str], dict[str, FieldTokens]]:
    """What a `SegmentBuilder` takes for one document: the stored values, the ID
    field, and the tokens of every view of the body and the title."""
    body = analyze(doc.text)
    title = analyze(doc.title) if doc.title else Analysis()
    indexed = {**_fields(body, BODY_FIELDS), **_fields(title, TITLE_FIELDS)}
    return {"path": doc.path, "title": doc.title, "content": doc.text}, {"path": doc.path}, indexed
