"""The same search through an OpenSearch cluster: `searchkit push`, then queries with
--opensearch that match, count and order what the local index does (a real 3-node
cluster, see tests/opensearch_cluster)."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import ssl
import subprocess
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from searchkit.analysis import analyze, fold_diacritics
from searchkit.cli import app
from searchkit.indexing import index_sources
from searchkit.opensearch import search as remote_search
from searchkit.opensearch.client import Cluster
from searchkit.opensearch.search import RemoteSearcher
from searchkit.searching import Searcher
from tests.conftest import CLUSTER_NODES, CLUSTER_PASSWORD, CORPUS, OpenSearchCluster, corpus_file

runner = CliRunner()


def run(*args: str) -> Result:
    return runner.invoke(app, list(args))


def pushed(cluster: OpenSearchCluster, index_dir: Path, name: str) -> str:
    url = cluster.url(name)
    result = run("push", url, "--index", str(index_dir), "--shards", "3", "--replicas", "1")
    assert result.exit_code == 0, result.output
    return url


@pytest.fixture(scope="module")
def demo(opensearch: OpenSearchCluster, demo_index: Path) -> tuple[Path, str]:
    return demo_index, pushed(opensearch, demo_index, "demo")


@pytest.fixture(scope="module")
def paragraphs(opensearch: OpenSearchCluster, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, list[str]]:
    """Every paragraph of the demo articles as a document of its own, indexed and pushed."""
    folder = tmp_path_factory.mktemp("paragraphs")
    lines = []
    for article in sorted(CORPUS.glob("*.txt")):
        for line in article.read_text(encoding="utf-8").splitlines():
            if line.strip():
                (folder / f"{article.stem[:20]}-{len(lines):03d}.txt").write_text(line + "\n", encoding="utf-8")
                lines.append(line)
    index_dir = tmp_path_factory.mktemp("paragraphs-index")
    index_sources([folder], index_dir)
    return index_dir, pushed(opensearch, index_dir, "paragraphs"), lines


def both(index_dir: Path, url: str, *args: str) -> tuple[Result, Result]:
    local = run("query", *args, "--index", str(index_dir))
    remote = run("query", *args, "--opensearch", url)
    return local, remote


# Every kind of query of "What a query matches" and "Typed as people type".
QUERIES = [
    "cong an cap huyen",  # without diacritics: every spelling, words from the restored reading
    "toa dam",
    "hai phong",
    "tọa đám",  # no document has it: searched again without diacritics
    "coong an caaps huyeenj",  # Telex
    "co6ng an ca6p1 huye6n5",  # VNI
    "cong an cap huyn",  # a typing mistake
    "bacs six",
    "công an",
    "công an cấp huyện",
    "tọa đàm",
    "toạ đàm",  # the other tone placement: the same spelling
    "đàm",
    "Đảng ủy",
    '"công an thành phố"',
    '"chính trị - xã hội"',  # a phrase with punctuation: each part written together
    "Vai trò của các tổ chức đoàn thể và đoàn viên trong công tác xây dựng lực lượng",  # ranked
    "công an là gì",  # a question
    '"công an" NOT "Hải Phòng"',
    "tọa đàm OR hội thảo",
    "(thi đua OR tọa đàm) AND Hà Nội",
    "title:công an",
    "công an date:2021",
    "công an date:2019..2021-09-10",
    "công an path:*.txt",
    "công an path:tien-phong",
    "NOT công an",
]


@pytest.mark.parametrize("query", QUERIES)
def test_the_cluster_matches_counts_and_orders_as_the_local_index(demo: tuple[Path, str], query: str) -> None:
    index_dir, url = demo
    for args in (
        ["-l"],
        ["-c"],
        ["-c", "--exact"],
        ["-l", "--sort", "date"],
        ["-l", "--since", "2021-01-01"],
        ["--json", "-n", "20"],
    ):
        local, remote = both(index_dir, url, query, *args)
        assert (remote.exit_code, remote.stderr) == (local.exit_code, local.stderr), (args, remote.output)
        if args[0] == "--json":
            # The same hits, each as shown locally; their order is the ranking's, which
            # benchmarks/relevance.py --opensearch compares (scores differ by length norms).
            found = {hit["path"]: hit for hit in map(json.loads, remote.stdout.splitlines())}
            expected = {hit["path"]: hit for hit in map(json.loads, local.stdout.splitlines())}
            assert found.keys() == expected.keys()
            for path, wanted in expected.items():
                hit = found[path]
                assert (hit["title"], hit["date"], hit["date_source"]) == (
                    wanted["title"],
                    wanted["date"],
                    wanted["date_source"],
                )
                assert (hit["snippet"], hit["highlights"]) == (wanted["snippet"], wanted["highlights"])
                assert hit["score"] == pytest.approx(wanted["score"], rel=0.15)
        elif args[0] == "-c":  # with --exact, stderr says "did you mean" alike
            assert remote.stdout == local.stdout
        else:
            assert sorted(remote.stdout.splitlines()) == sorted(local.stdout.splitlines()), args


def exact_runs(lines: list[str]) -> st.SearchStrategy[str]:
    """Syllables that follow each other in one paragraph, as written or without their
    diacritics, sometimes quoted."""

    @st.composite
    def draw_run(draw: st.DrawFn) -> str:
        line = draw(st.sampled_from(lines))
        syllables = [t.text for t in analyze(line, words=False).syllables]
        length = draw(st.integers(1, 4))
        start = draw(st.integers(0, max(0, len(syllables) - length)))
        run = " ".join(syllables[start : start + length])
        run = fold_diacritics(run) if draw(st.booleans()) else run
        return f'"{run}"' if draw(st.booleans()) else run

    return draw_run()


@pytest.fixture(scope="module")
def paragraph_lines(paragraphs: tuple[Path, str, list[str]]) -> list[str]:
    return paragraphs[2]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_runs_drawn_from_the_paragraphs_match_as_locally(
    paragraphs: tuple[Path, str, list[str]], data: st.DataObject
) -> None:
    index_dir, url, lines = paragraphs
    query = data.draw(exact_runs(lines))
    local, remote = both(index_dir, url, query, "-l")
    assert (remote.exit_code, remote.stderr) == (local.exit_code, local.stderr)
    assert sorted(remote.stdout.splitlines()) == sorted(local.stdout.splitlines())
    local_count, remote_count = both(index_dir, url, query, "-c")
    assert remote_count.stdout == local_count.stdout


def test_show_through_the_cluster_is_the_local_show(demo: tuple[Path, str]) -> None:
    index_dir, url = demo
    article = str(corpus_file("tien-phong"))
    local = run("show", article, "--query", "công an cấp huyện", "--json", "--index", str(index_dir))
    remote = run("show", article, "--query", "công an cấp huyện", "--json", "--opensearch", url)
    assert remote.exit_code == local.exit_code == 0
    assert json.loads(remote.stdout) == json.loads(local.stdout)
    missing = run("show", "corpus/none.txt", "--opensearch", url)
    assert missing.exit_code == 2 and "is not in the index" in missing.stderr


def test_a_listing_pages_through_a_point_in_time(demo: tuple[Path, str], monkeypatch: pytest.MonkeyPatch) -> None:
    index_dir, url = demo
    monkeypatch.setattr(remote_search, "_PAGE", 2)  # pages of 2 hits stand for pages of 10,000
    with RemoteSearcher(Cluster(url)) as remote, Searcher(index_dir) as local:
        for query in ("công an", "công tác"):
            listed = [hit.path for hit in remote.search(query, limit=None, paths_only=True, snippets=0).hits]
            expected = [hit.path for hit in local.search(query, limit=None, paths_only=True).hits]
            assert sorted(listed) == sorted(expected) and len(set(listed)) == len(listed) > 2
            # And a page of it past the first pages: the same as the whole listing's.
            page = [hit.path for hit in remote.search(query, limit=2, offset=3, paths_only=True, snippets=0).hits]
            assert page == listed[3:5]


def test_push_sends_only_what_changed_and_removes_what_is_gone(opensearch: OpenSearchCluster, tmp_path: Path) -> None:
    folder = tmp_path / "tin"
    folder.mkdir()
    for name in ("tien-phong", "thu-truong", "cum-thi-dua"):
        shutil.copy(corpus_file(name), folder / f"{name}.txt")
    index_dir = tmp_path / "index"
    index_sources([folder], index_dir)
    url = opensearch.url("changes")
    first = run("push", url, "--index", str(index_dir))
    assert first.exit_code == 0, first.output
    assert "created" in first.stderr and "3 sent, 0 deleted, 0 unchanged" in first.stderr
    assert "0 sent, 0 deleted, 3 unchanged" in run("push", url, "--index", str(index_dir)).stderr
    (folder / "thu-truong.txt").unlink()
    (folder / "tien-phong.txt").write_text("Tin mới\nCông an cấp huyện tiếp dân.\n", encoding="utf-8")
    index_sources([folder], index_dir)
    again = run("push", url, "--index", str(index_dir))
    assert "1 sent, 1 deleted, 1 unchanged" in again.stderr and "holds 2 documents" in again.stderr
    for query in ("Tin mới", "Trần Quốc Tỏ", "công an"):
        assert (
            run("query", query, "-l", "--opensearch", url).stdout
            == run("query", query, "-l", "--index", str(index_dir)).stdout
        )
    assert run("query", "Trần Quốc Tỏ", "-c", "--opensearch", url).stdout == "0\n"


def test_wrong_urls_refused_connections_and_foreign_indexes_are_one_line_errors(opensearch: OpenSearchCluster) -> None:
    for url, said in [
        ("ftp://127.0.0.1/demo", "is not an OpenSearch URL"),
        ("http://127.0.0.1:9/demo", "cannot reach http://127.0.0.1:9/demo: connection refused"),
        (opensearch.url("Demo"), "is not an index name"),
        (opensearch.url("nothing-here"), "there is no index at"),
    ]:
        result = run("query", "công an", "--opensearch", url)
        assert result.exit_code == 2, url
        assert result.stderr.count("\n") == 1 and said in result.stderr, result.stderr
    # An index another version of searchkit (or another program) wrote.
    foreign = opensearch.url("foreign")
    request = urllib.request.Request(
        foreign, data=b'{"mappings": {"_meta": {"searchkit": {"format": 0}}}}', method="PUT"
    )
    request.add_header("Content-Type", "application/json")
    urllib.request.urlopen(request).close()
    for args in (["query", "công an", "--opensearch", foreign], ["push", foreign]):
        result = run(*args)
        assert result.exit_code == 2
        assert result.stderr.count("\n") == 1 and "written by another version of searchkit" in result.stderr


def test_basic_authentication_from_options_or_the_environment_never_printed(
    demo: tuple[Path, str], opensearch: OpenSearchCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    _index_dir, url = demo
    guarded = opensearch.url("demo", node=CLUSTER_NODES - 1)  # the node that asks for credentials
    expected = run("query", "công an", "-l", "--opensearch", url).stdout
    refused = run("query", "công an", "-l", "--opensearch", guarded)
    assert refused.exit_code == 2 and refused.stderr.count("\n") == 1 and "(401)" in refused.stderr
    monkeypatch.setenv("SEARCHKIT_OPENSEARCH_PASSWORD", CLUSTER_PASSWORD)
    assert run("query", "công an", "-l", "--opensearch", guarded, "--user", "searchkit").stdout == expected
    monkeypatch.setenv("SEARCHKIT_OPENSEARCH_USER", "searchkit")
    assert run("query", "công an", "-l", "--opensearch", guarded).stdout == expected
    monkeypatch.setenv("SEARCHKIT_OPENSEARCH_PASSWORD", "sai-mat-khau")
    wrong = run("query", "công an", "-l", "--opensearch", guarded)
    assert wrong.exit_code == 2 and "(401)" in wrong.stderr and "sai-mat-khau" not in wrong.output
    monkeypatch.delenv("SEARCHKIT_OPENSEARCH_USER")
    monkeypatch.delenv("SEARCHKIT_OPENSEARCH_PASSWORD")
    # In the URL, too; messages show the URL without them.
    in_url = guarded.replace("http://", f"http://searchkit:{CLUSTER_PASSWORD}@")
    assert run("query", "công an", "-l", "--opensearch", in_url).stdout == expected
    missing = run("query", "công an", "--opensearch", in_url.replace("/demo", "/none"))
    assert missing.exit_code == 2 and CLUSTER_PASSWORD not in missing.output


@pytest.fixture(scope="module")
def tls_url(
    opensearch: OpenSearchCluster, demo: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    """The demo index behind TLS, as a managed cluster serves it: a TLS endpoint on
    loopback, its certificate signed by a CA of the test's own, in front of node 0.
    Gives the https URL and the CA bundle."""
    folder = tmp_path_factory.mktemp("tls")

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=searchkit test CA",
    )
    openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"
    )
    (folder / "san.txt").write_text("subjectAltName=IP:127.0.0.1\n")
    openssl(
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "san.txt",
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "server.pem", folder / "server.key")
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    stopping = threading.Event()

    def pump(source: socket.socket, target: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                target.sendall(data)
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)

    def connection(secure: ssl.SSLSocket, backend: socket.socket) -> None:
        back = threading.Thread(target=pump, args=(backend, secure), daemon=True)
        back.start()
        pump(secure, backend)
        back.join()
        secure.close()
        backend.close()

    def serve() -> None:
        while not stopping.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                continue
            try:
                secure = context.wrap_socket(client, server_side=True)
            except OSError:  # a client that does not trust the certificate
                client.close()
                continue
            backend = socket.create_connection(("127.0.0.1", opensearch.http_port))
            threading.Thread(target=connection, args=(secure, backend), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    yield f"https://127.0.0.1:{port}/demo", folder / "ca.pem"
    stopping.set()
    listener.close()


def test_a_cluster_behind_tls_with_the_ca_bundle_from_an_option_or_the_environment(
    demo: tuple[Path, str], tls_url: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _index_dir, url = demo
    secure, bundle = tls_url
    expected = run("query", "công an", "-l", "--opensearch", url).stdout
    assert run("query", "công an", "-l", "--opensearch", secure, "--ca-bundle", str(bundle)).stdout == expected
    untrusted = run("query", "công an", "-l", "--opensearch", secure)
    assert untrusted.exit_code == 2 and untrusted.stderr.count("\n") == 1 and "TLS failed" in untrusted.stderr
    monkeypatch.setenv("SEARCHKIT_OPENSEARCH_CA_BUNDLE", str(bundle))
    assert run("query", "công an", "-l", "--opensearch", secure).stdout == expected
