"""Bytes per document of each view in an OpenSearch index, for sizing a cluster.

OpenSearch 2 has no per-field disk usage API, so each view is measured by what it adds:
the first N articles of a local index are sent to an index holding no view (the stored
title, text, path and dates alone), then to one index per view holding that view alone,
and to one holding every view; each is force-merged to one segment, without replicas,
and its store size read. A view's bytes per document are its index's size less the
base's, over N.

    python benchmarks/opensearch_sizing.py INDEX_DIR --opensearch http://127.0.0.1:9200 --articles 3000
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from searchkit.opensearch.client import Cluster
from searchkit.opensearch.mapping import TEXT_FIELDS, VIEWS, document_source, index_body
from searchkit.store.index import Store


def variant_body(kept: set[str]) -> dict[str, Any]:
    body = index_body(shards=1, replicas=0)
    properties = body["mappings"]["properties"]
    for name in TEXT_FIELDS:
        if name not in kept:
            del properties[name]
    body["mappings"]["_source"]["excludes"] = sorted(kept)
    return body


def fill(cluster: Cluster, name: str, kept: set[str], sources: list[dict[str, Any]]) -> int:
    """Create the index `name` with the fields `kept`, send the documents, merge, and
    give its size in bytes."""
    cluster.request("DELETE", cluster.path(index=name), missing_ok=True)
    cluster.request("PUT", cluster.path(index=name), variant_body(kept))
    lines = []
    for number, source in enumerate(sources):
        document = {key: value for key, value in source.items() if key not in TEXT_FIELDS or key in kept}
        lines.append(
            json.dumps({"index": {"_id": str(number)}}) + "\n" + json.dumps(document, ensure_ascii=False) + "\n"
        )
    for start in range(0, len(lines), 500):
        answer = cluster.request(
            "POST", cluster.path("_bulk", index=name), ndjson="".join(lines[start : start + 500]).encode()
        )
        assert not answer.get("errors"), answer
    cluster.request("POST", cluster.path("_refresh", index=name))
    cluster.request("POST", cluster.path("_forcemerge", index=name) + "?max_num_segments=1")
    time.sleep(1)
    stats = cluster.request("GET", cluster.path("_stats", "store", index=name))
    size = int(stats["_all"]["primaries"]["store"]["size_in_bytes"])
    cluster.request("DELETE", cluster.path(index=name), missing_ok=True)
    return size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("index", type=Path, help="a local searchkit index")
    parser.add_argument("--opensearch", metavar="URL", required=True)
    parser.add_argument("--articles", type=int, default=3000)
    args = parser.parse_args()
    with Store(args.index) as store:
        docnums = list(store.live_documents())[: args.articles]
        sources = [document_source(store.meta(d), store.text(d)) for d in docnums]
    count = len(sources)
    text_bytes = sum(len(str(source["content"]).encode()) for source in sources)
    with Cluster(f"{args.opensearch.rstrip('/')}/sizing") as cluster:
        base = fill(cluster, "sizing-base", set(), sources)
        every = fill(cluster, "sizing-all", set(TEXT_FIELDS), sources)
        views = {}
        for view in VIEWS:
            kept = {name for name in TEXT_FIELDS if name.endswith(f"_{view}")}
            views[view] = fill(cluster, f"sizing-{view.replace('_', '-')}", kept, sources) - base
    when = time.strftime("%Y-%m-%d")
    print(f"opensearch sizing, {count} articles, {text_bytes / count:.0f} bytes of text each ({when})")
    print(f"  stored fields (title, text, path, dates)  {base / count:7.0f} bytes/article")
    for view, size in views.items():
        print(f"  view {view:<36} {size / count:7.0f} bytes/article (body and title)")
    print(f"  every view and the stored fields          {every / count:7.0f} bytes/article (one copy, merged)")
    print(f"  ÷ text                                    {every / text_bytes:7.2f}")


if __name__ == "__main__":
    sys.exit(main())
