"""Documents like a given one: its key terms, weighed by how often it uses them and how
rare they are in the index, make a ranked query.

The key terms are the document's words as pyvi segments them: a word of several
syllables from the word view ("công_an", named "công an"), a word of one syllable from
the syllable view, which is where the index keeps it. A word says far more about a text
than its syllables alone, and never runs across two words as a pair of syllables can
("chức công" in "tổ chức công đoàn").
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from searchkit.analysis import analyze
from searchkit.schema import BODY_FIELDS
from searchkit.scoring import Postings, idf

# How many of the document's words make its query: of several syllables, and of one.
# pyvi joins most words that carry a text's subject ("công đoàn", "thi đua"); a word it
# leaves alone is more often one any text uses ("còn", "mọi", "rất").
KEY_WORDS = 16
KEY_SYLLABLES = 4
# A term in more than this share of the documents says little about any of them.
_COMMON_SHARE = 0.3


@dataclass(frozen=True, slots=True)
class KeyTerm:
    """A word of the document, written with spaces between its syllables ("công an"),
    the view the index keeps it in ("words" for several syllables, "syllables" for
    one), and its weight."""

    view: str
    text: str
    weight: float

    @property
    def field(self) -> str:
        return BODY_FIELDS[self.view]

    @property
    def term(self) -> str:
        """The word as its view indexes it: its syllables joined by "_" ("công_an")."""
        return self.text.replace(" ", "_")


def key_terms(text: str, postings: Postings) -> list[KeyTerm]:
    """The words that best tell what `text` is about, most telling first: those it
    uses most, among those fewest documents of the index have. Words without a letter
    (numbers, dates) are left out."""
    # A word as the word view indexes it: its syllables joined by "_" ("công_an").
    counts = Counter(analyze(text, words=True).word_texts)
    doc_count = max(1, postings.doc_count)
    weighed: dict[str, list[KeyTerm]] = {"words": [], "syllables": []}
    for word, tf in counts.items():
        if not any(ch.isalpha() for ch in word):
            continue
        view = "words" if "_" in word else "syllables"
        # A word of one syllable is counted where pyvi leaves it alone, but its document
        # frequency is the syllable's, inside longer words too: never lower than its own.
        df = postings.doc_frequency(BODY_FIELDS[view], word)
        # df 1 is this document alone: nothing else can share the term.
        if df < 2 or df > max(2, _COMMON_SHARE * doc_count):
            continue
        weighed[view].append(KeyTerm(view, word.replace("_", " "), tf * idf(df, doc_count)))
    wanted = {"words": KEY_WORDS, "syllables": KEY_SYLLABLES}
    found: list[KeyTerm] = []
    for view, terms in weighed.items():
        terms.sort(key=lambda k: (-k.weight, k.text))
        found.extend(terms[: wanted[view]])
    top = max((k.weight for k in found), default=1.0)
    return sorted((KeyTerm(k.view, k.text, k.weight / top) for k in found), key=lambda k: (-k.weight, k.text))


def similar_scores(postings: Postings, terms: list[KeyTerm], exclude: int) -> np.ndarray:
    """The score of every document (0 for those sharing no key term): the BM25 score
    of each term in the field its view indexes it in, times its weight, summed;
    document `exclude` (the one asked about) left out."""
    total = np.zeros(postings.store.doc_count_all)
    for term in terms:
        docnums, values = postings.scores(term.field, term.term)
        total[docnums] += values * term.weight
    total[exclude] = 0.0
    return total
