"""Reading a query as its typist meant it, from what an index says of its syllables.

A query's words are analyzed with the diacritics the index suggests (restoration), and
a query whose words match nothing, or that has a syllable no document has, is read
again: without its diacritics, as typed in Telex or VNI, with a typing mistake
corrected. All of it asks an index two things: how often a syllable or a pair of
syllables is written, and whether a query's words match. `QueryReader` holds the
reading; a local index (`searching.Searcher`) and a cluster's
(`opensearch.search.RemoteSearcher`) answer those two questions each its own way, so
that both read every query alike.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from searchkit.analysis import spellings
from searchkit.matching import analyze_leaves, is_exact, leaves, without_diacritics, without_filters
from searchkit.restore import restore_diacritics
from searchkit.rewriting import Counts, correct_typos, read_keys, unknown
from searchkit.syntax import Node, parse, to_string

# Written forms of each syllable tried when looking up the forms of a pair.
_PAIR_FORMS = 8

# What an index keeps of a query's matching while it is read (a local index, its
# matcher with the documents of each part; a cluster, nothing).
State = TypeVar("State")


@dataclass(frozen=True, slots=True)
class Rewrite:
    """A query searched instead of the one typed (`query`, as it was searched), and
    why (`reason`: 'no document has "tọa đám"')."""

    query: str
    reason: str


@dataclass(frozen=True, slots=True)
class Reading(Generic[State]):
    """A query as it is searched: analyzed, with the state its matching left, what was
    searched instead of what was typed (and why), or what is only suggested."""

    node: Node
    state: State
    searched: Rewrite | None = None
    suggestion: str | None = None


class QueryReader(Generic[State]):
    """How an index reads queries. An index says how often a term is written
    (`_frequency`), whether a document has one (`_has`), how many syllables it holds
    (`_syllable_count`), and whether a query's words match (`_words_match`)."""

    _syllable_count: int

    def __init__(self) -> None:
        self._written_forms: dict[str, list[tuple[str, int]]] = {}
        self._pairs: dict[str, int] = {}
        self._counts = Counts(
            self._forms,
            self._together,
            functools.partial(self._has, "folded"),
            functools.partial(self._has, "syllables"),
            self._syllable_count,
        )

    # ---- what an index answers -------------------------------------------------------

    def _frequency(self, view: str, term: str) -> int:
        """How often `term` is written in the view `view` ("syllables", "bigrams") of
        the bodies and titles."""
        raise NotImplementedError

    def _has(self, view: str, term: str) -> bool:
        """Whether a document has `term` in the view `view` ("folded", "syllables") of
        its body or title."""
        raise NotImplementedError

    def _new_state(self) -> State:
        raise NotImplementedError

    def _words_match(self, words: Node, state: State) -> bool | None:
        """Whether any document matches the query's words (None for words with nothing
        searchable in them)."""
        raise NotImplementedError

    def _missing(self, words: Node, state: State) -> str:
        """The first part of the query's words, as typed, that no document has."""
        raise NotImplementedError

    # ---- reading ---------------------------------------------------------------------

    def read_query(self, query: str) -> Node:
        """`query` parsed, with each run and phrase analyzed as this index reads it
        (its words, and the diacritics put back on one typed without them); raises
        `QuerySyntaxError` for a malformed query."""
        return self._analyzed(parse(query))

    def read_as_meant(self, query: str, *, exact: bool = False) -> Reading[State]:
        """`query` as it is searched: a query whose words match nothing (filters
        aside), or one with a syllable that no document has, is read as its typist
        may have meant it (see `_readings`), and the reading says what was searched
        instead; with `exact` it is searched as typed, and the reading only suggested."""
        typed = parse(query)
        node = self._analyzed(typed)
        state = self._new_state()
        words = without_filters(node)
        if words is None:
            return Reading(node, state)
        found = self._words_match(words, state)
        nothing = found is False
        absent = None if nothing else self._unknown(words)
        if not nothing and absent is None:
            return Reading(node, state)
        missing = f'no document has "{absent or self._missing(words, state)}"'
        readings = self._readings(typed, node, words, missing, nothing=nothing)
        if exact:
            suggestion = next((to_string(self._analyzed(r)) for r, _why, guess in readings if guess), None)
            return Reading(node, state, suggestion=suggestion)
        return self._first_matching(node, state, readings, fall_back=nothing)

    def _analyzed(self, node: Node) -> Node:
        return analyze_leaves(node, self._restore)

    def _restore(self, folded: Sequence[str]) -> tuple[str, ...] | None:
        """The most likely written form of folded syllables in this index (for
        `matching.analyze_leaves`); None when the index knows none of them."""
        restoration = restore_diacritics(folded, self._forms, self._syllable_count)
        return restoration.syllables if restoration.known else None

    def _unknown(self, words: Node) -> str | None:
        """The first syllable of the query's words, as typed, that no document has (see
        `rewriting.unknown`)."""
        for leaf in leaves(words):
            if leaf.analysis is not None:
                for s in leaf.analysis.syllables:
                    if unknown(s, leaf.analysis.exact, self._counts):
                        return leaf.text[s.start : s.end]
        return None

    def _readings(
        self, typed: Node, node: Node, words: Node, missing: str, *, nothing: bool
    ) -> Iterator[tuple[Node, str, bool]]:
        """How a query whose words match nothing, or that has a syllable in no document,
        may have been meant, in this order, each worked out when asked for: without its
        diacritics (when it has some and nothing matched), then as typed in Telex or
        VNI, then with typing mistakes corrected (see `rewriting`). Each with why it is
        read so, and whether it is a guess at what was meant (the fallback without
        diacritics is the precision rules', not a guess)."""
        if nothing and is_exact(words):
            yield without_diacritics(typed), missing, False
        for read in (read_keys, correct_typos):
            reading = read(node, self._counts)
            if reading is not None:
                yield reading.node, reading.how or missing, True

    def _first_matching(
        self, node: Node, state: State, readings: Iterable[tuple[Node, str, bool]], *, fall_back: bool
    ) -> Reading[State]:
        """The first reading whose words match and that leaves no syllable in no
        document, else the first whose words match, with what it says of itself. When
        none matches and the query matched nothing (`fall_back`), the fallback without
        diacritics all the same, if there is one; else the query as it is."""
        partial = None
        fallback = None
        for reading, reason, guess in readings:
            if not guess:
                fallback = fallback or (reading, reason)
            analyzed, reading_state = self._analyzed(reading), self._new_state()
            reading_words = without_filters(analyzed)
            if reading_words is not None and self._words_match(reading_words, reading_state):
                chosen = Reading(analyzed, reading_state, Rewrite(to_string(reading, restored=False), reason))
                if self._unknown(reading_words) is None:
                    return chosen
                partial = partial or chosen
        if partial is not None:
            return partial
        if fall_back and fallback is not None:
            reading, reason = fallback
            rewrite = Rewrite(to_string(reading, restored=False), reason)
            return Reading(self._analyzed(reading), self._new_state(), rewrite)
        return Reading(node, state)

    def _together(self, first: str, second: str) -> int:
        """How often the written syllable `second` stands right after `first` in the
        bodies and titles of the index."""
        pair = f"{first} {second}"
        found = self._pairs.get(pair)
        if found is None:
            found = self._pairs[pair] = self._frequency("bigrams", pair)
        return found

    def _forms(self, folded: str) -> list[tuple[str, int]]:
        """The written forms of a folded syllable ("cong") or pair ("cong an") found in
        the bodies and titles of the index, with how often each is written."""
        forms = self._written_forms.get(folded)
        if forms is None:
            if " " in folded:
                first, second = (self._forms(part)[:_PAIR_FORMS] for part in folded.split(" ", 1))
                view = "bigrams"
                candidates = [f"{a} {b}" for (a, _), (b, _) in itertools.product(first, second)]
            else:
                view = "syllables"
                candidates = list(spellings(folded))
            counts = ((form, self._frequency(view, form)) for form in candidates)
            forms = sorted(((form, count) for form, count in counts if count), key=lambda fc: (-fc[1], fc[0]))
            self._written_forms[folded] = forms
        return forms
