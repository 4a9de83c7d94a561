"""EPUB 2 and 3 books: the text of their chapters in reading order, with lxml.

An EPUB is a zip: META-INF/container.xml names the package document (the OPF), whose
manifest lists the book's files and whose spine gives the order they are read in. Each
chapter is XHTML, laid out by the HTML reader (html.py) as a page would be.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING
from urllib.parse import unquote

from searchkit.formats import Extracted, FormatError
from searchkit.formats.odt import ZipPackage

if TYPE_CHECKING:
    from lxml.etree import _Element

_CONTAINER = "urn:oasis:names:tc:opendocument:xmlns:container"
_OPF = "http://www.idpf.org/2007/opf"
_DC = "http://purl.org/dc/elements/1.1/"
_XMLENC = "http://www.w3.org/2001/04/xmlenc#"
_PACKAGE_MEDIA_TYPE = "application/oebps-package+xml"
_CHAPTER_MEDIA_TYPES = frozenset({"application/xhtml+xml", "text/html"})
# EPUB 2's opf:event for the dc:date of publication; a date with no event is one too.
_PUBLICATION_EVENTS = frozenset({"", "publication", "original-publication"})


def extract_epub(data: bytes) -> Extracted:
    """The visible text of a book's chapters in the order of its spine, chapters apart
    by a blank line. A spine item that is not XHTML (an SVG cover page) gives no text;
    so does what html.py leaves out of a page, an <aside> among it (EPUB 3 footnotes),
    unless the chapter is an <article> or has a <main>.

    The title is the package's dc:title, else "". The date is its dc:date only (one
    marked as the publication date first, for EPUB 2), never dcterms:modified, which
    says when the file was last made rather than when the book was published.

    A book whose chapters are encrypted (META-INF/encryption.xml names them: DRM) is a
    FormatError; fonts obfuscated the same way are not read, and do not matter."""
    from searchkit.formats.html import extract_html

    package = ZipPackage(data, "EPUB (.epub)")
    encrypted = _encrypted_paths(package)
    opf_path = _package_path(package)
    if opf_path in encrypted:
        raise _encrypted_error()
    opf = package.xml(opf_path)

    chapters = []
    for path in _spine_paths(package, opf, opf_path):
        if path in encrypted:
            raise _encrypted_error()
        chapter = package.read(path)
        try:
            text = extract_html(chapter).text
        except FormatError as error:  # bytes in no encoding it declares
            raise package.damaged(f"{path}: {error.reason}") from error
        if text:
            chapters.append(text)
    metadata = opf.find(f"{{{_OPF}}}metadata")
    return Extracted(text="\n\n".join(chapters), title=_title(metadata), date=_date(metadata))


def _package_path(package: ZipPackage) -> str:
    """The path in the zip of the package document that META-INF/container.xml names."""
    container = package.xml("META-INF/container.xml")
    rootfiles = list(container.iter(f"{{{_CONTAINER}}}rootfile"))
    # A book may offer several renditions; the first OPF one is the default.
    for rootfile in sorted(rootfiles, key=lambda rootfile: rootfile.get("media-type") != _PACKAGE_MEDIA_TYPE):
        path = rootfile.get("full-path")
        if path:
            return _normalized(unquote(path))
    raise package.damaged("META-INF/container.xml names no package document")


def _spine_paths(package: ZipPackage, opf: _Element, opf_path: str) -> list[str]:
    """The zip paths of the XHTML chapters in the order of the spine, each once."""
    base = posixpath.dirname(opf_path)
    manifest: dict[str, tuple[str, str]] = {}
    for item in opf.iterfind(f"{{{_OPF}}}manifest/{{{_OPF}}}item"):
        href = item.get("href")
        if item.get("id") and href:
            path = _normalized(posixpath.join(base, unquote(href.partition("#")[0])))
            manifest[item.get("id", "")] = (path, item.get("media-type", "").strip().lower())
    spine = opf.find(f"{{{_OPF}}}spine")
    if spine is None:
        raise package.damaged(f"{opf_path} has no spine")
    paths: list[str] = []
    for itemref in spine.iterfind(f"{{{_OPF}}}itemref"):
        idref = itemref.get("idref", "")
        if idref not in manifest:
            raise package.damaged(f"the spine names {idref!r}, which the manifest does not list")
        path, media_type = manifest[idref]
        if media_type in _CHAPTER_MEDIA_TYPES and path not in paths:
            paths.append(path)
    return paths


def _encrypted_paths(package: ZipPackage) -> frozenset[str]:
    """The paths of the files that META-INF/encryption.xml says are encrypted."""
    if "META-INF/encryption.xml" not in package:
        return frozenset()
    encryption = package.xml("META-INF/encryption.xml")
    return frozenset(
        _normalized(unquote(reference.get("URI", ""))) for reference in encryption.iter(f"{{{_XMLENC}}}CipherReference")
    )


def _encrypted_error() -> FormatError:
    return FormatError("encrypted EPUB (.epub) file (DRM: its chapters cannot be read without the key)", is_error=True)


def _title(metadata: _Element | None) -> str:
    """The first non-blank dc:title, whitespace normalized."""
    if metadata is None:
        return ""
    for element in metadata.iter(f"{{{_DC}}}title"):  # iter: EPUB 2 may nest it in <dc-metadata>
        title = " ".join("".join(element.itertext()).split())
        if title:
            return title
    return ""


def _date(metadata: _Element | None) -> str | None:
    """The first dc:date that reads as a date, as "YYYY-MM-DD"; publication dates first."""
    from searchkit.dates import date_value

    if metadata is None:
        return None
    dates = list(metadata.iter(f"{{{_DC}}}date"))
    dates.sort(key=lambda element: element.get(f"{{{_OPF}}}event", "").strip().lower() not in _PUBLICATION_EVENTS)
    for element in dates:
        date = date_value("".join(element.itertext()))
        if date is not None:
            return date
    return None


def _normalized(path: str) -> str:
    """A path in the zip as the zip names it: no "./", no "..", no leading "/"."""
    return posixpath.normpath(path).lstrip("/") if path else path
