"""Where indexing's time goes: CPU milliseconds per article for each stage, in one
process, so that the floor under `searchkit index` is visible.

    python benchmarks/stages.py /tmp/bench/data --articles 3000

The stages, each timed on its own over the same articles (each stage's input made
by the stages before it, outside its timing):

  reading      the file to a Document (`read_source`: decoding, title, date)
  normalizing  NFC with offsets, syllables split and written canonically (`split_pieces`)
  segmenting   pyvi's model joining syllables into words (`Segmenter.joins`, per line)
  views        the terms of every view of body and title (`document_parts`, less the two above)
  postings     adding each document's terms to a segment (`SegmentWriter.add`)
  writing      sorting the postings and writing the segment's files (`SegmentWriter.finish`)

A worker process does all of them for its documents; the parent only reads files
(the `reading` stage) and commits. Progress goes to stderr, the table to stdout.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from searchkit.analysis import get_segmenter, split_pieces
from searchkit.documents import Document, read_source
from searchkit.schema import ID_FIELDS, document_parts
from searchkit.store.index import TEXT_FIELDS
from searchkit.store.segment import SegmentWriter


def cpu_seconds(work: Callable[[], object]) -> float:
    started = time.process_time()
    work()
    return time.process_time() - started


def measure(files: list[Path]) -> dict[str, float]:
    """Seconds of CPU for each stage over `files`."""
    documents: list[Document] = []
    seconds: dict[str, float] = {}

    def read() -> None:
        for path in files:
            documents.extend(read_source(path, None).documents)

    seconds["reading"] = cpu_seconds(read)
    texts = [text for doc in documents for text in (doc.text, doc.title) if text]
    lines: list[list[str]] = []

    def normalize() -> None:
        for text in texts:
            lines.extend([piece.segmenter_token for piece in line] for line in split_pieces(text))

    seconds["normalizing"] = cpu_seconds(normalize)
    segmenter = get_segmenter()

    def segment() -> None:
        for line in lines:
            segmenter.joins(line)

    seconds["segmenting"] = cpu_seconds(segment)
    parts: list[tuple[dict[str, object], dict[str, str], dict[str, list[str]]]] = []
    everything = cpu_seconds(lambda: parts.extend(document_parts(doc) for doc in documents))
    seconds["views"] = max(0.0, everything - seconds["normalizing"] - seconds["segmenting"])
    with tempfile.TemporaryDirectory() as folder:
        writer = SegmentWriter(Path(folder), TEXT_FIELDS, ID_FIELDS)

        def add() -> None:
            for stored, ids, indexed in parts:
                writer.add(stored, ids, indexed)

        seconds["postings"] = cpu_seconds(add)
        seconds["writing"] = cpu_seconds(writer.finish)
    return seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="a folder of .txt articles")
    parser.add_argument("--articles", type=int, default=3000, metavar="N", help="the first N files (default 3000)")
    args = parser.parse_args(argv)
    files = sorted(args.folder.glob("*.txt"))[: args.articles]
    if not files:
        raise SystemExit(f"no .txt files in {args.folder}")
    print(f"stages: {len(files)} articles from {args.folder}", file=sys.stderr)
    seconds = measure(files)
    total = sum(seconds.values())
    print(f"{'stage':12} {'ms/article':>10} {'share':>7}")
    for stage, spent in seconds.items():
        print(f"{stage:12} {spent * 1000 / len(files):10.3f} {spent / total:7.1%}")
    print(f"{'all':12} {total * 1000 / len(files):10.3f} {1:7.0%}")


if __name__ == "__main__":
    main()
