"""Vietnamese typed in the legacy font encodings, TCVN3 and VNI, read back as Unicode.

Before Unicode, Vietnamese was written in fonts that drew Vietnamese letters at the
places of Western ones: in TCVN3 (ABC; fonts ".VnTime", ".VnArial", ".VnTimeH", ...) each
letter with its marks is one byte, in VNI ("VNI-Times", "VNI-Helve", ...) a base letter is
followed by one byte for its marks. Read as Windows-1252, which is what a Word file keeps
and what a text file in them decodes to, "Cộng hoà xã hội" is "Céng hoµ x· héi" in TCVN3
and "Coäng hoøa xaõ hoäi" in VNI.

Text is converted through its bytes: each character is put back to the byte it was read
from, whether the bytes were read as Windows-1252, Latin-1 or Windows-1258 (the
fallback of `searchkit.documents.decode`, which reads some of the same bytes as "ơ", "ư",
"Đ" or combining marks), or a symbol font's private-use U+F0xx. So the conversion must
see the text as decoded, before NFC or any other normalization: NFC would compose a
Windows-1258 reading's combining marks, and `normalize` drops U+00AD, which is TCVN3's "ư".

Whether a text is in one of them is read from its words (see `legacy_encoding`).
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from typing import Literal, cast

from searchkit.analysis.normalize import TONE_MARKS, spelled_syllable

LegacyEncoding = Literal["tcvn3", "vni"]

# The tone marks in the order of the tables' columns: none, sắc, huyền, hỏi, ngã, nặng.
_TONES = ("", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323")

# TCVN3 (TCVN 5712:1993 VN3, "ABC"): each lower-case vowel with each tone, as one byte,
# from unikey's TCVN3 table (fcitx/fcitx5-unikey, unikey/data.cpp, SingleByteTables, in
# the order of its UnicodeTable), checked against lamdao/xvnkb tcvn.h and glibc's iconv
# TCVN5712-1: all three agree on every byte here. After each row, the bytes as
# Windows-1252 shows them (0xAD, "ư", is the invisible soft hyphen). Those signs look like
# others ("¸" like ","), which is the point here:
# ruff: noqa: RUF001, RUF003
_TCVN3_VOWELS = {
    "a": (0x61, 0xB8, 0xB5, 0xB6, 0xB7, 0xB9),  # a ¸ µ ¶ · ¹
    "â": (0xA9, 0xCA, 0xC7, 0xC8, 0xC9, 0xCB),  # © Ê Ç È É Ë
    "ă": (0xA8, 0xBE, 0xBB, 0xBC, 0xBD, 0xC6),  # ¨ ¾ » ¼ ½ Æ
    "e": (0x65, 0xD0, 0xCC, 0xCE, 0xCF, 0xD1),  # e Ð Ì Î Ï Ñ
    "ê": (0xAA, 0xD5, 0xD2, 0xD3, 0xD4, 0xD6),  # ª Õ Ò Ó Ô Ö
    "i": (0x69, 0xDD, 0xD7, 0xD8, 0xDC, 0xDE),  # i Ý × Ø Ü Þ
    "o": (0x6F, 0xE3, 0xDF, 0xE1, 0xE2, 0xE4),  # o ã ß á â ä
    "ô": (0xAB, 0xE8, 0xE5, 0xE6, 0xE7, 0xE9),  # « è å æ ç é
    "ơ": (0xAC, 0xED, 0xEA, 0xEB, 0xEC, 0xEE),  # ¬ í ê ë ì î
    "u": (0x75, 0xF3, 0xEF, 0xF1, 0xF2, 0xF4),  # u ó ï ñ ò ô
    "ư": (0xAD, 0xF8, 0xF5, 0xF6, 0xF7, 0xF9),  # (soft hyphen) ø õ ö ÷ ù
    "y": (0x79, 0xFD, 0xFA, 0xFB, 0xFC, 0xFE),  # y ý ú û ü þ
}
# The only capitals TCVN3 has, and đ. A capital with a tone is written with the lower-case
# byte, in the capitals-only font of the family (".VnTimeH"), which draws every letter as
# a capital. The capitals that TCVN 5712 VN1 adds (at 0x01-0x17, 0x80-0x9F and a few
# places TCVN3 leaves free) are left out: in a TCVN3 font they are not letters, and in
# Windows-1252 0x80-0x9F are the quotes and dashes Word writes itself.
_TCVN3_OTHERS = {"Ă": 0xA1, "Â": 0xA2, "Ê": 0xA3, "Ô": 0xA4, "Ơ": 0xA5, "Ư": 0xA6, "Đ": 0xA7, "đ": 0xAE}

# VNI (VNI-Windows): a lower-case vowel with each tone, as its bytes read as Windows-1252:
# the base letter and the byte of its marks ("aù" á), or one byte for a few ("ó" ĩ). From
# unikey's VNI-WIN table (fcitx/fcitx5-unikey, unikey/data.cpp, DoubleByteTables, whose
# words are base byte + mark byte << 8), checked against lamdao/xvnkb vni.h: the two agree
# on every letter, capitals included. A capital is the same bytes in upper case ("AÙ" Á):
# VNI's mark bytes for capitals are those for small letters less 0x20.
_VNI_VOWELS = {
    "a": ("a", "aù", "aø", "aû", "aõ", "aï"),
    "â": ("aâ", "aá", "aà", "aå", "aã", "aä"),
    "ă": ("aê", "aé", "aè", "aú", "aü", "aë"),
    "e": ("e", "eù", "eø", "eû", "eõ", "eï"),
    "ê": ("eâ", "eá", "eà", "eå", "eã", "eä"),
    "i": ("i", "í", "ì", "æ", "ó", "ò"),
    "o": ("o", "où", "oø", "oû", "oõ", "oï"),
    "ô": ("oâ", "oá", "oà", "oå", "oã", "oä"),
    "ơ": ("ô", "ôù", "ôø", "ôû", "ôõ", "ôï"),
    "u": ("u", "uù", "uø", "uû", "uõ", "uï"),
    "ư": ("ö", "öù", "öø", "öû", "öõ", "öï"),
    "y": ("y", "yù", "yø", "yû", "yõ", "î"),
}
_VNI_OTHERS = {"đ": "ñ", "Đ": "Ñ"}

# A Latin-1 reading has control characters where Windows-1252 has quotes and dashes
# ("\x93" for "“"); the text was written on Windows, so they are given back as those.
_C1_AS_WINDOWS = {b: bytes([b]).decode("cp1252") for b in range(0x80, 0xA0) if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}


def _letter(base: str, column: int) -> str:
    return unicodedata.normalize("NFC", base + _TONES[column])


def _tcvn3_decoding() -> dict[int, str]:
    table = {code: _letter(base, k) for base, codes in _TCVN3_VOWELS.items() for k, code in enumerate(codes)}
    table.update({code: letter for letter, code in _TCVN3_OTHERS.items()})
    return {code: letter for code, letter in table.items() if code >= 0x80}


def _vni_decoding() -> dict[str, str]:
    table: dict[str, str] = {}
    for base, spellings in _VNI_VOWELS.items():
        for k, spelled in enumerate(spellings):
            letter = _letter(base, k)
            table[spelled] = letter
            table[spelled.upper()] = letter.upper()
            if len(spelled) == 2:
                # The mark in the other case than its letter, which careless typing leaves.
                table[spelled[0] + spelled[1].swapcase()] = letter
                table[spelled[0].upper() + spelled[1]] = letter.upper()
    table.update({spelled: letter for letter, spelled in _VNI_OTHERS.items()})
    return {spelled: letter for spelled, letter in table.items() if not spelled.isascii()}


_TCVN3_DECODING = _tcvn3_decoding()
_VNI_DECODING = _vni_decoding()
# Longest first, so that a base letter takes its mark byte.
_VNI_SPELLING = re.compile("|".join(re.escape(s) for s in sorted(_VNI_DECODING, key=len, reverse=True)))


def _byte_readings() -> dict[str, int]:
    """The byte each character that is not Latin-1 stands for in a Windows-1252 or
    Windows-1258 reading ("µ" is its own byte; "€" is 0x80, "ơ" 0xF5 in Windows-1258).
    The two code pages never put one character at two bytes, so one table serves both."""
    readings: dict[str, int] = {}
    for codec in ("cp1252", "cp1258"):
        for byte in range(0x80, 0x100):
            try:
                char = bytes([byte]).decode(codec)
            except UnicodeDecodeError:
                continue
            if ord(char) >= 0x100:
                readings[char] = byte
    return readings


_BYTE_READINGS = _byte_readings()


def _as_bytes(word: str) -> str | None:
    """`word` as the bytes it was read from, one character (U+0000-U+00FF) per byte; None
    if a character of it is no reading of a byte (a real "ộ": the word was written in
    Unicode). A symbol font's text in Word is at U+F000 plus the byte."""
    chars = []
    for char in word:
        code = ord(char)
        if code < 0x100:
            chars.append(char)
        elif char in _BYTE_READINGS:
            chars.append(chr(_BYTE_READINGS[char]))
        elif 0xF000 <= code <= 0xF0FF:
            chars.append(chr(code - 0xF000))
        else:
            return None
    return "".join(chars)


def _decoded(raw: str, word: str, encoding: LegacyEncoding) -> str:
    """The letters the bytes `raw` (one character per byte) of `word` spell in `encoding`;
    a byte that is no letter stays the character it was read as ("“", not 0x93)."""
    if encoding == "tcvn3":
        return "".join(_TCVN3_DECODING.get(ord(byte), char) for byte, char in zip(raw, word, strict=True))
    pieces = []
    end = 0
    for match in _VNI_SPELLING.finditer(raw):
        pieces.append(word[end : match.start()])
        pieces.append(_VNI_DECODING[match.group(0)])
        end = match.end()
    pieces.append(word[end:])
    return "".join(pieces)


@functools.lru_cache(maxsize=65536)
def _converted_word(word: str, encoding: LegacyEncoding) -> str:
    raw = _as_bytes(word)
    return word if raw is None else _decoded(raw, word, encoding)


_WORD = re.compile(r"\S+")


def from_legacy(text: str, encoding: str, *, guess_capitals: bool = False) -> str:
    """`text`, written in the legacy `encoding` ("tcvn3" or "vni") and read as Windows-1252,
    Latin-1 or Windows-1258 (or from a Word file), as NFC Unicode: "Céng hoµ" → "Cộng hoà",
    "Coäng hoøa" → "Cộng hòa". ASCII, digits and punctuation are unchanged; so is a word
    with a character that no byte reads as (a word typed in Unicode among legacy text).

    TCVN3 has no capitals with tones: they come out in lower case ("CéNG" → "CộNG"), as
    the font showed them, unless it was the capitals-only one (".VnTimeH"). When the font
    is not known, `guess_capitals` takes a TCVN3 line whose ASCII letters are all
    capitals (at least two) for one typed in that font, and puts it in capitals:
    "CéNG HOµ" → "CỘNG HOÀ"."""
    if encoding not in ("tcvn3", "vni"):
        raise ValueError(f"not a legacy Vietnamese encoding: {encoding!r}")
    legacy = cast(LegacyEncoding, encoding)
    if text.isascii():
        return text
    text = text.translate(_C1_AS_WINDOWS)
    if guess_capitals and legacy == "tcvn3":
        return "".join(_tcvn3_line(line) for line in text.splitlines(keepends=True))
    converted = _WORD.sub(lambda m: _converted_word(m.group(0), legacy), text)
    return unicodedata.normalize("NFC", converted)


def _tcvn3_line(line: str) -> str:
    converted = from_legacy(line, "tcvn3")
    letters = [ch for ch in line if ch.isascii() and ch.isalpha()]
    in_capitals = len(letters) >= 2 and all(ch.isupper() for ch in letters)
    return converted.upper() if in_capitals and converted != line else converted


# -- Telling legacy text from Unicode ---------------------------------------------------------

# A word for the statistics: a run of characters other than spaces, ASCII punctuation and
# digits, and the typographic punctuation of Windows-1252 ("…", "–", quotes), none of
# which TCVN3 or VNI uses for a letter.
_STAT_WORD = re.compile(r"[^\s!-@\[-`{-~\u0080-\u009f\u2010-\u203a\u00a0]+")
# Characters that only a TCVN3 reading puts inside a word: its letters that Windows-1252
# shows as signs ("x·", "ch©n"), and µ ("hoµ"), a letter no word of any language has.
_FOREIGN_IN_WORDS = frozenset("µ¡¢£¤¥¦§¨©ª«¬\xad®¸¹»¼½¾×÷·")
# Look at this many distinct words at most: enough to decide, and a book costs no more.
_MAX_WORDS = 4000
_MIN_IMPROVED = 2
_MIN_SHARE = 0.8
# The letters a Vietnamese syllable is written with.
_VIETNAMESE_LETTERS = frozenset(
    "abcdefghijklmnopqrstuvwxyzđ" + "".join(_letter(base, k) for base in _TCVN3_VOWELS for k in range(len(_TONES)))
)


@functools.lru_cache(maxsize=65536)
def _is_syllable(word: str) -> bool:
    """Whether `word` (any case, NFC or not) is written like a Vietnamese syllable: letters
    only, one tone mark at most, onset + vowels + ending, a tone its ending takes."""
    lower = unicodedata.normalize("NFC", word).lower()
    if not set(lower) <= _VIETNAMESE_LETTERS:
        return False  # "ñ" is n with a tilde, but no Vietnamese letter
    decomposed = unicodedata.normalize("NFD", lower)
    tones = [ch for ch in decomposed if ch in TONE_MARKS]
    if len(tones) > 1:
        return False
    bare = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in TONE_MARKS))
    return spelled_syllable(bare, tones[0] if tones else "") is not None


def _cased(word: str) -> bool:
    """Whether `word` is in one of the cases a writer uses: lower, capitalized or capitals.
    A legacy reading often is not: "ViÖt", "nghÜa" (Ö and Ü are ệ and ĩ)."""
    return word.islower() or word.isupper() or (word[:1].isupper() and (word[1:].islower() or not word[1:]))


def _evidence(text: str, encoding: LegacyEncoding) -> tuple[int, int, bool]:
    """For the distinct words of `text` that converting from `encoding` changes: how many
    become Vietnamese syllables that were not (improved), how many are no syllable after
    (failed), and whether an improved one had what only a legacy reading has in a word."""
    improved = failed = 0
    telling = False
    seen: set[str] = set()
    for match in _STAT_WORD.finditer(text):
        word = match.group(0)
        if word.isascii() or word in seen:
            continue
        seen.add(word)
        if len(seen) > _MAX_WORDS:
            break
        converted = _converted_word(word, encoding)
        if converted == word or len(converted) < 2:
            continue
        before = _cased(word) and _is_syllable(word)
        after = _is_syllable(converted)
        if after and not before:
            improved += 1
            telling = telling or not _cased(word) or any(ch in _FOREIGN_IN_WORDS for ch in word)
        elif not after:
            failed += 1
    return improved, failed, telling


# Vietnamese letters with a tone and a vowel mark, or a tone Latin-1 lacks ("ộ", "ả"), which
# no byte of a legacy reading gives; Unicode Vietnamese has one every few words.
_UNICODE_VIETNAMESE = re.compile("[\u1ea0-\u1ef9]")
# A text with at least this many of them in its start is Unicode: the word statistics
# (about 1 ms an article, half the time indexing takes) are not worked out.
_UNICODE_EVIDENCE = 20
_SAMPLED_CHARS = 4000


def _is_unicode_vietnamese(text: str) -> bool:
    found = _UNICODE_VIETNAMESE.finditer(text, 0, _SAMPLED_CHARS)
    return sum(1 for _ in itertools.islice(found, _UNICODE_EVIDENCE)) == _UNICODE_EVIDENCE


def legacy_encoding(text: str) -> LegacyEncoding | None:
    """The legacy encoding `text` is Vietnamese in, read as Unicode (see `from_legacy`):
    "tcvn3" or "vni"; None if it is in none of them.

    Decided by its words: converting legacy text turns words that are no Vietnamese
    syllable ("hoµ", "ViÖt", "xaõ") into ones that are, and leaves hardly any word that is
    none; converting Unicode Vietnamese turns syllables into non-syllables ("tác" → "tỏc")
    and never a non-syllable into one, and French, German or Spanish words stay no
    syllables ("élève" → "ộlốve"). An encoding is chosen when at least 2 distinct words
    improve, they are at least 80% of the changed words that are no syllable after (words
    that were and stay syllables, "mét" → "một", count for nothing), it improves more
    words than the other encoding, and, with only 2 words, one of them has what only a
    legacy reading has (a TCVN3 sign in a word, a capital after a small letter).
    """
    if text.isascii() or _is_unicode_vietnamese(text):
        return None
    best: LegacyEncoding | None = None
    best_improved = 0
    encodings: tuple[LegacyEncoding, ...] = ("tcvn3", "vni")
    for encoding in encodings:
        improved, failed, telling = _evidence(text, encoding)
        if improved < _MIN_IMPROVED or improved < _MIN_SHARE * (improved + failed):
            continue
        if improved == _MIN_IMPROVED and not telling:
            continue
        if improved > best_improved:
            best, best_improved = encoding, improved
        elif improved == best_improved:
            best = None  # as good either way: no reading is the likely one
    return best


def convert_legacy(text: str) -> tuple[str, LegacyEncoding | None]:
    """`text` in Unicode if it is legacy Vietnamese (see `legacy_encoding`), with the
    encoding it was converted from; else `text` unchanged and None. Its font is not
    known, so TCVN3 capitals are guessed (see `from_legacy`). Call it on text as decoded
    (`searchkit.documents.decode`), before any normalization."""
    encoding = legacy_encoding(text)
    if encoding is None:
        return text, None
    return from_legacy(text, encoding, guess_capitals=True), encoding


def reads_better_converted(text: str, encoding: LegacyEncoding) -> bool:
    """Whether converting `text` from `encoding` makes more of its words Vietnamese
    syllables than it leaves none: for a short text in a file known to be in `encoding`
    (a Word file's title), which may have been typed in Unicode all the same."""
    improved, failed, _ = _evidence(text, encoding)
    return improved > failed


def font_encoding(font: str) -> LegacyEncoding | None:
    """The legacy encoding a font's name says its text is in: "tcvn3" for the ABC fonts
    (".VnTime", ".VnArialH", ...), "vni" for VNI's ("VNI-Times", "VNI-Helve"); None for
    any other font."""
    name = font.strip()
    if name[:3].lower() == ".vn":
        return "tcvn3"
    if name[:4].lower() == "vni-":
        return "vni"
    return None


def capitals_font(font: str) -> bool:
    """Whether a TCVN3 font is the capitals-only one of its family, whose name ends in H
    (".VnTimeH", ".VnArialH"): its small letters are drawn as capitals."""
    name = font.strip()
    return font_encoding(name) == "tcvn3" and len(name) > 4 and name.endswith("H")
