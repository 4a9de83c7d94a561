"""Relevance benchmark: searchkit against BM25 baselines on Vietnamese question → passage sets.

Each CSV has a `question` and a `context` column. Every distinct context is one document;
a question's relevant documents are the contexts it was asked about (one, or several when the
same question text appears on several rows). Every question is run as written and with its
diacritics stripped, against searchkit and three bm25s baselines, and scored at rank 10.

Each set also gets a keyword set: 500 runs of 2 to 4 syllables that stand together in a
passage (drawn with a fixed seed), each searched as keywords, as written and without
diacritics; the passage it was drawn from is the one relevant document, so R@10 says how
often it is still in the top 10.

    python benchmarks/relevance.py /path/to/ViMedAQA_v2.csv /path/to/ViRe4MRC_v2.csv
    python benchmarks/relevance.py SET.csv --limit-questions 100 --json figures.json --per-query runs.jsonl
    python benchmarks/relevance.py SET.csv --opensearch http://127.0.0.1:9200

With --opensearch, each set's index is also pushed to the cluster (3 shards, 1 replica,
an index per set) and every question run through it as well: the table gains its row,
and a line gives the mean overlap of its top 10 with the local top 10.

Tables go to stdout, timing to stderr. Needs the `bench` extra: pip install -e '.[bench]'.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import re
import statistics
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import bm25s
import numpy as np

from searchkit.analysis import get_segmenter
from searchkit.documents import Document
from searchkit.errors import QuerySyntaxError
from searchkit.indexing import index_documents
from searchkit.searching import Searcher

K = 10
METRICS = ("ndcg@10", "mrr@10", "recall@10", "p@1")
METRIC_HEADERS = ("nDCG@10", "MRR@10", "R@10", "P@1")
SEARCHKIT = "searchkit"
CLUSTER = "through cluster"
BASELINES = ("bm25-syllables", "bm25-words", "bm25-folded")
SYSTEMS = (SEARCHKIT, *BASELINES)

# Vietnamese writes a space between the syllables of a word, so a run of word characters is a syllable.
_WORD_RE = re.compile(r"\w+")
_QUERY_PUNCTUATION = str.maketrans("", "", '"“”()')
_OPERATOR_RE = re.compile(r"(?<!\S)(AND|OR|NOT)(?!\S)")
_FIELD_PREFIX_RE = re.compile(r"(?<!\S)[A-Za-z]+:")
_D_WITH_STROKE = str.maketrans({"đ": "d", "Đ": "D"})


# ---- the question sets ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Question:
    """One distinct question and the documents that answer it."""

    qid: str
    text: str
    relevant: frozenset[str]


@dataclass(frozen=True, slots=True)
class EvalSet:
    """The documents (id → text, in order of first appearance) and the questions of one CSV."""

    name: str
    documents: dict[str, str]
    questions: list[Question]


def load_eval_set(path: Path, *, limit_questions: int | None = None) -> EvalSet:
    """Read a CSV with `question` and `context` columns. All documents are kept even when
    the questions are limited, so that a quick run searches the same collection."""
    doc_ids: dict[str, str] = {}
    relevant: dict[str, dict[str, None]] = {}  # question → ordered set of doc ids
    with path.open(encoding="utf-8-sig", newline="") as fin:
        reader = csv.DictReader(fin)
        missing = {"question", "context"} - set(reader.fieldnames or ())
        if missing:
            raise SystemExit(f"{path}: no {', '.join(sorted(missing))} column")
        for row in reader:
            context = row["context"]
            doc_id = doc_ids.setdefault(context, f"doc_{len(doc_ids) + 1:05d}")
            relevant.setdefault(row["question"].strip(), {})[doc_id] = None
    questions = [
        Question(qid=f"q{number:05d}", text=text, relevant=frozenset(docs))
        for number, (text, docs) in enumerate(relevant.items(), 1)
    ]
    if limit_questions is not None:
        questions = questions[:limit_questions]
    if not questions:
        raise SystemExit(f"{path}: no questions")
    documents = {doc_id: context for context, doc_id in doc_ids.items()}
    return EvalSet(name=path.stem, documents=documents, questions=questions)


KEYWORD_QUERIES = 500
KEYWORD_SEED = 15
# Syllables side by side with one space between: no punctuation, no line end.
_RUN_RE = re.compile(r"\w+(?: \w+)+")


def keyword_set(eval_set: EvalSet, *, count: int = KEYWORD_QUERIES, seed: int = KEYWORD_SEED) -> EvalSet:
    """The same documents with `count` keyword queries: 2 to 4 syllables drawn from
    where they stand together in a passage, the passage being the relevant document."""
    rng = random.Random(seed)
    doc_ids = list(eval_set.documents)
    questions: list[Question] = []
    while len(questions) < count:
        doc_id = rng.choice(doc_ids)
        length = rng.randint(2, 4)
        runs = [run.split(" ") for run in _RUN_RE.findall(eval_set.documents[doc_id])]
        runs = [run for run in runs if len(run) >= length]
        if not runs:
            continue
        run = rng.choice(runs)
        start = rng.randrange(len(run) - length + 1)
        text = " ".join(run[start : start + length])
        questions.append(Question(qid=f"k{len(questions) + 1:05d}", text=text, relevant=frozenset({doc_id})))
    return EvalSet(name=f"{eval_set.name} keywords", documents=eval_set.documents, questions=questions)


# ---- query conditions -----------------------------------------------------------------


def strip_diacritics(text: str) -> str:
    """Remove every diacritic ("Đường" → "Duong"). Defined here rather than taken from
    searchkit so that the no-diacritics condition stays put when searchkit's folding changes."""
    decomposed = unicodedata.normalize("NFD", text.translate(_D_WITH_STROKE))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def as_written(text: str) -> str:
    """The question unchanged."""
    return text


CONDITIONS: dict[str, Callable[[str], str]] = {"as_written": as_written, "no_diacritics": strip_diacritics}
CONDITION_HEADERS = {"as_written": "as written", "no_diacritics": "no diacritics"}


def as_plain_query(text: str) -> str:
    """The question with searchkit's query syntax taken out: quotes and parentheses removed,
    standalone AND/OR/NOT lower-cased, a `field:` prefix removed. A user would type the
    question as is; this measures ranking rather than how a question happens to parse."""
    text = text.translate(_QUERY_PUNCTUATION)
    text = _OPERATOR_RE.sub(lambda match: match.group(1).lower(), text)
    return _FIELD_PREFIX_RE.sub("", text)


# ---- systems --------------------------------------------------------------------------

Ranking = list[tuple[str, float]]  # (doc id, score), best first, at most K


class SearchkitSystem:
    """searchkit through its library API, each context a document without a title."""

    def __init__(self, documents: dict[str, str], workdir: Path) -> None:
        # The passages have no titles. Indexed as files, a passage's first line would
        # become its title and count twice; given as documents, they have none.
        report = index_documents(
            (Document(path=doc_id, title="", text=text) for doc_id, text in documents.items()),
            workdir / "index",
        )
        self.index_seconds = report.seconds
        self.skipped = [str(skip) for skip in report.skipped]
        self._searcher = Searcher(workdir / "index")
        # How many documents each query matched (not only the K shown), in order.
        self.matched: list[int] = []

    def close(self) -> None:
        self._searcher.close()

    def rank(self, query: str) -> Ranking:
        """The top K documents; raises `QuerySyntaxError` when the query does not parse."""
        result = self._searcher.search(as_plain_query(query), limit=K, snippets=0)
        self.matched.append(result.total)
        return [(hit.path, hit.score) for hit in result.hits]


def syllables(text: str) -> list[str]:
    """Lower-cased syllables: runs of word characters after NFC."""
    return _WORD_RE.findall(unicodedata.normalize("NFC", text).lower())


def pyvi_words(text: str) -> list[str]:
    """Lower-cased pyvi words ("công_an"), without the punctuation tokens pyvi keeps."""
    tokens = get_segmenter().tokenize(text).lower().split()
    return [token for token in tokens if _WORD_RE.search(token)]


def folded_syllables(text: str) -> list[str]:
    """Lower-cased syllables with their diacritics stripped."""
    return _WORD_RE.findall(strip_diacritics(unicodedata.normalize("NFC", text).lower()))


BASELINE_TOKENIZERS: dict[str, Callable[[str], list[str]]] = {
    "bm25-syllables": syllables,
    "bm25-words": pyvi_words,
    "bm25-folded": folded_syllables,
}


class Bm25System:
    """A bm25s baseline (k1=1.5, b=0.75, default method) over one tokenization of
    documents and queries alike."""

    def __init__(self, documents: dict[str, str], tokenize: Callable[[str], list[str]]) -> None:
        started = time.perf_counter()
        self._tokenize = tokenize
        self._doc_ids = list(documents)
        self._bm25 = bm25s.BM25(k1=1.5, b=0.75)
        self._bm25.index([tokenize(text) for text in documents.values()], show_progress=False)
        self.index_seconds = time.perf_counter() - started

    def rank(self, query: str) -> Ranking:
        """The top K documents with a positive score; ties keep document order."""
        token_ids = self._bm25.get_tokens_ids(self._tokenize(query))
        if not token_ids:
            return []
        scores = self._bm25.get_scores_from_ids(token_ids)
        best = np.argsort(-scores, kind="stable")[:K]
        return [(self._doc_ids[i], float(scores[i])) for i in best if scores[i] > 0]


# ---- running and scoring ----------------------------------------------------------------


def score_ranking(ranked: list[str], relevant: frozenset[str]) -> dict[str, float]:
    """nDCG@10 (binary gains, log2 discount), reciprocal rank, recall and precision at 1."""
    top = ranked[:K]
    hits = [doc_id in relevant for doc_id in top]
    dcg = sum(1.0 / math.log2(rank + 1) for rank, hit in enumerate(hits, 1) if hit)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(relevant), K) + 1))
    first = next((rank for rank, hit in enumerate(hits, 1) if hit), None)
    return {
        "ndcg@10": dcg / ideal,
        "mrr@10": 1.0 / first if first else 0.0,
        "recall@10": sum(hits) / len(relevant),
        "p@1": 1.0 if hits[:1] == [True] else 0.0,
    }


@dataclass
class QueryRun:
    """One question through one system under one condition."""

    question: Question
    query: str
    ranking: Ranking
    metrics: dict[str, float]
    error: str | None = None


@dataclass
class SystemRun:
    """All questions through one system under one condition."""

    system: str
    condition: str
    queries: list[QueryRun] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def syntax_errors(self) -> int:
        return sum(query.error is not None for query in self.queries)

    @property
    def queries_per_second(self) -> float:
        return len(self.queries) / self.seconds if self.seconds > 0 else math.inf

    def mean(self, metric: str) -> float:
        """The mean of `metric` over the questions, in percent."""
        return 100.0 * sum(query.metrics[metric] for query in self.queries) / len(self.queries)


def run_system(system: str, rank: Callable[[str], Ranking], questions: list[Question], condition: str) -> SystemRun:
    """Run every question; a question that does not parse is scored as having no hits."""
    run = SystemRun(system, condition)
    started = time.perf_counter()
    for question in questions:
        query = CONDITIONS[condition](question.text)
        error = None
        try:
            ranking = rank(query)
        except QuerySyntaxError as exc:
            ranking, error = [], str(exc)
        metrics = score_ranking([doc_id for doc_id, _ in ranking], question.relevant)
        run.queries.append(QueryRun(question, query, ranking, metrics, error))
    run.seconds = time.perf_counter() - started
    return run


@dataclass
class SetResult:
    """Every run on one question set, with the index build times."""

    eval_set: EvalSet
    runs: dict[tuple[str, str], SystemRun]
    index_seconds: dict[str, float]
    skipped: list[str]
    # The median number of documents a searchkit query matched, per condition.
    matched: dict[str, float] = field(default_factory=dict)

    def ndcg(self, system: str, condition: str) -> float:
        return self.runs[system, condition].mean("ndcg@10")

    def best_baseline(self) -> str:
        return max(BASELINES, key=lambda name: self.ndcg(name, "as_written"))


class ClusterSystem:
    """searchkit through an OpenSearch cluster: the set's local index, pushed."""

    def __init__(self, index_dir: Path, url: str) -> None:
        from searchkit.opensearch.client import Cluster
        from searchkit.opensearch.push import push
        from searchkit.opensearch.search import RemoteSearcher

        with Cluster(url) as cluster:
            self.index_seconds = push(index_dir, cluster, shards=3, replicas=1).seconds
        self._searcher = RemoteSearcher(Cluster(url))

    def close(self) -> None:
        self._searcher.close()

    def rank(self, query: str) -> Ranking:
        result = self._searcher.search(as_plain_query(query), limit=K, snippets=0)
        return [(hit.path, hit.score) for hit in result.hits]


def overlap(first: SystemRun, second: SystemRun) -> float:
    """The mean share of one run's top K found in the other's, in percent."""
    shares = []
    for a, b in zip(first.queries, second.queries, strict=True):
        mine, theirs = {doc for doc, _ in a.ranking}, {doc for doc, _ in b.ranking}
        shares.append(len(mine & theirs) / len(mine) if mine else (1.0 if not theirs else 0.0))
    return 100.0 * sum(shares) / len(shares) if shares else 100.0


def evaluate(eval_set: EvalSet, opensearch: str | None = None) -> SetResult:
    """Build searchkit's index and the baselines for one set and run both conditions
    (through the cluster at `opensearch` too, when given)."""
    runs: dict[tuple[str, str], SystemRun] = {}
    index_seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="searchkit-relevance-") as workdir:
        engine = SearchkitSystem(eval_set.documents, Path(workdir))
        try:
            index_seconds[SEARCHKIT] = engine.index_seconds
            matched = {}
            for condition in CONDITIONS:
                engine.matched.clear()
                runs[SEARCHKIT, condition] = run_system(SEARCHKIT, engine.rank, eval_set.questions, condition)
                matched[condition] = statistics.median(engine.matched) if engine.matched else 0.0
            if opensearch is not None:
                name = re.sub(r"[^a-z0-9]+", "-", eval_set.name.lower()).strip("-")
                remote = ClusterSystem(Path(workdir) / "index", f"{opensearch.rstrip('/')}/relevance-{name}")
                index_seconds[CLUSTER] = remote.index_seconds
                try:
                    for condition in CONDITIONS:
                        runs[CLUSTER, condition] = run_system(CLUSTER, remote.rank, eval_set.questions, condition)
                finally:
                    remote.close()
        finally:
            engine.close()
    for name, tokenize in BASELINE_TOKENIZERS.items():
        baseline = Bm25System(eval_set.documents, tokenize)
        index_seconds[name] = baseline.index_seconds
        for condition in CONDITIONS:
            runs[name, condition] = run_system(name, baseline.rank, eval_set.questions, condition)
    return SetResult(eval_set, runs, index_seconds, engine.skipped, matched)


# ---- reporting ----------------------------------------------------------------------------


def format_table(result: SetResult) -> Iterator[str]:
    """The per-set table: systems down, metrics for each condition across."""
    eval_set = result.eval_set
    yield (
        f"{eval_set.name}: {len(eval_set.documents)} documents, {len(eval_set.questions)} questions"
        f" (figures in %, at rank {K})"
    )
    group_width = len(METRIC_HEADERS) * 9 - 1
    yield (f"{'':16}" + "".join(f" | {CONDITION_HEADERS[c]:^{group_width}}" for c in CONDITIONS)).rstrip()
    metric_cells = " ".join(f"{header:>8}" for header in METRIC_HEADERS)
    yield f"{'system':16}" + f" | {metric_cells}" * len(CONDITIONS)
    yield "-" * 16 + f"-+-{'-' * group_width}" * len(CONDITIONS)
    for system in [*SYSTEMS, CLUSTER]:
        if (system, "as_written") not in result.runs:
            continue
        cells = [" ".join(f"{result.runs[system, c].mean(metric):8.2f}" for metric in METRICS) for c in CONDITIONS]
        yield f"{system:16}" + "".join(f" | {group}" for group in cells)
    errors = ", ".join(f"{result.runs[SEARCHKIT, c].syntax_errors} {CONDITION_HEADERS[c]}" for c in CONDITIONS)
    yield f"searchkit questions raising QuerySyntaxError (scored as no hits): {errors}"
    best = result.best_baseline()
    gain = result.ndcg(SEARCHKIT, "as_written") - result.ndcg(best, "as_written")
    yield (
        f"searchkit nDCG@10 - best baseline ({best}), as written: {gain:+.2f};"
        f" searchkit without diacritics keeps {retention(result):.2f}% of its as-written nDCG@10"
    )
    matched = ", ".join(f"{result.matched.get(c, 0):g} {CONDITION_HEADERS[c]}" for c in CONDITIONS)
    yield f"searchkit documents matched per query (median of {len(eval_set.questions)}): {matched}"
    if (CLUSTER, "as_written") in result.runs:
        shared = ", ".join(
            f"{overlap(result.runs[SEARCHKIT, c], result.runs[CLUSTER, c]):.2f}% {CONDITION_HEADERS[c]}"
            for c in CONDITIONS
        )
        delta = ", ".join(
            f"{result.ndcg(CLUSTER, c) - result.ndcg(SEARCHKIT, c):+.2f} {CONDITION_HEADERS[c]}" for c in CONDITIONS
        )
        yield f"through the cluster: top-10 overlap with local {shared}; nDCG@10 minus local {delta}"


def retention(result: SetResult) -> float:
    """searchkit's no-diacritics nDCG@10 as a percentage of its as-written nDCG@10."""
    written = result.ndcg(SEARCHKIT, "as_written")
    return 100.0 * result.ndcg(SEARCHKIT, "no_diacritics") / written if written else 0.0


def format_timing(result: SetResult) -> Iterator[str]:
    """Index build seconds and query throughput per system and condition."""
    for system in SYSTEMS:
        throughput = ", ".join(
            f"{CONDITION_HEADERS[c]} {result.runs[system, c].queries_per_second:.1f} queries/s" for c in CONDITIONS
        )
        yield f"{result.eval_set.name}: {system}: index built in {result.index_seconds[system]:.2f} s; {throughput}"


def run_figures(run: SystemRun) -> dict[str, float | int]:
    """One row of the table under one condition, with its throughput."""
    return {
        **{metric: round(run.mean(metric), 2) for metric in METRICS},
        "syntax_errors": run.syntax_errors,
        "queries_per_second": round(run.queries_per_second, 1),
    }


def figures(result: SetResult) -> dict[str, object]:
    """Everything in the table and the timing, for --json."""
    systems = {
        system: {condition: run_figures(result.runs[system, condition]) for condition in CONDITIONS}
        for system in SYSTEMS
    }
    best = result.best_baseline()
    return {
        "documents": len(result.eval_set.documents),
        "questions": len(result.eval_set.questions),
        "systems": systems,
        "index_seconds": {system: round(seconds, 2) for system, seconds in result.index_seconds.items()},
        "searchkit_skipped_documents": result.skipped,
        "best_baseline": best,
        "searchkit_minus_best_baseline_ndcg@10": round(
            result.ndcg(SEARCHKIT, "as_written") - result.ndcg(best, "as_written"), 2
        ),
        "searchkit_no_diacritics_retention_percent": round(retention(result), 2),
        "searchkit_median_documents_matched": result.matched,
    }


def per_query_records(result: SetResult) -> Iterator[dict[str, object]]:
    """searchkit's ranking for each question under each condition, for --per-query."""
    for condition in CONDITIONS:
        for query in result.runs[SEARCHKIT, condition].queries:
            yield {
                "set": result.eval_set.name,
                "system": SEARCHKIT,
                "condition": condition,
                "qid": query.question.qid,
                "question": query.question.text,
                "query": query.query,
                "relevant": sorted(query.question.relevant),
                "retrieved": [{"doc": doc_id, "score": round(score, 4)} for doc_id, score in query.ranking],
                "metrics": query.metrics,
                "error": query.error,
            }


def write_per_query(results: list[SetResult], out: TextIO) -> None:
    """One JSON object per line: `query` is the question as typed under the condition."""
    for result in results:
        for record in per_query_records(result):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


# ---- command line -------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("csvs", metavar="CSV", type=Path, nargs="+", help="question sets (question, context columns)")
    parser.add_argument("--json", metavar="OUT", type=Path, help="write all figures to this JSON file")
    parser.add_argument("--per-query", metavar="OUT.jsonl", type=Path, help="write searchkit's ranking per question")
    parser.add_argument("--limit-questions", metavar="N", type=int, help="only the first N questions of each set")
    parser.add_argument("--no-keywords", action="store_true", help="leave out the keyword sets")
    parser.add_argument("--opensearch", metavar="URL", help="also push each set to this cluster and search it there")
    args = parser.parse_args(argv)
    if args.limit_questions is not None and args.limit_questions < 1:
        parser.error("--limit-questions must be at least 1")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    results = []
    sets = [load_eval_set(path, limit_questions=args.limit_questions) for path in args.csvs]
    if not args.no_keywords:
        sets += [keyword_set(eval_set) for eval_set in sets]
    for eval_set in sets:
        sizes = f"{len(eval_set.documents)} documents, {len(eval_set.questions)} questions"
        print(f"{eval_set.name}: indexing and searching ({sizes})", file=sys.stderr, flush=True)
        result = evaluate(eval_set, args.opensearch)
        results.append(result)
        for skipped in result.skipped:
            print(f"{eval_set.name}: searchkit did not index {skipped}", file=sys.stderr)
        print("\n".join(format_table(result)) + "\n", flush=True)
        print("\n".join(format_timing(result)), file=sys.stderr, flush=True)
    if args.json:
        document = {"k": K, "sets": {result.eval_set.name: figures(result) for result in results}}
        args.json.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if args.per_query:
        with args.per_query.open("w", encoding="utf-8") as out:
            write_per_query(results, out)


if __name__ == "__main__":
    main()
