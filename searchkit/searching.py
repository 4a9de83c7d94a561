"""Running queries against an index: ranked hits with snippets."""

from __future__ import annotations

import contextlib
import datetime
import enum
import heapq
import itertools
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from searchkit.analysis import spellings
from searchkit.documents import document_path
from searchkit.errors import DocumentNotFound, QuerySyntaxError, SearchkitError
from searchkit.indexing import BODY_FIELDS, damaged, open_index
from searchkit.matching import (
    Marks,
    Matcher,
    analyze_leaves,
    is_exact,
    marks,
    without_diacritics,
    without_filters,
)
from searchkit.ranking import Contribution, rank
from searchkit.ranking import explain as explain_score
from searchkit.restore import restore_diacritics
from searchkit.scoring import Postings, Scores
from searchkit.similar import key_terms, similar_scores
from searchkit.snippets import SNIPPET_CHARS, Snippet, highlight_spans, make_snippets
from searchkit.syntax import Filter, Node, parse, to_string

NO_SNIPPET = Snippet("", ())
# Written forms of each syllable tried when looking up the forms of a pair.
_PAIR_FORMS = 8
# Beyond this many documents sharing the last place's score (NOT-only queries score
# every document 0), ties are left in document order rather than read for their paths.
_MAX_TIES_BY_PATH = 1000
# Beyond this many hits, their paths are read from the path field rather than from each
# one's stored fields.
_MAX_STORED_READS = 5000


@dataclass(frozen=True, slots=True)
class Hit:
    """One matching document."""

    rank: int
    score: float
    path: str
    title: str
    # "YYYY-MM-DD": from the document's text, its data or its file's time (see
    # `documents.read_source`); None for a document indexed without one.
    date: str | None = None
    # The passages that best show the match, best first (none when not asked for).
    snippets: tuple[Snippet, ...] = ()
    # What each term added to the score, when asked for.
    explanation: tuple[Contribution, ...] = ()

    @property
    def snippet(self) -> Snippet:
        """The best passage (empty when no snippets were asked for)."""
        return self.snippets[0] if self.snippets else NO_SNIPPET


class SortOrder(enum.Enum):
    """How hits are ordered: best first, or newest first (then best first)."""

    SCORE = "score"
    DATE = "date"


@dataclass(frozen=True, slots=True)
class Rewrite:
    """A query searched instead of the one typed (`query`, as it was searched), and
    why (`reason`: 'no document has "tọa đám"')."""

    query: str
    reason: str


@dataclass(frozen=True, slots=True)
class SearchResult:
    """The answer to one query: the hits asked for and how many documents matched."""

    query: str
    hits: list[Hit]
    total: int
    seconds: float
    # The query with diacritics put back, when it was searched without them and the
    # index suggested a reading (which ranks first).
    restored: str | None = None
    # What was searched instead, when the query as typed matched nothing.
    searched: Rewrite | None = None


@dataclass(frozen=True, slots=True)
class StoredDocument:
    """A document as the index stores it; `highlights` are `[start, end)` offsets of
    a query's matches in `text`."""

    path: str
    title: str
    text: str
    highlights: tuple[tuple[int, int], ...] = ()
    date: str | None = None


class Searcher:
    """An open index that answers queries; use as a context manager."""

    def __init__(self, index_dir: Path) -> None:
        self._index_dir = index_dir
        self._index = open_index(index_dir)
        with self._reading():
            self._reader = self._index.reader()
            self._postings = Postings(self._reader)
            self._written_forms: dict[str, list[tuple[str, int]]] = {}
            self._syllable_count = self._reader.field_length(BODY_FIELDS["syllables"])

    @contextlib.contextmanager
    def _reading(self) -> Iterator[None]:
        """Errors from reading the index's files (other than searchkit's own) mean a
        damaged index: a file truncated or missing since the index was opened."""
        try:
            yield
        except (SearchkitError, MemoryError, RecursionError):
            raise
        except Exception as exc:
            raise damaged(self._index_dir, type(exc).__name__) from exc

    def __enter__(self) -> Searcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._reader.close()

    def search(
        self,
        query: str,
        *,
        limit: int | None = 10,
        offset: int = 0,
        snippets: int = 1,
        snippet_chars: int = SNIPPET_CHARS,
        explain: bool = False,
        since: datetime.date | None = None,
        until: datetime.date | None = None,
        sort: SortOrder = SortOrder.SCORE,
        exact: bool = False,
        paths_only: bool = False,
    ) -> SearchResult:
        """Parse and run `query`: the `limit` best matches (all with None) after the
        first `offset` (ranks count from the best, or with `sort` DATE from the newest);
        raises `QuerySyntaxError` for a malformed query. Only documents dated from
        `since` to `until` (both included) match, when given. Each hit carries up to
        `snippets` passages of about `snippet_chars` characters (none with 0, for
        ranking only) and, with `explain`, what each term added to its score. With
        `paths_only`, hits carry their path, score and date alone (no title, snippets
        nor explanation): what a listing of every match needs, read without opening
        each stored document.

        A query typed with diacritics whose words match nothing (filters aside) is
        searched again without them, and the result says so (`searched`), unless
        `exact` is set."""
        started = time.perf_counter()
        with self._reading():
            typed = parse(query)
            node = self._analyzed(typed)
            matcher = Matcher(self._postings)
            searched = None
            words = without_filters(node)
            if not exact and words is not None and is_exact(words) and matcher.documents(words) == set():
                reason = f'no document has "{matcher.missing(words)}"'
                folded = without_diacritics(typed)
                node, matcher = self._analyzed(folded), Matcher(self._postings)
                searched = Rewrite(to_string(folded, restored=False), reason)
            matched = matcher.documents(node)
            if matched is None:
                raise QuerySyntaxError("the query has no words to search for")
            if since is not None or until is not None:
                window = Filter.dated("", since, until).matches
                dates = self._postings.values("date")
                matched = {d for d in matched if window(dates.get(d, ""))}
            scores = rank(self._postings, node, matched, matcher)
            explained_by = (lambda d: explain_score(self._postings, node, d, matcher)) if explain else None
            hits = self._hits(
                scores, limit, offset, marks(node), snippets, snippet_chars, explained_by, sort, paths_only
            )
        restored = to_string(node)
        return SearchResult(
            query,
            hits,
            len(scores),
            time.perf_counter() - started,
            restored=restored if restored != to_string(node, restored=False) else None,
            searched=searched,
        )

    def _hits(
        self,
        scores: Scores,
        limit: int | None,
        offset: int,
        terms: Marks,
        snippets: int,
        snippet_chars: int,
        explained_by: Callable[[int], list[Contribution]] | None,
        sort: SortOrder = SortOrder.SCORE,
        paths_only: bool = False,
    ) -> list[Hit]:
        count = len(scores) if limit is None else offset + limit
        stored: dict[int, dict[str, object]] = {}

        def stored_of(docnum: int) -> dict[str, object]:
            found = stored.get(docnum)
            if found is None:
                found = stored[docnum] = self._reader.stored_fields(docnum)
            return found

        # A document's stored fields are a compressed pickle (some 85 µs to read): for
        # many documents, their paths are read from the path field's terms in one pass
        # (some 0.6 s for 35,000) instead.
        paths = self._postings.values("path") if count > _MAX_STORED_READS else None
        path_of = paths.__getitem__ if paths is not None else (lambda docnum: str(stored_of(docnum)["path"]))
        best = self._best(scores, count, sort, path_of)[offset:]
        hits = []
        if paths_only:
            dates = self._postings.values("date")
            return [Hit(rank, value, path_of(d), "", dates.get(d)) for rank, (d, value) in enumerate(best, offset + 1)]
        for place, (docnum, doc_score) in enumerate(best, offset + 1):
            fields = stored.pop(docnum, None) or self._reader.stored_fields(docnum)
            text = str(fields.get("content", ""))
            date = fields.get("date")
            hits.append(
                Hit(
                    rank=place,
                    score=doc_score,
                    path=str(fields["path"]),
                    title=str(fields.get("title", "")),
                    date=str(date) if date else None,
                    snippets=tuple(make_snippets(text, terms, width=snippet_chars, count=snippets)) if snippets else (),
                    explanation=tuple(explained_by(docnum)) if explained_by is not None else (),
                )
            )
        return hits

    def _docnum(self, path: str | Path) -> int:
        """The number of the live document of the file at `path`."""
        key = document_path(path)
        # Whoosh raises for a term it does not have, so ask first.
        found = list(self._reader.postings("path", key).all_ids()) if self._reader.doc_frequency("path", key) else []
        if not found:
            raise DocumentNotFound(f"{path} is not in the index at {self._index_dir}")
        return found[-1]

    def document(self, path: str | Path, query: str | None = None) -> StoredDocument:
        """The stored document of the file at `path`, with the matches of `query`
        (if given) marked throughout; raises `DocumentNotFound` if it is not indexed."""
        with self._reading():
            stored = self._postings.stored_fields(self._docnum(path))
        text = str(stored.get("content", ""))
        highlights: tuple[tuple[int, int], ...] = ()
        if query is not None:
            highlights = tuple(highlight_spans(text, marks(self.read_query(query))))
        date = stored.get("date")
        return StoredDocument(
            str(stored["path"]), str(stored.get("title", "")), text, highlights, str(date) if date else None
        )

    def similar(
        self,
        path: str | Path,
        *,
        limit: int | None = 10,
        offset: int = 0,
        snippets: int = 1,
        snippet_chars: int = SNIPPET_CHARS,
    ) -> SearchResult:
        """The documents most like the one of the file at `path`, ranked by its key
        terms (see `similar`); the result's query is those terms, most telling first.
        Raises `DocumentNotFound` if the file is not indexed."""
        started = time.perf_counter()
        with self._reading():
            docnum = self._docnum(path)
            text = str(self._postings.stored_fields(docnum).get("content", ""))
            terms = key_terms(text, self._postings)
            scores = similar_scores(self._postings, terms, docnum)
            words = [term.text for term in terms]
            phrases = " OR ".join(f'"{word}"' for word in words)
            wanted = marks(analyze_leaves(parse(phrases), None)) if words else Marks.none()
            hits = self._hits(scores, limit, offset, wanted, snippets, snippet_chars, None)
        return SearchResult(", ".join(words), hits, len(scores), time.perf_counter() - started)

    def _best(
        self, scores: Scores, limit: int, sort: SortOrder, path_of: Callable[[int], str]
    ) -> list[tuple[int, float]]:
        """The `limit` first documents in `sort` order (number, score), equal ones in
        order of path: document numbers depend on how the index was built (which worker
        wrote which segment), and the same folder must give the same results."""
        if limit <= 0 or not scores:
            return []
        keyed: dict[int, tuple[int, float]] | dict[int, float]
        if sort is SortOrder.DATE:
            dates = self._postings.values("date")
            keyed = {d: (_newest_first(dates.get(d)), -value) for d, value in scores.items()}
        else:
            keyed = {d: -value for d, value in scores.items()}
        # The last place's key, then every document up to it: the ones before it, and
        # all those tied with it (not only the ones with low numbers).
        cutoff = heapq.nsmallest(limit, keyed.values())[-1]
        chosen = [d for d, key in keyed.items() if key <= cutoff]
        tied = [d for d in chosen if keyed[d] == cutoff]
        if len(tied) > _MAX_TIES_BY_PATH:
            kept = set(heapq.nsmallest(limit - (len(chosen) - len(tied)), tied))
            chosen = [d for d in chosen if keyed[d] != cutoff or d in kept]
        chosen.sort(key=lambda d: (keyed[d], path_of(d)))
        return [(d, scores[d]) for d in chosen[:limit]]

    def _forms(self, folded: str) -> list[tuple[str, int]]:
        """The written forms of a folded syllable ("cong") or pair ("cong an") found in
        the bodies of the index, with how often each is written."""
        forms = self._written_forms.get(folded)
        if forms is None:
            if " " in folded:
                first, second = (self._forms(part)[:_PAIR_FORMS] for part in folded.split(" ", 1))
                field = BODY_FIELDS["bigrams"]
                candidates = [f"{a} {b}" for (a, _), (b, _) in itertools.product(first, second)]
            else:
                field = BODY_FIELDS["syllables"]
                candidates = list(spellings(folded))
            reader = self._reader
            counts = ((form, int(reader.frequency(field, form))) for form in candidates)
            forms = sorted(((form, count) for form, count in counts if count), key=lambda fc: (-fc[1], fc[0]))
            self._written_forms[folded] = forms
        return forms

    def read_query(self, query: str) -> Node:
        """`query` parsed, with each run and phrase analyzed as this index reads it
        (its words, and the diacritics put back on one typed without them); raises
        `QuerySyntaxError` for a malformed query."""
        return self._analyzed(parse(query))

    def _analyzed(self, node: Node) -> Node:
        with self._reading():
            return analyze_leaves(node, self._restore)

    def _restore(self, folded: Sequence[str]) -> tuple[str, ...] | None:
        """The most likely written form of folded syllables in this index (for
        `matching.analyze_leaves`); None when the index knows none of them."""
        restoration = restore_diacritics(folded, self._forms, self._syllable_count)
        return restoration.syllables if restoration.known else None


def _newest_first(date: str | None) -> int:
    """A sort key putting later ISO dates first, and documents without one last."""
    return -int(date.replace("-", "")) if date else 1


def search(index_dir: Path, query: str, *, limit: int | None = 10) -> SearchResult:
    """Run one query against the index at `index_dir`."""
    with Searcher(index_dir) as searcher:
        return searcher.search(query, limit=limit)


def search_many(index_dir: Path, queries: Iterable[str], *, limit: int = 10) -> Iterator[SearchResult]:
    """Run queries one after another on one open index."""
    with Searcher(index_dir) as searcher:
        for query in queries:
            yield searcher.search(query, limit=limit)
