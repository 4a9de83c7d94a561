"""What a query matches, checked against a plain scan of the documents (`reference`):
phrases and keywords of one to four syllables (and longer runs) drawn from real
Vietnamese text, with tones and vowel marks changed or diacritics stripped, must match
exactly the documents the reference finds, in `-l` and in `-c`. On three corpora: the
demo articles, their paragraphs as separate documents, and documents made of their
syllables with tones altered."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import reference
from conftest import CORPUS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from searchkit.analysis import fold_diacritics, spellings
from searchkit.cli import app
from searchkit.indexing import index_sources
from searchkit.matching import leaves
from searchkit.searching import Searcher

runner = CliRunner()


@dataclass
class Corpus:
    """An indexed folder and the reference's reading of each of its documents."""

    index: Path
    texts: dict[str, reference.Text]
    searcher: Searcher


def _corpus(index: Path, folder: Path) -> Iterator[Corpus]:
    report = index_sources([folder], index, processes=1)
    assert not report.errors
    texts = {path.name: reference.Text.of(path.read_text(encoding="utf-8")) for path in folder.glob("*.txt")}
    with Searcher(index) as searcher:
        yield Corpus(index, texts, searcher)


@pytest.fixture(scope="module")
def demo(demo_index: Path) -> Iterator[Corpus]:
    texts = {path.name: reference.Text.of(path.read_text(encoding="utf-8")) for path in CORPUS.glob("*.txt")}
    with Searcher(demo_index) as searcher:
        yield Corpus(demo_index, texts, searcher)


@pytest.fixture(scope="module")
def paragraphs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Corpus]:
    """Every paragraph of the demo articles as a document of its own (125 of them)."""
    folder = tmp_path_factory.mktemp("paragraphs")
    count = 0
    for article in sorted(CORPUS.glob("*.txt")):
        for line in article.read_text(encoding="utf-8").splitlines():
            if line.strip():
                (folder / f"{article.stem[:20]}-{count:03d}.txt").write_text(line + "\n", encoding="utf-8")
                count += 1
    assert count > 100
    yield from _corpus(tmp_path_factory.mktemp("paragraphs-index"), folder)


def _other_spelling(syllable: str, rng: random.Random) -> str:
    """The syllable with other diacritics (another tone, vowel mark or d/đ), if it has
    any other spelling."""
    others = [s for s in spellings(fold_diacritics(syllable)) if s != syllable]
    return rng.choice(others) if others else syllable


@pytest.fixture(scope="module")
def altered(tmp_path_factory: pytest.TempPathFactory, demo: Corpus) -> Iterator[Corpus]:
    """Sixty documents of short lines made of the demo articles' commonest syllables,
    a third of them with their tone or vowel marks changed, with punctuation between
    some: many documents share a syllable's letters in several spellings."""
    rng = random.Random(15)
    counts: dict[str, int] = {}
    for text in demo.texts.values():
        for syllable in text.written:
            counts[syllable] = counts.get(syllable, 0) + 1
    common = sorted(counts, key=lambda s: -counts[s])[:80]
    folder = tmp_path_factory.mktemp("altered")
    for n in range(60):
        lines = []
        for _ in range(rng.randint(1, 4)):
            words = [
                _other_spelling(s, rng) if rng.random() < 0.33 else s for s in rng.choices(common, k=rng.randint(3, 12))
            ]
            for i in range(1, len(words)):
                if rng.random() < 0.1:
                    words[i] = rng.choice([",", ".", " -", ";"]) + " " + words[i]
            lines.append(" ".join(words))
        (folder / f"doc-{n:02d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    yield from _corpus(tmp_path_factory.mktemp("altered-index"), folder)


# ---- queries drawn from the documents -------------------------------------------------------


@st.composite
def typed_runs(draw: st.DrawFn, corpus: Corpus, longest: int = 4) -> str:
    """Syllables that follow each other in one document (across punctuation at times),
    as typed: with their diacritics, one syllable with other ones, none at all, in
    another case or decomposed (NFD)."""
    name = draw(st.sampled_from(sorted(corpus.texts)))
    written = corpus.texts[name].written
    length = draw(st.integers(1, longest))
    start = draw(st.integers(0, max(0, len(written) - length)))
    syllables = list(written[start : start + length])
    how = draw(st.sampled_from(["as written", "other marks", "no diacritics", "capitals", "decomposed"]))
    if how == "other marks":
        at = draw(st.integers(0, len(syllables) - 1))
        syllables[at] = _other_spelling(syllables[at], random.Random(draw(st.integers(0, 99))))
    text = " ".join(syllables)
    if how == "no diacritics":
        return fold_diacritics(text)
    if how == "capitals":
        return text.title()
    if how == "decomposed":
        return unicodedata.normalize("NFD", text)
    return text


def reference_leaf(corpus: Corpus, typed: str, *, phrase: bool) -> reference.Leaf:
    """The reference reading of a run or phrase, with the diacritics the index would
    put back on it (the one thing taken from searchkit: what this corpus suggests)."""
    query = f'"{typed}"' if phrase else typed
    (analyzed,) = leaves(corpus.searcher.read_query(query))
    assert analyzed.analysis is not None
    return reference.leaf(typed, phrase=phrase, restored=analyzed.analysis.restored)


def found(corpus: Corpus, query: str, *, exact: bool = True) -> tuple[set[str], int]:
    # Every matching file, as -l lists them: ranked hits fold identical paragraphs.
    result = corpus.searcher.search(query, limit=None, snippets=0, exact=exact, paths_only=True)
    return {Path(hit.path).name for hit in result.hits}, result.total


SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def check_runs_and_phrases(corpus: Corpus, data: st.DataObject, longest: int = 4) -> None:
    typed = data.draw(typed_runs(corpus, longest))
    phrase = data.draw(st.booleans())
    query = f'"{typed}"' if phrase else typed
    expected = reference.matching(corpus.texts, [reference_leaf(corpus, typed, phrase=phrase)])
    names, total = found(corpus, query)
    assert names == expected, query
    assert total == len(expected)


@SETTINGS
@given(data=st.data())
def test_the_demo_articles_match_as_the_reference_says(demo: Corpus, data: st.DataObject) -> None:
    check_runs_and_phrases(demo, data)


@SETTINGS
@given(data=st.data())
def test_paragraphs_match_as_the_reference_says(paragraphs: Corpus, data: st.DataObject) -> None:
    check_runs_and_phrases(paragraphs, data)


@SETTINGS
@given(data=st.data())
def test_documents_with_tones_altered_match_as_the_reference_says(altered: Corpus, data: st.DataObject) -> None:
    check_runs_and_phrases(altered, data)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_long_runs_and_questions_match_on_any_of_their_words(paragraphs: Corpus, data: st.DataObject) -> None:
    typed = data.draw(typed_runs(paragraphs, longest=9)) + data.draw(st.sampled_from(["", " là gì", " thế nào"]))
    expected = reference.matching(paragraphs.texts, [reference_leaf(paragraphs, typed, phrase=False)])
    names, total = found(paragraphs, typed)
    assert names == expected
    assert total == len(expected)


@SETTINGS
@given(data=st.data(), operator=st.sampled_from(["AND", "OR", "NOT"]))
def test_operators_combine_what_each_part_matches(altered: Corpus, data: st.DataObject, operator: str) -> None:
    first, second = data.draw(typed_runs(altered, 2)), data.draw(typed_runs(altered, 2))
    phrases = data.draw(st.booleans()), data.draw(st.booleans())
    parts = [f'"{t}"' if p else f"({t})" for t, p in zip((first, second), phrases, strict=True)]
    query = f"{parts[0]} {operator} {parts[1]}"
    expected = reference.matching(
        altered.texts,
        [reference_leaf(altered, t, phrase=p) for t, p in zip((first, second), phrases, strict=True)],
        operator,
    )
    names, total = found(altered, query)
    assert names == expected, query
    assert total == len(expected)


@SETTINGS
@given(data=st.data())
def test_a_query_with_diacritics_that_matches_nothing_matches_as_typed_without_them(
    altered: Corpus, data: st.DataObject
) -> None:
    typed = data.draw(typed_runs(altered))
    as_typed = reference.matching(altered.texts, [reference_leaf(altered, typed, phrase=False)])
    result = altered.searcher.search(typed, limit=None, snippets=0)
    names = {Path(hit.path).name for hit in result.hits}
    folded = fold_diacritics(typed)
    if as_typed or folded == typed:
        assert names == as_typed
        assert result.searched is None
    else:
        assert names == reference.matching(altered.texts, [reference_leaf(altered, folded, phrase=False)])
        assert result.searched is not None and result.searched.query == folded


# ---- through the command: -l, -0, -c, --sort date and filters agree --------------------------


def lines(*args: str) -> list[str]:
    result = runner.invoke(app, ["query", *args])
    assert result.exit_code in (0, 1), result.output
    return result.stdout.splitlines()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_files_and_count_list_every_match_of_the_reference(paragraphs: Corpus, data: st.DataObject) -> None:
    typed = data.draw(typed_runs(paragraphs))
    phrase = data.draw(st.booleans())
    query = f'"{typed}"' if phrase else typed
    expected = reference.matching(paragraphs.texts, [reference_leaf(paragraphs, typed, phrase=phrase)])
    index = ["--index", str(paragraphs.index), "--exact"]
    listed = lines(query, "-l", *index)
    assert sorted(Path(line).name for line in listed) == sorted(expected)
    assert lines(query, "-c", *index) == [str(len(expected))]
    by_date = lines(query, "-l", "--sort", "date", "--file-dates", *index)  # most are dated by their file
    assert sorted(by_date) == sorted(listed)
    nul = runner.invoke(app, ["query", query, "-0", *index]).stdout
    assert sorted(nul.split("\0")[:-1] if nul else []) == sorted(listed)
