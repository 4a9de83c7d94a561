"""Word (.docx) files: the body's paragraphs and tables as plain text, with python-docx."""

from __future__ import annotations

import re
from io import BytesIO
from typing import TYPE_CHECKING

from searchkit.formats import Extracted, FormatError

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from docx.document import Document
    from docx.table import Table, _Cell
    from docx.text.paragraph import Paragraph

HEADING_STYLE = re.compile(r"Title|Heading [1-9]")


def extract_docx(data: bytes) -> Extracted:
    """The text of a Word document in document order: a line per paragraph, a line per
    table row with its cells separated by tabs. The title is the one in the document's
    properties, else its first title or heading paragraph, else its first line."""
    import zipfile
    import zlib

    import docx
    from docx.exceptions import PythonDocxError
    from docx.opc.exceptions import OpcError
    from docx.oxml.exceptions import XmlchemyError
    from lxml import etree

    try:
        document = docx.Document(BytesIO(data))
        text = _body_text(document)
        title = _properties_title(document) or _heading_title(document)
    except (
        zipfile.BadZipFile,  # not a zip, or a damaged one
        zlib.error,
        EOFError,
        NotImplementedError,  # a zip compression method Python does not have
        KeyError,  # a part missing: [Content_Types].xml, word/document.xml, a relationship
        ValueError,  # a zip of another kind (.xlsx, .pptx)
        AttributeError,  # XML that parses but is not WordprocessingML (python-docx expects its elements)
        TypeError,
        IndexError,
        OpcError,
        PythonDocxError,
        XmlchemyError,  # a required attribute or element missing
        etree.LxmlError,  # damaged XML in one of the parts
    ) as error:
        raise FormatError(f"not a readable Word (.docx) file: {_detail(error)}", is_error=True) from error
    return Extracted(text=text, title=title)


def _body_text(document: Document) -> str:
    """The body's lines, with runs of blank lines cut to one."""
    lines: list[str] = []
    for line in _block_lines(document.iter_inner_content()):
        line = line.rstrip()
        if line or (lines and lines[-1]):
            lines.append(line)
    return "\n".join(lines).strip("\n")


def _block_lines(blocks: Iterable[Paragraph | Table]) -> Iterator[str]:
    """A paragraph's lines (a line break inside it starts a new one), a table's rows."""
    from docx.table import Table

    for block in blocks:
        if isinstance(block, Table):
            yield from _table_rows(block)
        else:
            yield from block.text.split("\n")


def _table_rows(table: Table) -> Iterator[str]:
    """A line per row, cells separated by tabs. python-docx gives a merged cell once per
    grid column and row it spans; it is written once, where it starts."""
    seen: set[object] = set()
    for row in table.rows:
        cells = []
        for cell in row.cells:
            if cell._tc in seen:
                continue
            seen.add(cell._tc)
            cells.append(_cell_text(cell))
        yield "\t".join(cells)


def _cell_text(cell: _Cell) -> str:
    """A cell's paragraphs and nested tables on one line, so that the row stays one line."""
    return " ".join(" ".join(line.split()) for line in _block_lines(cell.iter_inner_content()) if line.strip())


def _properties_title(document: Document) -> str:
    """The title in the document's core properties, "" when it has none. Asked of the
    package, because `document.core_properties` makes up "Word Document" for a file
    without a core properties part."""
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.opc.parts.coreprops import CorePropertiesPart

    try:
        part = document.part.package.part_related_by(RELATIONSHIP_TYPE.CORE_PROPERTIES)
    except KeyError:
        return ""
    if not isinstance(part, CorePropertiesPart):
        return ""
    return " ".join((part.core_properties.title or "").split())


def _heading_title(document: Document) -> str:
    """The first non-blank paragraph in the Title style or a heading style, "" when none."""
    for paragraph in document.paragraphs:
        style = paragraph.style
        if style is None or not style.name or not HEADING_STYLE.fullmatch(style.name):
            continue
        title = " ".join(paragraph.text.split())
        if title:
            return title
    return ""


def _detail(error: Exception) -> str:
    """The first line of the library's message, short, for the reason shown to the user."""
    if isinstance(error, AttributeError | TypeError | IndexError):
        # python-docx met XML other than Word's; its message would name Python internals.
        return "unexpected XML in the document"
    message = str(error.args[0]) if error.args else ""
    lines = message.strip().splitlines() or [type(error).__name__]
    return lines[0][:100]
