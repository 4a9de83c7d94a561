"""What the query side knows of a corpus's syllables, kept in the cluster beside its index.

Reading a query as meant (restoring diacritics, Telex and VNI, typing mistakes; see
`reading`) asks how often each written form of a syllable is written, and how often one
written syllable stands right after another. Locally the index answers from its views;
a client that has only the cluster's URL reads them from a second index, `INDEX.syllables`:
a document per folded syllable with the counts of its written forms ("cong": công 1234,
cộng 56), a document per written syllable with the counts of the syllables written after
it ("công": an 50, tác 80), and one with the number of syllables. They are pushed with
the documents, each with a digest, so that a push sends only the ones that changed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from searchkit.analysis import fold_diacritics
from searchkit.schema import BODY_FIELDS, TITLE_FIELDS

SUFFIX = ".syllables"
TOTAL_ID = "total"


def index_name(index: str) -> str:
    return f"{index}{SUFFIX}"


def index_body() -> dict[str, Any]:
    return {
        "settings": {"number_of_shards": 1, "number_of_replicas": 1},
        "mappings": {
            "dynamic": "strict",
            "properties": {
                "kind": {"type": "keyword"},
                "key": {"type": "keyword"},
                # Any written syllable is a key: kept, never indexed (no mapping grows).
                "counts": {"type": "object", "enabled": False},
                "total": {"type": "long"},
                "digest": {"type": "keyword"},
            },
        },
    }


def forms_id(folded: str) -> str:
    return "f" + hashlib.sha1(folded.encode("utf-8", "surrogateescape")).hexdigest()


def next_id(written: str) -> str:
    return "n" + hashlib.sha1(written.encode("utf-8", "surrogateescape")).hexdigest()


def documents(store: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """The statistics of a local index (a `store.index.Store`) as (id, document)."""
    written: dict[str, int] = {}
    pairs: dict[str, int] = {}
    for fields in (BODY_FIELDS, TITLE_FIELDS):
        for term, total in store.term_totals(fields["syllables"]).items():
            written[term] = written.get(term, 0) + total
        for term, total in store.term_totals(fields["bigrams"]).items():
            pairs[term] = pairs.get(term, 0) + total
    forms: dict[str, dict[str, int]] = {}
    for form, count in written.items():
        forms.setdefault(fold_diacritics(form), {})[form] = count
    after: dict[str, dict[str, int]] = {}
    for pair, count in pairs.items():
        first, _, second = pair.partition(" ")
        after.setdefault(first, {})[second] = count
    for folded, counts in forms.items():
        yield forms_id(folded), _document("forms", folded, counts)
    for first, counts in after.items():
        yield next_id(first), _document("next", first, counts)
    total = store.total_length(BODY_FIELDS["syllables"])
    yield TOTAL_ID, {"kind": "total", "key": "", "total": total, "digest": str(total)}


def _document(kind: str, key: str, counts: dict[str, int]) -> dict[str, Any]:
    encoded = json.dumps(counts, ensure_ascii=False, sort_keys=True)
    digest = hashlib.sha256(encoded.encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return {"kind": kind, "key": key, "counts": counts, "digest": digest}
