"""An index: its segments as the manifest of its latest commit lists them, read as one
(`Store`), and written by one process at a time (`IndexWriter`).

The manifest (`searchkit-segments.json`) is searchkit's own record of a commit: its
generation, and for each segment its documents, deletions, fields and the size of
every file. A query reads it and the segment files, and nothing of Whoosh. Each
commit also writes Whoosh's table of contents (`_MAIN_<generation>.toc`, see
`store.whoosh`), so that Whoosh opens the same index.

A commit writes the new segments' files first, then the manifest (replaced at once),
then Whoosh's table of contents, and only then removes the files no segment of the
new commit uses. A process killed at any point leaves the last manifest whole, with
every file it names.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import struct
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from searchkit.errors import IndexCorrupt, IndexLocked, IndexNotFound
from searchkit.schema import BODY_FIELDS, ID_FIELDS, TITLE_FIELDS
from searchkit.store.segment import INDEX_NAME, SegmentInfo, SegmentReader, SegmentWriter

if TYPE_CHECKING:
    import numpy as np

# Bumped whenever the files or the analysis change what is in the index.
FORMAT = 13
META_FILE = "searchkit.json"
MANIFEST_FILE = "searchkit-segments.json"
LOCK_FILE = f"{INDEX_NAME}_WRITELOCK"
TEXT_FIELDS = (*BODY_FIELDS.values(), *TITLE_FIELDS.values())
# A commit merges the segments its run wrote (workers write several) and the small
# ones (fewer live documents than `SMALL_SEGMENT`: a run that indexes a few files
# writes one) into one, when there are `MERGE_FROM` of them: a query asks every
# segment for every term, and one segment answers ten times fewer lookups than ten.
SMALL_SEGMENT = 2000
MERGE_FROM = 2
# What reading damaged files raises: the store's own checks raise ValueError.
READ_ERRORS = (OSError, EOFError, ValueError, IndexError, KeyError, struct.error, zlib.error, pickle.UnpicklingError)


def rebuild_hint(index_dir: Path) -> str:
    return f"rebuild it with: searchkit index DIR --index {index_dir} --rebuild"


def damaged(index_dir: Path, failure: str) -> IndexCorrupt:
    """The error for an index whose files cannot be read, with what failed."""
    return IndexCorrupt(f"the index at {index_dir} is damaged ({failure}); {rebuild_hint(index_dir)}")


def is_index(index_dir: Path) -> bool:
    """Whether `index_dir` holds an index of any version (sound or not)."""
    return index_dir.is_dir() and ((index_dir / META_FILE).exists() or any(index_dir.glob(f"_{INDEX_NAME}_*.toc")))


@dataclass
class Manifest:
    """What one commit holds."""

    generation: int = -1
    segments: list[SegmentInfo] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "generation": self.generation, "segments": [s.to_json() for s in self.segments]}

    @classmethod
    def from_json(cls, data: object) -> Manifest:
        if not isinstance(data, dict):
            raise ValueError("the manifest is not an object")
        return cls(int(data["generation"]), [SegmentInfo.from_json(s) for s in data["segments"]])


def read_manifest(index_dir: Path) -> Manifest:
    """The manifest of the latest commit, or a typed error saying what is wrong."""
    if not is_index(index_dir):
        raise IndexNotFound(f"no index at {index_dir}; build one with: searchkit index DIR --index {index_dir}")
    try:
        meta = json.loads((index_dir / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise IndexCorrupt(
            f"{index_dir} is not a searchkit index (or its metadata is damaged); {rebuild_hint(index_dir)}"
        ) from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise IndexCorrupt(
            f"the index at {index_dir} was built by another version of searchkit; {rebuild_hint(index_dir)}"
        )
    try:
        manifest = Manifest.from_json(json.loads((index_dir / MANIFEST_FILE).read_text(encoding="utf-8")))
    except FileNotFoundError:
        return Manifest()  # created, never committed
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise damaged(index_dir, f"manifest: {type(exc).__name__}") from None
    for segment in manifest.segments:
        for name, size in segment.files.items():
            try:
                found = (index_dir / name).stat().st_size
            except OSError:
                raise damaged(index_dir, f"{name} is missing") from None
            if found != size:
                raise damaged(index_dir, f"{name} is {found} bytes, not {size}")
    return manifest


def replace_json(path: Path, value: object) -> None:
    """Write `value` as JSON to `path` through a temporary file beside it, so that a
    reader finds the old file or the new one, never half of one."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    # ASCII: a path whose name is not UTF-8 keeps its bytes as escaped surrogates.
    partial.write_text(json.dumps(value), encoding="ascii")
    os.replace(partial, path)


class Store:
    """The documents of an index's latest commit, read as one: every segment's
    documents numbered one after the other (a segment's numbers from its offset)."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self.manifest = read_manifest(index_dir)
        self.generation = self.manifest.generation
        self._segments: list[tuple[SegmentReader, int]] = []
        offset = 0
        try:
            for info in self.manifest.segments:
                self._segments.append((SegmentReader(index_dir, info), offset))
                offset += info.docs
        except READ_ERRORS as exc:
            self.close()
            raise damaged(index_dir, type(exc).__name__) from None
        self.doc_count_all = offset
        self.doc_count = offset - sum(len(info.deleted) for info in self.manifest.segments)
        self._live: np.ndarray | None = None
        self._lengths: dict[str, np.ndarray] = {}

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for segment, _offset in self._segments:
            segment.close()

    @contextlib.contextmanager
    def _reading(self) -> Iterator[None]:
        """A failure to read a file that passed the manifest's checks is damage."""
        try:
            yield
        except READ_ERRORS as exc:
            raise damaged(self.index_dir, type(exc).__name__) from None

    def live(self) -> np.ndarray:
        """Whether each document is live (not deleted), as a boolean array."""
        import numpy as np

        if self._live is None:
            live = np.ones(self.doc_count_all, dtype=bool)
            for segment, offset in self._segments:
                if segment.info.deleted:
                    live[offset + np.array(segment.info.deleted, dtype=np.int64)] = False
            self._live = live
        return self._live

    def postings(self, field_name: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        """The live documents that have `term` in the field, in order, and how often
        each has it (numpy arrays of int64)."""
        import numpy as np

        encoded = term.encode("utf-8", "surrogateescape")
        found: list[tuple[np.ndarray, np.ndarray]] = []
        with self._reading():
            for segment, offset in self._segments:
                entry = segment.entry(field_name, encoded)
                if entry is not None:
                    docnums, frequencies = segment.postings(field_name, entry)
                    found.append((docnums + offset, frequencies))
        if not found:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty
        docnums = np.concatenate([d for d, _ in found]) if len(found) > 1 else found[0][0]
        frequencies = np.concatenate([f for _, f in found]) if len(found) > 1 else found[0][1]
        if self.doc_count != self.doc_count_all:
            keep = self.live()[docnums]
            docnums, frequencies = docnums[keep], frequencies[keep]
        return docnums, frequencies

    def frequency(self, field_name: str, term: str) -> int:
        """How often `term` is found in the field, in every document (deleted ones
        included, until their segment is merged away)."""
        encoded = term.encode("utf-8", "surrogateescape")
        with self._reading():
            return sum(
                entry.total
                for segment, _offset in self._segments
                if (entry := segment.entry(field_name, encoded)) is not None
            )

    def term_totals(self, field_name: str) -> dict[str, int]:
        """How often each term of a field is found, in every document (deleted ones
        included, until their segment is merged away), by term."""
        totals: dict[str, int] = {}
        with self._reading():
            for segment, _offset in self._segments:
                for entry in segment.entries(field_name):
                    term = entry.term.decode("utf-8", "surrogateescape")
                    totals[term] = totals.get(term, 0) + entry.total
        return totals

    def length_bytes(self, field_name: str) -> np.ndarray:
        """Each document's length byte in a text field (see `format.LENGTHS`)."""
        import numpy as np

        found = self._lengths.get(field_name)
        if found is None:
            with self._reading():
                parts = [segment.length_bytes(field_name) for segment, _offset in self._segments]
            found = self._lengths[field_name] = np.frombuffer(b"".join(parts), dtype=np.uint8)
        return found

    def total_length(self, field_name: str) -> int:
        """The sum of the field's lengths over every document."""
        return sum(info.fields[field_name].length for info in self.manifest.segments if field_name in info.fields)

    def segment_of(self, docnum: int) -> tuple[SegmentReader, int]:
        """The segment a document is in, and its number there."""
        for segment, offset in reversed(self._segments):
            if docnum >= offset:
                return segment, docnum - offset
        raise IndexError(docnum)

    def meta(self, docnum: int) -> dict[str, object]:
        """A document's stored values but its text: path, source, title, date, signature."""
        segment, local = self.segment_of(docnum)
        with self._reading():
            return segment.meta(local)

    def text(self, docnum: int) -> str:
        """A document's stored text."""
        segment, local = self.segment_of(docnum)
        with self._reading():
            return segment.text(local)

    def values(self, field_name: str) -> list[str | None]:
        """The term each document has in a field of one term per document (its path,
        source or date), by number; None for a document without one."""
        found: list[str | None] = [None] * self.doc_count_all
        with self._reading():
            for segment, offset in self._segments:
                for entry in segment.entries(field_name):
                    value = entry.term.decode("utf-8", "surrogateescape")
                    if entry.doc_frequency == 1:
                        found[offset + entry.where] = value
                        continue
                    for docnum in segment.postings(field_name, entry)[0].tolist():
                        found[offset + docnum] = value
        return found

    def live_documents(self) -> Iterator[int]:
        """The numbers of the live documents, in order."""
        return (int(d) for d in self.live().nonzero()[0])

    def documents_with(self, field_name: str, value: str) -> list[int]:
        """The live documents whose ID field (path, source) is `value`."""
        return self.postings(field_name, value)[0].tolist()

    def terms(self, field_name: str) -> Iterator[str]:
        """The distinct terms of a field, in order (over every segment)."""
        import heapq

        with self._reading():
            streams = [(entry.term for entry in segment.entries(field_name)) for segment, _ in self._segments]
            previous = None
            for term in heapq.merge(*streams):
                if term != previous:
                    yield term.decode("utf-8", "surrogateescape")
                    previous = term

    def distinct_terms(self, field_name: str) -> int:
        """How many distinct terms the field has (in the segments of one, as it says)."""
        having = [info for info in self.manifest.segments if info.fields.get(field_name)]
        if len(having) == 1:
            return having[0].fields[field_name].terms
        return sum(1 for _ in self.terms(field_name))

    def segment_count(self) -> int:
        return len(self._segments)


class IndexWriter:
    """The one process writing to an index, holding its lock from opening until it
    commits or cancels. New segments come from `new_segment`; documents of the index
    are deleted by `delete_sources`; `commit` makes it all visible at once."""

    def __init__(self, index_dir: Path, *, rebuild: bool = False, timeout: float = 5.0) -> None:
        self.index_dir = index_dir
        self._create_if_needed(rebuild)
        self._lock = _acquire(index_dir / LOCK_FILE, timeout, index_dir)
        try:
            # A rebuild starts with no segments, and goes on counting generations: the
            # catalog and Whoosh's tables of contents are named by them.
            self.manifest = Manifest(_latest_generation(index_dir)) if rebuild else read_manifest(index_dir)
        except BaseException:
            self._lock.release()
            raise
        self._deleted = {info.id: set(info.deleted) for info in self.manifest.segments}
        self._new: list[SegmentInfo] = []
        self.closed = False

    def _create_if_needed(self, rebuild: bool) -> None:
        index_dir = self.index_dir
        if is_index(index_dir):
            if not rebuild:
                read_manifest(index_dir)  # raises for a damaged or outdated index
            return
        if index_dir.exists() and any(not e.name.startswith(".") for e in index_dir.iterdir()):
            # Never write an index into a folder of something else (a mistyped --index).
            raise IndexNotFound(f"{index_dir} exists and is not a searchkit index; choose an empty or new folder")
        index_dir.mkdir(parents=True, exist_ok=True)
        replace_json(index_dir / META_FILE, {"format": FORMAT})

    def store(self) -> Store | None:
        """A reader of what the index holds now (None for a new or rebuilt index)."""
        return Store(self.index_dir) if self.manifest.segments else None

    def new_segment(self) -> SegmentWriter:
        return SegmentWriter(self.index_dir, TEXT_FIELDS, ID_FIELDS)

    def add_segment(self, info: SegmentInfo) -> None:
        """A finished segment to commit (written here or by a worker process)."""
        self._new.append(info)

    def delete_sources(self, store: Store, sources: Iterable[str]) -> None:
        """Delete every document of the index that came from one of `sources`."""
        for source in sources:
            for docnum in store.documents_with("source", source):
                segment, local = store.segment_of(docnum)
                self._deleted[segment.info.id].add(local)

    def commit(self) -> int:
        """Commit the segments added and the deletions; returns the new generation."""
        kept = []
        for info in self.manifest.segments:
            info.deleted = sorted(self._deleted.get(info.id, ()))
            if len(info.deleted) < info.docs:
                kept.append(info)
        segments = self._merged([*kept, *(s for s in self._new if len(s.deleted) < s.docs)])
        manifest = Manifest(self.manifest.generation + 1, segments)
        # A rebuild of an index of another version says so only now that it is done.
        replace_json(self.index_dir / META_FILE, {"format": FORMAT})
        replace_json(self.index_dir / MANIFEST_FILE, manifest.to_json())
        from searchkit.store.whoosh import write_toc

        write_toc(self.index_dir, manifest)
        _remove_unused(self.index_dir, manifest)
        self.manifest = manifest
        self._finish()
        return manifest.generation

    def _merged(self, segments: list[SegmentInfo]) -> list[SegmentInfo]:
        """The segments, with those this run wrote and the small ones merged into one
        when there are `MERGE_FROM` of them."""
        written = {info.id for info in self._new}
        chosen = [info for info in segments if info.id in written or info.docs - len(info.deleted) < SMALL_SEGMENT]
        if len(chosen) < MERGE_FROM:
            return segments
        readers = [SegmentReader(self.index_dir, info) for info in chosen]
        try:
            writer = self.new_segment()
            writer.merge(readers)
            merged = writer.finish()
        finally:
            for reader in readers:
                reader.close()
        self._new.append(merged)  # its files go if the commit fails
        ids = {info.id for info in chosen}
        return [*(info for info in segments if info.id not in ids), merged]

    def cancel(self) -> None:
        """Commit nothing: remove the files of the segments added, release the lock."""
        for info in self._new:
            for name in info.files:
                (self.index_dir / name).unlink(missing_ok=True)
        self._finish()

    def _finish(self) -> None:
        if not self.closed:
            self._lock.release()
            self.closed = True


def _latest_generation(index_dir: Path) -> int:
    """The latest generation committed in `index_dir` (of any version), -1 for none."""
    found = [-1]
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        found.append(int(json.loads((index_dir / MANIFEST_FILE).read_text(encoding="utf-8"))["generation"]))
    for path in index_dir.glob(f"_{INDEX_NAME}_*.toc"):
        with contextlib.suppress(ValueError):
            found.append(int(path.name[len(INDEX_NAME) + 2 : -len(".toc")]))
    return max(found)


def _remove_unused(index_dir: Path, manifest: Manifest) -> None:
    """Remove the segment files and tables of contents the commit no longer uses."""
    used = {name for info in manifest.segments for name in info.files}
    toc = f"_{INDEX_NAME}_{manifest.generation}.toc"
    for entry in os.scandir(index_dir):
        name = entry.name
        stale_segment = name.startswith(f"{INDEX_NAME}_") and name != LOCK_FILE and name not in used
        stale_toc = name.startswith(f"_{INDEX_NAME}_") and name.endswith(".toc") and name != toc
        if stale_segment or stale_toc:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


class _Lock:
    def __init__(self, fd: int) -> None:
        self._fd = fd

    def release(self) -> None:
        import fcntl

        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)


def _acquire(path: Path, timeout: float, index_dir: Path) -> _Lock:
    """The index's write lock (a lock on the file Whoosh's writers lock too), waiting
    up to `timeout` seconds. The lock dies with the process that holds it."""
    import fcntl

    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return _Lock(fd)
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                raise IndexLocked(
                    f"another searchkit process is writing to {index_dir}; try again when it is done"
                ) from None
            time.sleep(0.05)
