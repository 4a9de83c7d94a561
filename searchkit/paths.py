"""Paths as they can be printed. A file name need not be UTF-8: an old Vietnamese archive
unzips to names in Windows-1258, VNI or TCVN3 bytes, which Python keeps as escaped
surrogates (`os.fsdecode`), so that the name still opens the file."""

from __future__ import annotations

import os
from pathlib import Path


def shown_path(path: str | Path) -> str:
    """A path as it can be printed: a name that is not UTF-8 with each of its
    undecodable bytes as "\\xNN"."""
    shown = str(path)
    if shown.isascii():
        return shown
    try:
        shown.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(shown).decode("utf-8", "backslashreplace")
    return shown


def path_fields(path: str) -> dict[str, str]:
    """A path as JSON holds it: `path` as printed, and, for a name that is not UTF-8,
    `path_bytes`, its exact bytes in base64, which JSON text cannot hold."""
    import base64

    shown = shown_path(path)
    if shown == path:
        return {"path": shown}
    return {"path": shown, "path_bytes": base64.b64encode(os.fsencode(path)).decode("ascii")}


def path_of_fields(fields: dict[str, object]) -> str:
    """The path `path_fields` gave: the name's own bytes when it is not UTF-8."""
    import base64

    if fields.get("path_bytes"):
        return os.fsdecode(base64.b64decode(str(fields["path_bytes"])))
    return str(fields.get("path") or "")
