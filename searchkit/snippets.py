"""Snippets: the passage of a document that best shows why it matched, with the matched
words marked by exact character offsets.

pyvi gives no offsets, so the query's words are found in our own syllable split of
the stored text, whose spans point into the original characters. What is marked is
what made the document match: the query's words as words, never a syllable of one
standing inside another word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from searchkit.analysis import Token, analyze, fold_diacritics
from searchkit.analysis.prescan import stretches
from searchkit.matching import Marks

SNIPPET_CHARS = 240
_SPACE_RUN = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Snippet:
    """A passage of a document; `highlights` are `[start, end)` offsets into `text`."""

    text: str
    highlights: tuple[tuple[int, int], ...]


def highlight_spans(text: str, marks: Marks, *, whole: bool = False) -> list[tuple[int, int]]:
    """Spans of `text` where the query's words stand as words (see `matching.Marks`):
    one span for each run of them that also stand next to each other in the query.

    Only the stretches around possible matches are analyzed (see `prescan`), unless
    `whole` is set or the text cannot be pre-scanned; the spans are the same."""
    if not marks.words:
        return []
    found = None if whole else stretches(text, {s for word in marks.words for s in word.syllables}) or None
    spans: list[tuple[int, int]] = []
    for start, end in found if found is not None else [(0, len(text))]:
        spans += _spans(_shifted(analyze(text[start:end], words=False).syllables, start), marks)
    return spans


def _shifted(tokens: list[Token], offset: int) -> list[Token]:
    return [Token(t.text, t.pos, t.start + offset, t.end + offset) for t in tokens] if offset else tokens


def _spans(tokens: list[Token], marks: Marks) -> list[tuple[int, int]]:
    """Where each word of `marks` stands in `tokens` (its syllables side by side), as
    spans of the text; overlapping ones merged, and neighbours merged where the query
    has the same two words side by side."""
    by_first: dict[tuple[str, bool], list[int]] = {}
    for k, word in enumerate(marks.words):
        by_first.setdefault((word.syllables[0], word.exact), []).append(k)
    texts = [t.text for t in tokens]
    folded = [fold_diacritics(t) for t in texts]
    positions = [t.pos for t in tokens]
    # (first token, token after the last, word) of every place a word stands.
    found: list[tuple[int, int, int]] = []
    for i in range(len(tokens)):
        for exact, written in ((True, texts), (False, folded)):
            for k in by_first.get((written[i], exact), ()):
                n = len(marks.words[k].syllables)
                if written[i : i + n] == list(marks.words[k].syllables) and positions[i + n - 1 : i + n] == [
                    positions[i] + n - 1
                ]:
                    found.append((i, i + n, k))
    found.sort(key=lambda place: (place[0], -place[1]))
    merged: list[list[int]] = []  # [first token, end token, word of the last place]
    for first, end, k in found:
        if merged:
            last = merged[-1]
            overlaps = first < last[1]
            follows = first == last[1] and (last[2], k) in marks.joined and positions[first] == positions[first - 1] + 1
            if overlaps or follows:
                if end > last[1]:
                    last[1], last[2] = end, k
                continue
        merged.append([first, end, k])
    return [(tokens[first].start, tokens[end - 1].end) for first, end, _k in merged]


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


def make_snippets(text: str, marks: Marks, *, width: int = SNIPPET_CHARS, count: int = 1) -> list[Snippet]:
    """Up to `count` passages of `text` for the query, best first, each on one line
    with its highlights and none overlapping another. The first is the passage that
    best shows the match (the beginning of the text when nothing matches); each next
    one is the best among the matches the passages before it leave out."""
    spans = highlight_spans(text, marks)
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


def make_snippet(text: str, marks: Marks, *, width: int = SNIPPET_CHARS) -> Snippet:
    """The best passage of `text` for the query, on one line, with its highlights."""
    return make_snippets(text, marks, width=width)[0]


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
