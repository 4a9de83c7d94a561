"""`searchkit serve` under load (issue 20): latency at a fixed rate, the most it answers, both during an index run.

On the first N articles of SOURCE (a .tar.gz of .txt files such as ../shared/bench/baomoi-35k.tar.gz,
35,440 news articles, or a folder of them), in one run:

  steady    `searchkit serve --port 0` on an index of the articles, warmed up by every query once,
            loaded by vegeta on loopback: one client at a time; a fixed rate of 50 requests/s for
            DURATION s, open loop (vegeta sends on schedule whether or not answers have come, so a
            slow answer is not hidden by the client waiting for it); then 20 clients, each sending
            its next request when its answer comes (closed loop), for DURATION/2 s: the most it
            answers. Goal at 50/s: p50 <= 20 ms, p99 <= 100 ms, no error.
  indexing  both loads again, each on a fresh copy of the index and a fresh server, while a
            `searchkit index` run adds 1,000 new articles to it and commits: the first 1,000
            articles with a marker word appended, under new names in a folder of their own. The
            load runs at least as long as before, and until a few seconds after the commit; the
            server must find the marker in every new article once the run has committed, without a
            restart. Latency is shown before the run, while it runs and after its commit.
  beside    the same queries in the library, in this process (`Searcher.search`, index open, a
            snippet each, as the server asks); and as `searchkit query "…" --json`, a process per
            query, which is what a warm server saves.

The queries are several hundred keyword runs of 1 to 3 words (as pyvi segments them) from the titles
of articles drawn with a fixed seed: as written, without diacritics, and a few quoted phrases; each
GET /api/search?q=… with the default limit of 10, every hit with its snippet. With 2 cores or more,
the server runs on CPU 0 and vegeta on CPU 1 (taskset), as do the library and the CLI runs (on CPU
0); the index run may use every CPU. Latency is vegeta's, from its results of every request;
"search" is the time the server itself reports having spent in the search (the JSON's
`milliseconds`), the rest of an answer's time being HTTP, JSON and waiting for its turn.

Markdown tables, ready for the README, go to stdout with the command that made them; progress to
stderr. With --keep, the articles and the index of an earlier run in --workdir are reused (building
the index of 35,440 articles takes 2-3 minutes on 2 cores). Needs vegeta on PATH or in ~/go/bin:
go install github.com/tsenart/vegeta/v12@v12.13.0

Examples:
    .venv/bin/python benchmarks/serve_load.py ../shared/bench/baomoi-35k.tar.gz --workdir /tmp/serve-load --keep
    .venv/bin/python benchmarks/serve_load.py ../shared/bench/baomoi-35k.tar.gz --quick
"""

from __future__ import annotations

import argparse
import base64
import csv
import itertools
import json
import math
import os
import platform
import random
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from peers import read_article

from corpus import copy_articles, work_folder

RATE = 50  # requests/s, open loop
CLIENTS = 20  # closed loop
GOAL_P50_MS, GOAL_P99_MS = 20.0, 100.0
NEW_ARTICLES = 1000
# Appended to each new article: a word no article of the corpus holds, so that a search for
# it finds exactly the new articles once their run has committed.
MARKER = "zqxmarker"
SEED = 20
DEFAULT_LIMIT = 10  # the API's own, sent as no parameter
SERVER_START_SECONDS = 120.0
# How long the load goes on after the index run's commit, so that the reopening shows.
AFTER_COMMIT_SECONDS = 5.0
SERVER_CPU, LOAD_CPU = 0, 1
MARKER_TIMEOUT = 300.0
# A load during an index run stops this long after its set duration even if the run has not committed.
MOST_EXTRA_SECONDS = 600.0


def progress(message: str) -> None:
    print(f"serve_load: {message}", file=sys.stderr, flush=True)


# ---- the processes this run starts ------------------------------------------------------


class Children:
    """Every process the benchmark starts, so that each is stopped at the end, on Ctrl-C too."""

    def __init__(self) -> None:
        self._running: list[subprocess.Popen[bytes]] = []

    def start(self, command: list[str], **options: object) -> subprocess.Popen[bytes]:
        child = subprocess.Popen(command, **options)  # type: ignore[call-overload]
        self._running.append(child)
        return child

    def stop(self, child: subprocess.Popen[bytes], *, grace: float = 30.0) -> None:
        """Stop `child` as Ctrl-C does, and kill it if it has not ended after `grace` seconds."""
        if child.poll() is None:
            child.send_signal(signal.SIGINT)
            try:
                child.wait(grace)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        if child in self._running:
            self._running.remove(child)

    def stop_all(self) -> None:
        for child in list(self._running):
            self.stop(child, grace=10.0)


def pinned(cpu: int | None, command: list[str]) -> list[str]:
    """`command` run on one CPU (taskset), or as it is when pinning is off."""
    return command if cpu is None else ["taskset", "-c", str(cpu), *command]


def find_vegeta() -> str:
    for found in (shutil.which("vegeta"), Path.home() / "go" / "bin" / "vegeta"):
        if found and Path(found).exists():
            return str(found)
    raise SystemExit(
        "serve_load: vegeta not found on PATH nor in ~/go/bin; install it with\n"
        "    go install github.com/tsenart/vegeta/v12@v12.13.0"
    )


def searchkit_command() -> str:
    path = Path(sys.executable).parent / "searchkit"
    if not path.exists():
        raise SystemExit(f"serve_load: no searchkit next to {sys.executable}; pip install -e '.[serve]'")
    return str(path)


# ---- the articles, the index and the queries -----------------------------------------------


def article_copy(source: Path, count: int, workdir: Path, *, keep: bool) -> list[Path]:
    """The first `count` articles of `source`, copied into the work folder (reused with --keep)."""
    folder = workdir / f"articles-{count}"
    if keep and folder.is_dir():
        found = sorted(folder.glob("*.txt"))
        if len(found) == count:
            progress(f"reusing the {count:,} articles in {folder}")
            return found
    shutil.rmtree(folder, ignore_errors=True)
    progress(f"copying the first {count:,} articles of {source} into {folder}")
    return copy_articles(source, count, folder)


@dataclass
class BaseIndex:
    """The index of every article, as built by `searchkit index`, and the figures of its build."""

    path: Path
    articles: int
    text_bytes: int
    seconds: float
    reused: bool = False


def base_index(articles: list[Path], workdir: Path, *, keep: bool) -> BaseIndex:
    """`searchkit index` of the articles' folder, or with --keep the one an earlier run built."""
    path = workdir / f"index-{len(articles)}"
    figures = path.with_name(path.name + ".json")
    if keep and path.is_dir() and figures.exists():
        progress(f"reusing the index of {len(articles):,} articles at {path}")
        return BaseIndex(path, **json.loads(figures.read_text(encoding="utf-8")), reused=True)
    figures.unlink(missing_ok=True)
    shutil.rmtree(path, ignore_errors=True)
    folder = articles[0].parent
    progress(f"searchkit index of {len(articles):,} articles into {path}: a few minutes for the whole corpus")
    started = time.perf_counter()
    done = subprocess.run(
        [searchkit_command(), "index", str(folder), "--index", str(path)], cwd=workdir, capture_output=True, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"serve_load: searchkit index failed:\n{done.stderr.decode('utf-8', 'replace')[-2000:]}")
    built = BaseIndex(path, len(articles), sum(article.stat().st_size for article in articles), seconds)
    record = {"articles": built.articles, "text_bytes": built.text_bytes, "seconds": built.seconds}
    figures.write_text(json.dumps(record) + "\n", encoding="utf-8")
    return built


def write_new_articles(articles: list[Path], folder: Path) -> list[Path]:
    """New documents for an index run to add: each of `articles` with the marker word appended, under a new name
    in `folder` (made anew), so that each is a document of its own."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    written = []
    for article in articles:
        path = folder / f"new-{article.name}"
        path.write_text(article.read_text(encoding="utf-8").rstrip("\n") + f"\n{MARKER}\n", encoding="utf-8")
        written.append(path)
    return written


@dataclass(frozen=True)
class Query:
    text: str
    kind: str  # "as written", "no diacritics", "phrase"


QUERY_KINDS = ("as written", "no diacritics", "phrase")


def draw_queries(articles: list[Path], count: int, seed: int) -> list[Query]:
    """`count` distinct keyword queries, in the order they are sent: a run of 1 to 3 words (2 to 3 for a phrase)
    of the title of an article drawn at random, as written (in lower case), without diacritics (half as often),
    or quoted as a phrase (one in ten); words as pyvi segments them, numbers and punctuation left out."""
    from searchkit.analysis import analyze, fold_diacritics

    chance = random.Random(seed)
    found: dict[str, Query] = {}
    for _ in range(count * 50):
        if len(found) == count:
            break
        title = read_article(chance.choice(articles)).title
        analysis = analyze(title)
        words = [
            (start, end)
            for text, start, end in zip(analysis.word_texts, analysis.word_starts, analysis.word_ends, strict=True)
            if all(part.isalpha() for part in text.split("_"))
        ]
        kind = chance.choices(QUERY_KINDS, weights=(5, 4, 1))[0]
        length = chance.randint(2, 3) if kind == "phrase" else chance.randint(1, 3)
        if len(words) < length:
            continue
        first = chance.randint(0, len(words) - length)
        # Consecutive words only: a run that skips a number or a mark is not what one types.
        run = words[first : first + length]
        if any(title[end:start].strip() for (_, end), (start, _) in itertools.pairwise(run)):
            continue
        text = " ".join(title[start:end] for start, end in run).lower()
        text = {"as written": text, "no diacritics": fold_diacritics(text), "phrase": f'"{text}"'}[kind]
        found.setdefault(text, Query(text, kind))
    queries = list(found.values())
    if len(queries) < count:
        progress(f"only {len(queries):,} distinct queries could be drawn")
    return queries


def search_target(base_url: str, query: str, **params: str) -> str:
    return base_url + "api/search?" + urllib.parse.urlencode({"q": query, **params}, quote_via=urllib.parse.quote)


# ---- the server ------------------------------------------------------------------------


class Server:
    """A `searchkit serve --port 0` process on an index, its address read from its first line on stderr."""

    def __init__(self, children: Children, index: Path, *, cpu: int | None, cwd: Path, workers: int = 1) -> None:
        self._children = children
        serve = [searchkit_command(), "serve", "--index", str(index), "--port", "0", "--workers", str(workers)]
        command = pinned(cpu, serve)
        self.process = children.start(
            command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        self.said: list[str] = []
        self.url = self._address()
        # Read on, so that a full pipe never stops the server; kept to show a failure.
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()

    def _address(self) -> str:
        assert self.process.stderr is not None
        deadline = time.monotonic() + SERVER_START_SECONDS
        for raw in self.process.stderr:
            line = raw.decode("utf-8", "replace")
            self.said.append(line)
            if found := re.search(r"serving .* at (http://\S+/) \(Ctrl-C stops\)", line):
                return found.group(1)
            if time.monotonic() > deadline:
                break
        self._children.stop(self.process)
        raise SystemExit(f"serve_load: searchkit serve did not start:\n{''.join(self.said)[-2000:]}")

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        for raw in self.process.stderr:
            self.said.append(raw.decode("utf-8", "replace"))

    def search(self, query: str, *, timeout: float = 60.0, **params: str) -> dict[str, object]:
        with urllib.request.urlopen(search_target(self.url, query, **params), timeout=timeout) as answer:
            return json.loads(answer.read())

    def warm_up(self, queries: list[Query]) -> int:
        """Every query once, one at a time, as the load will send them; how many found something."""
        answered = 0
        for query in queries:
            answered += bool(self.search(query.text)["count"])
        return answered

    def stop(self) -> list[str]:
        """Stop the server as Ctrl-C does; the lines it wrote that tell of a failure."""
        self._children.stop(self.process)
        self._reader.join(5)
        return [line.rstrip() for line in self.said if "Traceback" in line or "internal error" in line]


# ---- loads -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """One request of a load, as vegeta recorded it."""

    sent: float  # unix time, s
    latency_ms: float
    status: int
    error: str
    search_ms: float | None  # the time the server says it spent in the search

    @property
    def ok(self) -> bool:
        return self.status == 200 and not self.error


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with at least `share` of them at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass
class Latency:
    """What a stretch of a load's answers took."""

    requests: int
    seconds: float
    answered: int  # status 200, no error
    mean: float
    p50: float
    p90: float
    p99: float
    max: float
    search_p50: float | None
    overhead_p50: float | None  # of each answer's time less its search: HTTP, JSON and its wait for its turn
    failures: Counter[str]
    sending: float  # s from the first request sent to the last
    # The p50 of the requests sent in the first and in the last tenth of the stretch: when the server answers fewer
    # a second than it is sent, requests queue, and the second is far above the first.
    early_p50: float
    late_p50: float
    longest_pause: float  # ms between two requests sent one after the other: the load generator held up

    @property
    def errors(self) -> int:
        return self.requests - self.answered

    @property
    def rate(self) -> float:
        """Answers a second over the stretch."""
        return self.answered / self.seconds if self.seconds > 0 else 0.0

    @property
    def sent_rate(self) -> float:
        """Requests sent a second, from the first to the last."""
        return (self.requests - 1) / self.sending if self.sending > 0 else 0.0

    @classmethod
    def of(cls, answers: list[Answer]) -> Latency | None:
        if not answers:
            return None
        latencies = [answer.latency_ms for answer in answers]
        searches = [answer.search_ms for answer in answers if answer.search_ms is not None]
        overheads = [answer.latency_ms - answer.search_ms for answer in answers if answer.search_ms is not None]
        sent = sorted(answer.sent for answer in answers)
        first = sent[0]
        last = max(answer.sent + answer.latency_ms / 1000 for answer in answers)
        failures = Counter(answer.error or f"status {answer.status}" for answer in answers if not answer.ok)
        return cls(
            requests=len(answers),
            seconds=last - first,
            answered=sum(answer.ok for answer in answers),
            mean=statistics.mean(latencies),
            p50=percentile(latencies, 0.50),
            p90=percentile(latencies, 0.90),
            p99=percentile(latencies, 0.99),
            max=max(latencies),
            search_p50=statistics.median(searches) if searches else None,
            overhead_p50=statistics.median(overheads) if overheads else None,
            failures=failures,
            sending=sent[-1] - first,
            early_p50=statistics.median(a.latency_ms for a in answers if a.sent <= first + (sent[-1] - first) / 10),
            late_p50=statistics.median(a.latency_ms for a in answers if a.sent >= sent[-1] - (sent[-1] - first) / 10),
            longest_pause=max((b - a for a, b in itertools.pairwise(sent)), default=0.0) * 1000,
        )


@dataclass
class Load:
    """How vegeta sends: at a fixed rate (open loop), or as fast as `clients` clients each waiting for its answer."""

    name: str
    rate: int = 0
    clients: int = 0

    def options(self) -> list[str]:
        if self.rate:
            return [f"-rate={self.rate}/1s"]
        return ["-rate=0", f"-workers={self.clients}", f"-max-workers={self.clients}"]


def attack(
    vegeta: str,
    targets: Path,
    load: Load,
    results: Path,
    children: Children,
    *,
    cpu: int | None,
    seconds: float,
    until: Callable[[float], bool] | None = None,
) -> list[Answer]:
    """Send the requests of `targets` (in turn, again and again) as `load` says for `seconds`, or, with `until`,
    until it says to stop (it is asked each tenth of a second with the seconds since the start); every answer."""
    command = [vegeta, "attack", f"-targets={targets}", *load.options(), "-timeout=30s", f"-output={results}"]
    if until is None:
        command.append(f"-duration={seconds:g}s")
        child = children.start(pinned(cpu, command), stdin=subprocess.DEVNULL)
        child.wait()
    else:
        command.append("-duration=0")  # until interrupted: vegeta then stops sending and writes what it has
        child = children.start(pinned(cpu, command), stdin=subprocess.DEVNULL)
        started = time.monotonic()
        while child.poll() is None and not until(time.monotonic() - started):
            time.sleep(0.1)
    children.stop(child)
    if child.returncode not in (0, -signal.SIGINT, 130):
        raise SystemExit(f"serve_load: vegeta attack exited with status {child.returncode}")
    encoded = subprocess.run([vegeta, "encode", "-to", "csv", str(results)], capture_output=True, check=True)
    results.unlink()
    return list(read_answers(encoded.stdout.decode("utf-8")))


def read_answers(results_csv: str) -> Iterator[Answer]:
    """vegeta's results in its CSV encoding: unix ns, status, latency ns, bytes out, bytes in, error, base64 body, …"""
    for row in csv.reader(results_csv.splitlines()):
        status, error = int(row[1]), row[5]
        search_ms = None
        if status == 200 and not error:
            search_ms = json.loads(base64.b64decode(row[6]))["milliseconds"]
        yield Answer(int(row[0]) / 1e9, int(row[2]) / 1e6, status, error, search_ms)


def write_targets(path: Path, base_url: str, queries: list[Query]) -> None:
    path.write_text("".join(f"GET {search_target(base_url, query.text)}\n\n" for query in queries), encoding="utf-8")


# ---- an index run under load ---------------------------------------------------------------


@dataclass
class IndexRunUnderLoad:
    """A `searchkit index` run that adds the new articles while a load goes on, and what the server saw of it."""

    started: float = 0.0  # unix time
    ended: float | None = None
    commits: list[float] = field(default_factory=list)  # when the index's manifest was replaced
    returncode: int | None = None
    said: str = ""
    found: int | None = None  # documents the server finds the marker in, asked right after the run
    marker_sent: float | None = None
    found_at: float | None = None

    @property
    def committed(self) -> float | None:
        return self.commits[0] if self.commits else self.ended


class IndexRunner:
    """Starts the run when asked, notes each commit of the index (its manifest file replaced), and when the run has
    ended asks the server for the marker."""

    def __init__(self, children: Children, server: Server, index: Path, folder: Path, workdir: Path) -> None:
        self.run = IndexRunUnderLoad()
        self._children = children
        self._server = server
        self._index = index
        self._folder = folder
        self._workdir = workdir
        self._child: subprocess.Popen[bytes] | None = None
        self._done = threading.Event()
        self._watcher: threading.Thread | None = None

    @property
    def finished(self) -> bool:
        return self._done.is_set()

    def start(self) -> None:
        from searchkit.store.index import MANIFEST_FILE

        manifest = self._index / MANIFEST_FILE
        before = stamp(manifest)
        self.run.started = time.time()
        self._child = self._children.start(
            [searchkit_command(), "index", str(self._folder), "--index", str(self._index)],
            cwd=self._workdir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self._watcher = threading.Thread(target=self._watch, args=(manifest, before), daemon=True)
        self._watcher.start()

    def _watch(self, manifest: Path, seen: tuple[int, int, int] | None) -> None:
        try:
            self._follow_run(manifest, seen)
        finally:
            self._done.set()

    def _follow_run(self, manifest: Path, seen: tuple[int, int, int] | None) -> None:
        child = self._child
        assert child is not None and child.stderr is not None
        said: list[bytes] = []
        reader = threading.Thread(target=lambda: said.append(child.stderr.read()), daemon=True)
        reader.start()
        while child.poll() is None:
            now = stamp(manifest)
            if now != seen:
                self.run.commits.append(time.time())
                seen = now
            time.sleep(0.02)
        self.run.ended = time.time()
        reader.join()
        self.run.said = b"".join(said).decode("utf-8", "replace")
        if stamp(manifest) != seen:
            self.run.commits.append(self.run.ended)
        self.run.returncode = child.returncode
        self._children.stop(child)
        self.run.marker_sent = time.time()
        try:
            # exact: the marker as typed, not a word the typing rules might rewrite it to.
            # The request waits its turn behind the load's: longer than the others may.
            answer = self._server.search(MARKER, exact="true", timeout=MARKER_TIMEOUT)
            self.run.found = int(answer["count"])  # type: ignore[call-overload]
        except OSError as failed:
            progress(f"the server did not answer the marker query: {failed}")
        self.run.found_at = time.time()


def stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_ino, found.st_mtime_ns, found.st_size


@dataclass
class Steady:
    """The loads on a server of the base index with `workers` processes."""

    workers: int
    pinning: str
    one_client: Latency | None
    fixed_rate: Latency | None
    most: Latency | None
    answered: int  # queries that found something
    failures: list[str]  # what the server wrote of a failure


@dataclass
class LoadDuringIndexing:
    """A load while an index run adds articles: its answers and the run, times relative to the first request."""

    load: Load
    answers: list[Answer]
    run: IndexRunUnderLoad
    found_before: int

    @property
    def start(self) -> float:
        return min(answer.sent for answer in self.answers)

    def stretches(self) -> list[tuple[str, Latency | None]]:
        """The load as a whole, then before the run, while it ran, and after its commit."""
        committed = self.run.committed or math.inf
        return [
            ("whole load", Latency.of(self.answers)),
            ("before the index run", Latency.of([a for a in self.answers if a.sent < self.run.started])),
            ("while it runs", Latency.of([a for a in self.answers if self.run.started <= a.sent < committed])),
            ("after its commit", Latency.of([a for a in self.answers if a.sent >= committed])),
        ]


def load_during_indexing(
    children: Children,
    vegeta: str,
    base: BaseIndex,
    new_folder: Path,
    new_articles: int,
    queries: list[Query],
    load: Load,
    *,
    seconds: float,
    run_after: float,
    workdir: Path,
    pin: bool,
    workers: int,
) -> LoadDuringIndexing:
    """`load` on a fresh copy of the base index, served by a fresh server, while `searchkit index` adds the new
    articles: the run starts `run_after` s into the load, which goes on for at least `seconds` s and until
    AFTER_COMMIT_SECONDS after the run's commit."""
    live = workdir / "index-live"
    shutil.rmtree(live, ignore_errors=True)
    progress(f"copying the index to {live}")
    shutil.copytree(base.path, live)
    # One process is pinned to its CPU; several take every CPU (and share one with vegeta).
    pin = pin and workers == 1
    server = Server(children, live, cpu=SERVER_CPU if pin else None, cwd=workdir, workers=workers)
    try:
        progress(f"{load.name} while an index run adds {new_articles:,} articles: warming up the server")
        server.warm_up(queries)
        found_before = int(server.search(MARKER, exact="true")["count"])  # type: ignore[call-overload]
        targets = workdir / "targets.txt"
        write_targets(targets, server.url, queries)
        runner = IndexRunner(children, server, live, new_folder, workdir)

        def until(elapsed: float) -> bool:
            if not runner.run.started and elapsed >= run_after:
                progress(f"starting searchkit index on {new_folder.name} ({elapsed:.1f} s into the load)")
                runner.start()
            if elapsed >= seconds + MOST_EXTRA_SECONDS:
                progress("the index run has not ended: stopping the load")
                return True
            if not runner.finished:
                return False
            committed = runner.run.committed or time.time()
            return elapsed >= seconds and time.time() >= committed + AFTER_COMMIT_SECONDS

        answers = attack(
            vegeta,
            targets,
            load,
            workdir / "results.bin",
            children,
            cpu=LOAD_CPU if pin else None,
            seconds=0,
            until=until,
        )
    finally:
        failures = server.stop()
    if failures:
        progress("the server wrote:\n" + "\n".join(failures[:20]))
    shutil.rmtree(live, ignore_errors=True)
    return LoadDuringIndexing(load, answers, runner.run, found_before)


# ---- beside: the library and the CLI --------------------------------------------------------


def library_latencies(
    index: Path, queries: list[Query], cpu: int | None
) -> tuple[list[float], list[float], list[float]]:
    """Each query's time in `Searcher.search` (top 10), in ms, the index open in this process: the first time it is
    asked (the searcher has answered one other query, so that pyvi's model is loaded); then, every query run once
    before (what a searcher keeps of the index's statistics and of the phrases it checked is warm), with a snippet
    each, as the server asks, and without (ranking alone)."""
    from searchkit.searching import Searcher

    allowed = os.sched_getaffinity(0)
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    try:
        with Searcher(index) as searcher:
            searcher.search("công an cấp huyện", limit=DEFAULT_LIMIT)
            first: list[float] = []
            for query in queries:
                started = time.perf_counter()
                searcher.search(query.text, limit=DEFAULT_LIMIT)
                first.append((time.perf_counter() - started) * 1000)
            found: tuple[list[float], list[float], list[float]] = (first, [], [])
            for snippets, times in zip((1, 0), found[1:], strict=True):
                for query in queries:
                    started = time.perf_counter()
                    searcher.search(query.text, limit=DEFAULT_LIMIT, snippets=snippets)
                    times.append((time.perf_counter() - started) * 1000)
    finally:
        os.sched_setaffinity(0, allowed)
    return found


def cli_latencies(index: Path, queries: list[Query], cpu: int | None, workdir: Path) -> list[float]:
    """Each query's wall time as `searchkit query "…" --json`, a new process each, in ms."""
    found = []
    for query in queries:
        command = pinned(cpu, [searchkit_command(), "query", query.text, "--json", "--index", str(index)])
        started = time.perf_counter()
        done = subprocess.run(command, cwd=workdir, capture_output=True, check=False)
        found.append((time.perf_counter() - started) * 1000)
        if done.returncode not in (0, 1):  # 1: nothing found
            raise SystemExit(f"serve_load: {shlex.join(command)} failed:\n{done.stderr.decode()[-1000:]}")
    return found


# ---- tables --------------------------------------------------------------------------------


def machine() -> str:
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = " ".join(f"{figure:.2f}" for figure in os.getloadavg())
    return (
        f"{os.cpu_count()} cores, {model}, {platform.system()} {platform.release()}; load average {load} at the start"
    )


def ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}"


LATENCY_HEADER = (
    "| {first} | requests | answers/s | p50 ms | p90 ms | p99 ms | max ms | errors | search p50 ms |\n"
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
)


def latency_row(first: str, figures: Latency | None) -> str:
    if figures is None:
        return f"| {first} | 0 | | | | | | | |"
    errors = f"{figures.errors:,}"
    if figures.failures:
        errors += " (" + ", ".join(f"{count} {why[:60]}" for why, count in figures.failures.most_common(3)) + ")"
    return (
        f"| {first} | {figures.requests:,} | {figures.rate:.1f} | {ms(figures.p50)} | {ms(figures.p90)} |"
        f" {ms(figures.p99)} | {ms(figures.max)} | {errors} | {ms(figures.search_p50)} |"
    )


def verdict(met: bool) -> str:
    return "✓ met" if met else "✗ not met"


def describe_run(during: LoadDuringIndexing, new_articles: int) -> str:
    run, start = during.run, during.start
    end = max(answer.sent + answer.latency_ms / 1000 for answer in during.answers)
    if run.ended is None:
        return f"the index run had not ended when the load stopped at +{end - start:.1f} s"
    said = run.said.strip().splitlines()[-1].removeprefix("searchkit: ") if run.said.strip() else ""
    parts = [
        f"index run from +{run.started - start:.1f} s to +{run.ended - start:.1f} s"
        f" ({run.ended - run.started:.1f} s, exit status {run.returncode}; it said: {said})",
    ]
    if run.commits:
        shown = ", ".join(f"+{moment - start:.1f} s" for moment in run.commits)
        parts.append(f"the index's manifest replaced at {shown}")
    parts.append(f"load from +0 to +{end - start:.1f} s")
    expected = during.found_before == 0 and run.found == new_articles
    assert run.found_at is not None and run.marker_sent is not None
    parts.append(
        f"the server found the marker in {during.found_before:,} documents before the run and in"
        f" {run.found if run.found is not None else 'no answer'} when asked at +{run.marker_sent - start:.1f} s"
        f" (answered at +{run.found_at - start:.1f} s), without a restart"
        f" ({'as expected' if expected else f'EXPECTED 0 and then {new_articles:,}'})"
    )
    return "; ".join(parts)


@dataclass
class Figures:
    """Everything a run measured, to print."""

    command: str
    machine: str
    pinning: str
    base: BaseIndex
    queries: list[Query]
    answered: int
    new_articles: int
    new_folder: Path
    steady: list[Steady]
    first: list[float]  # the library, each query the first time
    library: list[float]
    ranking: list[float]  # the library without snippets
    cli: list[float]
    indexing: list[LoadDuringIndexing]
    server_failures: list[str]


def print_tables(figures: Figures, args: argparse.Namespace) -> None:
    out: list[str] = []
    base = figures.base
    kinds = Counter(query.kind for query in figures.queries)
    built = "reused with --keep, built" if base.reused else "built"
    out += [
        f"### searchkit serve under load ({time.strftime('%Y-%m-%d %H:%M %Z')})",
        "",
        "```sh",
        figures.command,
        "```",
        "",
        f"- Machine: {figures.machine}.",
        f"- Index: {base.articles:,} articles ({base.text_bytes / 1e6:.1f} MB of text), {built} by `searchkit index`"
        f" in {base.seconds:.1f} s.",
        f"- Queries: {len(figures.queries):,} distinct (seed {args.seed}), sent in turn:"
        + ", ".join(f" {kinds[kind]:,} {kind}" for kind in QUERY_KINDS)
        + f"; 1 to 3 words of an article's title; {figures.answered:,} find something."
        f" Each `GET /api/search?q=…` (top {DEFAULT_LIMIT}, a snippet each), keep-alive connections, from vegeta on"
        " loopback; the server answered every query once before.",
        f"- {figures.pinning}",
        "- Warm: a server process, as the library's searcher, keeps what it worked out for the commit it reads (the"
        " index's statistics for reading queries, the documents each phrase of 3 syllables or more was checked to be"
        f" in), and each query is sent about {RATE * args.duration / max(1, len(figures.queries)):.0f} times at"
        f" {RATE}/s after the warm-up. What a query costs the first time: the library's first row below.",
        "- *search p50* is the median time the server reports for the search itself (`milliseconds`);"
        " the rest of an answer's time is HTTP, JSON and waiting for its turn (the server searches one query at a"
        " time).",
        "",
        LATENCY_HEADER.format(first="load"),
    ]
    for loads in figures.steady:
        workers = f"{loads.workers} worker{'s' if loads.workers > 1 else ''}"
        out += [
            latency_row(f"{workers}: one client at a time", loads.one_client),
            latency_row(f"{workers}: {RATE} requests/s, open loop, {args.duration:g} s", loads.fixed_rate),
            latency_row(f"{workers}: {CLIENTS} clients, closed loop, {args.duration / 2:g} s", loads.most),
        ]
    out.append("")
    out += ["- " + f"{loads.workers} worker(s): {loads.pinning}." for loads in figures.steady]
    out.append("")
    out += [
        f"| goal at {RATE} requests/s (issue 20) | "
        + " | ".join(f"{loads.workers} worker(s)" for loads in figures.steady)
        + " |",
        "| --- |" + " --- |" * len(figures.steady),
    ]
    fixed_rates = [loads.fixed_rate for loads in figures.steady]
    rows: list[tuple[str, Callable[[Latency], str]]] = [
        (f"p50 ≤ {GOAL_P50_MS:.0f} ms", lambda f: f"{ms(f.p50)} ms {verdict(f.p50 <= GOAL_P50_MS)}"),
        (f"p99 ≤ {GOAL_P99_MS:.0f} ms", lambda f: f"{ms(f.p99)} ms {verdict(f.p99 <= GOAL_P99_MS)}"),
        ("no error", lambda f: f"{f.errors:,} of {f.requests:,} {verdict(f.errors == 0)}"),
        (
            "the rate held (vegeta sent on time)",
            lambda f: (
                f"{f.sent_rate:.1f}/s, longest pause {ms(f.longest_pause)} ms {verdict(f.sent_rate >= RATE * 0.98)}"
            ),
        ),
    ]
    for name, cell in rows:
        out.append(f"| {name} | " + " | ".join(cell(f) if f else "—" for f in fixed_rates) + " |")
    out.append("")
    for loads in figures.steady:
        fixed = loads.fixed_rate
        if fixed is not None and fixed.rate < fixed.sent_rate * 0.98:
            out += [
                f"At {RATE} requests/s, {loads.workers} worker(s) answered {fixed.rate:.1f} a second, fewer than"
                f" sent: requests queued, and the wait grew through the run (p50 {ms(fixed.early_p50)} ms for the"
                f" requests of its first tenth, {ms(fixed.late_p50)} ms for those of its last).",
                "",
            ]
    if figures.indexing:
        out += [
            f"While `searchkit index {figures.new_folder.name}` adds {figures.new_articles:,} articles to a copy of the"
            f" index being served: the first {figures.new_articles:,} articles with the word `{MARKER}` appended,"
            " written under new names (`new-NAME.txt`) in a folder of their own, so that each is a new document."
            " The load starts on a fresh server, the run a few seconds later (on every CPU), and the load goes on until"
            f" {AFTER_COMMIT_SECONDS:g} s after the run's commit, at least as long as above. Report, no goal.",
            "",
            LATENCY_HEADER.format(first="load, stretch"),
        ]
        for during in figures.indexing:
            for name, stretch in during.stretches():
                out.append(latency_row(f"{during.load.name}: {name}", stretch))
        out.append("")
        for during in figures.indexing:
            out.append(f"- {during.load.name}: {describe_run(during, figures.new_articles)}.")
        out.append("")
    library, cli = figures.library, figures.cli
    lib_p50 = statistics.median(library)
    rows = [
        ("the library in process, each query the first time: `Searcher.search`, index open", figures.first),
        ("the library, each query asked before", library),
        ("the same, without snippets (ranking alone)", figures.ranking),
    ]
    timed = [
        (name, len(times), statistics.median(times), percentile(times, 0.99), statistics.mean(times))
        for name, times in rows
    ]
    for loads in figures.steady:
        for name, stretch in (
            (f"serve, {loads.workers} worker(s), one client at a time", loads.one_client),
            (f"serve, {loads.workers} worker(s), {RATE} requests/s", loads.fixed_rate),
        ):
            if stretch is not None:
                timed.append((name, stretch.requests, stretch.p50, stretch.p99, stretch.mean))
    name = 'the CLI: `searchkit query "…" --json`, a process each'
    timed.append((name, len(cli), statistics.median(cli), max(cli), statistics.mean(cli)))
    out += [
        "The same queries, the other ways to ask them (the library and the CLI pinned as the server is):",
        "",
        "| way | queries | p50 ms | p99 ms | mean ms | p50 ÷ library's |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, count, p50, p99, mean in timed:
        out.append(f"| {name} | {count:,} | {ms(p50)} | {ms(p99)} | {ms(mean)} | {p50 / lib_p50:.1f}x |")
    out.append("")
    out.append(
        f"The CLI's p99 column is its slowest of {len(cli)} runs. A server process searches one query at a time, so"
        f" the library's mean time a query, {statistics.mean(library):.1f} ms, bounds what each can answer:"
        f" {1000 / statistics.mean(library):.0f} a second."
    )
    out += ["", *library_by_kind(figures.queries, library, figures.ranking), ""]
    one = figures.steady[0].one_client
    if one is not None and one.overhead_p50 is not None:
        saved = statistics.median(cli) / one.p50
        out.append(
            f"With one client, an answer takes {ms(one.overhead_p50)} ms more than the search the server reports for"
            f" it (p50 of the difference: HTTP, the request's parameters, the hits as JSON), and {saved:.0f}x less"
            " time than a `searchkit query` process (p50s)."
        )
    if figures.server_failures:
        out += ["", "The server wrote:", "", "```", *figures.server_failures[:20], "```"]
    print("\n".join(out), flush=True)


def library_by_kind(queries: list[Query], library: list[float], ranking: list[float]) -> list[str]:
    """The library's times by kind of query, with snippets and without, and the slowest queries: where the tail of
    the server's latency comes from, as it answers one query at a time."""
    out = [
        "The library's time by kind of query:",
        "",
        "| queries | count | p50 ms | p99 ms | mean ms | ranking alone: p50 ms | p99 ms | mean ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for kind in QUERY_KINDS:
        chosen = [number for number, query in enumerate(queries) if query.kind == kind]
        if not chosen:
            continue
        cells = []
        for times in (library, ranking):
            picked = [times[number] for number in chosen]
            cells += [ms(statistics.median(picked)), ms(percentile(picked, 0.99)), ms(statistics.mean(picked))]
        out.append(f"| {kind} | {len(chosen):,} | " + " | ".join(cells) + " |")
    slowest = sorted(range(len(queries)), key=lambda number: -library[number])[:5]
    shown = ", ".join(f"`{queries[n].text}` {ms(library[n])} ms ({ms(ranking[n])})" for n in slowest)
    out += ["", f"The slowest in the library (ranking alone in brackets): {shown}."]
    return out


# ---- command line -------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path, help="a .tar.gz of .txt articles, or a folder of them")
    parser.add_argument("--articles", type=int, metavar="N", help="the first N articles (default: all)")
    parser.add_argument("--duration", type=float, metavar="S", help="seconds at the fixed rate (default 60)")
    parser.add_argument("--queries", type=int, metavar="N", help="distinct queries (default 500)")
    parser.add_argument("--cli-runs", type=int, metavar="N", help="searchkit query processes (default 30)")
    parser.add_argument("--seed", type=int, default=SEED, help=f"for drawing the queries (default {SEED})")
    parser.add_argument("--skip-indexing", action="store_true", help="leave out the loads during an index run")
    parser.add_argument("--no-pin", action="store_true", help="run the server and vegeta on any CPU")
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: 2,000 articles, 10 s, 200 queries, 200 new articles"
    )
    parser.add_argument("--workdir", type=Path, metavar="DIR", help="where articles and indexes go (default: temp)")
    parser.add_argument("--keep", action="store_true", help="keep the workdir; reuse the articles and index in it")
    parser.add_argument(
        "--workers",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[1, 2],
        metavar="N,M",
        help="the loads with `searchkit serve --workers N`, then M, … (default 1,2); the index runs with the last",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    defaults = {"duration": 10 if quick else 60, "queries": 200 if quick else 500, "cli_runs": 10 if quick else 30}
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if args.articles is None and quick:
        args.articles = 2000
    args.new_articles = 200 if quick else NEW_ARTICLES
    if args.duration < 4:
        parser.error("--duration must be at least 4 seconds")
    if not args.source.exists():
        parser.error(f"no such folder or file: {args.source}")
    return args


def count_articles(source: Path) -> int:
    if source.is_dir():
        return sum(1 for _ in source.rglob("*.txt"))
    import tarfile

    with tarfile.open(source) as archive:
        return sum(1 for member in archive if member.isfile() and member.name.endswith(".txt"))


def steady_loads(
    children: Children,
    vegeta: str,
    index: Path,
    queries: list[Query],
    args: argparse.Namespace,
    workdir: Path,
    *,
    pin: bool,
    workers: int,
) -> Steady:
    """One client, the fixed rate and the clients on a fresh server of `index` with `workers` processes."""
    # One process is pinned to its CPU, vegeta to the other; several take every CPU (sharing one with vegeta).
    pin = pin and workers == 1
    server_cpu, load_cpu = (SERVER_CPU, LOAD_CPU) if pin else (None, None)
    server = Server(children, index, cpu=server_cpu, cwd=workdir, workers=workers)
    try:
        progress(f"server with {workers} worker(s) at {server.url}; warming up with every query once")
        for _ in range(workers):  # each process answers its share: warm them all
            answered = server.warm_up(queries)
        targets = workdir / "targets.txt"
        write_targets(targets, server.url, queries)
        results = workdir / "results.bin"
        one_client_seconds = max(3.0, args.duration / 6)
        progress(f"one client at a time, {one_client_seconds:g} s")
        one_client = Latency.of(
            attack(
                vegeta,
                targets,
                Load("one client", clients=1),
                results,
                children,
                cpu=load_cpu,
                seconds=one_client_seconds,
            )
        )
        progress(f"{RATE} requests/s, open loop, {args.duration:g} s")
        fixed_rate = Latency.of(
            attack(
                vegeta, targets, Load("fixed rate", rate=RATE), results, children, cpu=load_cpu, seconds=args.duration
            )
        )
        progress(f"{CLIENTS} clients, closed loop, {args.duration / 2:g} s")
        most = Latency.of(
            attack(
                vegeta,
                targets,
                Load("clients", clients=CLIENTS),
                results,
                children,
                cpu=load_cpu,
                seconds=args.duration / 2,
            )
        )
    finally:
        failures = server.stop()
    if failures:
        progress("the server wrote:\n" + "\n".join(failures[:20]))
    pinning = (
        f"the server on CPU {SERVER_CPU}, vegeta on CPU {LOAD_CPU}"
        if pin
        else "not pinned: the server's processes and vegeta on any CPU"
    )
    return Steady(workers, pinning, one_client, fixed_rate, most, answered, failures)


def run(args: argparse.Namespace, workdir: Path, children: Children) -> None:
    vegeta = find_vegeta()
    described = machine()  # its load average before this run adds to it
    pin = not args.no_pin and (os.cpu_count() or 1) >= 2 and shutil.which("taskset") is not None
    count = args.articles or count_articles(args.source)
    articles = article_copy(args.source, count, workdir, keep=args.keep)
    base = base_index(articles, workdir, keep=args.keep)
    progress(f"drawing {args.queries:,} queries from the titles (seed {args.seed})")
    queries = draw_queries(articles, args.queries, args.seed)
    new_articles = min(args.new_articles, len(articles))
    new_folder = write_new_articles(articles[:new_articles], workdir / f"new-{new_articles}")[0].parent
    server_cpu = SERVER_CPU if pin else None

    steady = [
        steady_loads(children, vegeta, base.path, queries, args, workdir, pin=pin, workers=workers)
        for workers in args.workers
    ]

    progress(f"the library: {len(queries):,} queries, three times (the first pass warms)")
    first, library, ranking = library_latencies(base.path, queries, server_cpu)
    progress(f"the CLI: {args.cli_runs} searchkit query processes")
    cli = cli_latencies(base.path, queries[: args.cli_runs], server_cpu, workdir)

    indexing = []
    if not args.skip_indexing:
        run_after = min(5.0, args.duration / 4)
        for load, seconds in (
            (Load(f"{RATE} requests/s", rate=RATE), args.duration),
            (Load(f"{CLIENTS} clients", clients=CLIENTS), args.duration / 2),
        ):
            indexing.append(
                load_during_indexing(
                    children,
                    vegeta,
                    base,
                    new_folder,
                    new_articles,
                    queries,
                    load,
                    seconds=seconds,
                    run_after=run_after,
                    workdir=workdir,
                    pin=pin,
                    workers=args.workers[-1],
                )
            )
    pinning = (
        f"One server process is pinned to CPU {SERVER_CPU} and vegeta to CPU {LOAD_CPU} (`taskset`); several take"
        f" every CPU, as vegeta then does. The library and the CLI run on CPU {SERVER_CPU}; the index run on every CPU."
        if pin
        else "Not pinned: every process on any CPU."
    )
    figures = Figures(
        command=shlex.join(["python", *sys.argv]),
        machine=described,
        pinning=pinning,
        base=base,
        queries=queries,
        answered=steady[0].answered,
        new_articles=new_articles,
        new_folder=new_folder,
        steady=steady,
        first=first,
        library=library,
        ranking=ranking,
        cli=cli,
        indexing=indexing,
        server_failures=[line for loads in steady for line in loads.failures],
    )
    print_tables(figures, args)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    workdir = work_folder("searchkit-serve-load-", args.workdir, keep=args.keep)
    children = Children()
    # Ctrl-C and SIGTERM stop the run through the `finally` below, which stops every child. SIGINT is handled even
    # when this process was started ignoring it (in the background of a script): so the children, which inherit an
    # ignored signal but not a handler, stop at the SIGINT that stops them.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    started = time.perf_counter()
    try:
        run(args, workdir, children)
    except KeyboardInterrupt:
        progress("interrupted")
        raise SystemExit(130) from None
    finally:
        children.stop_all()
        progress(f"{time.perf_counter() - started:.0f} s in all")
        if args.keep:
            progress(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
