"""searchkit's peers in benchmarks/speed.py: SQLite FTS5 and tantivy, each run as a child process.

`build` indexes every .txt file of FOLDER (its first non-empty line as the title, the rest as the body) in one go;
`query` runs one query per line of QUERIES_FILE: the line's words (lower-cased \\w+ tokens, each quoted) OR-ed over
title and body, the best 10 by BM25, each with a snippet of the body. Hits go to stdout as JSON Lines with the keys
of `searchkit query --queries FILE --json` (qid, query, rank, score, path, title, snippet, highlights), so that
speed.py reads every engine's answers the same way.

  fts5     SQLite FTS5 through Python's sqlite3: columns title and body, tokenizer `unicode61 remove_diacritics 2`,
           every document inserted in one transaction; `ORDER BY bm25(...) LIMIT 10` and `snippet(...)`.
  tantivy  the `tantivy` package of the bench extra: stored title and body with the default tokenizer, a writer
           with 2 threads; the index's query parser on title and body, and a `SnippetGenerator` on the body.

Example:
    python benchmarks/peers.py fts5 build /tmp/bench/data /tmp/peers/fts5.sqlite
    python benchmarks/peers.py fts5 query /tmp/peers/fts5.sqlite /tmp/peers/titles.txt
    python benchmarks/peers.py tantivy build /tmp/bench/data /tmp/peers/tantivy
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

TOP = 10
FTS5_TOKENIZER = "unicode61 remove_diacritics 2"
# Marks FTS5's snippet() puts around a match; control characters, so that no article holds them.
FTS5_START, FTS5_END = "\x02", "\x03"
FTS5_SNIPPET_TOKENS = 40  # about the 200 characters of tantivy's snippet below
TANTIVY_SNIPPET_CHARS = 200
# The writer's memory budget, shared by its threads.
TANTIVY_HEAP_BYTES, TANTIVY_THREADS = 200_000_000, 2

FTS5_SEARCH = f"""
SELECT path, title, snippet(articles, 2, char({ord(FTS5_START)}), char({ord(FTS5_END)}), '…', {FTS5_SNIPPET_TOKENS}),
       bm25(articles)
FROM articles WHERE articles MATCH ? ORDER BY bm25(articles) LIMIT {TOP}
"""


@dataclass(frozen=True)
class Article:
    """One .txt file of the benchmark corpus: its first non-empty line and the lines after it."""

    path: Path
    title: str
    body: str


def read_article(path: Path) -> Article:
    """The article in `path`: title on the first non-empty line, the lead and body after it."""
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if line.strip():
            return Article(path, line.strip(), "\n".join(lines[number + 1 :]))
    return Article(path, "", "")


def read_articles(folder: Path) -> Iterator[Article]:
    """Every .txt file of `folder`, by file name."""
    for path in sorted(folder.glob("*.txt")):
        yield read_article(path)


def query_words(line: str) -> list[str]:
    """The words of a query line, lower-cased and each once: the \\w+ runs, which hold no character that either
    engine's query syntax would read as an operator."""
    return list(dict.fromkeys(re.findall(r"\w+", line.lower())))


def or_of_quoted(words: list[str]) -> str:
    """`"w1" OR "w2" OR ...`: each word a quoted string, which both FTS5 and tantivy read as a term (or, for a
    word their tokenizer splits, such as a_b, as a phrase)."""
    return " OR ".join(f'"{word}"' for word in words)


@dataclass
class Hit:
    """One answer to one query, as `searchkit query --json` writes it."""

    qid: int
    query: str
    rank: int
    score: float
    path: str
    title: str
    snippet: str
    highlights: list[list[int]]

    def json(self) -> str:
        record = {**self.__dict__, "score": round(self.score, 4)}
        return json.dumps(record, ensure_ascii=False)


def run_queries(queries: Path, search: Callable[[int, str], list[Hit]]) -> None:
    """Run `search` on each line of `queries` that has words and write its hits as JSON Lines; a query that
    fails is reported on stderr the way searchkit reports one, and the others still run."""
    out = sys.stdout
    for qid, line in enumerate(queries.read_text(encoding="utf-8-sig").splitlines(), 1):
        if not query_words(line):
            continue
        try:
            hits = search(qid, line)
        except ValueError as error:  # tantivy's query parser; sqlite3.OperationalError is not one
            print(f"peers: error: query {qid}: {error}", file=sys.stderr)
            continue
        for hit in hits:
            out.write(hit.json() + "\n")
    out.flush()


# ---- SQLite FTS5 --------------------------------------------------------------------------


def build_fts5(folder: Path, database: Path) -> None:
    """An FTS5 table of every article of `folder` in a new database file, written in one transaction."""
    import sqlite3

    # isolation_level=None: no implicit transactions, so that the one BEGIN ... COMMIT below is the only one.
    connection = sqlite3.connect(database, isolation_level=None)
    try:
        connection.execute(
            f"CREATE VIRTUAL TABLE articles USING fts5(path UNINDEXED, title, body, tokenize = '{FTS5_TOKENIZER}')"
        )
        connection.execute("BEGIN")
        connection.executemany(
            "INSERT INTO articles (path, title, body) VALUES (?, ?, ?)",
            ((str(article.path), article.title, article.body) for article in read_articles(folder)),
        )
        connection.execute("COMMIT")
    finally:
        connection.close()


def unmark(marked: str) -> tuple[str, list[list[int]]]:
    """A snippet of FTS5's without its marks, and the [start, end) character spans of the matches they enclosed."""
    pieces = re.split(f"[{FTS5_START}{FTS5_END}]", marked)
    spans, length = [], 0
    for number, piece in enumerate(pieces):
        if number % 2:  # between a start mark and an end mark
            spans.append([length, length + len(piece)])
        length += len(piece)
    return "".join(pieces), spans


def query_fts5(database: Path, queries: Path) -> None:
    """Each query's best 10 articles by bm25(), with snippet() of the body."""
    import sqlite3

    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)

    def search(qid: int, line: str) -> list[Hit]:
        rows = connection.execute(FTS5_SEARCH, (or_of_quoted(query_words(line)),)).fetchall()
        hits = []
        for rank, (path, title, marked, bm25) in enumerate(rows, 1):
            snippet, highlights = unmark(marked)
            # bm25() is lower for a better match; searchkit's and tantivy's scores are higher.
            hits.append(Hit(qid, line, rank, -bm25, path, title, snippet, highlights))
        return hits

    try:
        run_queries(queries, search)
    finally:
        connection.close()


# ---- tantivy ------------------------------------------------------------------------------


def build_tantivy(folder: Path, index_dir: Path) -> None:
    """A tantivy index of every article of `folder` in a new folder, committed once, its merges finished."""
    import tantivy

    builder = tantivy.SchemaBuilder()
    # "raw": the path as one term, only there to be stored and shown.
    builder.add_text_field("path", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", stored=True)
    builder.add_text_field("body", stored=True)
    index_dir.mkdir(parents=True)
    index = tantivy.Index(builder.build(), path=str(index_dir))
    writer = index.writer(heap_size=TANTIVY_HEAP_BYTES, num_threads=TANTIVY_THREADS)
    for article in read_articles(folder):
        writer.add_document(tantivy.Document(path=str(article.path), title=article.title, body=article.body))
    writer.commit()
    # Merges run in the background after a commit: wait for them, so the folder's size is the index's.
    writer.wait_merging_threads()


def char_span(text: str, start: int, end: int) -> list[int]:
    """Byte offsets into `text`'s UTF-8, which tantivy's Snippet.highlighted() gives, as character offsets."""
    encoded = text.encode("utf-8")
    before = len(encoded[:start].decode("utf-8"))
    return [before, before + len(encoded[start:end].decode("utf-8"))]


def query_tantivy(index_dir: Path, queries: Path) -> None:
    """Each query's best 10 articles by tantivy's BM25, with a snippet of the body."""
    import tantivy

    index = tantivy.Index.open(str(index_dir))
    searcher = index.searcher()
    schema = index.schema

    def search(qid: int, line: str) -> list[Hit]:
        query = index.parse_query(or_of_quoted(query_words(line)), ["title", "body"])
        # count=False: only the top 10 are wanted, as from the other engines, not how many match.
        result = searcher.search(query, TOP, count=False)
        snippets = tantivy.SnippetGenerator.create(searcher, query, schema, "body")
        snippets.set_max_num_chars(TANTIVY_SNIPPET_CHARS)
        hits = []
        for rank, (score, address) in enumerate(result.hits, 1):
            document = searcher.doc(address)
            snippet = snippets.snippet_from_doc(document)
            fragment = snippet.fragment()
            highlights = [char_span(fragment, span.start, span.end) for span in snippet.highlighted()]
            path, title = document.get_first("path"), document.get_first("title")
            hits.append(Hit(qid, line, rank, score, path, title, fragment, highlights))
        return hits

    run_queries(queries, search)


# ---- command line -------------------------------------------------------------------------

PEERS = {
    "fts5": (build_fts5, query_fts5),
    "tantivy": (build_tantivy, query_tantivy),
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("peer", choices=sorted(PEERS))
    actions = parser.add_subparsers(dest="action", required=True)
    build = actions.add_parser("build", help="index every .txt file of FOLDER")
    build.add_argument("folder", type=Path)
    build.add_argument("index", type=Path, help="the new database file (fts5) or index folder (tantivy)")
    query = actions.add_parser("query", help="run each line of QUERIES as a query; hits as JSON Lines")
    query.add_argument("index", type=Path)
    query.add_argument("queries", type=Path, help="one query per line")
    args = parser.parse_args(argv)
    build_peer, query_peer = PEERS[args.peer]
    if args.action == "build":
        if args.index.exists():
            parser.error(f"{args.index} exists: build writes a new index")
        build_peer(args.folder, args.index)
    else:
        query_peer(args.index, args.queries)


if __name__ == "__main__":
    main()
