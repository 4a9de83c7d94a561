"""Analyzing documents into new segments of an index, in worker processes when there
are many.

Each worker analyzes the documents it is sent (`schema.document_parts`) and writes
them into segments of its own with the store's `SegmentWriter`, a new one each time
its postings reach its share of the memory budget; the parent holds the index's lock
and commits every segment at once (see `indexing`).
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import os
import queue
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.queues import Queue
from pathlib import Path

from searchkit.documents import Document
from searchkit.errors import IndexingFailed
from searchkit.schema import ID_FIELDS, document_parts
from searchkit.store.index import TEXT_FIELDS
from searchkit.store.segment import SegmentInfo, SegmentWriter

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
Built = tuple[SegmentInfo, list[int]]


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
        _build(everything, index_dir, memory, built.append, analyzed)
        return built
    memory = SEGMENT_MEMORY // processes if memory is None else memory
    return _build_in_workers(everything, index_dir, processes, memory, analyzed)


def _build(
    documents: Iterable[tuple[int, Document]],
    index_dir: Path,
    memory: int,
    done: Callable[[Built], None],
    analyzed: Callable[[int], None] | None = None,
) -> None:
    """The documents into as many segments as the memory budget asks for, each handed
    to `done` as soon as it is written; `analyzed(1)` after each document."""
    builder: SegmentWriter | None = None
    seqs: list[int] = []
    try:
        for seq, doc in documents:
            if builder is None:
                builder = SegmentWriter(index_dir, TEXT_FIELDS, ID_FIELDS)
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
    sending. The next commit removes the files of segments no manifest names."""
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
        _build(batches(), Path(index_dir), memory, lambda built: results.put(("segment", built)))
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
