"""`searchkit serve`: an index kept open behind an HTTP API and a search page.

Starlette and uvicorn (the `serve` extra): Starlette is a small ASGI toolkit whose only
dependency is anyio, maintained by the encode team with uvicorn, the ASGI server most
used with it. FastAPI would add pydantic for validation this API does by hand in a few
lines (and pydantic costs 80 ms at every start, which is why typer is pinned below
0.29); Flask with a WSGI server would block a thread per slow client. Nothing here is
imported by a `searchkit query` process.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from searchkit.errors import SearchkitError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8737
# What one request may ask.
MAX_QUERY_CHARS = 1000
MAX_LIMIT = 100
MAX_OFFSET = 10_000
MAX_PATH_CHARS = 4096


class ServerError(SearchkitError):
    """The server cannot start: its extra is missing, or its address is taken."""


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """How `searchkit serve` serves an index."""

    index_dir: Path
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    # Asked of every request (a bearer token, or the cookie `/?token=` sets); None: none.
    token: str | None = None
    # Names the Host header may give besides the loopback names, IP addresses and the
    # address listened on (a name that resolves to this machine, behind a proxy).
    allowed_hosts: tuple[str, ...] = field(default=())
    # The folder paths are shown relative to, as `searchkit query` run there shows them.
    working_dir: Path = field(default_factory=Path.cwd)

    @property
    def loopback(self) -> bool:
        """Whether only this machine can reach the server."""
        return is_loopback(self.host)


def is_loopback(host: str) -> bool:
    """Whether `host` (a name or an address) is this machine's loopback."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on `host` and `port` (0: any free port); raises `ServerError`
    when the address is taken or cannot be used."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        infos = socket.getaddrinfo(host.strip("[]"), port, family, socket.SOCK_STREAM, 0, socket.AI_PASSIVE)
    except (OSError, UnicodeError) as exc:
        raise ServerError(f"cannot listen on {host}: {getattr(exc, 'strerror', None) or exc}") from None
    family, kind, proto, _name, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ServerError(f"port {port} on {host} is in use; choose another with --port") from None
        raise ServerError(f"cannot listen on {host} port {port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket, host: str) -> str:
    """The address a browser opens for a server listening on `sock`."""
    port = sock.getsockname()[1]
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else "[::1]" if host in ("::", "[::]") else host
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def serve(settings: ServerSettings, *, listening: Callable[[str], None]) -> None:
    """Serve the index until interrupted (Ctrl-C, SIGTERM); `listening` is called with
    the server's address once it accepts connections. Raises `ServerError`, and the
    errors of opening the index."""
    try:
        import uvicorn

        from searchkit.server.app import create_app
    except ImportError:
        raise ServerError('searchkit serve needs the serve extra: pip install "searchkit[serve]"') from None
    from searchkit.live import LiveSearcher

    sock = bind(settings.host, settings.port)
    try:
        with LiveSearcher(settings.index_dir) as searcher:
            port = sock.getsockname()[1]
            app = create_app(settings, searcher, port=port)
            config = uvicorn.Config(
                app,
                log_level="warning",
                access_log=False,
                server_header=False,
                proxy_headers=False,
                lifespan="off",
                # A head larger than this is refused by uvicorn (400, not JSON) when it
                # arrives in parts; the app's guard refuses smaller ones that are still
                # too large (`app.MAX_TARGET_BYTES`, `MAX_HEADER_BYTES`), with JSON.
                h11_max_incomplete_event_size=256 * 1024,
            )
            server = uvicorn.Server(config)
            listening(url_of(sock, settings.host))
            server.run(sockets=[sock])
    finally:
        sock.close()
