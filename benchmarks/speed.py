"""Speed and scale: the `searchkit` command against pyvi, a naive pyvi → Whoosh pipeline, rg, SQLite FTS5 and tantivy.

Every measured program runs as a child process, so that start-up, model loading and
memory count the same way on both sides of each comparison. In one run, side by side:

  segment  `searchkit segment` and pyvi's `ViTokenizer.tokenize`, each in a process of its
           own reading the same lines on stdin (lines/s, and whether the outputs are identical);
  index    `searchkit index` and a naive single-process pyvi → Whoosh pipeline on the same
           articles (docs/s, MB/s of text, peak memory, index size relative to the text);
  cold     `searchkit query` and `rg -l -i` over the same folder, a new process each time,
           taking turns, on an index of every article;
  batch    `searchkit query --queries FILE --json` on the titles of the first articles, and in the
           library (`Searcher.search`, index open) keyword queries of 2-4 syllables from those titles,
           median time with and without snippets;
  engines  searchkit, an earlier build of it (--before-venv), SQLite FTS5 and tantivy (benchmarks/peers.py)
           on the same articles: build s, docs/s, index size ÷ text, and queries/s for the same title
           queries (each the OR of its words, top 10 with snippets), peak memory of each process tree,
           and searchkit ÷ each of the others. With --scale, on the first N articles for each N, and
           then one table per engine with a row per size, so that growth shows.

SOURCE is a folder of .txt files or a .tar.gz of them (such as ../shared/bench/baomoi-35k.tar.gz,
35,440 news articles, title on the first line). Each part takes the first articles by file
name; an index or a query run two parts need (the index of every article: cold, batch and
engines) is made once; with --keep, the indexes an earlier run left in the work folder are
reused, with the figures of the builds that made them. Figures and the goals go to stdout,
progress to stderr. Needs the `bench` extra (rg, tantivy): pip install -e '.[bench]'.

Examples:
    python benchmarks/speed.py ../shared/bench/baomoi-35k.tar.gz --workdir /tmp/speed --keep
    python benchmarks/speed.py /tmp/bench/data --articles 2000 --index-articles 300 --skip segment
    python benchmarks/speed.py /tmp/bench/data --articles 2000 --skip segment,index,cold,batch \\
        --before-venv /tmp/venv-before
    python benchmarks/speed.py ../shared/bench/baomoi-35k.tar.gz --skip segment,index,cold,batch \\
        --scale 5000,10000,20000,35440
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path

from peers import read_article
from segment_speed import read_lines

from corpus import work_folder

SECTIONS = ("segment", "index", "cold", "batch", "engines")
DEFAULT_QUERY = "công an cấp huyện"
# Run as `python speed.py --naive-index FOLDER INDEX`: the naive pipeline, in a child process.
NAIVE_INDEX = "--naive-index"
PEERS_SCRIPT = Path(__file__).resolve().with_name("peers.py")
MIB = 1024 * 1024
HEARTBEAT_SECONDS = 30.0
SAMPLE_SECONDS = 0.2

# The goals of the issue, and the sizes they are set on.
SEGMENT_GOAL, SEGMENT_GOAL_ARTICLES = 3.0, 1500
INDEX_GOAL, INDEX_GOAL_ARTICLES = 2.5, 5000
MEMORY_GOAL_BYTES, FULL_CORPUS_ARTICLES = 1024 * MIB, 35440
COLD_GOAL = 1.5  # issue 16: a cold query within 1.5x of rg -l -i
BATCH_GOAL, BATCH_GOAL_QUERIES = 100.0, 300  # reported, with 100/s as the aim

# pyvi's side of the segmentation race: the same loop as `searchkit segment`.
PYVI_SEGMENT = """
import sys
from pyvi import ViTokenizer
out = sys.stdout.buffer
for raw in sys.stdin.buffer:
    line = raw.decode("utf-8").removesuffix("\\n").removesuffix("\\r")
    out.write((ViTokenizer.tokenize(line) + "\\n").encode("utf-8"))
out.flush()
"""


def progress(message: str) -> None:
    print(f"speed: {message}", file=sys.stderr, flush=True)


@dataclass
class Goal:
    """One goal of the issue, as measured in this run."""

    name: str
    measured: str
    target: str
    met: bool
    note: str = ""
    # The issue asks only to report this figure, with a target to aim for: it is
    # marked "short" rather than FAIL when the aim is not reached.
    aim: bool = False


@dataclass
class Report:
    """What one part prints, and the goals it measured."""

    lines: list[str]
    goals: list[Goal] = field(default_factory=list)


def size_note(measured: int, goal: int, unit: str = "articles") -> str:
    """A warning when a goal was measured on another size than the one it is set on."""
    return "" if measured == goal else f"measured on {measured:,} {unit}; the goal is set on {goal:,}"


# ---- the articles ---------------------------------------------------------------------


def article_folder(source: Path, workdir: Path, count: int | None) -> Path:
    """The folder holding SOURCE's .txt files: SOURCE itself, or the first `count` .txt
    files of the tarball (by file name; all when None), extracted flat into the workdir."""
    if source.is_dir():
        return source
    if not source.is_file():
        raise SystemExit(f"speed: no such folder or file: {source}")
    if not tarfile.is_tarfile(source):
        raise SystemExit(f"speed: {source} is neither a folder nor a tarball of .txt files")
    folder = workdir / "articles"
    folder.mkdir(exist_ok=True)
    with tarfile.open(source) as tar:
        members = sorted(
            (m for m in tar.getmembers() if m.isfile() and m.name.endswith(".txt")),
            key=lambda m: Path(m.name).name,
        )
        if count is not None:
            members = members[:count]
        missing = [m for m in members if not (folder / Path(m.name).name).exists()]
        if missing:
            progress(f"extracting {len(missing):,} articles from {source} into {folder}")
        # In the archive's own order: going back in a .tar.gz means decompressing it again
        # from the start, which made extracting in name order take hours.
        for member in sorted(missing, key=lambda m: m.offset):
            data = tar.extractfile(member)
            assert data is not None
            # Only the file name is used, so a member's path cannot lead out of the folder.
            (folder / Path(member.name).name).write_bytes(data.read())
    return folder


def subset_folder(articles: list[Path], workdir: Path) -> Path:
    """A folder holding exactly `articles` (hard links, or copies where links cannot be
    made), so that searchkit, the naive pipeline and rg all read the same files."""
    folder = workdir / f"articles-{len(articles)}"
    names = {path.name for path in articles}
    if folder.is_dir() and {path.name for path in folder.iterdir()} == names:
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir()
    for path in articles:
        try:
            os.link(path, folder / path.name)
        except OSError:  # another file system, or a file we may not link to
            shutil.copyfile(path, folder / path.name)
    return folder


# ---- running a child and measuring it -------------------------------------------------


@dataclass
class ChildRun:
    """A finished child process: wall time, exit status, peak memory and its output."""

    seconds: float
    returncode: int
    peak_bytes: int
    stdout: str
    stderr: str


def _children_of() -> dict[int, list[int]]:
    """Every process's children, from the parent pid in /proc/PID/stat."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_bytes()
        except OSError:
            continue
        # The command name, in parentheses, may hold spaces: the parent pid follows the state after the last ")".
        ppid = int(stat.rsplit(b")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def _proportional_set_size(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
            for line in rollup:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def tree_memory(root: int) -> int:
    """The memory a process and all its descendants hold now, as the sum of their
    proportional set sizes: a page shared by n forked workers counts 1/n in each, so
    the sum is what the tree really holds, where a sum of RSS would count it n times."""
    children = _children_of()
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += _proportional_set_size(pid)
        todo.extend(children.get(pid, ()))
    return total


def run_measured(command: list[str], *, label: str, cwd: Path) -> ChildRun:
    """Run `command` to the end and measure its wall time and peak memory.

    Peak memory is the larger of two figures. os.wait4 returns the rusage of this one
    child, whose ru_maxrss is the exact peak resident size of the child or of whichever
    of its own children peaked highest; unlike RUSAGE_CHILDREN, it is not mixed up with
    earlier children of this process. A child that works in parallel (a pool of workers)
    holds the sum of its processes at once, which no rusage gives: the process tree's
    PSS is sampled every 0.2 s from /proc for that (it can miss a spike shorter than that).
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=cwd)
        ended: list[tuple[float, int, resource.struct_rusage]] = []

        def reap() -> None:
            # Waiting in a thread of its own, the end is timed exactly, not at the next sample.
            _, status, usage = os.wait4(child.pid, 0)
            ended.append((time.perf_counter(), status, usage))

        reaper = threading.Thread(target=reap, daemon=True)
        reaper.start()
        sampled = 0
        can_sample = Path("/proc/self/smaps_rollup").exists()
        next_heartbeat = started + HEARTBEAT_SECONDS
        try:
            while reaper.is_alive():
                if can_sample:
                    sampled = max(sampled, tree_memory(child.pid))
                now = time.perf_counter()
                if now >= next_heartbeat:
                    next_heartbeat += HEARTBEAT_SECONDS
                    progress(f"{label}: {now - started:.0f} s, peak so far {sampled / MIB:.0f} MiB")
                reaper.join(SAMPLE_SECONDS)
        except BaseException:
            child.kill()
            reaper.join()
            raise
        finished, status, usage = ended[0]
        child.returncode = os.waitstatus_to_exitcode(status)  # so that Popen does not wait for it again
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    max_rss = usage.ru_maxrss if sys.platform == "darwin" else usage.ru_maxrss * 1024  # bytes on macOS, KiB on Linux
    return ChildRun(finished - started, child.returncode, max(max_rss, sampled), stdout, stderr)


def run_timed(command: list[str], *, stdin: bytes = b"", cwd: Path) -> tuple[float, subprocess.CompletedProcess[bytes]]:
    """Run `command` with `stdin`, stdout and stderr to pipes; its wall time and result."""
    started = time.perf_counter()
    done = subprocess.run(command, input=stdin, capture_output=True, cwd=cwd, check=False)
    return time.perf_counter() - started, done


def check_status(label: str, done: subprocess.CompletedProcess[bytes] | ChildRun, allowed: tuple[int, ...]) -> None:
    """Stop the benchmark when a child failed: an exit status not in `allowed`, or a Python traceback, which
    exits with 1 like a `searchkit query` that found nothing."""
    stderr = done.stderr if isinstance(done.stderr, str) else done.stderr.decode("utf-8", "replace")
    crashed = done.returncode != 0 and "Traceback (most recent call last):" in stderr
    if done.returncode not in allowed or crashed:
        tail = "\n".join(stderr.strip().splitlines()[-5:])
        raise SystemExit(f"speed: {label} exited with status {done.returncode}:\n{tail}")


# ---- segmentation -----------------------------------------------------------------------


@dataclass
class SegmentRun:
    """One segmenter over all the lines, and over no line (its start-up alone)."""

    name: str
    seconds: float
    startup: float  # the best of three runs on empty input
    output: list[str]

    @property
    def work(self) -> float | None:
        """The time spent on the lines, when it stands out from the noise of start-up."""
        work = self.seconds - self.startup
        return work if work > 0.1 * self.seconds else None


def measure_segmentation(folder: Path, articles: int, workdir: Path) -> Report:
    lines = read_lines(folder, articles)
    megabytes = sum(len(line.encode("utf-8")) for line in lines) / 1e6
    stdin = "".join(line + "\n" for line in lines).encode("utf-8")
    commands = {
        "searchkit segment": [str(installed_searchkit().executable), "segment"],
        "pyvi.ViTokenizer.tokenize": [sys.executable, "-c", PYVI_SEGMENT],
    }
    runs = []
    for name, command in commands.items():
        progress(f"segment: {name} on {len(lines):,} lines")
        startups = []
        for _ in range(3):
            seconds, done = run_timed(command, cwd=workdir)
            check_status(name, done, (0,))
            startups.append(seconds)
        startup = min(startups)
        seconds, done = run_timed(command, stdin=stdin, cwd=workdir)
        check_status(name, done, (0,))
        runs.append(SegmentRun(name, seconds, startup, done.stdout.decode("utf-8").splitlines()))
    ours, theirs = runs
    longest = max(len(ours.output), len(theirs.output))
    differing = [i for i in range(longest) if ours.output[i : i + 1] != theirs.output[i : i + 1]]
    out = [
        f"segmentation: {len(lines):,} lines, {megabytes:.2f} MB, from the first {articles:,} articles",
        f"  {'':28} {'wall s':>8} {'start-up s':>11} {'lines/s':>9} {'MB/s':>7} {'lines/s after start-up':>23}",
    ]
    for run in runs:
        after = f"{len(lines) / run.work:,.0f}" if run.work else "too few lines"
        out.append(
            f"  {run.name:28} {run.seconds:8.2f} {run.startup:11.2f} {len(lines) / run.seconds:9,.0f}"
            f" {megabytes / run.seconds:7.3f} {after:>23}"
        )
    out.append(f"  identical output: {len(lines) - len(differing):,} of {len(lines):,} lines ({len(differing)} differ)")
    if differing:
        i = differing[0]
        ours_line, theirs_line = (run.output[i] if i < len(run.output) else "<missing>" for run in runs)
        out.append(f"  first difference, line {i + 1}:\n    searchkit: {ours_line!r}\n    pyvi:      {theirs_line!r}")
    ratio = theirs.seconds / ours.seconds
    net = f", {theirs.work / ours.work:.2f}x after start-up" if ours.work and theirs.work else ""
    out.append(f"  searchkit segment is {ratio:.2f}x pyvi end to end, start-up included{net}")
    goal = Goal(
        "segmentation, searchkit segment ÷ pyvi",
        f"{ratio:.2f}x, " + ("identical" if not differing else f"{len(differing)} lines DIFFER"),
        f"≥ {SEGMENT_GOAL}x, identical",
        ratio >= SEGMENT_GOAL and not differing,
        size_note(articles, SEGMENT_GOAL_ARTICLES),
    )
    return Report(out, [goal])


# ---- the engines ------------------------------------------------------------------------


@dataclass(frozen=True)
class Engine:
    """Something that indexes a folder of articles and answers title queries, as the commands that do it."""

    name: str  # as the tables show it
    slug: str  # in the names of its indexes in the work folder

    def build_command(self, folder: Path, index: Path) -> list[str]:
        raise NotImplementedError

    def query_command(self, index: Path, queries: Path) -> list[str]:
        raise NotImplementedError


@dataclass(frozen=True)
class SearchkitBuild(Engine):
    """A build of searchkit: the `searchkit` script of one virtual environment."""

    executable: Path

    def build_command(self, folder: Path, index: Path) -> list[str]:
        return [str(self.executable), "index", str(folder), "--index", str(index)]

    def query_command(self, index: Path, queries: Path) -> list[str]:
        return [str(self.executable), "query", "--queries", str(queries), "--json", "--index", str(index)]


@dataclass(frozen=True)
class Peer(Engine):
    """One of benchmarks/peers.py's engines, run by the Python that runs this benchmark."""

    peer: str  # its name on peers.py's command line

    def build_command(self, folder: Path, index: Path) -> list[str]:
        return [sys.executable, str(PEERS_SCRIPT), self.peer, "build", str(folder), str(index)]

    def query_command(self, index: Path, queries: Path) -> list[str]:
        return [sys.executable, str(PEERS_SCRIPT), self.peer, "query", str(index), str(queries)]


@dataclass(frozen=True)
class NaivePipeline(Engine):
    """pyvi's words in a plain Whoosh schema (naive_index below): it only builds, for the index part."""

    def build_command(self, folder: Path, index: Path) -> list[str]:
        return [sys.executable, str(Path(__file__).resolve()), NAIVE_INDEX, str(folder), str(index)]


def installed_searchkit() -> SearchkitBuild:
    """The searchkit this benchmark measures: the `searchkit` script installed next to this Python."""
    path = Path(sys.executable).parent / "searchkit"
    if not path.exists():
        raise SystemExit(
            f"speed: no searchkit next to {sys.executable}; install the project: pip install -e '.[bench]'"
        )
    return SearchkitBuild("searchkit", "searchkit", path)


def searchkit_before(venv: Path) -> SearchkitBuild:
    """The build of searchkit in another virtual environment, to compare with: its bin/searchkit (absolute, as the
    children run in the work folder)."""
    return SearchkitBuild("searchkit before", "searchkit-before", (venv / "bin" / "searchkit").absolute())


def peer_engines() -> list[Peer]:
    """SQLite FTS5 and tantivy, named with the versions this Python runs."""
    if importlib.util.find_spec("tantivy") is None:
        raise SystemExit(f"speed: no tantivy in {sys.executable}: pip install -e '.[bench]'")
    return [
        Peer(f"SQLite FTS5 {sqlite3.sqlite_version}", "fts5", "fts5"),
        Peer(f"tantivy {importlib.metadata.version('tantivy')}", "tantivy", "tantivy"),
    ]


def naive_index(folder: Path, index_dir: Path) -> None:
    """What one would write first: pyvi's words, space-separated, into a plain Whoosh
    schema, one document after another in one process. The original text is stored,
    as searchkit stores it, for snippets."""
    from pyvi import ViTokenizer
    from whoosh import index
    from whoosh.analysis import LowercaseFilter, RegexTokenizer
    from whoosh.fields import ID, TEXT, Schema

    schema = Schema(
        path=ID(stored=True, unique=True),
        content=TEXT(analyzer=RegexTokenizer(r"\S+") | LowercaseFilter(), stored=True),
    )
    index_dir.mkdir(parents=True)
    writer = index.create_in(str(index_dir), schema).writer()
    for path in sorted(folder.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        writer.add_document(path=str(path), content=ViTokenizer.tokenize(text), _stored_content=text)
    writer.commit()


# ---- building and querying, each measured once --------------------------------------------


@dataclass
class IndexRun:
    """One index build: what it read, how long it took, what it held and what it wrote."""

    pipeline: str
    documents: int
    text_bytes: int
    seconds: float
    peak_bytes: int
    index_bytes: int
    note: str = ""

    @property
    def docs_per_second(self) -> float:
        return self.documents / self.seconds

    @property
    def size_ratio(self) -> float:
        """The index's size over the size of the text it holds."""
        return self.index_bytes / self.text_bytes

    def row(self) -> str:
        return (
            f"  {self.pipeline:30} {self.documents:9,} {self.seconds:9.1f} {self.docs_per_second:8.1f}"
            f" {self.text_bytes / 1e6 / self.seconds:7.3f} {self.peak_bytes / MIB:9.0f}"
            f" {self.index_bytes / 1e6:9.1f} {self.size_ratio:7.2f}  {self.note}"
        ).rstrip()


INDEX_HEADER = (
    f"  {'pipeline':30} {'documents':>9} {'wall s':>9} {'docs/s':>8} {'MB/s':>7} {'peak MiB':>9}"
    f" {'index MB':>9} {'÷ text':>7}"
)


@dataclass
class BuiltIndex:
    """An index one engine built of the first articles, where it is, and the figures of its build."""

    folder: Path  # the articles it holds
    path: Path
    build: IndexRun
    reused: bool = False  # with --keep, built by an earlier run


# A failed query, as `searchkit query --queries` and peers.py report it on stderr.
_FAILED_QUERY_RE = re.compile(r"^\S+: error: query \d+:", re.MULTILINE)


@dataclass
class QueryRun:
    """One engine's run of the title queries in one process: its wall time, peak memory and what it answered."""

    queries: int
    seconds: float
    peak_bytes: int
    hits: int  # JSON lines written
    answered: int  # queries with at least one hit
    own_first: int  # queries whose own article ranks first
    failed: int  # queries the engine reported it could not run
    returncode: int

    @property
    def per_second(self) -> float:
        return self.queries / self.seconds


def remove_index(path: Path) -> None:
    """Remove an earlier index at `path`: a folder (searchkit, tantivy) or a file (SQLite)."""
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def disk_bytes(path: Path) -> int:
    """The size of a file, or of every file in a folder."""
    if path.is_file():
        return path.stat().st_size
    return sum(child.stat().st_size for child in path.rglob("*") if child.is_file())


def text_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.iterdir() if path.is_file())


def build_index(engine: Engine, folder: Path, index: Path, *, cwd: Path) -> IndexRun:
    """Build an index of `folder` from scratch at `index` with one engine, measured."""
    remove_index(index)
    documents = sum(1 for _ in folder.iterdir())
    progress(f"index: {engine.name} on {documents:,} articles into {index}")
    run = run_measured(engine.build_command(folder, index), label=engine.name, cwd=cwd)
    # searchkit exits with 2 when some files could not be indexed, after writing the rest.
    check_status(engine.name, run, (0, 2))
    last_line = run.stderr.strip().splitlines()[-1] if run.stderr.strip() else ""
    if last_line:
        progress(f"index: {last_line}")
    note = f"exit status {run.returncode}: {last_line}" if run.returncode else ""
    return IndexRun(engine.name, documents, text_bytes(folder), run.seconds, run.peak_bytes, disk_bytes(index), note)


def run_title_queries(engine: Engine, index: Path, queries: Path, titled: list[Path], *, cwd: Path) -> QueryRun:
    """Run the queries in `queries`, the titles of the articles `titled` one a line, with one engine in one
    process, measured; and count from its JSON Lines what it found."""
    progress(f"queries: {engine.name}, {len(titled):,} title queries")
    run = run_measured(engine.query_command(index, queries), label=f"{engine.name} queries", cwd=cwd)
    # searchkit: status 1 when no query matched, 2 when some did not parse (counted below); the others ran.
    check_status(f"{engine.name} queries", run, (0, 1, 2))
    hits = [json.loads(line) for line in run.stdout.splitlines()]
    own_first = sum(hit["rank"] == 1 and Path(hit["path"]).name == titled[hit["qid"] - 1].name for hit in hits)
    return QueryRun(
        queries=len(titled),
        seconds=run.seconds,
        peak_bytes=run.peak_bytes,
        hits=len(hits),
        answered=len({hit["qid"] for hit in hits}),
        own_first=own_first,
        failed=len(_FAILED_QUERY_RE.findall(run.stderr)),
        returncode=run.returncode,
    )


class Bench:
    """The builds and query runs of one benchmark run, each made once and shared by the parts that need it:
    the index of every article serves the cold, batch and engines parts alike. With --keep, an index and its
    build figures that an earlier run left in the work folder are reused."""

    def __init__(self, articles: list[Path], workdir: Path, *, title_queries: int, keep: bool) -> None:
        self.articles = articles
        self.workdir = workdir
        self.keep = keep
        self.titled = articles[:title_queries]
        self._indexes: dict[tuple[Engine, int], BuiltIndex] = {}
        self._query_runs: dict[tuple[Engine, int], QueryRun] = {}

    def folder(self, size: int) -> Path:
        """A folder of the first `size` articles."""
        return subset_folder(self.articles[:size], self.workdir)

    @cached_property
    def queries_file(self) -> Path:
        """The title queries, the same file for every engine: the first articles' titles, one a line. Written
        anew by each run, as a kept work folder may hold one of other articles."""
        path = self.workdir / f"titles-{len(self.titled)}.txt"
        path.write_text("".join(read_article(article).title + "\n" for article in self.titled), encoding="utf-8")
        return path

    def index(self, engine: Engine, size: int) -> BuiltIndex:
        """`engine`'s index of the first `size` articles, built on first use."""
        key = (engine, size)
        if key not in self._indexes:
            self._indexes[key] = self._build(engine, size)
        return self._indexes[key]

    def _build(self, engine: Engine, size: int) -> BuiltIndex:
        folder = self.folder(size)
        path = self.workdir / f"index-{engine.slug}-{size}"
        figures = path.with_name(path.name + ".json")
        if self.keep and figures.exists() and path.exists():
            progress(f"reusing {engine.name}'s index of {size:,} articles at {path}")
            build = IndexRun(**json.loads(figures.read_text(encoding="utf-8")))
            return BuiltIndex(folder, path, build, reused=True)
        if size > INDEX_GOAL_ARTICLES and isinstance(engine, SearchkitBuild):
            progress(f"building {engine.name}'s index of {size:,} articles: this takes a long while")
        # Written once the build is done: a build that fails half way leaves no figures, and so nothing to reuse.
        figures.unlink(missing_ok=True)
        build = build_index(engine, folder, path, cwd=self.workdir)
        figures.write_text(json.dumps(asdict(build), ensure_ascii=False) + "\n", encoding="utf-8")
        return BuiltIndex(folder, path, build)

    def title_queries(self, engine: Engine, size: int) -> QueryRun:
        """`engine`'s run of the title queries on its index of the first `size` articles, made on first use."""
        key = (engine, size)
        if key not in self._query_runs:
            built = self.index(engine, size)
            self._query_runs[key] = run_title_queries(
                engine, built.path, self.queries_file, self.titled, cwd=self.workdir
            )
        return self._query_runs[key]


# ---- indexing ---------------------------------------------------------------------------


def measure_indexing(bench: Bench, searchkit: Engine, size: int) -> Report:
    ours = bench.index(searchkit, size).build
    theirs = bench.index(NaivePipeline("naive pyvi → Whoosh", "naive"), size).build
    ratio = ours.docs_per_second / theirs.docs_per_second
    out = [
        f"indexing: the first {size:,} articles, {ours.text_bytes / 1e6:.2f} MB of text",
        INDEX_HEADER,
        ours.row(),
        theirs.row(),
        f"  searchkit index is {ratio:.2f}x the naive pipeline in docs/s",
    ]
    goal = Goal(
        "indexing docs/s, searchkit ÷ naive",
        f"{ratio:.2f}x",
        f"≥ {INDEX_GOAL}x",
        ratio >= INDEX_GOAL,
        size_note(size, INDEX_GOAL_ARTICLES),
    )
    return Report(out, [goal])


def describe_full_index(full: BuiltIndex) -> Report:
    articles = full.build.documents
    reused = " (the figures of the earlier run that built it: reused with --keep)" if full.reused else ""
    out = [
        f"full index: {articles:,} articles, {full.build.text_bytes / 1e6:.1f} MB of text{reused}",
        INDEX_HEADER,
        full.build.row(),
    ]
    goal = Goal(
        "peak memory, index of every article",
        f"{full.build.peak_bytes / MIB:.0f} MiB",
        f"< {MEMORY_GOAL_BYTES / MIB:.0f} MiB",
        full.build.peak_bytes < MEMORY_GOAL_BYTES,
        size_note(articles, FULL_CORPUS_ARTICLES),
    )
    return Report(out, [goal])


# ---- queries ----------------------------------------------------------------------------


def find_grep() -> tuple[list[str], str]:
    """`rg -l -i`, from PATH or from this Python's environment (where the `ripgrep` package
    of the bench extra puts it), and its version; `grep -rli` when there is no rg."""
    for rg in (shutil.which("rg"), Path(sys.executable).parent / "rg"):
        if rg and Path(rg).exists():
            version = subprocess.run([str(rg), "--version"], capture_output=True, text=True, check=False)
            name = version.stdout.splitlines()[0] if version.stdout else "rg"
            return [str(rg), "-l", "-i"], f"rg -l -i ({name})"
    grep = shutil.which("grep")
    if grep is None:
        raise SystemExit("speed: neither rg nor grep found")
    progress("rg not found (pip install -e '.[bench]' installs it): comparing with grep -rli instead")
    return [grep, "-rli"], "grep -rli (NOT rg, not found)"


def measure_cold_query(full: BuiltIndex, searchkit: SearchkitBuild, query: str, runs: int, workdir: Path) -> Report:
    grep, grep_name = find_grep()
    query_command = [str(searchkit.executable), "query", query, "--index", str(full.path)]
    grep_command = [*grep, query, str(full.folder)]
    # One run of each first, not timed, so that both are measured with the files in the
    # page cache: "cold" is a new process that opens the index, not a cold disk. It also
    # counts what each finds (searchkit's documents up to 1,000).
    _, done = run_timed([*query_command, "--json", "--limit", "1000"], cwd=workdir)
    check_status("searchkit query", done, (0, 1))
    documents = len(done.stdout.splitlines())
    _, done = run_timed(grep_command, cwd=workdir)
    check_status(grep_name, done, (0, 1))
    files = len(done.stdout.splitlines())
    found = {"searchkit query": f"{documents:,} documents" + (" or more" if documents >= 1000 else ""), grep_name: ""}
    found[grep_name] = f"{files:,} files"
    times: dict[str, list[float]] = {name: [] for name in found}
    progress(f"cold: {runs} runs each of searchkit query and {grep_name}, taking turns")
    for _ in range(runs):
        for name, command in zip(times, (query_command, grep_command), strict=True):
            seconds, done = run_timed(command, cwd=workdir)
            check_status(name, done, (0, 1))
            times[name].append(seconds)
    medians = {name: statistics.median(seconds) for name, seconds in times.items()}
    ratio = medians["searchkit query"] / medians[grep_name]
    out = [
        f'cold query "{query}" over {full.build.documents:,} articles: a new process each time, {runs} runs each, '
        "taking turns, stdout to a pipe",
        f"  {'command':48} {'median s':>9} {'min s':>7} {'max s':>7}  found",
    ]
    for name, seconds in times.items():
        out.append(f"  {name:48} {medians[name]:9.3f} {min(seconds):7.3f} {max(seconds):7.3f}  {found[name]}")
    out.append(f"  searchkit query takes {ratio:.2f}x the time of {grep_name.split(' (')[0]} (medians)")
    tool = "" if grep_name.startswith("rg") else "compared with grep -rli, NOT rg; "
    goal = Goal(
        "cold query median, searchkit ÷ rg -l -i",
        f"{ratio:.2f}x",
        f"≤ {COLD_GOAL}x",
        ratio <= COLD_GOAL,
        tool + size_note(full.build.documents, FULL_CORPUS_ARTICLES),
    )
    return Report(out, [goal])


def measure_batch(bench: Bench, searchkit: Engine) -> Report:
    batch = bench.title_queries(searchkit, len(bench.articles))
    out = [
        f"batch: the titles of the first {batch.queries:,} articles as queries, --json"
        " (up to 10 hits each, with snippets)",
        f"  {batch.queries:,} queries in {batch.seconds:.2f} s in one process, start-up included:"
        f" {batch.per_second:.1f} queries/s; peak memory {batch.peak_bytes / MIB:.0f} MiB",
        f"  {batch.answered:,} with hits, {batch.own_first:,} with their own article first, {batch.failed} did not"
        f" parse; {batch.hits:,} JSON lines; exit status {batch.returncode}",
    ]
    goal = Goal(
        "batch title queries/s, with snippets",
        f"{batch.per_second:.1f}/s",
        f"aim {BATCH_GOAL:.0f}/s",
        batch.per_second >= BATCH_GOAL,
        size_note(batch.queries, BATCH_GOAL_QUERIES, "queries"),
        aim=True,
    )
    return Report(out, [goal])


# The library part: keyword queries of 2 to 4 syllables, timed inside one process once the
# index is open, each mode with an index opened anew (so neither warms the other's caches).
LIBRARY_QUERIES = """
import json, statistics, sys, time
from pathlib import Path
from searchkit.searching import Searcher

index, queries_file = Path(sys.argv[1]), Path(sys.argv[2])
queries = [q for q in queries_file.read_text(encoding="utf-8").splitlines() if q]
times = {0: [], 1: []}
for snippets in (0, 1):
    with Searcher(index) as searcher:
        for query in queries:
            started = time.perf_counter()
            searcher.search(query, limit=10, snippets=snippets)
            times[snippets].append(time.perf_counter() - started)
print(json.dumps({str(k): statistics.median(v) for k, v in times.items()}))
"""
KEYWORD_GOAL_SECONDS = 0.005


def keyword_queries(titles: list[str]) -> list[str]:
    """A keyword query of 2, 3 or 4 syllables (in turn) from the start of each title: its
    first syllables made of letters."""
    found = []
    for i, title in enumerate(titles):
        syllables = [s for s in re.findall(r"\w+", title) if s.isalpha()]
        if len(syllables) >= 2:
            found.append(" ".join(syllables[: 2 + i % 3]))
    return found


def measure_library(bench: Bench, searchkit: SearchkitBuild) -> Report:
    full = bench.index(searchkit, len(bench.articles))
    titles = bench.queries_file.read_text(encoding="utf-8").splitlines()
    queries = keyword_queries(titles)
    path = bench.workdir / f"keywords-{len(queries)}.txt"
    path.write_text("".join(q + "\n" for q in queries), encoding="utf-8")
    python = searchkit.executable.with_name("python")
    command = [str(python), "-c", LIBRARY_QUERIES, str(full.path), str(path)]
    done = subprocess.run(command, capture_output=True, check=True, cwd=bench.workdir)
    medians = {int(k): v for k, v in json.loads(done.stdout).items()}
    out = [
        f"library: {len(queries):,} keyword queries of 2 to 4 syllables (the start of each title), top 10,"
        " Searcher.search in one process with the index open",
        f"  median {medians[0] * 1000:.2f} ms without snippets, {medians[1] * 1000:.2f} ms with",
    ]
    goal = Goal(
        "keyword query in the library, median, no snippets",
        f"{medians[0] * 1000:.2f} ms ({medians[1] * 1000:.2f} ms with snippets)",
        f"<= {KEYWORD_GOAL_SECONDS * 1000:.0f} ms",
        medians[0] <= KEYWORD_GOAL_SECONDS,
        size_note(full.build.documents, FULL_CORPUS_ARTICLES),
    )
    return Report(out, [goal])


# ---- engines side by side -------------------------------------------------------------------

FIGURES = ("build s", "docs/s", "size ÷ text", "queries/s", "build MiB", "query MiB", "answered", "own first")


@dataclass
class EngineResult:
    """One engine on the first articles: its index, and its run of the title queries on it."""

    built: BuiltIndex
    queries: QueryRun

    def figures(self) -> tuple[float, ...]:
        """The numbers of FIGURES, in that order."""
        build, queries = self.built.build, self.queries
        return (
            build.seconds,
            build.docs_per_second,
            build.size_ratio,
            queries.per_second,
            build.peak_bytes / MIB,
            queries.peak_bytes / MIB,
            queries.answered,
            queries.own_first,
        )

    def cells(self) -> list[str]:
        formats = (".1f", ",.1f", ".2f", ",.1f", ".0f", ".0f", ",", ",")
        return [format(figure, spec) for figure, spec in zip(self.figures(), formats, strict=True)]

    def notes(self) -> str:
        notes = [self.built.build.note, "build reused with --keep" if self.built.reused else ""]
        if self.queries.failed:
            notes.append(f"{self.queries.failed} queries failed")
        return "; ".join(note for note in notes if note)


def table_row(first: str, cells: list[str], notes: str = "") -> str:
    """A row of the engines' tables: a name, then a column for each of FIGURES."""
    return (f"  {first:20}" + "".join(f" {cell:>11}" for cell in cells) + f"  {notes}").rstrip()


def ratio_cells(ours: EngineResult, theirs: EngineResult) -> list[str]:
    """searchkit's figures divided by another engine's, but for the counts of answers, which are not compared:
    above 1, searchkit has more of it (takes longer, is faster, is bigger)."""
    pairs = zip(ours.figures()[:6], theirs.figures()[:6], strict=True)
    return [f"{our / their:.2f}x" if their else "-" for our, their in pairs]


def measure_engines(bench: Bench, engines: list[Engine], size: int) -> Report:
    """Every engine on the first `size` articles, side by side, and searchkit ÷ each of the others.
    The first engine is the searchkit measured."""
    results = [EngineResult(bench.index(engine, size), bench.title_queries(engine, size)) for engine in engines]
    megabytes = results[0].built.build.text_bytes / 1e6
    out = [
        f"engines: the first {size:,} articles, {megabytes:.2f} MB of text; the titles of the first"
        f" {len(bench.titled):,} as queries, each its words OR-ed, top 10 with snippets, in one process",
        table_row("engine", list(FIGURES)),
    ]
    out += [
        table_row(engine.name, result.cells(), result.notes()) for engine, result in zip(engines, results, strict=True)
    ]
    out.append(table_row("searchkit ÷ …", list(FIGURES[:6])))
    out += [
        table_row(engine.name, ratio_cells(results[0], result))
        for engine, result in zip(engines[1:], results[1:], strict=True)
    ]
    return Report(out)


def describe_growth(bench: Bench, engine: Engine, sizes: list[int]) -> Report:
    """One engine's figures on each of the sizes, a row each, from the runs measure_engines made."""
    out = [f"growth: {engine.name}", table_row("articles (text)", list(FIGURES))]
    for size in sizes:
        result = EngineResult(bench.index(engine, size), bench.title_queries(engine, size))
        megabytes = result.built.build.text_bytes / 1e6
        out.append(table_row(f"{size:,} ({megabytes:.1f} MB)", result.cells(), result.notes()))
    return Report(out)


# ---- command line -------------------------------------------------------------------------


def format_goals(goals: list[Goal]) -> Iterator[str]:
    if not goals:
        return
    yield "goals"
    yield f"  {'goal':40} {'measured':20} {'target':18} result"
    for goal in goals:
        verdicts = ("short of the aim", "aim met") if goal.aim else ("FAIL", "PASS")
        result = verdicts[goal.met]
        yield f"  {goal.name:40} {goal.measured:20} {goal.target:18} {result}  {goal.note}".rstrip()


def parse_sizes(text: str) -> list[int]:
    """--scale's sizes: numbers of articles, comma-separated, in increasing order."""
    try:
        sizes = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from None
    if not sizes or sizes[0] < 1:
        raise argparse.ArgumentTypeError("sizes must be at least 1")
    return sizes


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path, help="a folder of .txt files, or a .tar.gz of them")
    parser.add_argument("--articles", type=int, metavar="N", help="use only the first N articles (default: all)")
    parser.add_argument("--segment-articles", type=int, default=1500, metavar="N", help="default 1500")
    parser.add_argument("--index-articles", type=int, default=5000, metavar="N", help="default 5000")
    parser.add_argument("--cold-runs", type=int, default=7, metavar="N", help="runs of each command (default 7)")
    parser.add_argument(
        "--batch-queries", type=int, default=300, metavar="N", help="title queries, batch and engines (default 300)"
    )
    parser.add_argument("--query", default=DEFAULT_QUERY, help=f'the cold query (default "{DEFAULT_QUERY}")')
    parser.add_argument("--skip", default="", metavar="PARTS", help=f"parts not to run, of {','.join(SECTIONS)}")
    parser.add_argument(
        "--before-venv", type=Path, metavar="PATH", help='engines: also PATH/bin/searchkit, as "searchkit before"'
    )
    parser.add_argument(
        "--scale",
        type=parse_sizes,
        metavar="N,N,...",
        help="engines: on the first N articles for each N, with a table per engine (default: all the articles)",
    )
    parser.add_argument(
        "--workdir", type=Path, metavar="DIR", help="where articles and indexes go (default: a temp dir)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the workdir; reuse what an earlier run left in it")
    args = parser.parse_args(argv)
    args.skip = {part.strip() for part in args.skip.split(",") if part.strip()}
    if unknown := args.skip - set(SECTIONS):
        parser.error(f"--skip: no part named {', '.join(sorted(unknown))} (parts: {', '.join(SECTIONS)})")
    if args.skip == set(SECTIONS):
        parser.error("--skip: nothing left to run")
    for name in ("articles", "segment_articles", "index_articles", "cold_runs", "batch_queries"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if not args.source.exists():
        parser.error(f"no such folder or file: {args.source}")
    if args.before_venv and not (args.before_venv / "bin" / "searchkit").exists():
        parser.error(f"--before-venv: no {args.before_venv / 'bin' / 'searchkit'}")
    return args


def articles_needed(args: argparse.Namespace) -> int | None:
    """How many articles the parts that run read (None: all), so that only those are
    taken out of a tarball."""
    if not {"cold", "batch"} <= args.skip or ("engines" not in args.skip and args.scale is None):
        return args.articles  # the index of every article
    sizes = {"segment": args.segment_articles, "index": args.index_articles, "engines": max(args.scale or [1])}
    most = max(size for part, size in sizes.items() if part not in args.skip)
    return most if args.articles is None else min(most, args.articles)


def engine_sizes(args: argparse.Namespace, articles: int) -> list[int]:
    """The sizes the engines part runs on: --scale's, up to the number of articles there are; else all of them."""
    if args.scale is None:
        return [articles]
    sizes = [size for size in args.scale if size <= articles]
    if dropped := [size for size in args.scale if size > articles]:
        note = f"--scale: only {articles:,} articles, so not on {', '.join(f'{size:,}' for size in dropped)}"
        progress(note)
        print(note + "\n", flush=True)
    if not sizes:
        raise SystemExit(f"speed: --scale: every size is above the {articles:,} articles there are")
    return sizes


def run(args: argparse.Namespace, workdir: Path) -> None:
    folder = article_folder(args.source, workdir, articles_needed(args))
    articles = sorted(folder.glob("*.txt"))[: args.articles]
    if not articles:
        raise SystemExit(f"speed: no .txt files in {folder}")
    progress(f"{len(articles):,} articles from {args.source}; working in {workdir}")
    searchkit = installed_searchkit()
    bench = Bench(articles, workdir, title_queries=args.batch_queries, keep=args.keep)
    goals: list[Goal] = []

    def show(report: Report) -> None:
        print("\n".join(report.lines) + "\n", flush=True)
        goals.extend(report.goals)

    if "segment" not in args.skip:
        show(measure_segmentation(folder, min(args.segment_articles, len(articles)), workdir))
    if "index" not in args.skip:
        show(measure_indexing(bench, searchkit, min(args.index_articles, len(articles))))
    if not {"cold", "batch"} <= args.skip:
        full = bench.index(searchkit, len(articles))
        show(describe_full_index(full))
        if "cold" not in args.skip:
            show(measure_cold_query(full, searchkit, args.query, args.cold_runs, workdir))
        if "batch" not in args.skip:
            show(measure_batch(bench, searchkit))
            show(measure_library(bench, searchkit))
    if "engines" not in args.skip:
        before = [searchkit_before(args.before_venv)] if args.before_venv else []
        engines: list[Engine] = [searchkit, *before, *peer_engines()]
        sizes = engine_sizes(args, len(articles))
        for size in sizes:
            show(measure_engines(bench, engines, size))
        if len(sizes) > 1:
            for engine in engines:
                show(describe_growth(bench, engine, sizes))
    print("\n".join(format_goals(goals)), flush=True)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == [NAIVE_INDEX]:
        naive_index(Path(argv[1]), Path(argv[2]))
        return
    args = parse_args(argv)
    workdir = work_folder("searchkit-speed-", args.workdir, keep=args.keep)
    try:
        run(args, workdir)
    finally:
        if args.keep:
            progress(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
