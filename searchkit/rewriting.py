"""Reading a query whose words match nothing as its typist meant it: typed in Telex or
VNI with the input method off ("coong an caaps huyeenj" is "công an cấp huyện").

A syllable that decodes under Telex or VNI (see `analysis.input_methods`) is read so
only where the decoded syllable is written in the index beside a reading of its
neighbour in the query, and where the whole reading is the more likely one under the
model of adjacent pairs that restores diacritics (`restore.best_reading`): "bacs six"
is "bác sĩ", though "six" alone is an English word and stays one. A query of one
syllable has no neighbour to tell, and is never read so.

The reading is a query typed with diacritics, every syllable exact: a syllable typed
without keys was typed without marks ("an" in "coong an" is "an", not "ăn").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from searchkit.analysis import fold_diacritics
from searchkit.analysis.input_methods import decode_telex, decode_vni
from searchkit.matching import Leaf, in_case_of, retyped
from searchkit.restore import Lookup, best_reading
from searchkit.syntax import Node

_DECODERS: tuple[tuple[str, Callable[[str], str | None]], ...] = (("Telex", decode_telex), ("VNI", decode_vni))


@dataclass(frozen=True, slots=True)
class Retyped:
    """The query as it was meant (not yet analyzed), and the input methods it was read in."""

    node: Node
    methods: tuple[str, ...]

    @property
    def reason(self) -> str:
        return "typed in " + " and ".join(self.methods)


def read_keys(node: Node, lookup: Lookup, total: int) -> Retyped | None:
    """The analyzed query `node` with every run and phrase read as typed in Telex or
    VNI where that reads better in the index (`lookup` and `total` as for
    `restore.best_reading`); None when no syllable of it does."""
    used: set[str] = set()

    def text_of(leaf: Leaf) -> str:
        reading = _leaf_reading(leaf, lookup, total)
        if reading is None:
            return leaf.text
        text, methods = reading
        used.update(methods)
        return text

    rewritten = retyped(node, text_of)
    if not used:
        return None
    return Retyped(rewritten, tuple(method for method, _decode in _DECODERS if method in used))


def _leaf_reading(leaf: Leaf, lookup: Lookup, total: int) -> tuple[str, set[str]] | None:
    """A run or phrase read as typed with keys, and the input methods it was read in;
    None when no syllable of it reads so."""
    analysis = leaf.analysis
    if analysis is None or len(analysis.syllables) < 2:
        return None
    syllables = analysis.syllables
    typed = [leaf.text[s.start : s.end] for s in syllables]

    def count(form: str) -> int:
        return dict(lookup(fold_diacritics(form))).get(form, 0)

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
    readings = [[s.text, *decoded] for s, decoded in zip(syllables, keyed, strict=True)]
    pairs: dict[str, dict[str, int]] = {}

    def written_together(left: str, right: str) -> bool:
        key = f"{fold_diacritics(left)} {fold_diacritics(right)}"
        if key not in pairs:
            pairs[key] = dict(lookup(key))
        return pairs[key].get(f"{left} {right}", 0) > 0

    def beside(i: int, form: str) -> bool:
        """Whether the index has `form` next to a reading of a neighbour of syllable i."""
        before = i > 0 and syllables[i - 1].pos == syllables[i].pos - 1
        after = i + 1 < len(syllables) and syllables[i + 1].pos == syllables[i].pos + 1
        return (before and any(written_together(other, form) for other in readings[i - 1])) or (
            after and any(written_together(form, other) for other in readings[i + 1])
        )

    options = [
        [(s.text, count(s.text)), *((form, count(form)) for form in decoded if beside(i, form))]
        for i, (s, decoded) in enumerate(zip(syllables, keyed, strict=True))
    ]
    chosen = best_reading(options, lookup, total)
    methods = {keyed[i][form] for i, form in enumerate(chosen) if form in keyed[i]}
    if not methods:
        return None
    pieces, cursor = [], 0
    for syllable, word, form in zip(syllables, typed, chosen, strict=True):
        pieces += [leaf.text[cursor : syllable.start], in_case_of(word, form)]
        cursor = syllable.end
    return "".join([*pieces, leaf.text[cursor:]]), methods
