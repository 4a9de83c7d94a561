"""A push survives a node that dies in the middle of it, and the cluster keeps answering.

Runs after tests/test_opensearch.py (the node it stops stays stopped for the session)."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner, Result

from searchkit.cli import app
from searchkit.indexing import index_sources
from searchkit.opensearch.client import Cluster, ClusterError
from searchkit.opensearch.push import ensure_index, push
from tests.conftest import CORPUS, OpenSearchCluster

runner = CliRunner()
COPIES = 1500


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
    said: list[str] = []
    with Cluster(url) as cluster:
        # The index made, its replicas in place: a node that dies before its shards
        # have a copy elsewhere takes them with it, on any cluster.
        ensure_index(cluster, shards=3, replicas=1)
        cluster.request("GET", "/_cluster/health/faults?wait_for_status=green&timeout=60s")
        manager = cluster.request("GET", "/_cluster/state/cluster_manager_node,nodes")
        nodes = {node_id: node["name"] for node_id, node in manager["nodes"].items()}
        # Not the node spoken to, nor the cluster manager (whose election takes the most time).
        victim = next(n for n in ("node-2", "node-1") if n != nodes[manager["cluster_manager_node"]])

    def progress(done: int, total: int) -> None:
        # A third of the way in, the node dies; the cluster answers meanwhile.
        if done >= total // 3 and victim not in opensearch.stopped:
            opensearch.stop_node(victim)
        if victim in opensearch.stopped:
            answered = run("query", "công an", "-c", "--opensearch", url)
            answers.append(answered.exit_code)
            said.append(answered.stderr)

    # Turned away for good, if it is: the next push completes it.
    with Cluster(url) as cluster, contextlib.suppress(ClusterError):
        push(index_dir, cluster, shards=3, replicas=1, batch_bytes=4000, progress=progress)
    assert victim in opensearch.stopped
    assert answers and set(answers) <= {0, 1}, said  # answered, never an error

    again = run("push", url, "--index", str(index_dir))
    assert again.exit_code == 0, again.output
    assert f"holds {count} documents" in again.stderr
    # Every document is there exactly once, and finds what it finds locally.
    for query in ("công an", "cong an cap huyen", '"tọa đàm"', "NOT thi đua"):
        local = run("query", query, "-l", "--index", str(index_dir)).stdout.splitlines()
        remote = run("query", query, "-l", "--opensearch", url).stdout.splitlines()
        assert sorted(remote) == sorted(local) and len(set(remote)) == len(remote), query
    assert run("query", "NOT xyzw", "-c", "--opensearch", url).stdout == f"{count}\n"


def test_an_interrupted_push_exits_130_and_pushing_again_completes_it(
    opensearch: OpenSearchCluster, tmp_path: Path
) -> None:
    folder = tmp_path / "tin"
    folder.mkdir()
    articles = [path.read_text(encoding="utf-8") for path in sorted(CORPUS.glob("*.txt"))]
    for number in range(COPIES):  # whole articles, enough that a push takes seconds
        text = f"Tin số {number}\n{articles[number % len(articles)]}"
        (folder / f"tin-{number:04d}.txt").write_text(text, encoding="utf-8")
    index_dir = tmp_path / "index"
    index_sources([folder], index_dir)
    url = opensearch.url("interrupted")
    command = [sys.executable, "-c", "from searchkit.cli import main; main()", "push", url, "--index", str(index_dir)]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    # Interrupted once the first documents have arrived.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        with contextlib.suppress(ClusterError), Cluster(url) as cluster:
            if cluster.request("GET", cluster.path("_count"), missing_ok=True).get("count"):
                break
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert (
        stderr.strip().splitlines()[-1]
        == "searchkit: error: interrupted; what was sent is kept; push again to complete it"
    )
    again = run("push", url, "--index", str(index_dir))
    assert again.exit_code == 0 and f"holds {COPIES} documents" in again.stderr
    assert run("query", "Tin số", "-c", "--opensearch", url).stdout == f"{COPIES}\n"
