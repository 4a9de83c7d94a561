"""Snippets: the passage of a document that best shows why it matched, with the matched
words marked by exact character offsets.

pyvi gives no offsets, so matching is done on our own syllable split of the stored
text, whose spans point into the original characters.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from searchkit.analysis import Token, analyze, fold_diacritics
from searchkit.analysis.prescan import stretches
from searchkit.query import MatchTerms

SNIPPET_CHARS = 240
_SPACE_RUN = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Snippet:
    """A passage of a document; `highlights` are `[start, end)` offsets into `text`."""

    text: str
    highlights: tuple[tuple[int, int], ...]


def highlight_spans(text: str, terms: MatchTerms, *, whole: bool = False) -> list[tuple[int, int]]:
    """Spans of `text` that match the query: one span for each run of matched syllables
    that were also typed next to each other in the query. When nothing matches in the
    spelling the user typed, matches in any spelling are marked instead.

    Only the stretches around possible matches are analyzed (see `_stretches`), unless
    `whole` is set or the text cannot be pre-scanned; the spans are the same."""
    stretches = None if whole else _stretches(text, terms)
    if stretches is None:
        stretches = [(0, len(text))]
    pieces = [_shifted(analyze(text[start:end], words=False).syllables, start) for start, end in stretches]
    spans = [span for syllables in pieces for span in _spans(syllables, terms)]
    if spans:
        return spans
    loose = terms.loosened()
    return [span for syllables in pieces for span in _spans(syllables, loose)]


def _shifted(tokens: list[Token], offset: int) -> list[Token]:
    return [Token(t.text, t.pos, t.start + offset, t.end + offset) for t in tokens] if offset else tokens


def _stretches(text: str, terms: MatchTerms) -> list[tuple[int, int]] | None:
    """The stretches of `text` around every place where a query syllable may be
    written, in any spelling; None when the text is to be analyzed whole (short, not
    pre-scannable, or nothing found)."""
    return stretches(text, terms.exact | terms.folded | set(itertools.chain(*terms.runs))) or None


def _spans(syllables: list[Token], terms: MatchTerms) -> list[tuple[int, int]]:
    pairs = {(run[i], run[i + 1]) for run in terms.runs for i in range(len(run) - 1)}
    spans: list[tuple[int, int]] = []
    previous: Token | None = None
    previous_folded = ""
    for tok in syllables:
        folded = fold_diacritics(tok.text)
        if tok.text not in terms.exact and folded not in terms.folded:
            previous = None
            continue
        if previous is not None and tok.pos == previous.pos + 1 and (previous_folded, folded) in pairs:
            spans[-1] = (spans[-1][0], tok.end)
        else:
            spans.append((tok.start, tok.end))
        previous, previous_folded = tok, folded
    return spans


def _best_window(spans: list[tuple[int, int]], text: str, width: int) -> tuple[int, int]:
    """The stretch of at most `width` characters covering the most distinct query
    syllables (then the longest matched phrase, then the most matches), widened to
    whole words around them."""
    covered = [frozenset(fold_diacritics(text[s:e]).lower().split()) for s, e in spans]
    best: tuple[int, int, int, int] = (-1, 0, 0, 0)
    best_range = (0, 0)
    lo = 0
    for hi in range(len(spans)):
        while spans[hi][1] - spans[lo][0] > width and lo < hi:
            lo += 1
        distinct = len(frozenset().union(*covered[lo : hi + 1]))
        longest = max(len(c) for c in covered[lo : hi + 1])
        key = (distinct, longest, hi - lo + 1, -spans[lo][0])
        if key > best:
            best, best_range = key, (lo, hi)
    first, last = spans[best_range[0]], spans[best_range[1]]
    start, end = first[0], last[1]
    # Spread the remaining room around the matches, then back off to whitespace.
    room = max(0, width - (end - start))
    start = max(0, start - room // 3)
    end = min(len(text), end + room - room // 3)
    if start > 0:
        line_start = text.rfind("\n", start, first[0])
        if line_start >= 0:
            start = line_start + 1
        else:
            space = text.find(" ", start, first[0])
            start = space + 1 if space >= 0 else first[0]
    if end < len(text):
        space = text.rfind(" ", last[1], end)
        end = space if space >= 0 else last[1]
    return start, end


def make_snippets(text: str, terms: MatchTerms, *, width: int = SNIPPET_CHARS, count: int = 1) -> list[Snippet]:
    """Up to `count` passages of `text` for the query, best first, each on one line
    with its highlights and none overlapping another. The first is the passage that
    best shows the match (the beginning of the text when nothing matches); each next
    one is the best among the matches the passages before it leave out."""
    spans = highlight_spans(text, terms)
    if not spans:
        end = min(len(text), width)
        if end < len(text) and (space := text.rfind(" ", 0, end)) > 0:
            end = space
        return [_passage(text, [], 0, end)]
    snippets: list[Snippet] = []
    taken: list[tuple[int, int]] = []
    left = spans
    while left and len(snippets) < count:
        start, end = _best_window(left, text, width)
        # Keep clear of the passages already shown.
        start = max([start, *(e for s, e in taken if s < start)])
        end = min([end, *(s for s, e in taken if s >= start)])
        inside = [(s, e) for s, e in left if s >= start and e <= end]
        if not inside:
            break
        snippets.append(_passage(text, inside, start, end))
        taken.append((start, end))
        left = [(s, e) for s, e in left if e <= start or s >= end]
    return snippets


def make_snippet(text: str, terms: MatchTerms, *, width: int = SNIPPET_CHARS) -> Snippet:
    """The best passage of `text` for the query, on one line, with its highlights."""
    return make_snippets(text, terms, width=width)[0]


def _passage(text: str, inside: list[tuple[int, int]], start: int, end: int) -> Snippet:
    """`text[start:end]` on one line (white space collapsed), marked "…" where it is
    cut, with the spans `inside` it as highlights."""
    # Collapse runs of white space to one space, moving the highlights with the text.
    pieces: list[str] = []
    highlights: list[tuple[int, int]] = []
    cursor = start
    out_len = 0
    prefix = "…" if start > 0 else ""
    if prefix:
        pieces.append(prefix)
        out_len += len(prefix)

    def emit(segment: str) -> None:
        nonlocal out_len
        collapsed = _SPACE_RUN.sub(" ", segment)
        pieces.append(collapsed)
        out_len += len(collapsed)

    for s, e in inside:
        emit(text[cursor:s])
        hl_start = out_len
        emit(text[s:e])
        highlights.append((hl_start, out_len))
        cursor = e
    emit(text[cursor:end])
    body = "".join(pieces)
    # Trim leading/trailing space, shifting highlights accordingly.
    stripped = body.lstrip()
    shift = len(body) - len(stripped)
    body = stripped.rstrip()
    highlights = [(s - shift, e - shift) for s, e in highlights]
    if end < len(text):
        body += " …"
    return Snippet(body, tuple(highlights))
