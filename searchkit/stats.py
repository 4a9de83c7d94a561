"""What an index holds, for `searchkit stats`: its documents and the folders they came
from, the distinct terms of every view, its size on disk, and how its text is analyzed.

A term of a view is counted once however many segments have it, so counting them
means reading the terms of every segment (a segment alone knows its own count). The
counts are kept in a file beside the index, named by the segments they were counted
on: a segment's terms never change (a deletion only marks documents), so they hold
until a run adds, merges or drops a segment.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from searchkit.schema import BODY_FIELDS, TITLE_FIELDS, VIEWS
from searchkit.scoring import K1, B
from searchkit.store.catalog import is_below, load_roots
from searchkit.store.index import FORMAT, MANIFEST_FILE, Store, replace_json

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


def index_stats(index_dir: Path, *, write: bool = True) -> IndexStats:
    """The statistics of the index in `index_dir`. Raises IndexNotFound or
    IndexCorrupt, as opening the index does. Distinct terms counted are kept in the
    index for the next call, unless not to `write` there (a server reads only)."""
    with Store(index_dir) as store:
        terms = _term_counts(index_dir, store, write)
        live = store.live()
        # Documents, not files: a JSON Lines file holds many.
        paths = [path for d, path in enumerate(store.values("path")) if path is not None and live[d]]
        documents, segments = store.doc_count, store.segment_count()
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
        segments=segments,
        # Measured last, so that it includes the counts' file when this call wrote it.
        size_bytes=_folder_size(index_dir),
        updated=(index_dir / MANIFEST_FILE).stat().st_mtime if (index_dir / MANIFEST_FILE).exists() else 0.0,
        format=FORMAT,
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


def _folder_size(index_dir: Path) -> int:
    size = 0
    for entry in os.scandir(index_dir):
        try:
            if entry.is_file():
                size += entry.stat().st_size
        except FileNotFoundError:  # removed by a commit meanwhile
            pass
    return size


def _term_counts(index_dir: Path, store: Store, write: bool) -> dict[str, int]:
    """The number of distinct terms of every view field, from the file of counts if
    it was written for these segments, else counted (and written there, with `write`)."""
    fields = [*BODY_FIELDS.values(), *TITLE_FIELDS.values()]
    segments = sorted(info.id for info in store.manifest.segments)
    try:
        saved = json.loads((index_dir / STATS_FILE).read_text(encoding="utf-8"))
        if saved["segments"] == segments:
            counts = {field: saved["terms"][field] for field in fields}
            if all(type(count) is int for count in counts.values()):
                return counts
    except (OSError, ValueError, KeyError, TypeError):
        pass
    counts = {field: store.distinct_terms(field) for field in fields}
    if not write:
        return counts
    # An index this user may not write is counted again next time.
    with contextlib.suppress(OSError):
        replace_json(index_dir / STATS_FILE, {"segments": segments, "terms": counts})
    return counts
