"""How many articles get a date of their own, and samples to check them by reading.

Copies N articles of the benchmark corpus to a temporary folder (so that every file's
modification time is the day of the copy, as after an unzip or a `cp`), reads each as
`searchkit index` does, and prints how many are dated by the document itself and how
many only by their file's time. Then it draws, with a fixed seed, SAMPLE articles among
those dated by the document and SAMPLE among the others, and prints for each its date
and the head it was read from, for a person to check: is the date the article's, and
does an undated article really give no date?

    python benchmarks/dates.py ../shared/bench/baomoi-35k.tar.gz --articles 2000
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
from collections import Counter
from pathlib import Path

from corpus import copy_articles
from searchkit.documents import read_document

HEAD_SHOWN = 420


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="the benchmark's .tar.gz, or a folder of its articles")
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--sample", type=int, default=50)
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as work:
        folder = Path(work, "articles")
        for path in copy_articles(args.corpus, args.articles, folder):
            os.utime(path)  # as after an unzip or a plain cp: the day of the copy
        dated: dict[str, list[tuple[Path, str]]] = {"document": [], "file": []}
        years: Counter[str] = Counter()
        for path in sorted(folder.iterdir()):
            doc = read_document(path)
            assert doc.date is not None and doc.date_source is not None
            dated[doc.date_source].append((path, doc.date))
            if doc.date_source == "document":
                years[doc.date[:4]] += 1
        total = sum(len(found) for found in dated.values())
        print(f"{total} articles copied today")
        for source, found in dated.items():
            print(f"  dated by the {source}: {len(found)} ({len(found) / total:.1%})")
        print("  years of the document dates:", ", ".join(f"{y} {n}" for y, n in sorted(years.items())))
        chance = random.Random(args.seed)
        for source, found in dated.items():
            drawn = sorted(chance.sample(found, min(args.sample, len(found))))
            print(f"\n=== {len(drawn)} drawn among those dated by the {source} (seed {args.seed}) ===")
            for number, (path, date) in enumerate(drawn, 1):
                head = " ".join(path.read_text(encoding="utf-8")[:HEAD_SHOWN].split())
                shown = date if source == "document" else "no date of its own"
                print(f"\n[{number}] {path.name}  ->  {shown}\n    {head}")


if __name__ == "__main__":
    main()
