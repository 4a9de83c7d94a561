"""Queries typed without diacritics: restoring them from the index's own words, and
keeping exact matches above matches that only agree once diacritics are folded."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from pathlib import Path

import pytest
from conftest import CORPUS
from typer.testing import CliRunner

from searchkit.analysis import analyze, fold_diacritics
from searchkit.cli import app
from searchkit.indexing import index_sources
from searchkit.restore import restore_diacritics
from searchkit.searching import Searcher, search


def corpus_forms() -> tuple[dict[str, Counter[str]], int]:
    """Written forms of every syllable and every pair of adjacent syllables of the demo
    corpus, keyed by folded form (counted here from the text, not read from an index),
    and the number of syllables."""
    forms: dict[str, Counter[str]] = {}
    total = 0
    for path in sorted(CORPUS.glob("*.txt")):
        syllables = analyze(path.read_text(encoding="utf-8"), words=False).syllables
        for syllable in syllables:
            forms.setdefault(fold_diacritics(syllable.text), Counter())[syllable.text] += 1
            total += 1
        for a, b in itertools.pairwise(syllables):
            if b.pos == a.pos + 1:
                pair = f"{a.text} {b.text}"
                forms.setdefault(fold_diacritics(pair), Counter())[pair] += 1
    return forms, total


def restore_from_corpus(typed: str) -> tuple[str, ...]:
    forms, total = corpus_forms()
    return restore_diacritics(typed.split(), lambda key: list(forms.get(key, {}).items()), total).syllables


@pytest.mark.parametrize(
    ("typed", "written", "syllable_by_syllable"),
    [
        # In the demo articles "động" (48) is more frequent than "đồng" (29), and
        # "phó" (32) than "phố" (17); the pairs say which one is meant.
        ("dong chi", "đồng chí", "động chí"),
        ("thanh pho", "thành phố", "thành phó"),
        ("noi dung", "nội dung", "nội dựng"),
        ("thu truong", "thứ trưởng", "thủ trưởng"),
    ],
)
def test_the_neighbouring_syllable_decides_the_diacritics(typed: str, written: str, syllable_by_syllable: str) -> None:
    forms, _ = corpus_forms()
    most_frequent = tuple(forms[syllable].most_common(1)[0][0] for syllable in typed.split())

    assert most_frequent == tuple(syllable_by_syllable.split())
    assert restore_from_corpus(typed) == tuple(written.split())


def test_a_syllable_the_index_never_saw_stays_as_typed() -> None:
    forms, total = corpus_forms()

    restored = restore_diacritics("zzyzx cong an".split(), lambda key: list(forms.get(key, {}).items()), total)

    assert restored.syllables == ("zzyzx", "công", "an")
    assert restored.known == 2


def test_nothing_known_restores_nothing() -> None:
    restored = restore_diacritics(["abc", "xyz"], lambda key: [], 100)
    assert restored.known == 0
    assert restored.syllables == ("abc", "xyz")


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("cong an cap huyen", "công an cấp huyện"),
        ("toa dam", "tọa đàm"),
        ("thieu tuong", "thiếu tướng"),
        ("ha noi", "hà nội"),
        ("dong chi bi thu", "đồng chí bí thư"),
    ],
)
def test_the_index_restores_the_diacritics_its_articles_use(demo_index: Path, typed: str, written: str) -> None:
    # Each written form is how the demo articles spell these words (in canonical
    # tone placement: the articles write both "toạ đàm" and "tọa đàm").
    with Searcher(demo_index) as searcher:
        analysis = searcher.read_query(typed).analysis
    assert analysis is not None and analysis.restored is not None
    assert " ".join(analysis.restored) == written


def test_a_query_without_diacritics_is_searched_as_restored_too(demo_index: Path) -> None:
    plain = search(demo_index, "cong an cap huyen")
    typed = search(demo_index, "công an cấp huyện")

    assert plain.restored == "công an cấp huyện"
    assert typed.restored is None
    assert [hit.path for hit in plain.hits[:2]] == [hit.path for hit in typed.hits[:2]]


def test_a_query_that_matches_with_every_syllable_known_gets_no_did_you_mean(demo_index: Path) -> None:
    """Its diacritics are put back for ranking, but nothing is suggested: it matched."""
    result = CliRunner().invoke(app, ["query", "cong an cap huyen", "--index", str(demo_index), "--json"])
    assert result.exit_code == 0
    assert "did you mean" not in result.stderr
    assert all("suggestion" not in json.loads(line) for line in result.stdout.splitlines())


@pytest.fixture
def duong_index(tmp_path: Path) -> Path:
    """Two articles: one about a road ("đường"), one about Bình Dương province, which
    writes "Dương" more often than the first writes "đường"."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "con-duong.txt").write_text(
        "Con đường vào làng\n\nCon đường đất dẫn vào làng đã được đổ bê tông trước mùa mưa.\n",
        encoding="utf-8",
    )
    (docs / "binh-duong.txt").write_text(
        "Bình Dương thu hút đầu tư\n\n"
        "Tỉnh Bình Dương tiếp tục dẫn đầu về thu hút vốn đầu tư. Lãnh đạo tỉnh Bình Dương cho biết "
        "các khu công nghiệp ở Bình Dương đã kín chỗ; Dương là tên gọi quen thuộc của người dân.\n",
        encoding="utf-8",
    )
    index_dir = tmp_path / "index"
    index_sources([docs], index_dir)
    return index_dir


@pytest.mark.parametrize(("query", "only"), [("đường", "con-duong"), ("dương", "binh-duong")])
def test_a_syllable_typed_with_diacritics_matches_only_that_spelling(duong_index: Path, query: str, only: str) -> None:
    # The other article has the same letters with other marks: another word.
    result = search(duong_index, query)

    assert [Path(hit.path).stem for hit in result.hits] == [only]
    assert result.total == 1
    assert result.searched is None


def test_a_query_without_diacritics_matches_every_spelling(duong_index: Path) -> None:
    result = search(duong_index, "duong")

    assert {Path(hit.path).stem for hit in result.hits} == {"con-duong", "binh-duong"}
