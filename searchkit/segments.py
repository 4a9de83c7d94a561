"""Writing a Whoosh segment straight from analyzed documents.

Whoosh's own writer sends every posting through a sorting pool and writes every term
through a chain of Python calls with a zlib block each; with ten views of every text,
most of them pairs of syllables that occur once, that cost five times the analysis.
A `SegmentBuilder` keeps each term's postings in one flat array, and writes the
segment in Whoosh's own file format (the same terms table, posting blocks and
per-document files), so Whoosh reads it as if it had written it: phrase queries,
deletions and merges all work as before. Posting lists of up to `INLINE_LIMIT`
documents are kept inside the term's entry, as Whoosh's format allows, instead of in
a block of their own.
"""

from __future__ import annotations

import gc
import hashlib
import itertools
import multiprocessing
import os
import queue
import signal
import struct
import zlib
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.queues import Queue
from pathlib import Path
from pickle import dumps

from whoosh.codec import default_codec
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.fields import Schema
from whoosh.filedb.filestore import FileStorage, Storage
from whoosh.filedb.filetables import OrderedHashWriter
from whoosh.filedb.filetables import _lengths as _ROW_LENGTHS
from whoosh.filedb.structfile import StructFile
from whoosh.util.numeric import length_to_byte

from searchkit.documents import Document
from searchkit.schema import INDEX_NAME, FieldTokens, build_schema, document_parts, encode_positions

# Posting lists this short are stored inline in the terms table.
INLINE_LIMIT = 8
# Whoosh's block size and zlib level (W3Codec's defaults).
_BLOCK_LIMIT = 128
_COMPRESSION = 3
_PICKLE_PROTOCOL = 5
# A term's entry: flags, weight, doc frequency, min and max length bytes, max weight,
# first and last docnum; then its inlined postings or their offset and length.
_TERMINFO = W3TermInfo._struct
_EXTENT = struct.Struct("!qi")
# Rough bytes of memory per distinct term and per stored number, for the budget.
_TERM_BYTES = 220
_ITEM_BYTES = 4


class SegmentBuilder:
    """Documents added one by one, written as one new segment of an index.

    Nothing is visible to a reader until the segment is added to the index's table of
    contents by a writer that holds the index's lock (see `indexing`)."""

    def __init__(self, storage: Storage, indexname: str, schema: Schema) -> None:
        self._storage = storage
        self._schema = schema
        self._codec = default_codec()
        self.segment = self._codec.new_segment(storage, indexname)
        self._perdoc = self._codec.per_document_writer(storage, self.segment)
        # field -> term -> flat postings: docnum, frequency[, positions...] per document
        self._postings: dict[str, dict[str, array]] = {}
        # field -> length of the field in each document so far
        self._lengths: dict[str, array] = {}
        self.doc_count = 0
        self._items = 0
        self._terms = 0
        self._closed = False

    @property
    def memory(self) -> int:
        """An estimate of the bytes the postings held so far take."""
        return self._terms * _TERM_BYTES + self._items * _ITEM_BYTES

    def add(self, stored: dict[str, object], ids: dict[str, str], indexed: dict[str, FieldTokens]) -> int:
        """Add one document: its stored values, its ID fields (indexed whole) and the
        tokens of its text fields. Returns its number in the segment."""
        docnum = self.doc_count
        perdoc = self._perdoc
        schema = self._schema
        perdoc.start_doc(docnum)
        for name in sorted({*stored, *ids, *indexed}):
            fieldobj = schema[name]
            length = 0
            if name in ids:
                self._add_postings(name, {ids[name]: 1}, docnum)
            elif name in indexed:
                terms, positions = indexed[name]
                length = len(terms)
                if positions is not None:
                    self._add_positions(name, terms, positions, docnum)
                else:
                    self._add_postings(name, Counter(terms), docnum)
                self._lengths.setdefault(name, array("I", bytes(4 * docnum))).append(length)
            perdoc.add_field(name, fieldobj, stored.get(name) if fieldobj.stored else None, length)
        perdoc.finish_doc()
        for lengths in self._lengths.values():
            if len(lengths) <= docnum:
                lengths.append(0)
        self.doc_count += 1
        return docnum

    def _terms_of(self, field: str) -> dict[str, array]:
        terms = self._postings.get(field)
        if terms is None:
            terms = self._postings[field] = {}
        return terms

    def _add_postings(self, field: str, frequencies: dict[str, int], docnum: int) -> None:
        terms = self._terms_of(field)
        for text, frequency in frequencies.items():
            postings = terms.get(text)
            if postings is None:
                terms[text] = array("I", (docnum, frequency))
                self._terms += 1
            else:
                postings.append(docnum)
                postings.append(frequency)
        self._items += 2 * len(frequencies)

    def _add_positions(self, field: str, texts: list[str], positions: list[int], docnum: int) -> None:
        found: dict[str, list[int]] = {}
        for text, pos in zip(texts, positions, strict=True):
            entry = found.get(text)
            if entry is None:
                found[text] = [docnum, 1, pos]
            else:
                entry.append(pos)
        terms = self._terms_of(field)
        for text, entry in found.items():
            entry[1] = len(entry) - 2
            postings = terms.get(text)
            if postings is None:
                terms[text] = array("I", entry)
                self._terms += 1
            else:
                postings.extend(entry)
            self._items += len(entry)

    def finish(self) -> object:
        """Write the segment's files and return Whoosh's segment object for it."""
        self._perdoc.close()
        fieldwriter = self._codec.field_writer(self._storage, self.segment)
        table = _TermsTable(fieldwriter._tindex)
        postfile = fieldwriter._postfile
        fieldmap = fieldwriter._fieldmap
        for field in sorted(self._postings):
            prefix = len(fieldmap).to_bytes(2, "big")
            fieldmap[field] = len(fieldmap)
            fixed = self._schema[field].format.fixed_value_size()
            lengths = self._lengths.get(field)
            length_bytes = bytes(map(length_to_byte, lengths)) if lengths is not None else bytes(self.doc_count)
            terms = self._postings.pop(field)
            for text in sorted(terms):
                flat = terms[text]
                key = prefix + text.encode("utf-8")
                if len(flat) == 2 or (fixed is None and len(flat) == flat[1] + 2):
                    table.add(key, _single_posting(flat, fixed, length_bytes))
                else:
                    table.add(key, _posting_list(flat, fixed, length_bytes, postfile))
            table.flush()
        fieldwriter.close()
        self.segment.set_doc_count(self.doc_count)
        if self.segment.should_assemble():
            self.segment.create_compound_file(self._storage)
            self.segment.compound = True
        self._closed = True
        return self.segment

    def cancel(self) -> None:
        """Drop what was added; the files written so far are left for Whoosh to clean."""
        if not self._closed:
            self._perdoc.close()
            self._closed = True
        self._postings.clear()


class _TermsTable:
    """Rows appended to Whoosh's terms table (an `OrderedHashWriter`), as its `add`
    would append them, without its per-row file calls; written out at `flush`."""

    def __init__(self, tindex: OrderedHashWriter) -> None:
        self._tindex = tindex
        self._position = tindex.dbfile.tell()
        self._rows: list[bytes] = []
        self._last = b""

    def add(self, key: bytes, value: bytes) -> None:
        # Whoosh's md5_hash: the last four bytes of the digest.
        digest = int.from_bytes(hashlib.md5(key, usedforsecurity=False).digest()[12:], "big")
        self._tindex.index.append(self._position)
        self._tindex.buckets[digest & 255].append((digest, self._position))
        row = _ROW_LENGTHS.pack(len(key), len(value)) + key + value
        self._rows.append(row)
        self._position += len(row)
        self._last = key

    def flush(self) -> None:
        self._tindex.dbfile.write(b"".join(self._rows))
        self._tindex.lastkey = self._last
        self._rows = []


def _single_posting(flat: array, fixed: int | None, length_bytes: bytes) -> bytes:
    """The terms-table entry of a term found in one document, its posting inline."""
    docnum, frequency = flat[0], flat[1]
    weight = float(frequency)
    if fixed is None:
        values: tuple[bytes, ...] = (encode_positions(flat[1:]),)
    else:
        values = (frequency.to_bytes(fixed, "big"),) if fixed else ()
    length = length_bytes[docnum]
    info = _TERMINFO.pack(1, weight, 1, length, length, weight, docnum, docnum)
    return info + dumps(((docnum,), (weight,), values), _PICKLE_PROTOCOL)


def _posting_list(flat: array, fixed: int | None, length_bytes: bytes, postfile: StructFile) -> bytes:
    """The terms-table entry of a term found in several documents: its postings
    inline when they are few, else written to the postings file in blocks."""
    ids, frequencies, values = _decode(flat, fixed)
    doc_lengths = [length_bytes[d] for d in ids]
    inlined = len(ids) <= INLINE_LIMIT
    info = _TERMINFO.pack(
        inlined,
        float(sum(frequencies)),
        len(ids),
        min(doc_lengths),
        max(doc_lengths),
        float(max(frequencies)),
        ids[0],
        ids[-1],
    )
    if inlined:
        return info + dumps((tuple(ids), tuple(map(float, frequencies)), tuple(values)), _PICKLE_PROTOCOL)
    start = postfile.tell()
    _write_blocks(postfile, ids, frequencies, values, fixed, doc_lengths)
    return info + _EXTENT.pack(start, postfile.tell() - start)


def _decode(flat: array, fixed: int | None) -> tuple[list[int], list[int], list[bytes]]:
    """A term's document numbers, frequencies and posting values from its flat array.
    The values are what the field's format stores: nothing (`Existence`, fixed size
    0), the frequency (`Frequency`, 4 bytes) or the positions (`Positions`, no fixed
    size), encoded as Whoosh encodes them."""
    if fixed is not None:
        ids = flat[0::2].tolist()
        frequencies = flat[1::2].tolist()
        values = [f.to_bytes(fixed, "big") for f in frequencies] if fixed else []
        return ids, frequencies, values
    ids, frequencies, values = [], [], []
    i, end = 0, len(flat)
    while i < end:
        count = flat[i + 1]
        ids.append(flat[i])
        frequencies.append(count)
        values.append(encode_positions(flat[i + 1 : i + 2 + count]))
        i += 2 + count
    return ids, frequencies, values


def _write_blocks(
    postfile: object,
    ids: list[int],
    frequencies: list[int],
    values: list[bytes],
    fixed: int | None,
    doc_lengths: list[int],
) -> None:
    """A posting list in Whoosh 3's block format, byte for byte as
    `W3PostingsWriter` writes it. The documents' lengths are given as length bytes."""
    postfile.write(WHOOSH3_HEADER_MAGIC)  # type: ignore[attr-defined]
    count = len(ids)
    for start in range(0, count, _BLOCK_LIMIT):
        end = min(start + _BLOCK_LIMIT, count)
        block_ids = ids[start:end]
        block_freqs = frequencies[start:end]
        deltas = tuple(b - a for a, b in zip([0, *block_ids], block_ids, strict=False))
        if all(f == 1 for f in block_freqs):
            weights: object = None
        elif all(f == block_freqs[0] for f in block_freqs):
            weights = float(block_freqs[0])
        else:
            weights = tuple(map(float, block_freqs))
        if fixed is None:
            packed_values: object = tuple(values[start:end])
        else:
            packed_values = b"".join(values[start:end]) if fixed else None
        data = zlib.compress(dumps((deltas, weights, packed_values), _PICKLE_PROTOCOL), _COMPRESSION)
        block_lengths = doc_lengths[start:end]
        info = dumps(
            (
                len(block_ids),
                block_ids[-1],
                float(max(block_freqs)),
                _COMPRESSION,
                min(block_lengths),
                max(block_lengths),
            ),
            _PICKLE_PROTOCOL,
        )
        size = len(info) + len(data)
        postfile.write_int(-size if end == count else size)  # type: ignore[attr-defined]
        postfile.write(info)  # type: ignore[attr-defined]
        postfile.write(data)  # type: ignore[attr-defined]


# A new segment is started when the one being built holds about this much.
SEGMENT_MEMORY = 192 * 1024 * 1024
# Fewer documents than this are not worth starting worker processes for (each loads
# the segmentation model, about a third of a second).
PARALLEL_MIN_DOCUMENTS = 400
# Documents sent to a worker at a time; at most two batches per worker wait in the queue.
_BATCH = 16
_POLL_SECONDS = 0.2
_GC_THRESHOLDS = (20_000, 10, 10)
_FREEZE_EVERY = 256

# A segment written, with the sequence numbers of its documents in docnum order.
Built = tuple[object, list[int]]


def default_processes() -> int:
    """One worker per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def build_segments(
    documents: Iterator[tuple[int, Document]],
    index_dir: Path,
    *,
    processes: int | None = None,
    memory: int = SEGMENT_MEMORY,
) -> list[Built]:
    """Analyze numbered documents and write them into new segments of the index in
    `index_dir`, in worker processes when there are enough documents and cores. The
    caller must hold the index's lock and commit the segments."""
    processes = default_processes() if processes is None else processes
    head = list(itertools.islice(documents, PARALLEL_MIN_DOCUMENTS))
    everything = itertools.chain(head, documents)
    if processes <= 1 or len(head) < PARALLEL_MIN_DOCUMENTS:
        built: list[Built] = []
        _build(everything, FileStorage(str(index_dir)), memory, built.append)
        return built
    return _build_in_workers(everything, index_dir, processes, memory)


def _build(
    documents: Iterable[tuple[int, Document]],
    storage: Storage,
    memory: int,
    done: Callable[[Built], None],
) -> None:
    """The documents into as many segments as the memory budget asks for, each handed
    to `done` as soon as it is written."""
    schema = build_schema()
    builder: SegmentBuilder | None = None
    seqs: list[int] = []
    try:
        for seq, doc in documents:
            if builder is None:
                builder = SegmentBuilder(storage, INDEX_NAME, schema)
                seqs = []
            builder.add(*document_parts(doc))
            seqs.append(seq)
            if builder.memory >= memory:
                done((builder.finish(), seqs))
                builder = None
        if builder is not None:
            done((builder.finish(), seqs))
            builder = None
    finally:
        if builder is not None:
            builder.cancel()


def _worker(index_dir: str, tasks: Queue, results: Queue, memory: int) -> None:
    """A worker process: batches of documents from `tasks` until a None, segments
    (and at the end "done", or the error) to `results`."""
    # Ctrl-C reaches every process of the terminal's group; the parent decides.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The collector's full passes over the segmentation model and the postings took a
    # third of the analysis time; the long-lived objects are moved out of its sight.
    gc.set_threshold(*_GC_THRESHOLDS)

    def batches() -> Iterator[tuple[int, Document]]:
        since_freeze = 0
        while (batch := tasks.get()) is not None:
            yield from batch
            since_freeze += len(batch)
            if since_freeze >= _FREEZE_EVERY:
                gc.freeze()
                since_freeze = 0

    try:
        _build(batches(), FileStorage(index_dir), memory, lambda built: results.put(("segment", built)))
    except BaseException as exc:  # reported to the parent, which raises it there
        results.put(("error", f"{type(exc).__name__}: {exc}"))
        return
    results.put(("done", None))


class WorkerFailed(RuntimeError):
    """A worker process stopped without finishing its documents."""


def _build_in_workers(
    documents: Iterable[tuple[int, Document]], index_dir: Path, processes: int, memory: int
) -> list[Built]:
    context = multiprocessing.get_context("spawn")
    tasks: Queue = context.Queue(maxsize=2 * processes)
    results: Queue = context.Queue()
    workers = [
        context.Process(target=_worker, args=(str(index_dir), tasks, results, memory), daemon=True)
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    built: list[Built] = []
    finished = 0

    def collect(block: bool) -> None:
        nonlocal finished
        while True:
            try:
                kind, value = results.get(timeout=_POLL_SECONDS) if block else results.get_nowait()
            except queue.Empty:
                if any(not w.is_alive() for w in workers) and finished < processes and results.empty():
                    dead = [w for w in workers if not w.is_alive() and w.exitcode != 0]
                    if dead:
                        raise WorkerFailed(f"an indexing process stopped (exit status {dead[0].exitcode})") from None
                if not block:
                    return
                continue
            if kind == "segment":
                built.append(value)
            elif kind == "error":
                raise WorkerFailed(f"an indexing process failed: {value}")
            else:
                finished += 1
                if finished == processes:
                    return

    def send(item: object) -> None:
        while True:
            try:
                tasks.put(item, timeout=_POLL_SECONDS)
                return
            except queue.Full:
                collect(block=False)

    try:
        iterator = iter(documents)
        while batch := list(itertools.islice(iterator, _BATCH)):
            send(batch)
            collect(block=False)
        for _ in workers:
            send(None)
        collect(block=True)
        for worker in workers:
            worker.join()
    except BaseException:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.join()
        raise
    return built
