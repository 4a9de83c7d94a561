"""`searchkit serve`: an index kept open behind an HTTP API and a search page.

Starlette and uvicorn (the `serve` extra): Starlette is a small ASGI toolkit whose only
dependency is anyio, maintained by the encode team with uvicorn, the ASGI server most
used with it. FastAPI would add pydantic for validation this API does by hand in a few
lines (and pydantic costs 80 ms at every start, which is why typer is pinned below
0.29); Flask with a WSGI server would block a thread per slow client. Nothing here is
imported by a `searchkit query` process.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import os
import signal
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from searchkit.errors import SearchkitError

if TYPE_CHECKING:
    from searchkit.live import LiveSearcher

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
    # Processes answering requests, each with the index open.
    workers: int = 1

    @property
    def loopback(self) -> bool:
        """Whether only this machine can reach the server."""
        return is_loopback(self.host)


def default_workers() -> int:
    """Two processes where there are two cores or more: a slow search then holds up only
    half the requests (more use more memory, each process warming its own caches)."""
    return min(2, os.cpu_count() or 1)


def is_loopback(host: str) -> bool:
    """Whether `host` (a name or an address) is this machine's loopback."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int, *, count: int = 1) -> list[socket.socket]:
    """`count` listening sockets on `host` and `port` (0: any free port), each for a
    process of its own: the kernel spreads new connections over them (SO_REUSEPORT),
    where processes accepting from one socket would leave them to whichever wakes first,
    and a client's connections kept alive with it. Raises `ServerError` when the address
    is taken or cannot be used."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        infos = socket.getaddrinfo(host.strip("[]"), port, family, socket.SOCK_STREAM, 0, socket.AI_PASSIVE)
    except (OSError, UnicodeError) as exc:
        raise ServerError(f"cannot listen on {host}: {getattr(exc, 'strerror', None) or exc}") from None
    family, kind, proto, _name, address = infos[0]
    shared = count > 1 and hasattr(socket, "SO_REUSEPORT")
    sockets: list[socket.socket] = []
    try:
        if shared:
            # Taken alone first: a port some other process listens on is in use, even one
            # that lets others share it.
            with socket.socket(family, kind, proto) as alone:
                alone.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                alone.bind(address)
                address = (address[0], alone.getsockname()[1], *address[2:])
        for _ in range(count if shared else 1):
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if shared:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind(address)
            sock.listen(2048)
            sock.set_inheritable(True)
    except OSError as exc:
        for sock in sockets:
            sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ServerError(f"port {port} on {host} is in use; choose another with --port") from None
        raise ServerError(f"cannot listen on {host} port {port}: {exc.strerror or exc}") from None
    return sockets


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
    errors of opening the index.

    With `settings.workers` above 1, that many processes answer on the one port, each
    with the index open and a socket of its own (see `bind`): a search holds the
    interpreter, so one process answers one search at a time, and a slow one makes the
    others wait."""
    try:
        import uvicorn  # noqa: F401

        from searchkit.server.app import create_app  # noqa: F401
    except ImportError:
        raise ServerError('searchkit serve needs the serve extra: pip install "searchkit[serve]"') from None
    from searchkit.live import LiveSearcher

    sockets = bind(settings.host, settings.port, count=settings.workers)
    try:
        if settings.workers == 1:
            with LiveSearcher(settings.index_dir) as searcher:
                listening(url_of(sockets[0], settings.host))
                _answer(settings, searcher, sockets[0])
            return
        # Opened once here, so that an index that cannot be opened is one error.
        LiveSearcher(settings.index_dir).close()
        # A socket of its own for each worker where the system has them, else one for all.
        mine = sockets if len(sockets) == settings.workers else sockets * settings.workers
        workers = [_worker(settings, sock, sockets) for sock in mine]
        listening(url_of(sockets[0], settings.host))
        # Only the workers accept: a socket left open here would take its share of the
        # connections and answer none, were its worker to end.
        for sock in sockets:
            sock.close()
        _wait(workers)
    finally:
        for sock in sockets:
            sock.close()


def _answer(settings: ServerSettings, searcher: LiveSearcher, sock: socket.socket) -> None:
    """Answer requests on `sock` until a signal stops it."""
    import uvicorn

    from searchkit.server.app import create_app

    config = uvicorn.Config(
        create_app(settings, searcher),
        log_level="warning",
        access_log=False,
        server_header=False,
        proxy_headers=False,
        lifespan="off",
        # A head larger than this is refused by uvicorn (400, not JSON) when it arrives
        # in parts; the app's guard refuses smaller ones that are still too large
        # (`app.MAX_TARGET_BYTES`, `MAX_HEADER_BYTES`), with JSON.
        h11_max_incomplete_event_size=256 * 1024,
    )
    uvicorn.Server(config).run(sockets=[sock])


def _worker(settings: ServerSettings, sock: socket.socket, sockets: list[socket.socket]) -> int:
    """A process of its own answering on `sock`, one of `sockets` (forked: it has the
    modules already imported); its pid."""
    from searchkit.live import LiveSearcher

    pid = os.fork()
    if pid:
        return pid
    for other in sockets:
        if other is not sock:
            other.close()
    # The worker: it ends as uvicorn ends it, on the SIGINT of Ctrl-C (which the whole
    # process group gets) or the SIGTERM the first process passes on; uvicorn raises the
    # signal again once it has finished the requests under way.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    status = 0
    try:
        with LiveSearcher(settings.index_dir) as searcher:
            _answer(settings, searcher, sock)
    except KeyboardInterrupt:
        pass
    except BaseException:
        status = 1
    finally:
        os._exit(status)


def _wait(workers: list[int]) -> None:
    """Wait for the workers to end; when this process is stopped (Ctrl-C, SIGTERM),
    stop them first, and raise KeyboardInterrupt."""
    left = set(workers)

    def stop(signum: int, frame: object) -> None:
        # Later signals (Ctrl-C after SIGTERM) must not cut the stopping short and leave
        # workers behind: they are noted and let be.
        for other in (signal.SIGINT, signal.SIGTERM):
            signal.signal(other, lambda signum, frame: None)
        raise KeyboardInterrupt

    previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        while left:
            pid, _status = os.wait()
            left.discard(pid)
    except KeyboardInterrupt:
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        for pid in left:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        raise
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
