"""Opening an index, and writing documents into it.

Documents are analyzed and written into new segments by `segments` (in worker
processes when there are many); this module holds the index's lock, deletes the
documents the new ones replace and commits everything at once.
"""

from __future__ import annotations

import gc
import json
import os
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from whoosh import index as whoosh_index
from whoosh.index import Index, LockError

from searchkit.catalog import (
    CATALOG_FILE,
    Catalog,
    is_below,
    load_catalog,
    replace_json,
    save_catalog,
)
from searchkit.documents import (
    FALLBACK_ENCODING,
    JSON_LINES_SUFFIXES,
    Document,
    JsonFields,
    Selection,
    Signature,
    Unindexable,
    discover,
    document_path,
    read_source,
)
from searchkit.errors import IndexCorrupt, IndexLocked, IndexNotFound
from searchkit.schema import BODY_FIELDS, INDEX_NAME, TITLE_FIELDS, build_schema

if TYPE_CHECKING:
    from whoosh.writing import SegmentWriter

    from searchkit.segments import Built

__all__ = ["BODY_FIELDS", "TITLE_FIELDS", "IndexReport", "index_documents", "index_sources", "open_index"]

# Bumped whenever the schema or the analysis changes what is in the index.
INDEX_FORMAT = 10
_META_FILE = "searchkit.json"
# The size of every file of the segments of one generation, written after each commit:
# opening the index checks them, so a truncated or missing file is found at once
# rather than as a wrong or failed answer later.
_MANIFEST_FILE = "searchkit-segments.json"


def _write_meta(index_dir: Path) -> None:
    (index_dir / _META_FILE).write_text(json.dumps({"format": INDEX_FORMAT}) + "\n", encoding="utf-8")


def _index_exists(index_dir: Path) -> bool:
    """Whether `index_dir` holds a Whoosh index (sound or not): it has a table of contents."""
    return index_dir.is_dir() and any(index_dir.glob(f"_{INDEX_NAME}_*.toc"))


def _rebuild_hint(index_dir: Path) -> str:
    return f"rebuild it with: searchkit index DIR --index {index_dir} --rebuild"


def damaged(index_dir: Path, failure: str) -> IndexCorrupt:
    """The error for an index whose files Whoosh failed to read, with the name of the
    error it raised (many kinds, on damaged files: OSError, EOFError, struct and pickle
    errors, ...)."""
    return IndexCorrupt(f"the index at {index_dir} is damaged ({failure}); {_rebuild_hint(index_dir)}")


def open_index(index_dir: Path) -> Index:
    """Open an existing searchkit index, or raise a typed error saying what is wrong."""
    if not _index_exists(index_dir):
        raise IndexNotFound(f"no index at {index_dir}; build one with: searchkit index DIR --index {index_dir}")
    rebuild = _rebuild_hint(index_dir)
    try:
        meta = json.loads((index_dir / _META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise IndexCorrupt(f"{index_dir} is not a searchkit index (or its metadata is damaged); {rebuild}") from None
    if not isinstance(meta, dict) or meta.get("format") != INDEX_FORMAT:
        raise IndexCorrupt(f"the index at {index_dir} was built by another version of searchkit; {rebuild}")
    failure: str | None = None
    # Whoosh leaves the file it failed to read open: close it here, quietly, rather
    # than have a ResourceWarning surface at some later, unrelated moment.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            ix = whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME)
            # Reading the segment list and the doc count touches every segment file.
            ix.doc_count()
            _check_manifest(index_dir, ix)
        except Exception as exc:  # Whoosh raises many kinds of errors on damaged files.
            # Only its name: the exception would keep alive the file Whoosh left open.
            failure = type(exc).__name__
        if failure is not None:
            gc.collect()
    if failure is not None:
        raise damaged(index_dir, failure) from None
    return ix


def _segment_files(index_dir: Path, ix: Index) -> dict[str, int]:
    """The files of the index's current segments, with their sizes."""
    prefixes = tuple(f"{segment.segment_id()}." for segment in ix._segments())
    return {entry.name: entry.stat().st_size for entry in os.scandir(index_dir) if entry.name.startswith(prefixes)}


def _write_manifest(index_dir: Path, ix: Index, generation: int) -> None:
    replace_json(index_dir / _MANIFEST_FILE, {"generation": generation, "files": _segment_files(index_dir, ix)})


def _check_manifest(index_dir: Path, ix: Index) -> None:
    """Raise if a file the manifest of this generation names is missing or has another
    size. Without a manifest of this generation (a run stopped right after its commit)
    there is nothing to check against."""
    try:
        manifest = json.loads((index_dir / _MANIFEST_FILE).read_text(encoding="utf-8"))
        if manifest["generation"] != ix.latest_generation():
            return
        files = dict(manifest["files"])
    except (OSError, ValueError, KeyError, TypeError):
        return
    for name, size in files.items():
        found = (index_dir / name).stat().st_size  # FileNotFoundError if missing
        if found != size:
            raise EOFError(f"{name} is {found} bytes, not {size}")


def _is_empty_folder(path: Path) -> bool:
    """A folder with nothing in it but hidden files (such as a .gitignore)."""
    return path.is_dir() and all(entry.name.startswith(".") for entry in path.iterdir())


def _create(index_dir: Path) -> Index:
    """A new, empty index in `index_dir`, replacing the files of any index there."""
    index_dir.mkdir(parents=True, exist_ok=True)
    for entry in index_dir.iterdir():
        if entry.is_file() and (
            entry.name.startswith((INDEX_NAME, f"_{INDEX_NAME}_"))
            or entry.name in (_META_FILE, CATALOG_FILE, _MANIFEST_FILE)
        ):
            entry.unlink()
    ix = whoosh_index.create_in(str(index_dir), build_schema(), indexname=INDEX_NAME)
    _write_meta(index_dir)
    return ix


def _open_or_create(index_dir: Path, *, rebuild: bool) -> Index:
    if _index_exists(index_dir):
        try:
            return open_index(index_dir)
        except IndexCorrupt:
            if not rebuild:
                raise
            # Nothing in a damaged or outdated index can be kept: start over.
            return _create(index_dir)
    if index_dir.exists() and not _is_empty_folder(index_dir):
        # Never write an index into a folder of something else (a mistyped --index).
        raise IndexNotFound(f"{index_dir} exists and is not a searchkit index; choose an empty or new folder")
    return _create(index_dir)


@dataclass
class IndexReport:
    """What an indexing run did. `indexed` = `added` + `updated`."""

    indexed: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: list[Unindexable] = field(default_factory=list)
    # Files that were not valid UTF-8, indexed as read with the fallback encoding.
    fallback_decoded: list[str] = field(default_factory=list)
    total_documents: int = 0
    seconds: float = 0.0

    @property
    def errors(self) -> list[Unindexable]:
        return [s for s in self.skipped if s.is_error]


# Told (documents done, documents in all) as files are analyzed or skipped. When the
# two are equal, what is left is writing the last segments and committing.
ProgressCallback = Callable[[int, int], None]


def index_sources(
    sources: Iterable[Path],
    index_dir: Path,
    *,
    rebuild: bool = False,
    progress: ProgressCallback | None = None,
    processes: int | None = None,
    selection: Selection | None = None,
    json_fields: JsonFields | None = None,
) -> IndexReport:
    """Bring the index up to date with the files at or below each source that
    `selection` and the `.searchkitignore` files leave in (in `processes` worker
    processes; see `index_documents`). `json_fields` says which fields of a JSON Lines
    record hold what; if None, those of the last run that named them.

    Only files that are new or changed are read and analyzed: a file whose size and
    modification time are those it was indexed with is unchanged, and one whose
    content hash is is too. Documents whose files are gone from below the sources are
    removed; documents from other folders are left alone. A file that cannot be read
    any more keeps the document it had; one that is now empty or binary loses it.
    Nothing is visible to searches until the run commits at the end; if it is
    interrupted or fails, the index keeps exactly what it had before.
    """
    sources = list(sources)
    files = [path for source in sources for path in discover(source, selection)]
    roots = [document_path(source) for source in sources]
    report = IndexReport()
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, len(files))

    def plan(
        known: Catalog, catalog: Catalog, fields: JsonFields, fields_changed: bool
    ) -> tuple[Iterator[Document], Callable[[], list[str]]]:
        seen: set[str] = set()
        emptied: list[str] = []

        def documents() -> Iterator[Document]:
            for path in files:
                key = document_path(path)
                seen.add(key)
                old = known.get(key)
                # Other fields make other documents of the same JSON Lines file.
                reread = fields_changed and path.suffix.lower() in JSON_LINES_SUFFIXES
                if old is not None and not reread and _same_size_and_time(path, old):
                    report.unchanged += 1
                    advance(1)
                    continue
                try:
                    source = read_source(path, fields)
                except Unindexable as skip:
                    report.skipped.append(skip)
                    if not skip.is_error and key in known:
                        emptied.append(key)
                    # A file that cannot be read keeps its documents, even one that is
                    # now a broken link (which resolves somewhere else).
                    seen.add(os.path.abspath(path))
                    advance(1)
                    continue
                if source.encoding == FALLBACK_ENCODING:
                    report.fallback_decoded.append(source.path)
                if old is not None and source.signature.sha256 == old.sha256:
                    # Touched but not changed: remember its new time, analyze nothing.
                    catalog[key] = source.signature
                    report.unchanged += 1
                    advance(1)
                    continue
                found = 0
                for doc in source.documents:
                    found += 1
                    yield doc
                report.skipped.extend(source.skipped)
                if not found and key in known:
                    # A JSON Lines file with no document left in it.
                    emptied.append(key)

        def removed() -> list[str]:
            gone = [path for path in known if path not in seen and is_below(path, roots)]
            return [*gone, *emptied]

        return documents(), removed

    return _index(
        plan,
        index_dir,
        rebuild=rebuild,
        report=report,
        processes=processes,
        analyzed=advance,
        roots=roots,
        json_fields=json_fields,
    )


def _same_size_and_time(path: Path, signature: Signature) -> bool:
    try:
        stat = path.stat()
    except OSError:
        return False
    return stat.st_size == signature.size and stat.st_mtime_ns == signature.mtime_ns


def index_documents(
    documents: Iterable[Document],
    index_dir: Path,
    *,
    rebuild: bool = False,
    report: IndexReport | None = None,
    processes: int | None = None,
    analyzed: Callable[[int], None] | None = None,
) -> IndexReport:
    """Index documents that are not files (or not plain text files): the library's
    way in for text from elsewhere. A document replaces any with the same `path`;
    everything is committed at once at the end.

    Documents are analyzed and written into new segments by `processes` worker
    processes (by default one per core, when there are enough documents to be worth
    starting them); the index's lock is held throughout. The workers are spawned, so
    a script calling this needs an `if __name__ == "__main__":` guard (or
    `processes=1`), as with any use of multiprocessing."""

    def plan(
        _known: Catalog, _catalog: Catalog, _fields: JsonFields, _changed: bool
    ) -> tuple[Iterable[Document], Callable[[], list[str]]]:
        return documents, list

    return _index(plan, index_dir, rebuild=rebuild, report=report, processes=processes, analyzed=analyzed, roots=())


# Given the index's catalog, the catalog to write after the run, the JSON Lines fields to
# read and whether they are not those the index was built with, the documents to index
# and a function that names, once they have all been read, the sources whose documents
# to remove.
Plan = Callable[[Catalog, Catalog, JsonFields, bool], tuple[Iterable[Document], Callable[[], list[str]]]]


def _index(
    plan: Plan,
    index_dir: Path,
    *,
    rebuild: bool,
    report: IndexReport | None,
    processes: int | None,
    analyzed: Callable[[int], None] | None,
    roots: Sequence[str],
    json_fields: JsonFields | None = None,
) -> IndexReport:
    """One run: with the index's lock held, read what it holds, index and remove what
    `plan` says, commit, and write the catalog of the new generation, recording the
    folders `roots` as indexed and the JSON Lines fields read."""
    # Imported here, so that a query (which imports this module for open_index) does
    # not pay for the writing side: multiprocessing, the segment builder.
    from searchkit.segments import build_segments

    started = time.perf_counter()
    report = report if report is not None else IndexReport()
    ix = _open_or_create(index_dir, rebuild=rebuild)
    try:
        writer = ix.writer(timeout=5.0, compound=False)
    except LockError:
        raise IndexLocked(f"another searchkit process is writing to {index_dir}; try again when it is done") from None
    try:
        recorded = load_catalog(None if rebuild else ix, index_dir)
        known = recorded.files
        fields = json_fields if json_fields is not None else recorded.json_fields
        catalog = dict(known)
        documents, removed = plan(known, catalog, fields, fields != recorded.json_fields)
        paths: list[str] = []
        sources: dict[str, None] = {}

        def numbered() -> Iterator[tuple[int, Document]]:
            for doc in documents:
                paths.append(doc.path)
                if doc.source_path in known:
                    report.updated += 1
                else:
                    report.added += 1
                catalog[doc.source_path] = doc.signature
                sources[doc.source_path] = None
                yield len(paths) - 1, doc

        built = build_segments(numbered(), index_dir, processes=processes, analyzed=analyzed)
        gone = [path for path in removed() if path in catalog]
        for path in gone:
            del catalog[path]
        report.indexed = len(paths)
        report.removed = len(gone)
        committed = bool(built or gone or rebuild)
        if committed:
            _commit(writer, built, paths, [*sources, *gone], rebuild=rebuild)
        else:
            writer.cancel()
        ix = whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME)
        generation = ix.latest_generation()
        # Written even when nothing was committed: files touched but not changed have
        # new modification times.
        save_catalog(index_dir, generation, catalog, [*recorded.roots, *roots], fields)
        if committed:
            _write_manifest(index_dir, ix, generation)
    except BaseException:
        if not writer.is_closed:
            writer.cancel()
        raise
    report.total_documents = ix.doc_count()
    report.seconds = time.perf_counter() - started
    return report


def _commit(writer: SegmentWriter, built: list[Built], paths: list[str], replaced: list[str], *, rebuild: bool) -> None:
    """Add the new segments to the index in one commit, deleting the documents they
    replace: older copies of the same paths earlier in this run, and in the index
    every document of the `replaced` sources (those read again, and those removed).

    With --rebuild the old segments are dropped in the same commit that adds the new
    ones, so an interrupted rebuild still leaves the old index whole."""
    from whoosh.writing import CLEAR

    latest = {path: seq for seq, path in enumerate(paths)}
    for segment, seqs in built:
        for docnum, seq in enumerate(seqs):
            if latest[paths[seq]] != seq:
                segment.delete_document(docnum)
    if not rebuild and writer.segments:
        for source in replaced:
            writer.delete_by_term("source", source)
    # A segment whose every document has been replaced is dropped, not kept empty.
    merged = writer._merge_segments(CLEAR if rebuild else None, None, None)
    kept = [segment for segment in merged if segment.doc_count()]
    if writer._added:
        kept.append(writer._finalize_segment())
    else:
        writer._close_segment()
    writer._commit_toc([*kept, *(segment for segment, _seqs in built)])
    writer._finish()
