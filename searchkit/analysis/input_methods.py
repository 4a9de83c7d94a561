"""Vietnamese typed with the input method off: Telex and VNI keys read as the marks
they stand for ("coong" → "công", "co6ng" → "công").

Telex: "aa" â, "ee" ê, "oo" ô (the letter doubled), "aw" ă, "ow" ơ, "uw" ư, "uow" ươ,
"w" with no vowel before it ư ("tw" tư), "dd" đ at the start, "ooo" oo ("xooong"
xoong); tone keys "s" sắc, "f"
huyền, "r" hỏi, "x" ngã, "j" nặng, "z" none.
VNI: "6" circumflex (â ê ô), "7" horn (ơ ư, "uo7" ươ), "8" breve (ă), "9" đ; tone keys
"1" sắc, "2" huyền, "3" hỏi, "4" ngã, "5" nặng, "0" none.

A tone key counts after the first vowel (before it "s", "r" and "x" are letters), at
once or at the end of the syllable ("caaps", "casap"); a mark key applies to the
nearest letter before it that takes it ("co6ng", "cong6", "tuongw"). A token decodes
only if every key finds its letter, it has at most one tone key, and what it spells
is shaped like a Vietnamese syllable whose tone fits its ending ("các", never "càc").
A token in capitals with a digit ("A4", "U23", "G7") is a code, never VNI.

Whether a decoded token is what the user meant is not decided here: a query is read
so only when its words match nothing, and when the decoded reading is the more likely
one in the index (see `searching`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from searchkit.analysis.normalize import VOWELS, in_case_of, spelled_syllable

_TELEX_TONES = {"s": "\u0301", "f": "\u0300", "r": "\u0309", "x": "\u0303", "j": "\u0323", "z": ""}
_VNI_TONES = {"1": "\u0301", "2": "\u0300", "3": "\u0309", "4": "\u0303", "5": "\u0323", "0": ""}
_CIRCUMFLEX = {"a": "â", "e": "ê", "o": "ô"}
_HORN = {"o": "ơ", "u": "ư"}
_BREVE = {"a": "ă"}
_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")
_DIGITS = frozenset("0123456789")

# A spelling being decoded: its letters so far (some with their marks), and its tone
# mark ("" for none, None for no tone key yet).
_State = tuple[tuple[str, ...], str | None]


def decode_telex(token: str) -> str | None:
    """The syllable `token` spells in Telex ("huyeenj" → "huyện"), in its case (first
    letter or all capitals); None if it is no Telex spelling of one."""
    decoded = _telex(token.lower()) if _decodable(token, digits=False) else None
    return in_case_of(token, decoded) if decoded is not None else None


def decode_vni(token: str) -> str | None:
    """The syllable `token` spells in VNI ("d9u7o7ng2" → "đường"), in its case; None if
    it is no VNI spelling of one."""
    decoded = _vni(token.lower()) if _decodable(token, digits=True) else None
    return in_case_of(token, decoded) if decoded is not None else None


def _decodable(token: str, *, digits: bool) -> bool:
    lowered = token.lower()
    if not lowered or lowered[0] not in _ASCII_LETTERS:
        return False
    allowed = _ASCII_LETTERS | _DIGITS if digits else _ASCII_LETTERS
    if not set(lowered) <= allowed:
        return False
    if digits:
        has_digit = any(ch in _DIGITS for ch in lowered)
        return has_digit and not (token.upper() == token and len(token) > 1)
    return True


@functools.lru_cache(maxsize=4096)
def _telex(token: str) -> str | None:
    return _decoded(token, _telex_key)


def _telex_key(state: _State, ch: str) -> list[_State]:
    letters, tone = state
    if ch in _TELEX_TONES and _has_vowel(letters):
        return [] if tone is not None else [(letters, _TELEX_TONES[ch])]
    if ch == "w":
        marked = _marked(letters, {**_HORN, **_BREVE}, pair=True)
        if marked:
            return [(spelling, tone) for spelling in marked]
        return [] if _has_vowel(letters) else [((*letters, "ư"), tone)]
    if ch in _CIRCUMFLEX and letters and letters[-1] == ch:
        return [((*letters[:-1], _CIRCUMFLEX[ch]), tone)]
    if ch in _CIRCUMFLEX and letters and letters[-1] == _CIRCUMFLEX[ch]:
        return [((*letters[:-1], ch, ch), tone)]  # the third "o" of "xooong": "xoong"
    if ch == "d" and letters == ("d",):
        return [(("đ",), tone)]
    return [((*letters, ch), tone)]


@functools.lru_cache(maxsize=4096)
def _vni(token: str) -> str | None:
    return _decoded(token, _vni_key)


def _vni_key(state: _State, ch: str) -> list[_State]:
    letters, tone = state
    if ch in _VNI_TONES:
        return [] if tone is not None or not _has_vowel(letters) else [(letters, _VNI_TONES[ch])]
    if ch in "678":
        marks = {"6": _CIRCUMFLEX, "7": _HORN, "8": _BREVE}[ch]
        return [(spelling, tone) for spelling in _marked(letters, marks, pair=ch == "7")]
    if ch == "9":
        return [(("đ", *letters[1:]), tone)] if letters[:1] == ("d",) else []
    if ch in _DIGITS:
        return []
    return [((*letters, ch), tone)]


def _decoded(token: str, key: Callable[[_State, str], list[_State]]) -> str | None:
    """The syllable the keys of `token` spell, each key read by `key` into the ways the
    spelling so far may go on (a "w" after "uo" may mark both or one)."""
    states: list[_State] = [((), None)]
    for ch in token:
        states = [following for state in states for following in key(state, ch)]
    return _spelled(states, used=token)


def _has_vowel(letters: tuple[str, ...]) -> bool:
    return any(ch in VOWELS for ch in letters)


def _marked(letters: tuple[str, ...], marks: dict[str, str], *, pair: bool) -> list[tuple[str, ...]]:
    """Every way a mark key applies to the last vowels before it (any consonants after
    them between): to "uo" together as "ươ" (a horn, when `pair`), or to one of the
    vowels that takes it, the last first."""
    end = len(letters)
    while end and letters[end - 1] not in VOWELS:
        end -= 1
    start = end
    while start and letters[start - 1] in VOWELS:
        start -= 1
    found = []
    if pair:
        for i in range(start, end - 1):
            if letters[i] in "uư" and letters[i + 1] == "o":
                found.append((*letters[:i], "ư", "ơ", *letters[i + 2 :]))
    for i in reversed(range(start, end)):
        if letters[i] in marks:
            found.append((*letters[:i], marks[letters[i]], *letters[i + 1 :]))
    return found


def _spelled(states: list[_State], *, used: str) -> str | None:
    """The first of the spellings that is a Vietnamese syllable, if a key was used."""
    for letters, tone in states:
        bare = "".join(letters)
        if bare == used and tone is None:
            continue  # no key: nothing was decoded
        syllable = spelled_syllable(bare, tone or "")
        if syllable is not None:
            return syllable
    return None
