"""BM25 as searchkit computes it from the store's postings, checked against the
formula worked out from the demo articles' own text."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import pytest
from conftest import CORPUS

from searchkit.analysis import analyze
from searchkit.schema import BODY_FIELDS
from searchkit.scoring import K1, B, Postings
from searchkit.store.index import Store


def body_syllables(path: Path) -> list[str]:
    """The syllables of an article's text, as the index sees them."""
    return [tok.text for tok in analyze(path.read_text(encoding="utf-8"), words=False).syllables]


@pytest.mark.parametrize("term", ["huyện", "công", "tọa", "thi"])
def test_bm25_of_a_syllable_follows_from_the_articles_text(demo_index: Path, term: str) -> None:
    articles = {str(path): Counter(body_syllables(path)) for path in sorted(CORPUS.glob("*.txt"))}
    lengths = {path: sum(counts.values()) for path, counts in articles.items()}
    average = sum(lengths.values()) / len(lengths)
    having = [path for path, counts in articles.items() if counts[term]]
    idf = math.log(1 + (len(articles) - len(having) + 0.5) / (len(having) + 0.5))

    with Store(demo_index) as store:
        docnums, values = Postings(store).scores(BODY_FIELDS["syllables"], term)
        paths = {int(docnum): store.meta(int(docnum))["path"] for docnum in docnums}
        scores = dict(zip(docnums.tolist(), values.tolist(), strict=True))

    assert sorted(paths.values()) == sorted(having)
    for docnum, score in scores.items():
        tf = articles[paths[docnum]][term]
        norm = K1 * (1 - B + B * lengths[paths[docnum]] / average)
        # A document's length is stored in one byte (as Whoosh does), to within about 4%.
        assert score == pytest.approx(idf * tf * (K1 + 1) / (tf + norm), rel=0.04)
