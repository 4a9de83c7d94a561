"""One segment: written from analyzed documents, read back term by term.

`SegmentWriter` keeps every posting as three numbers in flat arrays (term, document,
frequency) while documents are added, and stored fields compressed a block at a time;
`finish` sorts the postings by term once (numpy) and writes the files `format`
describes. `SegmentReader` maps the files and answers in the store's terms: a term's
documents and frequencies, a field's lengths, a document's stored fields.
"""

from __future__ import annotations

import itertools
import mmap
import os
import re
import shutil
import tempfile
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from searchkit.store import format as fmt

if TYPE_CHECKING:
    import numpy as np

INDEX_NAME = "MAIN"  # Whoosh's default index name: its files are MAIN_<id>.<ext>
# Rough bytes of memory per distinct term and per posting held, for the budget.
_TERM_BYTES = 120
_POSTING_BYTES = 12
_DECODED_BLOCKS = 1024
# Blocks of terms of the segments merged read at a time by a merge (see `_merge_ranges`).
_MERGE_BLOCKS = 1024
# Bytes of a class's column kept in memory before it spools to a temporary file.
_SPOOL_MEMORY = 32 * 1024 * 1024
# The texts a segment's dictionary of texts is made of (see `format.make_dictionary`).
_DICTIONARY_TEXTS = 16

# A byte of a file name that is not UTF-8, as Python escapes it (surrogateescape).
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def new_segment_id() -> str:
    """A segment id as Whoosh makes them: 16 random lower-case letters and digits."""
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
    return "".join(alphabet[byte % len(alphabet)] for byte in os.urandom(16))


def file_name(segment_id: str, suffix: str) -> str:
    return f"{INDEX_NAME}_{segment_id}.{suffix}"


@dataclass
class FieldInfo:
    """What a segment holds of one field: its distinct terms, the sum of its lengths
    in all documents (text fields), where its block index is in the terms file, and
    where the regions of each class of posting lists start in the postings file
    (differences, frequencies)."""

    terms: int = 0
    length: int = 0
    index: tuple[int, int] = (0, 0)
    regions: dict[int, tuple[int, int]] = field(default_factory=dict)


@dataclass
class SegmentInfo:
    """A segment as the manifest records it."""

    id: str
    docs: int
    fields: dict[str, FieldInfo] = field(default_factory=dict)
    # The text fields whose lengths the lengths file holds, in order.
    length_fields: list[str] = field(default_factory=list)
    # Where the offset tables of the stored small fields and texts start, and end.
    meta_offsets: tuple[int, int] = (0, 0)
    text_offsets: tuple[int, int] = (0, 0)
    files: dict[str, int] = field(default_factory=dict)
    deleted: list[int] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "docs": self.docs,
            "fields": {
                name: [f.terms, f.length, *f.index, {str(code): list(at) for code, at in f.regions.items()}]
                for name, f in self.fields.items()
            },
            "length_fields": self.length_fields,
            "meta_offsets": list(self.meta_offsets),
            "text_offsets": list(self.text_offsets),
            "files": self.files,
            "deleted": self.deleted,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SegmentInfo:
        fields = {
            name: FieldInfo(
                int(terms),
                int(length),
                (int(at), int(size)),
                {int(code): (int(deltas), int(frequencies)) for code, (deltas, frequencies) in regions.items()},
            )
            for name, (terms, length, at, size, regions) in data["fields"].items()
        }
        return cls(
            str(data["id"]),
            int(data["docs"]),
            fields,
            [str(name) for name in data["length_fields"]],
            (int(data["meta_offsets"][0]), int(data["meta_offsets"][1])),
            (int(data["text_offsets"][0]), int(data["text_offsets"][1])),
            {str(name): int(size) for name, size in data["files"].items()},
            sorted(int(d) for d in data["deleted"]),
        )


class _Postings:
    """One field's postings while a segment is written: every posting is a number
    for its term, its document and its frequency. A term's number is the place of its
    first posting (numbers are unique, not consecutive): `setdefault` hands them out
    without a Python loop over the postings."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}
        self.terms = array("I")
        self.docnums = array("I")
        self.frequencies = array("I")

    def add(self, docnum: int, frequencies: dict[str, int]) -> None:
        self.terms.extend(map(self.numbers.setdefault, frequencies, itertools.count(len(self.terms))))
        self.docnums.extend(itertools.repeat(docnum, len(frequencies)))
        self.frequencies.extend(frequencies.values())


class _Blocks:
    """Stored values compressed a block at a time, in a stream of bytes; each block
    knows the number of its first document."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.offsets: list[int] = []
        self.firsts: list[int] = []
        self._pending: list[object] = []
        self.count = 0  # values added

    def add(self, value: object) -> None:
        self._pending.append(value)
        self.count += 1
        if len(self._pending) == fmt.DOCS_PER_BLOCK:
            self.flush()

    def add_block(self, data: bytes | memoryview, count: int) -> None:
        """A block another segment compressed, of `count` values, taken as it is."""
        self.flush()
        self.firsts.append(self.count)
        self.offsets.append(len(self.data))
        self.data += data
        self.count += count

    def flush(self) -> None:
        if self._pending:
            self.firsts.append(self.count - len(self._pending))
            self.offsets.append(len(self.data))
            self.data += fmt.encode_docs_block(self._pending)
            self._pending = []


class SegmentWriter:
    """Documents added one by one, written as one new segment in `directory`.

    Nothing is visible to a reader until the segment is committed (see `store.index`).
    `text_fields` are indexed and have lengths; `id_fields` hold one term per
    document (its path, its source, its date); the field `content` of the stored
    values is kept apart from the others."""

    def __init__(self, directory: Path, text_fields: Sequence[str], id_fields: Sequence[str]) -> None:
        self.directory = directory
        self.id = new_segment_id()
        self._text_fields = sorted(text_fields)
        self._id_fields = sorted(id_fields)
        self._postings = {name: _Postings() for name in (*self._text_fields, *self._id_fields)}
        self._lengths = {name: array("B") for name in self._text_fields}
        self._totals = dict.fromkeys(self._text_fields, 0)
        self._meta = _Blocks()
        self._texts = _Texts()
        # For a merged segment: the segments merged, and the new number of each of their
        # documents (-1 for those deleted).
        self._sources: list[tuple[SegmentReader, Any]] = []
        self.doc_count = 0
        self._closed = False

    @property
    def memory(self) -> int:
        """An estimate of the bytes the postings held so far take."""
        terms = sum(len(p.numbers) for p in self._postings.values())
        postings = sum(len(p.terms) for p in self._postings.values())
        return terms * _TERM_BYTES + postings * _POSTING_BYTES + len(self._texts.data) + len(self._meta.data)

    def add(self, stored: dict[str, object], ids: dict[str, str], indexed: dict[str, list[str]]) -> int:
        """Add one document: its stored values, its ID fields (one term each) and the
        terms of its text fields. Returns its number in the segment."""
        docnum = self.doc_count
        for name, value in ids.items():
            self._postings[name].add(docnum, {value: 1})
        for name in self._text_fields:
            terms = indexed.get(name, ())
            if terms:
                self._postings[name].add(docnum, Counter(terms))
            self._lengths[name].append(fmt.length_to_byte(len(terms)))
            self._totals[name] += len(terms)
        # As Whoosh stores them: a field without a value is left out.
        self._meta.add({k: v for k, v in stored.items() if k != "content" and v is not None})
        self._texts.add(stored.get("content", ""))
        self.doc_count += 1
        return docnum

    def merge(self, readers: Sequence[SegmentReader]) -> None:
        """Add the live documents of other segments, in order, with their postings (for
        one segment made of several; their deleted documents are left out). Their
        stored fields' blocks are copied as they are where nothing in them was deleted,
        and their texts each with its dictionary; their posting lists are read when the
        segment is written, a range of terms at a time (`SegmentReader.field_postings`):
        the readers stay open until then."""
        import numpy as np

        if self.doc_count:
            raise ValueError("a segment is merged into a new writer")
        renumbering = []
        for reader in readers:
            deleted = np.zeros(reader.doc_count, dtype=bool)
            deleted[np.array(reader.info.deleted, dtype=np.int64)] = True
            renumbered = np.full(reader.doc_count, -1, dtype=np.int64)
            renumbered[~deleted] = np.arange(self.doc_count, self.doc_count + int((~deleted).sum()))
            renumbering.append(renumbered)
            for name in self._text_fields:
                lengths = np.frombuffer(reader.length_bytes(name), dtype=np.uint8)
                self._lengths[name].frombytes(lengths[~deleted].tobytes())
                total = reader.info.fields[name].length if name in reader.info.fields else 0
                self._totals[name] += total - int(np.array(fmt.LENGTHS)[lengths[deleted]].sum())
            for first, count, data in reader.blocks():
                if not deleted[first : first + count].any():
                    self._meta.add_block(data, count)
                    continue
                values = fmt.decode_docs_block(data)
                for offset, value in enumerate(values):
                    if not deleted[first + offset]:
                        self._meta.add(value)
            for local, (data, dictionary) in enumerate(reader.compressed_texts()):
                if not deleted[local]:
                    self._texts.add_compressed(data, dictionary)
            self.doc_count += int((~deleted).sum())
        self._sources = list(zip(readers, renumbering, strict=True))

    def finish(self) -> SegmentInfo:
        """Write the segment's files and return what the manifest records of it."""
        import numpy as np

        info = SegmentInfo(self.id, self.doc_count, length_fields=list(self._text_fields))
        with self._create("terms") as terms_file, self._create("postings") as postings_file:
            for name in sorted(self._postings):
                postings = self._postings.pop(name)
                writer = _FieldWriter(np)
                if self._sources:
                    for low, high in _merge_ranges(self._sources, name):
                        writer.add(*_merged_postings(np, self._sources, name, low, high))
                else:
                    writer.add(*_added_postings(np, postings))
                del postings
                field_info = writer.finish(terms_file, postings_file)
                field_info.length = self._totals.get(name, 0)
                info.fields[name] = field_info
        with self._create("lengths") as lengths_file:
            for name in self._text_fields:
                lengths_file.write(self._lengths[name].tobytes())
        with self._create("docs") as docs_file:
            info.meta_offsets = _write_blocks(docs_file, self._meta)
            info.text_offsets = _write_texts(docs_file, self._texts)
        info.files = {
            file_name(self.id, suffix): (self.directory / file_name(self.id, suffix)).stat().st_size
            for suffix in fmt.SUFFIXES
        }
        self._closed = True
        return info

    def _create(self, suffix: str):
        return open(self.directory / file_name(self.id, suffix), "wb")

    def cancel(self) -> None:
        """Drop what was added, and any file written so far."""
        self._postings.clear()
        self._closed = True
        for suffix in fmt.SUFFIXES:
            (self.directory / file_name(self.id, suffix)).unlink(missing_ok=True)


class _Texts:
    """Each document's text compressed alone (`format.encode_text`), in a stream of
    bytes, against a dictionary made of the first texts (or, in a merged segment, the
    dictionaries of the segments merged, each from its first document)."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.offsets: list[int] = []
        self.firsts: list[int] = []
        self.dictionaries: list[bytes] = []
        self._waiting: list[str] = []
        self.count = 0  # texts compressed

    def add(self, text: str) -> None:
        if self.dictionaries:
            self._append(fmt.encode_text(text, self.dictionaries[-1]))
            return
        self._waiting.append(text)
        if len(self._waiting) == _DICTIONARY_TEXTS:
            self.flush()

    def add_compressed(self, data: bytes | memoryview, dictionary: bytes) -> None:
        """A text another segment compressed against `dictionary`, taken as it is."""
        self.flush()
        if not self.dictionaries or self.dictionaries[-1] is not dictionary:
            self.firsts.append(self.count)
            self.dictionaries.append(dictionary)
        self._append(data)

    def flush(self) -> None:
        if self._waiting:
            waiting, self._waiting = self._waiting, []
            self.firsts.append(self.count)
            self.dictionaries.append(fmt.make_dictionary(waiting))
            for text in waiting:
                self._append(fmt.encode_text(text, self.dictionaries[-1]))

    def _append(self, data: bytes | memoryview) -> None:
        self.offsets.append(len(self.data))
        self.data += data
        self.count += 1


def _write_blocks(out: Any, blocks: _Blocks) -> tuple[int, int]:
    """Append a stream of compressed blocks and its tables (where each block starts,
    with the end of the last; the number of each block's first document) to the docs
    file; returns where the tables start and end."""
    blocks.flush()
    return _write_stream(out, blocks.data, blocks.offsets, fmt.encode_offsets(blocks.firsts))


def _write_texts(out: Any, texts: _Texts) -> tuple[int, int]:
    """The same for the texts, each compressed alone, with their dictionaries."""
    texts.flush()
    return _write_stream(out, texts.data, texts.offsets, fmt.encode_dictionaries(texts.firsts, texts.dictionaries))


def _write_stream(out: Any, data: bytearray, offsets: list[int], table: bytes) -> tuple[int, int]:
    """Append a stream's bytes, then where each of its parts starts (with the end of
    the last) and `table`; returns where those tables start and end."""
    base = out.tell()
    out.write(data)
    tables = fmt.encode_offsets([base + offset for offset in offsets] + [base + len(data)]) + table
    start = out.tell()
    out.write(tables)
    return start, start + len(tables)


def _added_postings(np: Any, postings: _Postings) -> tuple[list[bytes], Any, Any, Any]:
    """A field's postings as added document by document: its terms in order (as
    UTF-8), and each posting's term (its place in that order), document and frequency."""
    texts = sorted(postings.numbers)  # code point order: the order of their UTF-8 bytes
    if _ESCAPED_BYTE.search("".join(texts)):
        # A path whose name is not UTF-8 holds its bytes as escaped surrogates, which
        # sort among code points elsewhere than their bytes do.
        texts.sort(key=lambda t: t.encode("utf-8", "surrogateescape"))
    if not texts:
        return [], *(np.zeros(0, dtype=np.int64) for _ in range(3))
    # 32-bit numbers throughout: a segment's transient arrays are most of a worker's peak.
    numbers = np.frombuffer(postings.terms, dtype=np.uint32)
    rank = np.zeros(len(postings.terms), dtype=np.int32)
    rank[np.array(list(map(postings.numbers.__getitem__, texts)), dtype=np.int64)] = np.arange(
        len(texts), dtype=np.int32
    )
    docnums = np.frombuffer(postings.docnums, dtype=np.int32)
    frequencies = np.frombuffer(postings.frequencies, dtype=np.int32)
    return [t.encode("utf-8", "surrogateescape") for t in texts], rank[numbers], docnums, frequencies


def _merge_ranges(sources: list[tuple[SegmentReader, Any]], field: str) -> Iterator[tuple[bytes | None, bytes | None]]:
    """Ranges of a field's terms that together cover them all, each holding about
    `_MERGE_BLOCKS` blocks of terms of the segments merged: a merge reads and writes
    a range at a time, so that its memory does not grow with the segments'."""
    firsts = sorted({term for reader, _ in sources for term in reader.block_firsts(field)})
    cuts = firsts[_MERGE_BLOCKS::_MERGE_BLOCKS]
    return zip([None, *cuts], [*cuts, None], strict=True)


def _merged_postings(
    np: Any, sources: list[tuple[SegmentReader, Any]], field: str, low: bytes | None, high: bytes | None
) -> tuple[list[bytes], Any, Any, Any]:
    """The postings of a field's terms from `low` up to `high` in the segments merged,
    their documents renumbered (deleted ones left out): as `_added_postings` gives them."""
    numbers: dict[bytes, int] = {}
    # One counter for every segment: a number it hands out is never handed out again.
    counter = itertools.count()
    ranks, docnums, frequencies = [], [], []
    for reader, renumbered in sources:
        terms, term_of, segment_docnums, segment_frequencies = reader.field_postings(field, low, high)
        ids = np.fromiter(map(numbers.setdefault, terms, counter), np.int64, len(terms))
        renamed = renumbered[segment_docnums] if len(segment_docnums) else segment_docnums
        kept = renamed >= 0
        ranks.append(ids[term_of[kept]])
        docnums.append(renamed[kept])
        frequencies.append(segment_frequencies[kept])
    terms = sorted(numbers)
    if not terms:
        return [], *(np.zeros(0, dtype=np.int64) for _ in range(3))
    rank_of = np.zeros(max(numbers.values()) + 1, dtype=np.int64)
    rank_of[np.array(list(map(numbers.__getitem__, terms)), dtype=np.int64)] = np.arange(len(terms))
    # A term no live document has any more is left out.
    all_ranks = rank_of[np.concatenate(ranks)]
    present = np.unique(all_ranks)
    if len(present) < len(terms):
        kept_rank = np.full(len(terms), -1, dtype=np.int64)
        kept_rank[present] = np.arange(len(present))
        all_ranks = kept_rank[all_ranks]
        terms = [terms[i] for i in present.tolist()]
    return terms, all_ranks, np.concatenate(docnums), np.concatenate(frequencies)


class _FieldWriter:
    """One field's terms and posting lists, written from chunks of postings in the order
    of their terms (a whole field at once, or a range of terms after another when
    segments are merged, so that a merge holds one range's postings at a time).

    A class of lists is one region of the postings file, so each class's columns are
    spooled apart until the field is done; the terms' columns (a few numbers each) are
    kept, and their blocks written at the end, once the regions' places are known."""

    def __init__(self, np: Any) -> None:
        self._np = np
        self._terms: list[bytes] = []
        self._columns: list[tuple[Any, Any, Any, Any]] = []  # counts, totals, wheres, codes
        self._spools: dict[int, tuple[Any, Any]] = {}  # class -> (differences, frequencies)

    def add(self, terms: list[bytes], ranks: Any, docnums: Any, frequencies: Any) -> None:
        """Postings of `terms` (in order, after those added before): each posting's term
        (its rank among `terms`), document and frequency; a term's documents in order."""
        np = self._np
        if not terms:
            return
        order = np.argsort(ranks, kind="stable")
        docnums, frequencies = docnums[order], frequencies[order]
        counts = np.bincount(ranks, minlength=len(terms))
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        totals = np.add.reduceat(frequencies, starts, dtype=np.int64)
        deltas = np.diff(docnums, prepend=0)
        deltas[starts] = docnums[starts]
        wheres = np.where(counts == 1, docnums[starts], 0).astype(np.int64)
        codes = np.zeros(len(terms), dtype=np.uint8)
        several = counts > 1
        if several.any():
            self._spool(deltas, frequencies, counts, starts, several, wheres, codes)
        self._terms.extend(terms)
        self._columns.append((counts, totals, wheres, codes))

    def _spool(
        self, deltas: Any, frequencies: Any, counts: Any, starts: Any, several: Any, wheres: Any, codes: Any
    ) -> None:
        """Spool the lists of terms of several documents, a class of widths at a time,
        and set each term's class and where its list starts in its class's region."""
        np = self._np
        largest_delta = np.maximum.reduceat(deltas, starts)
        largest_frequency = np.maximum.reduceat(frequencies, starts)
        delta_codes = (largest_delta >= 1 << 8).astype(np.uint8) + (largest_delta >= 1 << 16)
        frequency_codes = (largest_frequency >= 1 << 8).astype(np.uint8) + (largest_frequency >= 1 << 16)
        term_codes = delta_codes | frequency_codes << 4
        owner = np.repeat(np.arange(len(counts)), counts)  # the term of each posting
        for code in np.unique(term_codes[several]).tolist():
            delta_width, frequency_width = fmt.widths_of(code)
            members = several & (term_codes == code)
            chosen = members[owner]
            if code not in self._spools:
                # Closed by `finish` once copied (or when dropped): they outlive this call.
                self._spools[code] = (_spool_file(), _spool_file())
            delta_spool, frequency_spool = self._spools[code]
            base = delta_spool.tell()
            delta_spool.write(deltas[chosen].astype(f"<u{delta_width}").tobytes())
            frequency_spool.write(frequencies[chosen].astype(f"<u{frequency_width}").tobytes())
            member_counts = counts[members]
            wheres[members] = base + (np.cumsum(member_counts) - member_counts) * delta_width
            codes[members] = code

    def finish(self, terms_file: Any, postings_file: Any) -> FieldInfo:
        """Write the field's regions and terms; returns what the manifest records of it."""
        np = self._np
        info = FieldInfo(terms=len(self._terms))
        bases = np.zeros(256, dtype=np.int64)
        for code in sorted(self._spools):
            deltas, frequencies = self._spools.pop(code)
            bases[code] = postings_file.tell()
            _copy(deltas, postings_file)
            info.regions[code] = (int(bases[code]), postings_file.tell())
            _copy(frequencies, postings_file)
        first_terms: list[bytes] = []
        offsets: list[int] = []
        if self._terms:
            counts, totals, wheres, codes = (np.concatenate(c) for c in zip(*self._columns, strict=True))
            self._columns = []
            several = counts > 1
            wheres[several] += bases[codes[several]]
            if wheres.max(initial=0) >= 1 << 32:
                raise ValueError("a segment's postings file cannot pass 4 GB")
            columns = [c.astype("<u4").tobytes() for c in (counts, totals, wheres)]
            terms = self._terms
            for start in range(0, len(terms), fmt.BLOCK_TERMS):
                end = min(start + fmt.BLOCK_TERMS, len(terms))
                first_terms.append(terms[start])
                offsets.append(terms_file.tell())
                block_columns = (column[4 * start : 4 * end] for column in columns)
                terms_file.write(fmt.encode_block(terms[start:end], *block_columns, codes[start:end].tobytes()))
        offsets.append(terms_file.tell())
        index = fmt.encode_block_index(first_terms, offsets)
        info.index = (terms_file.tell(), len(index))
        terms_file.write(index)
        return info


def _spool_file() -> Any:
    """A file for one class's column: in memory while small (a worker's segment)."""
    return tempfile.SpooledTemporaryFile(max_size=_SPOOL_MEMORY)


def _copy(spool: Any, out: Any) -> None:
    spool.seek(0)
    shutil.copyfileobj(spool, out, 1 << 20)
    spool.close()


# ---- reading ---------------------------------------------------------------------------------------


def _map(path: Path) -> mmap.mmap | bytes:
    """The file's bytes, mapped (an empty file cannot be: its empty bytes)."""
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if not size:
            return b""
        return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)


class SegmentReader:
    """A committed segment's files, mapped, answering by term and by document."""

    def __init__(self, directory: Path, info: SegmentInfo) -> None:
        self.info = info
        self.doc_count = info.docs
        self._files = {suffix: _map(directory / file_name(info.id, suffix)) for suffix in fmt.SUFFIXES}
        self._indexes: dict[str, tuple[Sequence[bytes], array]] = {}
        self._block = lru_cache(maxsize=_DECODED_BLOCKS)(self._decode_block)
        self._meta_block = lru_cache(maxsize=128)(self._decode_meta_block)
        self._meta_tables: tuple[array, array] | None = None
        self._texts_tables: tuple[array, array, list[bytes]] | None = None

    def close(self) -> None:
        for data in self._files.values():
            if isinstance(data, mmap.mmap):
                data.close()

    # -- terms

    def _index(self, field: str) -> tuple[Sequence[bytes], array]:
        found = self._indexes.get(field)
        if found is None:
            where = self.info.fields.get(field)
            if where is None:
                found = (fmt.FirstTerms(b"", array("I", [0])), array("I", [0]))
            else:
                at, size = where.index
                found = fmt.decode_block_index(memoryview(self._files["terms"])[at : at + size])
            self._indexes[field] = found
        return found

    def _decode_block(self, field: str, number: int) -> tuple[list[bytes], array, array, array, bytes]:
        _first, offsets = self._index(field)
        return fmt.decode_block(memoryview(self._files["terms"])[offsets[number] : offsets[number + 1]])

    def entry(self, field: str, term: bytes) -> fmt.TermEntry | None:
        """What the terms file says of `term` in `field`, or None."""
        first_terms, _offsets = self._index(field)
        number = bisect_right(first_terms, term) - 1
        if number < 0:
            return None
        terms, frequencies, totals, wheres, codes = self._block(field, number)
        at = bisect_right(terms, term) - 1
        if at < 0 or terms[at] != term:
            return None
        return fmt.TermEntry(term, frequencies[at], totals[at], wheres[at], codes[at])

    def entries(self, field: str) -> Iterator[fmt.TermEntry]:
        """Every term of `field`, in order."""
        first_terms, _offsets = self._index(field)
        for number in range(len(first_terms)):
            terms, frequencies, totals, wheres, codes = self._block(field, number)
            for i, term in enumerate(terms):
                yield fmt.TermEntry(term, frequencies[i], totals[i], wheres[i], codes[i])

    def postings(self, field: str, entry: fmt.TermEntry) -> tuple[np.ndarray, np.ndarray]:
        """The documents (in order) and frequencies of a term, as numpy arrays."""
        import numpy as np

        if entry.doc_frequency == 1:
            return np.array([entry.where], dtype=np.int64), np.array([entry.total], dtype=np.int64)
        data = self._files["postings"]
        count, code = entry.doc_frequency, entry.code
        delta_width, frequency_width = fmt.widths_of(code)
        deltas = np.frombuffer(data, dtype=f"<u{delta_width}", count=count, offset=entry.where)
        at = fmt.frequencies_at(entry.where, code, self.info.fields[field].regions)
        frequencies = np.frombuffer(data, dtype=f"<u{frequency_width}", count=count, offset=at)
        return np.cumsum(deltas, dtype=np.int64), frequencies.astype(np.int64)

    # -- lengths

    def length_bytes(self, field: str) -> bytes:
        """Each document's length byte in the text field `field` (zeros for a field the
        segment does not have)."""
        if field not in self.info.length_fields:
            return bytes(self.doc_count)
        at = self.info.length_fields.index(field) * self.doc_count
        return bytes(memoryview(self._files["lengths"])[at : at + self.doc_count])

    # -- posting lists of a whole field

    def field_postings(
        self, field: str, low: bytes | None = None, high: bytes | None = None
    ) -> tuple[list[bytes], np.ndarray, np.ndarray, np.ndarray]:
        """Every posting of a field, or of its terms from `low` up to (not including)
        `high`, for a merge: those terms in order, and for each posting its term (place
        in that order), document and frequency, the documents of a term in order. A
        class of lists is one region of the postings file in the order of the terms,
        so the lists of a range of terms are read by numpy at once."""
        import numpy as np

        first_terms, _offsets = self._index(field)
        first = 0 if low is None else max(0, bisect_right(first_terms, low) - 1)
        last = len(first_terms) if high is None else bisect_left(first_terms, high)
        terms: list[bytes] = []
        columns: list[tuple[array, array, array, bytes]] = []
        for number in range(first, last):
            block_terms, frequencies, totals, wheres, codes = self._block(field, number)
            terms.extend(block_terms)
            columns.append((frequencies, totals, wheres, codes))
        empty = np.zeros(0, dtype=np.int64)
        if not terms:
            return [], empty, empty, empty
        counts = np.concatenate([np.frombuffer(c[0], dtype=np.uint32) for c in columns]).astype(np.int64)
        totals = np.concatenate([np.frombuffer(c[1], dtype=np.uint32) for c in columns]).astype(np.int64)
        wheres = np.concatenate([np.frombuffer(c[2], dtype=np.uint32) for c in columns]).astype(np.int64)
        codes = np.frombuffer(b"".join(c[3] for c in columns), dtype=np.uint8)
        # The first and last blocks may hold terms outside the range.
        start = 0 if low is None else bisect_left(terms, low)
        end = len(terms) if high is None else bisect_left(terms, high)
        if start or end < len(terms):
            terms = terms[start:end]
            counts, totals, wheres, codes = counts[start:end], totals[start:end], wheres[start:end], codes[start:end]
            if not terms:
                return [], empty, empty, empty
        term_of, docnums, frequencies = [], [], []
        singles = np.flatnonzero(counts == 1)
        term_of.append(singles)
        docnums.append(wheres[singles])
        frequencies.append(totals[singles])
        data = self._files["postings"]
        for code in self.info.fields[field].regions:
            members = np.flatnonzero((counts > 1) & (codes == code))
            if not len(members):
                continue
            member_counts = counts[members]
            total = int(member_counts.sum())
            deltas_at = int(wheres[members[0]])
            delta_width, frequency_width = fmt.widths_of(code)
            deltas = np.frombuffer(data, dtype=f"<u{delta_width}", count=total, offset=deltas_at).astype(np.int64)
            running = np.cumsum(deltas)
            starts = np.cumsum(member_counts) - member_counts
            # Each list's differences count from 0: take away what came before it.
            docnums.append(running - np.repeat(running[starts] - deltas[starts], member_counts))
            at = fmt.frequencies_at(deltas_at, code, self.info.fields[field].regions)
            column = np.frombuffer(data, dtype=f"<u{frequency_width}", count=total, offset=at)
            frequencies.append(column.astype(np.int64))
            term_of.append(np.repeat(members, member_counts))
        owners = np.concatenate(term_of)
        order = np.argsort(owners, kind="stable")
        return terms, owners[order], np.concatenate(docnums)[order], np.concatenate(frequencies)[order]

    def block_firsts(self, field: str) -> list[bytes]:
        """The first term of each block of a field's terms: where a merge may cut."""
        return list(self._index(field)[0])

    # -- stored fields

    def _tables(self) -> tuple[array, array]:
        """Where each block of the small stored fields starts, and its first document."""
        if self._meta_tables is None:
            start, end = self.info.meta_offsets
            docs = memoryview(self._files["docs"])
            offsets = fmt.decode_offsets(docs[start:end])
            firsts = fmt.decode_offsets(docs[start + 4 + 4 * len(offsets) : end])
            self._meta_tables = (offsets, firsts)
        return self._meta_tables

    def blocks(self) -> Iterator[tuple[int, int, memoryview]]:
        """Each block of the small stored fields: its first document, how many it
        holds, its bytes."""
        offsets, firsts = self._tables()
        docs = memoryview(self._files["docs"])
        for i, first in enumerate(firsts):
            count = (firsts[i + 1] if i + 1 < len(firsts) else self.doc_count) - first
            yield first, count, docs[offsets[i] : offsets[i + 1]]

    def _decode_meta_block(self, block: int) -> list[object]:
        offsets, _firsts = self._tables()
        return fmt.decode_docs_block(memoryview(self._files["docs"])[offsets[block] : offsets[block + 1]])

    def _text_tables(self) -> tuple[array, array, list[bytes]]:
        """Where each document's text starts (and the last ends), and the dictionaries
        with the first document of each."""
        if self._texts_tables is None:
            start, end = self.info.text_offsets
            docs = memoryview(self._files["docs"])
            offsets = fmt.decode_offsets(docs[start:end])
            firsts, dictionaries = fmt.decode_dictionaries(docs[start + 4 + 4 * len(offsets) : end])
            if len(offsets) != self.doc_count + 1:
                raise ValueError("a segment's table of texts does not have every document")
            self._texts_tables = (offsets, firsts, dictionaries)
        return self._texts_tables

    def compressed_texts(self) -> Iterator[tuple[memoryview, bytes]]:
        """Each document's text as compressed, with its dictionary, for a merge."""
        offsets, firsts, dictionaries = self._text_tables()
        docs = memoryview(self._files["docs"])
        for number, dictionary in enumerate(dictionaries):
            end = firsts[number + 1] if number + 1 < len(firsts) else self.doc_count
            for docnum in range(firsts[number], end):
                yield docs[offsets[docnum] : offsets[docnum + 1]], dictionary

    def meta(self, docnum: int) -> dict[str, object]:
        """The stored values of a document, but its text."""
        _offsets, firsts = self._tables()
        block = bisect_right(firsts, docnum) - 1
        value = self._meta_block(block)[docnum - firsts[block]]
        if not isinstance(value, dict):
            raise ValueError("a document's stored fields are not a mapping")
        return value

    def text(self, docnum: int) -> str:
        """The stored text of a document."""
        offsets, firsts, dictionaries = self._text_tables()
        data = memoryview(self._files["docs"])[offsets[docnum] : offsets[docnum + 1]]
        return fmt.decode_text(data, dictionaries[bisect_right(firsts, docnum) - 1])
