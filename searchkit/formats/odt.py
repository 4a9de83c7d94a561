"""OpenDocument Text (.odt) files: the body of content.xml as plain text, with lxml.

Also the reading of a zip package's parts, shared with the EPUB reader (epub.py): both
formats are zips of XML parts, and both must refuse a zip bomb before unpacking it.
"""

from __future__ import annotations

import re
from io import BytesIO
from typing import TYPE_CHECKING

from searchkit.formats import Extracted, FormatError

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from zipfile import ZipFile

    from lxml.etree import _Element

# What the parts read from one package may unpack to, together: a zip declares the sizes
# of its entries, and may lie about them, so the reading itself stops there too.
MAX_UNPACKED_BYTES = 64 * 1024 * 1024

_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
_META = "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"
_MANIFEST = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
_SVG = "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
_DC = "http://purl.org/dc/elements/1.1/"

_PARAGRAPH = f"{{{_TEXT}}}p"
_HEADING = f"{{{_TEXT}}}h"
_SPACES = f"{{{_TEXT}}}s"
_TAB = f"{{{_TEXT}}}tab"
_LINE_BREAK = f"{{{_TEXT}}}line-break"
_NOTE = f"{{{_TEXT}}}note"
_NOTE_BODY = f"{{{_TEXT}}}note-body"
_LIST = f"{{{_TEXT}}}list"
_SECTION = f"{{{_TEXT}}}section"
_TABLE_ELEMENT = f"{{{_TABLE}}}table"
_ROW = f"{{{_TABLE}}}table-row"
_CELL = f"{{{_TABLE}}}table-cell"
_ROW_GROUPS = frozenset(f"{{{_TABLE}}}{name}" for name in ("table-header-rows", "table-rows", "table-row-group"))
# Blocks that may sit inside a paragraph, in a frame's text box: they start a line of their own.
_NESTED_BLOCKS = frozenset({_PARAGRAPH, _HEADING, _LIST, _TABLE_ELEMENT})

# Never shown as text of the document: comments, the record of tracked changes (deleted
# text), hidden fields, the templates an index is generated from, declarations, the
# description of an image, and embedded binary data.
_NOT_SHOWN = frozenset(
    {
        f"{{{_OFFICE}}}annotation", f"{{{_OFFICE}}}annotation-end", f"{{{_OFFICE}}}binary-data",
        f"{{{_OFFICE}}}forms", f"{{{_TEXT}}}tracked-changes", f"{{{_TEXT}}}hidden-text",
        f"{{{_TEXT}}}hidden-paragraph", f"{{{_TEXT}}}sequence-decls", f"{{{_TEXT}}}variable-decls",
        f"{{{_TEXT}}}user-field-decls", f"{{{_TEXT}}}dde-connection-decls", f"{{{_SVG}}}title", f"{{{_SVG}}}desc",
        *(
            f"{{{_TEXT}}}{index}-source"
            for index in (
                "table-of-content", "illustration-index", "table-index", "object-index", "user-index",
                "alphabetical-index", "bibliography",
            )
        ),
    }
)  # fmt: skip

# ODF collapses runs of these in a paragraph's text to one space (a run of spaces is
# written as <text:s text:c="n"/>); a no-break space is not among them.
_ODF_WHITESPACE = re.compile(r"[ \t\r\n]+")
# More spaces than <text:s> writes for layout; a huge text:c would only fill memory.
_MAX_SPACES = 64


def extract_odt(data: bytes) -> Extracted:
    """The text of an OpenDocument Text file in document order: a line per paragraph,
    heading and list item (a line break inside one starts a new line), a line per table
    row with its cells separated by tabs; a cell covered by a merged one is not written.
    Comments, deleted text kept by change tracking and hidden text are left out.

    Footnotes and endnotes are written after the body, apart from it by a blank line, a
    line per paragraph of a note, rather than at their place, which would break the
    sentence they hang on for phrase searches; their citation marks ("1") are dropped,
    as they would glue a digit to the word they follow.

    The title is dc:title in meta.xml, else the first heading (or paragraph in the Title
    style), else "". The date is meta.xml's dc:date (when the document was last saved),
    else its meta:creation-date."""
    package = ZipPackage(data, "OpenDocument (.odt)")
    if package.is_odf_encrypted("content.xml"):
        raise FormatError("encrypted OpenDocument (.odt) file (a password is needed to read it)", is_error=True)
    content = package.xml("content.xml")
    meta = package.xml("meta.xml") if "meta.xml" in package else None

    body = content.find(f"{{{_OFFICE}}}body/{{{_OFFICE}}}text")
    if body is None:
        raise package.damaged("content.xml holds no text document (a spreadsheet or a presentation?)")
    layout = _BodyLayout(_title_styles(content))
    layout.add(body)
    title = _meta_text(meta, f"{{{_DC}}}title") or layout.heading
    return Extracted(text=layout.text(), title=title, date=_meta_date(meta))


class ZipPackage:
    """The parts of a zip package (OpenDocument, EPUB), each read whole, as bytes or as
    parsed XML. Whatever goes wrong (a damaged zip, a missing part, damaged XML, parts
    unpacking to more than MAX_UNPACKED_BYTES together) is a FormatError that names the
    format, `kind`, as "OpenDocument (.odt)"."""

    def __init__(self, data: bytes, kind: str) -> None:
        import zipfile

        self.kind = kind
        self._unread = MAX_UNPACKED_BYTES
        try:
            self._archive: ZipFile = zipfile.ZipFile(BytesIO(data))
        except (zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
            raise self.damaged(_detail(error)) from error

    def __contains__(self, name: str) -> bool:
        return name in self._archive.NameToInfo

    def read(self, name: str) -> bytes:
        """The unpacked bytes of the part called `name`."""
        import zipfile
        import zlib

        info = self._archive.NameToInfo.get(name)
        if info is None:
            raise self.damaged(f"{name} is missing")
        if info.flag_bits & 0x1:
            raise FormatError(f"encrypted {self.kind} file (a password is needed to read it)", is_error=True)
        if info.file_size > self._unread:
            raise self.damaged(f"{name} unpacks to more than {MAX_UNPACKED_BYTES // (1024 * 1024)} MB")
        try:
            with self._archive.open(info) as part:
                data = part.read(self._unread + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError, OSError) as error:
            raise self.damaged(_detail(error)) from error
        if len(data) > self._unread:
            raise self.damaged(f"{name} unpacks to more than {MAX_UNPACKED_BYTES // (1024 * 1024)} MB")
        self._unread -= len(data)
        return data

    def xml(self, name: str) -> _Element:
        """The root element of the XML part called `name`. Entities are not expanded and
        nothing is fetched from the network: a part is data, never a reason to go out."""
        from lxml import etree

        parser = etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True, remove_pis=True
        )
        try:
            return etree.fromstring(self.read(name), parser=parser)
        except etree.LxmlError as error:
            raise self.damaged(f"{name}: {_detail(error)}") from error

    def is_odf_encrypted(self, name: str) -> bool:
        """Whether the OpenDocument manifest says the part `name` is encrypted (by a password)."""
        if "META-INF/manifest.xml" not in self:
            return False
        manifest = self.xml("META-INF/manifest.xml")
        for entry in manifest.iter(f"{{{_MANIFEST}}}file-entry"):
            if entry.get(f"{{{_MANIFEST}}}full-path") == name:
                return entry.find(f"{{{_MANIFEST}}}encryption-data") is not None
        return False

    def damaged(self, detail: str) -> FormatError:
        """The error for a package that cannot be read, to raise."""
        return FormatError(f"not a readable {self.kind} file: {detail}", is_error=True)


class _BodyLayout:
    """The lines of an OpenDocument body, as a word processor shows them."""

    def __init__(self, title_styles: frozenset[str]) -> None:
        self.lines: list[str] = []
        self.notes: list[str] = []  # the lines of footnotes and endnotes, written after the body
        self.heading = ""  # the text of the first heading
        self._title_styles = title_styles
        self._parts: list[str] = []  # the line being written
        self._after_space = True  # at the start of a line or after a space: a space from the XML is dropped

    def add(self, elements: Iterable[_Element]) -> None:
        """Lay out paragraphs, lists, tables and sections (an element is the sequence of its
        children). Text between them in the XML is not the document's: ODF only has text in
        paragraphs."""
        for element in elements:
            tag = element.tag
            if tag in (_PARAGRAPH, _HEADING):
                self._paragraph(element)
            elif tag == _TABLE_ELEMENT:
                self._table(element)
            elif tag == _SECTION and element.get(f"{{{_TEXT}}}display") == "none":
                continue
            elif isinstance(tag, str) and tag not in _NOT_SHOWN:
                self.add(element)  # a list, list item, section, index body, frame…

    def text(self) -> str:
        """The body's lines, then the notes' after a blank line, with runs of blank lines cut to one."""
        lines: list[str] = []
        for line in [*self.lines, "", *self.notes]:
            line = line.rstrip()
            if line or (lines and lines[-1]):
                lines.append(line)
        return "\n".join(lines).strip("\n")

    def _paragraph(self, paragraph: _Element) -> None:
        start = len(self.lines)
        self._inline(paragraph)
        if self._has_text() or len(self.lines) == start:
            self._end_line()  # an empty paragraph is a blank line
        else:
            self._parts, self._after_space = [], True
        if not self.heading and self._is_heading(paragraph):
            self.heading = " ".join(" ".join(self.lines[start:]).split())

    def _inline(self, element: _Element) -> None:
        """Write the text in a paragraph or in an element inside one, with its children's."""
        self._write(element.text)
        for child in element:
            tag = child.tag
            if tag == _SPACES:
                self._parts.append(" " * min(_count(child.get(f"{{{_TEXT}}}c")), _MAX_SPACES))
                self._after_space = False
            elif tag == _TAB:
                self._parts.append("\t")
                self._after_space = False
            elif tag == _LINE_BREAK:
                self._end_line()
            elif tag == _NOTE:
                self._note(child)
            elif tag in _NESTED_BLOCKS:
                if self._has_text():
                    self._end_line()
                self._parts = []
                self.add([child])
                self._after_space = True
            elif isinstance(tag, str) and tag not in _NOT_SHOWN:
                self._inline(child)
            self._write(child.tail)

    def _note(self, note: _Element) -> None:
        """Keep a note's text for after the body; its citation mark is not written."""
        body = note.find(_NOTE_BODY)
        if body is None:
            return
        layout = _BodyLayout(self._title_styles)
        layout.add(body)
        self.notes.extend(layout.lines)
        self.notes.extend(layout.notes)

    def _table(self, table: _Element) -> None:
        """A line per row, cells separated by tabs. A merged cell is written once, where
        it starts (the cells it covers are table:covered-table-cell); a cell or row that
        the XML repeats (number-columns-repeated) is written once too, which keeps a
        repeat count from multiplying the text."""
        for row in _rows(table):
            self.lines.append("\t".join(self._cell_text(cell) for cell in row if cell.tag == _CELL))

    def _cell_text(self, cell: _Element) -> str:
        """A cell's paragraphs and nested tables on one line, so that the row stays one line."""
        layout = _BodyLayout(self._title_styles)
        layout.add(cell)
        self.notes.extend(layout.notes)
        return " ".join(" ".join(line.split()) for line in layout.lines if line.strip())

    def _write(self, text: str | None) -> None:
        if not text:
            return
        text = _ODF_WHITESPACE.sub(" ", text)
        if self._after_space and text.startswith(" "):
            text = text[1:]
        if text:
            self._parts.append(text)
            self._after_space = text.endswith(" ")

    def _end_line(self) -> None:
        self.lines.append("".join(self._parts))
        self._parts = []
        self._after_space = True

    def _has_text(self) -> bool:
        return any(part.strip() for part in self._parts)

    def _is_heading(self, paragraph: _Element) -> bool:
        return paragraph.tag == _HEADING or paragraph.get(f"{{{_TEXT}}}style-name") in self._title_styles


def _rows(table: _Element) -> Iterator[_Element]:
    """The rows of a table, in header rows and row groups included, not those of the tables nested in its cells."""
    for child in table:
        if child.tag == _ROW:
            yield child
        elif child.tag in _ROW_GROUPS:
            yield from _rows(child)


def _count(value: str | None) -> int:
    """A text:c attribute: how many spaces a <text:s> stands for (1 when it does not say)."""
    try:
        return max(int(value or "1"), 1)
    except ValueError:
        return 1


def _title_styles(content: _Element) -> frozenset[str]:
    """The names of the paragraph styles that are the Title style: "Title" and the
    automatic styles that derive from it (a Title paragraph with direct formatting)."""
    names = {"Title"}
    for style in content.iterfind(f"{{{_OFFICE}}}automatic-styles/{{{_STYLE}}}style"):
        if style.get(f"{{{_STYLE}}}parent-style-name") == "Title":
            names.add(style.get(f"{{{_STYLE}}}name", ""))
    return frozenset(names)


def _meta_text(meta: _Element | None, tag: str) -> str:
    """The first non-blank value of a field of meta.xml, whitespace normalized."""
    if meta is None:
        return ""
    for element in meta.iterfind(f"{{{_OFFICE}}}meta/{tag}"):
        text = " ".join("".join(element.itertext()).split())
        if text:
            return text
    return ""


def _meta_date(meta: _Element | None) -> str | None:
    """meta.xml's dc:date, else its meta:creation-date, as "YYYY-MM-DD"."""
    from searchkit.dates import date_value

    for tag in (f"{{{_DC}}}date", f"{{{_META}}}creation-date"):
        date = date_value(_meta_text(meta, tag))
        if date is not None:
            return date
    return None


def _detail(error: Exception) -> str:
    """The first line of the library's message, short, for the reason shown to the user."""
    message = str(error.args[0]) if error.args else ""
    lines = message.strip().splitlines() or [type(error).__name__]
    return lines[0][:100]
