"""`searchkit serve` over real HTTP: its answers are the CLI's, it follows the index's
commits without a restart, and it is safe by default (loopback, Host header, token,
GET only, bounded requests, no CORS, nothing written)."""

from __future__ import annotations

import base64
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import REPO, corpus_file
from helpers import Server, folder_of_long_articles, start_indexing, start_server
from typer.testing import CliRunner, Result

from searchkit.cli import app

runner = CliRunner()

# Queries of every kind the CLI reads: with and without diacritics, Telex, a wrong tone
# that matches nothing as typed, a phrase, operators, fields and filters.
QUERIES = [
    "công an cấp huyện",
    "cong an cap huyen",
    "coong an",
    "tọa đám",
    '"an ninh trật tự"',
    '"công an" NOT "Hải Phòng"',
    "thi đua OR hội thảo",
    "title:tọa đàm",
    "công an date:2025",
    "path:*tien-phong*",
]


def cli(*args: str) -> Result:
    return runner.invoke(app, list(args))


def cli_lines(*args: str) -> list[dict[str, object]]:
    result = cli(*args)
    assert result.exit_code in (0, 1), result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def error_line(result: Result) -> str:
    """The CLI's one-line message, without its "searchkit: error: " prefix."""
    [line] = result.stderr.strip().splitlines()
    return line.removeprefix("searchkit: error: ")


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI run where `demo_server` runs, so both show paths alike."""
    monkeypatch.chdir(REPO)


# ---- the answers are the CLI's ----------------------------------------------------------------


@pytest.mark.parametrize("query", QUERIES)
def test_a_search_answers_the_hits_searchkit_query_json_prints(
    demo_server: Server, demo_index: Path, query: str, in_repo: None
) -> None:
    status, answer = demo_server.json("/api/search", {"q": query})
    printed = cli("query", query, "--json", "--index", str(demo_index))
    count = cli("query", query, "-c", "--index", str(demo_index))

    assert status == 200
    assert answer["hits"] == [json.loads(line) for line in printed.stdout.splitlines()]
    assert answer["count"] == int(count.stdout)
    # What stderr says was searched instead, or suggested, the answer says too.
    said = printed.stderr.splitlines()
    searched = answer["searched"]
    assert (f"searched instead: {searched['query']} ({searched['reason']})" if searched else None) in [*said, None]
    assert bool(searched) == any(line.startswith("searched instead") for line in said)
    assert bool(answer["suggestion"]) == any(line.startswith("did you mean") for line in said)


def test_a_query_typed_with_a_wrong_tone_says_what_was_searched_instead(demo_server: Server) -> None:
    status, answer = demo_server.json("/api/search", {"q": "tọa đám"})
    assert status == 200
    assert answer["searched"]["query"] == "toa dam"
    assert "tọa đám" in answer["searched"]["reason"]
    assert answer["hits"] and all(hit["searched"] == answer["searched"] for hit in answer["hits"])


def test_paging_filters_and_order_are_the_cli_options(demo_server: Server, demo_index: Path, in_repo: None) -> None:
    asked = {"q": "công an", "limit": "2", "offset": "1", "since": "2025", "until": "2025-12", "sort": "date"}
    options = ["-n", "2", "--offset", "1", "--since", "2025", "--until", "2025-12", "--sort", "date"]

    status, answer = demo_server.json("/api/search", asked)

    assert status == 200
    assert answer["hits"] == cli_lines("query", "công an", "--json", *options, "--index", str(demo_index))
    assert (answer["offset"], answer["limit"]) == (1, 2)
    assert [hit["rank"] for hit in answer["hits"]] == list(range(2, 2 + len(answer["hits"])))
    # Documents dated only by their file's time are left out of a date filter, and counted.
    with_file_dates = demo_server.json("/api/search", {**asked, "file_dates": "true", "since": "2020"})[1]
    assert with_file_dates["count"] >= answer["count"]
    assert demo_server.json("/api/search", {"q": "công an", "since": "2020"})[1]["left_out_file_dated"] > 0


def test_exact_searches_only_as_typed_and_suggests(demo_server: Server, demo_index: Path, in_repo: None) -> None:
    status, answer = demo_server.json("/api/search", {"q": "tọa đám", "exact": "true"})
    assert status == 200
    assert answer["count"] == int(cli("query", "tọa đám", "--exact", "-c", "--index", str(demo_index)).stdout)
    assert answer["searched"] is None


def test_format_tsv_is_the_cli_tab_separated_lines(demo_server: Server, demo_index: Path, in_repo: None) -> None:
    status, headers, body = demo_server.get("/api/search", {"q": "công an", "format": "tsv", "limit": "3"})
    printed = cli("query", "công an", "-n", "3", "--index", str(demo_index))

    assert status == 200
    assert headers["content-type"] == "text/plain; charset=utf-8"
    assert body.decode("utf-8") == printed.stdout
    assert int(headers["x-total-count"]) == int(cli("query", "công an", "-c", "--index", str(demo_index)).stdout)


def test_a_document_is_what_show_json_prints(demo_server: Server, demo_index: Path, in_repo: None) -> None:
    path = str(corpus_file("ha-noi").relative_to(REPO))
    shown = cli_lines("show", path, "--query", "công an", "--json", "--index", str(demo_index))

    status, answer = demo_server.json("/api/document", {"path": path, "q": "công an"})
    absolute = demo_server.json("/api/document", {"path": str(REPO / path), "q": "công an"})[1]

    assert status == 200
    assert [answer] == shown == [absolute]
    assert answer["highlights"]
    assert all(answer["text"][s:e].lower().startswith("công") for s, e in answer["highlights"])
    plain = demo_server.json("/api/document", {"path": path})[1]
    assert plain["highlights"] == [] and plain["text"] == answer["text"]


@pytest.mark.parametrize("exact", [[], ["--exact"]])
def test_a_document_highlights_the_query_as_searched(
    demo_server: Server, demo_index: Path, in_repo: None, exact: list[str]
) -> None:
    path = str(corpus_file("tien-phong").relative_to(REPO))
    shown = cli_lines("show", path, "--query", "tọa đám", "--json", *exact, "--index", str(demo_index))

    status, answer = demo_server.json("/api/document", {"path": path, "q": "tọa đám", "exact": str(bool(exact))})

    assert status == 200
    assert [answer] == shown
    assert bool(answer["highlights"]) == ("searched" in answer) == (not exact)


def test_similar_and_stats_are_what_the_cli_prints(demo_server: Server, demo_index: Path, in_repo: None) -> None:
    path = str(corpus_file("ha-noi").relative_to(REPO))
    status, similar = demo_server.json("/api/similar", {"path": path, "limit": "3"})
    assert status == 200
    assert similar["hits"] == cli_lines("similar", path, "-n", "3", "--json", "--index", str(demo_index))

    status, stats = demo_server.json("/api/stats")
    assert status == 200
    printed = cli_lines("stats", "--json", "--index", str(demo_index))[0]
    # The CLI keeps the distinct terms it counted in the index (the server writes nothing),
    # so the sizes may differ by that file.
    assert stats == {**printed, "index": stats["index"], "size_bytes": stats["size_bytes"]}
    assert abs(stats["size_bytes"] - printed["size_bytes"]) < 1000
    assert Path(stats["index"]).resolve() == demo_index.resolve()


@pytest.mark.parametrize(
    ("params", "option"),
    [({"q": '"công an'}, None), ({"q": "công AND"}, None), ({"q": "()"}, None), ({"q": "date:2021-13"}, None)],
)
def test_a_bad_query_is_a_400_with_the_cli_message(
    demo_server: Server, demo_index: Path, params: dict[str, str], option: None
) -> None:
    printed = cli("query", params["q"], "--index", str(demo_index))
    assert printed.exit_code == 2

    status, answer = demo_server.json("/api/search", params)

    assert status == 400
    assert answer == {"error": error_line(printed)}


@pytest.mark.parametrize(
    ("params", "said"),
    [
        ({}, "q is missing"),
        ({"q": "  "}, "q is missing"),
        ({"q": "công an", "limit": "0"}, "limit must be a whole number from 1 to 100"),
        ({"q": "công an", "limit": "101"}, "limit must be a whole number from 1 to 100"),
        ({"q": "công an", "offset": "-1"}, "offset must be a whole number from 0 to 10,000"),
        ({"q": "công an", "limit": "1e3"}, "limit must be a whole number"),
        ({"q": "công an", "since": "hôm qua"}, "since: 'hôm qua' is not a date"),
        ({"q": "công an", "since": "2025-02", "until": "2025-01"}, "since 2025-02-01 is after until 2025-01-31"),
        ({"q": "công an", "sort": "title"}, "sort must be one of score, date"),
        ({"q": "công an", "exact": "maybe"}, "exact must be true or false"),
        ({"q": "công an", "format": "xml"}, "format must be one of json, tsv"),
        ({"q": "x" * 1001}, "q is longer than 1,000 characters"),
    ],
)
def test_a_bad_parameter_is_a_400_saying_which(demo_server: Server, params: dict[str, str], said: str) -> None:
    status, headers, body = demo_server.get("/api/search", params)
    assert status == 400
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["error"].startswith(said)


def test_a_parameter_given_twice_is_a_400(demo_server: Server) -> None:
    status, answer = demo_server.json("/api/search?q=c%C3%B4ng+an&q=thi+%C4%91ua")
    assert (status, answer) == (400, {"error": "q is given 2 times"})


@pytest.mark.parametrize(
    "params",
    [
        {"path": "corpus/khong-co.txt"},
        {"path": "/etc/passwd"},
        {"path": "corpus/../pyproject.toml"},
        {"path": "README.md"},
        {"path_bytes": base64.b64encode(b"/etc/passwd").decode()},
    ],
)
def test_a_path_that_is_not_a_document_of_the_index_is_a_404(demo_server: Server, params: dict[str, str]) -> None:
    for target in ("/api/document", "/api/similar"):
        status, answer = demo_server.json(target, params)
        assert status == 404
        assert set(answer) == {"error"} and answer["error"].endswith("is not in the index")
        assert "root:" not in answer["error"]


@pytest.mark.parametrize(
    "params", [{}, {"path": "a", "path_bytes": "YQ=="}, {"path_bytes": "not base64!"}, {"path": "a\0b"}]
)
def test_a_document_asked_without_one_path_is_a_400(demo_server: Server, params: dict[str, str]) -> None:
    status, answer = demo_server.json("/api/document", params)
    assert status == 400 and set(answer) == {"error"}


def test_documents_of_jsonl_records_and_of_names_not_utf8(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "tin"
    folder.mkdir()
    name = os.fsdecode(b"tin-t\xe9c.txt")  # Windows-1258, as an old archive unzips it
    (folder / name).write_bytes(corpus_file("tien-phong").read_bytes())
    record = {"id": "a", "title": "Tin ngắn", "text": "Công an cấp huyện tiếp nhận hồ sơ."}
    (folder / "tin.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    index = tmp_path / "index"
    assert cli("index", str(folder), "--index", str(index)).exit_code == 0
    monkeypatch.chdir(tmp_path)
    server = start_server(index, cwd=tmp_path)
    try:
        status, answer = server.json("/api/search", {"q": "công an cấp huyện"})
        assert status == 200
        assert answer["hits"] == cli_lines("query", "công an cấp huyện", "--json", "--index", str(index))
        by_name = {hit["path"]: hit for hit in answer["hits"]}
        assert set(by_name) == {"tin/tin.jsonl#a", "tin/tin-t\\xe9c.txt"}
        legacy = by_name["tin/tin-t\\xe9c.txt"]
        assert base64.b64decode(legacy["path_bytes"]) == b"tin/tin-t\xe9c.txt"

        # Each opens by the path the hit gives: a record by FILE#ID, the legacy name by its bytes.
        status, record_shown = server.json("/api/document", {"path": "tin/tin.jsonl#a", "q": "công an"})
        assert status == 200 and record_shown["text"] == record["text"]
        status, legacy_shown = server.json("/api/document", {"path_bytes": legacy["path_bytes"]})
        assert status == 200
        assert legacy_shown == cli_lines("show", os.fsdecode(b"tin/tin-t\xe9c.txt"), "--json", "--index", str(index))[0]
        # The escaped form is how the name is shown, not a name of the index.
        assert server.json("/api/document", {"path": legacy["path"]})[0] == 404
    finally:
        server.stop()


# ---- it follows the index -------------------------------------------------------------------


def one_article_index(tmp_path: Path) -> tuple[Path, Path]:
    """A folder of one demo article (on the Hanoi police), and an index of it."""
    folder = tmp_path / "tin"
    folder.mkdir()
    shutil.copy(corpus_file("tien-phong"), folder / "toa-dam.txt")
    index = tmp_path / "index"
    assert cli("index", str(folder), "--index", str(index)).exit_code == 0
    return folder, index


def test_a_new_commit_is_searched_without_a_restart(tmp_path: Path) -> None:
    folder, index = one_article_index(tmp_path)
    server = start_server(index, cwd=tmp_path)
    try:
        assert server.json("/api/search", {"q": "Hải Phòng"})[1]["count"] == 0

        shutil.copy(corpus_file("hoi-thao-quy-che"), folder / "hai-phong.txt")
        assert cli("index", str(folder), "--index", str(index)).exit_code == 0
        found = server.json("/api/search", {"q": "Hải Phòng"})[1]
        assert [hit["path"] for hit in found["hits"]] == ["tin/hai-phong.txt"]
        assert server.json("/api/document", {"path": "tin/hai-phong.txt"})[0] == 200
        assert server.json("/api/stats")[1]["documents"] == 2

        listed = [hit["path"] for hit in server.json("/api/search", {"q": "công an"})[1]["hits"]]
        assert listed.count("tin/toa-dam.txt") == 1
        assert cli("remove", str(folder / "toa-dam.txt"), "--index", str(index)).exit_code == 0
        listed = [hit["path"] for hit in server.json("/api/search", {"q": "công an"})[1]["hits"]]
        assert listed == ["tin/hai-phong.txt"]
        assert server.json("/api/document", {"path": "tin/toa-dam.txt"})[0] == 404
        assert server.json("/api/stats")[1]["documents"] == 1
    finally:
        server.stop()


def test_it_answers_from_the_last_commit_while_a_run_writes(tmp_path: Path) -> None:
    folder, index = one_article_index(tmp_path)
    server = start_server(index, cwd=tmp_path)
    try:
        before = server.json("/api/search", {"q": "công an cấp huyện"})[1]
        assert before["count"] == 1
        process, _workers = start_indexing(folder_of_long_articles(folder / "many", 400), index)
        answers = []
        while process.poll() is None:
            answers.append(server.json("/api/search", {"q": "công an cấp huyện", "limit": "1"}))
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr
        assert answers, "the run ended before a query was made"
        assert all(status == 200 and answer["count"] >= 1 for status, answer in answers)

        after = server.json("/api/search", {"q": "công an cấp huyện"})[1]
        assert after["count"] > before["count"]
        assert server.json("/api/stats")[1]["documents"] == 401
    finally:
        server.stop()


def test_answers_to_requests_at_once_are_those_of_requests_one_by_one(demo_server: Server) -> None:
    asked = [{"q": query, "limit": "5"} for query in QUERIES] * 3
    one_by_one = [demo_server.json("/api/search", params) for params in asked]
    with ThreadPoolExecutor(max_workers=8) as pool:
        at_once = list(pool.map(lambda params: demo_server.json("/api/search", params), asked))
    for (status, alone), (status_together, together) in zip(one_by_one, at_once, strict=True):
        assert status == status_together == 200
        alone.pop("milliseconds"), together.pop("milliseconds")
        assert alone == together


def test_it_writes_nothing_in_the_index(tmp_path: Path) -> None:
    index = tmp_path / "index"
    assert cli("index", str(REPO / "corpus"), "--index", str(index)).exit_code == 0
    # What `searchkit stats` keeps for its next call is not there yet.
    before = {entry.name: entry.stat().st_mtime_ns for entry in os.scandir(index)}
    server = start_server(index, cwd=tmp_path)
    try:
        path = str(corpus_file("ha-noi"))
        for target, params in [
            ("/api/search", {"q": "công an"}),
            ("/api/document", {"path": path, "q": "công an"}),
            ("/api/similar", {"path": path}),
            ("/api/stats", {}),
        ]:
            assert server.json(target, params)[0] == 200
    finally:
        server.stop()
    assert {entry.name: entry.stat().st_mtime_ns for entry in os.scandir(index)} == before


# ---- starting and stopping ------------------------------------------------------------------


SERVE = [sys.executable, "-c", "from searchkit.cli import main; main()", "serve"]


def serve_process(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """`searchkit serve ARGS` run to its end (for the ways it refuses to start)."""
    return subprocess.run(
        [*SERVE, *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        check=False,
    )


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_port_in_use_is_a_one_line_error(demo_server: Server, demo_index: Path, workers: str) -> None:
    done = serve_process("--index", str(demo_index), "--port", str(demo_server.port), "--workers", workers)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"searchkit: error: port {demo_server.port} on 127.0.0.1 is in use; choose another with --port"
    ]


def test_a_missing_index_is_a_one_line_error(tmp_path: Path) -> None:
    done = serve_process("--index", str(tmp_path / "none"), "--port", "0")
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1 and "no index at" in done.stderr


def test_without_the_serve_extra_it_says_how_to_install_it(demo_index: Path) -> None:
    hide = "import sys; sys.modules['uvicorn'] = None; from searchkit.cli import main; main()"
    done = subprocess.run(
        [sys.executable, "-c", hide, "serve", "--index", str(demo_index), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        'searchkit: error: searchkit serve needs the serve extra: pip install "searchkit[serve]"'
    ]


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_stops_it_quietly(demo_index: Path, stop: signal.Signals, workers: str) -> None:
    server = start_server(demo_index, "--workers", workers)
    assert server.json("/api/search", {"q": "công an"})[0] == 200
    server.process.send_signal(stop)
    said = server.stop()
    assert server.process.returncode == 0
    assert said.splitlines() == ["searchkit: stopped"]


# ---- safe by default ------------------------------------------------------------------------


def listening_addresses(port: int) -> set[str]:
    """The local addresses a TCP port is listened on (from /proc/net/tcp)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if state == "0A" and int(hex_port, 16) == port:
            found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
    return found


def test_it_listens_on_loopback_unless_told_and_then_warns(demo_server: Server, demo_index: Path) -> None:
    assert listening_addresses(demo_server.port) == {"127.0.0.1"}
    assert demo_server.url.startswith("http://127.0.0.1:")

    server = start_server(demo_index, "--host", "0.0.0.0")
    try:
        assert listening_addresses(server.port) == {"0.0.0.0"}
    finally:
        server.stop()
    assert server.started[0] == (
        "searchkit: warning: listening on 0.0.0.0, not only this machine: anyone who can reach it can search the index"
    )


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("127.0.0.1:{port}", True),
        ("localhost:{port}", True),
        ("localhost", True),
        ("[::1]:{port}", True),
        ("192.168.1.20:{port}", True),  # an address: a page cannot rebind it
        ("evil.example:{port}", False),  # a name that may have been rebound to 127.0.0.1
        ("127.0.0.1.nip.io:{port}", False),
        ("", False),
    ],
)
def test_the_host_header_must_name_this_server(demo_server: Server, host: str, allowed: bool) -> None:
    status, _headers, body = demo_server.get("/api/stats", headers={"Host": host.format(port=demo_server.port)})
    if allowed:
        assert status == 200
    else:
        assert (status, json.loads(body)) == (400, {"error": "the Host header does not name this server"})


def test_a_name_allowed_may_be_the_host(demo_index: Path) -> None:
    server = start_server(demo_index, "--allow-host", "tim-kiem.lan")
    try:
        assert server.get("/api/stats", headers={"Host": f"tim-kiem.lan:{server.port}"})[0] == 200
        assert server.get("/api/stats", headers={"Host": f"khac.lan:{server.port}"})[0] == 400
    finally:
        server.stop()


def test_no_cors_header_is_sent_and_every_answer_is_strict(demo_server: Server) -> None:
    origin = {"Origin": "https://evil.example"}
    for target, params in [("/api/search", {"q": "công an"}), ("/", {}), ("/api/stats", {}), ("/nothing", {})]:
        _status, headers, _body = demo_server.get(target, params, headers=origin)
        assert not [name for name in headers if name.startswith("access-control-")]
        assert "script-src 'self'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert "server" not in headers


def request(
    server: Server, method: str, target: str, headers: dict[str, str], body: bytes = b""
) -> tuple[int, http.client.HTTPResponse, str]:
    """Any request, as written (no redirect followed): the status, the answer (for its
    headers) and its body."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request(method, target, body=body or None, headers=headers)
        answer = connection.getresponse()
        return answer.status, answer, answer.read().decode("utf-8", "replace")
    finally:
        connection.close()


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_only_get_is_answered(demo_server: Server, method: str) -> None:
    status, _answer, body = request(demo_server, method, "/api/search?q=x", {"Access-Control-Request-Method": "GET"})
    assert status == 405
    assert json.loads(body)["error"].startswith(f"{method} is not allowed")


def test_a_request_with_a_body_or_a_huge_address_is_refused(demo_server: Server) -> None:
    assert request(demo_server, "GET", "/api/search?q=x", {"Content-Length": "5"}, b"hello")[0] == 413
    assert request(demo_server, "GET", "/api/search?q=" + "a" * 70_000, {})[0] == 414
    # A head larger than the server takes is refused before the app sees it.
    assert request(demo_server, "GET", "/api/stats", {"X-Padding": "a" * 20000})[0] == 431
    assert demo_server.json("/api/stats")[0] == 200


def test_with_a_token_every_request_needs_it(demo_index: Path) -> None:
    token = "mat-khau-phien"
    server = start_server(demo_index, "--token", env={"SEARCHKIT_TOKEN": token})
    try:
        for target in ("/api/search?q=c%C3%B4ng+an", "/api/stats", "/", "/static/app.js", "/openapi.json"):
            status, headers, body = server.get(target)
            assert status == 401, target
            assert headers["www-authenticate"].startswith("Bearer")
            assert "access token" in json.loads(body)["error"]
            assert server.get(target, headers={"Authorization": "Bearer wrong"})[0] == 401
            assert server.get(target, headers={"Authorization": f"Bearer {token}"})[0] == 200

        # The address it prints sets a cookie the page's own requests carry, and takes the
        # token out of the address.
        status, answer, _body = request(server, "GET", f"/?token={token}&q=c%C3%B4ng", {})
        assert status == 303
        assert answer.getheader("location") == "/?q=c%C3%B4ng"
        cookie = answer.getheader("set-cookie") or ""
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie
        assert server.get("/api/stats", headers={"Cookie": cookie.split(";")[0]})[0] == 200
        assert server.get("/api/stats", headers={"Cookie": "searchkit_token=wrong"})[0] == 401
    finally:
        server.stop()


def test_a_token_made_up_is_printed_in_the_address(demo_index: Path) -> None:
    server = start_server(demo_index, "--token", env={"SEARCHKIT_TOKEN": ""})
    try:
        assert server.token is not None and len(server.token) >= 24
        assert server.get("/api/stats")[0] == 401
        assert server.get("/api/stats", headers={"Authorization": f"Bearer {server.token}"})[0] == 200
    finally:
        server.stop()


def test_only_the_page_files_are_served(demo_server: Server) -> None:
    status, headers, body = demo_server.get("/")
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert b"<html" in body.lower()
    for target in ("/static/../pyproject.toml", "/static/%2e%2e/pyproject.toml", "/static/app.py", "/README.md"):
        status, _headers, body = demo_server.get(target)
        assert status == 404, target
        assert b"[project]" not in body


def test_nothing_answers_with_a_traceback(demo_server: Server) -> None:
    for target in ("/api/search?q=%ff%fe", "/api/search?q=%00", "/api/document?path=%ff", "/api/search?q=(((((("):
        status, _headers, body = demo_server.get(target)
        assert status in (200, 400, 404)
        assert b"Traceback" not in body and b'File "' not in body


def test_workers_answer_alike_follow_commits_and_stop_together(tmp_path: Path) -> None:
    folder, index = one_article_index(tmp_path)
    server = start_server(index, "--workers", "3", cwd=tmp_path)
    try:
        workers = [int(pid) for pid in subprocess.check_output(["pgrep", "-P", str(server.process.pid)]).split()]
        assert len(workers) == 3
        # Requests on connections of their own are spread over the workers; each answers alike.
        with ThreadPoolExecutor(max_workers=12) as pool:
            answers = list(pool.map(lambda _: server.json("/api/search", {"q": "công an"})[1], range(36)))
        for answer in answers:
            answer.pop("milliseconds")
        assert all(answer == answers[0] for answer in answers) and answers[0]["count"] == 1

        shutil.copy(corpus_file("hoi-thao-quy-che"), folder / "hai-phong.txt")
        assert cli("index", str(folder), "--index", str(index)).exit_code == 0
        with ThreadPoolExecutor(max_workers=12) as pool:
            found = list(pool.map(lambda _: server.json("/api/search", {"q": "Hải Phòng"})[1]["count"], range(36)))
        assert found == [1] * 36
    finally:
        server.process.send_signal(signal.SIGTERM)
        said = server.stop()
    assert server.process.returncode == 0
    assert said.splitlines() == ["searchkit: stopped"]
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]
