"""The index's schema: the views every text is indexed in, and the fields they go to.

Each text is indexed in five views (the words pyvi makes of several syllables,
syllables, folded syllables, and the pairs of adjacent syllables, as written and
folded), for the body and again for the title. A word of one syllable is left to the
syllable view, which already holds it: the word view keeps what pyvi adds, which
syllables it joined ("công_an"), with a third of the postings it would have with
every word. The text is analyzed once per document (`document_parts`); `ViewAnalyzer` is
only what the schema records, for Whoosh's sake.

No view keeps positions. Ranking reads only which documents have a term and how
often; the pairs say which syllables stand together; and a quoted phrase is checked
in the document's stored text (see `query`). Positions were a third of the postings
and a seventh of the indexing time, for quoted phrases alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from searchkit.analysis import Analysis, Token, analyze

if TYPE_CHECKING:
    from searchkit.documents import Document

VIEWS = ("words", "syllables", "folded", "bigrams", "folded_bigrams")
BODY_FIELDS = {view: f"body_{view}" for view in VIEWS}
TITLE_FIELDS = {view: f"title_{view}" for view in VIEWS}
# Fields of one term per document: its date ("YYYY-MM-DD", for --since, --until,
# date: and --sort date) when the document gives it, or its file's date when only the
# file's time does (which those leave out unless asked: --file-dates), its path, the
# file it comes from (its path, or a JSON Lines file's path for each of its documents,
# "FILE#ID": a file changed or gone takes all of them), and the digest of its title and
# text, which identical copies share (see `copy_digest`).
ID_FIELDS = ("date", "file_date", "path", "source", "copy")


def pair_texts(texts: list[str], positions: list[int]) -> list[str]:
    """Each two syllables that stand next to each other ("công an"), never across
    punctuation or a line end, from a view's parallel lists. Matching a pair is how a
    query's words count more where they stand together, without reading positions at
    query time."""
    return [
        f"{a} {b}" for a, b, pa, pb in zip(texts, texts[1:], positions, positions[1:], strict=False) if pb == pa + 1
    ]


def _fields(analysis: Analysis, fields: dict[str, str]) -> dict[str, list[str]]:
    """The terms of every view of one analyzed text, by field name."""
    return {
        fields["words"]: [word for word in analysis.word_texts if "_" in word],
        fields["syllables"]: analysis.syllable_texts,
        fields["folded"]: analysis.folded_texts,
        fields["bigrams"]: pair_texts(analysis.syllable_texts, analysis.positions),
        fields["folded_bigrams"]: pair_texts(analysis.folded_texts, analysis.positions),
    }


def view_tokens(analysis: Analysis, view: str) -> list[Token]:
    """The tokens of one view of an analyzed text, for `ViewAnalyzer`. A pair of
    syllables has no position or span of its own, so its tokens carry none."""
    if view.endswith("bigrams"):
        texts = analysis.folded_texts if view == "folded_bigrams" else analysis.syllable_texts
        return [Token(text, 0, 0, 0) for text in pair_texts(texts, analysis.positions)]
    if view == "words":
        return [token for token in analysis.words if "_" in token.text]
    return getattr(analysis, view)


def document_parts(doc: Document) -> tuple[dict[str, object], dict[str, str], dict[str, list[str]]]:
    """What a `SegmentBuilder` takes for one document: the stored values, the ID
    field, and the terms of every view of the body and the title."""
    body = analyze(doc.text)
    title = analyze(doc.title) if doc.title else Analysis()
    indexed = {**_fields(body, BODY_FIELDS), **_fields(title, TITLE_FIELDS)}
    signature = doc.signature.as_list() if doc.signature is not None else None
    # A date given without its source (text that does not come from a file) is the document's.
    date_source = (doc.date_source or "document") if doc.date else None
    # The date is stored under the name of its field: which one says where it comes from.
    stored = {
        "path": doc.path,
        "source": doc.source_path,
        "title": doc.title,
        "content": doc.text,
        "signature": signature,
    }
    copy = copy_digest(doc.title, doc.text)
    stored["copy"] = copy
    ids = {"path": doc.path, "source": doc.source_path, "copy": copy}
    if doc.date:
        stored["date" if date_source == "document" else "file_date"] = doc.date
        ids["date" if date_source == "document" else "file_date"] = doc.date
    return stored, ids, indexed


def copy_digest(title: str, text: str) -> str:
    """What identical documents share: a digest of their title and text in NFC, with
    every run of whitespace one space. A copy with another title (a republished article
    with a new headline) is another document."""
    import hashlib
    import unicodedata

    def normalized(value: str) -> str:
        return " ".join(unicodedata.normalize("NFC", value).split())

    data = f"{normalized(title)}\n{normalized(text)}".encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=10).hexdigest()
