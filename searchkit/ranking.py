"""What each part of a query adds to the score of a document that matches it.

Which documents match is `matching`'s decision; here only their order is. A run of
words is ranked as a bag of syllables (BM25 over the syllable views) with a bonus
where the document has two of the query's adjacent syllables side by side. Other
spellings of a syllable typed with diacritics add a little (`LOOSE_WEIGHT`): never a
reason to match, only a tie-breaker among documents that do.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from searchkit.analysis import fold_diacritics
from searchkit.matching import LeafAnalysis, Matcher, leaves
from searchkit.schema import BODY_FIELDS, TITLE_FIELDS
from searchkit.scoring import Postings, Scores, add_scores
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
    """The contributions recorded while scoring one document, each scaled by the
    weights of the parts of the query it is in."""

    def __init__(self, found: list[Contribution], weight: float = 1.0, field: str = "body") -> None:
        self.found = found
        self.weight = weight
        self.field = field

    def scaled(self, weight: float, field: str | None = None) -> _Trace:
        return _Trace(self.found, self.weight * weight, field or self.field)

    def record(self, view: str, term: str, score: float) -> None:
        if score:
            self.found.append(Contribution(self.field, view, term, score * self.weight))


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


def rank(postings: Postings, node: Node, matched: set[int], matcher: Matcher) -> Scores:
    """The score of every matched document: what each run and phrase it matches adds
    (those NOT excludes add nothing, filters add nothing)."""
    total = dict.fromkeys(matched, 0.0)
    for leaf in leaves(node):
        analysis = leaf.analysis
        if analysis is None or not analysis.syllables:
            continue
        among = matcher.leaf_documents(leaf) & matched
        if among:
            # A ranked run scores most documents: the whole posting lists, kept between
            # queries, cost less than scoring some of them.
            scored = leaf_scores(postings, leaf, None if analysis.ranked else among)
            for d in among:
                total[d] += scored.get(d, 0.0)
    return total


def explain(postings: Postings, node: Node, docnum: int, matcher: Matcher) -> list[Contribution]:
    """What each term of an analyzed query added to the score of document `docnum`,
    largest first (the same term in the same view from several parts of the query is
    summed): their sum is the document's score."""
    found: list[Contribution] = []
    for leaf in leaves(node):
        if leaf.analysis is not None and leaf.analysis.syllables and docnum in matcher.leaf_documents(leaf):
            leaf_scores(postings, leaf, {docnum}, _Trace(found))
    summed: dict[tuple[str, str, str], float] = {}
    for c in found:
        key = (c.field, c.view, c.term)
        summed[key] = summed.get(key, 0.0) + c.score
    parts = [Contribution(field, view, term, value) for (field, view, term), value in summed.items()]
    return sorted(parts, key=lambda c: -c.score)


def leaf_scores(
    postings: Postings, leaf: Text | Phrase, among: Collection[int] | None, trace: _Trace | None = None
) -> Scores:
    """The score of a run or phrase for the documents `among` (all that have any of its
    syllables, with None): in the body, and at half weight in the title."""
    analysis = leaf.analysis
    assert analysis is not None
    typed = _typed(analysis)
    restored = _restored(analysis) if analysis.restored else None
    field_sets = [TITLE_FIELDS] if leaf.field == "title" else [BODY_FIELDS, TITLE_FIELDS]
    total: Scores = {}
    for fields in field_sets:
        weight = TITLE_WEIGHT if fields is TITLE_FIELDS and not leaf.field else 1.0
        part = trace.scaled(weight, "title" if fields is TITLE_FIELDS else "body") if trace is not None else None
        scores = _run_scores(postings, fields, typed, analysis.phrase, among, part)
        if restored:
            # What was typed matches every spelling; the restored reading adds the
            # weight of an exact match where the document has those diacritics.
            restored_part = part.scaled(RESTORED_WEIGHT) if part is not None else None
            restored_scores = _run_scores(postings, fields, restored, analysis.phrase, among, restored_part)
            add_scores(scores, restored_scores, RESTORED_WEIGHT)
        add_scores(total, scores, weight)
    return total


def _run_scores(
    postings: Postings,
    fields: dict[str, str],
    syllables: Sequence[_Syllable],
    phrase: bool,
    among: Collection[int] | None,
    trace: _Trace | None,
) -> Scores:
    """A run's syllables as a ranked bag, with a bonus where the document has two of
    them that stand together in the query side by side."""
    total: Scores = {}
    for text, exact, asks in dict.fromkeys((s.text, s.exact, s.asks) for s in syllables):
        weight = QUESTION_WORD_WEIGHT if asks and not phrase else 1.0
        _add_term_scores(
            total, postings, fields, "syllables", text, exact=exact, among=among, weight=weight, trace=trace
        )
    # Query words that stand together in the document (a sequential dependence bonus):
    # what a bag of syllables cannot see.
    weight = PHRASE_WEIGHT if len(syllables) <= _SHORT_RUN else BIGRAM_WEIGHT
    pairs = {
        (f"{a.text} {b.text}", a.exact and b.exact): None
        for a, b in itertools.pairwise(syllables)
        if b.pos == a.pos + 1 and not (a.asks and b.asks)
    }
    for pair, exact in pairs:
        pair_weight = weight if exact else weight * FOLDED_PAIR_WEIGHT
        pair_scores: Scores = {}
        pair_trace = trace.scaled(pair_weight) if trace is not None and total else None
        _add_term_scores(pair_scores, postings, fields, "bigrams", pair, exact=exact, among=among, trace=pair_trace)
        _add_to_matched(total, pair_scores, pair_weight)
    return total


def _add_term_scores(
    total: Scores,
    postings: Postings,
    fields: dict[str, str],
    view: str,
    term: str,
    *,
    exact: bool,
    among: Collection[int] | None,
    weight: float = 1.0,
    trace: _Trace | None = None,
) -> None:
    """Add `weight` times the score of one syllable (view "syllables") or pair of
    syllables ("bigrams") in one field set into `total`. `exact`: the diacritics are
    meant ("cho" is not "chó"), so a spelling that agrees only once folded counts for
    little. With `among`, only those documents are scored. One pass over the term's
    documents: a question's common syllables are in most of them."""
    folded_view = "folded" if view == "syllables" else "folded_bigrams"
    folded = postings.scores(fields[folded_view], fold_diacritics(term), among)
    if not exact:
        folded_weight = FOLDED_WEIGHT * weight
        add_scores(total, folded, folded_weight)
        if trace is not None:
            trace.record(folded_view, fold_diacritics(term), sum(folded.values()) * folded_weight)
        return
    # Every document with the exact spelling has its folded form too.
    exact_get = postings.scores(fields[view], term, among).get
    loose_weight, exact_weight = LOOSE_WEIGHT * weight, EXACT_WEIGHT * weight
    get = total.get
    for d, s in folded.items():
        total[d] = get(d, 0.0) + s * loose_weight + exact_get(d, 0.0) * exact_weight
    if trace is not None:
        trace.record(view, term, sum(exact_get(d, 0.0) for d in folded) * exact_weight)
        trace.record(folded_view, fold_diacritics(term), sum(folded.values()) * loose_weight)


def _add_to_matched(total: Scores, scores: Scores, weight: float) -> None:
    """Add `weight` times `scores` to the documents already in `total` only."""
    if len(scores) < len(total):
        for d, s in scores.items():
            if d in total:
                total[d] += s * weight
    else:
        get = scores.get
        for d in total:
            found = get(d)
            if found is not None:
                total[d] += found * weight
