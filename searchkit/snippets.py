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
from searchkit.analysis.prescan import hits, stretches, widened
from searchkit.matching import Marks

SNIPPET_CHARS = 240
# With fewer pre-scanned places than this, the text is marked whole: it is quick.
_MANY_HITS = 24
# Characters analyzed on each side of a candidate passage's first and last hit.
_MARGIN = 40
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


def _candidates(text: str, marks: Marks, width: int, count: int) -> list[tuple[int, int]] | None:
    """The few stretches of `text` where the pre-scan finds the most distinct syllables
    of the query within `width` characters: a long query's common words ("của", "và")
    are all over a text, and the passages shown are taken among these. None when the
    text is short or cannot be pre-scanned: then it is marked whole."""
    found = hits(text, {syllable for word in marks.words for syllable in word.syllables})
    if found is None or len(found) < _MANY_HITS:
        return None
    chosen: list[tuple[int, int]] = []
    left = found
    for _ in range(count + 1):
        if not left:
            break
        lo, hi = _densest(left, width)
        start, end = widened(text, left[lo][0], left[hi][1], _MARGIN)
        if chosen and start <= chosen[-1][1]:
            chosen[-1] = (chosen[-1][0], max(end, chosen[-1][1]))
        else:
            chosen.append((start, end))
        left = [hit for hit in left if hit[1] <= start or hit[0] >= end]
    chosen.sort()
    merged: list[tuple[int, int]] = []
    for start, end in chosen:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _densest(found: list[tuple[int, int, str]], width: int) -> tuple[int, int]:
    """The first and last of the pre-scan's hits in the stretch of at most `width`
    characters with the most distinct syllables (then the most hits)."""
    best, best_range = (-1, 0), (0, 0)
    lo = 0
    # How many times each syllable is found in the stretch from lo to hi.
    inside: dict[str, int] = {}
    for hi, (_start, hi_end, syllable) in enumerate(found):
        inside[syllable] = inside.get(syllable, 0) + 1
        while hi_end - found[lo][0] > width and lo < hi:
            left = found[lo][2]
            inside[left] -= 1
            if not inside[left]:
                del inside[left]
            lo += 1
        key = (len(inside), hi - lo)
        if key > best:
            best, best_range = key, (lo, hi)
    return best_range


def make_snippets(text: str, marks: Marks, *, width: int = SNIPPET_CHARS, count: int = 1) -> list[Snippet]:
    """Up to `count` passages of `text` for the query, best first, each on one line
    with its highlights and none overlapping another. The first is the passage that
    best shows the match (the beginning of the text when nothing matches); each next
    one is the best among the matches the passages before it leave out."""
    # The stretches analyzed, and the highlights in them; a passage stays within the
    # stretch of its highlights, so that no query word shows unmarked at its edge.
    bounds = _candidates(text, marks, width, count)
    spans = (
        [
            span
            for start, end in bounds
            for span in _spans(_shifted(analyze(text[start:end], words=False).syllables, start), marks)
        ]
        if bounds
        else []
    )
    if not spans:
        # Nothing pre-scanned, or only other spellings in the candidates: all of it.
        bounds, spans = [(0, len(text))], highlight_spans(text, marks)
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
        first = next((s for s, e in left if s >= start and e <= end), start)
        low, high = next((b for b in bounds if b[0] <= first < b[1]), (0, len(text)))
        start, end = max(start, low), min(end, high)
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
