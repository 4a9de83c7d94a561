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
