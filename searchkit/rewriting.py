"""Reading a query as its typist meant it, when its words match nothing or a syllable
of it is in no document: typed in Telex or VNI with the input method off ("coong an
caaps huyeenj" is "công an cấp huyện"), or with a typing mistake ("cong an cap huyn"
is "cong an cap huyen"). `searching` tries the readings in turn; the README's "Typed
as meant" gives the rules for users.

A syllable that decodes under Telex or VNI (see `analysis.input_methods`) is read so
where the decoded syllable is written in the index beside a reading of its neighbour
in the query, or where two or more syllables of the run decode and are in no document
(the run's own evidence), and where the whole reading is the more likely one under the
model of adjacent pairs that restores diacritics (`restore.best_reading`): "bacs six"
is "bác sĩ", though "six" alone is an English word and stays one. A run of one
syllable has no neighbour to tell, and is never read so. The reading is typed with
diacritics, every syllable exact: a syllable typed without keys was typed without
marks ("an" in "coong an" is "an", not "ăn").

A syllable that may be a typing mistake (see `mistyped`) is read as one of the index's
syllables one mistake away, with the tone typed and preferably its other marks, as the
pair model likes best; one typed without diacritics only beside a neighbour the index
has it with, unless it is a long foreign word read as another (see `_corrected`).
Diacritics are never a typing mistake: a syllable whose letters some document has is
left as it is (a wrong tone is what the fallback without diacritics is for). A
correction keeps the run's diacritics: written in a run typed with them, folded in
one typed without.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from searchkit.analysis import fold_diacritics
from searchkit.analysis.input_methods import decode_telex, decode_vni
from searchkit.analysis.normalize import VOWELS, in_case_of, split_tone, syllable_shaped
from searchkit.analysis.segmentation import word_list_syllables
from searchkit.matching import Leaf, QuerySyllable, leaves, retyped
from searchkit.restore import MAX_FORMS, Lookup, best_reading
from searchkit.syntax import Node

_DECODERS: tuple[tuple[str, Callable[[str], str | None]], ...] = (("Telex", decode_telex), ("VNI", decode_vni))


# Written forms offered for a syllable (what it decodes to, or the corrections of a
# mistake) that the index has beside a neighbour, the most frequent first.
_MAX_OFFERED = 24
# Letters from which a foreign word typed without diacritics is corrected without a
# neighbour's say.
_LONG_WORD = 6
# Characters that join a syllable into a name or code ("Avi-O5", "F16").
_CODE_JOINS = frozenset("-0123456789")
# How much more likely a correction is taken to be when the mistake is two letters
# swapped ("olại" is "loại" rather than "lại"): a letter added or left out that
# happens to make an anagram of a word is rare.
_SWAPPED = 10
# How much more likely a correction is taken to be when it keeps the marks typed.
_MARKS_KEPT = 10
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True, slots=True)
class Counts:
    """What the index says of syllables, for reading a query as meant."""

    # The written forms of a folded syllable, with how often each is written.
    forms: Lookup
    # How often the index writes one written syllable right after another.
    together: Callable[[str, str], int]
    # Whether a document has a folded syllable.
    known: Callable[[str], bool]
    # Whether a document has a written syllable.
    written: Callable[[str], bool]
    # How many syllables the index holds.
    total: int

    def count(self, form: str) -> int:
        """How often the written syllable `form` is written."""
        return dict(self.forms(fold_diacritics(form))).get(form, 0)


@dataclass(frozen=True, slots=True)
class Retyped:
    """The query as it was meant (not yet analyzed), and how it was typed ("typed in
    Telex"), when that is the reason it is searched instead (a corrected mistake's
    reason is the syllable no document has)."""

    node: Node
    how: str | None = None


def read_keys(node: Node, counts: Counts) -> Retyped | None:
    """The analyzed query `node` with every run and phrase read as typed in Telex or
    VNI where that reads better in the index; None when no syllable of it does."""
    readings = {leaf: found for leaf in leaves(node, negated=True) if (found := _keys_read(leaf, counts))}
    if not readings:
        return None
    used = {method for _text, methods in readings.values() for method in methods}
    how = "typed in " + " and ".join(method for method, _decode in _DECODERS if method in used)
    return Retyped(retyped(node, lambda leaf: readings[leaf][0] if leaf in readings else leaf.text), how)


def correct_typos(node: Node, counts: Counts) -> Retyped | None:
    """The analyzed query `node` with each syllable that may be a typing mistake (see
    `mistyped`) read as a syllable of the index one mistake away: a letter left out,
    added, swapped with the next or wrong, counted on the letters without diacritics.
    Only where the pair model finds that reading the more likely, and for a syllable
    typed without diacritics where the index has the correction beside a reading of
    its neighbour. None when no syllable is corrected."""
    readings = {leaf: text for leaf in leaves(node, negated=True) if (text := _corrected(leaf, counts))}
    if not readings:
        return None
    return Retyped(retyped(node, lambda leaf: readings.get(leaf, leaf.text)))


def _keys_read(leaf: Leaf, counts: Counts) -> tuple[str, set[str]] | None:
    """A run or phrase read as typed with keys, and the input methods it was read in;
    None when no syllable of it reads so."""
    analysis = leaf.analysis
    if analysis is None or len(analysis.syllables) < 2:
        return None
    syllables = analysis.syllables
    typed = [leaf.text[s.start : s.end] for s in syllables]
    count = counts.count
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
    # Two syllables or more that no document has and that decode are the run's own
    # evidence that it was typed with keys: they need no neighbour in the index.
    evident = {i for i, (mine, decoded) in enumerate(zip(own, keyed, strict=True)) if decoded and not mine[0][1]}
    chosen, changed = _best_with(leaf, own, offered, counts, alone=lambda i, _form: len(evident) > 1 and i in evident)
    if not changed:
        return None
    return _written(leaf, chosen), {keyed[i][chosen[i]] for i in changed}


def _corrected(leaf: Leaf, counts: Counts) -> str | None:
    """A run or phrase with its mistyped syllables corrected; None if none is."""
    analysis = leaf.analysis
    if analysis is None or len(analysis.syllables) < 2:
        return None
    syllables = analysis.syllables
    count = counts.count

    def forms(folded: str) -> list[tuple[str, int]]:
        return sorted(counts.forms(folded), key=lambda fc: (-fc[1], fc[0]))

    # As typed: exact, or any written form of its letters.
    own = [
        [(s.text, count(s.text))] if analysis.exact else forms(s.folded)[:MAX_FORMS] or [(s.folded, 0)]
        for s in syllables
    ]
    offered: list[list[tuple[str, int]]] = []
    for s in syllables:
        if not mistyped(leaf, s, counts):
            offered.append([])
            continue
        candidates = [
            (form, count * (_SWAPPED if sorted(edit) == sorted(s.folded) else 1))
            for edit in _one_edit(s.folded)
            if counts.known(edit)
            for form, count in forms(edit)
        ]
        offered.append(_keeping_marks(s.text, candidates) if analysis.exact else candidates)
    if not any(offered):
        return None

    def alone(i: int, form: str) -> bool:
        """Whether a correction needs no neighbour: that of a syllable typed with
        diacritics (Vietnamese typed on purpose), or, in a run typed with them, a
        foreign word (no diacritics, not shaped like a Vietnamese syllable) for a word
        of six letters or more typed without any ("cheeskcake": cheesecake), that is
        no i/y spelling nor plural of it ("Aciclovir", "allograft" stay). A shorter
        word has too many words one mistake away to pick one without a neighbour
        ("yourt"), and a Vietnamese correction of a word typed without diacritics
        needs one ("Bone" stays)."""
        typed = syllables[i]
        if typed.text != typed.folded:
            return True
        foreign = form == fold_diacritics(form) and not syllable_shaped(form) and len(typed.folded) >= _LONG_WORD
        return analysis.exact and foreign and not _variant_of(typed.folded, form)

    chosen, changed = _best_with(leaf, own, offered, counts, alone=alone)
    if not changed:
        return None
    if not analysis.exact:  # typed without diacritics, the correction is too
        chosen = [
            fold_diacritics(form) if i in changed else s.folded
            for i, (s, form) in enumerate(zip(syllables, chosen, strict=True))
        ]
    return _written(leaf, chosen, only=changed)


def unknown(syllable: QuerySyllable, exact: bool, counts: Counts) -> bool:
    """Whether no document has a syllable of the query: as written in a run typed with
    diacritics, on its letters alone in one typed without."""
    return not (counts.written(syllable.text) if exact else counts.known(syllable.folded))


def mistyped(leaf: Leaf, syllable: QuerySyllable, counts: Counts) -> bool:
    """Whether a syllable of a run may be a typing mistake: made of letters that no
    document has in any spelling (a wrong tone or mark is no typing mistake), no
    syllable of a Vietnamese word (as written in a run typed with diacritics: "dit"
    there is not "đít"), and not part of a name or code: in capitals ("ACC"), or
    joined to a hyphen or a digit ("Avi-O5")."""
    assert leaf.analysis is not None
    typed = leaf.text[syllable.start : syllable.end]
    if not syllable.folded.isascii() or not syllable.folded.isalpha() or counts.known(syllable.folded):
        return False
    if (typed.isupper() and len(typed) > 1) or _CODE_JOINS.intersection(
        leaf.text[max(0, syllable.start - 1) : syllable.start] + leaf.text[syllable.end : syllable.end + 1]
    ):
        return False
    written, folded = word_list_syllables()
    if leaf.analysis.exact:
        return not any(form in written for form in _placements(syllable.text))
    return syllable.folded not in folded


def _placements(syllable: str) -> set[str]:
    """The ways a syllable may be written that the analyzer writes as it: its tone mark
    on any of its vowels ("hòa", "hoà"), and a final i or y either way ("sĩ", "sỹ")."""
    bare, tone = split_tone(syllable)
    bares = {bare}
    if bare[-1:] in ("i", "y"):
        bares.add(bare[:-1] + ("y" if bare[-1] == "i" else "i"))
    found = {syllable}
    for letters in bares:
        if tone is None:
            found.add(letters)
            continue
        for i, ch in enumerate(letters):
            if ch in VOWELS:
                found.add(unicodedata.normalize("NFC", letters[: i + 1] + tone + letters[i + 1 :]))
    return found


def _keeping_marks(typed: str, candidates: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The written forms among `candidates` with the tone `typed` has, when it has any
    diacritic (no tone is a tone then: "đirên" is "điên", not "điện"); those with its
    other marks too (â, ă, ê, ô, ơ, ư, đ) count ten times: a diacritic typed is meant,
    even in a mistyped syllable."""
    tone, marks = _tone_and_marks(typed)
    marked = tone is not None or bool(marks)
    return [
        (form, count * (_MARKS_KEPT if form_marks == marks else 1))
        for form, count in candidates
        for form_tone, form_marks in [_tone_and_marks(form)]
        if not marked or form_tone == tone
    ]


def _tone_and_marks(syllable: str) -> tuple[str | None, tuple[str, ...]]:
    """A syllable's tone mark, and its other marked letters (â, ă, ê, ô, ơ, ư, đ)."""
    bare, tone = split_tone(syllable)
    return tone, tuple(sorted(ch for ch in bare if not ch.isascii()))


def _variant_of(typed: str, word: str) -> bool:
    """Whether `word` is `typed` with an i written y or a y written i, or with an s
    added or left out at the end: a spelling or a plural, not a typing mistake."""
    if typed + "s" == word or word + "s" == typed:
        return True
    return len(typed) == len(word) and all(a == b or {a, b} == {"i", "y"} for a, b in zip(typed, word, strict=True))


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
    leaf: Leaf,
    own: list[list[tuple[str, int]]],
    offered: list[list[tuple[str, int]]],
    counts: Counts,
    *,
    alone: Callable[[int, str], bool],
) -> tuple[list[str], set[int]]:
    """The most likely reading of a run whose syllables may be what they are as typed
    (`own`) or one of the forms `offered` for them, an offered form only where the
    index has it beside a reading of a neighbour (or where `alone` says it needs none); and
    which syllables read as offered."""
    assert leaf.analysis is not None
    syllables = leaf.analysis.syllables
    readings = [[form for form, _ in (*mine, *extra)] for mine, extra in zip(own, offered, strict=True)]

    def beside(i: int, form: str) -> bool:
        before = i > 0 and syllables[i - 1].pos == syllables[i].pos - 1
        after = i + 1 < len(syllables) and syllables[i + 1].pos == syllables[i].pos + 1
        return (before and any(counts.together(other, form) for other in readings[i - 1])) or (
            after and any(counts.together(form, other) for other in readings[i + 1])
        )

    options = [
        [*mine, *sorted(((f, n) for f, n in extra if alone(i, f) or beside(i, f)), key=lambda fc: (-fc[1], fc[0]))][
            : len(mine) + _MAX_OFFERED
        ]
        for i, (mine, extra) in enumerate(zip(own, offered, strict=True))
    ]
    chosen = list(best_reading(options, counts.together, counts.total))
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
