"""An analyzed query in OpenSearch's query DSL: what matches as `matching` decides it
locally, scored as `ranking` scores it.

The match is a filter, decided in the cluster: a word of one syllable is a term, a word
of several a phrase of its syllables (positions, with a gap at punctuation, see
`mapping`), a run all its words (or, ranked, any of its telling words) in the body or
all in the title, and AND, OR, NOT, `date:` and `path:` as bool clauses. The score is a
sum of should clauses, one per term the local ranking adds, boosted by its weight;
each run's clauses are added only to documents that match that run. OpenSearch's BM25
(Lucene's legacy one, with the (k1 + 1) factor) gives the local scores, less what its
coarser length norms and per-field document counts change.
"""

from __future__ import annotations

import datetime
import itertools
import re
from typing import Any

from searchkit.analysis import fold_diacritics
from searchkit.errors import QuerySyntaxError
from searchkit.matching import LeafAnalysis, Word
from searchkit.opensearch.mapping import pair_term
from searchkit.ranking import (
    BIGRAM_WEIGHT,
    EXACT_WEIGHT,
    FOLDED_PAIR_WEIGHT,
    FOLDED_WEIGHT,
    LOOSE_WEIGHT,
    PHRASE_WEIGHT,
    QUESTION_WORD_WEIGHT,
    RESTORED_WEIGHT,
    TITLE_WEIGHT,
)
from searchkit.schema import BODY_FIELDS, TITLE_FIELDS
from searchkit.syntax import And, Filter, Node, Not, Or, Phrase, Text

_SHORT_RUN = 4
MATCH_NONE: dict[str, Any] = {"match_none": {}}
MATCH_ALL: dict[str, Any] = {"match_all": {}}


def search_query(node: Node, *, file_dates: bool = False, dated: dict[str, Any] | None = None) -> dict[str, Any]:
    """The query of a search: the documents `node` matches (and `dated`, a filter on
    dates), scored as locally. Raises QuerySyntaxError for a query with nothing to
    search for (punctuation only), as locally."""
    matched = matching_query(node, file_dates=file_dates)
    if matched is None:
        raise QuerySyntaxError("the query has no words to search for")
    filters = [matched] if dated is None else [matched, dated]
    query: dict[str, Any] = {"bool": {"filter": filters}}
    scoring = _scoring(node)
    if scoring:
        query["bool"]["should"] = scoring
    return query


def matching_query(node: Node, *, file_dates: bool = False) -> dict[str, Any] | None:
    """The documents `node` matches, as a query that scores nothing; None for a node
    with nothing searchable in it, which its parent leaves out (`Matcher.documents`)."""
    if isinstance(node, Text | Phrase):
        analysis = node.analysis
        assert analysis is not None
        return leaf_query(analysis, node.field) if analysis.syllables else None
    if isinstance(node, Filter):
        return filter_query(node, file_dates=file_dates)
    if isinstance(node, Not):
        inner = matching_query(node.item, file_dates=file_dates)
        return None if inner is None else {"bool": {"must_not": [inner]}}
    found = [matching_query(item, file_dates=file_dates) for item in node.items if not isinstance(item, Not)]
    positive = [query for query in found if query is not None]
    if isinstance(node, Or):
        return {"bool": {"should": positive, "minimum_should_match": 1}} if positive else None
    assert isinstance(node, And)
    excluded = [matching_query(item.item, file_dates=file_dates) for item in node.items if isinstance(item, Not)]
    negative = [query for query in excluded if query is not None]
    if not positive and not negative:
        return None
    return {"bool": {"filter": positive or [MATCH_ALL], "must_not": negative}}


def leaf_query(analysis: LeafAnalysis, field: str | None) -> dict[str, Any]:
    """A run or phrase: all its required words in the body, or all in the title (any
    one of them, for a ranked run)."""
    if not analysis.syllables:
        return MATCH_NONE
    words = list(dict.fromkeys(analysis.required))
    field_sets = [TITLE_FIELDS] if field == "title" else [BODY_FIELDS, TITLE_FIELDS]
    sides = []
    for fields in field_sets:
        clauses = [word_query(word, fields) for word in words]
        if analysis.ranked:
            sides.append({"bool": {"should": clauses, "minimum_should_match": 1}})
        else:
            sides.append({"bool": {"filter": clauses}})
    return sides[0] if len(sides) == 1 else {"bool": {"should": sides, "minimum_should_match": 1}}


def word_query(word: Word, fields: dict[str, str]) -> dict[str, Any]:
    """A word in one field set: one syllable anywhere, several side by side."""
    name = fields["syllables" if word.exact else "folded"]
    if len(word.syllables) == 1:
        return {"term": {name: word.syllables[0]}}
    return {"match_phrase": {name: {"query": " ".join(word.syllables), "slop": 0}}}


def filter_query(node: Filter, *, file_dates: bool) -> dict[str, Any]:
    if node.field == "date":
        bounds = {"gte": node.low, "lte": node.high}
        names = ["date", "file_date"] if file_dates else ["date"]
        ranges = [{"range": {name: bounds}} for name in names]
        return ranges[0] if len(ranges) == 1 else {"bool": {"should": ranges, "minimum_should_match": 1}}
    if any(ch in node.value for ch in "*?["):
        return {"regexp": {"path": {"value": glob_regexp(node.value), "flags": "NONE"}}}
    return {"wildcard": {"path_lower": {"value": f"*{_escape_wildcard(node.value.casefold())}*"}}}


def dated_query(since: datetime.date | None, until: datetime.date | None, *, file_dates: bool) -> dict[str, Any]:
    """The documents dated from `since` to `until` (dated at all, without either)."""
    low = since.isoformat() if since else "0000-00-00"
    high = until.isoformat() if until else "9999-99-99"
    return filter_query(Filter("date", "", low, high), file_dates=file_dates)


def glob_regexp(pattern: str) -> str:
    """A `path:` glob as a regular expression over whole paths, as `PurePosixPath.match`
    reads it: matched from the end of the path, one part for each of its parts, "*" and
    "?" within one part."""
    parts = [part for part in pattern.split("/") if part]
    anchored = pattern.startswith("/")
    pieces = []
    for part in parts:
        piece = []
        i = 0
        while i < len(part):
            ch = part[i]
            if ch == "*":
                piece.append("[^/]*")
            elif ch == "?":
                piece.append("[^/]")
            elif ch == "[" and (close := part.find("]", i + 1)) > i + 1:
                inner = part[i + 1 : close]
                negate = inner.startswith("!")
                members = "".join("\\" + c if c in '\\"[]^' else c for c in inner[negate:])
                piece.append(f"[{'^' if negate else ''}{members}]")
                i = close
            else:
                piece.append(_escape_regexp(ch))
            i += 1
        pieces.append("".join(piece))
    body = "/".join(pieces)
    return f"/{body}" if anchored else f"(.*/)?{body}"


def _escape_regexp(ch: str) -> str:
    return "\\" + ch if ch in '.?+*|{}[]()"\\#@&<>~' else ch


def _escape_wildcard(text: str) -> str:
    return re.sub(r"([*?\\])", r"\\\1", text)


# ---- scoring -------------------------------------------------------------------------


def _scoring(node: Node) -> list[dict[str, Any]]:
    """A clause per run and phrase the query does not exclude: its terms' scores, for
    documents that match it."""
    clauses = []
    for leaf in _scored_leaves(node):
        analysis = leaf.analysis
        assert analysis is not None
        terms = leaf_terms(analysis, leaf.field)
        if terms:
            clauses.append({"bool": {"filter": [leaf_query(analysis, leaf.field)], "should": terms}})
    return clauses


def _scored_leaves(node: Node) -> list[Text | Phrase]:
    if isinstance(node, Text | Phrase):
        return [node] if node.analysis is not None and node.analysis.syllables else []
    if isinstance(node, And | Or):
        return [leaf for item in node.items for leaf in _scored_leaves(item)]
    return []


def leaf_terms(analysis: LeafAnalysis, field: str | None) -> list[dict[str, Any]]:
    """What `ranking.leaf_scores` adds, as boosted term queries (summed: a bool's
    should clauses add their scores)."""
    typed = [(s.text, s.pos, analysis.exact, s.asks(analysis.exact)) for s in analysis.syllables]
    readings = [(typed, 1.0)]
    if analysis.restored:
        restored = [
            (written, s.pos, True, s.asks(False))
            for s, written in zip(analysis.syllables, analysis.restored, strict=True)
        ]
        readings.append((restored, RESTORED_WEIGHT))
    weights: dict[tuple[str, str], float] = {}
    field_sets = [TITLE_FIELDS] if field == "title" else [BODY_FIELDS, TITLE_FIELDS]
    for fields in field_sets:
        side = TITLE_WEIGHT if fields is TITLE_FIELDS and not field else 1.0
        for syllables, reading_weight in readings:
            _run_terms(weights, fields, syllables, analysis.phrase, side * reading_weight)
    return [{"term": {name: {"value": term, "boost": weight}}} for (name, term), weight in weights.items() if weight]


def _run_terms(
    weights: dict[tuple[str, str], float],
    fields: dict[str, str],
    syllables: list[tuple[str, int, bool, bool]],
    phrase: bool,
    weight: float,
) -> None:
    for text, exact, asks in dict.fromkeys((s[0], s[2], s[3]) for s in syllables):
        term_weight = weight * (QUESTION_WORD_WEIGHT if asks and not phrase else 1.0)
        _add(weights, fields, "syllables", text, text, exact=exact, weight=term_weight)
    bonus = PHRASE_WEIGHT if len(syllables) <= _SHORT_RUN else BIGRAM_WEIGHT
    pairs = {
        ((a[0], b[0]), a[2] and b[2]): None
        for a, b in itertools.pairwise(syllables)
        if b[1] == a[1] + 1 and not (a[3] and b[3])
    }
    for (first, second), exact in pairs:
        pair_weight = weight * (bonus if exact else bonus * FOLDED_PAIR_WEIGHT)
        _add(weights, fields, "bigrams", pair_term(first, second), f"{first} {second}", exact=exact, weight=pair_weight)


def _add(
    weights: dict[tuple[str, str], float],
    fields: dict[str, str],
    view: str,
    term: str,
    spaced: str,
    *,
    exact: bool,
    weight: float,
) -> None:
    folded_view = "folded" if view == "syllables" else "folded_bigrams"
    folded = fold_diacritics(spaced)
    folded_term = pair_term(*folded.split(" ")) if view == "bigrams" else folded
    key = (fields[folded_view], folded_term)
    weights[key] = weights.get(key, 0.0) + weight * (LOOSE_WEIGHT if exact else FOLDED_WEIGHT)
    if exact:
        key = (fields[view], term)
        weights[key] = weights.get(key, 0.0) + weight * EXACT_WEIGHT
