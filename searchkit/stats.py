"""What an index holds, for `searchkit stats`: its documents and the folders they came
from, the distinct terms of every view, its size on disk, and how its text is analyzed.

A term of a view is counted once however many segments have it, so counting them
means reading the terms of every segment (8 million on 35,000 articles in 14
segments: 5 s). The counts are kept in a file beside the index, named by the
segments they were counted on: a segment's terms never change (a deletion only marks
documents), so they hold until a run adds, merges or drops a segment.
"""

from __future__ import annotations

import contextlib
import heapq
import json
import mmap
import os
import struct
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby, repeat
from operator import add, itemgetter
from pathlib import Path

from whoosh.filedb.filetables import _lengths as _ROW_LENGTHS
from whoosh.reading import IndexReader, SegmentReader

from searchkit.catalog import is_below, load_roots, replace_json
from searchkit.indexing import INDEX_FORMAT, damaged, open_index
from searchkit.schema import BODY_FIELDS, INDEX_NAME, TITLE_FIELDS, VIEWS
from searchkit.scoring import K1, B, Postings

STATS_FILE = "searchkit-stats.json"

# What each view holds, in the words of `schema`.
_VIEW_CONTENTS = {
    "words": "pyvi's words of two or more syllables (công_an)",
    "syllables": "syllables",
    "folded": "syllables without diacritics",
    "bigrams": "adjacent syllables (công an)",
    "folded_bigrams": "adjacent syllables without diacritics",
}


@dataclass(frozen=True)
class FolderStats:
    """A folder given to `searchkit index` (as documents are indexed under it:
    absolute, links resolved) and the number of live documents below it."""

    path: str
    documents: int


@dataclass(frozen=True)
class IndexStats:
    """What `index_stats` finds in an index.

    A document below two recorded folders (one inside the other) counts in both;
    `other_documents` are those below none (indexed as documents, not from a folder).
    The term counts are by view (`schema.VIEWS`), as Whoosh's lexicon lists them: a
    term whose documents are all deleted is there until its segment is merged."""

    documents: int
    folders: tuple[FolderStats, ...]
    other_documents: int
    body_terms: dict[str, int]
    title_terms: dict[str, int]
    segments: int
    size_bytes: int
    # When the index last changed: the time of its latest commit, POSIX seconds.
    updated: float
    format: int
    # What the analyzer does, setting by setting: name -> a short description.
    analyzer: dict[str, str]


def index_stats(index_dir: Path) -> IndexStats:
    """The statistics of the index in `index_dir`. Raises IndexNotFound or
    IndexCorrupt, as `open_index` does."""
    ix = open_index(index_dir)
    generation = ix.latest_generation()
    with ix.reader() as reader:
        leaves = _segment_readers(reader)
        terms = _term_counts(index_dir, leaves)
        documents = reader.doc_count()
        # Documents, not files: a JSON Lines file holds many.
        paths = list(Postings(reader).values("path").values())
    roots = load_roots(index_dir)
    folders = tuple(
        FolderStats(root, count)
        for root in sorted(roots)
        if (count := sum(1 for path in paths if is_below(path, [root])))
    )
    return IndexStats(
        documents=documents,
        folders=folders,
        other_documents=sum(1 for path in paths if not is_below(path, roots)),
        body_terms={view: terms[BODY_FIELDS[view]] for view in VIEWS},
        title_terms={view: terms[TITLE_FIELDS[view]] for view in VIEWS},
        segments=len(leaves),
        # Measured last, so that it includes the counts' file when this call wrote it.
        size_bytes=_folder_size(index_dir),
        updated=_commit_time(index_dir, generation),
        format=INDEX_FORMAT,
        analyzer=analyzer_settings(),
    )


def analyzer_settings() -> dict[str, str]:
    """How searchkit analyzes text and ranks documents, as short descriptions. The
    index's format says that it was built with this analyzer."""
    return {
        "segmenter": f"pyvi {_version('pyvi')}'s CRF model, run by python-crfsuite {_version('python-crfsuite')}",
        "normalization": (
            "NFC, zero-width characters removed, tone marks where the traditional spelling puts them"
            " (hoà → hòa, uỷ → ủy), final i of an open syllable after a consonant (sỹ → sĩ, lý → lí)"
            " but y after qu (quí → quý), lower case"
        ),
        "folding": "every diacritic removed, đ → d (Đường → duong)",
        "views": "; ".join(f"{view}: {_VIEW_CONTENTS[view]}" for view in VIEWS) + "; each for the body and the title",
        "ranking": f"BM25, k1 {K1}, b {B}",
    }


def _version(distribution: str) -> str:
    # Imported here: only stats asks for versions.
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "(not installed)"


def _segment_readers(reader: IndexReader) -> list[SegmentReader]:
    """The reader of each segment; none for an index without any (which Whoosh reads
    with one EmptyReader)."""
    return [leaf for leaf, _offset in reader.leaf_readers() if isinstance(leaf, SegmentReader)]


def _commit_time(index_dir: Path, generation: int) -> float:
    """When generation `generation` was committed: the modification time of its table
    of contents, or if a commit since has removed it, of the newest one."""
    try:
        return (index_dir / f"_{INDEX_NAME}_{generation}.toc").stat().st_mtime
    except FileNotFoundError:
        return max(path.stat().st_mtime for path in index_dir.glob(f"_{INDEX_NAME}_*.toc"))


def _folder_size(index_dir: Path) -> int:
    size = 0
    for entry in os.scandir(index_dir):
        try:
            if entry.is_file():
                size += entry.stat().st_size
        except FileNotFoundError:  # removed by a commit meanwhile
            pass
    return size


def _term_counts(index_dir: Path, leaves: Sequence[SegmentReader]) -> dict[str, int]:
    """The number of distinct terms of every view field, from the file of counts if
    it was written for these segments, else counted and written there."""
    fields = [*BODY_FIELDS.values(), *TITLE_FIELDS.values()]
    segments = sorted(leaf.segment().segment_id() for leaf in leaves)
    try:
        saved = json.loads((index_dir / STATS_FILE).read_text(encoding="utf-8"))
        if saved["segments"] == segments:
            counts = {field: saved["terms"][field] for field in fields}
            if all(type(count) is int for count in counts.values()):
                return counts
    except (OSError, ValueError, KeyError, TypeError):
        pass
    tables: list[_TermsTable] = []
    try:
        tables.extend(_TermsTable(leaf) for leaf in leaves)
        counts = {field: _distinct_terms(tables, field) for field in fields}
    except (OSError, EOFError, ValueError, IndexError, struct.error) as exc:  # a damaged terms file
        raise damaged(index_dir, type(exc).__name__) from None
    finally:
        for table in tables:
            table.close()
    # An index this user may not write is counted again next time.
    with contextlib.suppress(OSError):
        replace_json(index_dir / STATS_FILE, {"segments": segments, "terms": counts})
    return counts


def _distinct_terms(tables: Sequence[_TermsTable], field: str) -> int:
    """The number of distinct terms of `field` in all the segments together. Each
    segment's terms are sorted and distinct, so one segment's are counted by bisection,
    and several segments' by merging them in order."""
    found = [(table, rows) for table in tables if (rows := table.rows_of(field))]
    if len(found) == 1:
        return len(found[0][1])
    merged = heapq.merge(*(table.terms(rows) for table, rows in found))
    return sum(1 for _ in groupby(merged))


# A row of the terms table: key length and value length, then the key (the field's
# number in the segment, then the term), then the value.
_ROW_HEADER = _ROW_LENGTHS.size
_FIELD_NUMBER_SIZE = 2


class _TermsTable:
    """The terms table (.trm) of one segment, Whoosh's ordered hash file: rows in
    increasing order of their keys, so that each field's rows are together, and after
    them the position of every row. A field's number differs from segment to segment
    (each numbers the fields it has), so terms are compared without it."""

    def __init__(self, leaf: SegmentReader) -> None:
        table = leaf._terms._tindex
        dbfile = table.dbfile
        self._numbers: dict[str, int] = table.extras["fieldmap"]
        self._positions = dbfile.get_array(table.indexbase, table.extras["indextype"], table.indexlen)
        # Mapped rather than read: only the pages of the rows read are loaded.
        self._mapped = mmap.mmap(dbfile.fileno(), 0, access=mmap.ACCESS_READ) if dbfile.is_real else None
        self._data = self._mapped if self._mapped is not None else dbfile.get(0, table.endofdata)

    def close(self) -> None:
        if self._mapped is not None:
            self._mapped.close()

    def rows_of(self, field: str) -> Sequence[int]:
        """The positions of the rows of `field`'s terms, found by bisection."""
        number = self._numbers.get(field)
        if number is None:
            return ()
        data = self._data

        def number_at(position: int) -> int:
            return int.from_bytes(data[position + _ROW_HEADER : position + _ROW_HEADER + _FIELD_NUMBER_SIZE], "big")

        start = bisect_left(self._positions, number, key=number_at)
        end = bisect_left(self._positions, number + 1, lo=start, key=number_at)
        return self._positions[start:end]

    def terms(self, rows: Sequence[int]) -> Iterator[bytes]:
        """The terms of the rows at `rows`, in order. Sliced out by C-level maps (not a
        Python loop): there are millions."""
        data = self._data
        key_lengths = map(itemgetter(0), map(_ROW_LENGTHS.unpack_from, repeat(data), rows))
        starts = map(add, rows, repeat(_ROW_HEADER + _FIELD_NUMBER_SIZE))
        ends = map(add, map(add, rows, repeat(_ROW_HEADER)), key_lengths)
        return map(data.__getitem__, map(slice, starts, ends))
