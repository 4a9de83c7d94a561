"""Indexing a folder again: only new and changed files are analyzed, documents of files
that are gone are removed, and other folders in the same index are left alone."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import CORPUS
from test_cli import invoke

from searchkit.indexing import IndexReport, index_sources
from searchkit.searching import search
from searchkit.store.catalog import CATALOG_FILE
from searchkit.store.index import Store

ARTICLES = sorted(CORPUS.glob("*.txt"))


def copy_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for article in ARTICLES:
        shutil.copy2(article, folder / article.name)
    return folder


def counts(report: IndexReport) -> tuple[int, int, int, int, int]:
    return report.added, report.updated, report.removed, report.unchanged, len(report.skipped)


def found_names(index_dir: Path, query: str) -> set[str]:
    return {Path(hit.path).name for hit in search(index_dir, query, limit=50).hits}


def generation(index_dir: Path) -> int:
    return Store(index_dir).generation


@pytest.fixture
def indexed(tmp_path: Path) -> tuple[Path, Path]:
    docs = copy_corpus(tmp_path / "docs")
    index_dir = tmp_path / "index"
    assert counts(index_sources([docs], index_dir)) == (len(ARTICLES), 0, 0, 0, 0)
    return docs, index_dir


def test_an_unchanged_folder_is_not_indexed_again(indexed: tuple[Path, Path]) -> None:
    docs, index_dir = indexed
    before = generation(index_dir)
    report = index_sources([docs], index_dir)
    assert counts(report) == (0, 0, 0, len(ARTICLES), 0)
    assert report.indexed == 0
    assert generation(index_dir) == before  # nothing was committed
    assert Store(index_dir).doc_count == len(ARTICLES)


def test_a_changed_file_is_indexed_again_and_its_old_text_is_gone(indexed: tuple[Path, Path]) -> None:
    docs, index_dir = indexed
    article = docs / ARTICLES[0].name
    assert article.name in found_names(index_dir, "thi đua")
    article.write_text(
        "Hợp tác xã nuôi cá tra\n\nHợp tác xã nuôi cá tra ở Đồng Tháp mở rộng vùng nuôi.", encoding="utf-8"
    )
    assert counts(index_sources([docs], index_dir)) == (0, 1, 0, len(ARTICLES) - 1, 0)
    assert found_names(index_dir, '"nuôi cá tra"') == {article.name}
    assert article.name not in found_names(index_dir, "thi đua")
    assert Store(index_dir).doc_count == len(ARTICLES)


def test_a_touched_file_with_the_same_text_is_unchanged(indexed: tuple[Path, Path]) -> None:
    docs, index_dir = indexed
    article = docs / ARTICLES[1].name
    stat = article.stat()
    touched = stat.st_mtime_ns + 5_000_000_000
    os.utime(article, ns=(stat.st_atime_ns, touched))
    assert counts(index_sources([docs], index_dir)) == (0, 0, 0, len(ARTICLES), 0)
    # Its new time was remembered: a file with that size and time is not even read.
    text = article.read_text(encoding="utf-8")
    article.write_text(text.replace("công an", "CÔNG AN"), encoding="utf-8")
    os.utime(article, ns=(stat.st_atime_ns, touched))
    assert counts(index_sources([docs], index_dir)) == (0, 0, 0, len(ARTICLES), 0)


def test_new_and_deleted_files(indexed: tuple[Path, Path]) -> None:
    docs, index_dir = indexed
    (docs / "moi.txt").write_text("Chợ nổi Cái Răng\n\nChợ nổi Cái Răng họp từ sáng sớm.", encoding="utf-8")
    gone = docs / ARTICLES[2].name
    gone.unlink()
    assert counts(index_sources([docs], index_dir)) == (1, 0, 1, len(ARTICLES) - 1, 0)
    assert found_names(index_dir, '"chợ nổi Cái Răng"') == {"moi.txt"}
    assert gone.name not in {Path(hit.path).name for hit in search(index_dir, "công an", limit=50).hits}
    assert Store(index_dir).doc_count == len(ARTICLES)


def test_indexing_one_folder_never_removes_another_folders_documents(tmp_path: Path) -> None:
    first = copy_corpus(tmp_path / "first")
    second = tmp_path / "second"
    second.mkdir()
    (second / "ghi-chu.txt").write_text("Ghi chú\n\nCông an phường tuần tra ban đêm.", encoding="utf-8")
    index_dir = tmp_path / "index"
    index_sources([first], index_dir)
    assert counts(index_sources([second], index_dir)) == (1, 0, 0, 0, 0)
    (first / ARTICLES[0].name).unlink()
    # Indexing the second folder again: the first folder's deleted file is not its business.
    assert counts(index_sources([second], index_dir)) == (0, 0, 0, 1, 0)
    assert Store(index_dir).doc_count == len(ARTICLES) + 1
    # Indexing the first folder removes it, and only it.
    assert counts(index_sources([first], index_dir)) == (0, 0, 1, len(ARTICLES) - 1, 0)
    assert found_names(index_dir, '"tuần tra ban đêm"') == {"ghi-chu.txt"}


def test_a_file_emptied_loses_its_document(indexed: tuple[Path, Path]) -> None:
    docs, index_dir = indexed
    (docs / ARTICLES[0].name).write_bytes(b"")
    report = index_sources([docs], index_dir)
    assert counts(report) == (0, 0, 1, len(ARTICLES) - 1, 1)
    assert report.skipped[0].reason == "empty file"
    assert Store(index_dir).doc_count == len(ARTICLES) - 1


def test_a_file_that_cannot_be_read_keeps_its_document(indexed: tuple[Path, Path]) -> None:
    docs, index_dir = indexed
    article = docs / ARTICLES[0].name
    article.write_text("Bài mới\n\nNội dung mới hoàn toàn.", encoding="utf-8")  # changed, then unreadable
    article.chmod(0)
    try:
        if os.access(article, os.R_OK):
            pytest.skip("running as a user who can read any file")
        report = index_sources([docs], index_dir)
        assert counts(report) == (0, 0, 0, len(ARTICLES) - 1, 1)
        assert report.skipped[0].reason == "permission denied"
        assert article.name in found_names(index_dir, "thi đua")
    finally:
        article.chmod(0o644)


def test_a_broken_link_keeps_its_document(indexed: tuple[Path, Path], tmp_path: Path) -> None:
    docs, index_dir = indexed
    article = docs / ARTICLES[0].name
    article.unlink()
    article.symlink_to(tmp_path / "nowhere.txt")
    report = index_sources([docs], index_dir)
    assert counts(report) == (0, 0, 0, len(ARTICLES) - 1, 1)
    assert report.skipped[0].is_error
    assert article.name in found_names(index_dir, "thi đua")


def test_without_its_catalog_the_index_still_knows_what_it_holds(indexed: tuple[Path, Path]) -> None:
    docs, index_dir = indexed
    (index_dir / CATALOG_FILE).unlink()
    assert counts(index_sources([docs], index_dir)) == (0, 0, 0, len(ARTICLES), 0)
    # A catalog of another generation (a run stopped between commit and catalog) is not trusted.
    (index_dir / CATALOG_FILE).write_text('{"generation": -1, "files": {}}', encoding="utf-8")
    assert counts(index_sources([docs], index_dir)) == (0, 0, 0, len(ARTICLES), 0)


def test_rebuild_starts_from_scratch(indexed: tuple[Path, Path]) -> None:
    docs, index_dir = indexed
    assert counts(index_sources([docs], index_dir, rebuild=True)) == (len(ARTICLES), 0, 0, 0, 0)
    assert Store(index_dir).doc_count == len(ARTICLES)


def test_the_command_prints_what_it_did(indexed: tuple[Path, Path]) -> None:
    docs, index_dir = indexed
    (docs / ARTICLES[0].name).unlink()
    result = invoke("index", str(docs), "--index", str(index_dir))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert f"0 added, 0 updated, 1 removed, {len(ARTICLES) - 1} unchanged, 0 skipped" in result.stderr
    assert f"the index holds {len(ARTICLES) - 1} documents" in result.stderr


def test_many_small_runs_merge_their_segments_and_lose_nothing(tmp_path: Path) -> None:
    # Regression: from the sixth run Whoosh merges the small segments, and its merge
    # failed ("vbytes=''") on the path postings searchkit had written inline.
    from searchkit.searching import Searcher

    folder = copy_corpus(tmp_path / "docs")
    files = sorted(folder.iterdir())
    for extra in range(3):  # eight files, each indexed by a run of its own
        copy = folder / f"ban-sao-{extra}.txt"
        copy.write_text(files[extra].read_text(encoding="utf-8") + f"\nBản sao số {extra}.\n", encoding="utf-8")
        files.append(copy)
    index_dir = tmp_path / "index"
    for path in files:
        assert index_sources([path], index_dir).indexed == 1
    with Store(index_dir) as store:
        assert store.segment_count() < len(files)  # merged
        assert store.doc_count == len(files)
    mentioning = {path.name for path in files if "công an" in path.read_text(encoding="utf-8").lower()}
    assert found_names(index_dir, "công an") == mentioning
    with Searcher(index_dir) as searcher:
        for path in files:
            assert searcher.document(path).text == path.read_text(encoding="utf-8")
