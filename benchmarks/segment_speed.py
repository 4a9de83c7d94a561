"""Word segmentation speed: searchkit's Segmenter against pyvi.ViTokenizer.tokenize.

Both sides segment the same lines, one at a time, in this one process, after their
models are loaded, taking turns for a few passes; the best pass of each is reported,
and the outputs are compared line by line.

Example:
    python benchmarks/segment_speed.py /tmp/bench/data --files 1500
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path


def read_lines(folder: Path, files: int) -> list[str]:
    """The non-empty lines of the first `files` .txt files of `folder`, by name."""
    paths = sorted(folder.glob("*.txt"))[:files]
    if not paths:
        raise SystemExit(f"no .txt files in {folder}")
    return [line for path in paths for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def timed_pass(tokenize: Callable[[str], str], lines: list[str]) -> tuple[float, list[str]]:
    """The wall time of one pass over `lines`, and its output."""
    start = time.perf_counter()
    out = [tokenize(line) for line in lines]
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, help="a folder of UTF-8 .txt files")
    parser.add_argument("--files", type=int, default=1500, help="how many files to read (default 1500)")
    parser.add_argument("--repeat", type=int, default=3, help="passes per side, taking turns (default 3)")
    args = parser.parse_args()

    lines = read_lines(args.folder, args.files)
    megabytes = sum(len(line.encode("utf-8")) for line in lines) / 1e6
    print(f"{len(lines):,} lines, {megabytes:.2f} MB from {args.files:,} files in {args.folder}")

    # searchkit first, so that its load time includes importing pycrfsuite.
    start = time.perf_counter()
    from searchkit.analysis.segmentation import get_segmenter

    segmenter = get_segmenter()
    ours_load = time.perf_counter() - start
    start = time.perf_counter()
    from pyvi import ViTokenizer

    pyvi_load = time.perf_counter() - start
    print(f"model load: pyvi import {pyvi_load * 1000:.0f} ms, searchkit Segmenter() {ours_load * 1000:.0f} ms")

    # Warm up both (first calls pay for lazy imports and caches).
    for line in lines[:20]:
        ViTokenizer.tokenize(line)
        segmenter.tokenize(line)

    # The sides take turns, so that a change in the machine's load weighs on both.
    times: dict[str, list[float]] = {"pyvi.ViTokenizer.tokenize": [], "searchkit Segmenter.tokenize": []}
    outputs: dict[str, list[str]] = {}
    for _ in range(max(1, args.repeat)):
        for name, tokenize in zip(times, (ViTokenizer.tokenize, segmenter.tokenize), strict=True):
            seconds, outputs[name] = timed_pass(tokenize, lines)
            times[name].append(seconds)
    for name, passes in times.items():
        best = min(passes)
        every = " ".join(f"{seconds:.2f}" for seconds in passes)
        print(
            f"{name:30} {best:6.2f} s {len(lines) / best:7.0f} lines/s {megabytes / best:6.3f} MB/s (passes: {every} s)"
        )
    theirs_times, ours_times = times.values()
    print(
        f"ratio: searchkit is {min(theirs_times) / min(ours_times):.2f}x pyvi on the best passes, "
        f"{theirs_times[0] / ours_times[0]:.2f}x on the first (searchkit remembering few syllables yet)"
    )

    theirs, ours = outputs.values()
    differing = [(line, a, b) for line, a, b in zip(lines, ours, theirs, strict=True) if a != b]
    print(f"identical: {len(lines) - len(differing):,} of {len(lines):,} lines ({len(differing)} differ)")
    if differing:
        line, a, b = differing[0]
        print(f"first difference:\n  line:      {line!r}\n  searchkit: {a!r}\n  pyvi:      {b!r}")


if __name__ == "__main__":
    main()
