"""Finding the files to index and reading them into documents with a title."""

from __future__ import annotations

import codecs
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from searchkit.errors import SourceNotFound

SUPPORTED_SUFFIXES = frozenset({".txt", ".md"})

# Enough of the start of a file to tell text from binary.
_SNIFF_BYTES = 8192
# The largest file indexed, as one document. Analysis takes about 150 MB of memory per
# MB of text, so a larger file is skipped (with that reason) rather than risk memory:
# 2 MB is a book of some 350 pages.
MAX_FILE_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Signature:
    """What tells whether a file changed since it was indexed: its size and
    modification time, and when those differ, the hash of its content."""

    size: int
    mtime_ns: int
    sha256: str

    def as_list(self) -> list[object]:
        return [self.size, self.mtime_ns, self.sha256]

    @classmethod
    def from_list(cls, values: object) -> Signature | None:
        """The signature stored by `as_list`, or None for anything else."""
        if isinstance(values, list | tuple) and len(values) == 3:
            size, mtime_ns, sha256 = values
            if isinstance(size, int) and isinstance(mtime_ns, int) and isinstance(sha256, str):
                return cls(size, mtime_ns, sha256)
        return None


@dataclass(frozen=True, slots=True)
class Document:
    """A file's text as it will be indexed, with the title shown in results, and the
    file's signature (None for text that does not come from a file)."""

    path: str
    title: str
    text: str
    signature: Signature | None = None
    # What the file's bytes were read as (see `decode`).
    encoding: str = "utf-8"


class Unindexable(Exception):
    """A file that is skipped, with the reason shown to the user."""

    def __init__(self, path: str, reason: str, *, is_error: bool) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
        # An error is something wrong with the file (unreadable, undecodable); a
        # plain skip is a file with nothing to index (empty, binary).
        self.is_error = is_error


def discover(source: Path) -> Iterator[Path]:
    """The .txt and .md files at or below `source`, in a stable order. Hidden folders
    (".git") are not entered and symbolic links to folders are not followed."""
    if source.is_file():
        yield source
        return
    if not source.is_dir():
        raise SourceNotFound(f"no such folder: {source}")
    if not os.access(source, os.R_OK | os.X_OK):
        raise SourceNotFound(f"cannot read folder: {source}")
    for root, dirs, files in os.walk(source):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if Path(name).suffix.lower() in SUPPORTED_SUFFIXES:
                yield Path(root, name)


# Read when a file is not valid UTF-8: the legacy Vietnamese encoding of Windows (tone
# marks as combining characters, which the analyzer composes).
FALLBACK_ENCODING = "windows-1258"


def decode(data: bytes) -> tuple[str, str]:
    """Bytes to text, and what they were read as: UTF-16 when they start with its BOM,
    else UTF-8 (with or without BOM), else Windows-1258. Raises UnicodeDecodeError
    (for UTF-8) when they are none of these."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as not_utf8:
        try:
            return data.decode(FALLBACK_ENCODING), FALLBACK_ENCODING
        except UnicodeDecodeError:
            raise not_utf8 from None


def title_of(text: str, *, markdown: bool = False) -> str:
    """The first non-empty line, which is how plain-text articles carry their title."""
    for line in text.splitlines():
        line = line.strip()
        if markdown:
            line = line.lstrip("#").strip()
        if line:
            return line
    return ""


def read_document(path: Path) -> Document:
    """Read one file, or raise `Unindexable` saying why it cannot be indexed."""
    shown = str(path)
    try:
        shown.encode("utf-8")
    except UnicodeEncodeError:
        # Bytes that are not UTF-8 in its name: it could be neither stored nor printed
        # as the path that opens it.
        printable = os.fsencode(path).decode("utf-8", "backslashreplace")
        raise Unindexable(printable, "its name is not valid UTF-8; rename it to index it", is_error=True) from None
    try:
        stat = path.stat()
        if stat.st_size > MAX_FILE_BYTES:
            megabytes = stat.st_size / (1024 * 1024)
            limit = MAX_FILE_BYTES // (1024 * 1024)
            raise Unindexable(shown, f"{megabytes:.1f} MB, over the {limit} MB a document may have", is_error=False)
        data = path.read_bytes()
    except FileNotFoundError:
        raise Unindexable(shown, "file not found (a broken link?)", is_error=True) from None
    except PermissionError:
        raise Unindexable(shown, "permission denied", is_error=True) from None
    except OSError as exc:
        raise Unindexable(shown, f"cannot read: {exc.strerror or exc}", is_error=True) from None
    if not data.strip():
        raise Unindexable(shown, "empty file", is_error=False)
    is_utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if not is_utf16 and b"\x00" in data[:_SNIFF_BYTES]:
        raise Unindexable(shown, "binary file", is_error=False)
    try:
        text, encoding = decode(data)
    except UnicodeDecodeError as exc:
        raise Unindexable(shown, f"neither UTF-8 (byte {exc.start}) nor Windows-1258", is_error=True) from None
    if not text.strip():
        raise Unindexable(shown, "empty file", is_error=False)
    title = title_of(text, markdown=path.suffix.lower() == ".md")
    signature = Signature(stat.st_size, stat.st_mtime_ns, hashlib.sha256(data).hexdigest())
    return Document(path=document_path(path), title=title, text=text, signature=signature, encoding=encoding)


def document_path(path: Path) -> str:
    """The path a file is indexed under: absolute, links resolved (as far as they go:
    a link in a loop is left as it is, and fails when it is read)."""
    return os.path.realpath(path)
