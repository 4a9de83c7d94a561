"""Spelling normalization for Vietnamese: one canonical form for every way a word is written.

Everything here works on single syllables or on whole texts without moving character
offsets that matter: `nfc_with_offsets` keeps a map back to the original text, and the
syllable rewrites change a token's text, never its span.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata

# Zero-width and invisible formatting characters that editors and web pages leave
# inside words ("tọa\u00adđàm"); they must not split or change a syllable. The
# zero-width space is the exception: pages put it where a line may break, between
# syllables ("công\u200ban"), so it separates them as a space does (see
# `nfc_with_offsets`).
ZERO_WIDTH = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff")
ZERO_WIDTH_SPACE = "\u200b"

_ZERO_WIDTH_RE = re.compile("[" + "".join(sorted(ZERO_WIDTH)) + "]")

# The five tone marks as combining characters: grave, acute, tilde, hook above, dot below.
TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")

# Vowel letters after removing tone marks (circumflex, breve and horn stay).
VOWELS = frozenset("aăâeêioôơuưyAĂÂEÊIOÔƠUƯY")
_MARKED_VOWELS = frozenset("ăâêôơưĂÂÊÔƠƯ")
_CONSONANT_ONSETS = frozenset("b c ch d đ g gh gi h k kh l m n ng ngh nh p ph q qu r s t th tr v x".split())
_LETTERS = re.compile(r"[^\W\d_]+")


def nfc_with_offsets(text: str) -> tuple[str, list[int], list[int]]:
    """Return `text` in NFC without zero-width characters, and for each character of
    the result the start and end of the original characters it came from.

    Zero-width characters are dropped first, but for the zero-width space, which
    becomes a space unless a combining mark follows it (a mark after it still belongs
    to the letter before), then the text is composed one cluster at a time: a character
    and whatever composes with it. So a span of the result always maps to whole
    clusters of the original, and `text[starts[i]:ends[j - 1]]` is what was written
    for the result's `[i:j]`.
    """
    if text.isascii() or (unicodedata.is_normalized("NFC", text) and not _ZERO_WIDTH_RE.search(text)):
        return text, list(range(len(text))), list(range(1, len(text) + 1))
    kept = [
        (i, " " if ch == ZERO_WIDTH_SPACE else ch)
        for i, ch in enumerate(text)
        if ch not in ZERO_WIDTH or (ch == ZERO_WIDTH_SPACE and not unicodedata.combining(text[i + 1 : i + 2] or " "))
    ]
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    normalize, combining = unicodedata.normalize, unicodedata.combining
    k, n = 0, len(kept)
    while k < n:
        cluster = kept[k][1]
        composed = normalize("NFC", cluster)
        m = k + 1
        while m < n:
            longer = cluster + kept[m][1]
            composed_longer = normalize("NFC", longer)
            # A mark belongs to the cluster; so does a letter that composes with it
            # (Hangul jamo as macOS writes them).
            if not combining(kept[m][1]) and len(composed_longer) > len(composed):
                break
            cluster, composed = longer, composed_longer
            m += 1
        start, end = kept[k][0], kept[m - 1][0] + 1
        for ch in composed:
            out.append(ch)
            starts.append(start)
            ends.append(end)
        k = m
    return "".join(out), starts, ends


def split_tone(syllable: str) -> tuple[str, str | None]:
    """Split an NFC syllable into its letters without tone mark and the tone mark."""
    decomposed = unicodedata.normalize("NFD", syllable)
    tone = None
    kept = []
    for ch in decomposed:
        if ch in TONE_MARKS:
            tone = ch
        else:
            kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept)), tone


# Vietnamese vowel groups (without tone marks) and final consonants: a word whose
# rhyme is not one of these ("Díaz", "ríos", "où") is not Vietnamese and keeps its marks.
_NUCLEI = frozenset(
    "a ă â e ê i o ô ơ u ư y "
    "ai ao au ay âu ây eo êu ia iê iu oa oă oe oi oo ôi ơi ua uâ uê ui uô uơ uy ưa ưi ươ ưu yê "
    "iêu oai oao oay oeo uây uôi uya uyê uyu ươi ươu yêu".split()
)
_CODAS = frozenset(["", "c", "ch", "m", "n", "ng", "nh", "p", "t"])


def _vowel_span(bare: str) -> tuple[int, int] | None:
    """Where the vowel nucleus of a tone-less syllable starts and ends, or None if the
    syllable does not have the shape onset + vowels + coda."""
    lower = bare.lower()
    start = 0
    while start < len(lower) and lower[start] not in VOWELS:
        start += 1
    if start == len(lower):
        return None
    # "qu" and "gi" are onsets: the u of "quý" and the i of "giữ" are not vowels
    # of the nucleus, unless nothing else follows ("gì" has the vowel i).
    if start == 1 and lower[:2] in ("qu", "gi") and start + 1 < len(lower) and lower[start + 1] in VOWELS:
        start += 1
    end = start
    while end < len(lower) and lower[end] in VOWELS:
        end += 1
    if lower[:start] and lower[:start] not in _CONSONANT_ONSETS:
        return None
    if lower[start:end] not in _NUCLEI or lower[end:] not in _CODAS:
        return None
    return start, end


def _tone_position(bare: str, start: int, end: int) -> int:
    """Index of the vowel that carries the tone mark, in the traditional placement
    ("hòa", "thủy", "tọa"), which is what most Vietnamese news text uses."""
    nucleus = bare[start:end]
    marked = [k for k, ch in enumerate(nucleus) if ch in _MARKED_VOWELS]
    if marked:
        # In "ươ" the mark goes on ơ: the last of the marked vowels.
        return start + marked[-1]
    if len(nucleus) == 1:
        return start
    if len(nucleus) == 2:
        has_coda = end < len(bare)
        return start + (1 if has_coda else 0)
    return start + 1


def normalize_tone_marks(syllable: str) -> str:
    """Put the tone mark of an NFC syllable on the vowel where the traditional spelling
    puts it, so that "hoà"/"hòa", "uỷ"/"ủy" and "toạ"/"tọa" become one form.
    Anything that is not shaped like a Vietnamese syllable is returned unchanged."""
    if syllable.isascii():
        return syllable
    bare, tone = split_tone(syllable)
    if tone is None:
        return syllable
    span = _vowel_span(bare)
    if span is None:
        return syllable
    at = _tone_position(bare, *span)
    placed = bare[: at + 1] + tone + bare[at + 1 :]
    return unicodedata.normalize("NFC", placed)


# Endings that take only the sắc or the nặng tone ("các", "cạc"; never "càc").
_STOP_CODAS = frozenset(["c", "ch", "p", "t"])
_STOP_TONES = frozenset("\u0301\u0323")
# Vowels that never end a syllable: "iê", "yê", "uô" and "ươ" are followed by a consonant
# or by i, u ("tiên", "người").
_CLOSED_NUCLEI = frozenset(["iê", "yê", "uô", "ươ"])
# And "uơ" only ends one ("thuở", "huơ").
_OPEN_NUCLEI = frozenset(["uơ"])


def syllable_shaped(letters: str) -> bool:
    """Whether lower-case letters without a tone ("bong", "chip") have the shape of a
    Vietnamese syllable: onset, vowels, ending ("sushi", "cherry" do not)."""
    return _vowel_span(letters) is not None


def spelled_syllable(bare: str, tone: str) -> str | None:
    """The syllable of the tone-less letters `bare` (NFC, lower case: "huyên") with the
    tone mark `tone` (a combining mark; "" for none), in canonical spelling ("huyện");
    None if `bare` is not shaped like a Vietnamese syllable, or if its ending cannot
    take that tone (c, ch, p and t take only sắc and nặng)."""
    span = _vowel_span(bare)
    if span is None:
        return None
    start, end = span
    if bare[:start] == "q":  # q is written only as qu
        return None
    if bare[end:] in _STOP_CODAS and tone not in _STOP_TONES:
        return None
    if bare[start:end] in (_OPEN_NUCLEI if bare[end:] else _CLOSED_NUCLEI):
        return None
    if not tone:
        return normalize_syllable(bare)
    at = _tone_position(bare, start, end)
    return normalize_syllable(unicodedata.normalize("NFC", bare[: at + 1] + tone + bare[at + 1 :]))


_IY_SYLLABLE = re.compile(
    r"^(b|c|ch|d|đ|g|gh|h|k|kh|l|m|n|ng|nh|p|ph|r|s|t|th|tr|v|x)([iy])$",
    re.IGNORECASE,
)
_QU_I = re.compile(r"^(qu)(i)$", re.IGNORECASE)


def normalize_i_y(syllable: str) -> str:
    """Write the final i/y of an open syllable the one way: "sỹ"→"sĩ", "kỹ"→"kĩ",
    "lý"→"lí", and "quí"→"quý" (after qu the y spelling is the standard one).
    Syllables where i and y are different words ("ý", "ỉ") or part of a longer
    vowel ("tuy", "thủy") are left alone."""
    if syllable.isascii() and len(syllable) > 3:
        return syllable
    bare, tone = split_tone(syllable)
    match = _IY_SYLLABLE.match(bare)
    if match:
        vowel = "I" if match.group(2).isupper() else "i"
    else:
        match = _QU_I.match(bare)
        if not match:
            return syllable
        vowel = "Y" if match.group(2).isupper() else "y"
    rewritten = match.group(1) + vowel + (tone or "")
    return unicodedata.normalize("NFC", rewritten)


@functools.lru_cache(maxsize=65536)
def normalize_syllable(syllable: str) -> str:
    """The canonical spelling of one NFC syllable, case kept: tone placement, then i/y."""
    return normalize_i_y(normalize_tone_marks(syllable))


def normalize_spelling(text: str) -> str:
    """Rewrite every syllable of an NFC text to its canonical spelling, case kept."""
    return _LETTERS.sub(lambda m: normalize_syllable(m.group(0)), text)


def in_case_of(typed: str, written: str) -> str:
    """`written` in the case `typed` has ("Ha" → "Hà", "COONG" → "CÔNG"): pyvi's model
    reads case, and a query read otherwise is shown as it was typed."""
    if typed.isupper() and len(typed) > 1:
        return written.upper()
    if typed[:1].isupper():
        return written[:1].upper() + written[1:]
    return written


_FOLD_TABLE = str.maketrans({"đ": "d", "Đ": "D"})


@functools.lru_cache(maxsize=65536)
def fold_diacritics(text: str) -> str:
    """Remove every diacritic: "Đường" → "Duong". Used for the accent-free view,
    so that people who type without diacritics still find what they mean."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text.translate(_FOLD_TABLE))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def has_diacritics(text: str) -> bool:
    """Whether folding would change `text`, i.e. the writer typed Vietnamese marks."""
    return fold_diacritics(text) != text


# What each letter of a folded syllable may have been written as.
_WRITTEN_LETTERS = {"a": "aăâ", "e": "eê", "o": "oôơ", "u": "uư", "d": "dđ"}


# The longest Vietnamese syllable: "nghiêng", "nghiệng".
MAX_SYLLABLE_LETTERS = 7
# A Vietnamese syllable has one run of at most three vowels ("khuya", "người", "quyết").
_SYLLABLE_SHAPE = re.compile(r"[^aeiouy]*[aeiouy]{1,3}[^aeiouy]*")


@functools.lru_cache(maxsize=8192)
def spellings(folded: str) -> tuple[str, ...]:
    """Every canonical spelling that folds to the lower-case syllable `folded` ("cong":
    cong, còng, công, cộng, cồng, cổng, ...; some are not Vietnamese words), so that the
    written forms of a syllable typed without diacritics can be looked up by name.
    A string that cannot be a Vietnamese syllable (longer than "nghieng", or with
    other than one run of one to three vowels) has no other spelling; trying them all
    would take time exponential in its length."""
    if len(folded) > MAX_SYLLABLE_LETTERS or not _SYLLABLE_SHAPE.fullmatch(folded):
        return (folded,)
    options = [_WRITTEN_LETTERS.get(ch, ch) for ch in folded]
    bases = {"".join(letters) for letters in itertools.product(*options)}
    out: set[str] = set()
    for base in bases:
        out.add(normalize_syllable(base))
        vowels = [i for i, ch in enumerate(base) if ch in VOWELS]
        for i in vowels:
            for mark in TONE_MARKS:
                written = unicodedata.normalize("NFC", base[: i + 1] + mark + base[i + 1 :])
                out.add(normalize_syllable(written))
    return tuple(sorted(s for s in out if fold_diacritics(s) == folded))
