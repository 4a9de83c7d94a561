"""Writing documents into an index: what to read, what to replace, one commit.

Documents are analyzed and written into new segments by `segments` (in worker
processes when there are many); this module holds the index's lock (the store's
`IndexWriter`), deletes the documents the new ones replace and commits everything at
once.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from searchkit.documents import (
    FALLBACK_ENCODING,
    JSON_LINES_SUFFIXES,
    Document,
    JsonFields,
    NotRead,
    Selection,
    Signature,
    Unindexable,
    discover,
    document_path,
    read_source,
)
from searchkit.errors import DocumentNotFound, SourceNotFound
from searchkit.store.catalog import Catalog, Patterns, is_below, load_catalog, save_catalog
from searchkit.store.index import IndexWriter, read_manifest

if TYPE_CHECKING:
    from searchkit.segments import Built
    from searchkit.store.index import Store

__all__ = ["IndexReport", "index_documents", "index_sources", "remove_sources"]


@dataclass
class IndexReport:
    """What an indexing run did. `indexed` = `added` + `updated`."""

    indexed: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: list[Unindexable] = field(default_factory=list)
    # Files of kinds not read (.doc, .xlsx, a binary without a suffix).
    not_read: list[NotRead] = field(default_factory=list)
    # Files that were not valid UTF-8, indexed as read with the fallback encoding.
    fallback_decoded: list[str] = field(default_factory=list)
    # Files typed in a legacy Vietnamese encoding, converted to Unicode: (path, encoding).
    converted: list[tuple[str, str]] = field(default_factory=list)
    total_documents: int = 0
    seconds: float = 0.0

    @property
    def errors(self) -> list[Unindexable]:
        """The files that could not be reached (permission denied, a broken link, a
        loop): a run with any fails (exit 2), though it indexes the rest. The other
        skips are problems of a file's content, reported and counted."""
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
    record hold what; if None, those of the last run that named them. With no
    sources, every folder the index records, each with the patterns it was last
    indexed with. A recorded folder that is gone is an error (`SourceNotFound`) that
    names `remove_sources`' command: its documents are not dropped unasked.

    Only files that are new or changed are read and analyzed: a file whose size and
    modification time are those it was indexed with is unchanged, and one whose
    content hash is is too. Documents whose files are gone from below the sources are
    removed; documents from other folders are left alone. A file that cannot be read
    any more keeps the document it had; one that is now empty or binary loses it.
    Nothing is visible to searches until the run commits at the end; if it is
    interrupted or fails, the index keeps exactly what it had before.
    """
    recorded = load_catalog(None, index_dir)
    if sources:
        chosen = [(source, selection or Selection()) for source in sources]
    elif recorded.roots:
        chosen = [(Path(root), Selection(**recorded.patterns.get(root, {}))) for root in recorded.roots]
    else:
        raise SourceNotFound(f"give a folder to index: the index at {index_dir} records none")
    for source, _ in chosen:
        if not os.path.lexists(source) and document_path(source) in recorded.roots:
            raise SourceNotFound(
                f"{source} is gone, and the index still has its documents; "
                f"remove them with: searchkit remove {source} --index {index_dir}"
            )
    report = IndexReport()
    files = [path for source, choice in chosen for path in discover(source, choice, report.not_read)]
    roots = [document_path(source) for source, _ in chosen]
    patterns = {
        document_path(source): {"include": list(choice.include), "exclude": list(choice.exclude)}
        for source, choice in chosen
    }
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
                    (report.not_read if isinstance(skip, NotRead) else report.skipped).append(skip)
                    if not skip.is_error and key in known:
                        emptied.append(key)
                    # A file that cannot be read keeps its documents, even one that is
                    # now a broken link (which resolves somewhere else).
                    seen.add(os.path.abspath(path))
                    advance(1)
                    continue
                if source.converted_from is not None:
                    report.converted.append((source.path, source.converted_from))
                elif source.encoding == FALLBACK_ENCODING:
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
        patterns=patterns,
    )


def remove_sources(paths: Sequence[Path], index_dir: Path) -> IndexReport:
    """Remove from the index the documents of the files at or below each of `paths`,
    whether they still exist or not, and forget the folders among them (a later
    `index_sources` of one adds it back). Raises `DocumentNotFound`, removing nothing,
    when the index has nothing at or below one of them."""
    read_manifest(index_dir)  # an index to remove from, not a new one
    targets = [document_path(path) for path in paths]

    def plan(
        known: Catalog, _catalog: Catalog, _fields: JsonFields, _changed: bool
    ) -> tuple[Iterable[Document], Callable[[], list[str]]]:
        for path, target in zip(paths, targets, strict=True):
            if not any(is_below(source, [target]) for source in known):
                raise DocumentNotFound(f"nothing at or below {path} is in the index at {index_dir}")
        return (), lambda: [source for source in known if is_below(source, targets)]

    return _index(plan, index_dir, rebuild=False, report=None, processes=1, analyzed=None, roots=(), forget=targets)


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
    patterns: dict[str, Patterns] | None = None,
    forget: Sequence[str] = (),
) -> IndexReport:
    """One run: with the index's lock held, read what it holds, index and remove what
    `plan` says, commit, and write the catalog of the new generation, recording the
    folders `roots` as indexed (with their `patterns`), less those at or below
    `forget`, and the JSON Lines fields read."""
    # Imported here: the worker processes and the segment writer are indexing's alone.
    from searchkit.segments import build_segments

    started = time.perf_counter()
    report = report if report is not None else IndexReport()
    writer = IndexWriter(index_dir, rebuild=rebuild)
    store = writer.store()
    try:
        recorded = load_catalog(store, index_dir)
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
        if built or gone or rebuild:
            _commit(writer, store, built, paths, [*sources, *gone])
        else:
            writer.cancel()
        # Written even when nothing was committed: files touched but not changed have
        # new modification times.
        kept = [root for root in [*recorded.roots, *roots] if not is_below(root, forget)]
        patterns = {**recorded.patterns, **(patterns or {})}
        save_catalog(index_dir, writer.manifest.generation, catalog, kept, fields, patterns)
    except BaseException:
        if not writer.closed:
            writer.cancel()
        raise
    finally:
        if store is not None:
            store.close()
    report.total_documents = sum(info.docs - len(info.deleted) for info in writer.manifest.segments)
    report.seconds = time.perf_counter() - started
    return report


def _commit(
    writer: IndexWriter, store: Store | None, built: list[Built], paths: list[str], replaced: list[str]
) -> None:
    """Add the new segments to the index in one commit, deleting the documents they
    replace: older copies of the same paths earlier in this run, and in the index
    every document of the `replaced` sources (those read again, and those removed).

    With --rebuild there is no index to delete from: the commit replaces it whole, so
    an interrupted rebuild still leaves the old index as it was."""
    latest = {path: seq for seq, path in enumerate(paths)}
    for info, seqs in built:
        info.deleted = [docnum for docnum, seq in enumerate(seqs) if latest[paths[seq]] != seq]
        writer.add_segment(info)
    if store is not None:
        writer.delete_sources(store, replaced)
    writer.commit()
