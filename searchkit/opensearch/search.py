"""Queries answered through the cluster, as `searching.Searcher` answers them locally.

The query is parsed and analyzed here, translated into the query DSL (`translate`) and
decided in the cluster: which documents match, their count (exact, `track_total_hits`),
their scores (`dfs_query_then_fetch`, so that a term's statistics are the whole index's,
not one shard's) and their order. Identical copies fold into one hit with OpenSearch's
collapse on their digest, the copy first in order of path. A listing of every match
(`paths_only`) pages through a point in time with `search_after`, past the 10,000 hits
a search may return. Snippets are searchkit's own, from the text the cluster returns:
the views the cluster indexes are terms, not the text, so its highlighter has nothing
to put its offsets on, and searchkit's snippets are the local ones exactly.
"""

from __future__ import annotations

import datetime
import time
from pathlib import Path
from typing import Any

from searchkit.analysis import fold_diacritics
from searchkit.errors import DocumentNotFound
from searchkit.matching import leaves, marks
from searchkit.opensearch import statistics
from searchkit.opensearch.client import Cluster, ClusterError
from searchkit.opensearch.mapping import document_id
from searchkit.opensearch.push import check_format
from searchkit.opensearch.translate import dated_query, leaf_query, matching_query, search_query, word_query
from searchkit.paths import path_of_fields
from searchkit.reading import QueryReader
from searchkit.schema import BODY_FIELDS, TITLE_FIELDS
from searchkit.searching import Hit, SearchResult, SortOrder, StoredDocument, asks_dates, highlighted, stored_date
from searchkit.snippets import SNIPPET_CHARS, make_snippets
from searchkit.syntax import Node, to_string

# Hits a page of a listing: OpenSearch's most for one search.
_PAGE = 10_000
_SHOWN = ["path", "path_bytes", "title", "content", "date", "file_date", "copy"]


class RemoteSearcher(QueryReader[None]):
    """The index of a cluster that answers queries; use as a context manager. It reads
    queries as the local index does (see `reading`), from the statistics pushed beside
    the index (`statistics`)."""

    def __init__(self, cluster: Cluster) -> None:
        self._cluster = cluster
        mappings = cluster.request("GET", cluster.path("_mapping"), missing_ok=True)
        if not mappings:
            raise ClusterError(f"there is no index at {cluster.shown}; fill it with: searchkit push {cluster.shown}")
        check_format(cluster, mappings)
        self._statistics_index = statistics.index_name(cluster.index)
        self._counts_of: dict[str, dict[str, int]] = {}
        total = self._statistics(statistics.TOTAL_ID)
        self._syllable_count = int(total.get("total", 0)) if total else 0
        super().__init__()

    def __enter__(self) -> RemoteSearcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._cluster.close()

    # ---- what the cluster says of syllables and matches ---------------------------------

    def _statistics(self, doc_id: str) -> dict[str, Any]:
        found = self._cluster.request(
            "GET", self._cluster.path("_doc", doc_id, index=self._statistics_index), missing_ok=True
        )
        return found.get("_source") or {} if found.get("found") else {}

    def _counts_in(self, doc_id: str) -> dict[str, int]:
        counts = self._counts_of.get(doc_id)
        if counts is None:
            counts = self._counts_of[doc_id] = dict(self._statistics(doc_id).get("counts") or {})
        return counts

    def _frequency(self, view: str, term: str) -> int:
        if view == "bigrams":
            first, _, second = term.partition(" ")
            return int(self._counts_in(statistics.next_id(first)).get(second, 0))
        return int(self._counts_in(statistics.forms_id(fold_diacritics(term))).get(term, 0))

    def _has(self, view: str, term: str) -> bool:
        if view == "folded":
            return bool(self._counts_in(statistics.forms_id(term)))
        return self._frequency("syllables", term) > 0

    def _new_state(self) -> None:
        return None

    def _words_match(self, words: Node, state: None) -> bool | None:
        query = matching_query(words)
        return None if query is None else self._count(query) > 0

    def _missing(self, words: Node, state: None) -> str:
        """As `Matcher.missing`: a word no document has, else the run, else the query."""
        for leaf in leaves(words):
            analysis = leaf.analysis
            if analysis is None or not analysis.syllables or self._count(leaf_query(analysis, leaf.field)):
                continue
            field_sets = [TITLE_FIELDS] if leaf.field == "title" else [BODY_FIELDS, TITLE_FIELDS]
            for word in analysis.required:
                found = {"bool": {"should": [word_query(word, fields) for fields in field_sets]}}
                if not self._count(found):
                    return word.typed
            return leaf.text
        return to_string(words, restored=False)

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
        """As `Searcher.search`, through the cluster."""
        del explain  # what each term added: the cluster's explain is not searchkit's
        started = time.perf_counter()
        reading = self.read_as_meant(query, exact=exact)
        node = reading.node
        dated_only = asks_dates(node, since, until, sort)
        dated = dated_query(since, until, file_dates=file_dates) if dated_only else None
        body: dict[str, Any] = {"query": search_query(node, file_dates=file_dates, dated=dated)}
        order: list[Any] = ["_score", {"path": "asc"}]
        if sort is SortOrder.DATE:
            order = [{"any_date" if file_dates else "date": "desc"}, *order]
        body["sort"] = order
        left_out = 0
        if dated_only and not file_dates:
            with_files = dated_query(since, until, file_dates=True)
            everything = self._count(search_query(node, file_dates=True, dated=with_files))
            left_out = max(0, everything - self._count(body["query"]))
        if paths_only:
            hits, total = self._listing(body, limit, offset)
        else:
            hits, total = self._ranked(body, node, limit, offset, snippets, snippet_chars)
        restored = to_string(node)
        return SearchResult(
            query,
            hits,
            total,
            time.perf_counter() - started,
            restored=restored if restored != to_string(node, restored=False) else None,
            searched=reading.searched,
            suggestion=reading.suggestion,
            left_out_file_dated=left_out,
        )

    def _count(self, query: dict[str, Any]) -> int:
        return int(self._cluster.request("POST", self._cluster.path("_count"), {"query": query})["count"])

    def _ranked(
        self, body: dict[str, Any], node: Node, limit: int | None, offset: int, snippets: int, snippet_chars: int
    ) -> tuple[list[Hit], int]:
        size = _PAGE - offset if limit is None else limit
        body = {
            **body,
            "from": offset,
            "size": max(0, min(size, _PAGE - offset)),
            "track_total_hits": True,
            "_source": _SHOWN,
            "collapse": {
                "field": "copy",
                "inner_hits": {
                    "name": "copies",
                    "size": 100,
                    "sort": [{"path": "asc"}],
                    "_source": ["path", "path_bytes"],
                },
            },
        }
        answer = self._search(body)
        wanted = marks(node)
        hits = []
        for rank, found in enumerate(answer["hits"]["hits"], offset + 1):
            source = found["_source"]
            copies = [
                c["_source"] for c in found.get("inner_hits", {}).get("copies", {}).get("hits", {}).get("hits", [])
            ]
            first = copies[0] if copies else source
            shown = first if first.get("path") != source.get("path") else source
            text = str(source.get("content") or "")
            date, date_source = stored_date(source)
            hits.append(
                Hit(
                    rank=rank,
                    score=float(found.get("_score") or 0.0),
                    path=path_of_fields(shown),
                    title=str(source.get("title") or ""),
                    date=date,
                    date_source=date_source,
                    snippets=tuple(make_snippets(text, wanted, width=snippet_chars, count=snippets))
                    if snippets
                    else (),
                    also_at=tuple(path_of_fields(c) for c in copies if c.get("path") != shown.get("path")),
                )
            )
        return hits, _total(answer)

    def _listing(self, body: dict[str, Any], limit: int | None, offset: int) -> tuple[list[Hit], int]:
        """Every match in order (the first `limit` after `offset`), page after page of
        one point in time."""
        cluster = self._cluster
        pit = cluster.request("POST", cluster.path("_search", "point_in_time") + "?keep_alive=2m")["pit_id"]
        hits: list[Hit] = []
        total = 0
        try:
            after = None
            seen = 0
            wanted = None if limit is None else offset + limit
            while wanted is None or seen < wanted:
                page = {
                    **body,
                    "size": _PAGE if wanted is None else min(_PAGE, wanted - seen),
                    "track_total_hits": True,
                    "_source": ["path", "path_bytes", "date", "file_date"],
                    "pit": {"id": pit, "keep_alive": "2m"},
                }
                if after is not None:
                    page["search_after"] = after
                answer = self._search(page, pit=True)
                total = _total(answer)
                found = answer["hits"]["hits"]
                if not found:
                    break
                for item in found:
                    seen += 1
                    if seen > offset:
                        source = item["_source"]
                        date, date_source = stored_date(source)
                        score = float(item.get("_score") or 0.0)
                        hits.append(Hit(seen, score, path_of_fields(source), "", date, date_source))
                after = found[-1]["sort"]
                pit = answer.get("pit_id", pit)
        finally:
            cluster.request("DELETE", "/_search/point_in_time", {"pit_id": [pit]}, missing_ok=True)
        return hits, total

    def _search(self, body: dict[str, Any], *, pit: bool = False) -> dict[str, Any]:
        where = "/_search" if pit else self._cluster.path("_search")
        return self._cluster.request("POST", f"{where}?search_type=dfs_query_then_fetch", body)

    def document(self, path: str | Path, query: str | None = None, *, exact: bool = False) -> StoredDocument:
        """The stored document of the file at `path`, as `Searcher.document` gives it."""
        from searchkit.documents import document_path

        found = self._cluster.request(
            "GET", self._cluster.path("_doc", document_id(document_path(path))), missing_ok=True
        )
        if not found.get("found"):
            raise DocumentNotFound(f"{path} is not in the index at {self._cluster.shown}")
        source = found["_source"]
        text = str(source.get("content") or "")
        highlights, searched = highlighted(self, text, query, exact)
        date, date_source = stored_date(source)
        title = str(source.get("title") or "")
        return StoredDocument(path_of_fields(source), title, text, highlights, date, date_source, searched)


def _total(answer: dict[str, Any]) -> int:
    total = answer.get("hits", {}).get("total", 0)
    return int(total.get("value", 0) if isinstance(total, dict) else total)
