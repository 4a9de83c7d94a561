"""Finding the files to index and reading them into documents with a title."""

from __future__ import annotations

import codecs
import datetime
import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal

from searchkit.errors import SourceNotFound
from searchkit.formats import Extracted, FormatError
from searchkit.paths import shown_path

if TYPE_CHECKING:
    import pathspec

# The formats read, by file name suffix (see `read_source`).
TEXT_SUFFIXES = frozenset({".txt"})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
JSON_LINES_SUFFIXES = frozenset({".jsonl"})
# Zip files of XML (OpenDocument text, EPUB books), Word and PDF files.
CONTAINER_SUFFIXES = frozenset({".docx", ".odt", ".epub", ".pdf"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES | JSON_LINES_SUFFIXES | CONTAINER_SUFFIXES
# Read as plain text when their content is text (no NUL byte in its start): files
# without a suffix (README), and the suffixes of text that is not a document format.
# A binary one is a file of a kind not read, as is any other suffix.
TEXT_LIKE_SUFFIXES = frozenset({"", ".text", ".csv", ".tsv", ".log", ".rst", ".org", ".adoc", ".srt", ".vtt"})

# Enough of the start of a file to tell text from binary.
_SNIFF_BYTES = 8192
# The largest text indexed as one document. Analysis takes about 150 MB of memory per
# MB of text, so a larger one is skipped (with that reason) rather than risk memory:
# 2 MB is a book of some 350 pages.
MAX_FILE_BYTES = 2 * 1024 * 1024
# The largest Word, PDF or HTML file opened: most of such a file is layout, pictures
# and scripts, so the limit on its text (MAX_FILE_BYTES) is checked once it is read.
MAX_CONTAINER_BYTES = 64 * 1024 * 1024
# The file of an ignore list in a folder: gitignore's syntax, for the files below it.
IGNORE_FILE = ".searchkitignore"


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


# Where a document's date comes from: the document itself (its text, or its metadata: an
# HTML <meta>, front matter, a JSON field, Word or PDF properties), or its file's
# modification time, the day it was last saved or copied, which date filters leave out.
DateSource = Literal["document", "file"]


@dataclass(frozen=True, slots=True)
class Document:
    """A document's text as it will be indexed, with the title shown in results, and
    the signature of the file it comes from (None for text that does not come from a
    file). `source` is that file's path when it holds several documents (a JSON Lines
    file, whose documents are "FILE#ID"); `date` is an ISO date, "YYYY-MM-DD", and
    `date_source` says where it comes from (see `DateSource`)."""

    path: str
    title: str
    text: str
    signature: Signature | None = None
    # What the file's bytes were read as (see `decode`).
    encoding: str = "utf-8"
    date: str | None = None
    source: str | None = None
    date_source: DateSource | None = None

    @property
    def source_path(self) -> str:
        """The file the document comes from: what the next run checks for changes."""
        return self.source or self.path


@dataclass(frozen=True, slots=True)
class JsonFields:
    """Which fields of a JSON Lines record hold what. A field may name a nested one
    with dots ("meta.date"). Each has fallbacks tried in order when it is not named."""

    id: str | None = None
    title: str | None = None
    text: str | None = None
    date: str | None = None

    # What exported datasets usually call them.
    DEFAULTS: ClassVar[dict[str, tuple[str, ...]]] = {
        "id": ("id", "_id", "doc_id", "uuid"),
        "title": ("title", "headline", "name"),
        "text": ("text", "content", "body", "contents"),
        "date": ("date", "published", "published_at", "publish_date", "created_at", "time"),
    }

    def names(self, what: str) -> tuple[str, ...]:
        """The fields tried for `what` ("id", "title", "text" or "date")."""
        named = getattr(self, what)
        return (named,) if named else self.DEFAULTS[what]

    def as_dict(self) -> dict[str, str]:
        return {what: value for what in self.DEFAULTS if (value := getattr(self, what))}


class Unindexable(Exception):
    """A file that is skipped, with the reason shown to the user (its path as shown,
    see `shown_path`)."""

    def __init__(self, path: str, reason: str, *, is_error: bool) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
        # An error is a problem reaching the file (permission denied, a broken link, a
        # loop); the others are problems of its content (empty, binary, damaged, a bad
        # JSON Lines line), which a run reports and skips (see `IndexReport.errors`).
        self.is_error = is_error


class NotRead(Unindexable):
    """A file of a kind searchkit does not read (.doc, .xlsx, a binary without a suffix)."""

    def __init__(self, path: str, suffix: str) -> None:
        super().__init__(path, f"a kind of file not read ({suffix or 'no suffix'})", is_error=False)
        # What the summary counts it under: its suffix, or "no suffix".
        self.kind = suffix or "no suffix"


@dataclass
class Selection:
    """Which files below a folder are indexed: gitignore-style patterns, relative to
    the folder given (`--include`, `--exclude`), on top of the `.searchkitignore`
    files found on the way down. A file named on its own is always indexed."""

    include: Sequence[str] = ()
    exclude: Sequence[str] = ()

    def __post_init__(self) -> None:
        self._include = _patterns(self.include)
        self._exclude = _patterns(self.exclude)

    def __bool__(self) -> bool:
        """Whether it leaves anything out."""
        return bool(self.include or self.exclude)

    def leaves_out(self, relative: str, *, is_dir: bool) -> bool:
        """Whether the options leave out the file or folder at `relative` (a path
        below the folder given, "/"-separated); --include names files only."""
        if self._exclude is not None and self._exclude.match_file(relative + "/" if is_dir else relative):
            return True
        return not is_dir and self._include is not None and not self._include.match_file(relative)


def discover(source: Path, selection: Selection | None = None, not_read: list[NotRead] | None = None) -> Iterator[Path]:
    """The files of a supported format, or text-like (see `TEXT_LIKE_SUFFIXES`), at or
    below `source`, in a stable order, less those `selection` and the
    `.searchkitignore` files leave out; those of other kinds are added to `not_read`.
    Hidden folders (".git") are not entered, hidden files not read, and symbolic links
    to folders are not followed."""
    if source.is_file():
        yield source
        return
    if not source.is_dir():
        raise SourceNotFound(f"no such folder: {source}")
    if not os.access(source, os.R_OK | os.X_OK):
        raise SourceNotFound(f"cannot read folder: {source}")
    selection = selection or Selection()
    # The ignore lists in force in each folder walked: those of the folders above it
    # and its own, deepest last, each with the folder its patterns are relative to.
    ignores: dict[str, tuple[tuple[str, pathspec.GitIgnoreSpec], ...]] = {}
    for root, dirs, files in os.walk(source):
        lists = ignores.get(os.path.dirname(root), ())
        if IGNORE_FILE in files and (spec := _ignore_list(Path(root, IGNORE_FILE))) is not None:
            lists = (*lists, (root, spec))
        ignores[root] = lists

        def left_out(name: str, *, is_dir: bool, root: str = root, lists: tuple = lists) -> bool:
            if not selection and not lists:
                return False
            path = os.path.join(root, name)
            if selection and selection.leaves_out(_relative(path, source), is_dir=is_dir):
                return True
            # The deepest ignore list with something to say about the file decides.
            for folder, spec in reversed(lists):
                relative = _relative(path, folder)
                decided = spec.check_file(relative + "/" if is_dir else relative).include
                if decided is not None:
                    return decided
            return False

        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not left_out(d, is_dir=True))
        for name in sorted(files):
            if name.startswith(".") or left_out(name, is_dir=False):
                continue
            suffix = Path(name).suffix.lower()
            if suffix in SUPPORTED_SUFFIXES or suffix in TEXT_LIKE_SUFFIXES:
                yield Path(root, name)
            elif not_read is not None:
                not_read.append(NotRead(shown_path(Path(root, name)), suffix))


def _relative(path: str, folder: str | Path) -> str:
    return Path(os.path.relpath(path, folder)).as_posix()


def _ignore_list(path: Path) -> pathspec.GitIgnoreSpec | None:
    """The patterns of an ignore file; None when it has none (or cannot be read)."""
    try:
        lines = path.read_text(encoding="utf-8-sig", errors="replace").splitlines()
    except OSError:
        lines = []
    return _patterns(lines)


def _patterns(lines: Sequence[str]) -> pathspec.GitIgnoreSpec | None:
    """Patterns with gitignore's rules, None for no lines: pathspec is imported only
    when there are some."""
    if not lines:
        return None
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(lines)


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


def title_of(text: str) -> str:
    """The first non-empty line, which is how plain-text articles carry their title,
    passing over a line that only dates the article (see `dates.undated`)."""
    from searchkit.dates import undated

    for line in text.splitlines():
        # Whitespace made single spaces: the tabs between table cells, in a Word file.
        if (line := " ".join(line.split())) and (line := undated(line)):
            return line
    return ""


@dataclass
class SourceFile:
    """A file read for indexing: what it is indexed under, its signature, and its
    documents. A JSON Lines file's documents are read as they are asked for (it may be
    any size), and the lines that hold no document are added to `skipped` then."""

    path: str
    signature: Signature
    documents: Iterator[Document]
    skipped: list[Unindexable] = field(default_factory=list)
    encoding: str = "utf-8"
    # The legacy Vietnamese encoding ("tcvn3", "vni") its text was converted from.
    converted_from: str | None = None


def read_source(path: Path, fields: JsonFields | None = None) -> SourceFile:
    """Open one file for indexing, or raise `Unindexable` saying why it cannot be:
    a JSON Lines file is checked line by line as its documents are read, any other
    file is read whole now."""
    shown = shown_path(path)
    suffix = path.suffix.lower()
    try:
        stat = path.stat()
        if suffix in JSON_LINES_SUFFIXES:
            return _json_lines(path, shown, stat, fields or JsonFields())
        is_text = suffix not in HTML_SUFFIXES | CONTAINER_SUFFIXES
        limit = MAX_FILE_BYTES if is_text else MAX_CONTAINER_BYTES
        if stat.st_size > limit:
            size, most = f"{stat.st_size / (1024 * 1024):.1f} MB", f"{limit // (1024 * 1024)} MB"
            reason = f"{size}, over the {most} a {'document' if is_text else 'file'} may have"
            raise Unindexable(shown, reason, is_error=False)
        data = path.read_bytes()
    except OSError as exc:
        raise _unreadable(shown, exc) from None
    if not data.strip():
        raise Unindexable(shown, "empty file", is_error=False)
    extracted, encoding = _extract(shown, suffix, data)
    text = extracted.text
    if not text.strip():
        raise Unindexable(
            shown, "no text in it" if suffix in HTML_SUFFIXES | CONTAINER_SUFFIXES else "empty file", is_error=False
        )
    if len(text) > MAX_FILE_BYTES:
        reason = f"{len(text):,} characters of text, over the {MAX_FILE_BYTES:,} a document may have"
        raise Unindexable(shown, reason, is_error=False)
    signature = Signature(stat.st_size, stat.st_mtime_ns, hashlib.sha256(data).hexdigest())
    date, date_source = (extracted.date, "document") if extracted.date else document_date(text, stat.st_mtime)
    doc = Document(
        path=document_path(path),
        title=extracted.title or title_of(text),
        text=text,
        signature=signature,
        encoding=encoding,
        date=date,
        date_source=date_source,
    )
    return SourceFile(doc.path, signature, iter([doc]), encoding=encoding, converted_from=extracted.converted_from)


def read_document(path: Path) -> Document:
    """The one document of a file that holds one (not JSON Lines); raises `Unindexable`."""
    return next(read_source(path).documents)


def _unreadable(shown: str, exc: OSError) -> Unindexable:
    if isinstance(exc, FileNotFoundError):
        return Unindexable(shown, "file not found (a broken link?)", is_error=True)
    if isinstance(exc, PermissionError):
        return Unindexable(shown, "permission denied", is_error=True)
    return Unindexable(shown, f"cannot read: {exc.strerror or exc}", is_error=True)


def _extract(shown: str, suffix: str, data: bytes) -> tuple[Extracted, str]:
    """The text, title and date of a file's bytes, by its format, and the encoding
    its text was read as."""
    try:
        if suffix == ".docx":
            from searchkit.formats.docx import extract_docx

            return extract_docx(data), "utf-8"
        if suffix == ".pdf":
            from searchkit.formats.pdf import extract_pdf

            return extract_pdf(data), "utf-8"
        if suffix == ".odt":
            from searchkit.formats.odt import extract_odt

            return extract_odt(data), "utf-8"
        if suffix == ".epub":
            from searchkit.formats.epub import extract_epub

            return extract_epub(data), "utf-8"
        if suffix in HTML_SUFFIXES:
            from searchkit.formats.html import extract_html

            return extract_html(data), "utf-8"
        text, encoding = _decode_text(shown, suffix, data)
        # Typed with a TCVN3 or VNI font and saved as plain text: converted before any
        # normalization (which would compose Windows-1258's marks, or drop TCVN3's "ư").
        from searchkit.analysis.legacy import convert_legacy

        text, converted_from = convert_legacy(text)
        if suffix in MARKDOWN_SUFFIXES:
            from searchkit.formats.markdown import extract_markdown

            extracted = extract_markdown(text)
            return Extracted(extracted.text, extracted.title, extracted.date, converted_from), encoding
        return Extracted(text, converted_from=converted_from), encoding
    except FormatError as exc:
        # A damaged or encrypted file is a problem of its content: skipped, not an error.
        raise Unindexable(shown, exc.reason, is_error=False) from None


def _decode_text(shown: str, suffix: str, data: bytes) -> tuple[str, str]:
    is_utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if not is_utf16 and b"\x00" in data[:_SNIFF_BYTES]:
        if suffix in TEXT_LIKE_SUFFIXES:
            raise NotRead(shown, suffix)
        raise Unindexable(shown, "binary file", is_error=False)
    try:
        return decode(data)
    except UnicodeDecodeError as exc:
        raise Unindexable(shown, f"neither UTF-8 (byte {exc.start}) nor Windows-1258", is_error=False) from None


def document_date(text: str, mtime: float) -> tuple[str, DateSource]:
    """The date a document gives itself near its start, else the day its file was
    last changed, with which of the two it is."""
    from searchkit.dates import date_in_text

    found = date_in_text(text)
    return (found, "document") if found else (datetime.date.fromtimestamp(mtime).isoformat(), "file")


def _json_lines(path: Path, shown: str, stat: os.stat_result, fields: JsonFields) -> SourceFile:
    """A JSON Lines file: one document per line, "FILE#ID". Its hash is taken first
    (a second read), so that a file only touched is not read through again."""
    if stat.st_size == 0:
        raise Unindexable(shown, "empty file", is_error=False)
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    # The fields read are part of what the documents are: other fields, other documents.
    digest.update(json.dumps(fields.as_dict(), sort_keys=True).encode())
    signature = Signature(stat.st_size, stat.st_mtime_ns, digest.hexdigest())
    source = SourceFile(document_path(path), signature, iter(()))
    source.documents = _json_documents(path, shown, source, fields, stat.st_mtime)
    return source


def _json_documents(path: Path, shown: str, source: SourceFile, fields: JsonFields, mtime: float) -> Iterator[Document]:
    from searchkit.dates import date_value

    def skip(number: int, reason: str) -> None:
        source.skipped.append(Unindexable(f"{shown}:{number}", reason, is_error=False))

    try:
        with path.open("rb") as file:
            for number, raw in enumerate(file, 1):
                if not raw.strip():
                    continue
                try:
                    record = json.loads(raw)
                except (UnicodeDecodeError, ValueError) as exc:
                    skip(number, f"not a JSON object ({_json_problem(exc)})")
                    continue
                if not isinstance(record, dict):
                    skip(number, "not a JSON object")
                    continue
                text = _field(record, fields.names("text"))
                if not isinstance(text, str) or not text.strip():
                    named = " or ".join(f'"{name}"' for name in fields.names("text"))
                    skip(number, f"no text in its {named} field")
                    continue
                if len(text) > MAX_FILE_BYTES:
                    skip(number, f"{len(text):,} characters of text, over the {MAX_FILE_BYTES:,} a document may have")
                    continue
                key = _field(record, fields.names("id"))
                key = str(number) if key is None or isinstance(key, dict | list) or str(key) == "" else str(key)
                title = _field(record, fields.names("title"))
                recorded = _field(record, fields.names("date"))
                recorded = date_value(recorded) if recorded is not None else None
                date, date_source = (recorded, "document") if recorded else document_date(text, mtime)
                yield Document(
                    path=f"{source.path}#{key}",
                    title=title.strip() if isinstance(title, str) and title.strip() else title_of(text),
                    text=text,
                    signature=source.signature,
                    date=date,
                    source=source.path,
                    date_source=date_source,
                )
    except OSError as exc:
        source.skipped.append(_unreadable(shown, exc))


def _json_problem(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8"
    return str(exc).split(":")[0]


def _field(record: dict[str, object], names: Sequence[str]) -> object:
    """The value of the first of `names` the record has (dots name nested fields)."""
    for name in names:
        value: object = record
        for part in name.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is not None:
            return value
    return None


def document_path(path: Path) -> str:
    """The path a file is indexed under: absolute, links resolved (as far as they go:
    a link in a loop is left as it is, and fails when it is read)."""
    return os.path.realpath(path)
