"""The query language: a tree of words, phrases, operators and filters, parsed without
splitting Vietnamese words apart.

Whoosh's own parser splits on spaces before analysis, which turns "công an cấp huyện"
into four unrelated terms. Here a run of plain words is kept whole, and only quotes,
parentheses, `AND`, `OR`, `NOT`, `title:` and the filters `date:` and `path:` are
syntax. What a run or a phrase matches is `matching`'s business; this module knows
only how a query is written.

Grammar (operators are upper case; juxtaposition means AND):

    query  := or
    or     := and ("OR" and)*
    and    := unary ("AND"? unary)*
    unary  := "NOT" unary | filter | field? atom
    filter := ("date:" | "path:") (value | '"' value '"')
    atom   := "(" or ")" | '"' phrase '"' | run of plain words
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from searchkit.errors import QuerySyntaxError

if TYPE_CHECKING:
    from searchkit.matching import LeafAnalysis

# Fields a run or phrase can be limited to.
FIELDS = ("title",)
# Fields that keep documents in or out without adding to their scores.
FILTERS = ("date", "path")

_OPEN_QUOTES = '"“'
_CLOSE_QUOTES = {'"': '"', "“": "”"}
_OPERATORS = ("AND", "OR", "NOT")
_FIELD_PREFIX = re.compile(r"^([a-z]+):(.*)$", re.DOTALL)


# ---- syntax tree -----------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """A run of plain words, kept whole: which of its syllables form words is decided
    on the run (see `matching`). `analysis` is what it stands for, once analyzed."""

    text: str
    field: str | None = None
    analysis: LeafAnalysis | None = dataclasses.field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Phrase:
    """A quoted phrase: its syllables must stand together and in order."""

    text: str
    field: str | None = None
    analysis: LeafAnalysis | None = dataclasses.field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Filter:
    """`date:` or `path:`: the documents whose date falls in [`low`, `high`] (ISO
    dates), or whose path matches `value`. A filter adds nothing to a score.

    A path pattern without wildcards is found anywhere in the path, in any case
    ("path:tien-phong"); with them it is matched from the end of the path, "*" not
    crossing a "/" ("path:*.md", "path:news/*.html")."""

    field: str
    value: str
    low: str = ""
    high: str = ""

    @classmethod
    def dated(cls, value: str, first: datetime.date | None, last: datetime.date | None) -> Filter:
        """The documents dated from `first` to `last`, both included (either may be
        open); a document without a date is never in it."""
        low = first.isoformat() if first else "0000-00-00"
        return cls("date", value, low, last.isoformat() if last else "9999-99-99")

    def matches(self, term: str) -> bool:
        """Whether a document whose date or path is `term` passes."""
        if self.field == "date":
            return self.low <= term <= self.high
        if any(ch in self.value for ch in "*?["):
            return PurePosixPath(term).match(self.value)
        return self.value.casefold() in term.casefold()


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


Node = Text | Phrase | Filter | And | Or | Not


# ---- lexing and parsing ------------------------------------------------------------


@dataclass(frozen=True)
class _Lexeme:
    kind: str  # "word", "phrase", "(", ")", "AND", "OR", "NOT", "field", "date", "path"
    value: str
    column: int


def _lex(query: str) -> list[_Lexeme]:
    out: list[_Lexeme] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch.isspace():
            i += 1
        elif ch in _OPEN_QUOTES:
            close = query.find(_CLOSE_QUOTES[ch], i + 1)
            if close < 0:
                raise QuerySyntaxError(f"unbalanced quote at column {i + 1}: {query!r}")
            out.append(_Lexeme("phrase", query[i + 1 : close], i))
            i = close + 1
        elif ch in "()":
            out.append(_Lexeme(ch, ch, i))
            i += 1
        else:
            j = i
            while j < n and not query[j].isspace() and query[j] not in '()"“':
                j += 1
            word = query[i:j]
            match = _FIELD_PREFIX.match(word)
            if word in _OPERATORS:
                out.append(_Lexeme(word, word, i))
            elif match and match.group(1) in FILTERS:
                value = match.group(2)
                if not value and j < n and query[j] in _OPEN_QUOTES:
                    # path:"Báo cáo 2021": a value with spaces, quoted.
                    close = query.find(_CLOSE_QUOTES[query[j]], j + 1)
                    if close < 0:
                        raise QuerySyntaxError(f"unbalanced quote at column {j + 1}: {query!r}")
                    value, j = query[j + 1 : close], close + 1
                out.append(_Lexeme(match.group(1), value, i))
            elif match and match.group(1) in FIELDS:
                out.append(_Lexeme("field", match.group(1), i))
                if match.group(2):
                    out.append(_Lexeme("word", match.group(2), i + len(match.group(1)) + 1))
            else:
                out.append(_Lexeme("word", word, i))
            i = j
    return out


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.lexemes = _lex(query)
        self.at = 0

    def _peek(self) -> _Lexeme | None:
        return self.lexemes[self.at] if self.at < len(self.lexemes) else None

    def _error(self, message: str, lexeme: _Lexeme | None) -> QuerySyntaxError:
        where = f"column {lexeme.column + 1}" if lexeme else "the end"
        return QuerySyntaxError(f"{message} at {where}: {self.query!r}")

    def parse(self) -> Node:
        if not self.lexemes:
            raise QuerySyntaxError("empty query")
        node = self._or()
        extra = self._peek()
        if extra is not None:
            raise self._error(f"unexpected {extra.value!r}", extra)
        return node

    def _or(self) -> Node:
        items = [self._and()]
        while (lex := self._peek()) is not None and lex.kind == "OR":
            self.at += 1
            items.append(self._and())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def _and(self) -> Node:
        items = [self._unary()]
        while (lex := self._peek()) is not None and lex.kind not in ("OR", ")"):
            if lex.kind == "AND":
                self.at += 1
            items.append(self._unary())
        return items[0] if len(items) == 1 else And(tuple(items))

    def _unary(self) -> Node:
        lex = self._peek()
        if lex is None:
            raise self._error("expected words, a phrase or '('", None)
        if lex.kind == "NOT":
            self.at += 1
            return Not(self._unary())
        if lex.kind in FILTERS:
            self.at += 1
            return self._filter(lex)
        field = None
        if lex.kind == "field":
            self.at += 1
            field = lex.value
        return self._atom(field)

    def _filter(self, lex: _Lexeme) -> Filter:
        if not lex.value.strip():
            example = "date:2021-09 or date:2021-01-01..2021-06-30" if lex.kind == "date" else "path:*.md"
            raise self._error(f"{lex.kind}: needs a value (as in {example})", lex)
        if lex.kind == "path":
            return Filter("path", lex.value)
        from searchkit.dates import typed_date_bounds  # only for a query that asks, as are its patterns

        low, separator, high = lex.value.partition("..")
        first, last = typed_date_bounds(low) if low else None, typed_date_bounds(high) if high else None
        if (low and first is None) or (high and last is None) or (separator and not low and not high):
            raise self._error(
                f"{lex.value!r} is not a date (write YYYY, YYYY-MM, YYYY-MM-DD, today, 7d, 2w, 3m or 1y, or FROM..TO)",
                lex,
            )
        if not separator:
            last = first
        return Filter.dated(lex.value, first[0] if first else None, last[1] if last else None)

    def _atom(self, field: str | None) -> Node:
        lex = self._peek()
        if lex is None:
            raise self._error("expected words, a phrase or '('", None)
        if lex.kind == "(":
            self.at += 1
            node = self._or()
            close = self._peek()
            if close is None or close.kind != ")":
                raise self._error("unbalanced parenthesis", close)
            self.at += 1
            return _with_field(node, field) if field else node
        if lex.kind == "phrase":
            self.at += 1
            return Phrase(lex.value, field)
        if lex.kind == "word":
            words = []
            while (nxt := self._peek()) is not None and nxt.kind == "word":
                words.append(nxt.value)
                self.at += 1
            return Text(" ".join(words), field)
        raise self._error(f"unexpected {lex.value!r}", lex)


def _with_field(node: Node, field: str) -> Node:
    if isinstance(node, Text | Phrase):
        return replace(node, field=node.field or field)
    if isinstance(node, Filter):
        return node
    if isinstance(node, Not):
        return Not(_with_field(node.item, field))
    return type(node)(tuple(_with_field(item, field) for item in node.items))


def parse(query: str) -> Node:
    """Parse a query string, or raise `QuerySyntaxError` with a one-line reason."""
    return _Parser(query).parse()


def to_string(node: Node, *, restored: bool = True) -> str:
    """The query written back as text (with the diacritics put back on runs typed
    without them, if asked and once analyzed)."""
    if isinstance(node, Filter):
        return f'{node.field}:"{node.value}"' if " " in node.value else f"{node.field}:{node.value}"
    if isinstance(node, Text | Phrase):
        reading = node.analysis.restored if restored and node.analysis is not None else None
        text = " ".join(reading) if reading else node.text
        text = f'"{text}"' if isinstance(node, Phrase) else text
        return f"{node.field}:{text}" if node.field else text
    if isinstance(node, Not):
        return f"NOT {_grouped(node.item, restored)}"
    joiner = " OR " if isinstance(node, Or) else " "
    return joiner.join(_grouped(item, restored) for item in node.items)


def _grouped(node: Node, restored: bool) -> str:
    text = to_string(node, restored=restored)
    return f"({text})" if isinstance(node, And | Or) else text
