"""Segments written by searchkit's own builder, checked against Whoosh itself.

The builder writes Whoosh's file format without Whoosh's writer, so the proof that it
is right is that Whoosh's reader finds in it exactly what Whoosh's own writer would
have stored for the same documents: the same terms, postings, positions, lengths and
term statistics.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from searchkit import segments
from searchkit.documents import Document, read_document
from searchkit.errors import IndexingFailed
from searchkit.indexing import index_documents, index_sources, open_index
from searchkit.schema import BODY_FIELDS, INDEX_NAME, TITLE_FIELDS, VIEWS, build_schema
from searchkit.searching import Searcher

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


def whoosh_writes(documents: list[Document], index_dir: Path) -> None:
    """The same documents through Whoosh's own writer and the schema's analyzers."""
    index_dir.mkdir()
    ix = whoosh_index.create_in(str(index_dir), build_schema(), indexname=INDEX_NAME)
    writer = ix.writer()
    for doc in documents:
        fields = {"path": doc.path, "source": doc.source_path, "title": doc.title, "content": doc.text}
        if doc.date is not None:
            fields["date"] = doc.date
        if doc.signature is not None:
            fields["signature"] = doc.signature.as_list()
        for view in VIEWS:
            fields[BODY_FIELDS[view]] = doc.text
            fields[TITLE_FIELDS[view]] = doc.title
        writer.add_document(**fields)
    writer.commit()


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


def test_a_segment_holds_what_whoosh_itself_would_write(tmp_path: Path) -> None:
    # The five articles, and passages enough that common syllables have more than one
    # block of postings (128 documents), rarer ones a few (inlined), most just one.
    documents = corpus_documents() + passages(300)
    ours, theirs = tmp_path / "ours", tmp_path / "whoosh"
    index_documents(documents, ours, processes=1)
    whoosh_writes(documents, theirs)

    expected = contents(theirs, statistics=True)
    found = contents(ours, statistics=True)

    assert found.keys() == expected.keys()
    assert found == expected
    common = max(
        (k for k in expected if isinstance(k[0], str) and k[0] == "body_syllables"), key=lambda k: len(expected[k])
    )
    assert len(expected[common]) > 128  # the comparison covered multi-block posting lists


def test_worker_processes_and_small_segments_make_the_same_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    documents = corpus_documents() + passages(120)
    index_documents(documents, tmp_path / "one", processes=1)
    # Workers even for a small folder, and a new segment every few dozen documents.
    monkeypatch.setattr(segments, "PARALLEL_MIN_DOCUMENTS", 10)
    monkeypatch.setattr(segments, "SEGMENT_MEMORY", 200_000)
    index_documents(documents, tmp_path / "two", processes=2)

    with open_index(tmp_path / "two").reader() as reader:
        assert len(reader.leaf_readers()) > 2
    assert contents(tmp_path / "two", statistics=False) == contents(tmp_path / "one", statistics=False)
    with Searcher(tmp_path / "one") as one, Searcher(tmp_path / "two") as two:
        for query in ("công an cấp huyện", "cong an", '"an ninh trật tự"'):
            expected = [(h.path, round(h.score, 6)) for h in one.search(query, limit=20).hits]
            assert expected
            assert [(h.path, round(h.score, 6)) for h in two.search(query, limit=20).hits] == expected


def test_a_path_given_twice_in_one_run_keeps_its_last_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(segments, "PARALLEL_MIN_DOCUMENTS", 10)
    documents = passages(40)
    first = Document("twice.txt", "Bản cũ", "Nội dung cũ về thời tiết ở Hà Giang.")
    last = Document("twice.txt", "Bản mới", "Nội dung mới về giao thông ở Cần Thơ.")
    report = index_documents([first, *documents, last], tmp_path / "ix", processes=2)

    assert report.total_documents == len(documents) + 1
    with Searcher(tmp_path / "ix") as searcher:
        assert [h.path for h in searcher.search("giao thông Cần Thơ").hits] == ["twice.txt"]
        assert searcher.search("thời tiết Hà Giang").hits == []


def test_a_failing_worker_leaves_the_index_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index_dir = tmp_path / "ix"
    index_documents(corpus_documents(), index_dir)
    monkeypatch.setattr(segments, "PARALLEL_MIN_DOCUMENTS", 10)
    broken = Document("broken.txt", "Không đọc được", None)  # type: ignore[arg-type]

    with pytest.raises(IndexingFailed, match="indexing process failed"):
        index_documents([*passages(30), broken], index_dir, processes=2)

    assert open_index(index_dir).doc_count() == len(corpus_documents())
    with Searcher(index_dir) as searcher:
        assert searcher.search("công an cấp huyện").hits


def _children(pid: int) -> list[str]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    return found.stdout.split()


def _folder_of_long_articles(folder: Path, count: int) -> Path:
    """Twenty passages per file: enough work that a run is still going when it is
    interrupted, and queued batches large enough to fill the pipe to the workers."""
    folder.mkdir()
    texts = [doc.text for doc in passages(count)]
    for i in range(len(texts)):
        (folder / f"doc-{i:04d}.txt").write_text("\n".join(texts[i : i + 20]), encoding="utf-8")
    return folder


def _start_indexing(
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
    while len(_children(process.pid)) < 2 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.1)
    time.sleep(0.5)  # the workers are analyzing
    assert process.poll() is None, "the run ended before it could be interrupted"
    return process, _children(process.pid)


@pytest.mark.parametrize(
    ("sent", "status", "said"), [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")]
)
def test_ctrl_c_or_sigterm_during_a_run_ends_it_at_once_and_keeps_the_index(
    tmp_path: Path, sent: signal.Signals, status: int, said: str
) -> None:
    index_dir = tmp_path / "ix"
    index_documents(corpus_documents(), index_dir)
    process, workers = _start_indexing(_folder_of_long_articles(tmp_path / "many", 2000), index_dir)
    process.send_signal(sent)
    started = time.monotonic()
    _, stderr = process.communicate(timeout=30)

    assert process.returncode == status
    assert time.monotonic() - started < 5
    assert stderr.strip().splitlines() == [f"searchkit: error: {said}; the index keeps what it had before this run"]
    assert _all_gone(workers, within=5)
    assert open_index(index_dir).doc_count() == len(corpus_documents())


def _all_gone(pids: list[str], *, within: float) -> bool:
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


def test_kill_9_during_a_run_keeps_the_last_commit_and_the_next_run_finishes(tmp_path: Path) -> None:
    index_dir = tmp_path / "ix"
    index_documents(corpus_documents(), index_dir)
    folder = _folder_of_long_articles(tmp_path / "many", 600)
    process, workers = _start_indexing(folder, index_dir, stderr=subprocess.DEVNULL)
    process.kill()
    process.wait(timeout=30)

    # The workers notice that their parent is gone and stop, once their batch is done.
    assert _all_gone(workers, within=15)
    # Everything committed before is there and searchable; the lock died with the process.
    assert open_index(index_dir).doc_count() == len(corpus_documents())
    with Searcher(index_dir) as searcher:
        assert searcher.search('"công an"').hits
    report = index_sources([folder], index_dir)
    assert report.added == 600
    assert open_index(index_dir).doc_count() == len(corpus_documents()) + 600
    # What the killed run had written is gone with the next commit.
    named = {segment.segment_id() for segment in open_index(index_dir)._segments()}
    assert {path.name.split(".")[0] for path in index_dir.glob("MAIN_*.*")} <= named


@pytest.mark.parametrize("processes", [1, 2])
def test_progress_counts_every_file_as_it_is_analyzed_or_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, processes: int
) -> None:
    monkeypatch.setattr(segments, "PARALLEL_MIN_DOCUMENTS", 10)
    folder = tmp_path / "docs"
    folder.mkdir()
    for doc in passages(80):
        (folder / doc.path).write_text(f"{doc.title}\n{doc.text}", encoding="utf-8")
    (folder / "empty.txt").write_text("", encoding="utf-8")  # skipped, and still counted
    seen: list[tuple[int, int]] = []

    report = index_sources(
        [folder], tmp_path / "ix", processes=processes, progress=lambda done, total: seen.append((done, total))
    )

    assert report.indexed == 80
    assert seen[-1] == (81, 81)
    assert [done for done, _total in seen] == sorted(done for done, _total in seen)
    assert len(seen) >= 5  # told along the way, not only at the end


def test_equal_scores_are_ordered_by_path_however_the_index_was_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Thirty copies of one text under different names score the same on any query.
    text = "Hội thảo về nuôi tôm ở Bạc Liêu năm nay thu hút nhiều nông dân trong tỉnh."
    copies = [Document(f"copy-{i:02d}.txt", "Nuôi tôm", text) for i in reversed(range(30))]
    documents = [*passages(60), *copies, *passages(120)[60:]]
    monkeypatch.setattr(segments, "PARALLEL_MIN_DOCUMENTS", 10)
    monkeypatch.setattr(segments, "SEGMENT_MEMORY", 200_000)
    index_documents(documents, tmp_path / "one", processes=1)
    index_documents(documents, tmp_path / "two", processes=2)
    query = "nuôi tôm Bạc Liêu"

    with Searcher(tmp_path / "one") as one, Searcher(tmp_path / "two") as two:
        first = [h.path for h in one.search(query, limit=5).hits]
        assert first == [f"copy-{i:02d}.txt" for i in range(5)]
        assert [h.path for h in two.search(query, limit=5).hits] == first
