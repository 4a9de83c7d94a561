"""The store, checked against Whoosh itself: the index it writes is a Whoosh index,
and Whoosh's own reader finds in it exactly what Whoosh's own writer stores for the
same documents (terms, postings, frequencies, lengths, stored fields and term
statistics). And the store's pieces on their own: the length bytes, posting lists of
every width, merging small segments."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import contents, corpus_documents, passages
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import index as whoosh_index

from searchkit import segments
from searchkit.documents import Document
from searchkit.indexing import index_documents
from searchkit.schema import BODY_FIELDS, TITLE_FIELDS, VIEWS, copy_digest
from searchkit.store import format as fmt
from searchkit.store import index as store_index
from searchkit.store import segment
from searchkit.store.index import Store
from searchkit.store.segment import INDEX_NAME, SegmentReader, SegmentWriter
from searchkit.store.whoosh import build_schema


def whoosh_writes(documents: list[Document], index_dir: Path) -> None:
    """The same documents through Whoosh's own writer and the schema's analyzers."""
    index_dir.mkdir()
    ix = whoosh_index.create_in(str(index_dir), build_schema(), indexname=INDEX_NAME)
    writer = ix.writer()
    for doc in documents:
        fields = {"path": doc.path, "source": doc.source_path, "title": doc.title, "content": doc.text}
        fields["copy"] = copy_digest(doc.title, doc.text)
        if doc.date is not None:
            fields["date" if doc.date_source in (None, "document") else "file_date"] = doc.date
        if doc.signature is not None:
            fields["signature"] = doc.signature.as_list()
        for view in VIEWS:
            fields[BODY_FIELDS[view]] = doc.text
            fields[TITLE_FIELDS[view]] = doc.title
        writer.add_document(**fields)
    writer.commit()


def test_a_segment_holds_what_whoosh_itself_would_write(tmp_path: Path) -> None:
    # The five articles, and passages enough that common syllables have more than one
    # block of postings (128 documents), rarer ones a few (inlined), most just one.
    documents = corpus_documents() + passages(300)
    ours, theirs = tmp_path / "ours", tmp_path / "whoosh"
    index_documents(documents, ours, processes=1)
    whoosh_writes(documents, theirs)

    expected = contents(theirs, statistics=True)
    found = contents(ours, statistics=True)

    assert found.keys() == expected.keys()
    assert found == expected
    common = max(
        (k for k in expected if isinstance(k[0], str) and k[0] == "body_syllables"), key=lambda k: len(expected[k])
    )
    assert len(expected[common]) > 128  # the comparison covered multi-block posting lists


@pytest.mark.parametrize("range_blocks", [1024, 1, 3])
def test_segments_merged_into_one_hold_what_one_segment_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, range_blocks: int
) -> None:
    documents = corpus_documents() + passages(200)
    index_documents(documents, tmp_path / "one", processes=1)
    # A new segment every few documents, merged into one at the end of the run; with few
    # blocks of terms a range, the merge cuts every field into many ranges, as it does
    # the fields of a large corpus (the lists of a class span several of them).
    monkeypatch.setattr(segments, "SEGMENT_MEMORY", 150_000)
    monkeypatch.setattr(segment, "_MERGE_BLOCKS", range_blocks)
    index_documents(documents, tmp_path / "merged", processes=1)

    with Store(tmp_path / "merged") as store:
        assert store.segment_count() == 1
    assert contents(tmp_path / "merged", statistics=True) == contents(tmp_path / "one", statistics=True)
    # Every term once, in order, as Whoosh lists a field's terms.
    with (
        whoosh_index.open_dir(str(tmp_path / "merged"), indexname=INDEX_NAME).reader() as merged,
        whoosh_index.open_dir(str(tmp_path / "one"), indexname=INDEX_NAME).reader() as one,
    ):
        for field in [*BODY_FIELDS.values(), *TITLE_FIELDS.values()]:
            assert list(merged.lexicon(field)) == list(one.lexicon(field))


def test_merging_leaves_out_deleted_documents_and_terms_only_they_had(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every commit merges its small segments, so that none keeps a deleted document
    # (whose terms Whoosh, too, counts until its segment is merged).
    monkeypatch.setattr(store_index, "MERGE_FROM", 2)
    documents = corpus_documents() + passages(60)
    kept = [doc for i, doc in enumerate(documents) if i % 3]
    index_dir = tmp_path / "runs"
    # A run of its own for every third document, then each of those replaced by a
    # note that says something else: small segments with deletions, merged.
    for doc in documents:
        index_documents([doc], index_dir, processes=1)
    notes = [
        Document(doc.path, "Ghi chú", "Con mèo tam thể nằm ngủ trên mái hiên.")
        for i, doc in enumerate(documents)
        if not i % 3
    ]
    index_documents(notes, index_dir, processes=1)
    index_documents([*kept, *notes], tmp_path / "fresh", processes=1)

    with Store(index_dir) as store:
        assert store.segment_count() < len(documents) // 2
        assert store.doc_count == len(documents)
    assert contents(index_dir, statistics=False) == contents(tmp_path / "fresh", statistics=False)


def test_the_length_bytes_are_whooshs() -> None:
    from whoosh.util.numeric import byte_to_length, length_to_byte

    assert [byte_to_length(b) for b in range(256)] == fmt.LENGTHS
    assert all(fmt.length_to_byte(n) == length_to_byte(n) for n in range(0, 120_000, 7))


@settings(max_examples=25, deadline=None)
@given(
    lists=st.lists(
        st.lists(st.tuples(st.integers(0, 70_000), st.integers(1, 300)), min_size=1, max_size=12),
        min_size=1,
        max_size=30,
    )
)
def test_posting_lists_of_every_width_read_back(tmp_path_factory: pytest.TempPathFactory, lists) -> None:
    # Differences between documents of 1, 2 and 4 bytes, frequencies of 1 and 2, lists
    # of one posting and more, written through the writer's own way in.
    folder = tmp_path_factory.mktemp("widths")
    writer = SegmentWriter(folder, ["body_syllables"], [])
    expected = {f"t{n}": dict(pairs) for n, pairs in enumerate(lists)}
    # Document d has term t as often as the list says; most documents have none.
    by_document: dict[int, dict[str, int]] = {}
    for term, frequencies in expected.items():
        for docnum, frequency in frequencies.items():
            by_document.setdefault(docnum, {})[term] = frequency
    for docnum in range(max(by_document) + 1):
        terms = [term for term, frequency in by_document.get(docnum, {}).items() for _ in range(frequency)]
        writer.add({"path": f"d{docnum}"}, {}, {"body_syllables": terms})
    info = writer.finish()
    reader = SegmentReader(folder, info)
    try:
        for term, frequencies in expected.items():
            entry = reader.entry("body_syllables", term.encode())
            assert entry is not None
            found = reader.postings("body_syllables", entry)
            assert dict(zip(found[0].tolist(), found[1].tolist(), strict=True)) == frequencies
            assert found[0].tolist() == sorted(frequencies)
        terms, owners, all_docnums, all_frequencies = reader.field_postings("body_syllables")
        for n, term in enumerate(terms):
            decoded = dict(zip(all_docnums[owners == n].tolist(), all_frequencies[owners == n].tolist(), strict=True))
            assert decoded == expected[term.decode()]
    finally:
        reader.close()
