"""PDF files: the text layer of each page, with pypdf."""

from __future__ import annotations

import logging
import re
import struct
import unicodedata
import warnings
import zlib
from io import BytesIO
from typing import TYPE_CHECKING

from searchkit.formats import Extracted, FormatError

if TYPE_CHECKING:
    from pypdf import PdfReader

# pypdf logs what it repaired in a damaged file as WARNINGs on the "pypdf" logger. With no
# handler anywhere, logging's last resort would print them to stderr; a NullHandler stops
# that and still lets them propagate to the handlers of an application that configures logging.
logging.getLogger("pypdf").addHandler(logging.NullHandler())

# What a Word export names a document: "Microsoft Word - report.docx".
WORD_EXPORT_TITLE = re.compile(r"Microsoft Word - (?P<name>.*?)(?:\.docx?)?", re.IGNORECASE)
PLACEHOLDER_TITLES = frozenset({"untitled", "untitled document"})


def extract_pdf(data: bytes) -> Extracted:
    """The text of each page (pages apart by a blank line), NFC-normalized because PDFs
    often carry Vietnamese letters decomposed into a base letter and combining marks.
    The title is the one in the document information unless a tool made it up, else the
    first line."""
    from pypdf import PasswordType, PdfReader
    from pypdf.errors import DependencyError, DeprecationError, FileNotDecryptedError, PyPdfError

    try:
        # Warnings from pypdf, or from the crypto package it calls (RC4's deprecation), speak to
        # whoever wrote the call, not to the person indexing; and a caller (pytest) may make them errors.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(BytesIO(data))
            if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
                raise FormatError("encrypted PDF (a password is needed to read it)", is_error=True)
            pages = [_page_text(page.extract_text()) for page in reader.pages]
            metadata_title = reader.metadata.title if reader.metadata else None
            created = _creation_date(reader)
    except DependencyError as error:
        raise FormatError(
            "encrypted PDF (with AES, which needs the 'cryptography' package to decrypt)", is_error=True
        ) from error
    except FileNotDecryptedError as error:
        raise FormatError("encrypted PDF (a password is needed to read it)", is_error=True) from error
    except (
        PyPdfError,
        DeprecationError,  # a filter name pypdf 7 no longer reads ("/Fl"); not a PyPdfError
        NotImplementedError,  # a filter pypdf does not have, often a damaged name
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        IndexError,
        struct.error,
        zlib.error,
        OverflowError,
        ZeroDivisionError,
        RecursionError,  # objects that refer to themselves
    ) as error:
        raise FormatError("not a readable PDF file", is_error=True) from error

    text = "\n\n".join(page for page in pages if page)
    if not text:
        raise FormatError("no text layer (scanned pages?); run it through OCR to index it", is_error=False)
    from searchkit.dates import date_in_text

    # The date the text gives itself (a letter's "Hà Nội, ngày …"), else the day the PDF was made.
    return Extracted(text=text, title=_title(metadata_title), date=date_in_text(text) or created)


def _creation_date(reader: PdfReader) -> str | None:
    """The day the document information says the PDF was made, None when it says none
    (or something that is no date)."""
    from searchkit.dates import date_value

    try:
        created = reader.metadata.creation_date if reader.metadata else None
    except (ValueError, TypeError, AttributeError):
        return None
    return date_value(created.date().isoformat()) if created is not None else None


def _page_text(text: str) -> str:
    """A page's text, NFC, without trailing spaces on its lines nor blank lines around it."""
    lines = unicodedata.normalize("NFC", text).splitlines()
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def _title(metadata_title: object) -> str:
    """The document information's title, "" when blank or a placeholder; a Word export's
    "Microsoft Word - name.docx" becomes "name"."""
    if not isinstance(metadata_title, str):
        return ""
    title = " ".join(unicodedata.normalize("NFC", metadata_title).split())
    if export := WORD_EXPORT_TITLE.fullmatch(title):
        title = export["name"].strip()
    return "" if title.lower() in PLACEHOLDER_TITLES else title
