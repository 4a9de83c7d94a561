"""`searchkit show PATH [--query]` (a stored document, its matches highlighted) and
`searchkit similar PATH` (the documents most like it), through the command and the
library."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from conftest import CORPUS, corpus_file
from test_cli import assert_error_exit, invoke, names, records
from test_search import article_text, fold
from test_terminal import plain, run_on_terminal

from searchkit.analysis import analyze, word_numbers
from searchkit.schema import BODY_FIELDS
from searchkit.scoring import Postings
from searchkit.searching import Searcher
from searchkit.similar import key_terms, similar_scores
from searchkit.store.index import Store

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


def test_show_highlights_a_query_as_the_search_that_found_the_document_read_it(demo_index: Path) -> None:
    # No document has "tọa đám" (a crowd), so it is searched as "toa dam"; the document a
    # hit opens shows the matches its snippet had, and says why.
    article = corpus_file("tien-phong")
    found = records(invoke("query", "tọa đám", "--json", "--index", str(demo_index)))
    hit = next(record for record in found if Path(str(record["path"])).name == article.name)

    shown = show(demo_index, str(article), "--query", "tọa đám", "--json")
    exact = show(demo_index, str(article), "--query", "tọa đám", "--json", "--exact")

    assert shown.exit_code == 0
    record = json.loads(shown.stdout)
    assert record["searched"] == hit["searched"]
    assert shown.stderr.splitlines() == [f"searched instead: {hit['searched']['query']} ({hit['searched']['reason']})"]
    marked = {fold(record["text"][start:end]) for start, end in record["highlights"]}
    assert marked == {"toa dam"}
    snippet_marks = {fold(str(hit["snippet"])[start:end]) for start, end in hit["highlights"]}  # type: ignore[index]
    assert snippet_marks <= marked
    assert exact.exit_code == 1
    assert "searched" not in json.loads(exact.stdout) and json.loads(exact.stdout)["highlights"] == []


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


def pyvi_words(text: str) -> set[str]:
    """The words pyvi segments in `text`, their syllables written with spaces: "công an",
    "tỉnh"."""
    return {word.replace("_", " ") for word in analyze(text).word_texts}


def word_syllables(text: str) -> list[tuple[str, ...]]:
    """The syllables of each word of `text`, in order, as `word_numbers` groups them."""
    words: dict[int, list[str]] = {}
    for syllable, number in zip(analyze(text, words=False).syllable_texts, word_numbers(text), strict=True):
        words.setdefault(number, []).append(syllable)
    return [tuple(syllables) for syllables in words.values()]


def straddling_pairs(text: str) -> set[str]:
    """Two syllables side by side that pyvi puts in two words ("chức công" in "tổ chức
    công đoàn"): what a pair of syllables can name that no word does."""
    analysis = analyze(text, words=False)
    syllables, positions, numbers = analysis.syllable_texts, analysis.positions, word_numbers(text)
    return {
        f"{syllables[i]} {syllables[i + 1]}"
        for i in range(len(syllables) - 1)
        if positions[i + 1] == positions[i] + 1 and numbers[i + 1] != numbers[i]
    } - pyvi_words(text)


def named_key_terms(demo_index: Path, article: Path) -> list[str]:
    with Searcher(demo_index) as searcher:
        return searcher.similar(article).query.split(", ")


@pytest.mark.parametrize(
    ("one_part", "other_part", "shared"),
    [
        # Both report the Hanoi police seminar on the end of district-level police.
        ("tien-phong", "ha-noi-toa-dam", "cấp huyện"),
        # Both have Deputy Minister Trần Quốc Tỏ chairing a meeting on Party work.
        ("hoi-thao-quy-che", "thu-truong-tran", "Thứ trưởng Bộ Công an chủ trì"),
    ],
)
def test_articles_on_the_same_event_are_most_like_each_other(
    demo_index: Path, one_part: str, other_part: str, shared: str
) -> None:
    one, other = corpus_file(one_part), corpus_file(other_part)
    assert shared in article_text(one.name) and shared in article_text(other.name)

    assert names(invoke("similar", str(one), "--json", "--index", str(demo_index)))[0] == other.name
    assert names(invoke("similar", str(other), "--json", "--index", str(demo_index)))[0] == one.name


@pytest.mark.parametrize("article", ARTICLES, ids=lambda p: p.name[:20])
def test_every_key_term_named_is_a_word_pyvi_makes_of_the_document(demo_index: Path, article: Path) -> None:
    text = article.read_text(encoding="utf-8")
    named = named_key_terms(demo_index, article)
    assert named
    assert set(named) <= pyvi_words(text)
    # Words of several syllables are named, written with spaces.
    assert any(" " in term and "_" not in term for term in named)
    # Where the document writes each one, its syllables are one whole word.
    words = set(word_syllables(text))
    assert all(tuple(term.split(" ")) in words for term in named)


@pytest.mark.parametrize("article", ARTICLES, ids=lambda p: p.name[:20])
def test_no_key_term_is_a_pair_of_syllables_across_two_words(demo_index: Path, article: Path) -> None:
    # Regression: key terms were pairs of adjacent syllables, and named "chức công" (of
    # "tổ chức công đoàn") or "tá nguyễn" (of "Trung tá Nguyễn").
    straddling = straddling_pairs(article.read_text(encoding="utf-8"))
    assert straddling
    assert not set(named_key_terms(demo_index, article)) & straddling


def test_each_key_term_is_scored_in_the_field_that_holds_it(demo_index: Path) -> None:
    with Store(demo_index) as store:
        postings = Postings(store)
        for docnum in range(store.doc_count_all):
            terms = key_terms(store.text(docnum), postings)
            assert terms
            sharing = np.zeros(store.doc_count_all, dtype=bool)
            for term in terms:
                assert term.field == BODY_FIELDS["words" if " " in term.text else "syllables"]
                having = postings.documents(term.field, term.term)
                assert docnum in having and len(having) >= 2
                sharing[having] = True
            sharing[docnum] = False
            # Every document that shares a key term scores, and no other.
            assert ((similar_scores(postings, terms, docnum) > 0) == sharing).all()


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
    article = corpus_file("tien-phong")
    run = run_on_terminal("similar", str(article), "--index", str(demo_index), "-n", "2")
    assert run.status == 0
    note = next(line for line in plain(run.stderr).splitlines() if "key terms" in line)
    named = note.partition(f"key terms of {article}: ")[2].split(", ")
    assert named == named_key_terms(demo_index, article)
    assert set(named) <= pyvi_words(article_text(article.name))
