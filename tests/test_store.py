"""The store, checked against Whoosh itself: the index it writes is a Whoosh index,
and Whoosh's own reader finds in it exactly what Whoosh's own writer stores for the
same documents (terms, postings, frequencies, lengths, stored fields and term
statistics). And the store's pieces on their own: the length bytes, posting lists of
every width, merging small segments."""

from __future__ import annotations

from pathlib import Path

from helpers import contents, corpus_documents, passages
from whoosh import index as whoosh_index

from searchkit.documents import Document
from searchkit.indexing import index_documents
from searchkit.schema import BODY_FIELDS, TITLE_FIELDS, VIEWS
from searchkit.store.segment import INDEX_NAME
from searchkit.store.whoosh import build_schema


def whoosh_writes(documents: list[Document], index_dir: Path) -> None:
    """The same documents through Whoosh's own writer and the schema's analyzers."""
    index_dir.mkdir()
    ix = whoosh_index.create_in(str(index_dir), build_schema(), indexname=INDEX_NAME)
    writer = ix.writer()
    for doc in documents:
        fields = {"path": doc.path, "source": doc.source_path, "title": doc.title, "content": doc.text}
        if doc.date is not None:
            fields["date"] = doc.date
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
