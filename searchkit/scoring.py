"""BM25 over Whoosh's postings, read once per term and accumulated per document.

Whoosh's matchers score a query one posting at a time through a tree of Python
objects; a fifteen-syllable question ran at a few queries a second on a thousand
passages. Ranking only needs, for each term, which documents have it and how often,
so the postings are read block by block straight into a score per document and kept
for the life of the searcher: the same syllables come back query after query.
"""

from __future__ import annotations

import io
import itertools
import math
import pickle
import zlib
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from typing import TYPE_CHECKING

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC, W3TermInfo, _lenfield
from whoosh.columns import NumericColumn
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length, length_to_byte

if TYPE_CHECKING:
    from whoosh.filedb.structfile import StructFile
    from whoosh.reading import IndexReader

# Tuned with benchmarks/relevance.py; b hardly matters on these passages.
K1 = 1.5
B = 0.75

Scores = dict[int, float]

# Decoded postings kept between queries, counted in postings (about 100 bytes each).
_CACHE_POSTINGS = 2_000_000
# Decoded posting lists kept for the scoring of documents among a few candidates.
_RECENT_TERMS = 32
# With this many times fewer candidates than documents in a posting list, each
# candidate is looked up in the list (by bisection) rather than the list read through.
_SEEK_RATIO = 8


def idf(doc_frequency: int, doc_count: int) -> float:
    """Lucene's idf, log(1 + (N - df + 0.5) / (df + 0.5)). Whoosh's own,
    log(N / (df + 1)) + 1, keeps words found in every document ("là", "có", "của")
    worth a third of the rarest, which drowns the words that matter in a question."""
    return math.log(1 + (doc_count - doc_frequency + 0.5) / (doc_frequency + 0.5))


def add_scores(total: Scores, scores: Scores, weight: float = 1.0) -> None:
    """Add `weight` times `scores` into `total` (a union of the documents)."""
    get = total.get
    for d, s in scores.items():
        total[d] = get(d, 0.0) + s * weight


class Postings:
    """The BM25 score of every term of an open index, per document."""

    def __init__(self, reader: IndexReader, *, k1: float = K1, b: float = B) -> None:
        self._reader = reader
        self._k1 = k1
        self._b = b
        # An index with no documents has one EmptyReader, which has no files to read.
        self._leaves = [(leaf, offset) for leaf, offset in reader.leaf_readers() if leaf.doc_count_all()]
        self.doc_count = reader.doc_count_all()
        self._norms: dict[str, tuple[bytes, list[float]]] = {}
        self._scores: dict[tuple[str, str], Scores] = {}
        self._recent: dict[tuple[str, str], tuple[list[int], list[float]]] = {}
        self._values: dict[str, dict[int, str]] = {}
        self._cached = 0

    def live_documents(self) -> set[int]:
        """Every live document."""
        return set(self._reader.all_doc_ids())

    def doc_frequency(self, field: str, term: str) -> int:
        """How many documents have `term` in `field` (counting any deleted since the
        last merge of their segment)."""
        return int(self._reader.doc_frequency(field, term))

    def stored_fields(self, docnum: int) -> dict[str, object]:
        """What the index stores of a document (its path, title and text)."""
        return self._reader.stored_fields(docnum)

    def having_all(self, field: str, terms: Iterable[str]) -> set[int]:
        """The live documents that have every one of `terms` in `field`."""
        lists = sorted((self._ids(field, term) for term in terms), key=len)
        found = lists[0] if lists else []
        for ids in lists[1:]:
            if not found:
                break
            if len(found) * _SEEK_RATIO < len(ids):
                found = [d for d, _place in _places(ids, found)]
            else:
                members = set(ids)
                found = [d for d in found if d in members]
        return set(found)

    def having_term(self, field: str, wanted: Callable[[str], bool]) -> set[int]:
        """The live documents with a term in `field` for which `wanted` is true: for
        the fields that hold one value per document (a date, a path)."""
        return {d for d, value in self.values(field).items() if wanted(value)}

    def values(self, field: str) -> dict[int, str]:
        """The term of each live document that has one in `field`, a field of one
        term per document (its date): read once through the field's terms and kept."""
        found = self._values.get(field)
        if found is None:
            found = self._values[field] = {}
            for segment, offset in self._leaves:
                terms = segment._terms
                deleted = segment.deleted_docs_set
                for (name, term), info in terms.items_from(field, b""):
                    if name != field:
                        break
                    value = term.decode("utf-8")
                    for d in _read_postings(terms._postfile, info)[0]:
                        if d not in deleted:
                            found[d + offset] = value
        return found

    def _ids(self, field: str, term: str) -> list[int]:
        """The live documents that have `term` in `field`, in order."""
        cached = self._scores.get((field, term))
        return list(cached) if cached is not None else self._decoded(field, term)[0]

    def scores(self, field: str, term: str, among: Collection[int] | None = None) -> Scores:
        """The BM25 score of `term` in `field` for each live document that has it; with
        `among`, only for those of these documents that have it (which for a common
        syllable is far less work than scoring, then discarding, every document)."""
        key = (field, term)
        cached = self._scores.get(key)
        if cached is not None:
            return cached if among is None else {d: cached[d] for d in among if d in cached}
        ids, frequencies = self._read(field, term) if among is None else self._decoded(field, term)
        scores: Scores = {}
        if ids:
            weight = idf(len(ids), self.doc_count) * (self._k1 + 1)
            lengths, norms = self._norm(field)
            if among is None:
                pairs: Iterable[tuple[int, float]] = zip(ids, frequencies, strict=True)
            elif len(among) * _SEEK_RATIO < len(ids):
                # Far fewer candidates than documents with the term: look each one up.
                pairs = [(d, frequencies[place]) for d, place in _places(ids, among)]
            else:
                pairs = [(d, tf) for d, tf in zip(ids, frequencies, strict=True) if d in among]
            scores = {d: weight * tf / (tf + norms[lengths[d]]) for d, tf in pairs}
        if among is None:
            self._remember(key, scores)
        return scores

    def _decoded(self, field: str, term: str) -> tuple[list[int], list[float]]:
        """`_read`, kept for the next few calls: a query asks for a syllable's documents
        and then for their scores."""
        key = (field, term)
        found = self._recent.get(key)
        if found is None:
            found = self._recent[key] = self._read(field, term)
            if len(self._recent) > _RECENT_TERMS:
                del self._recent[next(iter(self._recent))]
        return found

    def _remember(self, key: tuple[str, str], scores: Scores) -> None:
        self._scores[key] = scores
        self._cached += len(scores) + 1
        while self._cached > _CACHE_POSTINGS and len(self._scores) > 1:
            oldest = next(iter(self._scores))
            self._cached -= len(self._scores.pop(oldest)) + 1

    def _read(self, field: str, term: str) -> tuple[list[int], list[float]]:
        """The live documents that have `term` and how often, in document order."""
        ids: list[int] = []
        frequencies: list[float] = []
        encoded = term.encode("utf-8")
        for segment, offset in self._leaves:
            try:
                info = segment._terms.term_info(field, encoded)
            except (TermNotFound, KeyError):
                continue
            seg_ids, seg_frequencies = _read_postings(segment._terms._postfile, info)
            deleted = segment.deleted_docs_set
            if deleted:
                for docnum, tf in zip(seg_ids, seg_frequencies, strict=True):
                    if docnum not in deleted:
                        ids.append(docnum + offset)
                        frequencies.append(tf)
            else:
                ids.extend(map(offset.__add__, seg_ids) if offset else seg_ids)
                frequencies.extend(seg_frequencies)
        return ids, frequencies

    def _norm(self, field: str) -> tuple[bytes, list[float]]:
        """Each document's length byte in `field`, and k1 * (1 - b + b * length /
        average length) for each of the 256 lengths a byte stands for."""
        cached = self._norms.get(field)
        if cached is None:
            lengths = b"".join(_length_bytes(segment, field) for segment, _offset in self._leaves)
            total = sum(byte_to_length(byte) * count for byte, count in Counter(lengths).items())
            average = total / len(lengths) if total else 1.0
            k1, b = self._k1, self._b
            cached = lengths, [k1 * (1 - b + b * byte_to_length(byte) / average) for byte in range(256)]
            self._norms[field] = cached
        return cached


def _places(ids: list[int], wanted: Iterable[int]) -> list[tuple[int, int]]:
    """(document, its place in `ids`) for each of the `wanted` documents that the
    sorted list `ids` holds, found by bisection."""
    count = len(ids)
    return [(d, place) for d in wanted if (place := bisect_left(ids, d)) < count and ids[place] == d]


def _read_postings(postfile: StructFile, info: W3TermInfo) -> tuple[list[int], list[float]]:
    """The document numbers and frequencies of one segment's posting list.

    Whoosh's matcher decodes a posting at a time, and reads each block with several
    small reads; this reads the whole list at once (it is contiguous in the postings
    file) and decodes each block's arrays whole."""
    if info.is_inlined():
        ids, weights, _values = info.inlined_postings()
        return list(ids), list(weights)
    offset, length = info.extent()
    if isinstance(length, tuple):  # W3TermInfo.from_bytes leaves it as unpack's tuple
        (length,) = length
    data = postfile.get(offset, length)
    stream = io.BytesIO(data)
    stream.seek(len(WHOOSH3_HEADER_MAGIC))
    ids_out: list[int] = []
    frequencies_out: list[float] = []
    while True:
        # A block: its length (negative for the last), a pickled info tuple, the data.
        start = stream.tell()
        size = int.from_bytes(stream.read(4), "big", signed=True)
        end = start + 4 + abs(size)
        compression = pickle.load(stream)[3]
        block = data[stream.tell() : end]
        deltas, weights, _values = pickle.loads(zlib.decompress(block) if compression else block)
        # Each block's document numbers are stored as differences, from 0.
        ids = list(itertools.accumulate(deltas))
        ids_out.extend(ids)
        if weights is None:
            frequencies_out.extend([1.0] * len(ids))
        elif isinstance(weights, float):
            frequencies_out.extend([weights] * len(ids))
        else:
            frequencies_out.extend(weights)
        if size < 0:
            return ids_out, frequencies_out
        stream.seek(end)


def _length_bytes(segment: object, field: str) -> bytes:
    """The length of `field` in each document of one segment, as Whoosh stores it: one
    byte per document (`byte_to_length` gives the length it stands for, 0 for none).

    The column is read whole rather than a document at a time (70 ms per field at
    35,000 documents)."""
    count = segment.doc_count_all()  # type: ignore[attr-defined]
    perdoc = getattr(segment, "_perdoc", None)
    column = perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN) if perdoc is not None else None
    if isinstance(column, NumericColumn.Reader) and column._fixedlen == 1:
        raw = column._dbfile.get(column._basepos, column._count) if column._count else b""
        return raw[:count].ljust(count, b"\0")
    return bytes(
        length_to_byte(segment.doc_field_length(docnum, field, 0) or 0)  # type: ignore[attr-defined]
        for docnum in range(count)
    )
