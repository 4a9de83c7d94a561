"""Quoted phrases: the index keeps no positions, so a phrase of three syllables or more
is checked in the stored text (around where its syllables may be written). It must
find exactly the documents whose analyzed text has the syllables together and in
order, in any spelling, and never across punctuation."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from conftest import CORPUS
from hypothesis import given, settings
from hypothesis import strategies as st

from searchkit.analysis import analyze
from searchkit.analysis.prescan import has_phrase
from searchkit.searching import Searcher, search

ARTICLES = {path.name: path.read_text(encoding="utf-8") for path in sorted(CORPUS.glob("*.txt"))}


def reference(text: str, folded: list[str]) -> bool:
    """The phrase test on the whole text's analysis, as the positions in the index did it."""
    analysis = analyze(text, words=False)
    texts, positions = analysis.folded_texts, analysis.positions
    n = len(folded)
    return any(
        texts[i : i + n] == folded and positions[i + n - 1] - positions[i] == n - 1 for i in range(len(texts) - n + 1)
    )


def folded_window(name: str, start: int, length: int) -> list[str]:
    texts = analyze(ARTICLES[name], words=False).folded_texts
    start %= max(1, len(texts) - length)
    return texts[start : start + length]


@settings(max_examples=150, deadline=None)
@given(
    name=st.sampled_from(sorted(ARTICLES)),
    other=st.sampled_from(sorted(ARTICLES)),
    start=st.integers(0, 5000),
    length=st.integers(2, 5),
)
def test_has_phrase_agrees_with_the_whole_analysis(name: str, other: str, start: int, length: int) -> None:
    # Syllables that follow each other in one article (sometimes across punctuation),
    # looked for in it and in another.
    folded = folded_window(name, start, length)
    for text in (ARTICLES[name], ARTICLES[other]):
        assert has_phrase(text, folded) == reference(text, folded)


def test_has_phrase_in_text_that_cannot_be_prescanned() -> None:
    text = ARTICLES["tien-phong-toa-dam-vai-tro-doan-the-cong-an-thu-do.txt"]
    phrase = ["cong", "an", "cap", "huyen"]
    assert has_phrase(text, phrase)
    assert has_phrase(unicodedata.normalize("NFD", text), phrase)
    broken = re.sub("(?i)(công an) (cấp huyện)", r"\1, \2", text)
    assert not has_phrase(broken, phrase)
    assert not has_phrase(unicodedata.normalize("NFD", broken), phrase)


def test_a_quoted_phrase_finds_exactly_the_articles_that_have_it(demo_index: Path) -> None:
    checked = 0
    for phrase in ("an ninh trật tự", "công an cấp huyện", "tổ chức chính trị", "cong an thanh pho ha noi"):
        folded = analyze(phrase, words=False).folded_texts
        expected = {name for name, text in ARTICLES.items() if reference(text, folded)}
        found = {Path(hit.path).name for hit in search(demo_index, f'"{phrase}"', limit=50).hits}
        assert found == expected
        checked += bool(expected)
    assert checked >= 3


def test_a_phrase_does_not_run_across_punctuation(demo_index: Path) -> None:
    # "chính trị - xã hội" is written in the corpus; "trị xã" never stands together.
    assert search(demo_index, '"chính trị - xã hội"').hits
    assert not search(demo_index, '"chính trị xã hội"').hits


def test_a_searcher_answers_a_phrase_again_from_what_it_checked_as_a_fresh_one(demo_index: Path) -> None:
    # A server's searcher keeps the documents each phrase was checked to be in; asking
    # again, in another query or field, or as typed rather than folded, must not change
    # an answer.
    queries = [
        '"công an cấp huyện"',
        '"cong an cap huyen"',
        '"công an cấp huyện" NOT "Hải Phòng"',
        'title:"công an cấp huyện"',
        '"an ninh trật tự" OR "tổ chức chính trị"',
        '"tổ chức chính trị"',
        "cong an thanh pho ha noi",
    ]
    with Searcher(demo_index) as kept:
        for _ in range(2):
            for query in queries:
                with Searcher(demo_index) as fresh:
                    expected = fresh.search(query, limit=None, snippets=0)
                again = kept.search(query, limit=None, snippets=0)
                assert [(hit.path, hit.score) for hit in again.hits] == [(hit.path, hit.score) for hit in expected.hits]
                assert again.total == expected.total
