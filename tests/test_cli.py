"""The `searchkit` command through Typer's CliRunner: each output format, exit
statuses, and what goes to stdout and what to stderr."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from conftest import CORPUS, corpus_file
from test_search import (
    NOT_UTF8,
    article_text,
    articles_mentioning,
    fold,
    folded_syllables,
    make_small_corpus,
    mentions,
    title_line,
)
from typer.testing import CliRunner, Result

from searchkit.cli import app
from searchkit.render import Environment, write_hits
from searchkit.searching import search
from searchkit.store.index import Store

runner = CliRunner()

# A Vietnamese word that no article contains, in any spelling.
ABSENT_WORD = "mèo"


def invoke(*args: str, input: str | bytes | None = None, env: dict[str, str] | None = None) -> Result:
    return runner.invoke(app, list(args), input=input, env=env)


def query(demo_index: Path, *args: str) -> Result:
    return invoke("query", *args, "--index", str(demo_index))


def records(result: Result) -> list[dict[str, object]]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def names(result: Result) -> list[str]:
    return [Path(str(record["path"])).name for record in records(result)]


def assert_error_exit(result: Result) -> None:
    """Exit status 2 with one line on stderr, nothing on stdout, and no traceback."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


# ---- ranking through the command ------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "phrase"),
    [
        ("công an cấp huyện", "công an cấp huyện"),
        ("cong an cap huyen", "công an cấp huyện"),
        ("toạ đàm", "toạ đàm"),
        ("hiệu năng", "hiệu năng"),
    ],
)
def test_query_ranks_the_articles_containing_the_phrase_first(demo_index: Path, typed: str, phrase: str) -> None:
    expected = articles_mentioning(phrase)
    assert expected

    result = query(demo_index, typed, "--json")

    assert result.exit_code == 0, result.output
    assert set(names(result)[: len(expected)]) == expected


def test_query_finds_the_article_that_only_writes_the_other_tone_placement(demo_index: Path) -> None:
    only_toa = corpus_file("ha-noi-toa-dam").name
    assert "toạ đàm" not in article_text(only_toa).lower()

    assert only_toa in names(query(demo_index, "toạ đàm", "--json"))


def test_query_with_i_finds_the_articles_that_only_write_y(demo_index: Path) -> None:
    only_y = articles_mentioning("chiến sỹ") - articles_mentioning("chiến sĩ")
    assert only_y

    assert only_y <= set(names(query(demo_index, "chiến sĩ", "--json")))


def test_not_leaves_out_every_article_mentioning_the_phrase(demo_index: Path) -> None:
    result = query(demo_index, '"công an" NOT "Hải Phòng"', "--json")

    assert result.exit_code == 0
    assert names(result)
    for name in names(result):
        assert not mentions(fold(article_text(name)), "hai phong")


def test_title_query_matches_the_title_line_only(demo_index: Path) -> None:
    result = query(demo_index, "title:giữ", "--json")

    assert names(result) == [corpus_file("ha-noi-toa-dam").name]
    assert records(result)[0]["title"] == title_line(corpus_file("ha-noi-toa-dam").name)


# ---- JSON Lines -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "searched_words"),
    [
        ("công an cấp huyện", "công an cấp huyện"),
        ("cong an cap huyen", "cong an cap huyen"),
        ("toạ đàm", "toạ đàm"),
        ("hiệu năng", "hiệu năng"),
        ("Hải Phòng", "Hải Phòng"),
        ('"công an" NOT "Hải Phòng"', "công an"),
        ("title:thi đua", "thi đua"),
    ],
)
def test_json_output_is_one_ranked_hit_per_line_with_highlights_on_query_words(
    demo_index: Path, typed: str, searched_words: str
) -> None:
    allowed = set(fold(searched_words).split())

    result = query(demo_index, typed, "--json")

    assert result.exit_code == 0, result.output
    hits = records(result)
    assert hits
    assert [hit["rank"] for hit in hits] == list(range(1, len(hits) + 1))
    scores = [hit["score"] for hit in hits]
    assert scores == sorted(scores, reverse=True)
    for hit in hits:
        assert {"rank", "score", "path", "title", "snippet", "highlights"} <= hit.keys()
        snippet = hit["snippet"]
        assert isinstance(snippet, str)
        assert hit["highlights"], hit
        for start, end in hit["highlights"]:
            assert 0 <= start < end <= len(snippet)
            assert set(fold(snippet[start:end]).split()) <= allowed, snippet[start:end]


def test_json_output_has_no_ansi_codes(demo_index: Path) -> None:
    assert "\x1b[" not in query(demo_index, "Hải Phòng", "--json").stdout


def test_limit_caps_the_number_of_json_lines(demo_index: Path) -> None:
    assert len(records(query(demo_index, '"công an"', "--json", "--limit", "2"))) == 2


# ---- many queries ------------------------------------------------------------------------------------


def test_queries_file_tags_each_hit_with_its_line_number_and_query(demo_index: Path, tmp_path: Path) -> None:
    lines = ["công an cấp huyện", "", "Hải Phòng", ABSENT_WORD, "toạ đàm"]
    queries = tmp_path / "queries.txt"
    queries.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = query(demo_index, "--queries", str(queries), "--json")

    assert result.exit_code == 0, result.output
    hits = records(result)
    assert {hit["qid"] for hit in hits} == {1, 3, 5}
    for hit in hits:
        assert hit["query"] == lines[int(hit["qid"]) - 1]
    for qid in (1, 3, 5):
        ranks = [hit["rank"] for hit in hits if hit["qid"] == qid]
        assert ranks == list(range(1, len(ranks) + 1))
    first = [Path(str(hit["path"])).name for hit in hits if hit["qid"] == 1]
    assert set(first[:2]) == articles_mentioning("công an cấp huyện")


def test_queries_from_stdin_with_dash(demo_index: Path) -> None:
    result = invoke("query", "--queries", "-", "--json", "--index", str(demo_index), input="toạ đàm\n\nHải Phòng\n")

    assert result.exit_code == 0, result.output
    assert {(hit["qid"], hit["query"]) for hit in records(result)} == {(1, "toạ đàm"), (3, "Hải Phòng")}


def test_queries_file_with_a_malformed_line_runs_the_others_and_exits_2(demo_index: Path, tmp_path: Path) -> None:
    queries = tmp_path / "queries.txt"
    queries.write_text('"công an\nHải Phòng\n', encoding="utf-8")

    result = query(demo_index, "--queries", str(queries), "--json")

    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert {hit["qid"] for hit in records(result)} == {2}
    assert len(result.stderr.strip().splitlines()) == 1


def test_queries_file_where_nothing_matches_exits_1(demo_index: Path, tmp_path: Path) -> None:
    queries = tmp_path / "queries.txt"
    queries.write_text(f"{ABSENT_WORD}\n\n", encoding="utf-8")

    result = query(demo_index, "--queries", str(queries), "--json")

    assert result.exit_code == 1
    assert result.stdout == ""


# ---- exit status -----------------------------------------------------------------------------------


def test_query_that_matches_exits_0(demo_index: Path) -> None:
    assert query(demo_index, "công an").exit_code == 0


@pytest.mark.parametrize("as_json", [False, True])
def test_query_that_matches_nothing_exits_1_with_empty_stdout(demo_index: Path, as_json: bool) -> None:
    for path in CORPUS.glob("*.txt"):
        assert fold(ABSENT_WORD) not in folded_syllables(article_text(path.name))

    result = query(demo_index, ABSENT_WORD, *(["--json"] if as_json else []))

    assert result.exit_code == 1
    assert result.stdout == ""


@pytest.mark.parametrize(
    "malformed",
    ['"công an', "“công an", "(công an", "công an)", "AND", "công an AND", "NOT", '""'],
)
def test_malformed_query_exits_2_with_a_one_line_message(demo_index: Path, malformed: str) -> None:
    assert_error_exit(query(demo_index, malformed))


def test_missing_index_exits_2(tmp_path: Path) -> None:
    assert_error_exit(invoke("query", "công an", "--index", str(tmp_path)))


def test_index_path_that_does_not_exist_exits_2(tmp_path: Path) -> None:
    assert_error_exit(invoke("query", "công an", "--index", str(tmp_path / "nowhere")))


def test_folder_of_junk_files_as_index_exits_2(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not an index", encoding="utf-8")
    (tmp_path / "data.bin").write_bytes(bytes(range(256)))

    assert_error_exit(invoke("query", "công an", "--index", str(tmp_path)))


@pytest.mark.parametrize("command", ["query", "index"])
def test_folder_of_junk_files_named_like_an_index_exits_2(tmp_path: Path, command: str) -> None:
    junk = tmp_path / "junk"
    junk.mkdir()
    # Whoosh recognises an index by its table of contents, _MAIN_<generation>.toc.
    (junk / "_MAIN_1.toc").write_bytes(b"not an index\n")
    (junk / "searchkit.json").write_text("{}", encoding="utf-8")
    what = "công an" if command == "query" else str(make_small_corpus(tmp_path))

    assert_error_exit(invoke(command, what, "--index", str(junk)))


def test_index_with_an_empty_manifest_of_its_segments_exits_2(demo_index: Path, tmp_path: Path) -> None:
    damaged = tmp_path / "index"
    damaged.mkdir()
    for path in demo_index.iterdir():
        (damaged / path.name).write_bytes(b"" if path.name == "searchkit-segments.json" else path.read_bytes())

    assert_error_exit(invoke("query", "công an", "--index", str(damaged)))


def test_indexing_a_folder_that_does_not_exist_exits_2(tmp_path: Path) -> None:
    assert_error_exit(invoke("index", str(tmp_path / "nowhere"), "--index", str(tmp_path / "index")))


def test_index_into_a_folder_of_other_files_exits_2_and_leaves_it_alone(tmp_path: Path) -> None:
    docs = make_small_corpus(tmp_path)
    before = sorted(p.relative_to(docs) for p in docs.rglob("*"))

    assert_error_exit(invoke("index", str(docs), "--index", str(docs)))
    assert sorted(p.relative_to(docs) for p in docs.rglob("*")) == before


@pytest.mark.parametrize("both", [True, False])
def test_query_needs_exactly_one_of_text_and_queries_file(demo_index: Path, tmp_path: Path, both: bool) -> None:
    queries = tmp_path / "queries.txt"
    queries.write_text("công an\n", encoding="utf-8")

    assert_error_exit(query(demo_index, *(["công an", "--queries", str(queries)] if both else [])))


def test_query_uses_the_index_named_by_searchkit_index(demo_index: Path) -> None:
    result = invoke("query", "Hải Phòng", "--json", env={"SEARCHKIT_INDEX": str(demo_index)})

    assert result.exit_code == 0, result.output
    assert names(result)[0] == corpus_file("hoi-thao-quy-che").name


def test_index_writes_to_the_index_named_by_searchkit_index(tmp_path: Path) -> None:
    docs = make_small_corpus(tmp_path)
    index_dir = tmp_path / "from-env"

    result = invoke("index", str(docs), env={"SEARCHKIT_INDEX": str(index_dir)})

    assert result.exit_code == 0, result.output
    assert Store(index_dir).doc_count == 3


# ---- indexing -----------------------------------------------------------------------------------------


def test_index_indexes_txt_and_md_recursively_and_reports_on_stderr(tmp_path: Path) -> None:
    docs = make_small_corpus(tmp_path)
    index_dir = tmp_path / "index"

    result = invoke("index", str(docs), "--index", str(index_dir))

    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "3 added, 0 updated, 0 removed, 0 unchanged" in result.stderr
    note = records(invoke("query", "con mèo", "--json", "--index", str(index_dir)))
    assert [(Path(str(hit["path"])).name, hit["title"]) for hit in note] == [("ghi-chu.md", "Ghi chú về con mèo")]
    # Only the article one folder down speaks of "tổ chức chính trị - xã hội".
    nested = records(invoke("query", '"tổ chức chính trị - xã hội"', "--json", "--index", str(index_dir)))
    assert [Path(str(hit["path"])).name for hit in nested] == ["thu-truong.txt"]


def test_index_names_each_empty_or_binary_file_it_skips(tmp_path: Path) -> None:
    docs = make_small_corpus(tmp_path)

    result = invoke("index", str(docs), "--index", str(tmp_path / "index"))

    stderr_lines = result.stderr.splitlines()
    for skipped in ("empty.txt", "blank.md", "blob.txt"):
        assert any(skipped in line for line in stderr_lines), result.stderr
    assert "notes.rst" not in result.stderr


def test_index_of_a_file_in_no_encoding_skips_it_exits_0_and_indexes_the_rest(tmp_path: Path) -> None:
    docs = make_small_corpus(tmp_path)
    (docs / "latin1.txt").write_bytes(NOT_UTF8)
    index_dir = tmp_path / "index"

    result = invoke("index", str(docs), "--index", str(index_dir))

    # A problem of the file's content: reported and skipped, so `index && query` goes on.
    assert result.exit_code == 0
    assert "Traceback" not in result.output
    assert any("latin1.txt" in line for line in result.stderr.splitlines())
    assert Store(index_dir).doc_count == 3
    assert invoke("index", str(docs), "--index", str(index_dir), "--strict").exit_code == 2
    found = records(invoke("query", "Hải Phòng", "--json", "--index", str(index_dir)))
    assert [Path(str(hit["path"])).name for hit in found] == ["hai-phong.txt"]


def test_reindexing_the_same_folder_does_not_duplicate_documents(tmp_path: Path) -> None:
    docs = make_small_corpus(tmp_path)
    index_dir = tmp_path / "index"
    invoke("index", str(docs), "--index", str(index_dir))

    result = invoke("index", str(docs), "--index", str(index_dir))

    assert result.exit_code == 0, result.output
    assert Store(index_dir).doc_count == 3
    found = records(invoke("query", '"công an"', "--json", "--index", str(index_dir)))
    assert sorted(Path(str(hit["path"])).name for hit in found) == ["hai-phong.txt", "thu-truong.txt"]


# ---- segment ----------------------------------------------------------------------------------------------


def test_segment_gives_pyvi_output_line_by_line_keeping_empty_lines() -> None:
    from pyvi import ViTokenizer

    lines = ["Công an cấp huyện", "", "", "Đại tá Nguyễn Ngọc Quyền - Phó Giám đốc CATP Hà Nội."]
    for path in sorted(CORPUS.glob("*.txt")):
        lines.extend(article_text(path.name).splitlines()[:12])
    assert "" in lines

    result = invoke("segment", input="\n".join(lines) + "\n")

    assert result.exit_code == 0, result.output
    assert result.stdout.split("\n") == [ViTokenizer.tokenize(line) for line in lines] + [""]


# ---- output for people ------------------------------------------------------------------------------------


def test_a_pipe_gets_one_tab_separated_line_per_hit(demo_index: Path) -> None:
    as_json = records(query(demo_index, "công an cấp huyện", "--json"))

    result = query(demo_index, "công an cấp huyện")

    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert len(rows) == len(as_json) > 1
    for row, hit in zip(rows, as_json, strict=True):
        assert row == [
            hit["path"],
            f"{hit['score']:.4f}",
            hit["title"],
            hit["snippet"],
            hit["date"] or "",
            hit["date_source"] or "",
        ]


def test_tab_separated_cells_never_hold_a_tab_or_a_line_break(tmp_path: Path) -> None:
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "tabs.txt").write_text("Tiêu\tđề có tab\nCông an\tcấp huyện,\r\ncông an\u2028cấp xã.\n", encoding="utf-8")
    index = tmp_path / "index"
    assert invoke("index", str(corpus), "--index", str(index)).exit_code == 0

    result = invoke("query", "công an", "--index", str(index))

    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 1
    path, score, title, snippet, _date, _dated_by = result.stdout.rstrip("\n").split("\t")
    assert Path(path).name == "tabs.txt"
    assert float(score) > 0
    assert title == "Tiêu đề có tab"
    assert "Công an cấp huyện" in snippet


def test_results_for_a_pipe_have_no_ansi_codes(demo_index: Path) -> None:
    result = query(demo_index, "công an cấp huyện")

    assert result.exit_code == 0
    assert result.stdout
    assert "\x1b[" not in result.stdout


def colour_codes(output: str) -> list[int]:
    """The foreground and background colours set by ANSI SGR sequences in `output`."""
    params = [int(p) for seq in re.findall(r"\x1b\[([0-9;]*)m", output) for p in seq.split(";") if p]
    return [p for p in params if 30 <= p <= 49 or 90 <= p <= 107]


def test_results_on_a_terminal_are_coloured_unless_no_color(demo_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = search(demo_index, "Hải Phòng")

    def render() -> str:
        stdout = io.StringIO()
        write_hits(Environment(stdout=stdout, stderr=io.StringIO(), stdout_isatty=True), result)
        return stdout.getvalue()

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert colour_codes(render())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not colour_codes(render())
