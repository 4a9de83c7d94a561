"""`searchkit show PATH [--query]` (a stored document, its matches highlighted) and
`searchkit similar PATH` (the documents most like it), through the command."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import CORPUS, corpus_file
from test_cli import assert_error_exit, invoke, names, records
from test_search import article_text, fold
from test_terminal import plain, run_on_terminal

ARTICLES = sorted(CORPUS.glob("*.txt"))


def show(demo_index: Path, *args: str) -> object:
    return invoke("show", *args, "--index", str(demo_index))


# ---- show ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("article", ARTICLES, ids=lambda p: p.name[:20])
def test_show_into_a_pipe_writes_the_document_exactly_as_stored(demo_index: Path, article: Path) -> None:
    result = show(demo_index, str(article))
    assert result.exit_code == 0
    assert result.stdout == article.read_text(encoding="utf-8")


@pytest.mark.parametrize(("query", "phrase"), [("Hải Phòng", "hai phong"), ("cong an", "cong an")])
def test_show_highlights_every_match_of_the_query_in_the_whole_text(demo_index: Path, query: str, phrase: str) -> None:
    article = corpus_file("hoi-thao-quy-che")
    text = article.read_text(encoding="utf-8")

    result = show(demo_index, str(article), "--query", query, "--json")

    assert result.exit_code == 0
    record = json.loads(result.stdout)
    assert record["text"] == text
    marked = [text[start:end] for start, end in record["highlights"]]
    assert all(set(fold(span).split()) <= set(phrase.split()) for span in marked)
    # Every place the phrase is written is marked, as one span.
    written = re.findall(rf"\b{phrase}\b", fold(text))
    assert len(written) > 0
    assert [fold(span) for span in marked].count(phrase) == len(written)


def test_show_with_a_query_that_does_not_match_prints_the_document_and_exits_1(demo_index: Path) -> None:
    article = corpus_file("tien-phong")
    result = show(demo_index, str(article), "--query", "mèo")
    assert result.exit_code == 1
    assert result.stdout == article.read_text(encoding="utf-8")


def test_show_finds_the_document_by_a_relative_path(demo_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    article = corpus_file("tien-phong")
    monkeypatch.chdir(CORPUS)
    result = show(demo_index, article.name, "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["path"] == article.name


@pytest.mark.parametrize("command", ["show", "similar"])
def test_a_file_that_is_not_indexed_is_a_one_line_error(demo_index: Path, tmp_path: Path, command: str) -> None:
    stray = tmp_path / "khac.txt"
    stray.write_text("Một văn bản chưa được lập chỉ mục.", encoding="utf-8")
    result = invoke(command, str(stray), "--index", str(demo_index))
    assert_error_exit(result)
    assert "not in the index" in result.stderr


def test_show_on_a_terminal_colours_the_matches(demo_index: Path) -> None:
    article = corpus_file("hoi-thao-quy-che")
    run = run_on_terminal("show", str(article), "-q", "Hải Phòng", "--index", str(demo_index), columns=100)
    assert run.status == 0
    assert "\x1b[1;33mHải Phòng" in run.stdout
    assert all(len(line) <= 100 for line in plain(run.stdout).splitlines())


# ---- similar ------------------------------------------------------------------------------------------


def test_the_two_articles_on_the_same_seminar_are_most_like_each_other(demo_index: Path) -> None:
    # Both report the Hanoi police seminar on the end of district-level police.
    one, other = corpus_file("tien-phong"), corpus_file("ha-noi-toa-dam")
    assert "cấp huyện" in article_text(one.name) and "cấp huyện" in article_text(other.name)

    assert names(invoke("similar", str(one), "--json", "--index", str(demo_index)))[0] == other.name
    assert names(invoke("similar", str(other), "--json", "--index", str(demo_index)))[0] == one.name


@pytest.mark.parametrize("article", ARTICLES, ids=lambda p: p.name[:20])
def test_similar_never_lists_the_document_itself(demo_index: Path, article: Path) -> None:
    found = names(invoke("similar", str(article), "--json", "--limit", "100", "--index", str(demo_index)))
    assert article.name not in found


def test_similar_gives_the_same_ranking_in_every_output_format(demo_index: Path) -> None:
    article = str(corpus_file("cum-thi-dua"))
    as_json = records(invoke("similar", article, "--json", "--index", str(demo_index)))
    paths = [str(hit["path"]) for hit in as_json]
    assert paths

    tsv = invoke("similar", article, "--index", str(demo_index))
    files = invoke("similar", article, "-l", "--index", str(demo_index))
    nul = invoke("similar", article, "-0", "--index", str(demo_index))
    count = invoke("similar", article, "-c", "--index", str(demo_index))
    page = records(invoke("similar", article, "--json", "-n", "1", "--offset", "1", "--index", str(demo_index)))

    assert [line.split("\t")[0] for line in tsv.stdout.splitlines()] == paths
    assert files.stdout.splitlines() == paths
    assert nul.stdout.split("\0")[:-1] == paths
    assert int(count.stdout) >= len(paths)
    assert page == [{**as_json[1]}]
    for hit in as_json:
        assert hit["highlights"], "a similar document shows where it shares the key terms"


def test_similar_on_a_terminal_names_the_key_terms(demo_index: Path) -> None:
    run = run_on_terminal("similar", str(corpus_file("tien-phong")), "--index", str(demo_index), "-n", "2")
    assert run.status == 0
    note = next(line for line in plain(run.stderr).splitlines() if "key terms" in line)
    assert "cấp huyện" in note
