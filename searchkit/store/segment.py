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
import secrets
from array import array
from bisect import bisect_right
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
_DECODED_BLOCKS = 4096


def new_segment_id() -> str:
    """A segment id as Whoosh makes them: 16 random lower-case letters and digits."""
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
    return "".join(secrets.choice(alphabet) for _ in range(16))


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

    def add_term(self, text: str, docnums: Sequence[int], frequencies: Sequence[int]) -> None:
        """The postings of one term in documents numbered after any it has already."""
        number = self.numbers.setdefault(text, len(self.terms))
        self.terms.extend(itertools.repeat(number, len(docnums)))
        self.docnums.extend(docnums)
        self.frequencies.extend(frequencies)


class _Blocks:
    """Stored values compressed a block at a time, in a stream of bytes."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.offsets: list[int] = []
        self._pending: list[object] = []

    def add(self, value: object) -> None:
        self._pending.append(value)
        if len(self._pending) == fmt.DOCS_PER_BLOCK:
            self.flush()

    def flush(self) -> None:
        if self._pending:
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
        self._texts = _Blocks()
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
        """Add the live documents of other segments, in order, with their postings
        (for a segment made of small ones; their deleted documents are left out)."""
        import numpy as np

        firsts = []
        for reader in readers:
            deleted = set(reader.info.deleted)
            live = np.array([d for d in range(reader.doc_count) if d not in deleted], dtype=np.int64)
            renumbered = np.full(reader.doc_count, -1, dtype=np.int64)
            renumbered[live] = np.arange(self.doc_count, self.doc_count + len(live))
            firsts.append(renumbered)
            for name in self._text_fields:
                lengths = np.frombuffer(reader.length_bytes(name), dtype=np.uint8)
                self._lengths[name].extend(lengths[live].tolist())
                total = reader.info.fields[name].length if name in reader.info.fields else 0
                dropped = lengths[[d for d in range(reader.doc_count) if d in deleted]]
                self._totals[name] += total - sum(fmt.LENGTHS[b] for b in dropped.tolist())
            for d in live.tolist():
                self._meta.add(reader.meta(d))
                self._texts.add(reader.text(d))
            self.doc_count += len(live)
        for name, postings in self._postings.items():
            for reader, renumbered in zip(readers, firsts, strict=True):
                for entry in reader.entries(name):
                    docnums, frequencies = reader.postings(name, entry)
                    docnums = renumbered[docnums]
                    kept = docnums >= 0
                    if kept.any():
                        postings.add_term(
                            entry.term.decode("utf-8"), docnums[kept].tolist(), frequencies[kept].tolist()
                        )

    def finish(self) -> SegmentInfo:
        """Write the segment's files and return what the manifest records of it."""
        import numpy as np

        info = SegmentInfo(self.id, self.doc_count, length_fields=list(self._text_fields))
        with self._create("terms") as terms_file, self._create("postings") as postings_file:
            for name in sorted(self._postings):
                _at, field_info = _write_field(np, self._postings.pop(name), terms_file, postings_file)
                field_info.length = self._totals.get(name, 0)
                info.fields[name] = field_info
        with self._create("lengths") as lengths_file:
            for name in self._text_fields:
                lengths_file.write(self._lengths[name].tobytes())
        with self._create("docs") as docs_file:
            info.meta_offsets = _write_blocks(docs_file, self._meta)
            info.text_offsets = _write_blocks(docs_file, self._texts)
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


def _write_blocks(out: Any, blocks: _Blocks) -> tuple[int, int]:
    """Append a stream of compressed blocks and its offset table to the docs file;
    returns where the table starts and ends."""
    blocks.flush()
    base = out.tell()
    out.write(blocks.data)
    table = fmt.encode_offsets([base + offset for offset in blocks.offsets] + [base + len(blocks.data)])
    start = out.tell()
    out.write(table)
    return start, start + len(table)


def _write_field(np: Any, postings: _Postings, terms_file: Any, postings_file: Any) -> tuple[int, FieldInfo]:
    """Write one field's terms (in order) and posting lists; returns where its block
    index is in the terms file, and what the manifest records of the field."""
    texts = sorted(postings.numbers)  # code point order: the order of their UTF-8 bytes
    info = FieldInfo(terms=len(texts))
    first_terms: list[bytes] = []
    offsets: list[int] = []
    if texts:
        numbers = np.frombuffer(postings.terms, dtype=np.uint32)
        docnums = np.frombuffer(postings.docnums, dtype=np.uint32).astype(np.int64)
        frequencies = np.frombuffer(postings.frequencies, dtype=np.uint32)
        # The place of each term's number in the order of the terms, then the postings
        # in that order (the documents of a term stay in the order they were added).
        rank = np.zeros(len(postings.terms), dtype=np.int64)
        rank[np.array(list(map(postings.numbers.__getitem__, texts)), dtype=np.int64)] = np.arange(len(texts))
        order = np.argsort(rank[numbers], kind="stable")
        docnums, frequencies = docnums[order], frequencies[order]
        counts = np.bincount(rank[numbers], minlength=len(texts))
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        totals = np.add.reduceat(frequencies, starts).astype(np.int64)
        deltas = np.diff(docnums, prepend=0)
        deltas[starts] = docnums[starts]
        wheres = np.where(counts == 1, docnums[starts], 0)
        codes = np.zeros(len(texts), dtype=np.uint8)
        several = counts > 1
        if several.any():
            _write_lists(np, info, postings_file, deltas, frequencies, counts, starts, several, wheres, codes)
        encoded = [t.encode("utf-8") for t in texts]
        columns = [c.astype("<u4").tobytes() for c in (counts, totals, wheres)]
        for start in range(0, len(texts), fmt.BLOCK_TERMS):
            end = min(start + fmt.BLOCK_TERMS, len(texts))
            first_terms.append(encoded[start])
            offsets.append(terms_file.tell())
            terms_file.write(
                fmt.encode_block(
                    encoded[start:end],
                    *(column[4 * start : 4 * end] for column in columns),
                    codes[start:end].tobytes(),
                )
            )
    offsets.append(terms_file.tell())
    index = fmt.encode_block_index(first_terms, offsets)
    at = terms_file.tell()
    terms_file.write(index)
    info.index = (at, len(index))
    return at, info


def _write_lists(
    np: Any,
    info: FieldInfo,
    out: Any,
    deltas: Any,
    frequencies: Any,
    counts: Any,
    starts: Any,
    several: Any,
    wheres: Any,
    codes: Any,
) -> None:
    """Write the posting lists of a field's terms of several documents, a class of
    widths at a time, and set each term's class and where its list starts."""
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
        base = out.tell()
        out.write(deltas[chosen].astype(f"<u{delta_width}").tobytes())
        regions_at = out.tell()
        out.write(frequencies[chosen].astype(f"<u{frequency_width}").tobytes())
        info.regions[code] = (base, regions_at)
        member_counts = counts[members]
        wheres[members] = base + (np.cumsum(member_counts) - member_counts) * delta_width
        codes[members] = code


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
        self._indexes: dict[str, tuple[list[bytes], array]] = {}
        self._block = lru_cache(maxsize=_DECODED_BLOCKS)(self._decode_block)
        self._meta_block = lru_cache(maxsize=64)(self._decode_meta)
        self._text_block = lru_cache(maxsize=64)(self._decode_text)
        self._meta_table: array | None = None
        self._text_table: array | None = None

    def close(self) -> None:
        for data in self._files.values():
            if isinstance(data, mmap.mmap):
                data.close()

    # -- terms

    def _index(self, field: str) -> tuple[list[bytes], array]:
        found = self._indexes.get(field)
        if found is None:
            where = self.info.fields.get(field)
            if where is None:
                found = ([], array("I", [0]))
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

    # -- stored fields

    def _decode_meta(self, block: int) -> list[object]:
        return self._decode_stored(block, self.info.meta_offsets, "_meta_table")

    def _decode_text(self, block: int) -> list[object]:
        return self._decode_stored(block, self.info.text_offsets, "_text_table")

    def _decode_stored(self, block: int, where: tuple[int, int], cache: str) -> list[object]:
        docs = memoryview(self._files["docs"])
        table = getattr(self, cache)
        if table is None:
            table = fmt.decode_offsets(docs[where[0] : where[1]])
            setattr(self, cache, table)
        return fmt.decode_docs_block(docs[table[block] : table[block + 1]])

    def meta(self, docnum: int) -> dict[str, object]:
        """The stored values of a document, but its text."""
        value = self._meta_block(docnum // fmt.DOCS_PER_BLOCK)[docnum % fmt.DOCS_PER_BLOCK]
        assert isinstance(value, dict)
        return value

    def text(self, docnum: int) -> str:
        """The stored text of a document."""
        return str(self._text_block(docnum // fmt.DOCS_PER_BLOCK)[docnum % fmt.DOCS_PER_BLOCK])
