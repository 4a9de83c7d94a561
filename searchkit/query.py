"""The query language, parsed without splitting Vietnamese words apart.

Whoosh's own parser splits on spaces before analysis, which turns "công an cấp huyện"
into four unrelated terms. Here a run of plain words is kept whole and analyzed as a
whole (segmented into words, and into syllables for the phrase), and only quotes,
parentheses, `AND`, `OR`, `NOT` and `title:` are syntax.

Grammar (operators are upper case; juxtaposition means AND):

    query  := or
    or     := and ("OR" and)*
    and    := unary ("AND"? unary)*
    unary  := "NOT" unary | field? atom
    atom   := "(" or ")" | '"' phrase '"' | run of plain words
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from whoosh import query as wq

from searchkit.analysis import analyze, fold_diacritics, has_diacritics
from searchkit.errors import QuerySyntaxError
from searchkit.indexing import BODY_FIELDS, TITLE_FIELDS

FIELDS = {"title": TITLE_FIELDS}

# Score weights. Typing diacritics is a strong statement: an exact syllable counts
# fully, the same syllable with other diacritics only a little.
EXACT_WEIGHT = 1.0
FOLDED_WEIGHT = 1.0  # a syllable typed without diacritics, matched on the folded view
LOOSE_WEIGHT = 0.02  # a syllable typed with diacritics, matched only once folded
WORD_WEIGHT = 0.0  # the query's multi-syllable words, on the word view
PHRASE_WEIGHT = 3.0  # the syllables of a short run, together and in order
BIGRAM_WEIGHT = 0.3  # two adjacent syllables of a run, together in the document
TITLE_WEIGHT = 0.5
RESTORED_WEIGHT = 1.0  # the diacritics the index suggests for a query typed without any

_OPEN_QUOTES = '"“'
_CLOSE_QUOTES = {'"': '"', "“": "”"}
_OPERATORS = ("AND", "OR", "NOT")
_FIELD_PREFIX = re.compile(r"^([a-z]+):(.*)$", re.DOTALL)


# ---- syntax tree -----------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """Plain words, matched as a ranked bag of syllables with a bonus for the phrase.
    `restored` is the same words with diacritics put back, when they were typed
    without any."""

    text: str
    field: str | None = None
    restored: str | None = None


@dataclass(frozen=True)
class Phrase:
    """A quoted phrase: its syllables must appear together and in order."""

    text: str
    field: str | None = None
    restored: str | None = None


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


Node = Text | Phrase | And | Or | Not


# ---- lexing and parsing ------------------------------------------------------------


@dataclass(frozen=True)
class _Lexeme:
    kind: str  # "word", "phrase", "(", ")", "AND", "OR", "NOT", "field"
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
        field = None
        if lex.kind == "field":
            self.at += 1
            field = lex.value
        return self._atom(field)

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
    if isinstance(node, Not):
        return Not(_with_field(node.item, field))
    return type(node)(tuple(_with_field(item, field) for item in node.items))


def parse(query: str) -> Node:
    """Parse a query string, or raise `QuerySyntaxError` with a one-line reason."""
    return _Parser(query).parse()


def with_restored_diacritics(node: Node, restore: Callable[[str], str | None]) -> Node:
    """The tree with `restored` set on every run of words typed without diacritics
    for which `restore` finds a written form (excluded words too: NOT "hai phong"
    should exclude "Hải Phòng")."""
    if isinstance(node, Text | Phrase):
        if has_diacritics(node.text):
            return node
        restored = restore(node.text)
        return replace(node, restored=restored) if restored and restored != node.text.lower() else node
    if isinstance(node, Not):
        return Not(with_restored_diacritics(node.item, restore))
    return type(node)(tuple(with_restored_diacritics(item, restore) for item in node.items))


def to_string(node: Node, *, restored: bool = True) -> str:
    """The query written back as text (with the restored diacritics, if asked)."""
    if isinstance(node, Text | Phrase):
        text = (node.restored if restored else None) or node.text
        text = f'"{text}"' if isinstance(node, Phrase) else text
        return f"{node.field}:{text}" if node.field else text
    if isinstance(node, Not):
        return f"NOT {_grouped(node.item, restored)}"
    joiner = " OR " if isinstance(node, Or) else " "
    return joiner.join(_grouped(item, restored) for item in node.items)


def _grouped(node: Node, restored: bool) -> str:
    text = to_string(node, restored=restored)
    return f"({text})" if isinstance(node, And | Or) else text


# ---- compiling to Whoosh queries -----------------------------------------------------


class _Or(wq.Or):
    """Whoosh's Or, always matched as a tree of unions.

    For indexes under 5,000 documents Whoosh preloads an Or's matches into arrays
    (ArrayUnionMatcher); nested inside another union that matcher loses documents
    (on ViMedAQA, nDCG@10 fell from 88 to 26 when body and title were combined), so
    it is never chosen."""

    matcher_type = wq.Or.DEFAULT_MATCHER


@dataclass(frozen=True)
class MatchTerms:
    """What a query looks for, for highlighting. A syllable typed with diacritics
    matches only that spelling (`exact`); one typed without matches any spelling
    (`folded`). `runs` are the folded syllable sequences typed together, so that
    adjacent matches typed together are highlighted as one span."""

    exact: frozenset[str]
    folded: frozenset[str]
    runs: tuple[tuple[str, ...], ...]

    def loosened(self) -> MatchTerms:
        """The same terms, each matching any spelling (for documents that matched
        only once diacritics were folded)."""
        everything = frozenset(s for run in self.runs for s in run)
        return MatchTerms(frozenset(), everything, self.runs)


def _syllables(text: str) -> list[str]:
    return [tok.text for tok in analyze(text, words=False).syllables]


def _boosted(query: wq.Query, weight: float) -> wq.Query:
    """`query` with its score multiplied by `weight`. (Wrapping it in a one-clause Or
    with a boost does nothing: Whoosh drops the boost of an Or of one.)"""
    return query.with_boost(query.boost * weight)


def _phrase(fields: dict[str, str], syllables: list[str], boost: float, *, exact: bool) -> wq.Query:
    """The syllables together and in order. `exact`: the user typed diacritics in
    this run, so its syllables mean what they say ("cho" is not "chó"), and a
    spelling that only agrees once folded counts for little."""
    folded = [fold_diacritics(s) for s in syllables]
    if len(syllables) == 1:
        folded_q: wq.Query = wq.Term(fields["folded"], folded[0])
        exact_q: wq.Query = wq.Term(fields["syllables"], syllables[0])
    else:
        folded_q = wq.Phrase(fields["folded"], folded)
        exact_q = wq.Phrase(fields["syllables"], syllables)
    if not exact:
        folded_q.boost = boost
        return folded_q
    exact_q.boost = boost
    folded_q.boost = boost * LOOSE_WEIGHT
    return _Or([exact_q, folded_q])


def _syllable(fields: dict[str, str], syllable: str, *, exact: bool) -> wq.Query:
    folded = fold_diacritics(syllable)
    if not exact:
        return wq.Term(fields["folded"], folded, boost=FOLDED_WEIGHT)
    return _Or(
        [
            wq.Term(fields["syllables"], syllable, boost=EXACT_WEIGHT),
            wq.Term(fields["folded"], folded, boost=LOOSE_WEIGHT),
        ]
    )


# Up to this many distinct syllables, a run of plain words must match all of them
# (in some spelling); longer runs, such as questions, match on any and are ranked.
REQUIRE_ALL_UP_TO = 4


def _free_text(fields: dict[str, str], text: str) -> wq.Query | None:
    accented = has_diacritics(text)
    analysis = analyze(text, words=accented)
    syllables = [tok.text for tok in analysis.syllables]
    if not syllables:
        return None
    distinct = list(dict.fromkeys(syllables))
    clauses = [_syllable(fields, s, exact=accented) for s in distinct]
    required: wq.Query
    if len(clauses) == 1:
        required = clauses[0]
    elif len(distinct) <= REQUIRE_ALL_UP_TO:
        required = wq.And(clauses)
    else:
        required = _Or(clauses)
    bonus: list[wq.Query] = []
    if 1 < len(syllables) <= REQUIRE_ALL_UP_TO:
        bonus.append(_phrase(fields, syllables, PHRASE_WEIGHT, exact=accented))
    if len(syllables) > 2 and BIGRAM_WEIGHT:
        # Query words that stand together in the document (a sequential dependence
        # bonus): what a bag of syllables cannot see.
        pairs = dict.fromkeys(itertools.pairwise(syllables))
        bonus.extend(_phrase(fields, list(pair), BIGRAM_WEIGHT, exact=accented) for pair in pairs)
    # pyvi cannot segment text without diacritics, so the word view only helps
    # when the user typed them.
    if WORD_WEIGHT:
        bonus.extend(wq.Term(fields["words"], tok.text, boost=WORD_WEIGHT) for tok in analysis.words if "_" in tok.text)
    return wq.AndMaybe(required, _Or(bonus)) if bonus else required


def _leaf_clause(node: Text | Phrase, fields: dict[str, str], text: str) -> wq.Query | None:
    if isinstance(node, Text):
        return _free_text(fields, text)
    syllables = _syllables(text)
    return _phrase(fields, syllables, EXACT_WEIGHT, exact=has_diacritics(text)) if syllables else None


def _leaf(node: Text | Phrase) -> wq.Query | None:
    field_sets = [FIELDS[node.field]] if node.field else [BODY_FIELDS, TITLE_FIELDS]
    clauses = []
    for fields in field_sets:
        clause = _leaf_clause(node, fields, node.text)
        if clause is None:
            return None
        if node.restored:
            # What was typed still matches every spelling; the restored reading adds
            # the weight of an exact match where the document has those diacritics.
            restored = _leaf_clause(node, fields, node.restored)
            if restored is not None:
                clause = _Or([clause, _boosted(restored, RESTORED_WEIGHT)])
        if fields is TITLE_FIELDS and not node.field:
            clause = _boosted(clause, TITLE_WEIGHT)
        clauses.append(clause)
    return clauses[0] if len(clauses) == 1 else _Or(clauses)


def _compile(node: Node) -> wq.Query | None:
    """The Whoosh query for a node; None for a node with nothing searchable in it
    (punctuation only), which is left out of its parent."""
    if isinstance(node, Text | Phrase):
        return _leaf(node)
    if isinstance(node, Not):
        inner = _compile(node.item)
        return None if inner is None else wq.Not(inner)
    parts = [q for q in (_compile(item) for item in node.items) if q is not None]
    if not parts:
        return None
    if isinstance(node, Or):
        return parts[0] if len(parts) == 1 else _Or(parts)
    positive = [q for q in parts if not isinstance(q, wq.Not)]
    negative = [q.query for q in parts if isinstance(q, wq.Not)]
    base: wq.Query = wq.Every() if not positive else positive[0] if len(positive) == 1 else wq.And(positive)
    return base if not negative else wq.AndNot(base, _Or(negative))


def to_whoosh(node: Node) -> wq.Query:
    """Compile a parsed query for the index's schema."""
    compiled = _compile(node)
    if compiled is None:
        raise QuerySyntaxError("the query has no words to search for")
    if isinstance(compiled, wq.Not):
        compiled = wq.AndNot(wq.Every(), compiled.query)
    return compiled


def match_terms(node: Node) -> MatchTerms:
    """The syllables a query asks for, leaving out what it excludes with NOT."""
    exact: set[str] = set()
    folded: set[str] = set()
    runs: list[tuple[str, ...]] = []

    def visit(n: Node) -> None:
        if isinstance(n, Not):
            return
        if isinstance(n, Text | Phrase):
            syllables = _syllables(n.text)
            for syllable in syllables:
                (exact if has_diacritics(syllable) else folded).add(syllable)
            runs.append(tuple(fold_diacritics(s) for s in syllables))
            return
        for item in n.items:
            visit(item)

    visit(node)
    return MatchTerms(frozenset(exact), frozenset(folded), tuple(runs))
