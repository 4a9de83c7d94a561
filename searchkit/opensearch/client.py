"""HTTP to an OpenSearch cluster: one connection pool, retries, and one-line errors.

urllib3 rather than opensearch-py: searchkit asks for six endpoints and reads their JSON
itself; opensearch-py would add requests, python-dateutil and events for a wrapper over
the same calls. urllib3 gives the pool, timeouts and TLS with a CA bundle.
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from searchkit.errors import SearchkitError

# The index a URL without a path names.
DEFAULT_INDEX = "searchkit"
# Statuses worth trying again, after a pause that doubles each time.
RETRIED = frozenset({429, 500, 502, 503, 504})
RETRIES = 6
FIRST_PAUSE = 0.5
TIMEOUT = 60.0
# Where the user name, password and CA bundle come from when no option names them.
USER_VARIABLE = "SEARCHKIT_OPENSEARCH_USER"
PASSWORD_VARIABLE = "SEARCHKIT_OPENSEARCH_PASSWORD"
CA_BUNDLE_VARIABLE = "SEARCHKIT_OPENSEARCH_CA_BUNDLE"


class ClusterError(SearchkitError):
    """The cluster cannot be reached, refuses, or answers what searchkit cannot use."""


@dataclass(frozen=True, slots=True)
class Credentials:
    """Basic authentication and the CA bundle of a TLS cluster; never printed."""

    user: str | None = None
    password: str | None = None
    ca_bundle: str | None = None

    @classmethod
    def from_environment(
        cls, user: str | None = None, password: str | None = None, ca_bundle: str | None = None
    ) -> Credentials:
        return cls(
            user or os.environ.get(USER_VARIABLE) or None,
            password or os.environ.get(PASSWORD_VARIABLE) or None,
            ca_bundle or os.environ.get(CA_BUNDLE_VARIABLE) or None,
        )

    def __repr__(self) -> str:
        return f"Credentials(user={'…' if self.user else None}, password=…, ca_bundle={self.ca_bundle!r})"


class Cluster:
    """An OpenSearch cluster and the index of a URL ("http://host:9200/news": the index
    "news"; "searchkit" when the URL names none)."""

    def __init__(
        self, url: str, credentials: Credentials | None = None, *, pause: Callable[[float], None] = time.sleep
    ) -> None:
        try:
            import urllib3
        except ImportError:
            raise ClusterError('OpenSearch needs the opensearch extra: pip install "searchkit[opensearch]"') from None

        parts = urlsplit(url if "://" in url else f"http://{url}")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ClusterError(f"{url!r} is not an OpenSearch URL (write http://HOST:PORT/INDEX)")
        credentials = credentials or Credentials()
        if parts.username and not credentials.user:
            credentials = Credentials(parts.username, parts.password, credentials.ca_bundle)
        index = parts.path.strip("/") or DEFAULT_INDEX
        if "/" in index or index.startswith(("_", "-", "+")) or index != index.lower():
            raise ClusterError(f"{index!r} is not an index name (lower case, no '/', not starting with '_')")
        self.index = index
        port = parts.port or (443 if parts.scheme == "https" else 9200)
        # The URL as shown in messages: never its user or password.
        self.shown = f"{parts.scheme}://{parts.hostname}:{port}/{index}"
        headers = {"Content-Type": "application/json"}
        if credentials.user:
            token = base64.b64encode(f"{credentials.user}:{credentials.password or ''}".encode()).decode("ascii")
            headers["Authorization"] = f"Basic {token}"
        options: dict[str, Any] = {"headers": headers, "timeout": urllib3.Timeout(connect=10.0, read=TIMEOUT)}
        if parts.scheme == "https":
            options["ca_certs"] = credentials.ca_bundle
            options["cert_reqs"] = "CERT_REQUIRED"
        self._pool = urllib3.connectionpool.connection_from_url(f"{parts.scheme}://{parts.hostname}:{port}", **options)
        self._pause = pause
        # Until the cluster has answered once, a refused connection is a wrong URL more
        # likely than a node restarting: it is tried again only a little.
        self._answered = False

    def close(self) -> None:
        self._pool.close()

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def path(self, *parts: str, index: str | None = None) -> str:
        """A path below the index (or another): `path("_doc", id)` is "/INDEX/_doc/ID"."""
        return "/" + "/".join(quote(part, safe="") for part in (index or self.index, *parts))

    def request(
        self,
        method: str,
        path: str,
        body: object = None,
        *,
        ndjson: bytes | None = None,
        missing_ok: bool = False,
    ) -> dict[str, Any]:
        """The JSON answer to one request, tried again on 429 and 5xx answers and on
        a refused or broken connection (a node restarting), with pauses that double;
        a ClusterError in one line otherwise. With `missing_ok`, a 404 answers {}."""
        import urllib3

        data = ndjson if ndjson is not None else (json.dumps(body).encode() if body is not None else None)
        headers = {"Content-Type": "application/x-ndjson"} if ndjson is not None else None
        pause = FIRST_PAUSE
        for attempt in range(RETRIES + 1):
            try:
                response = self._pool.urlopen(
                    method, path, body=data, headers=headers or self._pool.headers, retries=False, redirect=False
                )
            except urllib3.exceptions.SSLError as error:
                raise ClusterError(f"{self.shown}: TLS failed ({_reason(error)}); give the CA bundle") from None
            except urllib3.exceptions.HTTPError as error:
                if attempt == (RETRIES if self._answered else 2):
                    raise ClusterError(f"cannot reach {self.shown}: {_reason(error)}") from None
                self._pause(pause)
                pause *= 2
                continue
            status = response.status
            self._answered = True
            if status in RETRIED and attempt < RETRIES:
                self._pause(pause)
                pause *= 2
                continue
            if status == 404 and missing_ok:
                return {}
            if status in (401, 403):
                raise ClusterError(
                    f"{self.shown} refused the credentials ({status}); set {USER_VARIABLE} and {PASSWORD_VARIABLE}"
                )
            try:
                answer = json.loads(response.data) if response.data else {}
            except ValueError:
                raise ClusterError(f"{self.shown} answered {status} with something that is not JSON") from None
            if status >= 300:
                raise ClusterError(f"{self.shown} answered {status}: {_error(answer)}")
            if not isinstance(answer, dict):
                raise ClusterError(f"{self.shown} answered {status} with JSON that is not an object")
            return answer
        raise AssertionError("unreachable")


def _reason(error: Exception) -> str:
    reason = getattr(error, "reason", None) or error
    text = str(reason)
    if "Connection refused" in text:
        return "connection refused"
    if "Name or service not known" in text or "nodename nor servname" in text:
        return "no such host"
    return text.split(": ", 1)[-1][:200]


def _error(answer: object) -> str:
    """What an error answer says, in one line."""
    if isinstance(answer, dict):
        error = answer.get("error")
        if isinstance(error, dict):
            return f"{error.get('type', 'error')}: {error.get('reason', '')}"[:300]
        if isinstance(error, str):
            return error[:300]
    return json.dumps(answer)[:300]
