"""Telex and VNI typed with the input method off: every Vietnamese syllable, typed the
usual ways, decodes back to itself; codes, English words' apostrophes and plain
syllables decode to nothing. The typing is made by the plain encoders of
`reference`, not by the decoder's rules."""

from __future__ import annotations

import unicodedata

import pytest
from conftest import CORPUS
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import typed_in_telex, typed_in_vni

from searchkit.analysis import analyze
from searchkit.analysis.input_methods import decode_telex, decode_vni
from searchkit.analysis.normalize import _CODAS, _CONSONANT_ONSETS, _NUCLEI, TONE_MARKS, spelled_syllable


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("coong", "công"),
        ("caaps", "cấp"),
        ("huyeenj", "huyện"),
        ("dduwowngf", "đường"),
        ("nguwowif", "người"),
        ("nguoiwf", "người"),  # the w after the vowels, the tone at the end
        ("tw", "tư"),
        ("bacs", "bác"),
        ("six", "sĩ"),
        ("hoawcj", "hoặc"),
        ("muaw", "mưa"),
        ("thuowr", "thuở"),  # uơ: "ươ" never ends a syllable
        ("xooong", "xoong"),
        ("Haf", "Hà"),
        ("COONG", "CÔNG"),
    ],
)
def test_telex(typed: str, meant: str) -> None:
    assert decode_telex(typed) == meant


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("co6ng", "công"), ("d9u7o7ng2", "đường"), ("duong972", "đường"), ("cong6", "công"), ("Ca6p1", "Cấp")],
)
def test_vni(typed: str, meant: str) -> None:
    assert decode_vni(typed) == meant


@pytest.mark.parametrize(
    "token",
    # Plain syllables, codes, and what no key can make a syllable of.
    ["cong", "an", "huyn", "A4", "U23", "G7", "F0", "5G", "10:30", "TP.HCM", "don't", "catf", "ss", "qwerty", "ddd"],
)
def test_what_decodes_to_nothing(token: str) -> None:
    assert decode_telex(token) is None
    assert decode_vni(token) is None


def _syllables() -> list[str]:
    """Every Vietnamese syllable: each onset, vowel and ending with each tone, where
    the ending takes the tone and the vowel may end there."""
    found = set()
    for onset in ["", *_CONSONANT_ONSETS]:
        for nucleus in _NUCLEI:
            for coda in _CODAS:
                for tone in ["", *TONE_MARKS]:
                    syllable = spelled_syllable(onset + nucleus + coda, tone)
                    if syllable is not None:
                        found.add(syllable)
    return sorted(found)


SYLLABLES = _syllables()


def _marked(syllable: str) -> bool:
    return unicodedata.normalize("NFD", syllable) != syllable or "đ" in syllable or "oo" in syllable


def test_there_are_thousands_of_syllables() -> None:
    assert len(SYLLABLES) > 10_000
    assert {"công", "đường", "người", "thuở", "quyết", "giữ"} <= set(SYLLABLES)


@settings(max_examples=1500, deadline=None)
@given(st.sampled_from(SYLLABLES), st.booleans(), st.booleans(), st.booleans())
def test_every_syllable_typed_in_telex_decodes_to_itself(
    syllable: str, tone_at_end: bool, shorthand: bool, capital: bool
) -> None:
    typed, marked = typed_in_telex(syllable, tone_at_end=tone_at_end, shorthand=shorthand), _marked(syllable)
    if capital:
        typed, syllable = typed.capitalize(), syllable.capitalize()
    assert decode_telex(typed) == (syllable if marked else None)


@settings(max_examples=1500, deadline=None)
@given(st.sampled_from(SYLLABLES), st.booleans(), st.booleans(), st.booleans())
def test_every_syllable_typed_in_vni_decodes_to_itself(
    syllable: str, tone_at_end: bool, marks_at_end: bool, capital: bool
) -> None:
    typed = typed_in_vni(syllable, tone_at_end=tone_at_end, marks_at_end=marks_at_end)
    if capital:
        typed, syllable = typed.capitalize(), syllable.capitalize()
    has_keys = any(ch.isdigit() for ch in typed)
    # A capital letter and digits ("E3", "A4") is a code: one letter capitalized is one.
    code = typed.upper() == typed
    assert decode_vni(typed) == (syllable if has_keys and not code else None)


def test_every_corpus_syllable_typed_either_way_decodes_to_itself() -> None:
    corpus = {
        token.text
        for path in sorted(CORPUS.glob("*.txt"))
        for token in analyze(path.read_text(encoding="utf-8"), words=False).syllables
    }
    vietnamese = sorted(corpus & set(SYLLABLES))
    assert len(vietnamese) > 500
    wrong = []
    for syllable in vietnamese:
        typings = []
        if _marked(syllable):
            typings += [
                (decode_telex, typed_in_telex(syllable)),
                (decode_telex, typed_in_telex(syllable, tone_at_end=True, shorthand=True)),
            ]
        if _marked(syllable) and "oo" not in syllable:
            typings += [
                (decode_vni, typed_in_vni(syllable)),
                (decode_vni, typed_in_vni(syllable, tone_at_end=True, marks_at_end=True)),
            ]
        wrong += [(syllable, typed, decode(typed)) for decode, typed in typings if decode(typed) != syllable]
    assert wrong == []
