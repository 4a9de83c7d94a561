"""HTML (a saved news page, any .html file) to its visible text, title and date.

The page is parsed with lxml, never stripped of its tags with patterns: what is not
shown to a reader (scripts, styles, hidden elements) and the site's navigation around
the article are left out, so that searches match the article and snippets show it.
"""

from __future__ import annotations

import codecs
import re
from typing import TYPE_CHECKING

from searchkit.formats import Extracted, FormatError

if TYPE_CHECKING:
    from lxml.html import HtmlElement

# How much of the start of a page is searched for the charset it declares.
_CHARSET_SNIFF_BYTES = 4096
_DECLARED_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([a-z0-9._:-]+)""", re.IGNORECASE)

_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)

# Never shown as text, whatever the page says about them.
_INVISIBLE = frozenset(
    {
        "head", "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed",
        "applet", "audio", "video", "map", "img", "picture", "source", "track", "datalist", "dialog",
        "form", "button", "select", "input", "textarea", "option", "optgroup", "label",
        "nav",
    }
)  # fmt: skip
# The site's banner, sidebars and footer, unless they belong to the article (its byline, its notes).
_BOILERPLATE = frozenset({"header", "footer", "aside"})
_BOILERPLATE_ROLES = frozenset({"navigation", "banner", "contentinfo", "search", "complementary"})
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dir", "div",
        "dl", "dt", "fieldset", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hgroup", "hr", "html", "legend", "li", "listing", "main", "menu", "ol", "p", "plaintext", "pre",
        "section", "summary", "table", "tbody", "tfoot", "thead", "tr", "ul", "xmp",
    }
)  # fmt: skip
_PREFORMATTED = frozenset({"pre", "listing", "plaintext", "xmp"})
_CELLS = frozenset({"td", "th"})

# Names of <meta> elements that give the publication date, after article:published_time.
_DATE_META_NAMES = ("pubdate", "publishdate", "date", "dc.date", "dc.date.issued")
# HTML collapses runs of whitespace; a no-break space is indexed as a plain space.
_WHITESPACE = re.compile(r"\s+")


def extract_html(data: bytes) -> Extracted:
    """A page's visible text, its title and its publication date, from its bytes.

    Raises `FormatError` when the bytes are in no encoding the page declares and
    neither UTF-8 nor Windows-1258."""
    return extract_html_text(_decode(data))


def extract_html_text(markup: str) -> Extracted:
    """Like `extract_html`, for HTML already decoded (a page, or a fragment of one)."""
    if not markup.strip():
        return Extracted(text="")
    from lxml import etree
    from lxml.html import HTMLParser, document_fromstring

    # lxml refuses a str that declares an encoding (<?xml ... encoding=...?>), and the
    # page's <meta charset> no longer applies once it is decoded: hand it UTF-8 and say so.
    # huge_tree: else libxml2 stops at 256 levels of elements, and a page of unclosed
    # <font> tags loses the rest of its text.
    parser = HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True)
    try:
        root = document_fromstring(markup.encode("utf-8", "replace"), parser=parser)
    except (etree.ParserError, etree.ParseError):
        # Nothing lxml calls an element ("Document is empty"): nothing to show either.
        return Extracted(text="")
    content = _content_root(root)
    layout = _Layout()
    layout.add(content, in_article=content.tag in ("main", "article"))
    return Extracted(text=layout.text(), title=_title(root, content), date=_date(root, content))


def _decode(data: bytes) -> str:
    """The page's text: by its BOM, else the charset it declares, else UTF-8, else Windows-1258."""
    from searchkit.documents import decode

    if not data.startswith(_BOMS):
        declared = _declared_charset(data[:_CHARSET_SNIFF_BYTES])
        if declared is not None:
            try:
                return data.decode(declared)
            except (UnicodeError, LookupError):
                pass  # A wrong declaration (or a codec that is not a text encoding): read it as an undeclared page.
    try:
        return decode(data)[0]
    except UnicodeDecodeError as exc:
        raise FormatError(f"neither UTF-8 (byte {exc.start}) nor Windows-1258", is_error=True) from None


def _declared_charset(head: bytes) -> str | None:
    """The Python codec for the charset the page's <meta> declares, when Python has one."""
    match = _DECLARED_CHARSET.search(head)
    if match is None:
        return None
    try:
        name = codecs.lookup(match.group(1).decode("ascii")).name
    except LookupError:
        return None
    # As browsers do: a page read as ASCII to find this cannot be UTF-16, and
    # "iso-8859-1" pages are written in Windows-1252.
    if name.startswith(("utf-16", "utf-32")):
        return "utf-8"
    if name in ("ascii", "iso8859-1"):
        return "cp1252"
    return name


def _content_root(root: HtmlElement) -> HtmlElement:
    """The element holding the article: <main>, else the only <article>, else <body>."""
    main = root.find(".//main")
    if main is not None:
        return main
    articles = root.findall(".//article")
    if len(articles) == 1:
        return articles[0]
    body = root.find("body")
    return body if body is not None else root


def _is_hidden(element: HtmlElement, *, in_article: bool) -> bool:
    """Whether a reader does not see the element as content of the page."""
    if element.tag in _INVISIBLE or (element.tag in _BOILERPLATE and not in_article):
        return True
    if element.get("hidden") is not None or element.get("aria-hidden", "").strip().lower() == "true":
        return True
    if not _BOILERPLATE_ROLES.isdisjoint(element.get("role", "").lower().split()):
        return True
    for declaration in element.get("style", "").split(";"):
        prop, _, value = declaration.partition(":")
        if prop.strip().lower() == "display" and value.strip().lower().startswith("none"):
            return True
    return False


class _Layout:
    """Lines of text as a browser lays them out: a block starts a line, <br> ends one,
    table cells are separated by tabs."""

    def __init__(self) -> None:
        self._lines: list[str] = []
        self._cells: list[list[str]] = [[]]
        self._preformatted = 0

    def add(self, element: HtmlElement, *, in_article: bool) -> None:
        """Lay out `element`'s visible text (not its tail)."""
        # A loop rather than recursion: a page of unclosed tags nests 2,048 deep.
        stack: list[tuple[str, HtmlElement, bool]] = [("open", element, in_article)]
        while stack:
            action, element, in_article = stack.pop()
            if action == "tail":
                self._write(element.tail)
            elif action == "close":
                if element.tag in _BLOCKS:
                    self._break_block()
                self._preformatted -= element.tag in _PREFORMATTED
            elif element.tag == "br":
                self._end_line()
            else:
                self._open(element)
                in_article = in_article or element.tag in ("main", "article")
                stack.append(("close", element, in_article))
                for child in reversed(element):
                    stack.append(("tail", child, in_article))
                    if isinstance(child.tag, str) and not _is_hidden(child, in_article=in_article):
                        stack.append(("open", child, in_article))

    def _open(self, element: HtmlElement) -> None:
        if element.tag in _BLOCKS:
            self._break_block()
        elif element.tag in _CELLS:
            self._break_cell()
        text = element.text
        if element.tag in _PREFORMATTED:
            self._preformatted += 1
            # The HTML parser drops a newline just after <pre>; libxml2 keeps it.
            if text and text[0] == "\n":
                text = text[1:]
        self._write(text)

    def text(self) -> str:
        """The lines laid out, with at most one blank line in a row."""
        self._break_block()
        text = "\n".join(self._lines)
        while "\n\n\n" in text:
            text = text.replace("\n\n\n", "\n\n")
        return text.strip("\n")

    def _write(self, text: str | None) -> None:
        if not text:
            return
        if not self._preformatted:
            self._cells[-1].append(_WHITESPACE.sub(" ", text))
            return
        lines = text.replace("\r\n", "\n").replace("\xa0", " ").split("\n")
        for index, line in enumerate(lines):
            if index:
                self._end_line()
            self._cells[-1].append(line)

    def _break_cell(self) -> None:
        if self._has_text():
            self._cells.append([])

    def _break_block(self) -> None:
        if self._has_text():
            self._end_line()
        else:
            self._cells = [[]]

    def _end_line(self) -> None:
        cells = ["".join(parts) for parts in self._cells]
        if self._preformatted:
            line = "\t".join(cells).rstrip()
        else:
            line = "\t".join(_WHITESPACE.sub(" ", cell).strip() for cell in cells).strip()
        self._lines.append(line)
        self._cells = [[]]

    def _has_text(self) -> bool:
        return any(part.strip() for parts in self._cells for part in parts)


def _title(root: HtmlElement, content: HtmlElement) -> str:
    """The page's <title>, else its article's first <h1>."""
    for title in root.iterfind(".//head/title"):
        text = " ".join(title.text_content().split())
        if text:
            return text
    heading = next(content.iter("h1"), None)
    if heading is None:
        return ""
    layout = _Layout()
    layout.add(heading, in_article=True)
    return " ".join(layout.text().split())


def _date(root: HtmlElement, content: HtmlElement) -> str | None:
    """The publication date the page records for machines: in its <meta>, else in the
    article's first <time datetime>."""
    from searchkit.dates import date_value

    published: list[str] = []
    by_name: list[str] = []
    for meta in root.iter("meta"):
        value = meta.get("content")
        if value is None:
            continue
        if meta.get("property", "").strip().lower() == "article:published_time":
            published.append(value)
        elif meta.get("name", "").strip().lower() in _DATE_META_NAMES:
            by_name.append(value)
    times = [time.get("datetime", "") for time in content.iter("time") if time.get("datetime") is not None]
    for value in [*published, *by_name, *times[:1]]:
        date = date_value(value)
        if date is not None:
            return date
    return None
