"""The HTTP side of `searchkit serve`: the JSON API (described by `openapi.py`), the
search page's files, and the guard in front of both (Host header, access token,
methods, sizes, and the headers that keep a browser strict).

The answers are the CLI's: a hit is `searchkit query --json`'s object, a document
`show --json`'s, the tab-separated lines the CLI's, a bad query the CLI's one-line
message. Nothing a request says is a file name: documents are looked up in the index
by the path it stores, and the page's files were read when the app was made.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime
import hmac
import http.cookies
import ipaddress
import json
import logging
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from searchkit.errors import DocumentNotFound, QuerySyntaxError, SearchkitError
from searchkit.live import LiveSearcher
from searchkit.paths import shown_path
from searchkit.render import (
    CONTROL_CHARACTERS,
    document_record,
    hit_cells,
    hit_record,
    rewrite_record,
    stats_record,
    tsv_line,
)
from searchkit.searching import SearchResult, SortOrder
from searchkit.server import MAX_LIMIT, MAX_OFFSET, MAX_PATH_CHARS, MAX_QUERY_CHARS, ServerSettings
from searchkit.server.openapi import openapi_document

# The request target (path and query string), and the headers, in bytes: room for the
# longest parameters the API takes, percent-encoded (`server.MAX_QUERY_CHARS`, and a path
# of `MAX_PATH_CHARS`, twelve bytes for a character of four).
MAX_TARGET_BYTES = 64 * 1024
MAX_HEADER_BYTES = 16 * 1024
DEFAULT_LIMIT = 10
# The cookie that `/?token=` sets, so that the page's own requests carry the token.
TOKEN_COOKIE = "searchkit_token"
# The files of the search page, served from the package as they are.
PAGE_FILES = {
    "index.html": "text/html; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}
# Every answer: no other origin may frame, embed or script the page, and it runs only
# its own script (text from documents is never markup, and this makes sure of it).
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        b"base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})

log = logging.getLogger("searchkit.server")


class BadRequest(Exception):
    """A request the API cannot answer, with its status and one line saying why."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def create_app(settings: ServerSettings, searcher: LiveSearcher) -> ASGIApp:
    """The ASGI application of `searchkit serve` for the index `searcher` follows."""
    api = _Api(settings, searcher)
    page = _page_files()
    routes = [
        Route("/", lambda request: _page(page, "index.html")),
        Route("/static/{name}", lambda request: _page(page, request.path_params["name"])),
        Route("/openapi.json", lambda request: JSONResponse(openapi_document(), headers=_NO_STORE)),
        Route("/api/search", api.endpoint(api.search)),
        Route("/api/document", api.endpoint(api.document)),
        Route("/api/similar", api.endpoint(api.similar)),
        Route("/api/stats", api.endpoint(api.stats)),
    ]
    app = Starlette(
        routes=routes,
        # Methods and bodies are the guard's to refuse, before a route is chosen.
        exception_handlers={404: _not_found, 500: _internal_error},
    )
    return _Guard(app, settings)


_NO_STORE = {"cache-control": "no-store"}


def _error(message: str, status: int, headers: Mapping[str, str] | None = None) -> JSONResponse:
    """An error answer: one line of JSON, whatever of the request the message repeats."""
    return JSONResponse({"error": one_line(message)}, status_code=status, headers={**_NO_STORE, **(headers or {})})


def one_line(message: str) -> str:
    """`message` with its line breaks and control characters escaped (\\n, \\x85): the
    characters a line of the CLI's tab-separated output may not hold either."""
    return CONTROL_CHARACTERS.sub(lambda found: found[0].encode("unicode_escape").decode("ascii"), message)


async def _not_found(request: Request, exc: Exception) -> Response:
    return _error(f"no such page: {request.url.path}", 404)


async def _internal_error(request: Request, exc: Exception) -> Response:
    log.error("searchkit: internal error on %s %s", request.method, request.url.path, exc_info=exc)
    return _error("internal error (the server's log says more)", 500)


def _page_files() -> dict[str, bytes]:
    folder = resources.files("searchkit.server") / "static"
    return {name: (folder / name).read_bytes() for name in PAGE_FILES}


def _page(files: dict[str, bytes], name: str) -> Response:
    if name not in files:
        return _error(f"no such page file: {shown_path(name)}", 404)
    return Response(files[name], media_type=PAGE_FILES[name], headers={"cache-control": "no-cache"})


class _Api:
    """The API's endpoints: each reads its parameters, makes one core call, and answers
    its record; a failure is one line of JSON with its status."""

    def __init__(self, settings: ServerSettings, searcher: LiveSearcher) -> None:
        self._settings = settings
        self._searcher = searcher
        self._working_dir = str(settings.working_dir)
        self._stats: tuple[int, dict[str, object]] | None = None
        self._stats_lock = threading.Lock()

    def endpoint(self, answer: Callable[[_Params], Response]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            params = _Params(request.scope.get("query_string", b""))
            try:
                return await run_in_threadpool(answer, params)
            except BadRequest as exc:
                return _error(str(exc), exc.status)
            except QuerySyntaxError as exc:
                return _error(str(exc), 400)
            except SearchkitError as exc:
                # The index cannot be read (damaged since it was opened, say).
                return _error(str(exc), 503)

        return endpoint

    def search(self, params: _Params) -> Response:
        query = params.query("q")
        limit = params.integer("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        offset = params.integer("offset", 0, 0, MAX_OFFSET)
        since = params.date("since", last=False)
        until = params.date("until", last=True)
        if since is not None and until is not None and since > until:
            raise BadRequest(f"since {since} is after until {until}: no date is in between")
        sort = SortOrder(params.choice("sort", ("score", "date"), "score"))
        exact = params.boolean("exact")
        file_dates = params.boolean("file_dates")
        tsv = params.choice("format", ("json", "tsv"), "json") == "tsv"
        with self._searcher.current() as searcher:
            result = searcher.search(
                query,
                limit=limit,
                offset=offset,
                since=since,
                until=until,
                sort=sort,
                exact=exact,
                file_dates=file_dates,
            )
        if tsv:
            lines = "".join(tsv_line(hit_cells(hit)) for hit in result.hits)
            return Response(
                lines, media_type="text/plain; charset=utf-8", headers={**_NO_STORE, "x-total-count": str(result.total)}
            )
        return _json(
            {
                "query": query,
                "count": result.total,
                "offset": offset,
                "limit": limit,
                "searched": rewrite_record(result.searched) if result.searched else None,
                "suggestion": result.suggestion,
                "left_out_file_dated": result.left_out_file_dated,
                "milliseconds": round(result.seconds * 1000, 2),
                "hits": self._hits(result),
            }
        )

    def document(self, params: _Params) -> Response:
        path, given = self._stored_path(params)
        query = params.optional_query("q")
        exact = params.boolean("exact")
        with self._searcher.current() as searcher, _named(given):
            document = searcher.document(path, query, exact=exact, resolve=False)
        return _json(document_record(document))

    def similar(self, params: _Params) -> Response:
        path, given = self._stored_path(params)
        limit = params.integer("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        offset = params.integer("offset", 0, 0, MAX_OFFSET)
        with self._searcher.current() as searcher, _named(given):
            result = searcher.similar(path, limit=limit, offset=offset, resolve=False)
        return _json(
            {"query": result.query, "count": result.total, "offset": offset, "limit": limit, "hits": self._hits(result)}
        )

    def stats(self, params: _Params) -> Response:
        from searchkit.stats import index_stats

        index_dir, generation = self._settings.index_dir, self._searcher.generation
        with self._stats_lock:
            if self._stats is None or self._stats[0] != generation:
                self._stats = generation, stats_record(index_dir, index_stats(index_dir, write=False))
            return _json(self._stats[1])

    def _hits(self, result: SearchResult) -> list[dict[str, object]]:
        return [hit_record(hit, searched=result.searched, suggestion=result.suggestion) for hit in result.hits]

    def _stored_path(self, params: _Params) -> tuple[str, str]:
        """The path the index stores for the `path` (as the API shows it) or `path_bytes`
        (a name that is not UTF-8, in base64) of a request: made absolute against the
        folder served from, by its text alone; and the path as given, to name it."""
        typed, encoded = params.get("path"), params.get("path_bytes")
        if (typed is None) == (encoded is None):
            raise BadRequest("give either path or path_bytes")
        if encoded is not None:
            try:
                path = os.fsdecode(base64.b64decode(encoded, validate=True))
            except (binascii.Error, ValueError):
                raise BadRequest("path_bytes is not base64") from None
        else:
            assert typed is not None
            path = typed
        if not path or "\0" in path or len(path) > MAX_PATH_CHARS:
            raise BadRequest(f"path is empty, longer than {MAX_PATH_CHARS:,} characters, or holds a NUL")
        return path if os.path.isabs(path) else os.path.join(self._working_dir, path), path


@contextlib.contextmanager
def _named(given: str) -> Iterator[None]:
    """A document not found named by the path as the request gave it (the folder the
    server runs in is nobody's business)."""
    try:
        yield
    except DocumentNotFound:
        raise BadRequest(f"{shown_path(given)} is not in the index", 404) from None


def _json(record: object, status: int = 200) -> Response:
    body = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(body, status_code=status, media_type="application/json", headers=_NO_STORE)


class _Params:
    """A request's query string, read strictly: a parameter given twice, out of range
    or of the wrong kind is a `BadRequest` naming it."""

    def __init__(self, query_string: bytes) -> None:
        self._values: dict[str, list[str]] = {}
        pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="replace")
        for name, value in pairs:
            self._values.setdefault(name, []).append(value)

    def get(self, name: str) -> str | None:
        found = self._values.get(name)
        if not found:
            return None
        if len(found) > 1:
            raise BadRequest(f"{name} is given {len(found)} times")
        return found[0]

    def query(self, name: str) -> str:
        value = self.optional_query(name)
        if value is None or not value.strip():
            raise BadRequest(f"{name} is missing: give the query to search for")
        return value

    def optional_query(self, name: str) -> str | None:
        value = self.get(name)
        if value is not None and len(value) > MAX_QUERY_CHARS:
            raise BadRequest(f"{name} is longer than {MAX_QUERY_CHARS:,} characters")
        return value or None

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        value = self.get(name)
        if value is None or value == "":
            return default
        if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
            raise BadRequest(f"{name} must be a whole number from {low} to {high:,}, not {value[:40]!r}")
        return int(value)

    def boolean(self, name: str) -> bool:
        value = self.get(name)
        if value is None or value == "":
            return False
        if value.lower() in TRUE_WORDS:
            return True
        if value.lower() in FALSE_WORDS:
            return False
        raise BadRequest(f"{name} must be true or false, not {value[:40]!r}")

    def choice(self, name: str, choices: tuple[str, ...], default: str) -> str:
        value = self.get(name)
        if value is None or value == "":
            return default
        if value not in choices:
            raise BadRequest(f"{name} must be one of {', '.join(choices)}, not {value[:40]!r}")
        return value

    def date(self, name: str, *, last: bool) -> datetime.date | None:
        from searchkit.dates import typed_date_bound

        value = self.get(name)
        if value is None or value == "":
            return None
        try:
            return typed_date_bound(value[:40], last=last)
        except ValueError as exc:
            raise BadRequest(f"{name}: {exc}") from None


class _Guard:
    """What every request passes before the app: GET or HEAD only, no body, a target of
    bounded size, a Host header naming this server (a page on another site cannot
    reach it by a DNS name it rebinds to 127.0.0.1), the access token when one is set;
    and the security headers on every answer. No CORS header is ever sent: only the
    page served here may read the API from a browser."""

    def __init__(self, app: ASGIApp, settings: ServerSettings) -> None:
        self._app = app
        self._token = settings.token
        names = {*LOOPBACK_NAMES, *(name.lower() for name in settings.allowed_hosts)}
        if settings.host not in ("", "0.0.0.0", "::"):
            names.add(settings.host.strip("[]").lower())
        self._host_names = frozenset(names)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
            return

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        refused = self._refusal(scope)
        if refused is not None:
            await refused(scope, receive, send_secured)
            return
        await self._app(scope, receive, send_secured)

    def _refusal(self, scope: Scope) -> Response | None:
        if sum(len(name) + len(value) for name, value in scope["headers"]) > MAX_HEADER_BYTES:
            return _error(f"the request's headers are larger than {MAX_HEADER_BYTES // 1024} KB", 431)
        headers: dict[str, str] = {}
        for name, value in scope["headers"]:
            headers.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
        if not self._host_allowed(headers.get("host", "")):
            return _error("the Host header does not name this server", 400)
        if scope["method"] not in ("GET", "HEAD"):
            return _error(f"{scope['method']} is not allowed: the API only answers GET", 405, {"allow": "GET, HEAD"})
        if headers.get("content-length", "0") not in ("", "0") or "transfer-encoding" in headers:
            return _error("a request carries no body here", 413)
        if len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"") > MAX_TARGET_BYTES:
            return _error(f"the request's address is longer than {MAX_TARGET_BYTES:,} bytes", 414)
        if self._token is None:
            return None
        pairs = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        offered = dict(pairs).get("token")
        if scope["path"] == "/" and offered is not None and _same(offered, self._token):
            # The address `searchkit serve` printed: keep the token in a cookie and take
            # it out of the address (and so out of the history and the address bar).
            kept = urlencode([(k, v) for k, v in pairs if k != "token"])
            answer = Response(status_code=303, headers={"location": "/" + (f"?{kept}" if kept else "")})
            answer.set_cookie(TOKEN_COOKIE, self._token, httponly=True, samesite="strict", path="/")
            return answer
        if self._token_given(headers):
            return None
        return _error(
            "this server asks for its access token: open the address searchkit serve printed, "
            "or send the header Authorization: Bearer TOKEN",
            401,
            {"www-authenticate": 'Bearer realm="searchkit"'},
        )

    def _token_given(self, headers: dict[str, str]) -> bool:
        assert self._token is not None
        scheme, _, given = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and _same(given.strip(), self._token):
            return True
        cookies = http.cookies.SimpleCookie()
        try:
            cookies.load(headers.get("cookie", ""))
        except http.cookies.CookieError:
            return False
        kept = cookies.get(TOKEN_COOKIE)
        return kept is not None and _same(kept.value, self._token)

    def _host_allowed(self, host: str) -> bool:
        """Whether a Host header names this server: a loopback name, an address (a
        page cannot rebind an address), the address listened on, or a name allowed."""
        name = host.strip().lower()
        if name.startswith("["):
            name = name[1 : name.find("]")] if "]" in name else ""
        elif name.count(":") == 1:
            name = name.partition(":")[0]
        if not name:
            return False
        if name in self._host_names:
            return True
        try:
            ipaddress.ip_address(name)
        except ValueError:
            return False
        return True


def _same(given: str, token: str) -> bool:
    """Whether `given` is the token, in a time that does not tell how much of it is."""
    return hmac.compare_digest(given.encode("utf-8", "replace"), token.encode("utf-8"))
