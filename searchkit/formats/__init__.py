"""Turning each kind of file into the text that is indexed, with its title.

One module per format. Each takes the file's bytes (or its decoded text) and returns
an `Extracted`: the visible text only (no markup, so that snippets show none), the
title the document gives itself, and a date when the format records one. The parsing
libraries are imported inside the functions that use them, so that a query, which
never reads a file, does not pay for them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Extracted:
    """What a document says: `text` as indexed and stored (shown by snippets and
    `show`), `title` ("" when it names none) and `date` (an ISO date, "YYYY-MM-DD",
    when the file records when it was published; None otherwise).
    `converted_from`: the legacy Vietnamese encoding ("tcvn3", "vni") the text and
    title were converted from, None when they were Unicode already."""

    text: str
    title: str = ""
    date: str | None = None
    converted_from: str | None = None


class FormatError(Exception):
    """A file whose format cannot give any text, with the reason shown to the user.
    `is_error`: something is wrong with the file (damaged, encrypted), rather than
    there being nothing in it to index (a PDF of scanned pages)."""

    def __init__(self, reason: str, *, is_error: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.is_error = is_error
