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


def decode(data: bytes) -> str:
    """Bytes to text: UTF-8 (with or without BOM), or UTF-16 when it has a BOM."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    return data.decode("utf-8-sig")


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
        stat = path.stat()
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
        text = decode(data)
    except UnicodeDecodeError as exc:
        raise Unindexable(shown, f"not valid UTF-8 (byte {exc.start})", is_error=True) from None
    if not text.strip():
        raise Unindexable(shown, "empty file", is_error=False)
    title = title_of(text, markdown=path.suffix.lower() == ".md")
    signature = Signature(stat.st_size, stat.st_mtime_ns, hashlib.sha256(data).hexdigest())
    return Document(path=document_path(path), title=title, text=text, signature=signature)


def document_path(path: Path) -> str:
    """The path a file is indexed under: absolute, links resolved."""
    return str(path.resolve())
