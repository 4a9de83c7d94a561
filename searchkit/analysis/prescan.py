"""Finding where syllables may be written in a long text without analyzing all of it.

The text is folded one character for one (so offsets in the folded text are offsets
in the text) and searched for the syllables in any spelling; only the stretches
around what is found need analyzing. Snippets use it to mark a long document, and
quoted phrases to check that their syllables stand together in it.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterable, Sequence

from searchkit.analysis.analyzer import analyze


def _prescan_table() -> dict[int, str]:
    """One character for one: each Latin letter to its lower-case base letter without
    diacritics, and y to i (the analyzer writes "sỹ" as "sĩ")."""
    table = {ord(c): c.lower() for c in string.ascii_uppercase + "y"}
    # Latin-1 Supplement, Latin Extended-A and -B, and Latin Extended Additional: no
    # other character decomposes to a Latin letter and marks.
    for code in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        base = unicodedata.normalize("NFD", chr(code))[0]
        if base != chr(code) and base.isascii() and base.isalpha():
            table[code] = base.lower()
    table.update({ord("đ"): "d", ord("Đ"): "d"})
    return {code: "i" if base == "y" else base for code, base in table.items()}


def _prescan_sequence() -> list[str]:
    """The table as a sequence, a character for each code up to the last folded one:
    `str.translate` looks a code up in it about twice as fast as in a dict (codes
    past its end are left as they are)."""
    table = _prescan_table()
    return [table.get(code, chr(code)) for code in range(max(table) + 1)]


_PRESCAN = _prescan_sequence()
# Text that cannot be folded one character for one: combining marks (NFD), and
# zero-width characters (which the analyzer drops from inside words).
_NOT_PRESCANNABLE = re.compile("[\u0300-\u036f\u00ad\u200b-\u200d\u2060\ufeff]")
# Characters analyzed on each side of a possible match: enough to take in the next
# syllable, so that syllables standing together are seen together.
_STRETCH_MARGIN = 40
# Texts shorter than this are analyzed whole.
PRESCAN_FROM = 1000


def hits(text: str, syllables: Iterable[str]) -> list[tuple[int, int, str]] | None:
    """Every place in `text` where one of `syllables` may be written, in any spelling,
    as (start, end, the syllable folded); None when the text is too short to be worth
    it or cannot be pre-scanned."""
    if len(text) < PRESCAN_FROM or _NOT_PRESCANNABLE.search(text):
        return None
    needles = {s.translate(_PRESCAN) for s in syllables}
    needles.discard("")
    if not needles:
        return None
    alternatives = "|".join(re.escape(n) for n in sorted(needles, key=len, reverse=True))
    pattern = rf"(?<!\w)(?:{alternatives})(?!\w)"
    return [(m.start(), m.end(), m.group()) for m in re.finditer(pattern, text.translate(_PRESCAN))]


def widened(text: str, start: int, end: int, margin: int = 0) -> tuple[int, int]:
    """`[start, end)` widened by `margin` characters and then to white space on each
    side, so that no syllable is cut."""
    start, end = max(0, start - margin), min(len(text), end + margin)
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    return start, end


def stretches(text: str, syllables: Iterable[str]) -> list[tuple[int, int]] | None:
    """The stretches of `text` around every place where one of `syllables` (analyzer
    output: NFC, lower case) may be written, in any spelling, cut at white space and
    merged where they overlap; [] if there is none. None when the text is too short
    to be worth it or cannot be pre-scanned: it is to be analyzed whole."""
    found_hits = hits(text, syllables)
    if found_hits is None:
        return None
    found: list[tuple[int, int]] = []
    for hit_start, hit_end, _needle in found_hits:
        start, end = widened(text, hit_start, hit_end, _STRETCH_MARGIN)
        if found and start <= found[-1][1]:
            found[-1] = (found[-1][0], max(end, found[-1][1]))
        else:
            found.append((start, end))
    return found


def _phrase_places(text: str, syllables: Sequence[str]) -> list[tuple[int, int]] | None:
    """The stretches of `text` where `syllables` may stand together: each place where
    they are written one after the other in any spelling, with only white space or
    punctuation between, widened to white space; [] when there is none. None when the
    text is to be analyzed whole (as for `stretches`). A phrase of common syllables
    ("ngân sách nhà nước") is analyzed where it may be, not around every "nhà"."""
    if len(text) < PRESCAN_FROM or _NOT_PRESCANNABLE.search(text):
        return None
    needles = [s.translate(_PRESCAN) for s in syllables]
    if not all(needles):
        return None
    pattern = r"(?<!\w)" + r"\W+".join(re.escape(needle) for needle in needles) + r"(?!\w)"
    found: list[tuple[int, int]] = []
    for match in re.finditer(pattern, text.translate(_PRESCAN)):
        start, end = widened(text, match.start(), match.end())
        if found and start <= found[-1][1]:
            found[-1] = (found[-1][0], max(end, found[-1][1]))
        else:
            found.append((start, end))
    return found


def has_phrase(text: str, syllables: Sequence[str], *, exact: bool = False) -> bool:
    """Whether `syllables` stand in `text` together and in order, with no punctuation
    between them: as the analyzer writes them (lower case, canonical spelling) when
    `exact`, else folded ("cong", "an") and in any spelling."""
    if not syllables:
        return False
    wanted, length = list(syllables), len(syllables)
    found = _phrase_places(text, wanted)
    for start, end in [(0, len(text))] if found is None else found:
        analysis = analyze(text[start:end], words=False)
        texts, positions = (analysis.syllable_texts if exact else analysis.folded_texts), analysis.positions
        for i in range(len(texts) - length + 1):
            if (
                texts[i] == wanted[0]
                and texts[i : i + length] == wanted
                and positions[i + length - 1] - positions[i] == length - 1
            ):
                return True
    return False
