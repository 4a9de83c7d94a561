"""Word (.docx) files: the body's paragraphs and tables as plain text, with python-docx.

A run in a legacy Vietnamese font (TCVN3's ".VnTime", VNI's "VNI-Times") holds the bytes
of that encoding as Windows-1252 characters; it is converted to Unicode (see
`searchkit.analysis.legacy`). A file that names no such font is converted when its text
reads as legacy Vietnamese all the same."""

from __future__ import annotations

import datetime
import re
from io import BytesIO
from typing import TYPE_CHECKING

from searchkit.analysis.legacy import (
    LegacyEncoding,
    capitals_font,
    convert_legacy,
    font_encoding,
    from_legacy,
    reads_better_converted,
)
from searchkit.formats import Extracted, FormatError

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from docx.document import Document
    from docx.opc.coreprops import CoreProperties
    from docx.table import Table, _Cell
    from docx.text.paragraph import Paragraph
    from lxml.etree import _Element

# When the template of python-docx, which files it writes start from, was created: no
# document's own date.
_PYTHON_DOCX_TEMPLATE_CREATED = datetime.datetime(2013, 12, 23, 23, 15)

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
        fonts = _RunFonts(document) if legacy_fonts(document) else None
        text = _body_text(document, fonts)
        properties = _core_properties(document)
        properties_title = " ".join((properties.title or "").split()) if properties else ""
        created = properties.created if properties else None
        title = properties_title or _heading_title(document, fonts)
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
    encoding = fonts.converted_from() if fonts is not None else None
    if encoding is None:
        # No run in a legacy font: the text may be legacy all the same (a file whose
        # fonts were changed, or typed with a legacy keyboard in a Unicode font).
        text, encoding = convert_legacy(text)
        if encoding is not None and not properties_title:
            title = from_legacy(title, encoding, guess_capitals=True)
    if encoding is not None and properties_title and reads_better_converted(properties_title, encoding):
        title = " ".join(from_legacy(properties_title, encoding, guess_capitals=True).split())
    return Extracted(text=text, title=title, date=_date(text, created), converted_from=encoding)


def _date(text: str, created: object) -> str | None:
    """The date the text gives itself, else the day the document was created, from its
    properties: a Word file saved again keeps the day it was created, but a template's
    is also a copy's."""
    from searchkit.dates import date_in_text, date_value

    found = date_in_text(text)
    if (
        found is None
        and isinstance(created, datetime.datetime)
        and created.replace(tzinfo=None) != _PYTHON_DOCX_TEMPLATE_CREATED
    ):
        found = date_value(created.date().isoformat())
    return found


def legacy_fonts(document: Document) -> dict[str, LegacyEncoding]:
    """The fonts in a legacy Vietnamese encoding that a Word file declares, with their
    encodings ({".VnTime": "tcvn3"}): in its font table, and in the fonts its styles and
    runs ask for."""
    from docx.opc.constants import RELATIONSHIP_TYPE
    from lxml import etree

    names: set[str] = set()
    try:
        font_table = etree.fromstring(document.part.part_related_by(RELATIONSHIP_TYPE.FONT_TABLE).blob)
        names.update(font_table.xpath("w:font/@w:name", namespaces=_NS))
    except (KeyError, etree.XMLSyntaxError):
        pass  # no font table, or a damaged one: the text is still readable
    for element in (document.styles.element, document.element):
        for rfonts in element.iter(_RFONTS):
            names.update(value for key in _FONT_ATTRIBUTES if (value := rfonts.get(key)))
    return {name: encoding for name in sorted(names) if (encoding := font_encoding(name))}


_NS = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
_W = "{" + _NS["w"] + "}"
_RFONTS = _W + "rFonts"
# The font for characters above ASCII first: a legacy letter is one of them.
_FONT_ATTRIBUTES = (_W + "hAnsi", _W + "ascii")
# A run's text, as python-docx reads it, and the soft hyphen, which it drops: TCVN3 has
# its "ư" at the soft hyphen's byte, so in a TCVN3 run it is a letter.
_RUN_TEXT = "w:br | w:cr | w:noBreakHyphen | w:ptab | w:t | w:tab | w:softHyphen"


class _RunFonts:
    """The font each run of a Word file is in, from its own properties, its character
    style, its paragraph's style (each through the styles it is based on) and the
    document's defaults; and how much text was converted from each legacy encoding."""

    def __init__(self, document: Document) -> None:
        styles = document.styles.element
        self._styles = {style.get(_W + "styleId"): style for style in styles.iterfind(_W + "style")}
        self._default_paragraph_style = next(
            (
                style.get(_W + "styleId")
                for style in styles.iterfind(_W + "style")
                if style.get(_W + "type") == "paragraph" and style.get(_W + "default") in ("1", "true")
            ),
            None,
        )
        self._default = _declared_font(styles.find(f"{_W}docDefaults/{_W}rPrDefault/{_W}rPr"))
        self._converted: dict[LegacyEncoding, int] = {}

    def font(self, run: _Element, paragraph_style: str | None) -> str | None:
        properties = run.find(_W + "rPr")
        font = _declared_font(properties)
        if font is None and properties is not None:
            font = self._style_font(_style_id(properties, "rStyle"))
        return font or self._style_font(paragraph_style or self._default_paragraph_style) or self._default

    def _style_font(self, style_id: str | None) -> str | None:
        seen: set[str] = set()
        while style_id is not None and style_id not in seen and style_id in self._styles:
            seen.add(style_id)
            style = self._styles[style_id]
            font = _declared_font(style.find(_W + "rPr"))
            if font is not None:
                return font
            based_on = style.find(_W + "basedOn")
            style_id = based_on.get(_W + "val") if based_on is not None else None
        return None

    def converted(self, text: str, font: str | None) -> str:
        """`text` of runs in `font`, in Unicode. Text with a letter beyond Windows-1252
        ("ộ", "ư") was typed in Unicode, only left in the legacy font: it stays."""
        encoding = font_encoding(font) if font is not None else None
        if encoding is None or text.isascii() or any(_typed_in_unicode(ch) for ch in text):
            return text
        self._converted[encoding] = self._converted.get(encoding, 0) + len(text)
        converted = from_legacy(text, encoding)
        return converted.upper() if capitals_font(font or "") else converted

    def converted_from(self) -> LegacyEncoding | None:
        """The encoding most of the converted text was in; None if none was converted."""
        if not self._converted:
            return None
        return max(self._converted.items(), key=lambda converted: converted[1])[0]


def _typed_in_unicode(char: str) -> bool:
    code = ord(char)
    return code > 0xFF and not 0xF000 <= code <= 0xF0FF and char.isalpha()


def _declared_font(properties: _Element | None) -> str | None:
    """The font that run properties (`w:rPr`) name, if they name one."""
    rfonts = properties.find(_RFONTS) if properties is not None else None
    if rfonts is None:
        return None
    return next((value for key in _FONT_ATTRIBUTES if (value := rfonts.get(key))), None)


def _style_id(properties: _Element, tag: str) -> str | None:
    reference = properties.find(_W + tag)
    return reference.get(_W + "val") if reference is not None else None


def _paragraph_text(paragraph: Paragraph, fonts: _RunFonts | None) -> str:
    """A paragraph's text as python-docx gives it, with the runs in a legacy font
    converted; neighbouring runs in one font are converted together, since Word may
    split a word between runs (a VNI letter's mark from its base)."""
    if fonts is None:
        return paragraph.text
    p = paragraph._p
    properties = p.find(_W + "pPr")
    style = _style_id(properties, "pStyle") if properties is not None else None
    pieces: list[tuple[str | None, list[str]]] = []
    for run in p.xpath("w:r | w:hyperlink/w:r"):
        font = fonts.font(run, style)
        tcvn3 = font is not None and font_encoding(font) == "tcvn3"
        text = "".join(
            ("\xad" if tcvn3 else "") if element.tag == _W + "softHyphen" else str(element)
            for element in run.xpath(_RUN_TEXT)
        )
        if pieces and pieces[-1][0] == font:
            pieces[-1][1].append(text)
        else:
            pieces.append((font, [text]))
    return "".join(fonts.converted("".join(texts), font) for font, texts in pieces)


def _body_text(document: Document, fonts: _RunFonts | None) -> str:
    """The body's lines, with runs of blank lines cut to one."""
    lines: list[str] = []
    for line in _block_lines(document.iter_inner_content(), fonts):
        line = line.rstrip()
        if line or (lines and lines[-1]):
            lines.append(line)
    return "\n".join(lines).strip("\n")


def _block_lines(blocks: Iterable[Paragraph | Table], fonts: _RunFonts | None) -> Iterator[str]:
    """A paragraph's lines (a line break inside it starts a new one), a table's rows."""
    from docx.table import Table

    for block in blocks:
        if isinstance(block, Table):
            yield from _table_rows(block, fonts)
        else:
            yield from _paragraph_text(block, fonts).split("\n")


def _table_rows(table: Table, fonts: _RunFonts | None) -> Iterator[str]:
    """A line per row, cells separated by tabs. python-docx gives a merged cell once per
    grid column and row it spans; it is written once, where it starts."""
    seen: set[object] = set()
    for row in table.rows:
        cells = []
        for cell in row.cells:
            if cell._tc in seen:
                continue
            seen.add(cell._tc)
            cells.append(_cell_text(cell, fonts))
        yield "\t".join(cells)


def _cell_text(cell: _Cell, fonts: _RunFonts | None) -> str:
    """A cell's paragraphs and nested tables on one line, so that the row stays one line."""
    lines = _block_lines(cell.iter_inner_content(), fonts)
    return " ".join(" ".join(line.split()) for line in lines if line.strip())


def _core_properties(document: Document) -> CoreProperties | None:
    """The document's core properties (title, created), None when it has none. Asked of
    the package, because `document.core_properties` makes up a title ("Word Document")
    and dates for a file without a core properties part."""
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.opc.parts.coreprops import CorePropertiesPart

    try:
        part = document.part.package.part_related_by(RELATIONSHIP_TYPE.CORE_PROPERTIES)
    except KeyError:
        return None
    if not isinstance(part, CorePropertiesPart):
        return None
    return part.core_properties


def _heading_title(document: Document, fonts: _RunFonts | None) -> str:
    """The first non-blank paragraph in the Title style or a heading style, "" when none."""
    for paragraph in document.paragraphs:
        style = paragraph.style
        if style is None or not style.name or not HEADING_STYLE.fullmatch(style.name):
            continue
        title = " ".join(_paragraph_text(paragraph, fonts).split())
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
