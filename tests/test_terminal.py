"""`searchkit query` as a person sees it on a terminal, and as a pipeline sees it: real
processes whose stdout and stderr are pseudo-terminals (or pipes), the colour rules,
lines fitted to the terminal's width, the closing line, and a pipe closed early."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import corpus_file
from rich.cells import cell_len
from test_cli import colour_codes, records
from test_search import title_line

from searchkit.render import Environment, write_hits
from searchkit.searching import Searcher
from searchkit.snippets import SNIPPET_CHARS

SEARCHKIT = [sys.executable, "-c", "import sys; sys.argv[0] = 'searchkit'; from searchkit.cli import main; main()"]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def plain(output: str) -> str:
    return ANSI.sub("", output).replace("\r\n", "\n")


@dataclass
class Run:
    status: int
    stdout: str
    stderr: str


def _environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS", "LINES", "FORCE_COLOR")}
    env["TERM"] = "xterm-256color"
    # A long document on a terminal goes through the pager; cat writes it to the terminal
    # as it is, and never waits for a key.
    env["PAGER"] = "cat"
    env.update(extra)
    return env


def _terminal(columns: int) -> tuple[int, int]:
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    return leader, follower


def run_on_terminal(*args: str, columns: int = 80, stdout_tty: bool = True, **env: str) -> Run:
    """Run searchkit with stdout and stderr on pseudo-terminals `columns` wide (stdout
    on a pipe instead when not `stdout_tty`)."""
    out_leader, out_follower = _terminal(columns)
    err_leader, err_follower = _terminal(columns)
    process = subprocess.Popen(
        [*SEARCHKIT, *args],
        stdin=subprocess.DEVNULL,
        stdout=out_follower if stdout_tty else subprocess.PIPE,
        stderr=err_follower,
        env=_environment(**env),
    )
    os.close(out_follower)
    os.close(err_follower)
    readers = {err_leader: bytearray()}
    if stdout_tty:
        readers[out_leader] = bytearray()
    elif process.stdout is not None:
        readers[process.stdout.fileno()] = bytearray()
    open_fds = set(readers)
    while open_fds:
        ready, _, _ = select.select(list(open_fds), [], [], 30)
        assert ready, "searchkit wrote nothing for 30 s"
        for fd in ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the other end of the terminal closed
                chunk = b""
            if chunk:
                readers[fd] += chunk
            else:
                open_fds.discard(fd)
    status = process.wait(timeout=30)
    stdout_fd = out_leader if stdout_tty else process.stdout.fileno()  # type: ignore[union-attr]
    result = Run(status, readers[stdout_fd].decode("utf-8"), readers[err_leader].decode("utf-8"))
    os.close(out_leader)
    os.close(err_leader)
    if process.stdout is not None:
        process.stdout.close()
    return result


# ---- on a terminal -----------------------------------------------------------------------------


@pytest.mark.parametrize("columns", [40, 72, 120])
def test_on_a_terminal_hits_are_coloured_and_fit_its_width(demo_index: Path, columns: int) -> None:
    run = run_on_terminal("query", "công an cấp huyện", "--index", str(demo_index), columns=columns)

    assert run.status == 0, run.stderr
    assert colour_codes(run.stdout)
    lines = plain(run.stdout).splitlines()
    assert lines
    assert [line for line in lines if cell_len(line) > columns] == []
    assert lines[0].startswith(" 1. ")
    first_hit = plain(run.stdout).split("\n\n")[0].splitlines()
    assert any(re.search(r"score \d+\.\d\d$", line) for line in first_hit[1:4])


@pytest.mark.parametrize("columns", [30, 60])
def test_on_a_narrow_terminal_the_path_is_folded_whole_never_cut(demo_index: Path, columns: int) -> None:
    """The title is shortened, the path (what opens the file) is not: it is folded at the
    width, whole, with the score on the line after it."""
    paths = [hit["path"] for hit in records_of(demo_index, "công an cấp huyện", "--limit", "1")]
    run = run_on_terminal("query", "công an cấp huyện", "--index", str(demo_index), "-n", "1", columns=columns)

    lines = plain(run.stdout).split("\n\n")[0].splitlines()
    assert [line for line in lines if cell_len(line) > columns] == []
    assert paths[0] in "".join(line.strip() for line in lines[1:])
    assert lines[0].endswith("…")


def test_on_a_terminal_each_hit_shows_rank_title_path_score_and_highlighted_snippets(demo_index: Path) -> None:
    article = corpus_file("hoi-thao-quy-che")

    run = run_on_terminal("query", "Hải Phòng", "--index", str(demo_index), columns=200)

    assert run.status == 0, run.stderr
    hits = plain(run.stdout).split("\n\n")
    first = hits[0].splitlines()
    assert first[0] == f" 1. {title_line(article.name)}"
    assert first[1].lstrip().startswith(str(article)) or article.name in first[1]
    assert re.search(r"score \d+\.\d\d$", first[1])
    # Two passages (as wide as the terminal allows, wrapped in it), each showing the
    # place name in bold yellow.
    with Searcher(demo_index) as searcher:
        expected = searcher.search("Hải Phòng", limit=1, snippets=2, snippet_chars=SNIPPET_CHARS).hits[0].snippets
    assert len(expected) == 2
    shown = " ".join(line.strip() for line in first[2:])
    assert all(snippet.text in shown for snippet in expected)
    assert run.stdout.count("\x1b[1;33mHải Phòng") >= 2


def test_a_long_title_is_cut_to_the_width_with_an_ellipsis(demo_index: Path) -> None:
    article = corpus_file("tien-phong")
    title = title_line(article.name)
    assert len(title) > 100

    run = run_on_terminal("query", "công an cấp huyện", "--index", str(demo_index), "-n", "1", columns=60)

    head = plain(run.stdout).splitlines()[0]
    assert head.endswith("…")
    assert title.startswith(head[4:-1])


def test_the_closing_line_on_stderr_says_how_many_matched_and_how_long_it_took(demo_index: Path) -> None:
    run = run_on_terminal("query", "công an", "--index", str(demo_index), "-n", "2")

    assert run.status == 0
    total = len(records_of(demo_index, "công an", "--limit", "100"))
    assert re.fullmatch(rf"searchkit: {total} documents matched, showing 2 \(\d+ ms\)", plain(run.stderr).strip())


def test_a_count_on_a_terminal_is_printed_once(demo_index: Path) -> None:
    """The count is the output: no closing line says it again."""
    run = run_on_terminal("query", "công an", "-c", "--index", str(demo_index))

    assert run.status == 0
    total = len(records_of(demo_index, "công an", "--limit", "100"))
    assert plain(run.stdout).split() == [str(total)]
    assert plain(run.stderr).strip() == ""


def records_of(demo_index: Path, *args: str) -> list[dict[str, object]]:
    from test_cli import query

    return records(query(demo_index, *args, "--json"))


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--json"], {}),
        ([], {"NO_COLOR": "1"}),
        ([], {"TERM": "dumb"}),
        (["--color", "never"], {}),
    ],
)
def test_no_colour_with_json_no_color_a_dumb_terminal_or_never(
    demo_index: Path, args: list[str], env: dict[str, str]
) -> None:
    run = run_on_terminal("query", "Hải Phòng", "--index", str(demo_index), *args, **env)

    assert run.status == 0, run.stderr
    assert run.stdout.strip()
    assert colour_codes(run.stdout) == []


def test_explain_on_a_terminal_lists_what_each_term_added(demo_index: Path) -> None:
    run = run_on_terminal("query", "cong an cap huyen", "--index", str(demo_index), "-n", "1", "--explain", columns=100)

    assert run.status == 0, run.stderr
    lines = plain(run.stdout).splitlines()
    score = float(re.search(r"score (\d+\.\d+)", lines[1]).group(1))  # type: ignore[union-attr]
    rows = [re.match(r"\s+(\d+\.\d\d)  (body|title)\s+(\w+)\s+(.+)$", line) for line in lines]
    found = [row.groups() for row in rows if row]
    assert ("body", "folded_bigrams", "cap huyen") in {(f, v, t) for _s, f, v, t in found}
    rest = [float(m.group(1)) for line in lines if (m := re.match(r"\s+(\d+\.\d\d)  from \d+ more$", line))]
    assert sum(float(s) for s, *_ in found) + sum(rest) == pytest.approx(score, abs=0.01 * (len(found) + 1))


# ---- into a pipe -------------------------------------------------------------------------------


def test_into_a_pipe_lines_are_tab_separated_and_stderr_stays_quiet(demo_index: Path) -> None:
    run = run_on_terminal("query", "Hải Phòng", "--index", str(demo_index), stdout_tty=False)

    assert run.status == 0
    assert "\x1b[" not in run.stdout
    assert all(len(line.split("\t")) == 6 for line in run.stdout.splitlines())
    # A person at the terminal still hears how it went.
    assert "documents matched" in run.stderr


def test_a_closed_pipe_ends_quietly_with_status_0(demo_index: Path, tmp_path: Path) -> None:
    queries = tmp_path / "queries.txt"
    queries.write_text("công an\nHải Phòng\nthi đua\n" * 2000, encoding="utf-8")
    process = subprocess.Popen(
        [*SEARCHKIT, "query", "--queries", str(queries), "--index", str(demo_index)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_environment(),
    )
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()  # as `| head -1` does
    stderr = process.stderr.read()
    process.stderr.close()
    status = process.wait(timeout=60)

    assert first.count(b"\t") == 6  # QID, PATH, SCORE, TITLE, SNIPPET, DATE, DATED_BY
    assert status == 0
    assert stderr == b""


# ---- the layout, rendered directly ------------------------------------------------------------------


def test_without_a_terminal_color_always_keeps_each_item_on_one_whole_line(demo_index: Path) -> None:
    with Searcher(demo_index) as searcher:
        result = searcher.search("công an cấp huyện", snippets=2)
    stdout = io.StringIO()
    write_hits(Environment(stdout=stdout, stderr=io.StringIO(), stdout_isatty=False, color="always"), result)

    text = plain(stdout.getvalue())
    for hit in result.hits:
        assert f"{hit.rank:>2}. {hit.title}" in text.splitlines()
        for snippet in hit.snippets:
            assert f"    {snippet.text}" in text.splitlines()


# ---- show on a terminal -----------------------------------------------------------------------


def test_show_pages_a_document_longer_than_the_terminal(demo_index: Path, tmp_path: Path) -> None:
    """Through $PAGER (run by the shell, as git does); here one that keeps what it is given."""
    article = corpus_file("tien-phong")
    paged = tmp_path / "paged.txt"
    run = run_on_terminal("show", str(article), "--index", str(demo_index), PAGER=f"cat > {paged}")

    assert run.status == 0, run.stderr
    assert plain(run.stdout).strip() == ""
    shown = plain(paged.read_text(encoding="utf-8"))
    assert shown.count("\n") >= 40  # longer than the terminal's 40 lines
    body = article.read_text(encoding="utf-8").splitlines()[-1]
    assert body.split()[-1] in shown


def test_show_writes_a_short_document_or_one_with_no_pager_to_the_terminal(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "short.txt").write_text("Tọa đàm ngắn\n\nMột dòng về công an.", encoding="utf-8")
    index = tmp_path / "index"
    subprocess.run([*SEARCHKIT, "index", str(folder), "--index", str(index)], capture_output=True, check=True)
    paged = tmp_path / "paged.txt"

    short = run_on_terminal("show", str(folder / "short.txt"), "--index", str(index), PAGER=f"cat > {paged}")
    assert short.status == 0 and not paged.exists()
    assert "Một dòng về công an." in plain(short.stdout)

    article = corpus_file("tien-phong")
    demo = tmp_path / "demo-index"
    subprocess.run([*SEARCHKIT, "index", str(article.parent), "--index", str(demo)], capture_output=True, check=True)
    missing = run_on_terminal("show", str(article), "--index", str(demo), PAGER="no-such-pager-here")
    assert missing.status == 0
    assert article.read_text(encoding="utf-8").split()[-1] in plain(missing.stdout)
