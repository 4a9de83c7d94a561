"""What indexing a folder again costs: `searchkit index` on a copy of the first N
articles, then again on the unchanged folder, then after changing one file, adding one
and deleting one. Each run is a new `searchkit index` process; wall times and their
ratio to the first run go to stdout, progress to stderr.

SOURCE is a folder of .txt files or a .tar.gz of them (such as
../shared/bench/baomoi-35k.tar.gz); the first N by file name are copied to a work folder.

Example:
    python benchmarks/incremental.py ../shared/bench/baomoi-35k.tar.gz --articles 5000
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from corpus import copy_articles


def progress(message: str) -> None:
    print(f"incremental: {message}", file=sys.stderr, flush=True)


def run_index(folder: Path, index_dir: Path) -> tuple[float, str]:
    searchkit = Path(sys.executable).parent / "searchkit"
    started = time.perf_counter()
    done = subprocess.run(
        [str(searchkit), "index", str(folder), "--index", str(index_dir)], capture_output=True, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"incremental: searchkit index failed: {done.stderr.decode('utf-8', 'replace').strip()}")
    return seconds, done.stderr.decode("utf-8", "replace").strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path)
    parser.add_argument("--articles", type=int, default=5000, metavar="N", help="default 5000")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="searchkit-incremental-") as work:
        folder, index_dir = Path(work, "articles"), Path(work, "index")
        progress(f"copying the first {args.articles:,} articles")
        articles = copy_articles(args.source, args.articles, folder)
        runs = []
        progress("first run")
        runs.append(("first run", *run_index(folder, index_dir)))
        progress("second run, nothing changed")
        runs.append(("again, nothing changed", *run_index(folder, index_dir)))
        changed = articles[len(articles) // 2]
        changed.write_text(changed.read_text(encoding="utf-8") + "\nMột đoạn viết thêm.\n", encoding="utf-8")
        progress("one file changed")
        runs.append(("again, one file changed", *run_index(folder, index_dir)))
        (folder / "bai-moi.txt").write_text("Bài mới\n\nMột bài báo mới về giá lúa gạo.\n", encoding="utf-8")
        articles[0].unlink()
        progress("one file added, one deleted")
        runs.append(("again, one added, one deleted", *run_index(folder, index_dir)))
    first = runs[0][1]
    print(f"indexing {len(articles):,} articles again (each run a new searchkit index process)")
    print(f"  {'run':32} {'wall s':>8} {'÷ first':>8}  what searchkit said")
    for name, seconds, said in runs:
        print(f"  {name:32} {seconds:8.2f} {seconds / first:8.1%}  {said.removeprefix('searchkit: ')}")


if __name__ == "__main__":
    main()
