"""The index as Whoosh sees it: `whoosh.index.open_dir` opens it, and Whoosh's reader
finds the same documents, stored fields, terms and postings as the store.

Each commit writes Whoosh's table of contents beside the manifest: the schema (the
fields and how each view was made) and a `StoreSegment` for each segment, whose codec
reads the store's files for Whoosh (`StoreCodec`). The codec only reads: segments are
written and merged by the store alone. Only indexing imports this module; a query
never imports Whoosh.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from whoosh.analysis import Analyzer
from whoosh.analysis import Token as WhooshToken
from whoosh.codec import base
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.formats import Frequency
from whoosh.index import TOC
from whoosh.matching import ListMatcher
from whoosh.reading import TermInfo, TermNotFound
from whoosh.system import pack_uint

from searchkit.analysis import analyze
from searchkit.schema import BODY_FIELDS, ID_FIELDS, TITLE_FIELDS, VIEWS, view_tokens
from searchkit.store import format as fmt
from searchkit.store.segment import INDEX_NAME, SegmentInfo, SegmentReader


class ViewAnalyzer(Analyzer):
    """The Whoosh analyzer of one view, as the schema records it. It is pickled into
    Whoosh's table of contents, so it keeps nothing but the view's name; searchkit
    never calls it (documents are analyzed once, `schema.document_parts`), but it
    gives Whoosh's own tools the same terms for a text."""

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
    ) -> Iterator[WhooshToken]:
        token = WhooshToken(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for text, pos, start, end in view_tokens(analyze(value), self.view):
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


def build_schema() -> Schema:
    """The fields of a document as Whoosh knows them."""
    fields: dict[str, object] = {name: ID(stored=True) for name in ID_FIELDS}
    fields["path"] = ID(stored=True, unique=True)
    fields.update(title=STORED(), content=STORED(), signature=STORED())
    for view in VIEWS:
        fields[BODY_FIELDS[view]] = TEXT(analyzer=ViewAnalyzer(view), phrase=False)
        fields[TITLE_FIELDS[view]] = TEXT(analyzer=ViewAnalyzer(view), phrase=False)
    return Schema(**fields)


class StoreSegment(base.Segment):
    """A segment in Whoosh's table of contents: what the manifest says of it."""

    def __init__(self, indexname: str, info: dict[str, Any]) -> None:
        self.indexname = indexname
        self.segid = str(info["id"])
        self.compound = False
        self.info = info
        self._doccount = int(info["docs"])
        self._deleted = set(info["deleted"]) or None

    def codec(self, **kwargs: object) -> StoreCodec:
        return StoreCodec()

    def doc_count_all(self) -> int:
        return self._doccount

    def deleted_count(self) -> int:
        return len(self._deleted or ())

    def deleted_docs(self) -> Iterator[int]:
        return iter(sorted(self._deleted or ()))

    def is_deleted(self, docnum: int) -> bool:
        return bool(self._deleted) and docnum in self._deleted  # type: ignore[operator]

    def delete_document(self, docnum: int, delete: bool = True) -> None:
        raise NotImplementedError("searchkit's segments are changed by searchkit only")


class StoreCodec(base.Codec):
    """Reads a store segment's files for Whoosh."""

    def terms_reader(self, storage: FileStorage, segment: StoreSegment) -> _Terms:
        return _Terms(_reader(storage, segment))

    def per_document_reader(self, storage: FileStorage, segment: StoreSegment) -> _Documents:
        return _Documents(_reader(storage, segment), segment)

    def automata(self, storage: FileStorage, segment: StoreSegment) -> base.Automata:
        return base.Automata()

    def new_segment(self, storage: FileStorage, indexname: str) -> base.Segment:
        raise NotImplementedError("searchkit's segments are written by searchkit only")


def _reader(storage: FileStorage, segment: StoreSegment) -> SegmentReader:
    return SegmentReader(Path(storage.folder), SegmentInfo.from_json(segment.info))


class _Terms(base.TermsReader):
    def __init__(self, reader: SegmentReader) -> None:
        self._reader = reader
        self._fields = sorted(reader.info.fields)

    def _entry(self, fieldname: str, tbytes: bytes) -> fmt.TermEntry:
        entry = self._reader.entry(fieldname, tbytes) if fieldname in self._reader.info.fields else None
        if entry is None:
            raise TermNotFound(f"No term {fieldname}:{tbytes!r}")
        return entry

    def __contains__(self, term: tuple[str, bytes]) -> bool:
        fieldname, tbytes = term
        return fieldname in self._reader.info.fields and self._reader.entry(fieldname, tbytes) is not None

    def indexed_field_names(self) -> list[str]:
        return self._fields

    def _from(self, fieldname: str, prefix: bytes) -> Iterator[tuple[str, fmt.TermEntry]]:
        for name in self._fields:
            if name < fieldname:
                continue
            for entry in self._reader.entries(name):
                if name == fieldname and entry.term < prefix:
                    continue
                yield name, entry

    def terms(self) -> Iterator[tuple[str, bytes]]:
        return ((name, entry.term) for name, entry in self._from("", b""))

    def terms_from(self, fieldname: str, prefix: bytes) -> Iterator[tuple[str, bytes]]:
        return ((name, entry.term) for name, entry in self._from(fieldname, prefix))

    def items(self) -> Iterator[tuple[tuple[str, bytes], TermInfo]]:
        return (((name, e.term), self._info(name, e)) for name, e in self._from("", b""))

    def items_from(self, fieldname: str, prefix: bytes) -> Iterator[tuple[tuple[str, bytes], TermInfo]]:
        return (((name, e.term), self._info(name, e)) for name, e in self._from(fieldname, prefix))

    def _postings(self, fieldname: str, entry: fmt.TermEntry) -> tuple[list[int], list[int]]:
        docnums, frequencies = self._reader.postings(fieldname, entry)
        return docnums.tolist(), frequencies.tolist()

    def _info(self, fieldname: str, entry: fmt.TermEntry) -> TermInfo:
        docnums, frequencies = self._postings(fieldname, entry)
        lengths = self._reader.length_bytes(fieldname)
        doc_lengths = [fmt.LENGTHS[lengths[d]] for d in docnums] or [0]
        return TermInfo(
            float(entry.total),
            entry.doc_frequency,
            min(doc_lengths),
            max(doc_lengths),
            float(max(frequencies)),
            docnums[0],
            docnums[-1],
        )

    def term_info(self, fieldname: str, tbytes: bytes) -> TermInfo:
        return self._info(fieldname, self._entry(fieldname, tbytes))

    # Whoosh's reader asks these of every segment, and takes a KeyError for 0.

    def frequency(self, fieldname: str, tbytes: bytes) -> float:
        entry = self._reader.entry(fieldname, tbytes) if fieldname in self._reader.info.fields else None
        if entry is None:
            raise KeyError((fieldname, tbytes))
        return float(entry.total)

    def doc_frequency(self, fieldname: str, tbytes: bytes) -> int:
        entry = self._reader.entry(fieldname, tbytes) if fieldname in self._reader.info.fields else None
        if entry is None:
            raise KeyError((fieldname, tbytes))
        return entry.doc_frequency

    def matcher(self, fieldname: str, tbytes: bytes, format_: Any, scorer: Any = None) -> ListMatcher:
        entry = self._entry(fieldname, tbytes)
        docnums, frequencies = self._postings(fieldname, entry)
        return ListMatcher(
            docnums,
            [float(f) for f in frequencies],
            # A frequency field's postings carry the frequency as their value; an ID
            # field's carry nothing.
            [pack_uint(f) for f in frequencies] if isinstance(format_, Frequency) else [b""] * len(frequencies),
            format=format_,
            scorer=scorer,
            term=(fieldname, tbytes),
            terminfo=self._info(fieldname, entry),
        )

    def close(self) -> None:
        self._reader.close()


class _Documents(base.PerDocumentReader):
    def __init__(self, reader: SegmentReader, segment: StoreSegment) -> None:
        self._reader = reader
        self._segment = segment

    def doc_count(self) -> int:
        return self._segment.doc_count_all() - self._segment.deleted_count()

    def doc_count_all(self) -> int:
        return self._segment.doc_count_all()

    def has_deletions(self) -> bool:
        return bool(self._segment.deleted_count())

    def is_deleted(self, docnum: int) -> bool:
        return self._segment.is_deleted(docnum)

    def deleted_docs(self) -> Iterator[int]:
        return self._segment.deleted_docs()

    def stored_fields(self, docnum: int) -> dict[str, object]:
        return {**self._reader.meta(docnum), "content": self._reader.text(docnum)}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int | None:
        # As Whoosh's own reader: a field without a term in the segment has no lengths,
        # and a length of 0 is None.
        found = self._reader.info.fields.get(fieldname)
        if fieldname not in self._reader.info.length_fields or found is None or not found.terms:
            return default
        length_byte = self._reader.length_bytes(fieldname)[docnum]
        return fmt.LENGTHS[length_byte] if length_byte else None

    def field_length(self, fieldname: str) -> int:
        found = self._reader.info.fields.get(fieldname)
        return found.length if found is not None else 0

    def _lengths(self, fieldname: str) -> list[int]:
        return [fmt.LENGTHS[b] for b in self._reader.length_bytes(fieldname)] or [0]

    def min_field_length(self, fieldname: str) -> int:
        return min(self._lengths(fieldname))

    def max_field_length(self, fieldname: str) -> int:
        return max(self._lengths(fieldname))

    def supports_columns(self) -> bool:
        return False

    def has_vector(self, docnum: int, fieldname: str) -> bool:
        return False

    def close(self) -> None:
        self._reader.close()


def write_toc(index_dir: Path, manifest: Any) -> None:
    """Whoosh's table of contents for a commit the manifest describes."""
    segments = [StoreSegment(INDEX_NAME, info.to_json()) for info in manifest.segments]
    TOC(build_schema(), segments, manifest.generation).write(FileStorage(str(index_dir)), INDEX_NAME)
