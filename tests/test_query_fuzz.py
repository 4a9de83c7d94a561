"""Ten thousand generated queries at the parser, and ten thousand at `searchkit query`:
unbalanced quotes, lone operators, field names that do not exist, control characters,
very long input, mixed scripts. Each must parse or raise QuerySyntaxError, and end the
command with exit status 0, 1 or 2 and at most a one-line message; never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_cli import invoke
from test_query import VIETNAMESE_LETTERS

from searchkit.errors import QuerySyntaxError
from searchkit.syntax import And, Filter, Not, Or, Phrase, Text, parse

CONTROL = "".join(map(chr, [*range(0x00, 0x20), 0x7F, 0x85, 0x2028, 0x2029, 0x200B, 0xFEFF]))
OTHER_SCRIPTS = "中文字漢字ไทยالعربيةРусскийΕλληνικά한국어日本語😀🇻🇳"
SYNTAX = ['"', "“", "”", "(", ")", ":", "AND", "OR", "NOT", "title:", "body:", "foo:", "title:title:", "::"]
WORDS = ["công an", "cấp huyện", "cong an", "Hà Nội", "thi đua", "10:30", "TP.HCM", "là gì?", "-", "...", "đ"]

pieces = st.one_of(
    st.sampled_from(SYNTAX + WORDS),
    st.text(
        alphabet=VIETNAMESE_LETTERS + VIETNAMESE_LETTERS.upper() + CONTROL + OTHER_SCRIPTS + '"()“”: .,-', max_size=15
    ),
)
queries = st.one_of(
    st.lists(pieces, max_size=12).map(" ".join),
    st.lists(pieces, max_size=12).map("".join),
    st.text(max_size=40),
    # Very long input: hundreds of words, or one word of thousands of letters (a short
    # draw repeated: drawing thousands of characters one by one is slow).
    st.lists(st.sampled_from(WORDS + SYNTAX), min_size=5, max_size=20).map(lambda words: " ".join(words * 25)),
    st.text(alphabet=VIETNAMESE_LETTERS, min_size=5, max_size=40).map(lambda letters: letters * 100),
)


@settings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(queries)
def test_the_parser_returns_a_query_or_raises_query_syntax_error(query: str) -> None:
    try:
        node = parse(query)
    except QuerySyntaxError as error:
        assert "\n" not in str(error)
        return
    assert isinstance(node, Text | Phrase | Filter | And | Or | Not)


@pytest.fixture(scope="module")
def index_dir(demo_index: Path) -> Path:
    return demo_index


@settings(
    max_examples=10_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(query=queries, as_json=st.booleans())
def test_the_command_ends_with_0_1_or_2_and_never_a_traceback(index_dir: Path, query: str, as_json: bool) -> None:
    # After "--", as any argument that may start with "-" must be given.
    result = invoke("query", "--index", str(index_dir), *(["--json"] if as_json else []), "--", query)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1, 2)
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        assert result.stdout == ""
        assert len(result.stderr.strip().splitlines()) == 1
        assert result.stderr.startswith("searchkit: error: ")
    if result.exit_code == 1:
        assert result.stdout == ""
