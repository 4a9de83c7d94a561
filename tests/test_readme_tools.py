"""The README's "Use it with other tools" examples, run as written in a shell against the
demo index, each checked against what searchkit itself says the answer is."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO
from helpers import Server

SECTION = "## Use it with other tools"
BIN = Path(sys.executable).parent


SECTION_TEXT = (REPO / "README.md").read_text(encoding="utf-8").split(SECTION, 1)[1].split("\n## ", 1)[0]


def examples() -> dict[str, str]:
    """The section's command lines that start with searchkit, by the tool each pipes into."""
    blocks = re.findall(r"```sh\n(.*?)```", SECTION_TEXT, re.DOTALL)
    lines = [line for block in blocks for line in block.splitlines() if line.startswith("searchkit ")]
    found = {}
    for line in lines:
        tool = shlex.split(line.split("|", 1)[1])[0]
        found[tool] = line
    return found


EXAMPLES = examples()
# The fzf line that searches through `searchkit serve` as you type.
[SERVED_FZF] = [
    line for line in re.findall(r"```sh\n(.*?)```", SECTION_TEXT, re.DOTALL)[0].splitlines() if line.startswith("fzf ")
]


def shell(line: str, demo_index: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("searchkit", path=str(BIN)) is None:
        pytest.skip(f"no searchkit console script beside {sys.executable} (install the project)")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "SEARCHKIT_INDEX": str(demo_index)}
    env.pop("NO_COLOR", None)
    env.update(extra)
    return subprocess.run(
        ["bash", "-o", "pipefail", "-c", line],
        cwd=REPO,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        check=False,
        timeout=120,
    )


def searchkit(*args: str, demo_index: Path) -> str:
    return shell(shlex.join(["searchkit", *args]), demo_index).stdout


def needs(tool: str) -> None:
    if shutil.which(tool, path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}") is None:
        pytest.skip(f"{tool} is not installed")


def test_the_section_has_the_jq_xargs_and_fzf_examples() -> None:
    assert {"jq", "xargs", "fzf"} <= EXAMPLES.keys()


def test_jq_over_json_lines(demo_index: Path) -> None:
    needs("jq")
    line = EXAMPLES["jq"]
    query_args = shlex.split(line.split("|", 1)[0])[1:]
    hits = [json.loads(row) for row in searchkit(*query_args, demo_index=demo_index).splitlines()]
    assert hits

    done = shell(line, demo_index)

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"{hit['score']}\t{hit['title']}" for hit in hits]


def test_xargs_over_nul_ended_paths(demo_index: Path, tmp_path: Path) -> None:
    line = EXAMPLES["xargs"]
    query = shlex.split(line.split("|", 1)[0])[2]
    paths = searchkit("query", query, "-l", demo_index=demo_index).splitlines()
    assert paths

    done = shell(line, demo_index)

    assert done.returncode == 0, done.stderr
    counted = {row.split()[1]: int(row.split()[0]) for row in done.stdout.splitlines() if not row.endswith(" total")}
    assert list(counted) == paths
    for path, words in counted.items():
        assert words == len((REPO / path).read_text(encoding="utf-8").split())


def test_cut_over_tab_separated_lines(demo_index: Path) -> None:
    line = EXAMPLES["cut"]
    query = shlex.split(line.split("|", 1)[0])[2]
    hits = [json.loads(row) for row in searchkit("query", query, "--json", demo_index=demo_index).splitlines()]

    done = shell(line, demo_index)

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"{hit['path']}\t{hit['title']}" for hit in hits]


def test_fzf_launcher_picks_a_path_and_previews_the_document(demo_index: Path) -> None:
    needs("fzf")
    line = EXAMPLES["fzf"]
    query = shlex.split(line.split("|", 1)[0])[2]
    paths = searchkit("query", query, "-n", "50", "-l", demo_index=demo_index).splitlines()
    assert paths

    # fzf's filter mode (set through its options variable) picks without a terminal:
    # with an empty filter, every hit; with a title's words, that hit.
    everything = shell(line, demo_index, FZF_DEFAULT_OPTS="--filter=")
    title = searchkit("query", query, "-n", "50", demo_index=demo_index).splitlines()[-1].split("\t")[2]
    one = shell(line, demo_index, FZF_DEFAULT_OPTS=f"--filter={shlex.quote(title)} --exact")

    assert everything.returncode == 0, everything.stderr
    assert sorted(everything.stdout.splitlines()) == sorted(paths)
    assert one.returncode == 0, one.stderr
    assert one.stdout.splitlines()[0] == paths[-1]

    # The preview command, with {1} as fzf fills it in.
    preview = re.search(r"--preview '([^']*)'", line).group(1)  # type: ignore[union-attr]
    shown = shell(preview.replace("{1}", shlex.quote(paths[0])), demo_index)
    assert shown.returncode == 0, shown.stderr
    assert "\x1b[1;33m" in shown.stdout  # the query's matches, highlighted


def test_fzf_through_the_server_searches_at_each_key(demo_index: Path, demo_server: Server) -> None:
    needs("fzf")
    needs("curl")
    line = SERVED_FZF.replace("http://127.0.0.1:8737", demo_server.url.rstrip("/"))
    # What fzf runs at its start and at each key, with {q} as fzf fills it in.
    reload = re.search(r"reload:(.*?)' --", line).group(1)  # type: ignore[union-attr]

    for query in ("công an", "cong an cap huyen", "tọa đám"):
        listed = shell(reload.replace("{q}", shlex.quote(query)), demo_index)
        assert listed.returncode == 0, listed.stderr
        assert listed.stdout == searchkit("query", query, "-n", "50", demo_index=demo_index)
        assert listed.stdout
    # An empty box (fzf's start) lists nothing, and says nothing over fzf's screen.
    empty = shell(reload.replace("{q}", "''"), demo_index)
    assert (empty.returncode, empty.stdout, empty.stderr) == (0, "", "")

    # fzf takes the line's options (an unknown one, or a bad --bind, would exit 2): with a
    # filter and no input it finds nothing, exit 1.
    checked = shell("exec < /dev/null; " + line, demo_index, FZF_DEFAULT_OPTS="--filter=x")
    assert (checked.returncode, checked.stderr) == (1, "")

    # The preview, with {1} and {q} as fzf fills them in.
    preview = re.search(r"--preview '([^']*)'", line).group(1)  # type: ignore[union-attr]
    path = searchkit("query", "công an", "-l", demo_index=demo_index).splitlines()[0]
    shown = shell(preview.replace("{1}", shlex.quote(path)).replace("{q}", shlex.quote("công an")), demo_index)
    assert shown.returncode == 0, shown.stderr
    assert "\x1b[1;33m" in shown.stdout
