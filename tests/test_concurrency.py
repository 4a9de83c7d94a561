"""Two programs at one index: queries go on while a run indexes, and a second run waits
for the first or gives up with a clear message; neither harms the index."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from helpers import corpus_documents, folder_of_long_articles, start_indexing
from test_cli import invoke
from whoosh import index as whoosh_index

from searchkit.indexing import index_documents
from searchkit.searching import search
from searchkit.store.index import Store
from searchkit.store.segment import INDEX_NAME


def test_queries_keep_working_while_a_run_is_indexing(tmp_path: Path) -> None:
    index_dir = tmp_path / "ix"
    index_documents(corpus_documents(), index_dir)
    before = {hit.path for hit in search(index_dir, "công an cấp huyện").hits}
    assert before
    process, _workers = start_indexing(folder_of_long_articles(tmp_path / "many", 600), index_dir)
    try:
        answered = 0
        while process.poll() is None and answered < 20:
            assert {hit.path for hit in search(index_dir, "công an cấp huyện").hits} >= before
            answered += 1
        assert answered >= 1
    finally:
        _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    assert Store(index_dir).doc_count == len(corpus_documents()) + 600


def test_a_second_run_gives_up_with_a_clear_message_while_the_first_holds_the_lock(
    demo_index: Path, corpus_dir: Path, tmp_path: Path
) -> None:
    index_dir = shutil.copytree(demo_index, tmp_path / "index")
    # Whoosh's own writer holds the lock searchkit's writer takes.
    writer = whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME).writer()
    try:
        started = time.monotonic()
        result = invoke("index", str(corpus_dir), "--index", str(index_dir))
        waited = time.monotonic() - started
    finally:
        writer.cancel()
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"searchkit: error: another searchkit process is writing to {index_dir}; try again when it is done"
    ]
    assert waited >= 4  # it waited for the lock before giving up
    # The index is whole, and the next run goes through.
    assert Store(index_dir).doc_count == len(corpus_documents())
    assert invoke("index", str(corpus_dir), "--index", str(index_dir), "--rebuild").exit_code == 0
