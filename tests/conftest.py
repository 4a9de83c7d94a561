"""Shared fixtures: the demo corpus, an index of it built once per test session, and an
OpenSearch cluster for the tests that ask for one."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import Server, start_server

from searchkit.indexing import index_sources

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The demo corpus shipped with the project (five real Vietnamese news articles)."""
    return CORPUS


@pytest.fixture(scope="session")
def demo_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the demo corpus, built once with the real analyzer and Whoosh."""
    index_dir = tmp_path_factory.mktemp("demo-index")
    report = index_sources([CORPUS], index_dir)
    assert report.indexed == len(list(CORPUS.glob("*.txt")))
    return index_dir


@pytest.fixture(scope="session")
def demo_server(demo_index: Path) -> Iterator[Server]:
    """`searchkit serve` of the demo index for the session, run in the project's folder
    (so paths are shown as `corpus/...`, as `searchkit query` there shows them)."""
    server = start_server(demo_index, cwd=REPO)
    yield server
    server.stop()


def corpus_file(name_part: str) -> Path:
    """The one demo article whose file name contains `name_part`."""
    matches = [p for p in CORPUS.glob("*.txt") if name_part in p.name]
    assert len(matches) == 1, matches
    return matches[0]


# ---- an OpenSearch cluster ------------------------------------------------------------------------

CLUSTER_PROJECT = REPO / "tests" / "opensearch_cluster"
CLUSTER_NODES = 3
# The last node asks for the user "searchkit" and this password (BasicAuth.java), as a
# cluster with a security plugin does; the others answer everyone.
CLUSTER_PASSWORD = "mat-khau-thu"


class OpenSearchCluster:
    """Three OpenSearch nodes on loopback, in one JVM (tests/opensearch_cluster)."""

    def __init__(self, process: subprocess.Popen[str], http_port: int) -> None:
        self.process = process
        self.http_port = http_port
        self.stopped: set[str] = set()

    def url(self, index: str, node: int = 0) -> str:
        return f"http://127.0.0.1:{self.http_port + node}/{index}"

    def stop_node(self, name: str) -> None:
        """Stop one node abruptly, as a node that dies."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"stop {name}\n")
        self.process.stdin.flush()
        assert self.process.stdout.readline().strip() == f"stopped {name}"
        self.stopped.add(name)


def _tools_missing() -> str | None:
    for tool in ("java", "mvn"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (the OpenSearch tests need Java 17 and Maven)"
    return None


def _free_ports(count: int) -> int:
    """A first port of `count` free ones in a row, for the HTTP and transport ports."""
    for first in range(20000, 60000, 97):
        ports = range(first, first + 2 * count)
        free = True
        for port in ports:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    free = False
                    break
        if free:
            return first
    raise RuntimeError("no free ports on loopback")


@pytest.fixture(scope="session")
def opensearch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenSearchCluster]:
    """A 3-node OpenSearch 2.19 cluster on loopback for the session. Skipped where Java
    or Maven is missing, except in CI (CI=true), where that is a failure."""
    missing = _tools_missing()
    if missing is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(missing)
        pytest.skip(missing)
    built = subprocess.run(
        ["mvn", "-q", "-B", "package", "-DskipTests", "-f", str(CLUSTER_PROJECT / "pom.xml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    first = _free_ports(CLUSTER_NODES)
    home = tmp_path_factory.mktemp("opensearch")
    classpath = f"{CLUSTER_PROJECT / 'target' / 'classes'}:{CLUSTER_PROJECT / 'target' / 'lib'}/*"
    log = (home / "nodes.log").open("w")
    process = subprocess.Popen(
        [
            "java",
            "-Xms512m",
            "-Xmx1g",
            "-Dopensearch.set.netty.runtime.available.processors=false",
            "-cp",
            classpath,
            "searchkit.cluster.Cluster",
            str(home),
            str(CLUSTER_NODES),
            str(first),
            str(first + CLUSTER_NODES),
            CLUSTER_PASSWORD,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.strip() == "started", (home / "nodes.log").read_text()[-3000:]
        cluster = OpenSearchCluster(process, first)
        _wait_for_green(cluster)
        yield cluster
    finally:
        if process.poll() is None and process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.write("quit\n")
                process.stdin.close()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout is not None:
            process.stdout.close()
        log.close()


def _wait_for_green(cluster: OpenSearchCluster) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{cluster.http_port}/_cluster/health") as answer:
                health = json.load(answer)
            if health.get("number_of_nodes") == CLUSTER_NODES and health.get("status") == "green":
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError("the cluster did not turn green in 120 s")
