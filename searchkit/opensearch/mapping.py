"""The cluster's index: its settings and mapping, and a local document as it is sent.

Each text field of the local index has a field of the same name: the syllable views
(`body_syllables`, `body_folded`, and the title's) with positions, for phrases and
words of several syllables; the views of pairs (`body_bigrams`, `body_folded_bigrams`)
with frequencies only, as locally. The word view is not sent: no query reads it. Each
is scored with BM25 and searchkit's k1 and b. Title, text, path and dates are kept in
`_source` for display, and `digest` says which version of a document was sent.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from searchkit.analysis import analyze
from searchkit.paths import path_fields
from searchkit.schema import BODY_FIELDS, TITLE_FIELDS
from searchkit.scoring import K1, B

# Bumped whenever what is sent changes: an index of another format is refused.
FORMAT = 1
# Joins the two syllables of a pair into one term: no whitespace, and never in a syllable.
PAIR_JOINER = "\u2063"
VIEWS = ("syllables", "folded", "bigrams", "folded_bigrams")
TEXT_FIELDS = tuple(fields[view] for fields in (BODY_FIELDS, TITLE_FIELDS) for view in VIEWS)
_ANALYZER = "searchkit_terms"
_SIMILARITY = "searchkit_bm25"


def index_body(*, shards: int = 1, replicas: int = 1) -> dict[str, Any]:
    """What creates the index: settings (the analyzer and similarity) and mapping."""
    properties: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        field: dict[str, Any] = {"type": "text", "analyzer": _ANALYZER, "similarity": _SIMILARITY}
        if name.endswith("bigrams"):
            field["index_options"] = "freqs"
        properties[name] = field
    properties.update(
        path={"type": "keyword"},
        path_lower={"type": "keyword"},
        path_bytes={"type": "keyword", "index": False, "doc_values": False},
        source={"type": "keyword"},
        title={"type": "keyword", "index": False, "doc_values": False},
        content={"type": "text", "index": False},
        date={"type": "keyword"},
        file_date={"type": "keyword"},
        # The document's own date, else its file's: what --sort date --file-dates orders by.
        any_date={"type": "keyword"},
        copy={"type": "keyword"},
        digest={"type": "keyword"},
    )
    return {
        "settings": {
            "number_of_shards": shards,
            "number_of_replicas": replicas,
            "analysis": {"analyzer": {_ANALYZER: {"type": "custom", "tokenizer": "whitespace"}}},
            "similarity": {_SIMILARITY: {"type": "BM25", "k1": K1, "b": B}},
        },
        "mappings": {
            "dynamic": "strict",
            "_meta": {"searchkit": {"format": FORMAT}},
            "_source": {"excludes": list(TEXT_FIELDS)},
            "properties": properties,
        },
    }


def document_id(path: str) -> str:
    """A document's id in the cluster: the hash of its path's bytes (an id holds at
    most 512 bytes, and a name need not be UTF-8)."""
    return hashlib.sha256(os.fsencode(path)).hexdigest()


def digest(meta: dict[str, object]) -> str:
    """What says a sent document is the one the local index holds: its text and title
    (their copy digest), its date and where the date comes from, and the format."""
    parts = (FORMAT, meta.get("copy"), meta.get("date"), meta.get("file_date"), meta.get("path"))
    return hashlib.sha256(repr(parts).encode("utf-8", "surrogateescape")).hexdigest()[:32]


def runs(texts: list[str], positions: list[int]) -> list[str]:
    """The terms of a syllable view as runs: the syllables between two punctuation
    marks (where positions jump) apart by spaces, a run a value."""
    found: list[list[str]] = []
    previous = None
    for text, pos in zip(texts, positions, strict=True):
        if previous is None or pos != previous + 1:
            found.append([])
        found[-1].append(text)
        previous = pos
    return [" ".join(run) for run in found]


def pair_terms(texts: list[str], positions: list[int]) -> str:
    """The pairs of adjacent syllables (never across punctuation), joined, as one value."""
    return " ".join(
        f"{a}{PAIR_JOINER}{b}"
        for a, b, pa, pb in zip(texts, texts[1:], positions, positions[1:], strict=False)
        if pb == pa + 1
    )


def pair_term(first: str, second: str) -> str:
    return f"{first}{PAIR_JOINER}{second}"


def document_source(meta: dict[str, object], text: str) -> dict[str, Any]:
    """A local document as it is sent: every view of its body and title, and what is
    shown of it."""
    path = str(meta["path"])
    source: dict[str, Any] = {}
    title = str(meta.get("title") or "")
    for fields, analyzed in ((BODY_FIELDS, analyze(text, words=False)), (TITLE_FIELDS, analyze(title, words=False))):
        positions = analyzed.positions
        source[fields["syllables"]] = runs(analyzed.syllable_texts, positions)
        source[fields["folded"]] = runs(analyzed.folded_texts, positions)
        source[fields["bigrams"]] = pair_terms(analyzed.syllable_texts, positions)
        source[fields["folded_bigrams"]] = pair_terms(analyzed.folded_texts, positions)
    shown = path_fields(path)
    source.update(
        shown,
        path_lower=shown["path"].casefold(),
        source=str(meta.get("source") or path),
        title=title,
        content=text,
        copy=meta.get("copy"),
        digest=digest(meta),
    )
    for name in ("date", "file_date"):
        if meta.get(name):
            source[name] = source["any_date"] = meta[name]
    return source
