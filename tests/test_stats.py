"""Index statistics through the library, on indexes of the demo articles built in
`tmp_path`: the documents and the folders they came from, checked against the files;
the distinct terms of every view, checked against what Whoosh's own reader lists (it
opens the same index); and the file the term counts are kept in between calls."""

from __future__ import annotations

import json
import os
import shutil
from importlib import metadata
from pathlib import Path

import pytest
from conftest import CORPUS
from whoosh import index as whoosh_index

from searchkit.documents import Document, document_path
from searchkit.errors import IndexCorrupt, IndexNotFound
from searchkit.indexing import index_documents, index_sources
from searchkit.schema import BODY_FIELDS, TITLE_FIELDS, VIEWS
from searchkit.scoring import K1, B
from searchkit.stats import STATS_FILE, FolderStats, IndexStats, index_stats
from searchkit.store import index as store_index
from searchkit.store.catalog import CATALOG_FILE, load_roots
from searchkit.store.index import FORMAT, MANIFEST_FILE, Store
from searchkit.store.segment import INDEX_NAME

ARTICLES = sorted(CORPUS.glob("*.txt"))


def make_folder(folder: Path, articles: list[Path]) -> Path:
    folder.mkdir(parents=True)
    for article in articles:
        shutil.copy2(article, folder / article.name)
    return folder


def lexicon_sizes(index_dir: Path) -> dict[str, int]:
    """The distinct terms of every view field, as Whoosh's reader lists them (a term
    is listed by every segment that has it)."""
    with whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME).reader() as reader:
        return {field: len(set(reader.lexicon(field))) for field in [*BODY_FIELDS.values(), *TITLE_FIELDS.values()]}


def term_counts(stats: IndexStats) -> dict[str, int]:
    return {
        **{BODY_FIELDS[view]: count for view, count in stats.body_terms.items()},
        **{TITLE_FIELDS[view]: count for view, count in stats.title_terms.items()},
    }


def segment_count(index_dir: Path) -> int:
    with Store(index_dir) as store:
        return store.segment_count()


def generation(index_dir: Path) -> int:
    with Store(index_dir) as store:
        return store.generation


def segment_lexicon_sum(index_dir: Path, field: str) -> int:
    """The terms of `field` of every segment, a term counted once per segment."""
    with whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME).reader() as reader:
        return sum(len(list(leaf.lexicon(field))) for leaf, _ in reader.leaf_readers())


@pytest.fixture
def two_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, Path]:
    """Three articles in one folder and two in another, indexed in two runs: an index
    of two segments (left unmerged: a term is in both)."""
    monkeypatch.setattr(store_index, "MERGE_FROM", 1000)
    first = make_folder(tmp_path / "first", ARTICLES[:3])
    second = make_folder(tmp_path / "second", ARTICLES[3:])
    index_dir = tmp_path / "index"
    index_sources([first], index_dir)
    index_sources([second], index_dir)
    assert segment_count(index_dir) == 2
    return first, second, index_dir


def test_documents_and_folders_are_counted(two_folders: tuple[Path, Path, Path]) -> None:
    first, second, index_dir = two_folders

    stats = index_stats(index_dir)

    assert stats.documents == Store(index_dir).doc_count == len(ARTICLES)
    assert stats.folders == tuple(
        sorted(
            [
                FolderStats(document_path(first), len(list(first.glob("*.txt")))),
                FolderStats(document_path(second), len(list(second.glob("*.txt")))),
            ],
            key=lambda folder: folder.path,
        )
    )
    assert stats.other_documents == 0
    assert stats.segments == segment_count(index_dir)
    assert stats.format == FORMAT


def test_distinct_terms_are_those_whoosh_lists_across_segments(two_folders: tuple[Path, Path, Path]) -> None:
    _first, _second, index_dir = two_folders

    stats = index_stats(index_dir)

    assert set(stats.body_terms) == set(stats.title_terms) == set(VIEWS)
    assert term_counts(stats) == lexicon_sizes(index_dir)
    # Counted once however many segments have a term: less than the segments' sum.
    assert stats.body_terms["syllables"] < segment_lexicon_sum(index_dir, BODY_FIELDS["syllables"])


def test_counts_after_an_update_that_deletes_documents(
    two_folders: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second, index_dir = two_folders
    # The segments are left as they are, so that the deleted documents stay in them.
    monkeypatch.setattr(store_index, "MERGE_FROM", 1000)
    removed = sorted(first.glob("*.txt"))[0]
    removed.unlink()
    changed = sorted(second.glob("*.txt"))[0]
    changed.write_text("Tin mới\n\nBài viết đã được thay bằng một đoạn ngắn về bảo tàng.\n", encoding="utf-8")

    index_sources([first, second], index_dir)

    stats = index_stats(index_dir)
    assert stats.documents == len(ARTICLES) - 1
    assert {folder.path: folder.documents for folder in stats.folders} == {
        document_path(first): len(list(first.glob("*.txt"))),
        document_path(second): len(list(second.glob("*.txt"))),
    }
    with whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME).reader() as reader:
        assert reader.has_deletions()
    assert term_counts(stats) == lexicon_sizes(index_dir)


def test_a_folder_whose_files_are_all_deleted_disappears(two_folders: tuple[Path, Path, Path]) -> None:
    first, second, index_dir = two_folders
    for article in second.glob("*.txt"):
        article.unlink()

    index_sources([second], index_dir)

    stats = index_stats(index_dir)
    assert stats.folders == (FolderStats(document_path(first), len(list(first.glob("*.txt")))),)
    assert load_roots(index_dir) == [document_path(first)]
    assert stats.documents == len(list(first.glob("*.txt")))


def test_documents_not_from_folders_are_counted_apart(two_folders: tuple[Path, Path, Path]) -> None:
    _first, _second, index_dir = two_folders
    roots = load_roots(index_dir)
    notes = [Document(f"note-{i}", "Ghi chú", f"Ghi chú số {i} về con mèo.") for i in range(3)]

    index_documents(notes, index_dir, processes=1)

    stats = index_stats(index_dir)
    assert load_roots(index_dir) == roots
    assert stats.other_documents == len(notes)
    assert stats.documents == len(ARTICLES) + len(notes)
    assert sum(folder.documents for folder in stats.folders) == len(ARTICLES)


def test_folders_survive_a_catalog_made_again_from_the_index(two_folders: tuple[Path, Path, Path]) -> None:
    first, second, index_dir = two_folders
    catalog_file = index_dir / CATALOG_FILE
    saved = json.loads(catalog_file.read_text(encoding="utf-8"))
    # As if a run had stopped between its commit and writing the catalog.
    saved["generation"] -= 1
    catalog_file.write_text(json.dumps(saved), encoding="utf-8")
    expected = {document_path(folder): len(list(folder.glob("*.txt"))) for folder in (first, second)}

    assert {folder.path: folder.documents for folder in index_stats(index_dir).folders} == expected

    third = make_folder(index_dir.parent / "third", ARTICLES[:1])
    index_sources([third], index_dir)
    assert load_roots(index_dir) == [document_path(first), document_path(second), document_path(third)]


def tamper_with_saved_counts(index_dir: Path) -> Path:
    """Count the terms, then put in the saved counts numbers no index has: if they
    come back, they were read from the file."""
    index_stats(index_dir)
    kept = index_dir / STATS_FILE
    saved = json.loads(kept.read_text(encoding="utf-8"))
    saved["terms"] = {field: count + 1000 for field, count in saved["terms"].items()}
    kept.write_text(json.dumps(saved), encoding="utf-8")
    return kept


def test_term_counts_are_kept_for_the_same_segments(two_folders: tuple[Path, Path, Path]) -> None:
    _first, _second, index_dir = two_folders
    tamper_with_saved_counts(index_dir)

    stats = index_stats(index_dir)

    assert term_counts(stats) == {field: count + 1000 for field, count in lexicon_sizes(index_dir).items()}


def test_term_counts_are_counted_again_for_new_segments(two_folders: tuple[Path, Path, Path]) -> None:
    _first, _second, index_dir = two_folders
    kept = tamper_with_saved_counts(index_dir)
    before = generation(index_dir)

    cats = make_folder(index_dir.parent / "cats", [])
    (cats / "meo.txt").write_text("Con mèo\n\nCon mèo đen nằm ngủ trên mái nhà bảo tàng.\n", encoding="utf-8")
    index_sources([cats], index_dir)

    assert generation(index_dir) > before
    assert term_counts(index_stats(index_dir)) == lexicon_sizes(index_dir)
    assert json.loads(kept.read_text(encoding="utf-8"))["terms"] == lexicon_sizes(index_dir)


def test_a_deletion_keeps_the_term_counts_of_the_same_segments(two_folders: tuple[Path, Path, Path]) -> None:
    # Deleting a document leaves its terms in its segment's table (Whoosh lists them
    # too, until the segment is merged), so the counts of the same segments still hold.
    first, _second, index_dir = two_folders
    index_stats(index_dir)
    kept = (index_dir / STATS_FILE).read_text(encoding="utf-8")
    before = generation(index_dir)
    sorted(first.glob("*.txt"))[0].unlink()

    index_sources([first], index_dir)

    assert generation(index_dir) > before
    stats = index_stats(index_dir)
    assert (index_dir / STATS_FILE).read_text(encoding="utf-8") == kept
    assert term_counts(stats) == lexicon_sizes(index_dir)


def test_a_damaged_file_of_term_counts_is_counted_again(two_folders: tuple[Path, Path, Path]) -> None:
    _first, _second, index_dir = two_folders
    (index_dir / STATS_FILE).write_text('{"segments": [', encoding="utf-8")

    assert term_counts(index_stats(index_dir)) == lexicon_sizes(index_dir)


def test_one_segment(demo_index: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    shutil.copytree(demo_index, index_dir)

    stats = index_stats(index_dir)

    assert stats.segments == 1
    assert stats.documents == len(ARTICLES)
    assert stats.folders == (FolderStats(document_path(CORPUS), len(ARTICLES)),)
    assert term_counts(stats) == lexicon_sizes(index_dir)


def test_an_index_without_documents(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    index_dir = tmp_path / "index"
    index_sources([empty], index_dir)

    stats = index_stats(index_dir)

    assert (stats.documents, stats.segments, stats.folders, stats.other_documents) == (0, 0, (), 0)
    assert set(term_counts(stats).values()) == {0}


def test_size_and_time_of_the_last_change(two_folders: tuple[Path, Path, Path]) -> None:
    _first, _second, index_dir = two_folders

    stats = index_stats(index_dir)

    assert stats.size_bytes == sum(entry.stat().st_size for entry in os.scandir(index_dir) if entry.is_file())
    assert stats.updated == (index_dir / MANIFEST_FILE).stat().st_mtime


def test_analyzer_settings_name_the_segmenter_views_and_ranking(demo_index: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    shutil.copytree(demo_index, index_dir)

    analyzer = index_stats(index_dir).analyzer

    assert all(isinstance(value, str) and value for value in analyzer.values())
    assert f"pyvi {metadata.version('pyvi')}" in analyzer["segmenter"]
    assert all(view in analyzer["views"] for view in VIEWS)
    assert str(K1) in analyzer["ranking"] and str(B) in analyzer["ranking"]
    assert json.loads(json.dumps(analyzer)) == analyzer


def test_a_missing_index_is_reported(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFound):
        index_stats(tmp_path / "nothing-here")


def test_a_damaged_terms_file_is_reported(two_folders: tuple[Path, Path, Path]) -> None:
    _first, _second, index_dir = two_folders
    terms = next(index_dir.glob("MAIN_*.terms"))
    terms.write_bytes(terms.read_bytes()[: terms.stat().st_size // 2])

    with pytest.raises(IndexCorrupt):
        index_stats(index_dir)
