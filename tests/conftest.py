"""Shared fixtures: the demo corpus and an index of it built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from searchkit.indexing import index_sources

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The demo corpus shipped with the project (five real Vietnamese news articles)."""
    return CORPUS


@pytest.fixture(scope="session")
def demo_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the demo corpus, built once with the real analyzer and Whoosh."""
    index_dir = tmp_path_factory.mktemp("demo-index")
    report = index_sources([CORPUS], index_dir)
    assert report.indexed == len(list(CORPUS.glob("*.txt")))
    return index_dir


def corpus_file(name_part: str) -> Path:
    """The one demo article whose file name contains `name_part`."""
    matches = [p for p in CORPUS.glob("*.txt") if name_part in p.name]
    assert len(matches) == 1, matches
    return matches[0]
