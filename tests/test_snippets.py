"""Highlighting analyzes only the stretches of a document around possible matches; it
must mark exactly what analyzing the whole document marks."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import CORPUS, corpus_file

from searchkit.analysis import fold_diacritics
from searchkit.matching import Marks, marks
from searchkit.searching import Searcher
from searchkit.snippets import highlight_spans, make_snippet, make_snippets

QUERIES = [
    "công an cấp huyện",
    "cong an cap huyen",
    "toạ đàm",  # the corpus writes both "tọa" and "toạ"
    "chiến sỹ",  # and "sĩ" / "sỹ"
    '"an ninh trật tự"',
    "Hà Nội",
    "thi đua",
    "2025",
    "Vai trò của các tổ chức đoàn thể là gì?",
]


def articles() -> list[str]:
    return [path.read_text(encoding="utf-8") for path in sorted(CORPUS.glob("*.txt"))]


@pytest.fixture(scope="module")
def marks_of(demo_index: Path) -> Iterator[Callable[[str], Marks]]:
    """What a query marks, read as the demo index reads it (diacritics put back)."""
    with Searcher(demo_index) as searcher:
        yield lambda query: marks(searcher.read_query(query))


@pytest.mark.parametrize("query", QUERIES)
def test_stretches_mark_what_the_whole_text_marks(marks_of: Callable[[str], Marks], query: str) -> None:
    terms = marks_of(query)
    found_any = False
    for text in articles():
        whole = highlight_spans(text, terms, whole=True)
        assert highlight_spans(text, terms) == whole
        found_any = found_any or bool(whole)
    assert found_any


@pytest.mark.parametrize("query", ["công an cấp huyện", "cong an cap huyen"])
def test_text_that_cannot_be_prescanned_is_analyzed_whole(marks_of: Callable[[str], Marks], query: str) -> None:
    # Decomposed (NFD) text and a soft hyphen inside a word: the analyzer still
    # finds the matches, so highlighting must too.
    text = corpus_file("tien-phong").read_text(encoding="utf-8")
    terms = marks_of(query)
    expected = highlight_spans(text, terms, whole=True)
    assert expected
    decomposed = unicodedata.normalize("NFD", text)
    assert len(highlight_spans(decomposed, terms)) == len(expected)
    hidden = text.replace("công an", "cô\u00adng an")
    assert len(highlight_spans(hidden, terms)) == len(highlight_spans(hidden, terms, whole=True)) > 0


def test_snippet_shows_the_query_words_highlighted(marks_of: Callable[[str], Marks]) -> None:
    text = corpus_file("tien-phong").read_text(encoding="utf-8")
    snippet = make_snippet(text, marks_of("công an cấp huyện"))
    marked = [snippet.text[s:e].lower() for s, e in snippet.highlights]
    assert "công an cấp huyện" in marked


LONG_QUERIES = [
    "Vai trò của các tổ chức đoàn thể và đoàn viên trong công tác xây dựng lực lượng",
    "công an các đơn vị và địa phương thực hiện phong trào thi đua",
    "Hà Nội tọa đàm về hiệu năng hiệu lực hiệu quả của bộ máy",
]


@pytest.mark.parametrize("query", LONG_QUERIES)
def test_a_long_querys_snippets_show_what_the_whole_text_marks(marks_of: Callable[[str], Marks], query: str) -> None:
    # Common words are all over a text: the passages are chosen among the stretches
    # the pre-scan finds densest, and must still be marked as the whole text is.
    terms = marks_of(query)
    for text in articles():
        whole = {" ".join(text[s:e].split()) for s, e in highlight_spans(text, terms, whole=True)}
        snippets = make_snippets(text, terms, count=2)
        marked = [snippet.text[s:e] for snippet in snippets for s, e in snippet.highlights]
        assert marked, "a text with matches gets a passage with a match"
        # A run of matches may be cut where its passage ends.
        assert all(any(m in w for w in whole) for m in marked)
        assert len({fold_diacritics(m.lower()) for m in marked}) >= 3  # dense passages, not one word
