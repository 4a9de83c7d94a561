"""Putting diacritics back on a query typed without them, from the index's own words.

"cong an cap huyen" could be many things; in a corpus about the police it is almost
surely "công an cấp huyện". The index keeps, for every word pyvi found, its folded
form next to the form written ("cong_an|công_an"), with how often it was written that
way. The query is cut into words so that the written forms together are the most
likely (a unigram word model, searched by dynamic programming); longer words are
preferred because one frequent two-syllable word says more than two loose syllables.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

# A word is at most this many syllables long when looking it up.
MAX_WORD_SYLLABLES = 4
# The log-probability given to a syllable nothing in the index explains: it stays as
# typed. Low enough that any known reading wins, so unknown names stay untouched.
_UNKNOWN_LOG_PROB = -30.0

# Looks up a folded word ("cong_an") and returns its written forms with counts.
Lookup = Callable[[str], Sequence[tuple[str, int]]]

# How much less a syllable explained only as part of longer words counts than a word.
_SYLLABLE_PENALTY = math.log(1000)


@dataclass(frozen=True, slots=True)
class Restoration:
    """The query with diacritics put back, syllable by syllable, and how many of the
    syllables the index could explain."""

    syllables: tuple[str, ...]
    known: int

    @property
    def text(self) -> str:
        return " ".join(self.syllables)


def variant_term(written: str, folded: str) -> str:
    """The term that records one written form of a folded word ("cong_an|công_an") or
    of two adjacent folded syllables ("hieu nang|hiệu năng")."""
    return f"{folded}|{written}"


def syllable_variant_term(written: str, folded: str) -> str:
    """The term that records one written form of a folded syllable, wherever it stands
    (also inside longer words): the fallback when no word explains a syllable."""
    return f"~{folded}|{written}"


def split_variant_term(term: str) -> tuple[str, str]:
    """(folded, written) of a term made by `variant_term`."""
    folded, _, written = term.partition("|")
    return folded, written


def restore_diacritics(
    folded: Sequence[str], lookup: Lookup, total: int, syllable_lookup: Lookup | None = None
) -> Restoration:
    """The most likely written form of a sequence of folded, lower-case syllables.

    `lookup` gives the written forms of a folded word (syllables joined by "_") with
    their counts in the index; `total` is the number of words in the index.
    `syllable_lookup` gives the written forms of a single syllable wherever it
    appears; it is used, with a penalty, for syllables no word explains.
    """
    n = len(folded)
    if n == 0 or total <= 0:
        return Restoration(tuple(folded), 0)
    log_total = math.log(total)
    # best[j]: (score, syllables, known) of the best reading of folded[:j]
    best: list[tuple[float, tuple[str, ...], int]] = [(0.0, (), 0)] + [(-math.inf, (), 0)] * n
    for j in range(1, n + 1):
        for i in range(max(0, j - MAX_WORD_SYLLABLES), j):
            score_before, syllables_before, known_before = best[i]
            if score_before == -math.inf:
                continue
            candidates = lookup("_".join(folded[i:j]))
            penalty = 0.0
            if not candidates and j - i == 1 and syllable_lookup is not None:
                candidates = syllable_lookup(folded[i])
                penalty = _SYLLABLE_PENALTY
            if candidates:
                written, count = max(candidates, key=lambda c: (c[1], c[0]))
                score = score_before + math.log(count) - log_total - penalty
                reading = tuple(written.split("_"))
                if len(reading) != j - i:
                    continue
                candidate = (score, syllables_before + reading, known_before + (j - i))
            elif j - i == 1:
                candidate = (score_before + _UNKNOWN_LOG_PROB, (*syllables_before, folded[i]), known_before)
            else:
                continue
            if candidate[0] > best[j][0]:
                best[j] = candidate
    _, syllables, known = best[n]
    return Restoration(syllables, known)
