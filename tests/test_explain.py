"""`--explain`: for each hit, which terms matched in which view and what each added to
its score. The parts must add up to the score the ranking used, for every kind of
query, and name only terms the query asked for."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cli import assert_error_exit, invoke, records
from test_search import fold

from searchkit.analysis import fold_diacritics
from searchkit.schema import VIEWS
from searchkit.searching import Searcher

QUERIES = [
    "công an cấp huyện",
    "cong an cap huyen",
    "toạ đàm",
    '"công an" NOT "Hải Phòng"',
    "title:thi đua OR hiệu năng",
    '(công an AND "phòng cháy") OR Hải Phòng',
    "Vai trò của các tổ chức đoàn thể là gì?",
    "NOT thi đua",
]


@pytest.mark.parametrize("query", QUERIES)
def test_the_parts_of_each_score_add_up_to_it(demo_index: Path, query: str) -> None:
    with Searcher(demo_index) as searcher:
        hits = searcher.search(query, limit=10, explain=True, snippets=0).hits
    assert hits
    for hit in hits:
        assert sum(c.score for c in hit.explanation) == pytest.approx(hit.score, rel=1e-9, abs=1e-9)
        assert all(c.score > 0 for c in hit.explanation)
        assert [c.score for c in hit.explanation] == sorted((c.score for c in hit.explanation), reverse=True)


@pytest.mark.parametrize("query", QUERIES[:3])
def test_explained_terms_are_the_query_syllables_and_their_pairs(demo_index: Path, query: str) -> None:
    asked = set(fold(query).replace('"', " ").split())
    with Searcher(demo_index) as searcher:
        hits = searcher.search(query, explain=True, snippets=0).hits
    for hit in hits:
        for c in hit.explanation:
            assert c.field in ("body", "title")
            assert c.view in VIEWS
            assert set(fold_diacritics(c.term).split()) <= asked
            assert (" " in c.term) == c.view.endswith("bigrams")


def test_json_explain_lists_field_view_term_and_score(demo_index: Path) -> None:
    hits = records(invoke("query", "cong an cap huyen", "--json", "--explain", "--index", str(demo_index)))
    assert hits
    for hit in hits:
        parts = hit["explain"]
        assert isinstance(parts, list)
        assert {tuple(sorted(part)) for part in parts} == {("field", "score", "term", "view")}
        assert sum(part["score"] for part in parts) == pytest.approx(hit["score"], abs=1e-3 * len(parts))
    # Typed without diacritics: the folded views carry the match.
    assert any(part["view"] == "folded_bigrams" and part["term"] == "cap huyen" for part in hits[0]["explain"])


def test_without_explain_json_has_no_explanation(demo_index: Path) -> None:
    hits = records(invoke("query", "công an", "--json", "--index", str(demo_index)))
    assert hits
    assert all("explain" not in hit for hit in hits)


def test_tab_separated_explain_is_a_last_column(demo_index: Path) -> None:
    result = invoke("query", "công an cấp huyện", "--explain", "--index", str(demo_index))
    assert result.exit_code == 0
    for line in result.stdout.splitlines():
        _path, score, _title, _snippet, _date, _dated_by, explained = line.split("\t")
        parts = [part.rsplit("=", 1) for part in explained.split("; ")]
        assert sum(float(value) for _name, value in parts) == pytest.approx(float(score), abs=1e-4 * len(parts))
        assert all(name.split(" ", 1)[0] in ("body", "title") for name, _value in parts)


@pytest.mark.parametrize("option", ["--files", "-0", "--count"])
def test_explain_needs_the_hits_shown(demo_index: Path, option: str) -> None:
    assert_error_exit(invoke("query", "công an", option, "--explain", "--index", str(demo_index)))
