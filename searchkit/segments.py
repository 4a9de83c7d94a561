"""Writing a Whoosh segment straight from analyzed documents.

Whoosh's own writer sends every posting through a sorting pool and writes every term
through a chain of Python calls with a zlib block each; with ten views of every text,
most of them pairs of syllables that occur once, that cost five times the analysis.
A `SegmentBuilder` keeps each term's postings in one flat array, and writes the
segment in Whoosh's own file format (the same terms table, posting blocks and
per-document files), so Whoosh reads it as if it had written it: deletions and
merges work as before. Only formats whose values have a fixed size are written (no
view keeps positions; see `schema`). Posting lists of up to `INLINE_LIMIT`
documents are kept inside the term's entry, as Whoosh's format allows, instead of in
a block of their own.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import itertools
import multiprocessing
import operator
import os
import queue
import signal
import struct
import sys
import threading
import time
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
from whoosh.filedb.filetables import HashWriter, OrderedHashWriter
from whoosh.filedb.filetables import _lengths as _ROW_LENGTHS
from whoosh.filedb.filetables import _pointer as _POINTER
from whoosh.filedb.structfile import StructFile
from whoosh.util.numeric import length_to_byte

from searchkit.documents import Document
from searchkit.errors import IndexingFailed
from searchkit.schema import INDEX_NAME, build_schema, document_parts

# Posting lists this short are stored inline in the terms table.
INLINE_LIMIT = 8
# Whoosh's block size and zlib level (W3Codec's defaults).
_BLOCK_LIMIT = 128
_COMPRESSION = 3
# Blocks whose pickle is shorter are stored uncompressed (Whoosh's format says so per
# block): zlib saves little on them, and took a tenth of writing a segment.
_COMPRESS_FROM = 1024
_PICKLE_PROTOCOL = 5
# A term's entry: flags, weight, doc frequency, min and max length bytes, max weight,
# first and last docnum; then its inlined postings or their offset and length.
_TERMINFO = W3TermInfo._struct
_EXTENT = struct.Struct("!qi")
_BLOCK_LENGTH = struct.Struct("!i")
# The numbers of a pickle: BININT and BINBYTES lengths little endian, BINFLOAT big.
_PICKLE_INT = struct.Struct("<i")
_PICKLE_FLOAT = struct.Struct(">d")
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
        # field -> term -> flat postings: docnum, frequency per document
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

    def add(self, stored: dict[str, object], ids: dict[str, str], indexed: dict[str, list[str]]) -> int:
        """Add one document: its stored values, its ID fields (indexed whole) and the
        terms of its text fields. Returns its number in the segment."""
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
                terms = indexed[name]
                length = len(terms)
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

    def finish(self) -> object:
        """Write the segment's files and return Whoosh's segment object for it."""
        self._perdoc.close()
        fieldwriter = self._codec.field_writer(self._storage, self.segment)
        tindex = fieldwriter._tindex
        postfile = fieldwriter._postfile
        fieldmap = fieldwriter._fieldmap
        for field in sorted(self._postings):
            prefix = len(fieldmap).to_bytes(2, "big")
            fieldmap[field] = len(fieldmap)
            fixed = self._schema[field].format.fixed_value_size()
            if fixed is None:
                raise ValueError(f"field {field!r}: formats with positions are not written here")
            lengths = self._lengths.get(field)
            length_bytes = bytes(map(length_to_byte, lengths)) if lengths is not None else bytes(self.doc_count)
            terms = self._postings.pop(field)
            texts = sorted(terms)
            entries = _entries(terms, texts, fixed, length_bytes, postfile)
            _add_rows(tindex, [prefix + text.encode("utf-8") for text in texts], entries)
        # Whoosh's close, with the hash tables written by `_write_hashes`. The patch is
        # removed after: left on the instance it is a reference cycle, and the tables
        # (tens of MB) would wait for a full collection to be freed.
        tindex._write_hashes = functools.partial(_write_hashes, tindex)
        try:
            fieldwriter.close()
        finally:
            del tindex._write_hashes
        # Left as separate files, not assembled into Whoosh's compound file: a reader
        # opens a part of a compound file by copying it into memory (BufferFile's
        # BytesIO), which took 1.5 s of a 2 s query on 35,000 articles.
        self.segment.set_doc_count(self.doc_count)
        self._closed = True
        return self.segment

    def cancel(self) -> None:
        """Drop what was added; the files written so far are left for Whoosh to clean."""
        # finish() may have closed the per-document files before it failed.
        if not self._closed and not self._perdoc.is_closed:
            self._perdoc.close()
        self._closed = True
        self._postings.clear()


def _add_rows(tindex: OrderedHashWriter, keys: list[bytes], values: list[bytes]) -> None:
    """Rows for `keys` (in order, after any added before) and their `values`, appended
    to Whoosh's terms table as its `add` would append them one by one, in one write."""
    if not keys:
        return
    position = tindex.dbfile.tell()
    buckets = tindex.buckets
    pack = _ROW_LENGTHS.pack
    md5 = hashlib.md5
    rows: list[bytes] = []
    positions: list[int] = []
    for key, value in zip(keys, values, strict=True):
        # Whoosh's md5_hash: the last four bytes of the digest.
        digest = int.from_bytes(md5(key, usedforsecurity=False).digest()[12:], "big")
        positions.append(position)
        buckets[digest & 255].append((digest, position))
        rows += (pack(len(key), len(value)), key, value)
        position += 8 + len(key) + len(value)
    tindex.dbfile.write(b"".join(rows))
    tindex.lastkey = keys[-1]
    # The positions of the rows, in Whoosh's GrowableArray: widened first if the
    # last (the largest) does not fit its type, then extended at once rather than
    # through its Python-level append (a third of writing the table).
    index = tindex.index
    try:
        array(index.typecode, positions[-1:])
    except (OverflowError, TypeError):
        index._retype(positions[-1])
    index.array.extend(positions)


def _entries(
    terms: dict[str, array], keys: list[str], fixed: int, length_bytes: bytes, postfile: StructFile
) -> list[bytes]:
    """The terms-table entries of one field's terms, in the order of `keys`."""
    entries: list[bytes] = []
    append = entries.append
    # A term found in one document has the entry of any other found there as often:
    # most pairs of syllables are found once, in one document.
    singles: dict[bytes, bytes] = {}
    for text in keys:
        flat = terms[text]
        if len(flat) == 2:
            packed = flat.tobytes()
            entry = singles.get(packed)
            if entry is None:
                entry = singles[packed] = _single_posting(flat[0], flat[1], fixed, length_bytes)
            append(entry)
        else:
            append(_posting_list(flat, fixed, length_bytes, postfile))
    return entries


def _single_posting(docnum: int, frequency: int, fixed: int, length_bytes: bytes) -> bytes:
    """The terms-table entry of a term found in one document, its posting inline:
    what `W3TermInfo.to_bytes` gives, with the pickle of ((docnum,), (weight,),
    (value,)) written out by hand."""
    weight = float(frequency)
    length = length_bytes[docnum]
    # SHORT_BINBYTES, TUPLE1: the value, empty for a format with no values (as
    # Whoosh's writer has it, and its merge asserts).
    value = frequency.to_bytes(fixed, "big") if fixed else b""
    values = b"C" + bytes((fixed,)) + value + b"\x85"
    return b"".join(
        (
            _TERMINFO.pack(1, weight, 1, length, length, weight, docnum, docnum),
            b"\x80\x03J",  # PROTO 3, BININT
            _PICKLE_INT.pack(docnum),
            b"\x85G",  # TUPLE1, BINFLOAT
            _PICKLE_FLOAT.pack(weight),
            b"\x85",  # TUPLE1
            values,
            b"\x87.",  # TUPLE3, STOP
        )
    )


def _posting_list(flat: array, fixed: int, length_bytes: bytes, postfile: StructFile) -> bytes:
    """The terms-table entry of a term found in several documents: its postings
    inline when they are few, else written to the postings file in blocks."""
    ids, frequencies = flat[0::2].tolist(), flat[1::2].tolist()
    doc_lengths = bytes(map(length_bytes.__getitem__, ids))
    count = len(ids)
    inlined = count <= INLINE_LIMIT
    info = _TERMINFO.pack(
        inlined,
        float(sum(frequencies)),
        count,
        min(doc_lengths),
        max(doc_lengths),
        float(max(frequencies)),
        ids[0],
        ids[-1],
    )
    if inlined:
        # An empty value for each posting when the format has none, as Whoosh writes it.
        values = [f.to_bytes(fixed, "big") for f in frequencies] if fixed else [b""] * count
        return info + dumps((tuple(ids), tuple(map(float, frequencies)), tuple(values)), _PICKLE_PROTOCOL)
    start = postfile.tell()
    _write_blocks(postfile, ids, frequencies, fixed, doc_lengths)
    return info + _EXTENT.pack(start, postfile.tell() - start)


def _big_endian(numbers: list[int]) -> bytes:
    """32-bit unsigned numbers, big endian: Whoosh's `Frequency` values, side by side."""
    packed = array("I", numbers)
    if sys.byteorder == "little":
        packed.byteswap()
    return packed.tobytes()


def _write_blocks(postfile: object, ids: list[int], frequencies: list[int], fixed: int, doc_lengths: bytes) -> None:
    """A posting list in Whoosh 3's block format, as `W3PostingsWriter` writes it, the
    values (if the format has any) worked out from the frequencies. The documents'
    lengths are given as length bytes."""
    postfile.write(WHOOSH3_HEADER_MAGIC)  # type: ignore[attr-defined]
    count = len(ids)
    for start in range(0, count, _BLOCK_LIMIT):
        end = min(start + _BLOCK_LIMIT, count)
        block_ids = ids[start:end]
        block_freqs = frequencies[start:end]
        size = end - start
        # Document numbers as differences, from 0 in every block.
        deltas = (block_ids[0], *map(operator.sub, block_ids[1:], block_ids[:-1]))
        if block_freqs.count(1) == size:
            weights: object = None
        elif block_freqs.count(block_freqs[0]) == size:
            weights = float(block_freqs[0])
        else:
            weights = tuple(map(float, block_freqs))
        values = _big_endian(block_freqs) if fixed else None
        data = dumps((deltas, weights, values), _PICKLE_PROTOCOL)
        compression = _COMPRESSION if len(data) >= _COMPRESS_FROM else 0
        if compression:
            data = zlib.compress(data, compression)
        block_lengths = doc_lengths[start:end]
        info = dumps(
            (size, block_ids[-1], float(max(block_freqs)), compression, min(block_lengths), max(block_lengths)),
            _PICKLE_PROTOCOL,
        )
        length = len(info) + len(data)
        postfile.write(_BLOCK_LENGTH.pack(-length if end == count else length) + info + data)  # type: ignore[attr-defined]


def _write_hashes(tindex: HashWriter) -> None:
    """`HashWriter._write_hashes`, the same tables written a bucket at a time rather
    than a slot at a time (it was a tenth of writing a segment)."""
    dbfile = tindex.dbfile
    pack = _POINTER.pack
    for entries in tindex.buckets:
        numslots = 2 * len(entries)
        tindex.directory.append((dbfile.tell(), numslots))
        table = [(0, 0)] * numslots
        for entry in entries:
            slot = (entry[0] >> 8) % numslots
            while table[slot][1]:
                slot = (slot + 1) % numslots
            table[slot] = entry
        dbfile.write(b"".join([pack(hashval, position) for hashval, position in table]))


# Postings held in memory by all the builders of a run together (an estimate; a
# process's real size is about one and a half times its share, plus ~100 MB for
# Python, Whoosh and the model). Each of n workers starts a new segment at 1/n of it.
SEGMENT_MEMORY = 320 * 1024 * 1024
# Workers at most, however many cores: each costs memory and a segment per run.
MAX_PROCESSES = 8
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
    """One worker per core this process may run on, up to `MAX_PROCESSES`."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_PROCESSES))


def build_segments(
    documents: Iterator[tuple[int, Document]],
    index_dir: Path,
    *,
    processes: int | None = None,
    memory: int | None = None,
    analyzed: Callable[[int], None] | None = None,
) -> list[Built]:
    """Analyze numbered documents and write them into new segments of the index in
    `index_dir`, in worker processes when there are enough documents and cores. The
    caller must hold the index's lock and commit the segments. `analyzed` is told how
    many more documents have been analyzed, as they are."""
    processes = default_processes() if processes is None else processes
    head = list(itertools.islice(documents, PARALLEL_MIN_DOCUMENTS))
    everything = itertools.chain(head, documents)
    if processes <= 1 or len(head) < PARALLEL_MIN_DOCUMENTS:
        built: list[Built] = []
        memory = SEGMENT_MEMORY // 2 if memory is None else memory
        _build(everything, FileStorage(str(index_dir)), memory, built.append, analyzed)
        return built
    memory = SEGMENT_MEMORY // processes if memory is None else memory
    return _build_in_workers(everything, index_dir, processes, memory, analyzed)


def _build(
    documents: Iterable[tuple[int, Document]],
    storage: Storage,
    memory: int,
    done: Callable[[Built], None],
    analyzed: Callable[[int], None] | None = None,
) -> None:
    """The documents into as many segments as the memory budget asks for, each handed
    to `done` as soon as it is written; `analyzed(1)` after each document."""
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
            if analyzed is not None:
                analyzed(1)
            if builder.memory >= memory:
                done((builder.finish(), seqs))
                builder = None
        if builder is not None:
            done((builder.finish(), seqs))
            builder = None
    finally:
        if builder is not None:
            builder.cancel()


def _exit_with_parent(parent: int) -> None:
    """In a worker, on a thread of its own: when the parent has been killed (kill -9),
    nobody will commit what the worker writes or read what it reports, so it leaves at
    once, whatever it is doing: even blocked reading a batch the parent died while
    sending. Whoosh's next commit removes the files of segments no table of contents
    names."""
    while True:
        time.sleep(_POLL_SECONDS)
        if os.getppid() != parent:
            os._exit(1)


def _worker(index_dir: str, tasks: Queue, results: Queue, memory: int) -> None:
    """A worker process: batches of documents from `tasks` until a None, segments
    (and at the end "done", or the error) to `results`."""
    # Ctrl-C reaches every process of the terminal's group; the parent decides.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The collector's full passes over the segmentation model and the postings took a
    # third of the analysis time; the long-lived objects are moved out of its sight.
    gc.set_threshold(*_GC_THRESHOLDS)

    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()

    def batches() -> Iterator[tuple[int, Document]]:
        since_freeze = 0
        while (batch := tasks.get()) is not None:
            yield from batch
            results.put(("analyzed", len(batch)))
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


def _build_in_workers(
    documents: Iterable[tuple[int, Document]],
    index_dir: Path,
    processes: int,
    memory: int,
    analyzed: Callable[[int], None] | None,
) -> list[Built]:
    workers = _Workers(index_dir, processes, memory, analyzed)
    try:
        iterator = iter(documents)
        while batch := list(itertools.islice(iterator, _BATCH)):
            workers.send(batch)
        for _ in range(processes):
            workers.send(None)
        workers.collect(wait=True)
    except BaseException:
        workers.stop()
        raise
    finally:
        workers.close()
    return workers.built


class _Workers:
    """Worker processes fed batches of documents through a short queue, and the
    segments they report as they write them."""

    def __init__(self, index_dir: Path, processes: int, memory: int, analyzed: Callable[[int], None] | None) -> None:
        self._analyzed = analyzed
        context = multiprocessing.get_context("spawn")
        self._tasks: Queue = context.Queue(maxsize=2 * processes)
        self._results: Queue = context.Queue()
        self._processes = [
            context.Process(target=_worker, args=(str(index_dir), self._tasks, self._results, memory), daemon=True)
            for _ in range(processes)
        ]
        for process in self._processes:
            process.start()
        self._finished = 0
        self.built: list[Built] = []

    def send(self, batch: list[tuple[int, Document]] | None) -> None:
        """Queue a batch (None: no more), taking in reports while the queue is full."""
        while True:
            try:
                self._tasks.put(batch, timeout=_POLL_SECONDS)
                break
            except queue.Full:
                self.collect(wait=False)
        self.collect(wait=False)

    def collect(self, *, wait: bool) -> None:
        """Take in the workers' reports; with `wait`, until every worker has finished."""
        while self._finished < len(self._processes):
            try:
                kind, value = self._results.get(wait, _POLL_SECONDS)
            except queue.Empty:
                dead = [process.exitcode for process in self._processes if process.exitcode not in (None, 0)]
                if dead:
                    raise IndexingFailed(
                        f"an indexing process stopped (exit status {dead[0]}); nothing was changed"
                    ) from None
                if not wait:
                    return
                continue
            if kind == "error":
                raise IndexingFailed(f"an indexing process failed ({value}); nothing was changed")
            if kind == "analyzed":
                if self._analyzed is not None:
                    self._analyzed(value)
            elif kind == "segment":
                self.built.append(value)
            else:
                self._finished += 1
        for process in self._processes:
            process.join()

    def close(self) -> None:
        """Release the queues' pipes and threads now rather than at garbage collection."""
        for channel in (self._tasks, self._results):
            channel.close()
            channel.join_thread()

    def stop(self) -> None:
        """End the workers now (Ctrl-C, or an error): what they wrote is never committed."""
        for process in self._processes:
            process.terminate()
        for process in self._processes:
            process.join()
        # Batches still in the queue's buffer have no reader any more: drop them
        # rather than wait at exit for a pipe nobody empties.
        self._tasks.cancel_join_thread()
        self._results.cancel_join_thread()
