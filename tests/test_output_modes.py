"""`searchkit query` for other programs: paths only (`--files`/`-l`, `-0`), a count
(`--count`/`-c`), and paging (`--offset`), each agreeing with the ranked results; and
when results are coloured (`--color`, NO_COLOR, TERM=dumb)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from test_cli import colour_codes, invoke, records
from test_search import articles_mentioning

from searchkit.render import Environment, write_hits
from searchkit.searching import search

QUERIES = ["công an cấp huyện", '"Hải Phòng"', "thi đua", "cong an thanh pho"]


def ranked_paths(demo_index: Path, query: str, *options: str) -> list[str]:
    return [str(hit["path"]) for hit in records(invoke("query", query, "--json", "--index", str(demo_index), *options))]


@pytest.mark.parametrize("query", QUERIES)
def test_files_lists_the_paths_of_the_ranked_results(demo_index: Path, query: str) -> None:
    result = invoke("query", query, "--files", "--index", str(demo_index))
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ranked_paths(demo_index, query)
    assert invoke("query", query, "-l", "--index", str(demo_index)).stdout == result.stdout


@pytest.mark.parametrize("query", QUERIES)
def test_null_ends_each_path_with_a_nul(demo_index: Path, query: str) -> None:
    result = invoke("query", query, "-0", "--index", str(demo_index))
    assert result.exit_code == 0
    assert result.stdout.endswith("\0")
    assert result.stdout.split("\0")[:-1] == ranked_paths(demo_index, query)


@pytest.mark.parametrize("phrase", ["Hải Phòng", "an ninh trật tự", "thi đua"])
def test_count_is_the_number_of_articles_that_match(demo_index: Path, phrase: str) -> None:
    expected = len(articles_mentioning(phrase))
    assert expected > 0
    result = invoke("query", f'"{phrase}"', "--count", "--index", str(demo_index))
    assert result.exit_code == 0
    assert result.stdout == f"{expected}\n"


def test_count_of_nothing_is_0_with_exit_status_1(demo_index: Path) -> None:
    result = invoke("query", "mèo", "-c", "--index", str(demo_index))
    assert result.exit_code == 1
    assert result.stdout == "0\n"


def test_offset_pages_through_the_same_ranking(demo_index: Path) -> None:
    everything = records(invoke("query", "công an", "--json", "--index", str(demo_index)))
    assert len(everything) >= 4
    pages = [
        records(
            invoke("query", "công an", "--json", "--limit", "2", "--offset", str(start), "--index", str(demo_index))
        )
        for start in range(0, len(everything), 2)
    ]
    assert [hit for page in pages for hit in page] == everything  # same ranks, scores and snippets
    beyond = invoke("query", "công an", "--offset", str(len(everything)), "--index", str(demo_index))
    assert beyond.exit_code == 1
    assert beyond.stdout == ""


@pytest.mark.parametrize("options", [["--json", "-l"], ["-0", "-c"], ["-l", "--count", "--json"]])
def test_output_modes_do_not_mix(demo_index: Path, options: list[str]) -> None:
    result = invoke("query", "công an", *options, "--index", str(demo_index))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "searchkit: error: --files (or -0) goes with neither --json nor --count"
    ]


def test_a_count_as_json_is_one_object(demo_index: Path, tmp_path: Path) -> None:
    counted = invoke("query", "công an", "-c", "--index", str(demo_index)).stdout.strip()
    result = invoke("query", "công an", "-c", "--json", "--index", str(demo_index))
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"count": int(counted)}
    assert invoke("query", "xyzzy", "--count", "--json", "--index", str(demo_index)).exit_code == 1
    questions = tmp_path / "q.txt"
    questions.write_text("công an\nxyzzy\n", encoding="utf-8")
    batch = invoke("query", "--queries", str(questions), "-c", "--json", "--index", str(demo_index))
    assert [json.loads(line) for line in batch.stdout.splitlines()] == [
        {"qid": 1, "query": "công an", "count": int(counted)},
        {"qid": 2, "query": "xyzzy", "count": 0},
    ]


def test_since_after_until_is_an_error(demo_index: Path) -> None:
    result = invoke("query", "công an", "--since", "2025", "--until", "2020", "--index", str(demo_index))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == "searchkit: error: --since 2025-01-01 is after --until 2020-12-31: no date is in between\n"


def test_a_batch_counts_each_query_on_its_line(demo_index: Path) -> None:
    result = invoke("query", "--queries", "-", "-c", "--index", str(demo_index), input='"Hải Phòng"\nmèo\n')
    assert result.exit_code == 0
    assert result.stdout == f"1\t{len(articles_mentioning('Hải Phòng'))}\n2\t0\n"


def test_color_always_colours_even_in_a_pipe_and_never_never_does(demo_index: Path) -> None:
    always = invoke("query", "Hải Phòng", "--color", "always", "--index", str(demo_index))
    never = invoke("query", "Hải Phòng", "--color", "never", "--index", str(demo_index))
    as_json = invoke("query", "Hải Phòng", "--color", "always", "--json", "--index", str(demo_index))
    assert always.exit_code == never.exit_code == as_json.exit_code == 0
    assert colour_codes(always.stdout)
    assert not colour_codes(never.stdout)
    assert "\x1b[" not in as_json.stdout  # JSON is never coloured
    assert [str(hit["path"]) for hit in records(as_json)] == ranked_paths(demo_index, "Hải Phòng")


@pytest.mark.parametrize(
    ("settings", "coloured"),
    [
        ({}, True),
        ({"no_color": True}, False),
        ({"dumb_terminal": True}, False),
        ({"no_color": True, "color": "always"}, True),
        ({"color": "never"}, False),
    ],
)
def test_colour_rules_on_a_terminal(demo_index: Path, settings: dict[str, object], coloured: bool) -> None:
    result = search(demo_index, "Hải Phòng")
    stdout = io.StringIO()
    env = Environment(stdout=stdout, stderr=io.StringIO(), stdout_isatty=True, no_color=False, dumb_terminal=False)
    for name, value in settings.items():
        setattr(env, name, value)
    write_hits(env, result)
    assert bool(colour_codes(stdout.getvalue())) == coloured


def test_version_is_the_installed_package_version() -> None:
    from importlib.metadata import version

    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout == f"searchkit {version('searchkit')}\n"
