"""Turning results into output: rich text for people, JSON Lines for programs.

All output goes through an `Environment`, which says where stdout and stderr are and
whether they are terminals, so tests can stand in for a terminal or a pipe.
"""

from __future__ import annotations

import enum
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from searchkit.indexing import IndexReport
    from searchkit.searching import Hit, SearchResult


@dataclass
class Environment:
    """Where output goes and how it may look."""

    stdout: IO[str] = field(default_factory=lambda: sys.stdout)
    stderr: IO[str] = field(default_factory=lambda: sys.stderr)
    stdout_isatty: bool = field(default_factory=lambda: sys.stdout.isatty())
    stderr_isatty: bool = field(default_factory=lambda: sys.stderr.isatty())
    no_color: bool = field(default_factory=lambda: bool(os.environ.get("NO_COLOR")))
    dumb_terminal: bool = field(default_factory=lambda: os.environ.get("TERM") == "dumb")
    # --color: "auto" (colour on a terminal, unless NO_COLOR or TERM=dumb), "always", "never".
    color: str = "auto"

    @property
    def styled(self) -> bool:
        """Whether results on stdout are laid out and coloured for a person."""
        return self.color == "always" or (self.stdout_isatty and self.color == "auto")

    def _coloured(self, is_tty: bool) -> bool:
        if self.color != "auto":
            return self.color == "always"
        return is_tty and not self.no_color and not self.dumb_terminal

    def console(self, *, stderr: bool = False) -> Console:
        from rich.console import Console

        class _Console(Console):
            def on_broken_pipe(self) -> None:
                # rich would exit with status 1; the CLI decides how a closed pipe ends.
                raise BrokenPipeError

        is_tty = self.stderr_isatty if stderr else self.stdout_isatty
        coloured = self._coloured(is_tty)
        return _Console(
            file=self.stderr if stderr else self.stdout,
            force_terminal=is_tty or coloured,
            no_color=not coloured,
            highlight=False,
            emoji=False,
        )

    def error(self, message: str) -> None:
        """One line on stderr, never a traceback."""
        print(f"searchkit: error: {message}", file=self.stderr)

    def note(self, message: str) -> None:
        print(f"searchkit: {message}", file=self.stderr)


def display_path(path: str) -> str:
    """A stored absolute path as the user would type it: relative to the working
    folder when it is inside it."""
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return path


def hit_json(hit: Hit, *, qid: int | None = None, query: str | None = None) -> str:
    record: dict[str, object] = {}
    if qid is not None:
        record["qid"] = qid
        record["query"] = query
    record.update(
        rank=hit.rank,
        score=round(hit.score, 4),
        path=display_path(hit.path),
        title=hit.title,
        snippet=hit.snippet.text,
        highlights=[list(span) for span in hit.snippet.highlights],
    )
    return json.dumps(record, ensure_ascii=False)


class OutputMode(enum.Enum):
    """What `searchkit query` prints of each result."""

    HITS = "hits"  # for a person: rank, title, path, score, snippet
    JSON = "json"  # JSON Lines, one object per hit
    FILES = "files"  # paths only, one per line, best first
    NUL = "nul"  # paths only, each ended by a NUL
    COUNT = "count"  # how many documents matched

    @property
    def needs_snippets(self) -> bool:
        return self in (OutputMode.HITS, OutputMode.JSON)

    def matched(self, result: SearchResult) -> bool:
        """Whether the query matched, for the exit status: a count is of every matching
        document, the other modes show a page of them (which --offset may leave empty)."""
        return bool(result.total if self is OutputMode.COUNT else result.hits)


def write_result(
    env: Environment, result: SearchResult, mode: OutputMode, *, qid: int | None = None, heading: str | None = None
) -> None:
    """One query's result in the given mode. With `qid` (a query of a batch), JSON
    records name their query, and a count is preceded by the query's number."""
    if mode is OutputMode.JSON:
        write_json(env, result, qid=qid)
    elif mode is OutputMode.HITS:
        write_hits(env, result, heading=heading if qid is not None else None)
    elif mode is OutputMode.COUNT:
        env.stdout.write(f"{qid}\t{result.total}\n" if qid is not None else f"{result.total}\n")
    else:
        end = "\0" if mode is OutputMode.NUL else "\n"
        env.stdout.write("".join(display_path(hit.path) + end for hit in result.hits))


def write_json(env: Environment, result: SearchResult, *, qid: int | None = None) -> None:
    for hit in result.hits:
        env.stdout.write(hit_json(hit, qid=qid, query=result.query if qid is not None else None) + "\n")


def write_hits(env: Environment, result: SearchResult, *, heading: str | None = None) -> None:
    """Hits for a person: rank, title, score, path and a highlighted snippet."""
    if not env.styled:
        _write_plain_hits(env, result, heading=heading)
        return
    from rich.padding import Padding
    from rich.text import Text

    console = env.console()
    if heading is not None:
        console.print(Text(heading, style="bold underline"))
    for hit in result.hits:
        head = Text()
        head.append(f"{hit.rank:>2}. ", style="bold")
        head.append(hit.title or display_path(hit.path), style="bold cyan")
        # On a terminal a long title is cut to the width; in a file it is kept whole.
        console.print(head, no_wrap=env.stdout_isatty, overflow="ellipsis")
        where = Text("    ")
        where.append(display_path(hit.path), style="green")
        where.append(f"  score {hit.score:.2f}", style="dim")
        console.print(where)
        snippet = Text(hit.snippet.text)
        for start, end in hit.snippet.highlights:
            snippet.stylize("bold yellow", start, end)
        console.print(Padding(snippet, (0, 0, 0, 4)))
        console.print()


def _write_plain_hits(env: Environment, result: SearchResult, *, heading: str | None) -> None:
    """The same layout as on a terminal, without styles or wrapping: one line per item."""
    out = env.stdout
    if heading is not None:
        out.write(heading + "\n")
    for hit in result.hits:
        out.write(f"{hit.rank:>2}. {hit.title or display_path(hit.path)}\n")
        out.write(f"    {display_path(hit.path)}  score {hit.score:.2f}\n")
        out.write(f"    {hit.snippet.text}\n\n")


def write_restored(env: Environment, result: SearchResult, *, qid: int | None = None) -> None:
    """The diacritics searchkit put back on a query typed without them, on stderr."""
    if result.restored:
        where = f"query {qid}: " if qid is not None else ""
        env.note(f"{where}did you mean: {result.restored}")


def write_summary(env: Environment, result: SearchResult) -> None:
    """On stderr: the diacritics searchkit put back on the query, and, for a person
    at a terminal, how many documents matched and how long it took."""
    write_restored(env, result)
    if env.stderr_isatty:
        shown = len(result.hits)
        more = f", showing {shown}" if shown < result.total else ""
        env.note(f"{result.total} documents matched{more} ({result.seconds * 1000:.0f} ms)")


def write_index_report(env: Environment, report: IndexReport) -> None:
    for skip in report.skipped:
        env.note(f"skipped {display_path(skip.path)}: {skip.reason}")
    for path in report.fallback_decoded:
        env.note(f"read {display_path(path)} as Windows-1258: it is not valid UTF-8")
    counts = [
        f"{report.added} added",
        f"{report.updated} updated",
        f"{report.removed} removed",
        f"{report.unchanged} unchanged",
        f"{len(report.skipped)} skipped",
    ]
    env.note(f"{', '.join(counts)} in {report.seconds:.1f} s; the index holds {_documents(report.total_documents)}")


def _documents(count: int) -> str:
    return "1 document" if count == 1 else f"{count} documents"
