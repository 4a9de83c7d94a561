"""The `searchkit` command: parse options, make one core call, render the result."""

from __future__ import annotations

import contextlib
import datetime
import enum
import functools
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

# Typer 0.28 carries its own copy of click; its exceptions are the ones raised.
from typer._click import exceptions as click_errors
from typer.core import TyperGroup

from searchkit.render import Environment

if TYPE_CHECKING:
    from searchkit.opensearch.search import RemoteSearcher
    from searchkit.render import OutputMode
    from searchkit.searching import Searcher


class _Commands(TyperGroup):
    """searchkit's commands, where a usage error (an unknown option, a missing
    argument) is one line on stderr and exit status 2, like every other error."""

    def main(  # type: ignore[override]
        self,
        args: list[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: object,
    ) -> object:
        try:
            status = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click_errors.NoArgsIsHelpError as exc:
            exc.show()
            status = exc.exit_code
        except click_errors.ClickException as exc:
            message = exc.format_message().rstrip(".")
            if isinstance(exc, click_errors.NoSuchOption):
                message += " (text that starts with '-' goes after '--')"
            context = getattr(exc, "ctx", None)
            where = f"; see: {context.command_path} --help" if context is not None else ""
            print(f"searchkit: error: {message}{where}", file=sys.stderr)
            status = exc.exit_code
        except typer.Abort:
            status = ExitStatus.INTERRUPTED
        if not standalone_mode:
            return status
        sys.exit(status if isinstance(status, int) else 0)


app = typer.Typer(
    name="searchkit",
    cls=_Commands,
    help="Full-text search for Vietnamese text: index a folder, then run ranked queries.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        print(f"searchkit {version('searchkit')}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Full-text search for Vietnamese text: index a folder, then run ranked queries."""


class ExitStatus(enum.IntEnum):
    MATCHED = 0
    NO_MATCH = 1
    ERROR = 2
    INTERRUPTED = 130
    TERMINATED = 143  # 128 + SIGTERM


class _Terminated(Exception):
    """SIGTERM, turned into an exception so that a run cleans up as for Ctrl-C."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise _Terminated


class ColorChoice(enum.Enum):
    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


IndexOption = Annotated[
    Path,
    typer.Option(
        "--index", "-i", envvar="SEARCHKIT_INDEX", help="Index folder (default ./index, or $SEARCHKIT_INDEX)."
    ),
]
ColorOption = Annotated[
    ColorChoice, typer.Option("--color", help="Colour the output: on a terminal (auto), always, never.")
]
OpenSearchOption = Annotated[
    str | None,
    typer.Option(
        "--opensearch",
        metavar="URL",
        help="Ask the index of an OpenSearch cluster that searchkit push filled (http://HOST:9200/INDEX).",
        show_default=False,
    ),
]
UserOption = Annotated[
    str | None,
    typer.Option(
        "--user",
        envvar="SEARCHKIT_OPENSEARCH_USER",
        help="OpenSearch user, for basic authentication; the password comes from $SEARCHKIT_OPENSEARCH_PASSWORD.",
        show_default=False,
    ),
]
CaBundleOption = Annotated[
    Path | None,
    typer.Option(
        "--ca-bundle",
        envvar="SEARCHKIT_OPENSEARCH_CA_BUNDLE",
        help="The CA certificates that sign an https cluster's certificate (PEM).",
        show_default=False,
    ),
]
LimitOption = Annotated[
    int | None,
    typer.Option(
        "--limit",
        "-n",
        min=1,
        help="How many results to show per query [10; --files and -0 list every match].",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="JSON Lines on stdout, one object per hit.")]
OffsetOption = Annotated[int, typer.Option("--offset", min=0, help="Skip this many of the best matches (paging).")]
FilesOption = Annotated[bool, typer.Option("--files", "-l", help="Only the paths of the matches, best first.")]
NullOption = Annotated[bool, typer.Option("-0", help="Paths only, each ended by a NUL (for xargs -0).")]
CountOption = Annotated[
    bool, typer.Option("--count", "-c", help='Only how many documents match (with --json: {"count": N}).')
]


class SortChoice(enum.Enum):
    SCORE = "score"
    DATE = "date"


def _date_bound(value: str, *, last: bool) -> datetime.date:
    """A date typed for --since (its first day) or --until (its last day)."""
    from searchkit.dates import typed_date_bound

    try:
        return typed_date_bound(value, last=last)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


SinceOption = Annotated[
    datetime.date | None,
    typer.Option(
        "--since",
        parser=functools.partial(_date_bound, last=False),
        metavar="DATE",
        help="Only documents dated on or after DATE (2021, 2021-09, 2021-09-08, or back from today: 7d, 2w, 3m, 1y).",
        show_default=False,
    ),
]
UntilOption = Annotated[
    datetime.date | None,
    typer.Option(
        "--until",
        parser=functools.partial(_date_bound, last=True),
        metavar="DATE",
        help="Only documents dated on or before DATE (a year or month counts whole).",
        show_default=False,
    ),
]
SortOption = Annotated[
    SortChoice, typer.Option("--sort", help="Order hits by score (best first) or by date (newest first).")
]


@contextlib.contextmanager
def _reported(env: Environment, stopped: str = "the index keeps what it had before this run") -> Iterator[None]:
    """Turn the core's errors, Ctrl-C and a closed pipe into a message and an exit code
    (`stopped` says what an interruption leaves)."""
    from searchkit.errors import SearchkitError

    try:
        try:
            yield
        finally:
            # Flush here, not at exit, so that a closed pipe is noticed below.
            env.stdout.flush()
    except SearchkitError as exc:
        env.error(str(exc))
        raise typer.Exit(ExitStatus.ERROR) from None
    except KeyboardInterrupt:
        env.error(f"interrupted; {stopped}")
        raise typer.Exit(ExitStatus.INTERRUPTED) from None
    except _Terminated:
        env.error(f"terminated; {stopped}")
        raise typer.Exit(ExitStatus.TERMINATED) from None
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and keep Python from
        # complaining when it flushes stdout at exit.
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        raise typer.Exit(ExitStatus.MATCHED) from None


def _json_field(name: str, what: str) -> typer.models.OptionInfo:
    """The option naming the field of JSON Lines records that holds `what`."""
    return typer.Option(
        f"--{name}-field", metavar="FIELD", help=f"JSON Lines: the field of {what} [{name}].", show_default=False
    )


@app.command("index")
def index_command(
    sources: Annotated[
        list[Path] | None,
        typer.Argument(help="Folders (or files) to index [every folder the index records].", show_default=False),
    ] = None,
    index: IndexOption = Path("index"),
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Start the index from scratch.")] = False,
    include: Annotated[
        list[str] | None,
        typer.Option(
            "--include", metavar="GLOB", help="Index only the files matching GLOB (repeatable).", show_default=False
        ),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude",
            metavar="GLOB",
            help="Leave out files and folders matching GLOB (repeatable).",
            show_default=False,
        ),
    ] = None,
    id_field: Annotated[str | None, _json_field("id", "a record's id")] = None,
    title_field: Annotated[str | None, _json_field("title", "its title")] = None,
    text_field: Annotated[str | None, _json_field("text", "its text")] = None,
    date_field: Annotated[str | None, _json_field("date", "its date")] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Name every file skipped, those of kinds not read too.")
    ] = False,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Exit with status 2 when any file of a kind searchkit reads is skipped."),
    ] = False,
) -> None:
    """Index the documents in folders, recursively: .txt, .md, .html, .docx, .odt,
    .epub, .pdf and .jsonl files (one document per line), and text files without a
    suffix or named .text, .csv, .tsv, .log, .rst, .org, .adoc, .srt, .vtt.

    Files of other kinds are counted by kind. Exit status 2 when a file cannot be
    reached (permission denied, a broken link); a file whose content holds nothing
    to index (empty, binary, damaged, a bad JSON Lines line) is skipped and
    reported, exit 0 (2 with --strict).

    GLOBs and the .searchkitignore files met on the way down follow .gitignore's
    rules, relative to the folder given. The folders, their GLOBs and the
    --*-field options are remembered by the index: with no folder, every folder it
    records is brought up to date as it was last indexed.

    Example: searchkit index corpus/ --exclude drafts/
    """
    from searchkit.documents import JsonFields, Selection
    from searchkit.indexing import index_sources
    from searchkit.render import write_index_report

    env = Environment()
    named = (id_field, title_field, text_field, date_field)
    fields = JsonFields(*named) if any(named) else None
    selection = Selection(include or (), exclude or ())
    with _reported(env):
        with _progress(env) as progress:
            report = index_sources(
                sources or [], index, rebuild=rebuild, progress=progress, selection=selection, json_fields=fields
            )
        write_index_report(env, report, verbose=verbose)
        # A file that cannot be reached fails the run; one whose content holds nothing
        # to index is a skip, reported (as ripgrep does), unless --strict.
        if report.errors or (strict and report.skipped):
            raise typer.Exit(ExitStatus.ERROR)


@app.command("remove")
def remove_command(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders, existing or not.", show_default=False)],
    index: IndexOption = Path("index"),
) -> None:
    """Remove the documents of files or folders from the index, and forget the
    folders (a later `searchkit index` of one adds it back). Nothing is removed when
    the index has nothing at or below one of the paths.

    Example: searchkit remove old-reports/
    """
    from searchkit.indexing import remove_sources
    from searchkit.render import write_index_report

    env = Environment()
    with _reported(env):
        write_index_report(env, remove_sources(paths, index))


@contextlib.contextmanager
def _progress(env: Environment) -> Iterator[object]:
    """A progress bar on stderr when it is a terminal; no output otherwise."""
    if not env.stderr_isatty:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=env.console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("indexing", total=None)

        def update(done: int, total: int) -> None:
            # Every file read: what remains is writing the last segments and committing.
            description = "writing the index" if done >= total else "indexing"
            bar.update(task, completed=done, total=total, description=description)

        yield update


@app.command("push")
def push_command(
    url: Annotated[str, typer.Argument(help="The cluster and its index: http://HOST:9200/INDEX.", show_default=False)],
    index: IndexOption = Path("index"),
    shards: Annotated[int, typer.Option("--shards", min=1, help="Primary shards of an index it creates.")] = 1,
    replicas: Annotated[int, typer.Option("--replicas", min=0, help="Replicas of an index it creates.")] = 1,
    user: UserOption = None,
    ca_bundle: CaBundleOption = None,
) -> None:
    """Send the index's documents to an OpenSearch cluster, analyzed as searchkit
    analyzes them, for searchkit query --opensearch URL.

    Creates the cluster's index if it is missing. Sends only what changed since the
    last push, from any machine (new, changed, removed documents): what was pushed is
    recorded in the cluster. Interrupted, it loses nothing: push again to complete it.

    Example: searchkit push http://127.0.0.1:9200/news
    """
    from searchkit.opensearch.client import Cluster, Credentials
    from searchkit.opensearch.push import push
    from searchkit.render import write_push_report

    env = Environment()
    credentials = Credentials.from_environment(user, None, str(ca_bundle) if ca_bundle else None)
    with _reported(env, "what was sent is kept; push again to complete it"):
        with Cluster(url, credentials) as cluster, _progress(env) as progress:
            report = push(index, cluster, shards=shards, replicas=replicas, progress=progress)
        write_push_report(env, cluster.shown, report)


@app.command("query")
def query_command(
    text: Annotated[str | None, typer.Argument(help="The query.", show_default=False)] = None,
    queries: Annotated[
        Path | None,
        typer.Option("--queries", help="Run one query per line of this file ('-' for stdin).", show_default=False),
    ] = None,
    index: IndexOption = Path("index"),
    limit: LimitOption = None,
    offset: OffsetOption = 0,
    json: JsonOption = False,
    files: FilesOption = False,
    null: NullOption = False,
    count: CountOption = False,
    color: ColorOption = ColorChoice.AUTO,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show which terms matched in which view, and what each added.")
    ] = False,
    since: SinceOption = None,
    until: UntilOption = None,
    sort: SortOption = SortChoice.SCORE,
    file_dates: Annotated[
        bool,
        typer.Option(
            "--file-dates",
            help="Let date filters and --sort date use a file's modification date where a document gives none.",
        ),
    ] = False,
    exact: Annotated[
        bool,
        typer.Option(
            "--exact",
            help="Search only as typed: never without diacritics, as Telex or VNI, or corrected (only suggested).",
        ),
    ] = False,
    opensearch: OpenSearchOption = None,
    user: UserOption = None,
    ca_bundle: CaBundleOption = None,
) -> None:
    """Run a ranked query and show the best matches with highlighted snippets.

    Syntax: plain words (kept together as Vietnamese words; typed with diacritics,
    exactly those), "exact phrase", AND, OR, NOT, parentheses, title:words, and the
    filters date:2021-09 (or date:2021-01..2021-06) and path:*.md. A query with
    diacritics that matches nothing is searched again without them; one typed in Telex
    or VNI with the input method off, or with a typing mistake, is searched as meant
    (stderr says so; not with --exact, which only suggests it).
    Dates are the documents' own: --since, --until, date: and --sort date leave out
    those dated only by their file's time, and say how many (--file-dates takes them).
    On a terminal each hit shows its rank, title, path, date, score and snippets, and
    identical copies once, with the paths of the others; into a pipe, one line per
    hit: PATH, SCORE, TITLE, SNIPPET, DATE, DATED_BY (document or file), by tabs.
    With --opensearch URL, the index of a cluster that searchkit push filled
    answers, with the same matches.

    Example: searchkit query "công an cấp huyện" --limit 5
    """
    from searchkit.render import write_result, write_rewrites, write_summary

    env = Environment(color=color.value)
    if (text is None) == (queries is None):
        env.error("give either a query or --queries FILE")
        raise typer.Exit(ExitStatus.ERROR)
    if since is not None and until is not None and since > until:
        env.error(f"--since {since} is after --until {until}: no date is in between")
        raise typer.Exit(ExitStatus.ERROR)
    if explain and opensearch is not None:
        env.error("--explain reads the local index's postings; it does not go with --opensearch")
        raise typer.Exit(ExitStatus.ERROR)
    mode = _output_mode(env, json=json, files=files, null=null, count=count, explain=explain)
    view = _HitView(
        env, mode, explain, limit=limit, since=since, until=until, sort=sort, exact=exact, file_dates=file_dates
    )
    with _reported(env):
        if queries is None:
            assert text is not None
            with _searcher(index, opensearch, user, ca_bundle) as searcher:
                result = searcher.search(text, offset=offset, **view.options)
            write_rewrites(env, result)
            write_result(env, result, mode)
            write_summary(env, result, mode)
            raise typer.Exit(ExitStatus.MATCHED if mode.matched(result) else ExitStatus.NO_MATCH)
        raise typer.Exit(
            _run_batch(env, queries, _searcher(index, opensearch, user, ca_bundle), offset=offset, view=view)
        )


def _output_mode(env: Environment, *, json: bool, files: bool, null: bool, count: bool, explain: bool) -> OutputMode:
    """The output mode the options ask for: hits for a person on a terminal (or with
    --color always), tab-separated lines into a pipe, unless a format is named."""
    from searchkit.render import OutputMode

    if (files or null) and (json or count):
        env.error("--files (or -0) goes with neither --json nor --count")
        raise typer.Exit(ExitStatus.ERROR)
    mode = OutputMode.HITS if env.styled else OutputMode.TSV
    # At most one applies, except that -0 (NUL-ended paths) refines --files, and --json
    # --count is the count as JSON.
    asked = {OutputMode.FILES: files, OutputMode.NUL: null, OutputMode.JSON: json, OutputMode.COUNT: count}
    for chosen, wanted in asked.items():
        if wanted:
            mode = chosen
    if json and count:
        mode = OutputMode.JSON_COUNT
    if explain and not mode.shows_hits:
        env.error("--explain shows with the hits, not with --files, -0 or --count")
        raise typer.Exit(ExitStatus.ERROR)
    return mode


class _HitView:
    """What the core is asked for, for each hit, to show it in `mode`: on a terminal,
    two snippets that fit in two lines each; elsewhere the best one, whole. Paths
    (--files, -0) list every match unless a limit is given, as `rg -l` does; a count
    needs no hits."""

    def __init__(
        self,
        env: Environment,
        mode: OutputMode,
        explain: bool,
        *,
        limit: int | None = None,
        since: datetime.date | None = None,
        until: datetime.date | None = None,
        sort: SortChoice = SortChoice.SCORE,
        exact: bool = False,
        file_dates: bool = False,
    ) -> None:
        from searchkit.render import OutputMode
        from searchkit.searching import SortOrder
        from searchkit.snippets import SNIPPET_CHARS

        self.mode = mode
        snippets, chars = 0, SNIPPET_CHARS
        if mode is OutputMode.HITS and env.stdout_isatty:
            # Two lines of the terminal, less the indent and room for word wrapping.
            snippets, chars = 2, max(40, min(SNIPPET_CHARS, 2 * (env.width - 4) - 16))
        elif mode.needs_snippets:
            snippets = 1
        if limit is None:
            limit = None if mode in (OutputMode.FILES, OutputMode.NUL) else 0 if mode.counts else 10
        self.similar_options = {"limit": limit, "snippets": snippets, "snippet_chars": chars}
        self.options = {
            **self.similar_options,
            "explain": explain,
            "since": since,
            "until": until,
            "sort": SortOrder(sort.value),
            "exact": exact,
            "paths_only": mode in (OutputMode.FILES, OutputMode.NUL),
            "file_dates": file_dates,
        }


def _read_lines(source: Path) -> list[str]:
    from searchkit.errors import SourceNotFound

    try:
        data = sys.stdin.buffer.read() if str(source) == "-" else source.read_bytes()
        return data.decode("utf-8-sig").splitlines()
    except OSError as exc:
        raise SourceNotFound(f"cannot read {source}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise SourceNotFound(f"{source} is not valid UTF-8 (byte {exc.start})") from None


def _searcher(
    index: Path, opensearch: str | None, user: str | None, ca_bundle: Path | None
) -> Searcher | RemoteSearcher:
    """The local index, or the index of a cluster when --opensearch names one."""
    if opensearch is None:
        from searchkit.searching import Searcher

        return Searcher(index)
    from searchkit.opensearch.client import Cluster, Credentials
    from searchkit.opensearch.search import RemoteSearcher

    credentials = Credentials.from_environment(user, None, str(ca_bundle) if ca_bundle else None)
    return RemoteSearcher(Cluster(opensearch, credentials))


def _run_batch(
    env: Environment, source: Path, searcher: Searcher | RemoteSearcher, *, offset: int, view: _HitView
) -> ExitStatus:
    from searchkit.errors import QuerySyntaxError
    from searchkit.render import write_result, write_rewrites

    lines = _read_lines(source)
    mode = view.mode
    matched = failed = False
    with searcher:
        for qid, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                result = searcher.search(line, offset=offset, **view.options)
            except QuerySyntaxError as exc:
                env.error(f"query {qid}: {exc}")
                failed = True
                continue
            matched = matched or mode.matched(result)
            write_rewrites(env, result, qid=qid)
            write_result(env, result, mode, qid=qid, heading=f"[{qid}] {line}")
    if failed:
        return ExitStatus.ERROR
    return ExitStatus.MATCHED if matched else ExitStatus.NO_MATCH


@app.command("similar")
def similar_command(
    path: Annotated[Path, typer.Argument(help="An indexed file.", show_default=False)],
    index: IndexOption = Path("index"),
    limit: LimitOption = None,
    offset: OffsetOption = 0,
    json: JsonOption = False,
    files: FilesOption = False,
    null: NullOption = False,
    count: CountOption = False,
    color: ColorOption = ColorChoice.AUTO,
) -> None:
    """Find the documents most like an indexed file (its key terms as a query).

    Output as for query: hits on a terminal, tab-separated lines into a pipe,
    --json, --files, -0 or --count.

    Example: searchkit similar corpus/ha-noi-toa-dam-giu-ngon-lua-nhiet-huyet.txt -n 3
    """
    from searchkit.render import write_result, write_summary
    from searchkit.searching import Searcher

    env = Environment(color=color.value)
    mode = _output_mode(env, json=json, files=files, null=null, count=count, explain=False)
    view = _HitView(env, mode, explain=False, limit=limit)
    with _reported(env):
        with Searcher(index) as searcher:
            result = searcher.similar(path, offset=offset, **view.similar_options)
        write_result(env, result, mode)
        if env.stderr_isatty:
            env.note(f"key terms of {path}: {result.query}")
        write_summary(env, result, mode)
        raise typer.Exit(ExitStatus.MATCHED if mode.matched(result) else ExitStatus.NO_MATCH)


@app.command("show")
def show_command(
    path: Annotated[Path, typer.Argument(help="An indexed file.", show_default=False)],
    query: Annotated[
        str | None, typer.Option("--query", "-q", help="Highlight this query's matches.", show_default=False)
    ] = None,
    index: IndexOption = Path("index"),
    json: Annotated[bool, typer.Option("--json", help="One JSON object: path, title, date, text, highlights.")] = False,
    exact: Annotated[
        bool, typer.Option("--exact", help="Highlight the query only as typed, as query --exact searches it.")
    ] = False,
    color: ColorOption = ColorChoice.AUTO,
    opensearch: OpenSearchOption = None,
    user: UserOption = None,
    ca_bundle: CaBundleOption = None,
) -> None:
    """Show an indexed document as stored, with a query's matches highlighted.

    The query is read as `searchkit query` reads it: one that matches nothing as
    typed is highlighted as it would be searched instead (stderr says so), unless
    --exact. Into a pipe the text is written exactly as stored. With --query, the
    exit status is 1 when the query matches nothing in the document.

    Example: searchkit show corpus/ha-noi-toa-dam-giu-ngon-lua-nhiet-huyet.txt -q "công an"
    """
    from searchkit.render import write_document, write_rewrite

    env = Environment(color=color.value)
    with _reported(env):
        with _searcher(index, opensearch, user, ca_bundle) as searcher:
            document = searcher.document(path, query, exact=exact)
        write_rewrite(env, document.searched)
        write_document(env, document, as_json=json)
        matched = query is None or bool(document.highlights)
        raise typer.Exit(ExitStatus.MATCHED if matched else ExitStatus.NO_MATCH)


@app.command("serve")
def serve_command(
    index: IndexOption = Path("index"),
    host: Annotated[
        str,
        typer.Option("--host", help="The address to listen on; any but loopback lets other machines search the index."),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", min=0, max=65535, help="The port (0: any free one).")] = 8737,
    token: Annotated[
        bool,
        typer.Option(
            "--token",
            help="Ask every request for an access token: $SEARCHKIT_TOKEN, or one made up and printed in the address.",
        ),
    ] = False,
    allow_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-host",
            metavar="NAME",
            help="A name the server may be reached by besides its addresses (repeatable).",
            show_default=False,
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            "-w",
            min=1,
            max=64,
            help="Processes answering at once, each with the index open; one per core is the most that helps"
            " [2, or 1 on a machine of one core].",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Serve the index over HTTP, kept open: a JSON API (described at /openapi.json)
    and a search page at /. Each new commit of the index is seen without a restart.

    Listens on 127.0.0.1 unless --host says otherwise. Ctrl-C stops it.

    Example: searchkit serve --port 8737, then open http://127.0.0.1:8737/
    """
    from searchkit.server import ServerSettings, default_workers, serve

    env = Environment()
    # A token made up here is printed in the address; one from the environment is not.
    secret = made_up = None
    if token:
        import secrets

        secret = os.environ.get("SEARCHKIT_TOKEN") or None
        if secret is None:
            secret = made_up = secrets.token_urlsafe(24)
    settings = ServerSettings(
        index,
        host=host,
        port=port,
        token=secret,
        allowed_hosts=tuple(allow_host or ()),
        workers=workers or default_workers(),
    )
    if not settings.loopback:
        guarded = "each request needs the access token" if token else "anyone who can reach it can search the index"
        env.note(f"warning: listening on {host}, not only this machine: {guarded}")

    def listening(url: str) -> None:
        shown = f"{url}?token={made_up}" if made_up else url
        env.note(f"serving {index} at {shown} (Ctrl-C stops)")
        env.stderr.flush()

    with _reported(env):
        # Ctrl-C and SIGTERM are how a server is stopped: uvicorn finishes the requests
        # under way, then hands the signal on.
        with contextlib.suppress(KeyboardInterrupt, _Terminated):
            serve(settings, listening=listening)
        env.note("stopped")


@app.command("stats")
def stats_command(
    index: IndexOption = Path("index"),
    json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
    color: ColorOption = ColorChoice.AUTO,
) -> None:
    """Describe an index: documents, folders, distinct terms per view, size, last update
    and the analyzer's settings.

    Distinct terms are counted once per update of the index (a few seconds on tens of
    thousands of documents) and remembered until the next.

    Example: searchkit stats --index index/
    """
    from searchkit.render import write_stats
    from searchkit.stats import index_stats

    env = Environment(color=color.value)
    with _reported(env):
        stats = index_stats(index)
        write_stats(env, index, stats, as_json=json)


@app.command("segment")
def segment_command() -> None:
    """Segment Vietnamese text from stdin into words, line by line, joining the
    syllables of a word with "_" (the same output as pyvi's ViTokenizer.tokenize).

    Example: echo "Công an cấp huyện" | searchkit segment
    """
    from searchkit.analysis import get_segmenter
    from searchkit.errors import SourceNotFound

    env = Environment()
    with _reported(env):
        segmenter = get_segmenter()
        out = env.stdout
        for number, raw in enumerate(sys.stdin.buffer, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise SourceNotFound(f"line {number} of stdin is not valid UTF-8") from None
            line = line.removesuffix("\n").removesuffix("\r")
            out.write(segmenter.tokenize(line) + "\n")
        out.flush()


def main() -> None:
    """Entry point of the console script."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    signal.signal(signal.SIGTERM, _on_sigterm)
    app()
