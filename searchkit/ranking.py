"""What each part of a query adds to the score of a document that matches it.

Which documents match is `matching`'s decision; here only their order is. A run of
words is ranked as a bag of syllables (BM25 over the syllable views) with a bonus
where the document has two of the query's adjacent syllables side by side. Other
spellings of a syllable typed with diacritics add a little (`LOOSE_WEIGHT`): never a
reason to match, only a tie-breaker among documents that do.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from searchkit.analysis import fold_diacritics
from searchkit.matching import LeafAnalysis, Matcher, leaves
from searchkit.schema import BODY_FIELDS, TITLE_FIELDS
from searchkit.scoring import Postings
from searchkit.syntax import Node, Phrase, Text

# Score weights. Typing diacritics is a strong statement: an exact syllable counts
# fully, the same syllable with other diacritics only a little.
EXACT_WEIGHT = 1.0
FOLDED_WEIGHT = 1.0  # a syllable typed without diacritics, matched on the folded view
LOOSE_WEIGHT = 0.02  # a syllable typed with diacritics, found only once folded
PHRASE_WEIGHT = 3.0  # two adjacent syllables of a short run, together in the document
BIGRAM_WEIGHT = 0.3  # the same for a longer run or a question
# Typed without diacritics, one syllable could be many words ("ban": bán, bạn, bàn,
# bản), two side by side far fewer: the pair carries more of the evidence.
FOLDED_PAIR_WEIGHT = 2.0
TITLE_WEIGHT = 0.5
RESTORED_WEIGHT = 1.0  # the diacritics the index suggests for a run typed without any
QUESTION_WORD_WEIGHT = 0.3
# Up to this many syllables, a pair of adjacent query syllables earns `PHRASE_WEIGHT`.
_SHORT_RUN = 4


@dataclass(frozen=True, slots=True)
class Contribution:
    """What one term added to a document's score: `field` "body" or "title", `view`
    the index view it matched in (syllables, folded, bigrams, folded_bigrams)."""

    field: str
    view: str
    term: str
    score: float


class _Trace:
    """The contributions to the score of one document (`docnum`), in the field
    (body or title) being scored."""

    def __init__(self, found: list[Contribution], docnum: int, field: str = "body") -> None:
        self.found = found
        self.docnum = docnum
        self.field = field

    def in_field(self, field: str) -> _Trace:
        return _Trace(self.found, self.docnum, field)

    def record(self, view: str, term: str, docnums: np.ndarray, values: np.ndarray, weight: float) -> None:
        """What a term's scores (`values` of the documents `docnums`), times `weight`
        (every weight it is added with), give the document."""
        at = int(np.searchsorted(docnums, self.docnum))
        if at < len(docnums) and docnums[at] == self.docnum and values[at]:
            self.found.append(Contribution(self.field, view, term, float(values[at]) * weight))


@dataclass(frozen=True, slots=True)
class _Syllable:
    """A syllable to score. `exact`: its diacritics are meant (typed, or restored), so
    it scores its own spelling fully and others only a little."""

    text: str
    pos: int
    exact: bool
    asks: bool


def _typed(analysis: LeafAnalysis) -> list[_Syllable]:
    return [_Syllable(s.text, s.pos, analysis.exact, s.asks(analysis.exact)) for s in analysis.syllables]


def _restored(analysis: LeafAnalysis) -> list[_Syllable]:
    assert analysis.restored is not None
    return [
        _Syllable(written, s.pos, True, s.asks(False))
        for s, written in zip(analysis.syllables, analysis.restored, strict=True)
    ]


def rank(postings: Postings, node: Node, matched: np.ndarray, matcher: Matcher) -> np.ndarray:
    """The score of every matched document (0 elsewhere): what each run and phrase it
    matches adds (those NOT excludes add nothing, filters add nothing)."""
    total = np.zeros(len(matched))
    for leaf in leaves(node):
        analysis = leaf.analysis
        if analysis is None or not analysis.syllables:
            continue
        among = matcher.leaf_documents(leaf) & matched
        if among.any():
            total += np.where(among, leaf_scores(postings, leaf), 0.0)
    return total


def explain(postings: Postings, node: Node, docnum: int, matcher: Matcher) -> list[Contribution]:
    """What each term of an analyzed query added to the score of document `docnum`,
    largest first (the same term in the same view from several parts of the query is
    summed): their sum is the document's score."""
    found: list[Contribution] = []
    for leaf in leaves(node):
        if leaf.analysis is not None and leaf.analysis.syllables and matcher.leaf_documents(leaf)[docnum]:
            leaf_scores(postings, leaf, _Trace(found, docnum))
    summed: dict[tuple[str, str, str], float] = {}
    for c in found:
        key = (c.field, c.view, c.term)
        summed[key] = summed.get(key, 0.0) + c.score
    parts = [Contribution(field, view, term, value) for (field, view, term), value in summed.items()]
    return sorted(parts, key=lambda c: -c.score)


def leaf_scores(postings: Postings, leaf: Text | Phrase, trace: _Trace | None = None) -> np.ndarray:
    """The score of a run or phrase for every document: in the body, and at half
    weight in the title."""
    analysis = leaf.analysis
    assert analysis is not None
    typed = _typed(analysis)
    restored = _restored(analysis) if analysis.restored else None
    field_sets = [TITLE_FIELDS] if leaf.field == "title" else [BODY_FIELDS, TITLE_FIELDS]
    total = np.zeros(postings.store.doc_count_all)
    for fields in field_sets:
        weight = TITLE_WEIGHT if fields is TITLE_FIELDS and not leaf.field else 1.0
        part = trace.in_field("title" if fields is TITLE_FIELDS else "body") if trace is not None else None
        _run_scores(total, postings, fields, typed, analysis.phrase, weight, part)
        if restored:
            # What was typed matches every spelling; the restored reading adds the
            # weight of an exact match where the document has those diacritics.
            _run_scores(total, postings, fields, restored, analysis.phrase, weight * RESTORED_WEIGHT, part)
    return total


def _run_scores(
    total: np.ndarray,
    postings: Postings,
    fields: dict[str, str],
    syllables: Sequence[_Syllable],
    phrase: bool,
    weight: float,
    trace: _Trace | None,
) -> None:
    """Add `weight` times a run's score into `total`: its syllables as a ranked bag,
    with a bonus where a document has two of them that stand together in the query
    side by side."""
    for text, exact, asks in dict.fromkeys((s.text, s.exact, s.asks) for s in syllables):
        term_weight = weight * (QUESTION_WORD_WEIGHT if asks and not phrase else 1.0)
        _add_term_scores(total, postings, fields, "syllables", text, exact=exact, weight=term_weight, trace=trace)
    # Query words that stand together in the document (a sequential dependence bonus):
    # what a bag of syllables cannot see.
    bonus = PHRASE_WEIGHT if len(syllables) <= _SHORT_RUN else BIGRAM_WEIGHT
    pairs = {
        (f"{a.text} {b.text}", a.exact and b.exact): None
        for a, b in itertools.pairwise(syllables)
        if b.pos == a.pos + 1 and not (a.asks and b.asks)
    }
    for pair, exact in pairs:
        pair_weight = weight * (bonus if exact else bonus * FOLDED_PAIR_WEIGHT)
        _add_term_scores(total, postings, fields, "bigrams", pair, exact=exact, weight=pair_weight, trace=trace)


def _add_term_scores(
    total: np.ndarray,
    postings: Postings,
    fields: dict[str, str],
    view: str,
    term: str,
    *,
    exact: bool,
    weight: float,
    trace: _Trace | None = None,
) -> None:
    """Add `weight` times the score of one syllable (view "syllables") or pair of
    syllables ("bigrams") in one field set into `total`. `exact`: the diacritics are
    meant ("cho" is not "chó"), so a spelling that agrees only once folded counts for
    little."""
    folded_view = "folded" if view == "syllables" else "folded_bigrams"
    folded_term = fold_diacritics(term)
    docnums, values = postings.scores(fields[folded_view], folded_term)
    folded_weight = weight * (LOOSE_WEIGHT if exact else FOLDED_WEIGHT)
    total[docnums] += values * folded_weight
    if trace is not None:
        trace.record(folded_view, folded_term, docnums, values, folded_weight)
    if exact:
        docnums, values = postings.scores(fields[view], term)
        total[docnums] += values * (EXACT_WEIGHT * weight)
        if trace is not None:
            trace.record(view, term, docnums, values, EXACT_WEIGHT * weight)
