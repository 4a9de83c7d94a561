"""The HTTP API of `searchkit serve` fuzzed from its OpenAPI description (schemathesis),
against a real server of the demo index: every operation, with requests the document
allows and requests it forbids, answers a documented status, content type and body;
never a 500, never a traceback, and never anything but a document of the index. Then
the paths a hostile request tries (`../../etc/passwd`, the index's own files,
`/static/..`), and the same API behind `--token`."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
import schemathesis
from helpers import Server, corpus_documents, start_server
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    allow_header_conformance,
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from searchkit.server.app import MAX_TARGET_BYTES
from searchkit.server.openapi import openapi_document

REPO = Path(__file__).resolve().parent.parent
TOKEN = "phien-lam-viec-bi-mat-2025"
INDEXED_PATHS = sorted(f"corpus/{Path(doc.path).name}" for doc in corpus_documents())


def fuzzing(max_examples: int, *, coverage: bool) -> schemathesis.Config:
    """Requests the document allows and requests it forbids, the same ones on every run;
    with `coverage`, also each parameter at its bounds, left out, repeated, and the
    methods the API does not answer."""
    return schemathesis.Config.from_dict(
        {
            "generation": {"mode": "all", "max-examples": max_examples, "deterministic": True, "database": "none"},
            "phases": {"coverage": {"enabled": coverage, "generate-duplicate-query-parameters": True}},
            "request-timeout": 30,
            # A forbidden value is refused: 400, or 404 for a path that names no document,
            # or 414 for a target too long.
            "checks": {"negative_data_rejection": {"expected-statuses": [400, 404, 414]}},
        }
    )


# Generated from the document the server answers at /openapi.json (a test below holds
# them equal) rather than loaded from it: schemathesis's `from_fixture` sets the test's
# node id through `request.node._nodeid`, which pytest 9.2 no longer has.
API = schemathesis.openapi.from_dict(openapi_document(), config=fuzzing(150, coverage=True))
# The same, fewer and without the bounds, for a server behind --token: what it answers
# once the token is given is compared with what the open server answers.
TOKEN_API = schemathesis.openapi.from_dict(openapi_document(), config=fuzzing(25, coverage=False))


def json_record(response: schemathesis.Response) -> Any | None:
    """The JSON an answer holds, or None for any other kind of answer."""
    if response.headers.get("content-type", [""])[0] != "application/json":
        return None
    return response.json()


def no_traceback(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> None:
    """No answer shows a traceback or a path of the server's Python source, except as
    the request's own words said back (`tests/x.py is not in the index`)."""
    body = response.content.decode("utf-8", "replace")
    said = " ".join(map(str, (case.query or {}).values()))
    for mark in ("Traceback", 'File "', ".py", "site-packages", str(REPO / "searchkit")):
        assert mark not in body or mark in said, f"{mark!r} in the answer: {body[:300]}"


def one_line_error(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> None:
    """A refusal is one line of JSON, `{"error": "..."}`: the CLI's one-line message."""
    if response.status_code >= 400:
        assert_one_line_error(response.status_code, response.headers.get("content-type", [""])[0], response.content)


def assert_one_line_error(status: int, content_type: str, body: bytes) -> None:
    assert content_type == "application/json", (status, content_type, body[:200])
    record = json.loads(body)
    assert list(record) == ["error"] and isinstance(record["error"], str), record
    assert len(record["error"].splitlines()) == 1, f"not one line: {record['error']!r}"


def serves_only(indexed: frozenset[str]) -> Callable[..., None]:
    """The check that an answer names no document but those of the index: the one
    asked for, the one shown, and every hit (in JSON or in tab-separated lines)."""

    def serves_only_documents_of_the_index(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> None:
        if response.status_code != 200:
            return
        record = json_record(response)
        if record is None:
            shown = [line.split("\t")[0] for line in response.text.splitlines()]
        else:
            shown = [hit["path"] for hit in record.get("hits", [])]
        if case.operation.path == "/api/document":
            shown.append(record["path"])
        if case.operation.path in ("/api/document", "/api/similar"):
            shown.append(asked_path(case.query))
        outside = [path for path in shown if path not in indexed]
        assert not outside, f"served {outside}, not documents of the index"

    return serves_only_documents_of_the_index


def asked_path(query: dict[str, Any]) -> str:
    """The document a request asked for, as the API shows paths (relative to the folder
    served from, where it is below it)."""
    if query.get("path") is not None:
        path = str(query["path"])
    else:
        path = os.fsdecode(base64.b64decode(str(query["path_bytes"])))
    if os.path.isabs(path) and Path(path).is_relative_to(REPO):
        return str(Path(path).relative_to(REPO))
    return path


# Why these checks and not the others schemathesis has:
# - not_a_server_error, status_code_conformance, content_type_conformance,
#   response_schema_conformance, response_headers_conformance: the document's promises.
# - negative_data_rejection: what the document forbids (limit=0, sort=best) is refused.
# - unsupported_method, allow_header_conformance: POST, PUT, TRACE... answer 405 with Allow.
# - not positive_data_acceptance: the document cannot say which strings are dates, which
#   queries parse, or that a request gives path or path_bytes, and documents the 400 for
#   them (and the 404 for a path that names no document).
# - not ignored_auth: the document declares no security scheme (--token is tested below);
#   not use_after_free or ensure_resource_availability: the API creates nothing; not
#   missing_required_header: it requires none; not max_response_time: timing on a shared
#   2-core machine is the benchmark's business.
DOCUMENTED = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
CHECKS = [*DOCUMENTED, negative_data_rejection, unsupported_method, allow_header_conformance]


@pytest.fixture(scope="module")
def indexed(demo_server: Server) -> frozenset[str]:
    """The paths of the documents the demo server serves, as its API shows them: each
    demo article, and nothing else (the index holds as many documents)."""
    status, stats = demo_server.json("/api/stats")
    assert status == 200 and stats["documents"] == len(INDEXED_PATHS)
    for path in INDEXED_PATHS:
        status, record = demo_server.json("/api/document", {"path": path})
        assert (status, record["path"]) == (200, path)
    return frozenset(INDEXED_PATHS)


def base_url(server: Server) -> str:
    return server.url.rstrip("/")


def test_the_fuzzed_document_is_the_one_served(demo_server: Server) -> None:
    status, served = demo_server.json("/openapi.json")
    assert status == 200
    assert served == json.loads(json.dumps(openapi_document()))


@API.parametrize()
def test_every_operation_answers_as_documented(
    case: schemathesis.Case, demo_server: Server, indexed: frozenset[str]
) -> None:
    case.call_and_validate(
        base_url=base_url(demo_server),
        checks=CHECKS,
        additional_checks=[no_traceback, one_line_error, serves_only(indexed)],
    )


# ---- requests made by hand: Vietnamese text, the query syntax, repeated parameters ----------

WORDS = sorted({word for doc in corpus_documents() for word in doc.text.split()})
SYNTAX = ['"', "“", "”", "(", ")", "AND", "OR", "NOT", "title:", "date:", "path:", "body:", ":", "*", "-", "\\", "\x00"]
TEXT = st.one_of(
    st.lists(st.sampled_from(WORDS + SYNTAX), max_size=8).map(" ".join),
    st.text(max_size=30),
    # Letters and tone marks apart (decomposed, as some input methods type them).
    st.text(st.sampled_from('aăâeêioôơuưyđ\u0300\u0301\u0303\u0309\u0323 "()'), max_size=30),
    st.sampled_from(["", " ", "\x00", "a" * 1001, "ệ" * 1000, "((((((((((", '"' * 3, "NOT NOT NOT", "title:title:"]),
)
NUMBER = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from(["", "0", "1", "100", "101", "10000", "10001", "1e3", "0x10", "\uff15", " 5", "NaN", "-0", "1.5"]),
)
DATE = st.one_of(
    st.sampled_from(["", "2021", "2021-09", "2021-09-24", "today", "yesterday", "7d", "2w", "3m", "1y"]),
    st.sampled_from(["2021-02-30", "0000-00-00", "9999-12-31", "-1d", "99999999999d", "٣d", "2021-9", "1y1d"]),
    TEXT,
)
BOOLEAN = st.sampled_from(["", "true", "false", "1", "0", "yes", "no", "on", "off", "TRUE", "maybe", "2"])
# Paths of the index (relative, absolute, spelled otherwise), and anything else.
PATH = st.one_of(
    st.sampled_from(INDEXED_PATHS),
    st.sampled_from(INDEXED_PATHS).map(lambda path: str(REPO / path)),
    st.sampled_from(INDEXED_PATHS).flatmap(
        lambda path: st.sampled_from(
            [f"./{path}", path.replace("/", "//"), f"corpus/../{path}", path.upper(), f"{path}/", f"{path}\x00"]
        )
    ),
    TEXT,
)
PATH_BYTES = st.one_of(PATH.map(lambda path: base64.b64encode(os.fsencode(path)).decode("ascii")), TEXT)


def parameters(**values: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Some of the parameters, each given once or repeated, and now and then one the
    API does not know."""
    given_once_or_more = {
        name: st.one_of(value, st.lists(value, min_size=2, max_size=3)) for name, value in values.items()
    }
    return st.fixed_dictionaries({}, optional={**given_once_or_more, "unknown": TEXT})


REQUESTS = st.one_of(
    st.tuples(
        st.just("/api/search"),
        parameters(
            q=TEXT,
            limit=NUMBER,
            offset=NUMBER,
            since=DATE,
            until=DATE,
            sort=st.sampled_from(["score", "date", "", "SCORE", "best"]),
            exact=BOOLEAN,
            file_dates=BOOLEAN,
            format=st.sampled_from(["json", "tsv", "", "csv", "JSON"]),
        ),
    ),
    st.tuples(st.just("/api/document"), parameters(path=PATH, path_bytes=PATH_BYTES, q=TEXT)),
    st.tuples(st.just("/api/similar"), parameters(path=PATH, path_bytes=PATH_BYTES, limit=NUMBER, offset=NUMBER)),
    st.tuples(st.just("/api/stats"), parameters()),
)


@settings(
    max_examples=600, derandomize=True, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(asked=REQUESTS)
def test_requests_made_by_hand_answer_as_documented(
    asked: tuple[str, dict[str, Any]], demo_server: Server, indexed: frozenset[str]
) -> None:
    operation, query = asked
    case = API[operation]["GET"].Case(query=query)
    response = case.call(base_url=base_url(demo_server))
    case.validate_response(response, checks=[*DOCUMENTED, no_traceback, one_line_error, serves_only(indexed)])


# ---- what the fuzzing found: each pinned by a request of its own ------------------------------


def longest(operation: str, widest: str) -> dict[str, str]:
    """Every parameter of `operation` that has a maxLength, at it, in `widest` characters."""
    parameters = openapi_document()["paths"][operation]["get"]["parameters"]
    return {p["name"]: widest * p["schema"]["maxLength"] for p in parameters if "maxLength" in p["schema"]}


@pytest.mark.parametrize("operation", ["/api/search", "/api/document", "/api/similar"])
def test_one_parameter_at_its_longest_fits_in_the_address(operation: str, demo_server: Server) -> None:
    """Each parameter alone at the document's maxLength in Vietnamese letters (nine bytes
    each, percent-encoded) fits in the address the guard takes: answered, not a 414."""
    for name, value in longest(operation, "ệ").items():
        needed = {"q": "công an"} if operation == "/api/search" and name != "q" else {}
        needed |= {"path": INDEXED_PATHS[0]} if operation != "/api/search" and name == "q" else {}
        case = API[operation]["GET"].Case(query={**needed, name: value})
        response = case.call(base_url=base_url(demo_server))
        assert response.status_code in (200, 400, 404), (name, response.status_code)
        case.validate_response(response, checks=[*DOCUMENTED, one_line_error])


def test_the_longest_request_the_document_allows_is_answered(demo_server: Server) -> None:
    """Every parameter of /api/document at its maxLength, in four-byte characters (about
    130 kB of address): the API's JSON 414, never uvicorn's own refusal or a reset."""
    case = API["/api/document"]["GET"].Case(query=longest("/api/document", "\U0010fffd"))
    try:
        response = case.call(base_url=base_url(demo_server))
    except requests.RequestException as exc:
        pytest.fail(f"no answer: {exc}")
    assert response.status_code == 414
    case.validate_response(response, checks=[*DOCUMENTED, one_line_error])


def optional_parameters() -> Iterator[tuple[str, str, dict[str, str]]]:
    """Each optional parameter whose schema forbids an empty value, with the others an
    answer needs."""
    needed = {"/api/search": {"q": "công an"}, "/api/document": {"path": INDEXED_PATHS[0]}}
    needed["/api/similar"] = needed["/api/document"]
    for operation, item in openapi_document()["paths"].items():
        for parameter in item["get"].get("parameters", []):
            schema = parameter["schema"]
            empty_is_valid = schema["type"] == "string" and "enum" not in schema and not schema.get("minLength")
            if not parameter["required"] and not empty_is_valid and parameter["name"] not in needed.get(operation, {}):
                yield operation, parameter["name"], needed.get(operation, {})


@pytest.mark.parametrize(("operation", "name", "needed"), list(optional_parameters()))
def test_an_empty_parameter_is_answered_as_documented(
    operation: str, name: str, needed: dict[str, str], demo_server: Server
) -> None:
    """`limit=`, `sort=`, `exact=`: the server reads an empty value as the parameter left
    out (as a form sends an empty field); the document must allow it (allowEmptyValue),
    or the server refuse it."""
    status, _headers, _body = demo_server.get(operation, {**needed, name: ""})
    parameter = next(p for p in openapi_document()["paths"][operation]["get"]["parameters"] if p["name"] == name)
    assert status == 400 or parameter.get("allowEmptyValue") is True, f"{name}= answered {status}, undocumented"


@pytest.mark.parametrize(
    ("target", "query"),
    [
        ("/api/document", {"path": "corpus/dòng một\ndòng hai.txt"}),
        ("/api/similar", {"path": "corpus/a\rb.txt"}),
        ("/api/document", {"path_bytes": base64.b64encode("a\u2028b".encode()).decode("ascii")}),
        ("/static/a%0Ab.js", None),
        ("/kh%C3%B4ng%E2%80%A8c%C3%B3", None),
    ],
)
def test_an_error_is_one_line_whatever_the_request_holds(
    target: str, query: dict[str, str] | None, demo_server: Server
) -> None:
    """A message that says a path of the request back says it on one line, whatever
    line breaks the path holds."""
    status, headers, body = demo_server.get(target, query)
    assert status == 404
    assert_one_line_error(status, headers["content-type"], body)


# ---- hostile paths ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def outside_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real, readable file outside the index."""
    path = tmp_path_factory.mktemp("outside") / "bi-mat.txt"
    path.write_text("Mật khẩu kho lưu trữ: con-meo-den-1975\n", encoding="utf-8")
    return path


def hostile_paths(index_dir: Path, outside: Path) -> dict[str, Path]:
    """Paths a request may give for files it must never get, and those files."""
    passwd, pyproject = Path("/etc/passwd"), REPO / "pyproject.toml"
    return {
        "/etc/passwd": passwd,
        "../../etc/passwd": passwd,
        "//etc/passwd": passwd,
        "corpus/../../../../../../etc/passwd": passwd,
        "..\\..\\etc\\passwd": passwd,
        "%2e%2e/%2e%2e/etc/passwd": passwd,
        "file:///etc/passwd": passwd,
        "/proc/self/environ": Path("/proc/self/environ"),
        str(index_dir / "searchkit.json"): index_dir / "searchkit.json",
        str(index_dir / "searchkit-files.json"): index_dir / "searchkit-files.json",
        "pyproject.toml": pyproject,
        "./pyproject.toml": pyproject,
        "corpus/../pyproject.toml": pyproject,
        "corpus\\..\\pyproject.toml": pyproject,
        f"{INDEXED_PATHS[0]}/../../pyproject.toml": pyproject,
        str(pyproject): pyproject,
        str(REPO / "tests" / "conftest.py"): REPO / "tests" / "conftest.py",
        str(outside): outside,
        f"{INDEXED_PATHS[0]}\x00.txt": REPO / INDEXED_PATHS[0],
    }


def assert_not_served(status: int, headers: dict[str, str], body: bytes, *files: Path) -> None:
    """A refusal (400 or 404, one line of JSON) that holds nothing of `files`."""
    assert status in (400, 404), (status, body[:300])
    assert_one_line_error(status, headers.get("content-type", ""), body)
    for file in files:
        try:
            lines = [line.strip() for line in file.read_bytes().splitlines() if len(line.strip()) >= 8]
        except OSError:
            lines = []
        leaked = [line for line in lines[:20] if line in body]
        assert not leaked, f"{file} served: {leaked[:3]}"


@pytest.mark.parametrize("operation", ["/api/document", "/api/similar"])
def test_no_path_reaches_a_file_outside_the_index(
    operation: str, demo_server: Server, demo_index: Path, outside_file: Path
) -> None:
    for path, file in hostile_paths(demo_index, outside_file).items():
        for query in ({"path": path}, {"path_bytes": base64.b64encode(os.fsencode(path)).decode("ascii")}):
            status, headers, body = demo_server.get(operation, query)
            assert_not_served(status, headers, body, file)


@pytest.mark.parametrize(
    "target",
    [
        "/static/../pyproject.toml",
        "/static/%2e%2e/pyproject.toml",
        "/static/%2e%2e%2fpyproject.toml",
        "/static/..%2fpyproject.toml",
        "/static/..%5cpyproject.toml",
        "/static/..\\pyproject.toml",
        "/static/%2fetc%2fpasswd",
        "/static//etc/passwd",
        "/static/index.html%00.toml",
        "/static/app.js/../../pyproject.toml",
        "/static/../server/app.py",
        "//etc/passwd",
        "/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/pyproject.toml",
        "/api/../pyproject.toml",
        "/searchkit/server/app.py",
        f"/{INDEXED_PATHS[0]}",
        "/api/document?path=..%2F..%2Fetc%2Fpasswd",
        "/api/document?path=%2e%2e%2fpyproject.toml",
        "/api/document?path=%2Fetc%2Fpasswd%00",
        "/api/similar?path_bytes=Li4vcHlwcm9qZWN0LnRvbWw%3D",
    ],
)
def test_no_address_reaches_a_file_outside_the_page(target: str, demo_server: Server) -> None:
    status, headers, body = demo_server.get(target)
    files = [REPO / "pyproject.toml", Path("/etc/passwd"), REPO / INDEXED_PATHS[0], REPO / "searchkit/server/app.py"]
    assert_not_served(status, headers, body, *files)


# ---- behind --token --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def token_server(demo_index: Path) -> Iterator[Server]:
    """The demo index served as `demo_server` serves it, but asking for an access token."""
    server = start_server(demo_index, "--token", cwd=REPO, env={"SEARCHKIT_TOKEN": TOKEN})
    yield server
    server.stop()


def within_the_target_limit(case: schemathesis.Case) -> None:
    """Leave out a request longer than the guard lets through, which is refused before
    the token is asked for (414), or not answered at all (see the tests above)."""
    assume(len(urlencode(case.query or {}, doseq=True)) < MAX_TARGET_BYTES - 100)


@TOKEN_API.parametrize()
def test_without_the_token_every_operation_answers_401(case: schemathesis.Case, token_server: Server) -> None:
    within_the_target_limit(case)
    for headers in ({}, {"Authorization": "Bearer not-the-token"}, {"Cookie": f"searchkit_token=x{TOKEN}"}):
        response = case.call(base_url=base_url(token_server), headers=headers)
        assert response.status_code == 401, response.text[:300]
        assert response.headers["www-authenticate"] == ['Bearer realm="searchkit"']
        case.validate_response(response, checks=[*DOCUMENTED, no_traceback, one_line_error], headers=headers)


@TOKEN_API.parametrize()
def test_with_the_token_it_answers_as_the_open_server(
    case: schemathesis.Case, token_server: Server, demo_server: Server
) -> None:
    """The same answer, byte for byte but the time it took (whether that answer is as
    documented is the open server's test above)."""
    within_the_target_limit(case)
    response = case.call(base_url=base_url(token_server), headers={"Authorization": f"Bearer {TOKEN}"})
    open_answer = case.call(base_url=base_url(demo_server))
    assert response.status_code == open_answer.status_code
    assert without_timing(response) == without_timing(open_answer)


def without_timing(response: schemathesis.Response) -> object:
    """An answer but the time it took, and the index's size: `searchkit stats` run by
    another test keeps its counts in the index, which one server may have measured
    before and the other after."""
    record = json_record(response)
    if record is None:
        return response.content
    if isinstance(record, dict):
        record.pop("milliseconds", None)
        record.pop("size_bytes", None)
    return record
