"""Documents like a given one: its key terms, weighed by how often it uses them and how
rare they are in the index, make a ranked query.

The key terms are pairs of adjacent syllables (most Vietnamese words are two
syllables, so a pair is close to a word: "công an", "cấp huyện") and single syllables;
a pair says far more about a text than either of its syllables alone.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from searchkit.analysis import analyze
from searchkit.schema import BODY_FIELDS, pair_texts
from searchkit.scoring import Postings, idf

# How many of the document's terms make its query.
KEY_PAIRS = 12
KEY_SYLLABLES = 8
# A term in more than this share of the documents says little about any of them.
_COMMON_SHARE = 0.3


@dataclass(frozen=True, slots=True)
class KeyTerm:
    """A term of the document (`view` "syllables" or "bigrams") and its weight."""

    view: str
    text: str
    weight: float


def key_terms(text: str, postings: Postings) -> list[KeyTerm]:
    """The terms that best tell what `text` is about, most telling first: those it
    uses most, among those fewest documents of the index have. Terms without a
    letter (numbers, dates) are left out."""
    analysis = analyze(text, words=False)
    syllables = analysis.syllable_texts
    counted = {
        "bigrams": Counter(pair_texts(syllables, analysis.positions)),
        "syllables": Counter(syllables),
    }
    wanted = {"bigrams": KEY_PAIRS, "syllables": KEY_SYLLABLES}
    doc_count = max(1, postings.doc_count)
    found: list[KeyTerm] = []
    for view, counts in counted.items():
        field = BODY_FIELDS[view]
        weighed = []
        for term, tf in counts.items():
            if not any(ch.isalpha() for ch in term):
                continue
            df = postings.doc_frequency(field, term)
            # df 1 is this document alone: nothing else can share the term.
            if df < 2 or df > max(2, _COMMON_SHARE * doc_count):
                continue
            weighed.append(KeyTerm(view, term, tf * idf(df, doc_count)))
        weighed.sort(key=lambda k: (-k.weight, k.text))
        found.extend(weighed[: wanted[view]])
    top = max((k.weight for k in found), default=1.0)
    return sorted((KeyTerm(k.view, k.text, k.weight / top) for k in found), key=lambda k: (-k.weight, k.text))


def similar_scores(postings: Postings, terms: list[KeyTerm], exclude: int) -> np.ndarray:
    """The score of every document (0 for those sharing no key term): the BM25 score
    of each term, times its weight, summed; document `exclude` (the one asked about)
    left out."""
    total = np.zeros(postings.store.doc_count_all)
    for term in terms:
        docnums, values = postings.scores(BODY_FIELDS[term.view], term.text)
        total[docnums] += values * term.weight
    total[exclude] = 0.0
    return total
