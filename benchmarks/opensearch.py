"""searchkit through an OpenSearch cluster beside searchkit alone, on the benchmark corpus.

Copies N articles to a work folder, runs `searchkit index` on it, then `searchkit push`
into the cluster at URL (3 shards, 1 replica), each a process of its own, timed; then
the sizes (the local index's folder, the cluster's store for primaries and in all), and
the latency of queries answered warm by the library, locally and through the cluster:
article titles as ranked queries and keyword runs, top 10 with one snippet each. Last,
whether the cluster matches as the local index does: QUERIES runs drawn from the articles
(1 to 4 syllables, as written, without diacritics, typed in Telex, quoted, negated),
each listed (-l) and counted both ways; it prints how many differ.

    python benchmarks/opensearch.py ../shared/bench/baomoi-35k.tar.gz --opensearch http://127.0.0.1:9200

The cluster is not started here: start one (tests/opensearch_cluster runs several nodes
in one JVM) and give its URL.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from corpus import copy_articles
from searchkit.opensearch.client import Cluster
from searchkit.opensearch.search import RemoteSearcher
from searchkit.searching import Searcher

KEYWORDS = ["công an cấp huyện", "giá vàng", "tọa đàm", "cong an", "bóng đá việt nam", "thời tiết hà nội", "tai nạn"]


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def latencies(search: object, queries: list[str]) -> list[float]:
    found = []
    for query in queries:
        started = time.perf_counter()
        search.search(query, limit=10, snippets=1)  # type: ignore[attr-defined]
        found.append((time.perf_counter() - started) * 1000)
    return found


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def folder_size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--opensearch", metavar="URL", required=True, help="the cluster (its index is 'bench')")
    parser.add_argument("--articles", type=int, default=40_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--parity", type=int, default=300, metavar="QUERIES", help="runs compared (default 300)")
    args = parser.parse_args()
    searchkit = [str(Path(sys.executable).parent / "searchkit")]
    url = f"{args.opensearch.rstrip('/')}/bench"
    with tempfile.TemporaryDirectory(prefix="searchkit-opensearch-") as work:
        articles = copy_articles(args.corpus, args.articles, Path(work, "articles"))
        index_dir = Path(work, "index")
        print(f"{len(articles)} articles, {folder_size(Path(work, 'articles')) / 2**20:.1f} MB", file=sys.stderr)
        index_seconds = timed([*searchkit, "index", str(Path(work, "articles")), "--index", str(index_dir)])
        with Cluster(url) as cluster:
            cluster.request("DELETE", cluster.path(), missing_ok=True)
            cluster.request("DELETE", cluster.path(index=f"{cluster.index}.syllables"), missing_ok=True)
        push_seconds = timed([*searchkit, "push", url, "--index", str(index_dir), "--shards", "3", "--replicas", "1"])
        again_seconds = timed([*searchkit, "push", url, "--index", str(index_dir)])
        with Cluster(url) as cluster:
            store = cluster.request("GET", cluster.path("_stats", "store"))["_all"]
        primaries, total = store["primaries"]["store"]["size_in_bytes"], store["total"]["store"]["size_in_bytes"]
        chance = random.Random(19)
        titles = [path.read_text(encoding="utf-8").split("\n", 1)[0] for path in chance.sample(articles, args.queries)]
        results = {}
        with Searcher(index_dir) as local, RemoteSearcher(Cluster(url)) as remote:
            for name, searcher in (("local", local), ("cluster", remote)):
                latencies(searcher, titles[:10] + KEYWORDS)  # warm
                results[name] = (latencies(searcher, titles), latencies(searcher, KEYWORDS * 5))
        local_size = folder_size(index_dir)
        with Searcher(index_dir) as local, RemoteSearcher(Cluster(url)) as remote:
            differ, kinds = parity(local, remote, articles, args.parity, chance)
    count = len(articles)
    print(f"opensearch benchmark, {count} articles ({time.strftime('%Y-%m-%d')})")
    print(f"  searchkit index          {index_seconds:8.1f} s  {count / index_seconds:7.0f} articles/s")
    print(f"  searchkit push (3x1)     {push_seconds:8.1f} s  {count / push_seconds:7.0f} articles/s")
    print(f"  push again, unchanged    {again_seconds:8.1f} s")
    print(f"  local index              {local_size / 2**20:8.1f} MB  {local_size / count:7.0f} bytes/article")
    print(f"  cluster, primaries       {primaries / 2**20:8.1f} MB  {primaries / count:7.0f} bytes/article")
    print(f"  cluster, with replicas   {total / 2**20:8.1f} MB")
    print("  latency (ms)              p50     p95   (titles)   p50     p95   (keywords)")
    for name, (title_times, keyword_times) in results.items():
        print(
            f"  {name:24}{statistics.median(title_times):6.1f}  {percentile(title_times, 0.95):6.1f}"
            f"            {statistics.median(keyword_times):6.1f}  {percentile(keyword_times, 0.95):6.1f}"
        )
    shown = ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
    print(f"  match sets and counts that differ from local: {len(differ)} of {args.parity} ({shown})")
    for query in differ[:10]:
        print(f"    {query!r}")


def parity(
    local: Searcher, remote: RemoteSearcher, articles: list[Path], count: int, chance: random.Random
) -> tuple[list[str], dict[str, int]]:
    """The queries (drawn runs of each kind) whose listing or count differs."""
    from searchkit.analysis import analyze, fold_diacritics

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from reference import typed_in_telex

    differ = []
    kinds: dict[str, int] = {}
    for _ in range(count):
        text = chance.choice(articles).read_text(encoding="utf-8")[:3000]
        syllables = [token.text for token in analyze(text, words=False).syllables]
        length = chance.randint(1, 4)
        start = chance.randint(0, max(0, len(syllables) - length))
        run = " ".join(syllables[start : start + length])
        kind = chance.choice(["as written", "no diacritics", "telex", "phrase", "negated"])
        query = {
            "as written": run,
            "no diacritics": fold_diacritics(run),
            "telex": " ".join(typed_in_telex(syllable) for syllable in run.split()),
            "phrase": f'"{run}"',
            "negated": f"công an NOT {run}",
        }[kind]
        kinds[kind] = kinds.get(kind, 0) + 1
        mine = local.search(query, limit=None, paths_only=True)
        theirs = remote.search(query, limit=None, paths_only=True, snippets=0)
        if sorted(h.path for h in mine.hits) != sorted(h.path for h in theirs.hits) or mine.total != theirs.total:
            differ.append(query)
    return differ, kinds


if __name__ == "__main__":
    main()
