"""A push survives a node that dies in the middle of it, and the cluster keeps answering.

Runs after tests/test_opensearch.py (the node it stops stays stopped for the session)."""

from __future__ import annotations

import contextlib
from pathlib import Path

from typer.testing import CliRunner, Result

from searchkit.cli import app
from searchkit.indexing import index_sources
from searchkit.opensearch.client import Cluster, ClusterError
from searchkit.opensearch.push import push
from tests.conftest import CORPUS, OpenSearchCluster

runner = CliRunner()


def run(*args: str) -> Result:
    return runner.invoke(app, list(args))


def test_a_node_that_dies_during_a_push_loses_nothing(opensearch: OpenSearchCluster, tmp_path: Path) -> None:
    folder = tmp_path / "paragraphs"
    folder.mkdir()
    count = 0
    for article in sorted(CORPUS.glob("*.txt")):
        for line in article.read_text(encoding="utf-8").splitlines():
            if line.strip():
                (folder / f"{article.stem[:20]}-{count:03d}.txt").write_text(line + "\n", encoding="utf-8")
                count += 1
    index_dir = tmp_path / "index"
    index_sources([folder], index_dir)
    url = opensearch.url("faults")
    answers: list[int] = []

    def progress(done: int, total: int) -> None:
        # A third of the way in, a node (not the one spoken to) dies; the cluster answers.
        if done >= total // 3 and "node-2" not in opensearch.stopped:
            opensearch.stop_node("node-2")
        if "node-2" in opensearch.stopped:
            answers.append(run("query", "công an", "-c", "--opensearch", url).exit_code)

    # Turned away for good, if it is: the next push completes it.
    with Cluster(url) as cluster, contextlib.suppress(ClusterError):
        push(index_dir, cluster, shards=3, replicas=1, batch_bytes=4000, progress=progress)
    assert "node-2" in opensearch.stopped
    assert answers and set(answers) <= {0, 1}  # answered, never an error

    again = run("push", url, "--index", str(index_dir))
    assert again.exit_code == 0, again.output
    assert f"holds {count} documents" in again.stderr
    # Every document is there exactly once, and finds what it finds locally.
    for query in ("công an", "cong an cap huyen", '"tọa đàm"', "NOT thi đua"):
        local = run("query", query, "-l", "--index", str(index_dir)).stdout.splitlines()
        remote = run("query", query, "-l", "--opensearch", url).stdout.splitlines()
        assert sorted(remote) == sorted(local) and len(set(remote)) == len(remote)
    assert run("query", "NOT xyzw", "-c", "--opensearch", url).stdout == f"{count}\n"
