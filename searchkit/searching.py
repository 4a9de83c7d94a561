"""Running queries against an index: ranked hits with snippets."""

from __future__ import annotations

import datetime
import enum
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from searchkit.errors import DocumentNotFound, QuerySyntaxError
from searchkit.matching import (
    CheckedWords,
    Marks,
    Matcher,
    analyze_leaves,
    has_date_filter,
    marks,
)
from searchkit.paths import shown_path
from searchkit.ranking import Contribution, rank
from searchkit.ranking import explain as explain_score
from searchkit.reading import QueryReader, Rewrite, State
from searchkit.schema import BODY_FIELDS, TITLE_FIELDS
from searchkit.scoring import Postings
from searchkit.similar import key_terms, similar_scores
from searchkit.snippets import SNIPPET_CHARS, Snippet, highlight_spans, make_snippets
from searchkit.store.index import Store
from searchkit.syntax import Filter, Node, parse, to_string

NO_SNIPPET = Snippet("", ())
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
    # Where the date comes from: "document" or "file" (see `documents.DateSource`).
    date_source: str | None = None
    # The passages that best show the match, best first (none when not asked for).
    snippets: tuple[Snippet, ...] = ()
    # What each term added to the score, when asked for.
    explanation: tuple[Contribution, ...] = ()
    # The other matching files with the same title and text, in order of path: a hit
    # stands for all its identical copies (see `schema.copy_digest`).
    also_at: tuple[str, ...] = ()

    @property
    def snippet(self) -> Snippet:
        """The best passage (empty when no snippets were asked for)."""
        return self.snippets[0] if self.snippets else NO_SNIPPET


class SortOrder(enum.Enum):
    """How hits are ordered: best first, or newest first (then best first)."""

    SCORE = "score"
    DATE = "date"


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
    # A better reading of a query that matched as typed though a syllable of it is in
    # no document (typed in Telex, or mistyped): "did you mean".
    suggestion: str | None = None
    # How many documents dated only by their file's time the date filters or the date
    # order left out, that would match with `file_dates`.
    left_out_file_dated: int = 0


@dataclass(frozen=True, slots=True)
class StoredDocument:
    """A document as the index stores it; `highlights` are `[start, end)` offsets of
    a query's matches in `text`."""

    path: str
    title: str
    text: str
    highlights: tuple[tuple[int, int], ...] = ()
    date: str | None = None
    date_source: str | None = None
    # What was highlighted instead of the query typed, as a search would have searched
    # it (see `SearchResult.searched`).
    searched: Rewrite | None = None


class Searcher(QueryReader[Matcher]):
    """An open index that answers queries; use as a context manager."""

    def __init__(self, index_dir: Path) -> None:
        self._index_dir = index_dir
        self._store = Store(index_dir)
        self._postings = Postings(self._store)
        self._syllable_count = self._store.total_length(BODY_FIELDS["syllables"])
        super().__init__()
        self._date_numbers: dict[bool, np.ndarray] = {}
        self._checked = CheckedWords(self._store.doc_count_all)

    def __enter__(self) -> Searcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._store.close()

    @property
    def generation(self) -> int:
        """The generation of the commit this searcher reads (see `store.index.Manifest`)."""
        return self._store.generation

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
        file_dates: bool = False,
    ) -> SearchResult:
        """Parse and run `query`: the `limit` best matches (all with None) after the
        first `offset` (ranks count from the best, or with `sort` DATE from the newest);
        raises `QuerySyntaxError` for a malformed query. Only documents dated from
        `since` to `until` (both included) match, when given. Each hit carries up to
        `snippets` passages of about `snippet_chars` characters (none with 0, for
        ranking only) and, with `explain`, what each term added to its score. With
        `paths_only`, hits carry their path, score and date alone (no title, snippets
        nor explanation): what a listing of every match needs. Ranked hits stand each
        for all the identical copies that match (`Hit.also_at`); a listing has every one.

        Date filters and the date order take the documents' own dates: those dated
        only by their file's time are left out (and counted, `left_out_file_dated`),
        unless `file_dates`.

        A query whose words match nothing (filters aside), or one with a syllable that
        no document has, is read as its typist may have meant it (see `_readings`),
        and the result says what was searched instead (`searched`); with `exact` it is
        searched as typed, and the reading is only suggested (`suggestion`)."""
        started = time.perf_counter()
        reading = self.read_as_meant(query, exact=exact)
        node, matcher, searched, suggestion = reading.node, reading.state, reading.searched, reading.suggestion
        matcher.file_dates = file_dates
        matched = self._matching(node, matcher, since, until, sort)
        left_out = 0
        if not file_dates and asks_dates(node, since, until, sort):
            matcher.file_dates = True
            left_out = int((self._matching(node, matcher, since, until, sort) & ~matched).sum())
            matcher.file_dates = False
        scores = rank(self._postings, node, matched, matcher)
        explained_by = (lambda d: explain_score(self._postings, node, d, matcher)) if explain else None
        hits = self._hits(
            scores,
            matched,
            limit,
            offset,
            marks(node),
            snippets,
            snippet_chars,
            explained_by,
            sort,
            paths_only=paths_only,
            file_dates=file_dates,
        )
        restored = to_string(node)
        return SearchResult(
            query,
            hits,
            int(matched.sum()),
            time.perf_counter() - started,
            restored=restored if restored != to_string(node, restored=False) else None,
            searched=searched,
            suggestion=suggestion,
            left_out_file_dated=left_out,
        )

    def _matching(
        self,
        node: Node,
        matcher: Matcher,
        since: datetime.date | None,
        until: datetime.date | None,
        sort: SortOrder,
    ) -> np.ndarray:
        """The documents that match an analyzed query, dated from `since` to `until`
        when given; a query that asks anything of dates (those, the date order, a
        `date:` filter, even under NOT) takes only the documents dated (by themselves,
        unless the matcher takes file dates)."""
        matched = matcher.documents(node)
        if matched is None:
            raise QuerySyntaxError("the query has no words to search for")
        if asks_dates(node, since, until, sort):
            in_range = Filter.dated("", since, until).matches
            dated = self._postings.having_term("date", in_range)
            if matcher.file_dates:
                dated = dated | self._postings.having_term("file_date", in_range)
            matched = matched & dated
        return matched

    def _frequency(self, view: str, term: str) -> int:
        """How often `term` is written in the view `view` of the bodies and titles."""
        return sum(self._postings.frequency(fields[view], term) for fields in (BODY_FIELDS, TITLE_FIELDS))

    def _new_state(self) -> Matcher:
        return Matcher(self._postings, checked=self._checked)

    def _words_match(self, words: Node, state: Matcher) -> bool | None:
        found = state.documents(words)
        return None if found is None else bool(found.any())

    def _missing(self, words: Node, state: Matcher) -> str:
        return state.missing(words)

    def _has(self, view: str, term: str) -> bool:
        """Whether a document has `term` in the view `view` ("folded", "syllables") of its
        body or title (matching has asked for the query's own syllables already)."""
        return any(len(self._postings.documents(fields[view], term)) for fields in (BODY_FIELDS, TITLE_FIELDS))

    def _hits(
        self,
        scores: np.ndarray,
        matched: np.ndarray,
        limit: int | None,
        offset: int,
        terms: Marks,
        snippets: int,
        snippet_chars: int,
        explained_by: Callable[[int], list[Contribution]] | None,
        sort: SortOrder = SortOrder.SCORE,
        *,
        paths_only: bool = False,
        file_dates: bool = False,
    ) -> list[Hit]:
        if paths_only:
            count = int(matched.sum()) if limit is None else offset + limit
            best = self._best(scores, matched, count, sort, file_dates)[offset:]
            paths, dates, file_dated = (self._postings.values(f) for f in ("path", "date", "file_date"))
            return [
                Hit(rank, float(scores[d]), str(paths[d]), "", *_dated(dates[d], file_dated[d]))
                for rank, d in enumerate(best, offset + 1)
            ]
        store = self._store
        hits = []
        folded = self._folded(scores, matched, limit, offset, sort, file_dates)
        for place, (docnum, fields, also_at) in enumerate(folded, 1):
            if place <= offset:
                continue
            date, date_source = stored_date(fields)
            hits.append(
                Hit(
                    rank=place,
                    score=float(scores[docnum]),
                    path=str(fields["path"]),
                    title=str(fields.get("title") or ""),
                    date=date,
                    date_source=date_source,
                    snippets=(
                        tuple(make_snippets(store.text(docnum), terms, width=snippet_chars, count=snippets))
                        if snippets
                        else ()
                    ),
                    explanation=tuple(explained_by(docnum)) if explained_by is not None else (),
                    also_at=also_at,
                )
            )
        return hits

    def _folded(
        self, scores: np.ndarray, matched: np.ndarray, limit: int | None, offset: int, sort: SortOrder, file_dates: bool
    ) -> Iterator[tuple[int, dict[str, object], tuple[str, ...]]]:
        """The first `offset` + `limit` matched documents in `sort` order, identical
        copies folded into one: each place is the copy first in order of path, with its
        stored values and the paths of the others."""
        remaining = matched.copy()
        wanted = int(matched.sum()) if limit is None else offset + limit
        placed = 0
        while placed < wanted and remaining.any():
            for docnum in self._best(scores, remaining, wanted - placed, sort, file_dates):
                if not remaining[docnum]:  # a copy of one placed from this batch
                    continue
                fields = self._store.meta(docnum)
                digest = fields.get("copy")
                copies = [d for d in self._store.documents_with("copy", str(digest)) if matched[d]] if digest else []
                if len(copies) < 2:
                    remaining[docnum] = False
                    yield docnum, fields, ()
                else:
                    remaining[copies] = False
                    metas = {d: fields if d == docnum else self._store.meta(d) for d in copies}
                    by_path = sorted(copies, key=lambda d: str(metas[d]["path"]))
                    yield by_path[0], metas[by_path[0]], tuple(str(metas[d]["path"]) for d in by_path[1:])
                placed += 1
                if placed == wanted:
                    return

    def _docnum(self, path: str | Path, resolve: bool) -> int:
        """The number of the live document of the file at `path`: resolved as the file
        was when it was indexed (absolute, links followed), or with `resolve` False,
        the path the index stores, as it is (a server's request must not make it look at
        the file system)."""
        stored = str(path)
        if resolve:
            # Imported here: a query never needs the readers of documents (10 ms).
            from searchkit.documents import document_path

            stored = document_path(Path(path))
        found = self._store.documents_with("path", stored)
        if not found:
            where = f" at {self._index_dir}" if resolve else ""
            raise DocumentNotFound(f"{shown_path(path)} is not in the index{where}")
        return found[-1]

    def document(
        self, path: str | Path, query: str | None = None, *, exact: bool = False, resolve: bool = True
    ) -> StoredDocument:
        """The stored document of the file at `path`, with the matches of `query`
        (if given) marked throughout, the query read as `search` reads it (with `exact`,
        as typed); raises `DocumentNotFound` if it is not indexed. With `resolve` False,
        `path` is the absolute path the index stores."""
        docnum = self._docnum(path, resolve)
        fields, text = self._store.meta(docnum), self._store.text(docnum)
        highlights, searched = highlighted(self, text, query, exact)
        date, date_source = stored_date(fields)
        title = str(fields.get("title") or "")
        return StoredDocument(str(fields["path"]), title, text, highlights, date, date_source, searched)

    def similar(
        self,
        path: str | Path,
        *,
        limit: int | None = 10,
        offset: int = 0,
        snippets: int = 1,
        snippet_chars: int = SNIPPET_CHARS,
        resolve: bool = True,
    ) -> SearchResult:
        """The documents most like the one of the file at `path`, ranked by its key
        terms (see `similar`); the result's query is those terms, most telling first.
        Raises `DocumentNotFound` if the file is not indexed. With `resolve` False,
        `path` is the absolute path the index stores."""
        started = time.perf_counter()
        docnum = self._docnum(path, resolve)
        terms = key_terms(self._store.text(docnum), self._postings)
        scores = similar_scores(self._postings, terms, docnum)
        matched = scores > 0
        words = [term.text for term in terms]
        phrases = " OR ".join(f'"{word}"' for word in words)
        wanted = marks(analyze_leaves(parse(phrases), None)) if words else Marks.none()
        hits = self._hits(scores, matched, limit, offset, wanted, snippets, snippet_chars, None)
        return SearchResult(", ".join(words), hits, int(matched.sum()), time.perf_counter() - started)

    def _best(
        self, scores: np.ndarray, matched: np.ndarray, limit: int, sort: SortOrder, file_dates: bool = False
    ) -> list[int]:
        """The `limit` first matched documents in `sort` order, equal ones in order of
        path: document numbers depend on how the index was built (which worker wrote
        which segment), and the same folder must give the same results."""
        candidates = matched.nonzero()[0]
        if limit <= 0 or not len(candidates):
            return []
        if sort is SortOrder.SCORE and len(candidates) > limit:
            # Only those that score at least the limit-th best can be placed (ties kept).
            keys = scores[candidates]
            candidates = candidates[keys >= np.partition(keys, len(keys) - limit)[len(keys) - limit]]
        # Keys, smaller first: newest date (or none), then best score.
        if sort is SortOrder.DATE:
            first_key = -self._dates(file_dates)[candidates]
        else:
            first_key = np.zeros(len(candidates), np.int64)
        second_key = -scores[candidates]
        order = np.lexsort((second_key, first_key))
        first_key, second_key, ordered = first_key[order], second_key[order], candidates[order]
        # Every document up to the last place, and all those tied with it.
        end = min(limit, len(ordered))
        if end < len(ordered):
            differs = (first_key[end:] != first_key[end - 1]) | (second_key[end:] != second_key[end - 1])
            end += int(differs.argmax()) if differs.any() else len(differs)
        if end - limit > _MAX_TIES_BY_PATH:
            return ordered[:limit].tolist()
        paths = self._postings.values("path") if end > _MAX_STORED_READS else None
        path_of = paths.__getitem__ if paths is not None else (lambda d: str(self._store.meta(d)["path"]))
        chosen = sorted(range(end), key=lambda i: (first_key[i], second_key[i], path_of(int(ordered[i]))))
        return [int(ordered[i]) for i in chosen[:limit]]

    def _dates(self, file_dates: bool) -> np.ndarray:
        """Each document's date as a number (20210908; 0 for none), for sorting; with
        `file_dates`, the file's date of a document that has none of its own."""
        found = self._date_numbers.get(file_dates)
        if found is None:
            values = self._postings.values("date")
            if file_dates:
                values = [own or file for own, file in zip(values, self._postings.values("file_date"), strict=True)]
            found = self._date_numbers[file_dates] = np.array(
                [int(v.replace("-", "")) if v else 0 for v in values], dtype=np.int64
            )
        return found


def search(index_dir: Path, query: str, *, limit: int | None = 10) -> SearchResult:
    """Run one query against the index at `index_dir`."""
    with Searcher(index_dir) as searcher:
        return searcher.search(query, limit=limit)


def search_many(index_dir: Path, queries: Iterable[str], *, limit: int = 10) -> Iterator[SearchResult]:
    """Run queries one after another on one open index."""
    with Searcher(index_dir) as searcher:
        for query in queries:
            yield searcher.search(query, limit=limit)


def highlighted(
    reader: QueryReader[State], text: str, query: str | None, exact: bool
) -> tuple[tuple[tuple[int, int], ...], Rewrite | None]:
    """The matches in `text` of `query` as `reader` searches it, and what it searches
    instead of the query typed, if anything: a document shown from a hit has the matches
    its snippet had."""
    if query is None:
        return (), None
    reading = reader.read_as_meant(query, exact=exact)
    return tuple(highlight_spans(text, marks(reading.node))), reading.searched


def asks_dates(node: Node, since: datetime.date | None, until: datetime.date | None, sort: SortOrder) -> bool:
    """Whether a search asks anything of dates: bounds, the date order, `date:`."""
    return since is not None or until is not None or sort is SortOrder.DATE or has_date_filter(node)


def stored_date(fields: Mapping[str, object]) -> tuple[str | None, str | None]:
    """A document's date and where it comes from, from what is stored of it (locally or
    in a cluster): its own date is kept under "date", its file's under "file_date"."""
    own, by_file = fields.get("date"), fields.get("file_date")
    return _dated(str(own) if own else None, str(by_file) if by_file else None)


def _dated(own: str | None, by_file: str | None) -> tuple[str | None, str | None]:
    """A document's date and where it comes from, from its two date fields."""
    if own:
        return own, "document"
    return (by_file, "file") if by_file else (None, None)
