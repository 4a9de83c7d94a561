"""The query language, parsed without splitting Vietnamese words apart.

Whoosh's own parser splits on spaces before analysis, which turns "công an cấp huyện"
into four unrelated terms. Here a run of plain words is kept whole and analyzed as a
whole (segmented into words, and into syllables for the phrase), and only quotes,
parentheses, `AND`, `OR`, `NOT`, `title:` and the filters `date:` and `path:` are
syntax.

Grammar (operators are upper case; juxtaposition means AND):

    query  := or
    or     := and ("OR" and)*
    and    := unary ("AND"? unary)*
    unary  := "NOT" unary | filter | field? atom
    filter := ("date:" | "path:") (value | '"' value '"')
    atom   := "(" or ")" | '"' phrase '"' | run of plain words
"""

from __future__ import annotations

import datetime
import itertools
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from pathlib import PurePosixPath

from searchkit.analysis import analyze, fold_diacritics, has_diacritics
from searchkit.analysis.prescan import has_phrase
from searchkit.errors import QuerySyntaxError
from searchkit.restore import Restoration
from searchkit.schema import BODY_FIELDS, TITLE_FIELDS
from searchkit.scoring import OneDocument, Postings, Scores, add_scores

FIELDS = {"title": TITLE_FIELDS}
# Fields that keep documents in or out without adding to their scores.
FILTERS = ("date", "path")

# Score weights. Typing diacritics is a strong statement: an exact syllable counts
# fully, the same syllable with other diacritics only a little.
EXACT_WEIGHT = 1.0
FOLDED_WEIGHT = 1.0  # a syllable typed without diacritics, matched on the folded view
LOOSE_WEIGHT = 0.02  # a syllable typed with diacritics, matched only once folded
PHRASE_WEIGHT = 3.0  # the syllables of a short run, together and in order
BIGRAM_WEIGHT = 0.3  # two adjacent syllables of a run, together in the document
# Typed without diacritics, one syllable could be many words ("ban": bán, bạn, bàn,
# bản), two side by side far fewer: the pair carries more of the evidence.
FOLDED_PAIR_WEIGHT = 2.0
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
    restored: Restoration | None = None


@dataclass(frozen=True)
class Phrase:
    """A quoted phrase: its syllables must appear together and in order."""

    text: str
    field: str | None = None
    restored: Restoration | None = None


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
        from searchkit.dates import date_bounds  # only for a query that asks, as are its patterns

        low, separator, high = lex.value.partition("..")
        first, last = date_bounds(low) if low else None, date_bounds(high) if high else None
        if (low and first is None) or (high and last is None) or (separator and not low and not high):
            raise self._error(f"{lex.value!r} is not a date (write YYYY, YYYY-MM or YYYY-MM-DD, or FROM..TO)", lex)
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


def with_restored_diacritics(node: Node, restore: Callable[[str], Restoration | None]) -> Node:
    """The tree with `restored` set on every run of words typed without diacritics
    for which `restore` finds diacritics to put back (excluded words too: NOT "hai
    phong" should exclude "Hải Phòng")."""
    if isinstance(node, Filter):
        return node
    if isinstance(node, Text | Phrase):
        if has_diacritics(node.text):
            return node
        restored = restore(node.text)
        typed = tuple(syllable.text for syllable in _typed_syllables(node.text))
        return replace(node, restored=restored) if restored and restored.syllables != typed else node
    if isinstance(node, Not):
        return Not(with_restored_diacritics(node.item, restore))
    return type(node)(tuple(with_restored_diacritics(item, restore) for item in node.items))


def to_string(node: Node, *, restored: bool = True) -> str:
    """The query written back as text (with the restored diacritics, if asked)."""
    if isinstance(node, Filter):
        return f'{node.field}:"{node.value}"' if " " in node.value else f"{node.field}:{node.value}"
    if isinstance(node, Text | Phrase):
        text = node.restored.text if restored and node.restored else node.text
        text = f'"{text}"' if isinstance(node, Phrase) else text
        return f"{node.field}:{text}" if node.field else text
    if isinstance(node, Not):
        return f"NOT {_grouped(node.item, restored)}"
    joiner = " OR " if isinstance(node, Or) else " "
    return joiner.join(_grouped(item, restored) for item in node.items)


def _grouped(node: Node, restored: bool) -> str:
    text = to_string(node, restored=restored)
    return f"({text})" if isinstance(node, And | Or) else text


@dataclass(frozen=True)
class MatchTerms:
    """What a query looks for, for highlighting. A syllable typed with diacritics
    matches only that spelling (`exact`); one typed without matches any spelling
    (`folded`). `runs` are the folded syllable sequences typed together, so that
    adjacent matches typed together are highlighted as one span."""

    exact: frozenset[str]
    folded: frozenset[str]
    runs: tuple[tuple[str, ...], ...]

    @classmethod
    def none(cls) -> MatchTerms:
        """Terms that match nothing."""
        return cls(frozenset(), frozenset(), ())

    def loosened(self) -> MatchTerms:
        """The same terms, each matching any spelling (for documents that matched
        only once diacritics were folded)."""
        everything = frozenset(s for run in self.runs for s in run)
        return MatchTerms(frozenset(), everything, self.runs)


def _syllables(text: str) -> list[str]:
    return [tok.text for tok in analyze(text, words=False).syllables]


# ---- scoring -------------------------------------------------------------------------

# Up to this many distinct syllables, keywords must all match (in some spelling);
# longer runs and questions match on any of their syllables and are ranked.
REQUIRE_ALL_UP_TO = 4

# The words that make a question a question. They say little about which document
# answers it ("Nhân keo là gì?" is answered by a passage that never says "gì"), so
# they count for less, a run that has one is ranked rather than required, and a pair
# of them ("là gì", "thế nào") earns no bonus.
QUESTION_WORDS = frozenset({"gì", "nào", "sao", "đâu", "bao", "nhiêu", "thế", "không", "ai", "mấy", "vậy", "là"})
_FOLDED_QUESTION_WORDS = frozenset(fold_diacritics(word) for word in QUESTION_WORDS)
QUESTION_WORD_WEIGHT = 0.3


@dataclass(frozen=True, slots=True)
class _Syllable:
    """A syllable to look for. `exact`: its diacritics are meant (typed, or restored),
    so it matches its own spelling fully and others only a little."""

    text: str
    pos: int
    exact: bool

    @property
    def asks(self) -> bool:
        """Whether it is a question word."""
        if self.exact:
            return self.text in QUESTION_WORDS
        return self.text in _FOLDED_QUESTION_WORDS


def _typed_syllables(text: str) -> list[_Syllable]:
    exact = has_diacritics(text)
    return [_Syllable(tok.text, tok.pos, exact) for tok in analyze(text, words=False).syllables]


def _restored_syllables(typed: list[_Syllable], restoration: Restoration) -> list[_Syllable]:
    return [_Syllable(written, s.pos, True) for s, written in zip(typed, restoration.syllables, strict=True)]


def _add_to_matched(total: Scores, scores: Scores, weight: float) -> None:
    """Add `weight` times `scores` to the documents already in `total` only."""
    if len(scores) < len(total):
        for d, s in scores.items():
            if d in total:
                total[d] += s * weight
    else:
        get = scores.get
        for d in total:
            s = get(d)
            if s is not None:
                total[d] += s * weight


def _add_term_scores(
    total: Scores,
    postings: Postings,
    fields: dict[str, str],
    view: str,
    term: str,
    *,
    exact: bool,
    among: Collection[int] | None,
    weight: float = 1.0,
    trace: _Trace | None = None,
) -> None:
    """Add `weight` times the score of one syllable (view "syllables") or pair of
    syllables ("bigrams") in one field set into `total`. `exact`: the user typed
    diacritics, so the term means what it says ("cho" is not "chó"), and a spelling
    that agrees only once folded counts for little. With `among`, only those documents
    are scored. One pass over the term's documents: a question's common syllables are
    in most of them."""
    folded_view = "folded" if view == "syllables" else "folded_bigrams"
    folded = postings.scores(fields[folded_view], fold_diacritics(term), among)
    if not exact:
        folded_weight = FOLDED_WEIGHT * weight
        add_scores(total, folded, folded_weight)
        if trace is not None:
            trace.record(folded_view, fold_diacritics(term), sum(folded.values()) * folded_weight)
        return
    # Every document with the exact spelling has its folded form too.
    exact_get = postings.scores(fields[view], term, among).get
    loose_weight, exact_weight = LOOSE_WEIGHT * weight, EXACT_WEIGHT * weight
    get = total.get
    for d, s in folded.items():
        total[d] = get(d, 0.0) + s * loose_weight + exact_get(d, 0.0) * exact_weight
    if trace is not None:
        trace.record(view, term, sum(exact_get(d, 0.0) for d in folded) * exact_weight)
        trace.record(folded_view, fold_diacritics(term), sum(folded.values()) * loose_weight)


def _having_all(postings: Postings, field: str, syllables: list[str]) -> set[int]:
    """The documents that have every one of `syllables` in `field` (a folded view)."""
    return postings.having_all(field, [fold_diacritics(text) for text in syllables])


def _unbroken_parts(syllables: list[_Syllable]) -> list[list[str]]:
    """The folded syllables of a phrase in the parts its punctuation separates:
    "chính trị - xã hội" must find "chính trị" and "xã hội" each written together."""
    parts: list[list[str]] = []
    for i, syllable in enumerate(syllables):
        if i == 0 or syllable.pos != syllables[i - 1].pos + 1:
            parts.append([])
        parts[-1].append(fold_diacritics(syllable.text))
    return parts


def _with_phrase(postings: Postings, fields: dict[str, str], part: list[str], candidates: Collection[int]) -> set[int]:
    """The documents among `candidates` where the folded syllables of `part` stand
    together and in order. Each two of them must be a pair of the document (which for
    two syllables is the whole answer); for more, the stored text is read where every
    pair is found."""
    pairs = [f"{a} {b}" for a, b in itertools.pairwise(part)]
    found = postings.having_all(fields["folded_bigrams"], pairs).intersection(candidates)
    if not found or len(part) == 2:
        return found
    stored = "title" if fields is TITLE_FIELDS else "content"
    return {d for d in found if has_phrase(postings.stored_fields(d)[stored], part)}


def _run_scores(
    postings: Postings, fields: dict[str, str], syllables: list[_Syllable], phrase: bool, trace: _Trace | None = None
) -> Scores:
    """A run of plain words: a ranked bag of syllables, with a bonus where the document
    has them side by side. Short keywords must all match; a quoted phrase must also
    have them together and in order."""
    if not syllables:
        return {}
    distinct = list(dict.fromkeys((s.text, s.exact, s.asks) for s in syllables))
    required = [text for text, _exact, asks in distinct if phrase or not asks]
    is_question = len(required) < len(distinct)
    among: Collection[int] | None = None
    if phrase or (not is_question and len(required) <= REQUIRE_ALL_UP_TO):
        # Every syllable must match, in some spelling (its folded view holds every
        # spelling): only the documents that have them all need scoring.
        among = _having_all(postings, fields["folded"], required)
        if not among:
            return {}
    total: Scores = {}
    terms = trace.part() if trace is not None else None
    for text, exact, asks in distinct:
        weight = QUESTION_WORD_WEIGHT if asks and not phrase else 1.0
        _add_term_scores(
            total, postings, fields, "syllables", text, exact=exact, among=among, weight=weight, trace=terms
        )
    if phrase:
        for part in _unbroken_parts(syllables):
            if len(part) > 1 and total:
                together = _with_phrase(postings, fields, part, total.keys())
                total = {d: v for d, v in total.items() if d in together}
    # Query words that stand together in the document (a sequential dependence bonus):
    # what a bag of syllables cannot see.
    weight = PHRASE_WEIGHT if len(syllables) <= REQUIRE_ALL_UP_TO else BIGRAM_WEIGHT
    pairs = {
        (f"{a.text} {b.text}", a.exact and b.exact): None
        for a, b in itertools.pairwise(syllables)
        if b.pos == a.pos + 1 and not (a.asks and b.asks)
    }
    for pair, exact in pairs:
        pair_weight = weight if exact else weight * FOLDED_PAIR_WEIGHT
        pair_scores: Scores = {}
        pair_terms = terms.part(pair_weight) if terms is not None else None
        _add_term_scores(pair_scores, postings, fields, "bigrams", pair, exact=exact, among=among, trace=pair_terms)
        _add_to_matched(total, pair_scores, pair_weight)
        if terms is not None and pair_terms is not None and total.keys() & pair_scores.keys():
            terms.keep(pair_terms)
    if trace is not None and terms is not None and total:
        trace.keep(terms)
    return total


def _leaf_scores(postings: Postings, node: Text | Phrase, trace: _Trace | None = None) -> Scores | None:
    typed = _typed_syllables(node.text)
    if not typed:
        return None
    restored = _restored_syllables(typed, node.restored) if node.restored else None
    phrase = isinstance(node, Phrase)
    field_sets = [FIELDS[node.field]] if node.field else [BODY_FIELDS, TITLE_FIELDS]
    total: Scores = {}
    for fields in field_sets:
        weight = TITLE_WEIGHT if fields is TITLE_FIELDS and not node.field else 1.0
        part = trace.part(weight, "title" if fields is TITLE_FIELDS else "body") if trace is not None else None
        scores = _run_scores(postings, fields, typed, phrase, part)
        if restored:
            # What was typed still matches every spelling; the restored reading adds
            # the weight of an exact match where the document has those diacritics.
            restored_part = part.part(RESTORED_WEIGHT) if part is not None else None
            add_scores(scores, _run_scores(postings, fields, restored, phrase, restored_part), RESTORED_WEIGHT)
            if part is not None and restored_part is not None:
                part.keep(restored_part)
        add_scores(total, scores, weight)
        if trace is not None and part is not None:
            trace.keep(part)
    return total


def _scores(postings: Postings, node: Node, trace: _Trace | None = None) -> Scores | None:
    """The score of each document matching `node`; None for a node with nothing
    searchable in it (punctuation only), which is left out of its parent. With
    `trace` (when scoring one document), what each term adds is recorded in it, if
    the document matches `node`."""
    if trace is None:
        return _node_scores(postings, node, None)
    part = trace.part()
    scores = _node_scores(postings, node, part)
    if scores:
        trace.keep(part)
    return scores


def _node_scores(postings: Postings, node: Node, trace: _Trace | None) -> Scores | None:
    if isinstance(node, Text | Phrase):
        return _leaf_scores(postings, node, trace)
    if isinstance(node, Filter):
        return dict.fromkeys(postings.having_term(node.field, node.matches), 0.0)
    if isinstance(node, Not):
        inner = _scores(postings, node.item)  # what it excludes adds nothing
        if inner is None:
            return None
        return {d: s for d, s in postings.all_documents().items() if d not in inner}
    if isinstance(node, Or):
        present = [scores for scores in (_scores(postings, item, trace) for item in node.items) if scores is not None]
        if not present:
            return None
        total: Scores = {}
        for scores in present:
            add_scores(total, scores)
        return total
    positive = [_scores(postings, item, trace) for item in node.items if not isinstance(item, Not)]
    negative = [_scores(postings, item.item) for item in node.items if isinstance(item, Not)]
    matched = sorted((scores for scores in positive if scores is not None), key=len)
    excluded = [scores for scores in negative if scores is not None]
    if not matched and not excluded:
        return None
    total = dict(matched[0]) if matched else postings.all_documents()
    for scores in matched[1:]:
        total = {d: s + scores[d] for d, s in total.items() if d in scores}
    for scores in excluded:
        total = {d: s for d, s in total.items() if d not in scores}
    return total


@dataclass(frozen=True, slots=True)
class Contribution:
    """What one term added to a document's score: `field` "body" or "title", `view`
    the index view it matched in (syllables, folded, bigrams, folded_bigrams)."""

    field: str
    view: str
    term: str
    score: float


class _Trace:
    """The contributions recorded while scoring one document, each scaled by the
    weights of the parts of the query it is in. A part's contributions are kept only
    if the document matches that part (`keep`)."""

    def __init__(self, weight: float = 1.0, field: str = "body") -> None:
        self.weight = weight
        self.field = field
        self.found: list[Contribution] = []

    def part(self, weight: float = 1.0, field: str | None = None) -> _Trace:
        return _Trace(self.weight * weight, field or self.field)

    def record(self, view: str, term: str, score: float) -> None:
        if score:
            self.found.append(Contribution(self.field, view, term, score * self.weight))

    def keep(self, part: _Trace) -> None:
        self.found.extend(part.found)


def explain(postings: Postings, node: Node, docnum: int) -> list[Contribution]:
    """What each term of a parsed query added to the score of document `docnum`,
    largest first (the same term matched in the same view by several parts of the
    query is summed): their sum is the document's score."""
    trace = _Trace()
    _scores(OneDocument(postings, docnum), node, trace)
    summed: dict[tuple[str, str, str], float] = {}
    for c in trace.found:
        key = (c.field, c.view, c.term)
        summed[key] = summed.get(key, 0.0) + c.score
    found = [Contribution(field, view, term, value) for (field, view, term), value in summed.items()]
    return sorted(found, key=lambda c: -c.score)


def score(postings: Postings, node: Node) -> Scores:
    """The score of every document matching a parsed query."""
    scores = _scores(postings, node)
    if scores is None:
        raise QuerySyntaxError("the query has no words to search for")
    return scores


def match_terms(node: Node) -> MatchTerms:
    """The syllables a query asks for, leaving out what it excludes with NOT."""
    exact: set[str] = set()
    folded: set[str] = set()
    runs: list[tuple[str, ...]] = []

    def visit(n: Node) -> None:
        if isinstance(n, Not | Filter):
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
