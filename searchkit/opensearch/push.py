"""Sending an index's documents to the cluster: only what changed since the last push.

What was pushed is recorded in the cluster itself: each document carries the digest of
the version sent (see `mapping.digest`), so a push from any machine reads the digests
back and sends the documents that are new or changed, and deletes those gone. Each
batch is a bulk request of at most `BATCH_BYTES`; a request the cluster turns away
(429, 5xx, a node gone) is sent again after a pause, and so are the items a 200 answer
reports as failed. Ctrl-C or a node dying loses nothing: documents are replaced by id,
and the next push sends whatever has not arrived.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from searchkit.opensearch import statistics
from searchkit.opensearch.client import Cluster, ClusterError
from searchkit.opensearch.mapping import FORMAT, digest, document_id, document_source, index_body

BATCH_BYTES = 4 * 1024 * 1024
_SCROLL = "2m"


@dataclass
class PushReport:
    """What a push did."""

    sent: int = 0
    deleted: int = 0
    unchanged: int = 0
    total: int = 0
    # Bulk items the cluster turned away at first and took when sent again.
    retried: int = 0
    seconds: float = 0.0
    created: bool = False


# Told (documents done, documents to send) as batches are taken.
Progress = Callable[[int, int], None]


def push(
    index_dir: Path,
    cluster: Cluster,
    *,
    shards: int = 1,
    replicas: int = 1,
    batch_bytes: int = BATCH_BYTES,
    progress: Progress | None = None,
) -> PushReport:
    """Bring the cluster's index up to date with the local index at `index_dir`,
    creating it (with `shards` and `replicas`) if missing; then the statistics of its
    syllables (see `statistics`)."""
    from searchkit.store.index import Store

    started = time.perf_counter()
    report = PushReport(created=ensure_index(cluster, shards=shards, replicas=replicas))
    with Store(index_dir) as store:
        sent = remote_digests(cluster, cluster.index)
        wanted: list[tuple[str, int]] = []
        local: set[str] = set()
        for docnum in store.live_documents():
            meta = store.meta(docnum)
            doc_id = document_id(str(meta["path"]))
            local.add(doc_id)
            if sent.get(doc_id) == digest(meta):
                report.unchanged += 1
            else:
                wanted.append((doc_id, docnum))
        gone = [doc_id for doc_id in sent if doc_id not in local]

        def actions() -> Iterator[tuple[str, bytes]]:
            for doc_id, docnum in wanted:
                source = document_source(store.meta(docnum), store.text(docnum))
                yield doc_id, _line({"index": {"_id": doc_id}}) + _line(source)
            for doc_id in gone:
                yield doc_id, _line({"delete": {"_id": doc_id}})

        done = 0
        for batch in _batches(actions(), batch_bytes):
            report.retried += _bulk(cluster, batch, cluster.index)
            done += len(batch)
            if progress is not None:
                progress(done, len(wanted) + len(gone))
        report.sent, report.deleted = len(wanted), len(gone)
        _push_statistics(cluster, store, batch_bytes)
    for index in (cluster.index, statistics.index_name(cluster.index)):
        cluster.request("POST", cluster.path("_refresh", index=index))
    report.total = int(cluster.request("GET", cluster.path("_count")).get("count", 0))
    report.seconds = time.perf_counter() - started
    return report


def _push_statistics(cluster: Cluster, store: object, batch_bytes: int) -> None:
    """Send the statistics of the syllables that changed, and delete those gone."""
    index = statistics.index_name(cluster.index)
    if not cluster.request("GET", cluster.path("_mapping", index=index), missing_ok=True):
        cluster.request("PUT", cluster.path(index=index), statistics.index_body())
    sent = remote_digests(cluster, index)
    kept: set[str] = set()

    def actions() -> Iterator[tuple[str, bytes]]:
        for doc_id, document in statistics.documents(store):
            kept.add(doc_id)
            if sent.get(doc_id) != document["digest"]:
                yield doc_id, _line({"index": {"_id": doc_id}}) + _line(document)

    for batch in _batches(actions(), batch_bytes):
        _bulk(cluster, batch, index)
    gone = [(doc_id, _line({"delete": {"_id": doc_id}})) for doc_id in sent if doc_id not in kept]
    for batch in _batches(iter(gone), batch_bytes):
        _bulk(cluster, batch, index)


def ensure_index(cluster: Cluster, *, shards: int, replicas: int) -> bool:
    """Create the index if it is missing (True then); refuse one that another version
    of searchkit, or something else, wrote."""
    found = cluster.request("GET", cluster.path("_mapping"), missing_ok=True)
    if not found:
        cluster.request("PUT", cluster.path(), index_body(shards=shards, replicas=replicas))
        return True
    check_format(cluster, found)
    return False


def check_format(cluster: Cluster, mappings: dict[str, Any]) -> None:
    """Raise ClusterError unless the index's mapping is this version's of searchkit."""
    for answer in mappings.values():
        meta = (answer.get("mappings") or {}).get("_meta") or {}
        written = (meta.get("searchkit") or {}).get("format")
        if written != FORMAT:
            what = f"format {written}" if written is not None else "not searchkit"
            raise ClusterError(
                f"the index {cluster.shown} was written by another version of searchkit ({what}, "
                f"this one writes format {FORMAT}); push to another index, or delete it first"
            )


def remote_digests(cluster: Cluster, index: str) -> dict[str, str]:
    """The digest of every document of an index of the cluster, by id."""
    found: dict[str, str] = {}
    body = {"size": 5000, "_source": False, "docvalue_fields": ["digest"], "sort": ["_doc"]}
    answer = cluster.request("POST", cluster.path("_search", index=index) + f"?scroll={_SCROLL}", body)
    scroll = answer.get("_scroll_id")
    try:
        while True:
            hits = answer.get("hits", {}).get("hits", [])
            if not hits:
                break
            for hit in hits:
                values = (hit.get("fields") or {}).get("digest") or [""]
                found[hit["_id"]] = values[0]
            answer = cluster.request("POST", "/_search/scroll", {"scroll": _SCROLL, "scroll_id": scroll})
            scroll = answer.get("_scroll_id", scroll)
    finally:
        if scroll:
            cluster.request("DELETE", "/_search/scroll", {"scroll_id": scroll}, missing_ok=True)
    return found


def _line(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogateescape") + b"\n"


def _batches(actions: Iterator[tuple[str, bytes]], most: int) -> Iterator[list[tuple[str, bytes]]]:
    """The actions in batches of at most `most` bytes (one action, however big, alone)."""
    batch: list[tuple[str, bytes]] = []
    size = 0
    for action in actions:
        if batch and size + len(action[1]) > most:
            yield batch
            batch, size = [], 0
        batch.append(action)
        size += len(action[1])
    if batch:
        yield batch


# Item statuses that sending the item again may cure.
_TRANSIENT = frozenset({429, 500, 502, 503, 504})


def _bulk(cluster: Cluster, batch: list[tuple[str, bytes]], index: str) -> int:
    """Send one batch; the items a 200 answer says failed for a passing reason are
    sent again, after pauses that double. How many were sent again."""
    retried = 0
    pending = batch
    pause = 0.5
    for _attempt in range(8):
        answer = cluster.request(
            "POST", cluster.path("_bulk", index=index), ndjson=b"".join(line for _, line in pending)
        )
        if not answer.get("errors"):
            return retried
        failed = []
        for (doc_id, line), item in zip(pending, answer.get("items", []), strict=False):
            ((action, result),) = item.items()
            status = int(result.get("status", 500))
            if status < 300 or (action == "delete" and status == 404):
                continue
            if status not in _TRANSIENT:
                error = result.get("error") or {}
                raise ClusterError(
                    f"{cluster.shown} refused document {doc_id}: {error.get('type')}: {error.get('reason')}"
                )
            failed.append((doc_id, line))
        if not failed:
            return retried
        retried += len(failed)
        pending = failed
        time.sleep(pause)
        pause *= 2
    raise ClusterError(f"{cluster.shown} kept turning away {len(pending)} documents; push again later")
