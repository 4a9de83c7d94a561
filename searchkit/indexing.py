"""The index: its schema, opening it, and writing documents into it.

Each text is indexed in five views (pyvi words, syllables, folded syllables, and the
pairs of adjacent syllables, as written and folded), for the body and again for the
title. The text is analyzed once per document, and the pre-computed tokens are handed
to Whoosh through `ViewAnalyzer`.
"""

from __future__ import annotations

import gc
import itertools
import json
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.analysis import Analyzer
from whoosh.analysis import Token as WhooshToken
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.index import Index, LockError
from whoosh.writing import CLEAR

from searchkit.analysis import Analysis, Token, analyze
from searchkit.documents import Document, Unindexable, discover, read_document
from searchkit.errors import IndexCorrupt, IndexLocked, IndexNotFound

# Bumped whenever the schema or the analysis changes what is in the index.
INDEX_FORMAT = 4
_META_FILE = "searchkit.json"
_INDEX_NAME = "MAIN"  # Whoosh's default index name: files _MAIN_<gen>.toc and MAIN_<id>.seg

VIEWS = ("words", "syllables", "folded", "bigrams", "folded_bigrams")
# Views whose positions are kept, for quoted phrases.
POSITIONAL_VIEWS = ("syllables", "folded")
BODY_FIELDS = {view: f"body_{view}" for view in VIEWS}
TITLE_FIELDS = {view: f"title_{view}" for view in VIEWS}


class Analyzed(str):
    """A field value that carries its tokens already computed, so the text is
    analyzed once for all its views instead of once per field."""

    tokens: list[Token]

    def __new__(cls, tokens: list[Token]) -> Analyzed:
        value = super().__new__(cls, "")
        value.tokens = tokens
        return value


class ViewAnalyzer(Analyzer):
    """The Whoosh analyzer of one view. It is pickled into the index's schema, so it
    keeps nothing but the view's name; pyvi's model is loaded only when a plain string
    has to be analyzed."""

    def __init__(self, view: str) -> None:
        if view not in VIEWS:
            raise ValueError(f"unknown view {view!r}")
        self.view = view

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ViewAnalyzer) and other.view == self.view

    def __hash__(self) -> int:
        return hash(self.view)

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        mode: str = "",
        **kwargs: object,
    ):
        tokens = value.tokens if isinstance(value, Analyzed) else view_tokens(analyze(value), self.view)
        token = WhooshToken(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for text, pos, start, end in tokens:
            token.text = text
            token.stopped = False
            token.boost = 1.0
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token


def adjacent_pairs(syllables: list[Token]) -> list[Token]:
    """Each two syllables that stand next to each other ("công an"), never across
    punctuation or a line end. Matching a pair is how a query's words count more where
    they stand together, without reading positions at query time."""
    return [
        Token(f"{a.text} {b.text}", a.pos, a.start, b.end)
        for a, b in itertools.pairwise(syllables)
        if b.pos == a.pos + 1
    ]


def view_tokens(analysis: Analysis, view: str) -> list[Token]:
    """The tokens of one view of an analyzed text."""
    if view == "bigrams":
        return adjacent_pairs(analysis.syllables)
    if view == "folded_bigrams":
        return adjacent_pairs(analysis.folded)
    return getattr(analysis, view)


def build_schema() -> Schema:
    fields: dict[str, object] = {
        "path": ID(stored=True, unique=True),
        "title": STORED(),
        "content": STORED(),
    }
    for view in VIEWS:
        phrase = view in POSITIONAL_VIEWS
        fields[BODY_FIELDS[view]] = TEXT(analyzer=ViewAnalyzer(view), phrase=phrase)
        fields[TITLE_FIELDS[view]] = TEXT(analyzer=ViewAnalyzer(view), phrase=phrase)
    return Schema(**fields)


def document_fields(doc: Document) -> dict[str, object]:
    """The values `add_document` takes for one document."""
    fields: dict[str, object] = {"path": doc.path, "title": doc.title, "content": doc.text}
    body = analyze(doc.text)
    title = analyze(doc.title) if doc.title else Analysis([], [], [])
    for view in VIEWS:
        fields[BODY_FIELDS[view]] = Analyzed(view_tokens(body, view))
        fields[TITLE_FIELDS[view]] = Analyzed(view_tokens(title, view))
    return fields


def _write_meta(index_dir: Path) -> None:
    (index_dir / _META_FILE).write_text(json.dumps({"format": INDEX_FORMAT}) + "\n", encoding="utf-8")


def _index_exists(index_dir: Path) -> bool:
    """Whether `index_dir` holds a Whoosh index (sound or not): it has a table of contents."""
    return index_dir.is_dir() and any(index_dir.glob(f"_{_INDEX_NAME}_*.toc"))


def open_index(index_dir: Path) -> Index:
    """Open an existing searchkit index, or raise a typed error saying what is wrong."""
    if not _index_exists(index_dir):
        raise IndexNotFound(f"no index at {index_dir}; build one with: searchkit index DIR --index {index_dir}")
    rebuild = f"rebuild it with: searchkit index DIR --index {index_dir} --rebuild"
    try:
        meta = json.loads((index_dir / _META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise IndexCorrupt(f"{index_dir} is not a searchkit index (or its metadata is damaged); {rebuild}") from None
    if not isinstance(meta, dict) or meta.get("format") != INDEX_FORMAT:
        raise IndexCorrupt(f"the index at {index_dir} was built by another version of searchkit; {rebuild}")
    failure = None
    # Whoosh leaves the file it failed to read open: close it here, quietly, rather
    # than have a ResourceWarning surface at some later, unrelated moment.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            ix = whoosh_index.open_dir(str(index_dir), indexname=_INDEX_NAME)
            # Reading the segment list and the doc count touches every segment file.
            ix.doc_count()
        except Exception as exc:  # Whoosh raises many kinds of errors on damaged files.
            failure = exc.__class__.__name__
        if failure is not None:
            gc.collect()
    if failure is not None:
        raise IndexCorrupt(f"the index at {index_dir} is damaged ({failure}); {rebuild}")
    return ix


def _is_empty_folder(path: Path) -> bool:
    """A folder with nothing in it but hidden files (such as a .gitignore)."""
    return path.is_dir() and all(entry.name.startswith(".") for entry in path.iterdir())


def _create(index_dir: Path) -> Index:
    """A new, empty index in `index_dir`, replacing the files of any index there."""
    index_dir.mkdir(parents=True, exist_ok=True)
    for entry in index_dir.iterdir():
        if entry.is_file() and (entry.name.startswith((_INDEX_NAME, f"_{_INDEX_NAME}_")) or entry.name == _META_FILE):
            entry.unlink()
    ix = whoosh_index.create_in(str(index_dir), build_schema(), indexname=_INDEX_NAME)
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
    """What an indexing run did."""

    indexed: int = 0
    skipped: list[Unindexable] = field(default_factory=list)
    total_documents: int = 0
    seconds: float = 0.0

    @property
    def errors(self) -> list[Unindexable]:
        return [s for s in self.skipped if s.is_error]


ProgressCallback = Callable[[int, int, str], None]


def index_sources(
    sources: Iterable[Path],
    index_dir: Path,
    *,
    rebuild: bool = False,
    progress: ProgressCallback | None = None,
) -> IndexReport:
    """Index the .txt and .md files at or below each source into `index_dir`.

    A document is replaced when its file is indexed again. Nothing is visible to
    searches until the run commits at the end; if it is interrupted or fails, the
    index keeps exactly what it had before.
    """
    files = [path for source in sources for path in discover(source)]
    report = IndexReport()

    def documents() -> Iterator[Document]:
        for done, path in enumerate(files, 1):
            try:
                yield read_document(path)
            except Unindexable as skip:
                report.skipped.append(skip)
            if progress is not None:
                progress(done, len(files), str(path))

    return index_documents(documents(), index_dir, rebuild=rebuild, report=report)


def index_documents(
    documents: Iterable[Document],
    index_dir: Path,
    *,
    rebuild: bool = False,
    report: IndexReport | None = None,
) -> IndexReport:
    """Index documents that are not files (or not plain text files): the library's
    way in for text from elsewhere. A document replaces any with the same `path`;
    everything is committed at once at the end."""
    started = time.perf_counter()
    report = report if report is not None else IndexReport()
    ix = _open_or_create(index_dir, rebuild=rebuild)
    try:
        writer = ix.writer(timeout=5.0)
    except LockError:
        raise IndexLocked(f"another searchkit process is writing to {index_dir}; try again when it is done") from None
    try:
        for doc in documents:
            writer.update_document(**document_fields(doc))
            report.indexed += 1
        # With --rebuild the old segments are dropped in the same commit that adds the
        # new ones, so an interrupted rebuild still leaves the old index whole.
        writer.commit(mergetype=CLEAR if rebuild else None)
    except BaseException:
        writer.cancel()
        raise
    report.total_documents = ix.doc_count()
    report.seconds = time.perf_counter() - started
    return report
