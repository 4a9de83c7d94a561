"""What the tests share: documents made from the demo articles, a `searchkit index`
run in a process of its own (to interrupt), and what Whoosh's reader sees in an index."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

from searchkit.documents import Document, read_document
from searchkit.schema import BODY_FIELDS, TITLE_FIELDS
from searchkit.store.segment import INDEX_NAME

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def corpus_documents() -> list[Document]:
    return [read_document(path) for path in sorted(CORPUS.glob("*.txt"))]


def passages(count: int) -> list[Document]:
    """Overlapping 30-word passages of the demo corpus: many documents sharing many
    terms, so that posting lists are long enough to be written in blocks."""
    words = " ".join(doc.text for doc in corpus_documents()).split()
    starts = range(0, len(words) - 30, 6)
    return [
        Document(f"passage-{i:04d}.txt", " ".join(words[s : s + 8]), " ".join(words[s : s + 30]))
        for i, s in enumerate(starts)
        if i < count
    ]


def children(pid: int) -> list[str]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    return found.stdout.split()


def folder_of_long_articles(folder: Path, count: int) -> Path:
    """Twenty passages per file: enough work that a run is still going when it is
    interrupted, and queued batches large enough to fill the pipe to the workers."""
    folder.mkdir()
    texts = [doc.text for doc in passages(count)]
    for i in range(len(texts)):
        (folder / f"doc-{i:04d}.txt").write_text("\n".join(texts[i : i + 20]), encoding="utf-8")
    return folder


def start_indexing(
    folder: Path, index_dir: Path, *, stderr: int = subprocess.PIPE
) -> tuple[subprocess.Popen[str], list[str]]:
    """`searchkit index` in a new process, once its workers are analyzing; and the pids
    of its children (the workers, and multiprocessing's resource tracker)."""
    run = [
        sys.executable,
        "-c",
        "from searchkit.cli import main; main()",
        "index",
        str(folder),
        "--index",
        str(index_dir),
    ]
    process = subprocess.Popen(
        run, stderr=stderr, text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)
    )
    deadline = time.monotonic() + 30
    while len(children(process.pid)) < 2 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.1)
    time.sleep(0.5)  # the workers are analyzing
    assert process.poll() is None, "the run ended before it could be interrupted"
    return process, children(process.pid)


def all_gone(pids: list[str], *, within: float) -> bool:
    """Whether the processes have all ended (or are zombies) within `within` seconds."""

    def alive(pid: str) -> bool:
        try:
            return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:
            return False

    deadline = time.monotonic() + within
    while any(alive(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def contents(index_dir: Path, *, statistics: bool) -> dict[object, object]:
    """Everything a reader sees in an index, keyed by document path rather than number
    (numbers depend on how documents were split into segments)."""
    ix = whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME)
    seen: dict[object, object] = {}
    with ix.reader() as reader:
        path_of = {docnum: fields["path"] for docnum, fields in reader.iter_docs()}
        for docnum, fields in reader.iter_docs():
            seen[("stored", fields["path"])] = fields
            for field in [*BODY_FIELDS.values(), *TITLE_FIELDS.values()]:
                seen[("length", fields["path"], field)] = reader.doc_field_length(docnum, field)
        for field, term in reader.all_terms():
            postings = reader.postings(field, term)
            # The ID field's format stores no value (Whoosh gives None from a block of
            # postings, "" from an inlined one).
            has_values = reader.schema[field].format.fixed_value_size() != 0
            found = {}
            while postings.is_active():
                found[path_of[postings.id()]] = (postings.weight(), postings.value() if has_values else None)
                postings.next()
            seen[(field, term)] = found
            seen[("frequency", field, term)] = (reader.doc_frequency(field, term), reader.frequency(field, term))
            if statistics:
                info = reader.term_info(field, term)
                seen[("info", field, term)] = (
                    info.max_weight(),
                    info.min_length(),
                    info.max_length(),
                    info.min_id(),
                    info.max_id(),
                )
    return seen


class Server:
    """A `searchkit serve` process of its own, on a free loopback port."""

    def __init__(
        self, process: subprocess.Popen[str], url: str, started: list[str] | None = None, token: str | None = None
    ) -> None:
        self.process = process
        self.url = url  # http://127.0.0.1:PORT/
        # What it wrote on stderr as it started, the line with its address last.
        self.started = started or []
        # The access token printed in its address (one it made up), if any.
        self.token = token

    @property
    def port(self) -> int:
        return int(self.url.rstrip("/").rsplit(":", 1)[1])

    def get(
        self, target: str, params: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        """GET `target` (with `params` URL-encoded): the status, headers (names in lower
        case) and body, whatever the status."""
        import urllib.error
        import urllib.parse
        import urllib.request

        url = self.url.rstrip("/") + target
        if params:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
        request = urllib.request.Request(url, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                return answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read()
        except urllib.error.HTTPError as failed:
            return failed.code, {k.lower(): v for k, v in failed.headers.items()}, failed.read()

    def json(
        self, target: str, params: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        """GET `target`: the status and the JSON answer."""
        import json

        status, _headers, body = self.get(target, params, headers)
        return status, json.loads(body)

    def stop(self) -> str:
        """Stop it as Ctrl-C does; what it wrote on stderr."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            _out, err = self.process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _out, err = self.process.communicate()
        return err or ""


def start_server(index_dir: Path, *options: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> Server:
    """`searchkit serve --index INDEX_DIR --port 0 OPTIONS` in a process of its own, run
    in `cwd`, once it is listening (its address is the line it writes on stderr)."""
    import os
    import re

    run = [sys.executable, "-c", "from searchkit.cli import main; main()", "serve", "--index", str(index_dir)]
    process = subprocess.Popen(
        [*run, "--port", "0", *options],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env={**os.environ, **(env or {})},
    )
    assert process.stderr is not None
    said = []
    for line in process.stderr:
        said.append(line)
        found = re.search(r"serving .* at (http://\S+?/)(?:\?token=(\S+))? ", line)
        if found:
            return Server(process, found[1], [line.rstrip("\n") for line in said], found[2])
    process.wait()
    raise AssertionError(f"searchkit serve did not start: {''.join(said)}")
