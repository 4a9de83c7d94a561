"""An index kept open by a process that stays up (`searchkit serve`): every call is
answered from the latest commit, reopened when a `searchkit index` run in another
process has committed since, and from the one open while a run is still writing."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path

from searchkit.errors import IndexCorrupt, IndexNotFound
from searchkit.searching import Searcher
from searchkit.store.index import MANIFEST_FILE

# What identifies a commit from outside: the manifest is replaced whole at each one
# (`store.index.replace_json`), so a new commit is a new file.
Stamp = tuple[int, int, int] | None


class LiveSearcher:
    """A `Searcher` of the index at `index_dir` that follows its commits. Calls are
    taken one at a time: a `Searcher` keeps caches that are not shared between threads,
    and a search holds the interpreter anyway."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self._lock = threading.Lock()
        stamp = self._stamp()
        self._searcher = Searcher(index_dir)
        self._seen = stamp

    def __enter__(self) -> LiveSearcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._searcher.close()

    @property
    def generation(self) -> int:
        """The generation of the commit answering now."""
        return self._searcher.generation

    @contextlib.contextmanager
    def current(self) -> Iterator[Searcher]:
        """The searcher of the latest commit, for one call; no other call runs meanwhile."""
        with self._lock:
            self._follow()
            yield self._searcher

    def _stamp(self) -> Stamp:
        try:
            found = os.stat(self.index_dir / MANIFEST_FILE)
        except OSError:
            return None
        return found.st_ino, found.st_mtime_ns, found.st_size

    def _follow(self) -> None:
        """Open the latest commit if there is a newer one than the one open. Its stamp
        is read first: a commit landing while it opens is opened at the next call."""
        stamp = self._stamp()
        if stamp == self._seen:
            return
        try:
            fresh = Searcher(self.index_dir)
        except (IndexCorrupt, IndexNotFound):
            # A commit after the one just read removes the files that one named; or the
            # index was damaged or removed after this process opened it. Either way the
            # commit open is whole (its files are mapped): answer from it, try again at
            # the next call.
            return
        old, self._searcher, self._seen = self._searcher, fresh, stamp
        old.close()
