"""Running queries against an index: ranked hits with snippets."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from searchkit.indexing import open_index
from searchkit.query import match_terms, parse, to_whoosh
from searchkit.snippets import Snippet, make_snippet


@dataclass(frozen=True, slots=True)
class Hit:
    """One matching document."""

    rank: int
    score: float
    path: str
    title: str
    snippet: Snippet


@dataclass(frozen=True, slots=True)
class SearchResult:
    """The answer to one query: the hits asked for and how many documents matched."""

    query: str
    hits: list[Hit]
    total: int
    seconds: float


class Searcher:
    """An open index that answers queries; use as a context manager."""

    def __init__(self, index_dir: Path) -> None:
        self._index = open_index(index_dir)
        self._searcher = self._index.searcher()

    def __enter__(self) -> Searcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._searcher.close()

    def search(self, query: str, *, limit: int = 10) -> SearchResult:
        """Parse and run `query`; raises `QuerySyntaxError` for a malformed query."""
        started = time.perf_counter()
        node = parse(query)
        compiled = to_whoosh(node)
        terms = match_terms(node)
        results = self._searcher.search(compiled, limit=limit)
        hits = []
        for rank, result in enumerate(results, 1):
            stored = result.fields()
            hits.append(
                Hit(
                    rank=rank,
                    score=float(result.score or 0.0),
                    path=stored["path"],
                    title=stored.get("title", ""),
                    snippet=make_snippet(stored.get("content", ""), terms),
                )
            )
        return SearchResult(query, hits, len(results), time.perf_counter() - started)


def search(index_dir: Path, query: str, *, limit: int = 10) -> SearchResult:
    """Run one query against the index at `index_dir`."""
    with Searcher(index_dir) as searcher:
        return searcher.search(query, limit=limit)


def search_many(index_dir: Path, queries: Iterable[str], *, limit: int = 10) -> Iterator[SearchResult]:
    """Run queries one after another on one open index."""
    with Searcher(index_dir) as searcher:
        for query in queries:
            yield searcher.search(query, limit=limit)
