"""Turning results into output: rich text for people, JSON Lines for programs.

All output goes through an `Environment`, which says where stdout and stderr are and
whether they are terminals, so tests can stand in for a terminal or a pipe.
"""

from __future__ import annotations

import enum
import json
import os
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from searchkit.indexing import IndexReport
    from searchkit.opensearch.push import PushReport
    from searchkit.ranking import Contribution
    from searchkit.searching import Hit, Rewrite, SearchResult, StoredDocument
    from searchkit.stats import IndexStats


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
    # Columns of the terminal (or $COLUMNS), for laying out results on it.
    width: int = field(default_factory=lambda: shutil.get_terminal_size().columns)
    # Its lines (or $LINES): a document longer than that goes through a pager.
    height: int = field(default_factory=lambda: shutil.get_terminal_size().lines)
    # What pages a long document on a terminal: $PAGER, else less (as git does).
    pager: str = field(default_factory=lambda: os.environ.get("PAGER") or "less")

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
            width=self.width if is_tty else None,
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


def typed_path(path: str) -> str:
    """A stored absolute path as the user would type it: relative to the working
    folder when it is inside it. A name that is not UTF-8 keeps its bytes (as
    surrogates: `os.fsencode` gives them back)."""
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return path


def display_path(path: str) -> str:
    """`typed_path` as it can be printed: the bytes of a name that is not UTF-8 as "\\xNN"."""
    from searchkit.paths import shown_path

    return shown_path(typed_path(path))


def _path_record(path: str) -> dict[str, str]:
    """A path in JSON, as the user would type it (see `paths.path_fields`)."""
    from searchkit.paths import path_fields

    return path_fields(typed_path(path))


def hit_record(
    hit: Hit,
    *,
    qid: int | None = None,
    query: str | None = None,
    searched: Rewrite | None = None,
    suggestion: str | None = None,
) -> dict[str, object]:
    """One hit as `--json` gives it (and the server's API); with `searched`, the query
    searched instead of the one typed and why; with `suggestion`, a better reading of
    the query ("did you mean")."""
    record: dict[str, object] = {}
    if qid is not None:
        record["qid"] = qid
        record["query"] = query
    record.update(
        rank=hit.rank,
        score=round(hit.score, 4),
        **_path_record(hit.path),
        title=hit.title,
        date=hit.date,
        date_source=hit.date_source,
        snippet=hit.snippet.text,
        highlights=[list(span) for span in hit.snippet.highlights],
    )
    if hit.also_at:
        record["also_at"] = [display_path(path) for path in hit.also_at]
    if searched is not None:
        record["searched"] = rewrite_record(searched)
    if suggestion is not None:
        record["suggestion"] = suggestion
    if hit.explanation:
        record["explain"] = [
            {"field": c.field, "view": c.view, "term": c.term, "score": round(c.score, 4)} for c in hit.explanation
        ]
    return record


def rewrite_record(searched: Rewrite) -> dict[str, str]:
    """What was searched instead of the query typed, and why, as JSON holds it."""
    return {"query": searched.query, "reason": searched.reason}


# Tabs, line breaks and other control characters, which would break a line of
# tab-separated values into the wrong cells or lines (or a message into lines).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")


def tsv_line(cells: list[str]) -> str:
    """One line of tab-separated values; a tab or line break inside a cell becomes a space."""
    return "\t".join(CONTROL_CHARACTERS.sub(" ", cell) for cell in cells) + "\n"


def hit_cells(hit: Hit) -> list[str]:
    """One hit as a line of tab-separated values holds it: PATH, SCORE, TITLE, SNIPPET,
    DATE, DATED_BY, and what each term added when it was explained."""
    cells = [
        display_path(hit.path),
        f"{hit.score:.4f}",
        hit.title,
        hit.snippet.text,
        hit.date or "",
        hit.date_source or "",
    ]
    if hit.explanation:
        cells.append(explanation_text(hit.explanation))
    return cells


def explanation_text(explanation: tuple[Contribution, ...]) -> str:
    """What each term added to a score, on one line: `field view:term=score; ...`."""
    return "; ".join(f"{c.field} {c.view}:{c.term}={c.score:.4f}" for c in explanation)


class OutputMode(enum.Enum):
    """What `searchkit query` prints of each result."""

    HITS = "hits"  # for a person: rank, title, path, score, snippets
    TSV = "tsv"  # for cut, awk and fzf: PATH, SCORE, TITLE, SNIPPET, DATE, DATED_BY, one hit per line
    JSON = "json"  # JSON Lines, one object per hit
    FILES = "files"  # paths only, one per line, best first
    NUL = "nul"  # paths only, each ended by a NUL
    COUNT = "count"  # how many documents matched
    JSON_COUNT = "json-count"  # how many documents matched, as a JSON object

    @property
    def needs_snippets(self) -> bool:
        return self in (OutputMode.HITS, OutputMode.TSV, OutputMode.JSON)

    @property
    def counts(self) -> bool:
        """Whether only the number of matching documents is printed."""
        return self in (OutputMode.COUNT, OutputMode.JSON_COUNT)

    @property
    def shows_hits(self) -> bool:
        """Whether each hit is shown whole (so it can be explained)."""
        return self.needs_snippets

    def matched(self, result: SearchResult) -> bool:
        """Whether the query matched, for the exit status: a count is of every matching
        document, the other modes show a page of them (which --offset may leave empty)."""
        return bool(result.total if self.counts else result.hits)


def write_result(
    env: Environment, result: SearchResult, mode: OutputMode, *, qid: int | None = None, heading: str | None = None
) -> None:
    """One query's result in the given mode. With `qid` (a query of a batch), JSON
    records name their query, and a count is preceded by the query's number."""
    if mode is OutputMode.JSON:
        write_json(env, result, qid=qid)
    elif mode is OutputMode.HITS:
        write_hits(env, result, heading=heading if qid is not None else None)
    elif mode is OutputMode.TSV:
        for hit in result.hits:
            cells = hit_cells(hit)
            env.stdout.write(tsv_line([str(qid), *cells] if qid is not None else cells))
    elif mode is OutputMode.COUNT:
        env.stdout.write(f"{qid}\t{result.total}\n" if qid is not None else f"{result.total}\n")
    elif mode is OutputMode.JSON_COUNT:
        named = {"qid": qid, "query": result.query} if qid is not None else {}
        env.stdout.write(json.dumps({**named, "count": result.total}, ensure_ascii=False) + "\n")
    else:
        end = "\0" if mode is OutputMode.NUL else "\n"
        paths = "".join(typed_path(hit.path) + end for hit in result.hits)
        try:
            env.stdout.write(paths)
        except UnicodeEncodeError:
            # A name that is not UTF-8: its own bytes, so that `xargs -0` opens the file.
            env.stdout.flush()
            env.stdout.buffer.write(os.fsencode(paths))


def write_json(env: Environment, result: SearchResult, *, qid: int | None = None) -> None:
    query = result.query if qid is not None else None
    for hit in result.hits:
        record = hit_record(hit, qid=qid, query=query, searched=result.searched, suggestion=result.suggestion)
        env.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")


def write_hits(env: Environment, result: SearchResult, *, heading: str | None = None) -> None:
    """Hits for a person: rank, title, path, score and highlighted snippets. On a
    terminal a long title is cut to its width, a long path folded in it (never cut),
    and snippets are wrapped in it; elsewhere (--color always into a file) every item
    is one line, whole."""
    from rich.text import Text

    console = env.console()
    fitted = env.stdout_isatty

    def line(text: Text) -> None:
        if fitted:
            console.print(text, no_wrap=True, overflow="ellipsis")
        else:
            console.print(text, soft_wrap=True)

    def indented(text: Text) -> None:
        pieces = text.wrap(console, max(20, console.width - 4)) if fitted else [text]
        for piece in pieces:
            piece.rstrip()
            line(Text("    ") + piece)

    if heading is not None:
        line(Text(heading, style="bold underline"))
    for hit in result.hits:
        head = Text()
        head.append(f"{hit.rank:>2}. ", style="bold")
        head.append(hit.title or display_path(hit.path), style="bold cyan")
        line(head)
        score = _date_text(hit.date, hit.date_source) + Text(f"score {hit.score:.2f}", style="dim")
        path = Text(display_path(hit.path), style="green")
        if fitted and 4 + len(path) + 2 + len(score) > console.width:
            # The path is what opens the file: never cut, folded at the width when it
            # does not fit, with the date and score on the line after it.
            console.print(Text("    ") + path, overflow="fold")
            line(Text("    ") + score)
        else:
            line(Text("    ") + path + Text("  ") + score)
        if hit.also_at:
            also = Text("    also at: ", style="dim")
            console.print(also + Text(", ".join(display_path(p) for p in hit.also_at), style="green"), overflow="fold")
        for snippet in hit.snippets:
            text = Text(snippet.text)
            for start, end in snippet.highlights:
                text.stylize("bold yellow", start, end)
            indented(text)
        if hit.explanation:
            for row in _explanation_rows(hit.explanation, hit.score):
                line(Text("    ") + row)
        console.print()


def _date_text(date: str | None, source: str | None) -> Text:
    """A hit's date for a person, saying so when it is only its file's."""
    from rich.text import Text

    if not date:
        return Text()
    return Text(date) + (Text(" (file date)", style="dim") if source == "file" else Text()) + Text("  ")


# On a terminal, terms that add less than this share of a score are summed on one line.
_EXPLAIN_SHARE = 0.01


def _explanation_rows(explanation: tuple[Contribution, ...], total: float) -> list[Text]:
    """What each term added to the score, a row each (score, field, view, term),
    aligned; the terms that add little are summed in a last row."""
    from rich.text import Text

    shown = [c for c in explanation if c.score >= total * _EXPLAIN_SHARE] or list(explanation[:1])
    rest = explanation[len(shown) :]
    field_width = max(len(c.field) for c in shown)
    view_width = max(len(c.view) for c in shown)
    rows = []
    for c in shown:
        row = Text()
        row.append(f"{c.score:6.2f}  ", style="dim")
        row.append(f"{c.field:<{field_width}}  {c.view:<{view_width}}  ")
        row.append(c.term, style="yellow")
        rows.append(row)
    if rest:
        rows.append(Text(f"{sum(c.score for c in rest):6.2f}  from {len(rest)} more", style="dim"))
    return rows


def document_record(document: StoredDocument) -> dict[str, object]:
    """A stored document as `show --json` gives it (and the server's API); `searched`
    when the query was highlighted as read otherwise than typed."""
    record: dict[str, object] = {
        **_path_record(document.path),
        "title": document.title,
        "date": document.date,
        "date_source": document.date_source,
        "text": document.text,
        "highlights": [list(span) for span in document.highlights],
    }
    if document.searched is not None:
        record["searched"] = rewrite_record(document.searched)
    return record


def write_document(env: Environment, document: StoredDocument, *, as_json: bool = False) -> None:
    """A stored document: as one JSON object; for a person, its title, path and text
    with the highlights; otherwise its text exactly as stored."""
    if as_json:
        env.stdout.write(json.dumps(document_record(document), ensure_ascii=False) + "\n")
        return
    if not env.styled:
        env.stdout.write(document.text)
        return
    from rich.text import Text

    console = env.console()
    # Wrapped to a terminal's width; elsewhere (--color always into a file) unwrapped.
    soft_wrap = not env.stdout_isatty
    with console.capture() as captured:
        console.print(Text(document.title or display_path(document.path), style="bold cyan"), soft_wrap=soft_wrap)
        dated = Text("  ") + _date_text(document.date, document.date_source)
        console.print(Text(display_path(document.path), style="green") + dated, soft_wrap=soft_wrap)
        console.print()
        text = Text(document.text.rstrip("\n"))
        for start, end in document.highlights:
            text.stylize("bold yellow", start, end)
        console.print(text, soft_wrap=soft_wrap)
    shown = captured.get()
    if not (env.stdout_isatty and shown.count("\n") >= env.height and _paged(env, shown)):
        env.stdout.write(shown)


def _paged(env: Environment, text: str) -> bool:
    """Whether `text` went through the pager (run by the shell, as git runs $PAGER; less
    told to keep colours and to quit when it all fits, unless $LESS says otherwise);
    False when the pager cannot start (the shell's 127: no such command)."""
    import subprocess

    env.stdout.flush()
    try:
        done = subprocess.run(env.pager, shell=True, input=text.encode("utf-8"), env={"LESS": "FRX", **os.environ})
    except OSError:
        return False
    return done.returncode != 127


def write_rewrite(env: Environment, searched: Rewrite | None) -> None:
    """On stderr, what was searched instead of the query typed and why, if anything."""
    if searched is not None:
        env.stderr.write(_searched_instead(searched) + "\n")


def _searched_instead(searched: Rewrite) -> str:
    return f"searched instead: {searched.query} ({searched.reason})"


def write_rewrites(env: Environment, result: SearchResult, *, qid: int | None = None) -> None:
    """On stderr, a line each: how many documents dated only by their file's time the
    date filters left out, what was searched instead of the query and why, and a
    better reading of a query that matched though a syllable of it is in no document
    ("did you mean"). In a batch each line starts with the query's number and a tab,
    as its results do."""
    lines = []
    if result.left_out_file_dated:
        count = result.left_out_file_dated
        lines.append(
            f"{_documents(count)} dated only by {'its' if count == 1 else 'their'} file time "
            f"{'was' if count == 1 else 'were'} left out; --file-dates to use {'it' if count == 1 else 'those'}"
        )
    if result.searched:
        lines.append(_searched_instead(result.searched))
    if result.suggestion:
        lines.append(f"did you mean: {result.suggestion}")
    where = f"{qid}\t" if qid is not None else ""
    for line in lines:
        env.stderr.write(f"{where}{line}\n")


def write_summary(env: Environment, result: SearchResult, mode: OutputMode) -> None:
    """On stderr, for a person at a terminal: how many documents matched and how long
    it took (not when the count is the output itself)."""
    if env.stderr_isatty and not mode.counts:
        shown = len(result.hits)
        more = f", showing {shown}" if shown < result.total else ""
        env.note(f"{result.total} documents matched{more} ({result.seconds * 1000:.0f} ms)")


# Kinds of files not read named in the summary, the most frequent first.
_KINDS_NAMED = 10


def write_index_report(env: Environment, report: IndexReport, *, verbose: bool = False) -> None:
    """On stderr: each file skipped and why, the files of kinds not read counted by
    kind (each named with `verbose`), the files read in a fallback encoding, and what
    the run did."""
    from collections import Counter

    for skip in report.skipped:
        env.note(f"skipped {display_path(skip.path)}: {skip.reason}")
    if verbose:
        for skip in report.not_read:
            env.note(f"skipped {display_path(skip.path)}: {skip.reason}")
    if report.not_read:
        kinds = sorted(Counter(skip.kind for skip in report.not_read).items(), key=lambda kind: (-kind[1], kind[0]))
        named = ", ".join(f"{kind} {count}" for kind, count in kinds[:_KINDS_NAMED])
        more = f", {len(kinds) - _KINDS_NAMED} more kinds" if len(kinds) > _KINDS_NAMED else ""
        files = "1 file" if len(report.not_read) == 1 else f"{len(report.not_read)} files"
        env.note(f"skipped {files} of kinds not read: {named}{more}" + ("" if verbose else " (--verbose lists them)"))
    for path in report.fallback_decoded:
        env.note(f"read {display_path(path)} as Windows-1258: it is not valid UTF-8")
    for path, encoding in report.converted:
        legacy = {"tcvn3": "TCVN3 (ABC, .VnTime fonts)", "vni": "VNI (VNI-Times fonts)"}.get(encoding, encoding)
        env.note(f"converted {display_path(path)} to Unicode from {legacy}")
    counts = [
        f"{report.added} added",
        f"{report.updated} updated",
        f"{report.removed} removed",
        f"{report.unchanged} unchanged",
        f"{len(report.skipped)} skipped",
    ]
    env.note(f"{', '.join(counts)} in {report.seconds:.1f} s; the index holds {_documents(report.total_documents)}")


def write_push_report(env: Environment, where: str, report: PushReport) -> None:
    """On stderr: what a push sent, and what the cluster's index holds."""
    made = f"created {where}; " if report.created else ""
    retried = f", {report.retried} sent again" if report.retried else ""
    env.note(
        f"{made}{report.sent} sent, {report.deleted} deleted, {report.unchanged} unchanged{retried} "
        f"in {report.seconds:.1f} s; {where} holds {_documents(report.total)}"
    )


def _documents(count: int) -> str:
    return "1 document" if count == 1 else f"{count} documents"


def _updated(stats: IndexStats) -> str:
    """When the index was last committed, in the local time zone (ISO 8601)."""
    import datetime

    return datetime.datetime.fromtimestamp(stats.updated).astimezone().isoformat(timespec="seconds")


def stats_record(index_dir: Path, stats: IndexStats) -> dict[str, object]:
    """What an index holds, as `stats --json` gives it (and the server's API)."""
    import dataclasses

    record = {"index": display_path(str(index_dir.resolve())), **dataclasses.asdict(stats), "updated": _updated(stats)}
    record["folders"] = [{"path": display_path(f.path), "documents": f.documents} for f in stats.folders]
    return record


def write_stats(env: Environment, index_dir: Path, stats: IndexStats, *, as_json: bool = False) -> None:
    """What an index holds: one JSON object, or a `label  value` line per item."""
    if as_json:
        env.stdout.write(json.dumps(stats_record(index_dir, stats), ensure_ascii=False) + "\n")
        return
    where = display_path(str(index_dir.resolve()))
    updated = _updated(stats)
    rows: list[tuple[str, str]] = [
        ("index", where),
        ("documents", f"{stats.documents:,}"),
    ]
    folders = [f"{display_path(f.path)} ({_documents(f.documents)})" for f in stats.folders]
    if stats.other_documents:
        folders.append(f"{_documents(stats.other_documents)} from no folder")
    rows += [("folders" if i == 0 else "", folder) for i, folder in enumerate(folders or ["none"])]
    width = max(len(view) for view in stats.body_terms)
    rows.append(("distinct terms", f"{'':<{width}}  {'body':>11}  {'title':>11}"))
    rows += [
        ("", f"{view:<{width}}  {stats.body_terms[view]:>11,}  {stats.title_terms.get(view, 0):>11,}")
        for view in stats.body_terms
    ]
    rows += [
        ("size", f"{_size(stats.size_bytes)} in {stats.segments} segment{'s' if stats.segments != 1 else ''}"),
        ("updated", updated),
        ("format", str(stats.format)),
    ]
    settings = [f"{name}: {value}" for name, value in stats.analyzer.items()]
    rows += [("analyzer" if i == 0 else "", setting) for i, setting in enumerate(settings)]
    label_width = max(len(label) for label, _ in rows)
    if not env.styled:
        env.stdout.write("".join(f"{label:<{label_width}}  {value}".rstrip() + "\n" for label, value in rows))
        return
    from rich.table import Table
    from rich.text import Text

    console = env.console()
    if not env.stdout_isatty:
        for label, value in rows:
            console.print(Text(f"{label:<{label_width}}  ", style="bold") + Text(value), soft_wrap=True)
        return
    # On a terminal, a long value wraps beside its label.
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    for label, value in rows:
        grid.add_row(label, value)
    console.print(grid)


def _size(size: int) -> str:
    """A size in bytes as people read it: "845.6 KB", "1.2 GB"."""
    if size < 1024:
        return f"{size:,} bytes"
    scaled = float(size)
    for unit in ("KB", "MB", "GB"):
        scaled /= 1024
        if scaled < 1024 or unit == "GB":
            break
    return f"{scaled:,.1f} {unit}"
