"""Reading a query whose words match nothing as its typist meant it: typed in Telex or
VNI with the input method off ("coong an caaps huyeenj" is "công an cấp huyện"), or
with a typing mistake ("cong an cap huyn" is "cong an cap huyen").

A syllable that decodes under Telex or VNI (see `analysis.input_methods`) is read so
only where the decoded syllable is written in the index beside a reading of its
neighbour in the query, and where the whole reading is the more likely one under the
model of adjacent pairs that restores diacritics (`restore.best_reading`): "bacs six"
is "bác sĩ", though "six" alone is an English word and stays one. A query of one
syllable has no neighbour to tell, and is never read so.

The reading is a query typed with diacritics, every syllable exact: a syllable typed
without keys was typed without marks ("an" in "coong an" is "an", not "ăn").

A syllable in no document (on its letters without diacritics) and no syllable of a
Vietnamese word (pyvi's word list knows some 7,000: "gì" missing from a small corpus is
still a word) is read as one of the index's syllables one typing mistake away, on the
same terms: beside its neighbour in
the index, and the most likely reading. Diacritics are never a typing mistake: a
syllable whose letters some document has is left as it is (a wrong tone is what the
fallback without diacritics is for). A correction keeps the run's diacritics: written
in a run typed with them, folded in one typed without.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from searchkit.analysis import fold_diacritics
from searchkit.analysis.input_methods import decode_telex, decode_vni
from searchkit.analysis.segmentation import word_list_syllables
from searchkit.matching import Leaf, in_case_of, retyped
from searchkit.restore import Lookup, best_reading
from searchkit.syntax import Node

_DECODERS: tuple[tuple[str, Callable[[str], str | None]], ...] = (("Telex", decode_telex), ("VNI", decode_vni))


# Written forms of a syllable in no document that a typing mistake may stand for.
_MAX_CORRECTIONS = 24
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True, slots=True)
class Retyped:
    """The query as it was meant (not yet analyzed), and how it was typed ("typed in
    Telex"), when that is the reason it is searched instead."""

    node: Node
    how: str | None = None


def read_keys(node: Node, lookup: Lookup, total: int) -> Retyped | None:
    """The analyzed query `node` with every run and phrase read as typed in Telex or
    VNI where that reads better in the index (`lookup` and `total` as for
    `restore.best_reading`); None when no syllable of it does."""
    used: set[str] = set()

    def text_of(leaf: Leaf) -> str:
        reading = _keys_read(leaf, lookup, total)
        if reading is None:
            return leaf.text
        text, methods = reading
        used.update(methods)
        return text

    rewritten = retyped(node, text_of)
    if not used:
        return None
    return Retyped(rewritten, "typed in " + " and ".join(method for method, _decode in _DECODERS if method in used))


def correct_typos(node: Node, lookup: Lookup, known: Callable[[str], bool], total: int) -> Retyped | None:
    """The analyzed query `node` with each syllable that no document has (`known` tells,
    of a folded syllable) read as a syllable of the index within one typing mistake of
    it: a letter left out, added, swapped with the next or wrong, counted on the letters
    without diacritics. Only where the index has the correction beside a reading of
    its neighbour, and where the pair model finds that reading the more likely. None
    when no syllable is corrected."""
    corrected = False

    def text_of(leaf: Leaf) -> str:
        nonlocal corrected
        text = _corrected(leaf, lookup, known, total)
        if text is None:
            return leaf.text
        corrected = True
        return text

    rewritten = retyped(node, text_of)
    return Retyped(rewritten) if corrected else None


def _count_in(lookup: Lookup) -> Callable[[str], int]:
    def count(form: str) -> int:
        return dict(lookup(fold_diacritics(form))).get(form, 0)

    return count


def _keys_read(leaf: Leaf, lookup: Lookup, total: int) -> tuple[str, set[str]] | None:
    """A run or phrase read as typed with keys, and the input methods it was read in;
    None when no syllable of it reads so."""
    analysis = leaf.analysis
    if analysis is None or len(analysis.syllables) < 2:
        return None
    syllables = analysis.syllables
    typed = [leaf.text[s.start : s.end] for s in syllables]
    count = _count_in(lookup)
    # What each syllable may be: as typed (without keys it was typed without marks,
    # and means that spelling), or what it decodes to where the index has that.
    keyed: list[dict[str, str]] = []
    for word in typed:
        decoded: dict[str, str] = {}
        for method, decode in _DECODERS:
            form = decode(word)
            if form is not None and count(form := form.lower()):
                decoded.setdefault(form, method)
        keyed.append(decoded)
    if not any(keyed):
        return None
    own = [[(s.text, count(s.text))] for s in syllables]
    offered = [[(form, count(form)) for form in decoded] for decoded in keyed]
    chosen, changed = _best_with(leaf, own, offered, lookup, total)
    if not changed:
        return None
    return _written(leaf, chosen), {keyed[i][chosen[i]] for i in changed}


def _corrected(leaf: Leaf, lookup: Lookup, known: Callable[[str], bool], total: int) -> str | None:
    """A run or phrase with its syllables in no document corrected; None if none is."""
    analysis = leaf.analysis
    if analysis is None or len(analysis.syllables) < 2:
        return None
    syllables = analysis.syllables
    count = _count_in(lookup)

    def forms(folded: str) -> list[tuple[str, int]]:
        return sorted(lookup(folded), key=lambda fc: (-fc[1], fc[0]))

    own = [
        [(s.text, count(s.text))] if analysis.exact else (forms(s.folded)[:12] or [(s.folded, 0)]) for s in syllables
    ]
    offered: list[list[tuple[str, int]]] = []
    words = word_list_syllables()
    for s in syllables:
        if not s.folded.isascii() or not s.folded.isalpha() or known(s.folded) or s.folded in words:
            offered.append([])
            continue
        candidates = [written for edit in _one_edit(s.folded) if known(edit) for written in forms(edit)]
        offered.append(sorted(candidates, key=lambda fc: (-fc[1], fc[0]))[:_MAX_CORRECTIONS])
    if not any(offered):
        return None
    chosen, changed = _best_with(leaf, own, offered, lookup, total)
    if not changed:
        return None
    if not analysis.exact:  # typed without diacritics, the correction is too
        chosen = [
            fold_diacritics(form) if i in changed else s.folded
            for i, (s, form) in enumerate(zip(syllables, chosen, strict=True))
        ]
    return _written(leaf, chosen, only=changed)


def _one_edit(word: str) -> set[str]:
    """Every string one typing mistake away from `word`."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return (
        {a + b[1:] for a, b in splits if b}
        | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
        | {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
        | {a + c + b for a, b in splits for c in _LETTERS}
    ) - {word}


def _best_with(
    leaf: Leaf, own: list[list[tuple[str, int]]], offered: list[list[tuple[str, int]]], lookup: Lookup, total: int
) -> tuple[list[str], set[int]]:
    """The most likely reading of a run whose syllables may be what they are as typed
    (`own`) or one of the forms `offered` for them, an offered form only where the
    index has it beside a reading of a neighbour; and which syllables read as offered."""
    assert leaf.analysis is not None
    syllables = leaf.analysis.syllables
    readings = [[form for form, _ in (*mine, *extra)] for mine, extra in zip(own, offered, strict=True)]
    pairs: dict[str, dict[str, int]] = {}

    def written_together(left: str, right: str) -> bool:
        key = f"{fold_diacritics(left)} {fold_diacritics(right)}"
        if key not in pairs:
            pairs[key] = dict(lookup(key))
        return pairs[key].get(f"{left} {right}", 0) > 0

    def beside(i: int, form: str) -> bool:
        before = i > 0 and syllables[i - 1].pos == syllables[i].pos - 1
        after = i + 1 < len(syllables) and syllables[i + 1].pos == syllables[i].pos + 1
        return (before and any(written_together(other, form) for other in readings[i - 1])) or (
            after and any(written_together(form, other) for other in readings[i + 1])
        )

    options = [
        [*mine, *((form, n) for form, n in extra if beside(i, form))]
        for i, (mine, extra) in enumerate(zip(own, offered, strict=True))
    ]
    chosen = list(best_reading(options, lookup, total))
    mine_forms = [{form for form, _ in mine} for mine in own]
    return chosen, {i for i, form in enumerate(chosen) if form not in mine_forms[i]}


def _written(leaf: Leaf, chosen: list[str], only: set[int] | None = None) -> str:
    """The text of a run or phrase with its syllables written as `chosen` (those of
    `only`, when given), each in the case it was typed in."""
    assert leaf.analysis is not None
    pieces, cursor = [], 0
    for i, syllable in enumerate(leaf.analysis.syllables):
        if only is None or i in only:
            word = leaf.text[syllable.start : syllable.end]
            pieces += [leaf.text[cursor : syllable.start], in_case_of(word, chosen[i])]
            cursor = syllable.end
    return "".join([*pieces, leaf.text[cursor:]])
