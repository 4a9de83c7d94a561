"""Analyzer tests: spelling normalization, offsets and the three indexed views, on real
Vietnamese sentences from the demo corpus, with property tests for the offset promises."""

from __future__ import annotations

import itertools
import re
import unicodedata

import pytest
from conftest import CORPUS, corpus_file
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from searchkit.analysis import (
    Token,
    analyze,
    fold_diacritics,
    get_segmenter,
    nfc_with_offsets,
    normalize_i_y,
    normalize_spelling,
    normalize_syllable,
    normalize_tone_marks,
)
from searchkit.analysis.segmentation import SYLLABLE_RE

# Removed by the analyzer wherever they are; the zero-width space separates syllables.
ZERO_WIDTH = ("\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad")
_ZW_RE = re.compile("[" + "".join(ZERO_WIDTH) + "\u200b]")

# Chiều 21-3, ... from the "Hà Nội tọa đàm" article.
CHIEU = "Chiều 21-3, Công an thành phố (CATP) Hà Nội đã tổ chức tọa đàm"
DANG_UY = "Đảng ủy, Ban Giám đốc CATP ghi nhận sự quyết tâm"
LIEN_HIEP = "Hội Liên hiệp Phụ nữ Việt Nam TP. Hà Nội, các đồng chí lãnh đạo"
TAI_TOA_DAM = "Tại tọa đàm, các cán bộ Đoàn Công an cấp cơ sở bày tỏ băn khoăn"


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def strip_zero_width(text: str) -> str:
    return _ZW_RE.sub("", text)


def triples(tokens: list[Token]) -> list[tuple[str, int, int]]:
    return [(t.text, t.start, t.end) for t in tokens]


def texts(tokens: list[Token]) -> list[str]:
    return [t.text for t in tokens]


def spans_in_order(text: str, pieces: list[tuple[str, str]]) -> list[tuple[str, int, int]]:
    """`(term, start, end)` for each `(term, surface)`, finding the surfaces in `text`
    left to right, so that expected offsets come from the original string itself."""
    out = []
    at = 0
    for term, surface in pieces:
        start = text.index(surface, at)
        out.append((term, start, start + len(surface)))
        at = start + len(surface)
    return out


def adjacent(tokens: list[Token], first: str, second: str) -> bool:
    """Whether `second` directly follows `first` by position, i.e. a phrase query
    "first second" could match."""
    return any(a.text == first and b.text == second and b.pos == a.pos + 1 for a, b in itertools.pairwise(tokens))


def test_corpus_sentences_used_here_are_real() -> None:
    hanoi = corpus_file("ha-noi-toa-dam").read_text(encoding="utf-8")
    assert CHIEU in hanoi
    assert DANG_UY in hanoi
    assert LIEN_HIEP in hanoi
    assert TAI_TOA_DAM in corpus_file("tien-phong").read_text(encoding="utf-8")


# --- normalize_tone_marks -------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "traditional"),
    [("hoà", "hòa"), ("uỷ", "ủy"), ("toạ", "tọa"), ("thuỷ", "thủy"), ("khoẻ", "khỏe"), ("hoá", "hóa"), ("loè", "lòe")],
)
def test_open_syllable_oa_oe_uy_takes_the_mark_on_the_first_vowel(written: str, traditional: str) -> None:
    """Without a final consonant, the traditional ("old") style puts the mark on the
    first vowel of oa/oe/uy: "hòa", "khỏe", "thủy" — the new style writes "hoà"."""
    assert normalize_tone_marks(written) == traditional


@pytest.mark.parametrize(
    ("written", "expected"),
    [("hoàng", "hoàng"), ("toán", "toán"), ("hòang", "hoàng"), ("tóan", "toán"), ("hùynh", "huỳnh"), ("Đòan", "Đoàn")],
)
def test_with_a_final_consonant_the_mark_is_on_the_second_vowel(written: str, expected: str) -> None:
    """Both styles agree once there is a coda: "hoàng", "toán", "Đoàn"."""
    assert normalize_tone_marks(written) == expected


@pytest.mark.parametrize(
    "syllable", ["người", "giường", "tuyển", "Nguyễn", "thuở", "hươu", "cứu", "tuổi", "quyết", "biển", "ngoằn"]
)
def test_a_vowel_with_a_quality_mark_carries_the_tone_and_stays_unchanged(syllable: str) -> None:
    """ư ơ ô ê â ă carry the tone; in "ươ" it is the ơ ("người")."""
    assert normalize_tone_marks(syllable) == syllable


@pytest.mark.parametrize(("written", "expected"), [("ngừơi", "người"), ("tùyên", "tuyền"), ("Ngũyên", "Nguyễn")])
def test_a_misplaced_mark_moves_to_the_marked_vowel(written: str, expected: str) -> None:
    assert normalize_tone_marks(written) == expected


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("quý", "quý"),
        ("qúy", "quý"),
        ("quà", "quà"),
        ("qùa", "quà"),
        ("già", "già"),
        ("gìa", "già"),
        ("giữ", "giữ"),
        ("gì", "gì"),
        ("quốc", "quốc"),
    ],
)
def test_qu_and_gi_are_onsets_so_their_u_and_i_never_carry_the_mark(written: str, expected: str) -> None:
    """In "quà" and "già" the u/i belong to the onset, so the mark goes on the a; in
    "gì" the i is the only vowel and keeps it."""
    assert normalize_tone_marks(written) == expected


@pytest.mark.parametrize(
    ("written", "expected"),
    [("HOÀ", "HÒA"), ("Hoà", "Hòa"), ("THUỶ", "THỦY"), ("KHOẺ", "KHỎE"), ("NGUYỄN", "NGUYỄN"), ("QÙA", "QUÀ")],
)
def test_tone_normalization_keeps_upper_case(written: str, expected: str) -> None:
    assert normalize_tone_marks(written) == expected


@pytest.mark.parametrize(
    "text", ["café", "résumé", "Pokémon", "naïve", "José", "Québec", "crème", "hello", "COVID", "2021", "ά", "", "-"]
)
def test_non_vietnamese_words_are_unchanged(text: str) -> None:
    assert normalize_tone_marks(text) == text


@pytest.mark.parametrize("text", ["Díaz", "ríos", "días", "où"])
def test_words_whose_rhyme_is_not_vietnamese_are_unchanged(text: str) -> None:
    """Vietnamese syllables end in a vowel or in c, ch, m, n, ng, nh, p, t, and "ou" is
    no Vietnamese rhyme; a Spanish name like "Díaz" must not become "Diáz"."""
    assert normalize_tone_marks(text) == text


@pytest.mark.parametrize("syllable", ["hoà", "hòa", "thuỷ", "khoẻ", "người", "quý", "qùa", "gìa", "Díaz", "HOÀ"])
def test_tone_normalization_is_idempotent(syllable: str) -> None:
    once = normalize_tone_marks(syllable)
    assert normalize_tone_marks(once) == once


# --- normalize_i_y ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"), [("sỹ", "sĩ"), ("kỹ", "kĩ"), ("lý", "lí"), ("Mỹ", "Mĩ"), ("ly", "li")]
)
def test_final_y_after_a_consonant_is_written_i(written: str, expected: str) -> None:
    """ "sỹ"/"sĩ", "kỹ"/"kĩ", "lý"/"lí" are the same syllable written two ways."""
    assert normalize_i_y(written) == expected


@pytest.mark.parametrize(("written", "expected"), [("quí", "quý"), ("qui", "quy"), ("quý", "quý")])
def test_final_i_after_qu_is_written_y(written: str, expected: str) -> None:
    assert normalize_i_y(written) == expected


@pytest.mark.parametrize("syllable", ["ý", "ỉ", "y", "i", "tuy", "thủy", "yêu", "sĩ", "kĩ", "gì", "khuya", "tuyển"])
def test_i_y_is_left_alone_where_it_is_not_an_open_final_after_a_consonant(syllable: str) -> None:
    """ "ý" (idea) and "ỉ" are whole words; in "tuy", "thủy", "yêu" the y is part of a
    longer vowel and cannot be written i."""
    assert normalize_i_y(syllable) == syllable


@pytest.mark.parametrize(
    ("written", "expected"), [("SỸ", "SĨ"), ("Sỹ", "Sĩ"), ("LÝ", "LÍ"), ("QUÍ", "QUÝ"), ("Quí", "Quý")]
)
def test_i_y_normalization_keeps_case(written: str, expected: str) -> None:
    assert normalize_i_y(written) == expected


def test_normalize_spelling_rewrites_every_syllable_of_a_text() -> None:
    assert normalize_spelling("Đảng uỷ, chiến sỹ hoà bình") == "Đảng ủy, chiến sĩ hòa bình"


# --- fold_diacritics --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Đường", "Duong"),
        ("công an cấp huyện", "cong an cap huyen"),
        ("ĐẢNG ỦY", "DANG UY"),
        ("Nguyễn Ngọc Quyền", "Nguyen Ngoc Quyen"),
        ("đoàn viên, hội viên", "doan vien, hoi vien"),
        ("2.500", "2.500"),
    ],
)
def test_fold_removes_tone_marks_vowel_marks_and_the_d_stroke(text: str, folded: str) -> None:
    assert fold_diacritics(text) == folded
    assert fold_diacritics(nfd(text)) == folded


# --- nfc_with_offsets -------------------------------------------------------------------


def test_nfc_with_offsets_composes_nfd_vietnamese_and_maps_each_letter_back() -> None:
    original = nfd(CHIEU)
    clean, starts, ends = nfc_with_offsets(original)
    assert clean == CHIEU
    assert len(starts) == len(ends) == len(clean)
    for i, ch in enumerate(clean):
        assert nfc(original[starts[i] : ends[i]]) == ch
    # "ề" is e + circumflex + grave in NFD: one letter of the result, three of the original.
    at = CHIEU.index("ề")
    assert ends[at] - starts[at] == 3


@pytest.mark.parametrize("zero_width", ZERO_WIDTH)
def test_nfc_with_offsets_drops_every_zero_width_character(zero_width: str) -> None:
    original = f"Hà N{zero_width}ội{zero_width} {zero_width}Nguy{zero_width}ễn"
    clean, starts, ends = nfc_with_offsets(original)
    assert clean == "Hà Nội Nguyễn"
    for i, ch in enumerate(clean):
        assert strip_zero_width(nfc(original[starts[i] : ends[i]])) == ch
    assert original[starts[clean.index("ộ")]] == "ộ"


def test_a_zero_width_space_separates_syllables_as_a_space_does() -> None:
    # Pages put U+200B where a line may break: between syllables, so between words too.
    original = "Công\u200ban cấp\u200bhuyện"
    assert texts(analyze(original).syllables) == ["công", "an", "cấp", "huyện"]
    assert texts(analyze(original).words) == texts(analyze("Công an cấp huyện").words)
    assert [(t.start, t.end) for t in analyze(original).syllables] == [(0, 4), (5, 7), (8, 11), (12, 17)]


def test_nfc_with_offsets_of_ascii_is_the_identity() -> None:
    clean, starts, ends = nfc_with_offsets("CATP 21-3")
    assert clean == "CATP 21-3"
    assert starts == list(range(9))
    assert ends == list(range(1, 10))


@pytest.mark.parametrize(
    "original",
    [
        pytest.param("Hà No\u200b\u0302\u0323i", id="nfd-noi-zero-width-between-o-and-its-marks"),
        pytest.param("điện trở 10 \u2126, nhiệt độ 300 \u212a", id="ohm-and-kelvin-signs"),
        pytest.param("\u1112\u1161\u11ab\u1102\u1169\u110b\u1175", id="nfd-korean-hanoi"),
    ],
)
def test_nfc_with_offsets_result_is_nfc_without_zero_width_characters(original: str) -> None:
    """The first case is NFD "Hà Nội" with a zero-width space between the o and its
    marks: once the invisible character is gone, o + circumflex + dot below is "ộ".
    The others are characters NFC replaces on their own (Ω, K) and NFD Korean
    (as macOS writes file names), which NFC composes from jamo."""
    clean, _, _ = nfc_with_offsets(original)
    assert clean == nfc(strip_zero_width(original))


def test_zero_width_character_before_combining_marks_does_not_split_the_syllable() -> None:
    original = "Hà No\u200b\u0302\u0323i"
    assert texts(analyze(original).syllables) == ["hà", "nội"]


# --- analyze: exact spans on corpus sentences -------------------------------------------


def test_words_view_of_a_corpus_sentence() -> None:
    assert triples(analyze(CHIEU).words) == [
        ("chiều", 0, 5),
        ("21", 6, 8),
        ("3", 9, 10),
        ("công_an", 12, 19),
        ("thành_phố", 20, 29),
        ("catp", 31, 35),
        ("hà_nội", 37, 43),
        ("đã", 44, 46),
        ("tổ_chức", 47, 54),
        ("tọa_đàm", 55, 62),
    ]
    surfaces = [CHIEU[t.start : t.end] for t in analyze(CHIEU).words]
    assert surfaces == ["Chiều", "21", "3", "Công an", "thành phố", "CATP", "Hà Nội", "đã", "tổ chức", "tọa đàm"]


def test_syllable_and_folded_views_of_a_corpus_sentence() -> None:
    analysis = analyze(CHIEU)
    assert triples(analysis.syllables) == [
        ("chiều", 0, 5),
        ("21", 6, 8),
        ("3", 9, 10),
        ("công", 12, 16),
        ("an", 17, 19),
        ("thành", 20, 25),
        ("phố", 26, 29),
        ("catp", 31, 35),
        ("hà", 37, 39),
        ("nội", 40, 43),
        ("đã", 44, 46),
        ("tổ", 47, 49),
        ("chức", 50, 54),
        ("tọa", 55, 58),
        ("đàm", 59, 62),
    ]
    for tok in analysis.syllables:
        assert tok.text == CHIEU[tok.start : tok.end].lower()
    assert texts(analysis.folded) == "chieu 21 3 cong an thanh pho catp ha noi da to chuc toa dam".split()
    assert [(t.start, t.end) for t in analysis.folded] == [(t.start, t.end) for t in analysis.syllables]


def test_abbreviation_full_stop_is_not_part_of_the_term_or_its_span() -> None:
    """pyvi keeps "TP." (thành phố) together; the term is "tp" and the highlight covers
    "TP" only, as for "Tp." in "Tp. Hồ Chí Minh"."""
    expected = spans_in_order(
        LIEN_HIEP,
        [
            ("hội", "Hội"),
            ("liên_hiệp", "Liên hiệp"),
            ("phụ_nữ", "Phụ nữ"),
            ("việt_nam", "Việt Nam"),
            ("tp", "TP"),
            ("hà_nội", "Hà Nội"),
            ("các", "các"),
            ("đồng_chí", "đồng chí"),
            ("lãnh_đạo", "lãnh đạo"),
        ],
    )
    assert triples(analyze(LIEN_HIEP).words) == expected
    syllables = analyze(LIEN_HIEP).syllables
    tp = next(t for t in syllables if t.text == "tp")
    assert LIEN_HIEP[tp.start : tp.end] == "TP"
    assert LIEN_HIEP[tp.end] == "."
    text = "Tp. Hồ Chí Minh"
    assert triples(analyze(text).syllables)[0] == ("tp", 0, 2)


def test_sentence_final_abbreviation_like_word_loses_its_full_stop() -> None:
    text = "các tổ chức đoàn thể trong CATP."
    last = analyze(text).syllables[-1]
    assert (last.text, text[last.start : last.end]) == ("catp", "CATP")


def test_punctuation_is_never_a_token() -> None:
    text = corpus_file("ha-noi-toa-dam").read_text(encoding="utf-8")
    analysis = analyze(text)
    for view in (analysis.words, analysis.syllables, analysis.folded):
        for tok in view:
            assert any(ch.isalnum() for ch in tok.text), tok
            assert text[tok.start].isalnum() and text[tok.end - 1].isalnum(), tok
    assert texts(analyze("(CATP)").syllables) == ["catp"]
    assert triples(analyze("“Tỉnh toàn diện; xã vững mạnh”").syllables)[0] == ("tỉnh", 1, 5)
    assert analyze("… \u2013 “” ; : ( ) , . ? !").syllables == []


def test_nfd_input_offsets_point_into_the_nfd_text() -> None:
    original = nfd(CHIEU)
    assert len(original) > len(CHIEU)
    nfd_analysis = analyze(original)
    nfc_analysis = analyze(CHIEU)
    for nfd_view, nfc_view in [
        (nfd_analysis.words, nfc_analysis.words),
        (nfd_analysis.syllables, nfc_analysis.syllables),
        (nfd_analysis.folded, nfc_analysis.folded),
    ]:
        assert texts(nfd_view) == texts(nfc_view)
        for a, b in zip(nfd_view, nfc_view, strict=True):
            assert nfc(original[a.start : a.end]) == CHIEU[b.start : b.end]
    assert nfd_analysis.words[-1].end == len(original)
    word = next(t for t in nfd_analysis.words if t.text == "công_an")
    assert (word.start, word.end) == (
        original.index(nfd("Công an")),
        original.index(nfd("Công an")) + len(nfd("Công an")),
    )


def test_old_and_new_tone_placement_give_the_same_terms() -> None:
    new = "Phát biểu khai mạc buổi tọa đàm, thời kỳ công nghiệp hóa và hiện đại hóa, Đảng ủy"
    old = "Phát biểu khai mạc buổi toạ đàm, thời kỳ công nghiệp hoá và hiện đại hoá, Đảng uỷ"
    assert analyze(new) == analyze(old)
    assert texts(analyze("Toạ đàm").words) == texts(analyze("tọa đàm").words) == ["tọa_đàm"]
    assert texts(analyze("Toạ đàm").syllables) == ["tọa", "đàm"]


def test_i_y_variants_give_the_same_terms() -> None:
    sy = "toàn thể cán bộ chiến sỹ Công an Thủ đô"
    si = "toàn thể cán bộ chiến sĩ Công an Thủ đô"
    assert sy in corpus_file("ha-noi-toa-dam").read_text(encoding="utf-8")
    assert analyze(sy) == analyze(si)
    word = next(t for t in analyze(sy).words if t.text == "chiến_sĩ")
    assert sy[word.start : word.end] == "chiến sỹ"


def test_upper_case_gives_the_same_terms() -> None:
    assert texts(analyze("CÔNG AN").words) == texts(analyze("công an").words) == ["công_an"]
    assert texts(analyze("CÔNG AN").syllables) == ["công", "an"]
    upper = CHIEU.upper()
    assert texts(analyze(upper).syllables) == texts(analyze(CHIEU).syllables)
    assert texts(analyze(upper).folded) == texts(analyze(CHIEU).folded)
    assert [(t.start, t.end) for t in analyze(upper).syllables] == [(t.start, t.end) for t in analyze(CHIEU).syllables]


@pytest.mark.parametrize("zero_width", ZERO_WIDTH)
def test_zero_width_character_inside_a_word_changes_neither_terms_nor_word_span(zero_width: str) -> None:
    original = f"Đại tá Nguy{zero_width}ễn Ngọc Quyền, Công an Hà N{zero_width}ội"
    plain = strip_zero_width(original)
    assert texts(analyze(original).syllables) == texts(analyze(plain).syllables)
    assert texts(analyze(original).words) == texts(analyze(plain).words)
    noi = next(t for t in analyze(original).syllables if t.text == "nội")
    assert original[noi.start : noi.end] == f"N{zero_width}ội"
    hanoi = next(t for t in analyze(original).words if t.text == "hà_nội")
    assert original[hanoi.start : hanoi.end] == f"Hà N{zero_width}ội"


def test_word_span_covers_the_whole_word_as_written() -> None:
    """The corpus sentence with the new-style "uỷ": the term is canonical, the span is
    what was written."""
    original = DANG_UY.replace("ủy", "uỷ")
    assert original != DANG_UY
    words = analyze(original).words
    assert triples(words) == spans_in_order(
        original,
        [
            ("đảng_ủy", "Đảng uỷ"),
            ("ban", "Ban"),
            ("giám_đốc", "Giám đốc"),
            ("catp", "CATP"),
            ("ghi_nhận", "ghi nhận"),
            ("sự", "sự"),
            ("quyết_tâm", "quyết tâm"),
        ],
    )


# --- positions ----------------------------------------------------------------------------


def test_syllables_of_a_phrase_have_consecutive_positions() -> None:
    analysis = analyze(CHIEU)
    assert adjacent(analysis.syllables, "công", "an")
    assert adjacent(analysis.syllables, "tổ", "chức")
    assert adjacent(analysis.folded, "toa", "dam")
    assert adjacent(analysis.words, "công_an", "thành_phố")
    assert adjacent(analysis.words, "tổ_chức", "tọa_đàm")


def test_phrases_do_not_run_across_punctuation() -> None:
    text = "Phát biểu khai mạc buổi tọa đàm, Đại tá Nguyễn Ngọc Quyền - Phó Giám đốc CATP Hà Nội nhấn mạnh: “Đây là"
    analysis = analyze(text)
    assert adjacent(analysis.syllables, "tọa", "đàm")
    assert not adjacent(analysis.syllables, "đàm", "đại")
    assert not adjacent(analysis.syllables, "quyền", "phó")
    assert not adjacent(analysis.syllables, "mạnh", "đây")
    assert not adjacent(analysis.folded, "dam", "dai")
    assert not adjacent(analysis.words, "tọa_đàm", "đại_tá")
    assert not adjacent(analysis.words, "nhấn_mạnh", "đây")
    chieu = analyze(CHIEU)
    assert not adjacent(chieu.syllables, "21", "3")
    assert not adjacent(chieu.syllables, "3", "công")
    assert not adjacent(chieu.syllables, "phố", "catp")
    assert not adjacent(chieu.syllables, "catp", "hà")
    assert not adjacent(chieu.words, "thành_phố", "catp")
    assert not adjacent(chieu.words, "catp", "hà_nội")


def test_phrases_do_not_run_across_line_ends() -> None:
    text = "giữ ngọn lửa\nnhiệt huyết\n\nhoàn thành"
    analysis = analyze(text)
    assert adjacent(analysis.syllables, "ngọn", "lửa")
    assert not adjacent(analysis.syllables, "lửa", "nhiệt")
    assert not adjacent(analysis.syllables, "huyết", "hoàn")
    assert not adjacent(analysis.words, "lửa", "nhiệt_huyết")
    assert not adjacent(analysis.words, "nhiệt_huyết", "hoàn_thành")
    for view in (analysis.words, analysis.syllables, analysis.folded):
        positions = [t.pos for t in view]
        assert positions == sorted(set(positions))


# --- words view against pyvi --------------------------------------------------------------


def pyvi_words(line: str) -> list[str]:
    """What the words view should hold for one line: pyvi's words for the line in
    canonical spelling (so that "sỹ"/"sĩ" agree), lower-cased, without punctuation and
    without an abbreviation's full stop."""
    words = []
    for word in get_segmenter().tokenize(normalize_spelling(nfc(line))).split():
        if any(ch.isalnum() for ch in word):
            words.append(word.rstrip(".").lower())
    return words


def test_word_before_a_comma_is_segmented_as_in_a_query() -> None:
    """ "tọa đàm" (seminar) is one word: pyvi says so for the line and for the query
    "tọa đàm", so the document must index "tọa_đàm" for the word field to match."""
    assert texts(analyze("tọa đàm").words) == ["tọa_đàm"]
    assert "tọa_đàm" in get_segmenter().tokenize(TAI_TOA_DAM)
    words = analyze(TAI_TOA_DAM).words
    assert ("tọa_đàm", TAI_TOA_DAM.index("tọa đàm"), TAI_TOA_DAM.index("tọa đàm") + len("tọa đàm")) in triples(words)


def test_words_view_is_pyvi_segmentation_of_every_corpus_line() -> None:
    differing = []
    for path in sorted(CORPUS.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            got = texts(analyze(line).words)
            if got != pyvi_words(line):
                differing.append((line[:60], got, pyvi_words(line)))
    assert differing == []


# --- property tests ----------------------------------------------------------------------


def _corpus_syllables() -> list[str]:
    found: set[str] = set()
    for path in CORPUS.glob("*.txt"):
        found.update(m.group(0).lower() for m in re.finditer(r"[^\W\d_]+", path.read_text(encoding="utf-8")))
    return sorted(found)


# Real syllables: every syllable of the demo corpus, plus new-style tone placements and
# y-spellings that the corpus does not happen to use.
SYLLABLES = [
    *_corpus_syllables(),
    *["hoà", "uỷ", "toạ", "thuỷ", "khoẻ", "hoá", "sỹ", "kỹ", "lý", "quí", "qui", "gìa", "qùa", "ngừơi", "giường"],
]
SEPARATORS = [
    " ",
    " ",
    " ",
    "  ",
    ", ",
    ". ",
    "; ",
    ": ",
    " - ",
    " \u2013 ",
    "\n",
    "\n\n",
    " (",
    ") ",
    " “",
    "” ",
    "... ",
]
SEPARATORS += ["… ", "? ", "/", "-", " TP. ", " Tp. ", " 2.500 ", " 24/09/2021 ", " 21-3 ", "\r\n", "\t"]


def _cluster_starts(word: str) -> list[int]:
    return [i for i in range(len(word) + 1) if i == len(word) or not unicodedata.combining(word[i])]


@st.composite
def written_syllables(draw: st.DrawFn) -> str:
    """A real syllable as people write it: any case, NFC or NFD, and possibly with
    zero-width characters between its letters (never between a letter and its marks,
    which `test_zero_width_character_before_combining_marks_*` covers)."""
    syllable = draw(st.sampled_from(SYLLABLES))
    syllable = draw(st.sampled_from([str.lower, str.upper, str.title]))(syllable)
    syllable = unicodedata.normalize(draw(st.sampled_from(["NFC", "NFD"])), syllable)
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.sampled_from(_cluster_starts(syllable)))
        syllable = syllable[:at] + draw(st.sampled_from(ZERO_WIDTH)) + syllable[at:]
    return syllable


vietnamese_texts = st.lists(st.tuples(written_syllables(), st.sampled_from(SEPARATORS)), max_size=25).map(
    lambda parts: "".join(syllable + sep for syllable, sep in parts)
)

# Characters that are their own NFC cluster: no combining marks (a mark that does not
# compose, as in "q\u0301", is mapped to its whole cluster, so the span of "q" includes
# it), no Hangul jamo (which compose with each other in NFC), and only characters NFC
# keeps as they are (U+212B ANGSTROM SIGN, U+0958 are covered by the NFC tests above).
single_cluster_chars = st.characters(exclude_categories=("Mn", "Mc", "Me", "Cs")).filter(
    lambda ch: nfc(ch) == ch and not ("\u1100" <= ch <= "\u11ff")
)

ANALYZE_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_tokens(original: str, exact_surface: bool) -> None:
    analysis = analyze(original)
    for view in (analysis.words, analysis.syllables, analysis.folded):
        for tok in view:
            assert 0 <= tok.start < tok.end <= len(original), tok
        positions = [t.pos for t in view]
        assert positions == sorted(set(positions))
    assert [(t.pos, t.start, t.end) for t in analysis.folded] == [(t.pos, t.start, t.end) for t in analysis.syllables]
    assert texts(analysis.folded) == [fold_diacritics(t.text) for t in analysis.syllables]
    for word in analysis.words:
        inside = [t for t in analysis.syllables if word.start <= t.start and t.end <= word.end]
        assert word.text == "_".join(texts(inside))
        assert (inside[0].start, inside[-1].end) == (word.start, word.end)
    if exact_surface:
        for tok in analysis.syllables:
            written = strip_zero_width(nfc(original[tok.start : tok.end]))
            assert normalize_syllable(written).lower() == tok.text, (tok, written)


@ANALYZE_SETTINGS
@given(vietnamese_texts)
def test_analyze_vietnamese_text_tokens_are_their_spans_in_canonical_spelling(original: str) -> None:
    check_tokens(original, exact_surface=True)


@ANALYZE_SETTINGS
@given(st.text(single_cluster_chars, max_size=60))
def test_analyze_arbitrary_single_cluster_text_tokens_are_their_spans(original: str) -> None:
    check_tokens(original, exact_surface=True)


@ANALYZE_SETTINGS
@given(st.text(max_size=60))
def test_analyze_never_raises_and_spans_stay_inside_the_text(original: str) -> None:
    check_tokens(original, exact_surface=False)


def _is_abbreviation(surface: str) -> bool:
    return re.fullmatch(r"[A-ZĐ]+|Tp|Mr|Mrs|Ms|Dr|ThS", surface) is not None


@ANALYZE_SETTINGS
@given(vietnamese_texts)
# pyvi labels the dash as joined to "Bất"; the word view lost the gap (found by hypothesis).
@example("an Bất \u2013 cập ")
def test_punctuation_and_line_ends_leave_a_position_gap(original: str) -> None:
    """Two tokens with punctuation or a line end between them are never adjacent. The
    one exception is pyvi's abbreviation rule: in "TP. Hà Nội" the full stop belongs
    to "TP." and takes no position."""
    analysis = analyze(original)
    abbreviation_ends = {
        t.end for t in analysis.syllables if _is_abbreviation(strip_zero_width(nfc(original[t.start : t.end])))
    }
    for view in (analysis.words, analysis.syllables):
        for a, b in itertools.pairwise(view):
            between = strip_zero_width(original[a.end : b.start])
            if not between.strip() and "\n" not in between:
                continue
            if between.rstrip(" \t") == "." and a.end in abbreviation_ends:
                continue
            assert b.pos >= a.pos + 2, (a, b, between)


@ANALYZE_SETTINGS
@given(vietnamese_texts)
def test_nfc_with_offsets_on_vietnamese_text_maps_every_character_back(original: str) -> None:
    clean, starts, ends = nfc_with_offsets(original)
    assert clean == nfc(strip_zero_width(original))
    assert len(starts) == len(ends) == len(clean)
    for i, ch in enumerate(clean):
        assert 0 <= starts[i] < ends[i] <= len(original)
        assert strip_zero_width(nfc(original[starts[i] : ends[i]])) == ch


def as_analyzed(text: str) -> str:
    """`text` as the analyzer reads it, simply: a zero-width space a space (but before a
    combining mark, which belongs to the letter before), the other zero-width
    characters gone, NFC."""
    spaced = "".join(
        ("" if unicodedata.combining(text[i + 1 : i + 2] or " ") else " ") if ch == "\u200b" else ch
        for i, ch in enumerate(text)
    )
    return strip_zero_width(nfc(spaced))


@settings(max_examples=300)
@given(st.text(max_size=40))
@example("\u212b")  # ANGSTROM SIGN, which NFC replaces by Å on its own
def test_nfc_with_offsets_on_any_text_maps_each_cluster_back(original: str) -> None:
    """Characters that come from one base letter and its marks share that cluster's
    span, and the cluster's NFC (as the analyzer reads it, see `as_analyzed`) is
    exactly them."""
    clean, starts, ends = nfc_with_offsets(original)
    assert len(starts) == len(ends) == len(clean)
    assert all(ch not in ZERO_WIDTH for ch in clean)
    i = 0
    previous_end = 0
    while i < len(clean):
        j = i
        while j < len(clean) and (starts[j], ends[j]) == (starts[i], ends[i]):
            j += 1
        assert previous_end <= starts[i] < ends[i] <= len(original)
        assert as_analyzed(original[starts[i] : ends[i]]) == clean[i:j]
        previous_end = ends[i]
        i = j


@settings(max_examples=300)
@given(written_syllables())
def test_tone_normalization_is_idempotent_and_commutes_with_case(written: str) -> None:
    syllable = strip_zero_width(nfc(written))
    once = normalize_tone_marks(syllable)
    assert normalize_tone_marks(once) == once
    assert normalize_tone_marks(syllable.upper()) == once.upper()
    assert normalize_tone_marks(syllable.lower()) == once.lower()
    canonical = normalize_syllable(syllable)
    assert normalize_syllable(canonical) == canonical
    assert normalize_syllable(syllable.upper()) == canonical.upper()
    # Moving a tone mark never changes the letters.
    assert fold_diacritics(once) == fold_diacritics(syllable)


def test_syllable_regex_is_the_one_the_analyzer_splits_with() -> None:
    """Guards the property tests' assumption that a syllable is one SYLLABLE_RE match."""
    assert [m.group(0) for m in SYLLABLE_RE.finditer("TP. Hà Nội, 2.500 người")] == [
        "TP.",
        "Hà",
        "Nội",
        ",",
        "2.500",
        "người",
    ]
