"""Indexing in worker processes: the same index however the work is split, a failing,
interrupted or killed run that leaves the index as it was."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest
from helpers import all_gone, contents, corpus_documents, folder_of_long_articles, passages, start_indexing

from searchkit import segments
from searchkit.documents import Document
from searchkit.errors import IndexingFailed
from searchkit.indexing import index_documents, index_sources
from searchkit.searching import Searcher
from searchkit.store import index as store_index
from searchkit.store.index import Store


def test_worker_processes_and_small_segments_make_the_same_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    documents = corpus_documents() + passages(120)
    index_documents(documents, tmp_path / "one", processes=1)
    # Workers even for a small folder, and a new segment every few dozen documents,
    # left unmerged.
    monkeypatch.setattr(segments, "PARALLEL_MIN_DOCUMENTS", 10)
    monkeypatch.setattr(segments, "SEGMENT_MEMORY", 200_000)
    monkeypatch.setattr(store_index, "MERGE_FROM", 1000)
    index_documents(documents, tmp_path / "two", processes=2)

    with Store(tmp_path / "two") as store:
        assert store.segment_count() > 2
    assert contents(tmp_path / "two", statistics=False) == contents(tmp_path / "one", statistics=False)
    with Searcher(tmp_path / "one") as one, Searcher(tmp_path / "two") as two:
        for query in ("công an cấp huyện", "cong an", '"an ninh trật tự"'):
            expected = [(h.path, round(h.score, 6)) for h in one.search(query, limit=20).hits]
            assert expected
            assert [(h.path, round(h.score, 6)) for h in two.search(query, limit=20).hits] == expected


def test_a_path_given_twice_in_one_run_keeps_its_last_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(segments, "PARALLEL_MIN_DOCUMENTS", 10)
    documents = passages(40)
    first = Document("twice.txt", "Bản cũ", "Nội dung cũ về thời tiết ở Hà Giang.")
    last = Document("twice.txt", "Bản mới", "Nội dung mới về giao thông ở Cần Thơ.")
    report = index_documents([first, *documents, last], tmp_path / "ix", processes=2)

    assert report.total_documents == len(documents) + 1
    with Searcher(tmp_path / "ix") as searcher:
        assert [h.path for h in searcher.search("giao thông Cần Thơ").hits] == ["twice.txt"]
        assert searcher.search("thời tiết Hà Giang").hits == []


def test_a_failing_worker_leaves_the_index_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index_dir = tmp_path / "ix"
    index_documents(corpus_documents(), index_dir)
    monkeypatch.setattr(segments, "PARALLEL_MIN_DOCUMENTS", 10)
    broken = Document("broken.txt", "Không đọc được", None)  # type: ignore[arg-type]

    with pytest.raises(IndexingFailed, match="indexing process failed"):
        index_documents([*passages(30), broken], index_dir, processes=2)

    assert Store(index_dir).doc_count == len(corpus_documents())
    with Searcher(index_dir) as searcher:
        assert searcher.search("công an cấp huyện").hits


@pytest.mark.parametrize(
    ("sent", "status", "said"), [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")]
)
def test_ctrl_c_or_sigterm_during_a_run_ends_it_at_once_and_keeps_the_index(
    tmp_path: Path, sent: signal.Signals, status: int, said: str
) -> None:
    index_dir = tmp_path / "ix"
    index_documents(corpus_documents(), index_dir)
    process, workers = start_indexing(folder_of_long_articles(tmp_path / "many", 2000), index_dir)
    process.send_signal(sent)
    started = time.monotonic()
    _, stderr = process.communicate(timeout=30)

    assert process.returncode == status
    assert time.monotonic() - started < 5
    assert stderr.strip().splitlines() == [f"searchkit: error: {said}; the index keeps what it had before this run"]
    assert all_gone(workers, within=5)
    assert Store(index_dir).doc_count == len(corpus_documents())


def test_kill_9_during_a_run_keeps_the_last_commit_and_the_next_run_finishes(tmp_path: Path) -> None:
    index_dir = tmp_path / "ix"
    index_documents(corpus_documents(), index_dir)
    folder = folder_of_long_articles(tmp_path / "many", 600)
    process, workers = start_indexing(folder, index_dir, stderr=subprocess.DEVNULL)
    process.kill()
    process.wait(timeout=30)

    # The workers notice that their parent is gone and stop, once their batch is done.
    assert all_gone(workers, within=15)
    # Everything committed before is there and searchable; the lock died with the process.
    assert Store(index_dir).doc_count == len(corpus_documents())
    with Searcher(index_dir) as searcher:
        assert searcher.search('"công an"').hits
    report = index_sources([folder], index_dir)
    assert report.added == 600
    assert Store(index_dir).doc_count == len(corpus_documents()) + 600
    # What the killed run had written is gone with the next commit.
    named = {f"MAIN_{info.id}" for info in Store(index_dir).manifest.segments}
    assert {path.name.split(".")[0] for path in index_dir.glob("MAIN_*.*")} <= named


@pytest.mark.parametrize("processes", [1, 2])
def test_progress_counts_every_file_as_it_is_analyzed_or_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, processes: int
) -> None:
    monkeypatch.setattr(segments, "PARALLEL_MIN_DOCUMENTS", 10)
    folder = tmp_path / "docs"
    folder.mkdir()
    for doc in passages(80):
        (folder / doc.path).write_text(f"{doc.title}\n{doc.text}", encoding="utf-8")
    (folder / "empty.txt").write_text("", encoding="utf-8")  # skipped, and still counted
    seen: list[tuple[int, int]] = []

    report = index_sources(
        [folder], tmp_path / "ix", processes=processes, progress=lambda done, total: seen.append((done, total))
    )

    assert report.indexed == 80
    assert seen[-1] == (81, 81)
    assert [done for done, _total in seen] == sorted(done for done, _total in seen)
    assert len(seen) >= 5  # told along the way, not only at the end


def test_equal_scores_are_ordered_by_path_however_the_index_was_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Thirty copies of one text under different names score the same on any query.
    text = "Hội thảo về nuôi tôm ở Bạc Liêu năm nay thu hút nhiều nông dân trong tỉnh."
    copies = [Document(f"copy-{i:02d}.txt", "Nuôi tôm", text) for i in reversed(range(30))]
    documents = [*passages(60), *copies, *passages(120)[60:]]
    monkeypatch.setattr(segments, "PARALLEL_MIN_DOCUMENTS", 10)
    monkeypatch.setattr(segments, "SEGMENT_MEMORY", 200_000)
    index_documents(documents, tmp_path / "one", processes=1)
    index_documents(documents, tmp_path / "two", processes=2)
    query = "nuôi tôm Bạc Liêu"

    with Searcher(tmp_path / "one") as one, Searcher(tmp_path / "two") as two:
        for searcher in (one, two):
            # Ranked, identical copies are one hit under the first path, with the others.
            [best, *_] = searcher.search(query, limit=5).hits
            assert (best.path, best.also_at) == ("copy-00.txt", tuple(f"copy-{i:02d}.txt" for i in range(1, 30)))
            # Listed, every copy in order of path.
            listed = [h.path for h in searcher.search(query, limit=5, paths_only=True).hits]
            assert listed == [f"copy-{i:02d}.txt" for i in range(5)]
