"""`searchkit stats` through the command: what it prints agrees with the index and with
the core's `index_stats`, as text and as JSON."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from conftest import CORPUS
from test_cli import assert_error_exit, invoke
from test_terminal import plain, run_on_terminal

from searchkit.schema import VIEWS
from searchkit.stats import index_stats


def test_stats_as_json_agrees_with_the_index(demo_index: Path) -> None:
    result = invoke("stats", "--json", "--index", str(demo_index))

    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    articles = len(list(CORPUS.glob("*.txt")))
    assert record["documents"] == articles
    # Paths are shown as everywhere else: relative to the working folder when inside it.
    assert [(Path(f["path"]).resolve(), f["documents"]) for f in record["folders"]] == [(CORPUS, articles)]
    core = index_stats(demo_index)
    assert record["body_terms"] == core.body_terms
    assert record["title_terms"] == core.title_terms
    assert set(record["body_terms"]) == set(VIEWS)
    assert record["size_bytes"] == sum(f.stat().st_size for f in demo_index.iterdir() if f.is_file())
    assert datetime.datetime.fromisoformat(record["updated"]).timestamp() == int(core.updated)
    assert "segmenter" in record["analyzer"]


def test_stats_as_text_has_a_line_per_item(demo_index: Path) -> None:
    result = invoke("stats", "--index", str(demo_index))

    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    labels = [line.split("  ")[0] for line in lines if not line.startswith(" ")]
    assert labels == ["index", "documents", "folders", "distinct terms", "size", "updated", "format", "analyzer"]
    assert lines[1].split() == ["documents", str(len(list(CORPUS.glob("*.txt"))))]
    core = index_stats(demo_index)
    syllables = next(line for line in lines if line.split()[:1] == ["syllables"])
    assert syllables.split()[1:] == [f"{core.body_terms['syllables']:,}", f"{core.title_terms['syllables']:,}"]


def test_stats_on_a_terminal_fits_it(demo_index: Path) -> None:
    run = run_on_terminal("stats", "--index", str(demo_index), columns=70)
    assert run.status == 0, run.stderr
    assert all(len(line.rstrip()) <= 70 for line in plain(run.stdout).splitlines())
    assert "distinct terms" in plain(run.stdout)


def test_stats_of_a_missing_index_is_a_one_line_error(tmp_path: Path) -> None:
    result = invoke("stats", "--index", str(tmp_path / "nowhere"))
    assert_error_exit(result)
    assert "no index at" in result.stderr
