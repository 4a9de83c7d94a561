"""BM25 over the store's postings: a term's documents and scores as numpy arrays.

Ranking only needs, for each term, which documents have it and how often, and each
document's length; a term's scores are worked out once for all its documents, in
one vector operation, and kept while the index is open (a batch of queries asks for
the same common syllables again and again). Which documents match is decided on
boolean arrays over every document.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from searchkit.store.format import LENGTHS

if TYPE_CHECKING:
    from searchkit.store.index import Store

# Tuned with benchmarks/relevance.py; b hardly matters on these passages.
K1 = 1.5
B = 0.75

# Decoded postings kept between queries, counted in postings (16 bytes each).
_CACHE_POSTINGS = 8_000_000
_LENGTHS = np.array(LENGTHS, dtype=np.float64)
_EMPTY = np.zeros(0, dtype=np.int64)


def idf(doc_frequency: int, doc_count: int) -> float:
    """Lucene's idf, log(1 + (N - df + 0.5) / (df + 0.5)). Whoosh's own,
    log(N / (df + 1)) + 1, keeps words found in every document ("là", "có", "của")
    worth a third of the rarest, which drowns the words that matter in a question."""
    return math.log(1 + (doc_count - doc_frequency + 0.5) / (doc_frequency + 0.5))


class Postings:
    """The documents and BM25 scores of the terms of an open index."""

    def __init__(self, store: Store, *, k1: float = K1, b: float = B) -> None:
        self.store = store
        self.doc_count = store.doc_count
        self._k1 = k1
        self._b = b
        self._norms: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._scores: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        self._cached = 0
        self._values: dict[str, list[str | None]] = {}

    def empty(self) -> np.ndarray:
        """A boolean array of every document, all false."""
        return np.zeros(self.store.doc_count_all, dtype=bool)

    def live(self) -> np.ndarray:
        """Every live document, as a boolean array."""
        return self.store.live()

    def documents(self, field: str, term: str) -> np.ndarray:
        """The live documents that have `term` in `field`, in order. Read through
        `scores`: matching asks for a term's documents and ranking then for its scores,
        and the postings are decoded once for both."""
        return self.scores(field, term)[0]

    def title(self, docnum: int) -> str:
        """A document's stored title."""
        return str(self.store.meta(docnum).get("title") or "")

    def doc_frequency(self, field: str, term: str) -> int:
        return len(self.documents(field, term))

    def frequency(self, field: str, term: str) -> int:
        """How often `term` is written in `field` in all documents."""
        return self.store.frequency(field, term)

    def having_all(self, field: str, terms: list[str]) -> np.ndarray:
        """The documents that have every one of `terms` in `field`, as a boolean array."""
        found: np.ndarray | None = None
        for term in terms:
            mask = self.empty()
            mask[self.documents(field, term)] = True
            found = mask if found is None else found & mask
            if not found.any():
                break
        return found if found is not None else self.empty()

    def scores(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        """The live documents that have `term` in `field`, and the term's BM25 score in
        each."""
        key = (field, term)
        cached = self._scores.get(key)
        if cached is not None:
            return cached
        docnums, frequencies = self.store.postings(field, term)
        if len(docnums):
            weight = idf(len(docnums), self.doc_count) * (self._k1 + 1)
            tf = frequencies.astype(np.float64)
            length_bytes, norms = self._norm(field)
            values = weight * tf / (tf + norms[length_bytes[docnums]])
        else:
            docnums, values = _EMPTY, np.zeros(0)
        self._remember(key, (docnums, values))
        return docnums, values

    def _remember(self, key: tuple[str, str], value: tuple[np.ndarray, np.ndarray]) -> None:
        self._scores[key] = value
        self._cached += len(value[0]) + 1
        while self._cached > _CACHE_POSTINGS and len(self._scores) > 1:
            oldest = next(iter(self._scores))
            self._cached -= len(self._scores.pop(oldest)[0]) + 1

    def _norm(self, field: str) -> tuple[np.ndarray, np.ndarray]:
        """Each document's length byte in `field`, and for each of the 256 bytes
        k1 * (1 - b + b * length / average length) of the length it stands for: a
        term's documents look their norm up through their bytes, and opening a field
        does not work out a norm for every document (3 ms of a cold query)."""
        found = self._norms.get(field)
        if found is None:
            length_bytes = self.store.length_bytes(field)
            total = float(np.bincount(length_bytes, minlength=len(_LENGTHS)) @ _LENGTHS)
            average = total / len(length_bytes) if total else 1.0
            found = self._norms[field] = (length_bytes, self._k1 * (1 - self._b + self._b * _LENGTHS / average))
        return found

    def values(self, field: str) -> list[str | None]:
        """The term each document has in a field of one term per document (its date,
        its path), by document number; None where it has none."""
        found = self._values.get(field)
        if found is None:
            found = self._values[field] = self.store.values(field)
        return found

    def having_term(self, field: str, wanted: Callable[[str], bool]) -> np.ndarray:
        """The live documents whose term in a one-term field passes `wanted`, as a
        boolean array."""
        mask = np.fromiter(
            (value is not None and wanted(value) for value in self.values(field)),
            dtype=bool,
            count=self.store.doc_count_all,
        )
        return mask & self.live()
