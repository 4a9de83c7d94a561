"""What a query matches: the precision rules, in one place.

Every run of plain words and every quoted phrase of a query is analyzed once
(`analyze_leaves`) into what it stands for: its syllables as the analyzer writes them,
whether its diacritics are meant, the reading with diacritics put back when it was
typed without any, and the words a document must have. Matching, ranking, restoring
and highlighting all read that one analysis.

The rules (the README's "What a query matches" says the same for users):

1. A run or a phrase typed with any diacritic is exact in every syllable, the unmarked
   ones included: "an" in "công an" is "an", not "ăn" or "án". Exact means the
   analyzer's spelling (NFC, lower case, one tone-mark placement, one i/y spelling).
2. A run or a phrase typed without any diacritic matches every spelling that folds to
   it ("cong an": công an, cộng an, ...).
3. A quoted phrase matches where its syllables stand together, in order, with no
   punctuation or line end between them; where it holds punctuation itself ("chính
   trị - xã hội"), each part between is such a phrase.
4. Keywords (a run of up to `REQUIRE_ALL_UP_TO` distinct syllables and no question
   word) match where every word of the run is found as a word: the syllables of a word
   of several syllables together and in order, a word of one syllable anywhere. Which
   syllables form words is decided on the run by pyvi's model (for a run typed
   without diacritics, on the reading with them put back), not on how documents
   happened to be segmented.
5. A longer run, or one with a question word, matches where at least one of its
   words other than question words is found as a word (any question word, if it has
   nothing else); it is ranked on all its syllables.

A run or phrase matches a document when it matches its body or its title (`title:`
asks for the title alone). AND, OR and NOT combine the documents matched.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np

from searchkit.analysis import analyze, fold_diacritics, word_numbers
from searchkit.analysis.normalize import in_case_of
from searchkit.analysis.prescan import has_phrase
from searchkit.schema import BODY_FIELDS, TITLE_FIELDS
from searchkit.scoring import Postings
from searchkit.syntax import And, Filter, Node, Not, Or, Phrase, Text, to_string

# Up to this many distinct syllables, keywords must all match; longer runs and
# questions match on any of their words and are ranked.
REQUIRE_ALL_UP_TO = 4

# The words that make a question a question. They say little about which document
# answers it ("Nhân keo là gì?" is answered by a passage that never says "gì"), so a
# run that has one is ranked rather than required, they are never what makes a
# document match, and they count for less in its score.
QUESTION_WORDS = frozenset({"gì", "nào", "sao", "đâu", "bao", "nhiêu", "thế", "không", "ai", "mấy", "vậy", "là"})
_FOLDED_QUESTION_WORDS = frozenset(fold_diacritics(word) for word in QUESTION_WORDS)

Leaf = Text | Phrase
# Puts diacritics back on folded syllables, from the index's own text; None when the
# index knows none of them.
Restorer = Callable[[Sequence[str]], "Sequence[str] | None"]


@dataclass(frozen=True, slots=True)
class QuerySyllable:
    """One syllable of a run or phrase: `text` as the analyzer writes it (NFC, lower
    case, canonical spelling), `folded` without diacritics, `pos` its position in the
    run (with a gap at punctuation), `start` and `end` its span in the typed text."""

    text: str
    folded: str
    pos: int
    start: int
    end: int

    def asks(self, exact: bool) -> bool:
        """Whether it is a question word."""
        return self.text in QUESTION_WORDS if exact else self.folded in _FOLDED_QUESTION_WORDS


@dataclass(frozen=True, slots=True)
class Word:
    """Syllables a document must have side by side and in order (one syllable may
    stand anywhere): a word of a run, or a part of a phrase between its punctuation.
    `syllables` are the spellings matched: as written when `exact`, else folded."""

    syllables: tuple[str, ...]
    exact: bool
    # Where it is in its run: the position of its first syllable, and of its last.
    pos: int
    last_pos: int
    # As the user typed it, for saying that no document has it.
    typed: str
    asks: bool = False


@dataclass(frozen=True, slots=True)
class LeafAnalysis:
    """What a run of words or a phrase stands for."""

    syllables: tuple[QuerySyllable, ...]
    # Typed with diacritics: every syllable means its spelling (rule 1).
    exact: bool
    phrase: bool
    # Typed without diacritics: the syllables with the diacritics the index suggests
    # (ranked first), when they differ from what was typed.
    restored: tuple[str, ...] | None
    words: tuple[Word, ...]
    # Matches on any of its telling words (rule 5) rather than on all its words.
    ranked: bool

    @property
    def required(self) -> tuple[Word, ...]:
        """The words that decide whether a document matches: all of them (rules 3 and 4),
        or for a ranked run any one of those that are not question words."""
        if not self.ranked:
            return self.words
        return tuple(word for word in self.words if not word.asks) or self.words


def analyze_leaf(text: str, *, phrase: bool, restore: Restorer | None) -> LeafAnalysis:
    """Analyze a run of words (or a phrase) once into what it stands for."""
    tokens = analyze(text, words=False).syllables
    syllables = tuple(QuerySyllable(t.text, fold_diacritics(t.text), t.pos, t.start, t.end) for t in tokens)
    exact = any(s.text != s.folded for s in syllables)
    restored = None
    if syllables and not exact and restore is not None:
        found = restore([s.folded for s in syllables])
        if found is not None and tuple(found) != tuple(s.text for s in syllables):
            restored = tuple(found)
    distinct = {s.text for s in syllables}
    asks = any(s.asks(exact) for s in syllables)
    ranked = not phrase and (asks or len(distinct) > REQUIRE_ALL_UP_TO)
    groups = _unbroken(syllables) if phrase else _words(text, syllables, restored)
    words = tuple(_word(text, [syllables[i] for i in group], exact) for group in groups)
    return LeafAnalysis(syllables, exact, phrase, restored, words, ranked)


def _unbroken(syllables: Sequence[QuerySyllable]) -> list[list[int]]:
    """The syllables of a phrase in the parts its punctuation separates: "chính trị -
    xã hội" must find "chính trị" and "xã hội", each written together."""
    groups: list[list[int]] = []
    for i, syllable in enumerate(syllables):
        if i == 0 or syllable.pos != syllables[i - 1].pos + 1:
            groups.append([])
        groups[-1].append(i)
    return groups


def _words(text: str, syllables: Sequence[QuerySyllable], restored: Sequence[str] | None) -> list[list[int]]:
    """The syllables of a run grouped into its words by pyvi's model, read on the run
    as typed, or on its restored reading (in the case it was typed in): pyvi does not
    segment text without diacritics. One syllable needs no model."""
    if len(syllables) < 2:
        return [[i] for i in range(len(syllables))]
    reading = text
    if restored is not None:
        pieces, cursor = [], 0
        for syllable, written in zip(syllables, restored, strict=True):
            pieces += [text[cursor : syllable.start], in_case_of(text[syllable.start : syllable.end], written)]
            cursor = syllable.end
        reading = "".join([*pieces, text[cursor:]])
    numbers = word_numbers(reading)
    if len(numbers) != len(syllables):  # cannot happen: the reading has the same syllables
        return [[i] for i in range(len(syllables))]
    return [[i for i, _ in group] for _, group in itertools.groupby(enumerate(numbers), key=lambda item: item[1])]


def _word(text: str, syllables: list[QuerySyllable], exact: bool) -> Word:
    return Word(
        tuple(s.text if exact else s.folded for s in syllables),
        exact,
        syllables[0].pos,
        syllables[-1].pos,
        text[syllables[0].start : syllables[-1].end],
        all(s.asks(exact) for s in syllables),
    )


def analyze_leaves(node: Node, restore: Restorer | None) -> Node:
    """The tree with every run and phrase analyzed (`analysis` set), diacritics put
    back with `restore` on those typed without any (excluded words too: NOT "hai
    phong" should exclude "Hải Phòng")."""
    if isinstance(node, Filter):
        return node
    if isinstance(node, Text | Phrase):
        return replace(node, analysis=analyze_leaf(node.text, phrase=isinstance(node, Phrase), restore=restore))
    if isinstance(node, Not):
        return Not(analyze_leaves(node.item, restore))
    return type(node)(tuple(analyze_leaves(item, restore) for item in node.items))


def leaves(node: Node, *, negated: bool = False) -> Iterator[Leaf]:
    """The runs and phrases of a tree, in order, leaving out what NOT excludes (or,
    with `negated`, including it)."""
    if isinstance(node, Text | Phrase):
        yield node
    elif isinstance(node, Not):
        if negated:
            yield from leaves(node.item, negated=negated)
    elif isinstance(node, And | Or):
        for item in node.items:
            yield from leaves(item, negated=negated)


def _analysis(leaf: Leaf) -> LeafAnalysis:
    if leaf.analysis is None:
        raise ValueError(f"the query part {leaf.text!r} was not analyzed (see analyze_leaves)")
    return leaf.analysis


def is_exact(node: Node) -> bool:
    """Whether any run or phrase of the query was typed with diacritics."""
    return any(_analysis(leaf).exact for leaf in leaves(node, negated=True))


def without_filters(node: Node) -> Node | None:
    """The query's words alone: what is left when every `date:` and `path:` filter is
    taken out (None if nothing is). A query whose words match nothing is searched
    again without its diacritics; one that a filter emptied is not."""
    if isinstance(node, Filter):
        return None
    if isinstance(node, Text | Phrase):
        return node
    if isinstance(node, Not):
        inner = without_filters(node.item)
        return Not(inner) if inner is not None else None
    items = [kept for item in node.items if (kept := without_filters(item)) is not None]
    if not items:
        return None
    return items[0] if len(items) == 1 else type(node)(tuple(items))


def has_date_filter(node: Node) -> bool:
    """Whether the query has a `date:` filter (outside a NOT or inside one)."""
    if isinstance(node, Filter):
        return node.field == "date"
    if isinstance(node, Not):
        return has_date_filter(node.item)
    return isinstance(node, And | Or) and any(has_date_filter(item) for item in node.items)


def without_diacritics(node: Node) -> Node:
    """The query with every run and phrase folded ("tọa đám" → "toa dam"), not yet
    analyzed."""
    return retyped(node, lambda leaf: fold_diacritics(leaf.text))


def retyped(node: Node, text_of: Callable[[Leaf], str]) -> Node:
    """The query with the text of every run and phrase replaced by `text_of` it (the
    other parts as they are), not yet analyzed."""
    if isinstance(node, Filter):
        return node
    if isinstance(node, Text | Phrase):
        return type(node)(text_of(node), node.field)
    if isinstance(node, Not):
        return Not(retyped(node.item, text_of))
    return type(node)(tuple(retyped(item, text_of) for item in node.items))


class CheckedWords:
    """The documents found to hold each word of three syllables or more, checked in
    their stored text (the costly part of matching: "ngân sách nhà nước" reads 400
    documents), kept by a searcher for the commit it reads and shared by its searches:
    a query asked again, or a word in another query, is not checked again. The least
    recently used go first once `most_bytes` of them are kept."""

    def __init__(self, documents: int, most_bytes: int = 64 * 1024 * 1024) -> None:
        self._kept: OrderedDict[tuple[Word, str], np.ndarray] = OrderedDict()
        self._most = max(16, most_bytes // max(1, documents))

    def get(self, key: tuple[Word, str]) -> np.ndarray | None:
        found = self._kept.get(key)
        if found is not None:
            self._kept.move_to_end(key)
        return found

    def keep(self, key: tuple[Word, str], documents: np.ndarray) -> None:
        documents.flags.writeable = False  # shared by searches: none may change it
        self._kept[key] = documents
        if len(self._kept) > self._most:
            self._kept.popitem(last=False)


class Matcher:
    """The documents that match each part of an analyzed query, as boolean arrays over
    every document, worked out once per part for one search (ranking and the
    fallback ask again); with `checked`, words checked in stored text are kept for the
    searches after it."""

    def __init__(self, postings: Postings, *, file_dates: bool = False, checked: CheckedWords | None = None) -> None:
        self._postings = postings
        # Whether `date:` takes in the documents dated only by their file's time.
        self.file_dates = file_dates
        self._leaves: dict[int, tuple[Leaf, np.ndarray]] = {}
        self._words: dict[tuple[Word, str], np.ndarray] = {}
        self._checked = checked

    def documents(self, node: Node) -> np.ndarray | None:
        """The documents matching `node`; None for a node with nothing searchable in it
        (punctuation only), which its parent leaves out."""
        if isinstance(node, Text | Phrase):
            return self.leaf_documents(node) if _analysis(node).syllables else None
        if isinstance(node, Filter):
            found = self._postings.having_term(node.field, node.matches)
            if node.field == "date" and self.file_dates:
                found = found | self._postings.having_term("file_date", node.matches)
            return found
        if isinstance(node, Not):
            inner = self.documents(node.item)
            return None if inner is None else self._postings.live() & ~inner
        positive = (self.documents(item) for item in node.items if not isinstance(item, Not))
        found = [docs for docs in positive if docs is not None]
        if isinstance(node, Or):
            return np.logical_or.reduce(found) if found else None
        negative = (self.documents(item.item) for item in node.items if isinstance(item, Not))
        excluded = [docs for docs in negative if docs is not None]
        if not found and not excluded:
            return None
        matched = np.logical_and.reduce(found) if found else self._postings.live().copy()
        for docs in excluded:
            matched = matched & ~docs
        return matched

    def leaf_documents(self, leaf: Leaf) -> np.ndarray:
        """The documents a run or phrase matches, in its body or its title."""
        remembered = self._leaves.get(id(leaf))
        if remembered is not None:
            return remembered[1]
        analysis = _analysis(leaf)
        found = self._postings.empty()
        for fields in (TITLE_FIELDS,) if leaf.field == "title" else (BODY_FIELDS, TITLE_FIELDS):
            found |= self._in_fields(analysis, fields)
        # Keep the leaf alive with its documents, so that its id is not reused.
        self._leaves[id(leaf)] = (leaf, found)
        return found

    def _in_fields(self, analysis: LeafAnalysis, fields: dict[str, str]) -> np.ndarray:
        words = list(dict.fromkeys(analysis.required))
        # Words of one or two syllables are looked up; longer ones are checked in the
        # stored text of the documents the others leave.
        looked_up = [word for word in words if len(word.syllables) <= 2]
        read = [word for word in words if len(word.syllables) > 2]
        if analysis.ranked:
            found = self._postings.empty()
            for word in looked_up:
                found |= self.word_documents(word, fields)
            for word in read:
                found |= self.word_documents(word, fields, among=~found)
            return found
        among: np.ndarray | None = None
        for word in looked_up:
            docs = self.word_documents(word, fields)
            among = docs if among is None else among & docs
        for word in read:
            if among is not None and not among.any():
                break
            among = self.word_documents(word, fields, among=among)
        return among if among is not None else self._postings.empty()

    def word_documents(self, word: Word, fields: dict[str, str], *, among: np.ndarray | None = None) -> np.ndarray:
        """The documents that have `word` as a word in one field set (body or title):
        a syllable anywhere, two syllables as a pair of the document, more as a pair
        each and together in the stored text (only `among` these documents, when
        given)."""
        key = (word, fields["syllables"])
        found = self._words.get(key)
        if found is None and self._checked is not None:
            found = self._checked.get(key)
        if found is not None:
            return found if among is None else found & among
        postings = self._postings
        if len(word.syllables) == 1:
            found = postings.having_all(fields["syllables" if word.exact else "folded"], list(word.syllables))
        else:
            pairs = [f"{a} {b}" for a, b in itertools.pairwise(word.syllables)]
            found = postings.having_all(fields["bigrams" if word.exact else "folded_bigrams"], pairs)
            if len(word.syllables) > 2:
                candidates = found if among is None else found & among
                checked = postings.empty()
                read = postings.store.text if fields is BODY_FIELDS else postings.title
                for d in candidates.nonzero()[0].tolist():
                    checked[d] = has_phrase(read(d), word.syllables, exact=word.exact)
                if among is None:
                    self._words[key] = checked
                    if self._checked is not None:
                        self._checked.keep(key, checked)
                return checked
        self._words[key] = found
        return found if among is None else found & among

    def missing(self, node: Node) -> str:
        """The first part of the query, as typed, that no document has: a word of a run
        or phrase, else the run or phrase, else the whole query."""
        for leaf in leaves(node):
            analysis = _analysis(leaf)
            if not analysis.syllables or self.leaf_documents(leaf).any():
                continue
            field_sets = (TITLE_FIELDS,) if leaf.field == "title" else (BODY_FIELDS, TITLE_FIELDS)
            for word in analysis.required:
                if not any(self.word_documents(word, fields).any() for fields in field_sets):
                    return word.typed
            return leaf.text
        return to_string(node, restored=False)


@dataclass(frozen=True, slots=True)
class Marks:
    """What highlighting marks in a text: the words of the query's runs and phrases
    (not those NOT excludes), each in a document as a word, and which two of them
    stand next to each other in the query, so that they are marked as one span where
    they do in the text too."""

    words: tuple[Word, ...]
    # Pairs of indexes into `words`.
    joined: frozenset[tuple[int, int]]

    @classmethod
    def none(cls) -> Marks:
        return cls((), frozenset())


def marks(node: Node) -> Marks:
    """The words an analyzed query asks for, to highlight: those that decide a match
    (a ranked run's question words are not marked)."""
    words: list[Word] = []
    joined: set[tuple[int, int]] = set()
    for leaf in leaves(node):
        analysis = _analysis(leaf)
        wanted = analysis.required
        for k, word in enumerate(wanted):
            if k and wanted[k - 1].last_pos + 1 == word.pos:
                joined.add((len(words) - 1, len(words)))
            words.append(word)
    return Marks(tuple(words), frozenset(joined))
