"""The query language: how a query string is parsed, and that no input crashes the
parser, the scoring of a parsed query, or a search."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchkit.errors import QuerySyntaxError
from searchkit.searching import Searcher
from searchkit.syntax import And, Filter, Not, Or, Phrase, Text, parse

# ---- grouping of plain words -------------------------------------------------------------


def test_plain_words_stay_one_text_node() -> None:
    assert parse("công an cấp huyện") == Text("công an cấp huyện")


def test_spaces_between_plain_words_do_not_split_them() -> None:
    assert parse("  công   an\tcấp  huyện ") == Text("công an cấp huyện")


def test_lower_case_operator_words_are_plain_text() -> None:
    assert parse("công an and quân đội or not") == Text("công an and quân đội or not")


def test_time_with_a_colon_is_text_not_a_field() -> None:
    assert parse("họp lúc 10:30") == Text("họp lúc 10:30")


def test_unknown_prefix_with_a_colon_is_text() -> None:
    assert parse("ghi chú: công an") == Text("ghi chú: công an")


# ---- phrases ---------------------------------------------------------------------------------


def test_quoted_words_are_a_phrase() -> None:
    assert parse('"công an"') == Phrase("công an")


def test_typographic_quotes_make_a_phrase() -> None:
    assert parse("“công an cấp huyện”") == Phrase("công an cấp huyện")


def test_words_next_to_a_phrase_are_anded_with_it() -> None:
    assert parse('công an "cấp huyện"') == And((Text("công an"), Phrase("cấp huyện")))


# ---- operators and precedence ----------------------------------------------------------------


def test_and_joins_the_runs_around_it() -> None:
    assert parse("công an AND Hà Nội") == And((Text("công an"), Text("Hà Nội")))


def test_or_joins_the_runs_around_it() -> None:
    assert parse("công an OR quân đội") == Or((Text("công an"), Text("quân đội")))


def test_and_binds_tighter_than_or() -> None:
    assert parse("công an OR quân đội AND Hà Nội") == Or((Text("công an"), And((Text("quân đội"), Text("Hà Nội")))))


def test_parentheses_override_precedence() -> None:
    assert parse("(công an OR quân đội) AND Hà Nội") == And((Or((Text("công an"), Text("quân đội"))), Text("Hà Nội")))


def test_not_applies_to_the_whole_run_that_follows() -> None:
    assert parse("NOT công an") == Not(Text("công an"))


def test_not_phrase_after_words() -> None:
    assert parse('"công an" NOT "Hải Phòng"') == And((Phrase("công an"), Not(Phrase("Hải Phòng"))))


def test_not_binds_tighter_than_or() -> None:
    assert parse("NOT công an OR Hà Nội") == Or((Not(Text("công an")), Text("Hà Nội")))


# ---- the title field ---------------------------------------------------------------------------


def test_title_prefix_applies_to_the_words_that_follow() -> None:
    assert parse("title:thi đua") == Text("thi đua", field="title")


def test_title_prefix_ends_at_the_next_operator() -> None:
    assert parse("title:thi đua AND công an") == And((Text("thi đua", field="title"), Text("công an")))


def test_title_prefix_on_a_phrase() -> None:
    assert parse('title:"thi đua"') == Phrase("thi đua", field="title")


def test_title_prefix_on_a_group_applies_inside_it() -> None:
    assert parse("title:(thi đua OR tọa đàm)") == Or((Text("thi đua", "title"), Text("tọa đàm", "title")))


# ---- filters ------------------------------------------------------------------------------------


def test_a_date_filter_covers_the_day_month_year_or_range_it_names() -> None:
    assert parse("date:2021-09-08") == Filter("date", "2021-09-08", "2021-09-08", "2021-09-08")
    assert parse("date:2021-09") == Filter("date", "2021-09", "2021-09-01", "2021-09-30")
    assert parse("date:8/9/2021") == Filter("date", "8/9/2021", "2021-09-08", "2021-09-08")  # day first
    assert parse("date:2020..2021-02") == Filter("date", "2020..2021-02", "2020-01-01", "2021-02-28")
    assert parse("date:2021..").low == "2021-01-01"
    assert parse("date:..2021").high == "2021-12-31"


def test_a_filter_ends_the_run_of_words_before_it_and_joins_with_and() -> None:
    assert parse("công an date:2021 cấp huyện") == And(
        (Text("công an"), Filter("date", "2021", "2021-01-01", "2021-12-31"), Text("cấp huyện"))
    )
    assert parse('path:"Báo cáo 2021" NOT path:*.md') == And(
        (Filter("path", "Báo cáo 2021"), Not(Filter("path", "*.md")))
    )


def test_a_path_filter_finds_a_part_in_any_case_or_matches_a_glob_from_the_end() -> None:
    part, glob = Filter("path", "Tien-Phong"), Filter("path", "news/*.html")
    assert part.matches("/data/tin/tien-phong-toa-dam.txt")
    assert glob.matches("/data/news/bai-1.html") and not glob.matches("/data/news/2021/bai-1.html")
    assert Filter("path", "*.jsonl#*").matches("/data/tin.jsonl#17")


# ---- syntax errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        '"công an',
        "“công an",
        "(công an",
        "công an)",
        "()",
        "AND",
        "OR",
        "NOT",
        "công an AND",
        "OR công an",
        "công an AND OR Hà Nội",
        "title:",
        "date:",
        "date:..",
        "date:2021-02-30",
        "date:hôm-qua",
        "path:",
        'path:"tin tức',
    ],
)
def test_malformed_query_raises_query_syntax_error(query: str) -> None:
    with pytest.raises(QuerySyntaxError):
        parse(query)


@pytest.mark.parametrize("query", ['""', "...", "“ ”", "- , ;", "NOT ...", "(,) OR ."])
def test_query_without_words_is_a_syntax_error(demo_index: Path, query: str) -> None:
    with Searcher(demo_index) as searcher, pytest.raises(QuerySyntaxError):
        searcher.search(query)


# ---- properties: nothing but QuerySyntaxError ----------------------------------------------------

VIETNAMESE_LETTERS = "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
QUERY_SYNTAX = '"()“”:'

query_pieces = st.one_of(
    st.text(alphabet=VIETNAMESE_LETTERS + VIETNAMESE_LETTERS.upper() + QUERY_SYNTAX + "0123 .,-", max_size=12),
    st.sampled_from(["AND", "OR", "NOT", "title:", "(", ")", '"', "“", "”", "công an", "10:30"]),
    st.sampled_from(["date:", "date:2021", "date:2021-09..", "date:..9/2021", "date:2021-02-30", "date:..", "path:"]),
    st.sampled_from(["path:*.txt", 'path:"', "path:tien-phong", "path:[", "date:2021..2019"]),
)
vietnamese_queries = st.lists(query_pieces, max_size=10).map(" ".join)
any_query = st.one_of(st.text(), vietnamese_queries)


@settings(max_examples=300, deadline=None)
@given(any_query)
def test_parse_returns_a_node_or_raises_query_syntax_error(query: str) -> None:
    try:
        node = parse(query)
    except QuerySyntaxError:
        return
    assert isinstance(node, Text | Phrase | Filter | And | Or | Not)


@pytest.fixture(scope="module")
def demo_searcher(demo_index: Path) -> Iterator[Searcher]:
    with Searcher(demo_index) as searcher:
        yield searcher


@settings(max_examples=200, deadline=None)
@given(any_query)
def test_searching_any_query_returns_hits_or_raises_query_syntax_error(demo_searcher: Searcher, query: str) -> None:
    try:
        result = demo_searcher.search(query, limit=3)
    except QuerySyntaxError:
        return
    assert len(result.hits) <= 3
    for hit in result.hits:
        for start, end in hit.snippet.highlights:
            assert 0 <= start < end <= len(hit.snippet.text)
