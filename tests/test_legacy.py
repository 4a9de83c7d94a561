"""Legacy Vietnamese encodings (TCVN3, VNI): converting them to Unicode, telling them from
Unicode text, and reading Word files written in their fonts.

The legacy texts are made by tests/legacy_reference.py from the Unicode sentences here,
with tables from another source than the module's."""

from __future__ import annotations

import io
import unicodedata

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Pt
from hypothesis import given, settings
from hypothesis import strategies as st
from legacy_reference import VIETNAMESE_LETTERS, reread, to_tcvn3, to_vni

from searchkit.analysis.legacy import (
    capitals_font,
    convert_legacy,
    font_encoding,
    from_legacy,
    legacy_encoding,
)
from searchkit.analysis.normalize import spelled_syllable
from searchkit.formats.docx import extract_docx, legacy_fonts

# Real sentences in the style of Vietnamese news and administrative text. Together they
# have every tone on every vowel (see test_sentences_cover_every_letter).
SENTENCES = [
    "Cộng hoà xã hội chủ nghĩa Việt Nam",
    "Độc lập - Tự do - Hạnh phúc",
    "Hà Nội, ngày 15 tháng 8 năm 2023",
    "Quyết định số 1234/QĐ-UBND về việc phê duyệt kế hoạch phát triển kinh tế - xã hội năm 2024.",
    "Điều 1. Ban hành kèm theo Quyết định này Quy chế tổ chức và hoạt động của Sở Tài chính.",
    "Chủ tịch Ủy ban nhân dân tỉnh Quảng Ngãi đã ký công văn gửi các sở, ban, ngành.",
    "Thủ tướng Chính phủ yêu cầu các bộ, ngành khẩn trương triển khai thực hiện nghị quyết.",
    "Mưa lớn kéo dài khiến nhiều tuyến đường ở Thừa Thiên Huế bị ngập sâu, giao thông ùn tắc.",
    "Giá xăng dầu trong nước được điều chỉnh giảm từ 15 giờ chiều nay.",
    "Đội tuyển bóng đá Việt Nam giành chiến thắng thuyết phục trước đối thủ Thái Lan.",
    "Người dân vùng lũ được hỗ trợ gạo, nước uống và thuốc men kịp thời.",
    "Bộ Giáo dục và Đào tạo công bố phương án tuyển sinh đại học năm nay.",
    "Nông dân đồng bằng sông Cửu Long phấn khởi vì lúa được mùa, được giá.",
    "Ngân hàng Nhà nước quyết định giữ nguyên lãi suất điều hành.",
    "Hội nghị tổng kết công tác năm và triển khai nhiệm vụ trọng tâm của ngành tư pháp.",
    "Cảnh sát giao thông xử phạt nghiêm các trường hợp vi phạm nồng độ cồn.",
    "Bệnh viện Chợ Rẫy tiếp nhận một bệnh nhân bị thương nặng do tai nạn lao động.",
    "Trường tiểu học ở huyện miền núi khánh thành thêm ba phòng học kiên cố.",
    "Lễ hội truyền thống thu hút hàng nghìn du khách thập phương về dự.",
    "Ông Nguyễn Văn Hùng được bầu giữ chức Phó Chủ tịch Hội đồng nhân dân xã.",
    "Sở Y tế khuyến cáo người dân chủ động phòng chống sốt xuất huyết.",
    "Doanh nghiệp xuất khẩu thuỷ sản gặp khó khăn vì thiếu nguyên liệu.",
    "Cơn bão số 3 đã đổ bộ vào vùng biển Quảng Ninh \u2013 Hải Phòng đêm qua…",
    "Phong trào thi đua “Vì an ninh Tổ quốc” được phát động rộng khắp \u2013 từ thành thị tới nông thôn.",
    "Tỷ lệ hộ nghèo của tỉnh giảm còn 4,5% theo chuẩn mới.",
    "Hướng dẫn thủ tục cấp giấy chứng nhận quyền sử dụng đất lần đầu.",
    "Ủy ban kiểm tra đề nghị xem xét kỷ luật cán bộ có sai phạm.",
    "Cụ bà ngoài tám mươi tuổi vẫn ngày ngày dạy chữ cho trẻ em nghèo.",
    "Chiếc xe khách chở 40 người bị lật ở đèo Bảo Lộc, may mắn không ai tử vong.",
    "Tiếng trống khai giảng rộn rã khắp các ngả đường, học sinh náo nức tới trường.",
    "Những cánh đồng lúa chín vàng óng ả trải dài tít tắp đến chân trời.",
    "Ấy thế mà ổ gà trên quốc lộ vẫn chưa được vá, người đi đường ái ngại.",
    "Ở làng bên, mấy cụ già ngồi ngẫm nghĩ chuyện ngày xưa bên ấm trà.",
    "Tôi ừ một tiếng rồi ậm ừ cho qua, chẳng biết ẵm đứa bé đi đâu.",
    "Ỷ lại vào người khác là thói xấu; chớ ỷ thế mà ức hiếp kẻ yếu.",
    "Ông ta ỡm ờ mãi, ợ một cái rồi ở lại ăn cơm, ưỡn ngực đi ra sân.",
    "Ẩn mình sau rặng tre, ngôi đình cổ uy nghi ẩn hiện trong sương sớm.",
    "Ẹ, ẽ, ẻ chỉ là tiếng kêu; còn ễnh ương thì kêu ộp oạp ngoài ruộng.",
    "Cái ỉ của bà Tĩnh ở ĩnh ịch, ì ạch leo dốc, ỏn ẻn như con gái.",
    "Ủ ấm cho em bé, ụ đất cao, ũ rũ cả ngày; ùa ra sân, ú òa!",
    "Ừng ực uống nước, ửng hồng đôi má, ữ ự ứ chỉ là những âm tiết lạ.",
    "Ỳ ạch, ỹ ỵ, ý kiến của ông Ỷ được ghi nhận ở Yên Bái.",
    "Ằng ặc, ẳng, ắt hẳn là thế; ặt là tiếng lạ, ẵng cũng vậy.",
    "Ầm ầm tiếng thác đổ, ẫm ờ không rõ, ẩu tả quá, ậy nhưng vẫn ấm áp.",
    "Ồn ào, ổn định, ỗ, ộ, ố, ôm ấp giấc mơ.",
    "Giờ này ở đây người ta vẫn nhớ lời hứa thuở trước, ngỡ như mới hôm qua ở chợ quê.",
    "Ế ẩm quá, ề à mãi, ể oải, ễ, ệ, êm đềm.",
    "Mẹ tôi đi chợ sớm, kỳ kèo mặc cả từng mớ rau, bó hành; về nhà còn kẽo kẹt võng đưa.",
    "ĐƯỜNG LÊN ĐỈNH NÚI ĐÃ ĐƯỢC MỞ RỘNG, ĐỒNG BÀO PHẤN KHỞI.",
]

EUROPEAN = [
    "Müller öffnet die Tür für Jürgen, der schon früh aufgestanden ist.",
    "Die Straße in München ist wegen Bauarbeiten gesperrt; Autofahrer müssen Umwege fahren.",
    "Über 300 Schüler nahmen an der Prüfung teil, die Ergebnisse sind erfreulich.",
    "Grüße aus Köln! Das Wetter ist schön, aber die Bäume verlieren schon ihre Blätter.",
    "Der Bürgermeister hat die Schließung des Schwimmbads für März angekündigt.",
    "Il est arrivé tôt ce matin, mais il a dû repartir à cause d'une réunion.",
    "Le président français a annoncé une réforme des retraites très contestée.",
    "À Paris, les élèves du lycée ont manifesté contre la fermeture de leur école.",
    "Où est la bibliothèque ? Elle se trouve près de l'hôtel de ville, à côté du café.",
    "Noël approche : les enfants préparent leurs lettres et décorent le sapin.",
    "La naïveté de ce garçon m'a ému ; il croit encore au Père Noël.",
    "¿Dónde está el niño? Mañana vamos a España con la señora Muñoz.",
    "El gobierno español aprobó una nueva ley de educación después de un largo debate.",
    "La canción ganó el premio más importante del año en el festival de música.",
    "Según la policía, el accidente ocurrió a las tres de la mañana en la autopista.",
    "Él no sabía qué hacer; tú sí lo sabías y aun así no dijiste nada.",
    "Pingüinos y cigüeñas viven en el zoológico de la ciudad desde hace años.",
]


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# -- The tables -------------------------------------------------------------------------------


@pytest.mark.parametrize("letter", list(VIETNAMESE_LETTERS))
def test_every_letter_from_vni(letter: str) -> None:
    assert from_legacy(to_vni(letter), "vni") == letter


@pytest.mark.parametrize("letter", [ch for ch in VIETNAMESE_LETTERS if ch.islower() or ch in "ĂÂÊÔƠƯĐ"])
def test_every_letter_from_tcvn3(letter: str) -> None:
    assert from_legacy(to_tcvn3(letter), "tcvn3") == letter


def test_tcvn3_has_no_capitals_with_tones() -> None:
    """A capital with a tone is its small letter's byte in TCVN3 (in the H font)."""
    assert to_tcvn3("Ộ") == to_tcvn3("ộ") == "é"
    assert from_legacy("CéNG", "tcvn3") == "CộNG"


def test_published_examples() -> None:
    """The readings everyone knows from garbled documents."""
    assert from_legacy("Céng hoµ x· héi chñ nghÜa ViÖt Nam", "tcvn3") == "Cộng hoà xã hội chủ nghĩa Việt Nam"
    assert from_legacy("§éc lËp - Tù do - H¹nh phóc", "tcvn3") == "Độc lập - Tự do - Hạnh phúc"
    assert from_legacy("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam", "vni") == "Cộng hòa xã hội chủ nghĩa Việt Nam"
    assert from_legacy("ÑOÄC LAÄP - TÖÏ DO - HAÏNH PHUÙC", "vni") == "ĐỘC LẬP - TỰ DO - HẠNH PHÚC"


def test_vni_single_byte_letters() -> None:
    singles = {"ñ": "đ", "Ñ": "Đ", "ô": "ơ", "Ô": "Ơ", "ö": "ư", "Ö": "Ư", "ó": "ĩ", "Ó": "Ĩ", "ò": "ị", "Ò": "Ị"}
    singles |= {"î": "ỵ", "Î": "Ỵ", "í": "í", "ì": "ì", "æ": "ỉ", "Æ": "Ỉ"}
    for legacy, letter in singles.items():
        assert from_legacy(legacy, "vni") == letter, legacy


def test_sentences_cover_every_letter() -> None:
    used = set(nfc("".join(SENTENCES)))
    assert set(VIETNAMESE_LETTERS) - used <= {ch for ch in VIETNAMESE_LETTERS if ch.isupper()}
    assert {ch for ch in VIETNAMESE_LETTERS if ch.islower()} <= used


# -- Round trips ------------------------------------------------------------------------------


@pytest.mark.parametrize("sentence", SENTENCES)
def test_sentence_round_trip_vni(sentence: str) -> None:
    assert from_legacy(to_vni(sentence), "vni") == nfc(sentence)


@pytest.mark.parametrize("sentence", SENTENCES)
def test_sentence_round_trip_tcvn3(sentence: str) -> None:
    """Exact but for the capitals with tones, which TCVN3 has not."""
    converted = from_legacy(to_tcvn3(sentence), "tcvn3")
    assert converted.lower() == nfc(sentence).lower()
    assert [ch for ch in converted if ch.isascii()] == [ch for ch in nfc(sentence) if ch.isascii()]


@pytest.mark.parametrize("codec", ["cp1252", "latin-1", "cp1258"])
@pytest.mark.parametrize("sentence", SENTENCES)
def test_any_reading_of_the_bytes(sentence: str, codec: str) -> None:
    """A file's bytes read as Windows-1252, Latin-1 or Windows-1258 convert alike."""
    tcvn3 = reread(to_tcvn3(sentence), codec)
    vni = reread(to_vni(sentence), codec)
    assert from_legacy(tcvn3, "tcvn3") == from_legacy(to_tcvn3(sentence), "tcvn3")
    assert from_legacy(vni, "vni") == nfc(sentence)
    assert legacy_encoding(tcvn3) == "tcvn3"
    assert legacy_encoding(vni) == "vni"


def test_windows_1258_reading_looks_half_vietnamese() -> None:
    """Why the bytes matter: read as Windows-1258, TCVN3 "từ" is "tơ", a real word."""
    assert reread(to_tcvn3("từ"), "cp1258") == "tơ"
    assert from_legacy("tơ", "tcvn3") == "từ"


def test_symbol_font_private_use_area() -> None:
    """Word keeps a symbol font's text at U+F000 plus the byte."""
    private = "".join(chr(0xF000 + ord(ch)) if not ch.isascii() else ch for ch in "Céng hoµ")
    assert from_legacy(private, "tcvn3") == "Cộng hoà"


def test_unicode_words_in_legacy_text_are_kept() -> None:
    assert from_legacy("Céng hoµ Cộng hoà", "tcvn3") == "Cộng hoà Cộng hoà"


def test_ascii_digits_punctuation_unchanged() -> None:
    text = "UBND 123/2024, (a) [b] {c} - \"quote\" 'x' ; : ! ? 4,5% email@example.com"
    assert from_legacy(text, "tcvn3") == text
    assert from_legacy(text, "vni") == text


def test_unknown_encoding() -> None:
    with pytest.raises(ValueError):
        from_legacy("x", "viscii")


# -- Detection --------------------------------------------------------------------------------


@pytest.mark.parametrize("sentence", SENTENCES)
def test_detects_tcvn3(sentence: str) -> None:
    assert legacy_encoding(to_tcvn3(sentence)) == "tcvn3"


@pytest.mark.parametrize("sentence", SENTENCES)
def test_detects_vni(sentence: str) -> None:
    assert legacy_encoding(to_vni(sentence)) == "vni"


@pytest.mark.parametrize("sentence", SENTENCES)
def test_unicode_vietnamese_is_not_legacy(sentence: str) -> None:
    assert legacy_encoding(sentence) is None
    assert legacy_encoding(unicodedata.normalize("NFD", sentence)) is None
    assert convert_legacy(sentence) == (sentence, None)


def test_unicode_article_is_not_legacy() -> None:
    text = "\n".join(SENTENCES)
    assert legacy_encoding(text) is None
    assert legacy_encoding(unicodedata.normalize("NFD", text)) is None


@pytest.mark.parametrize("sentence", EUROPEAN)
def test_european_languages_are_not_legacy(sentence: str) -> None:
    assert legacy_encoding(sentence) is None


def test_european_text_is_not_legacy() -> None:
    assert legacy_encoding("\n".join(EUROPEAN)) is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Plain English text about the weather.",
        "© 2024 Công ty Cổ phần Truyền thông",
        "Nhiệt độ cao nhất 35°C, độ ẩm 80%.",
        "Copyright © 2020. All rights reserved. 25 °C",
        "The café's crème brûlée was très bien.",
        "Il faut partir tôt : il a dû.",
        "5 µm and 10 µm",
    ],
)
def test_stray_signs_are_not_legacy(text: str) -> None:
    assert legacy_encoding(text) is None


def test_one_short_line_is_enough() -> None:
    assert legacy_encoding("Céng hoµ x· héi chñ nghÜa ViÖt Nam") == "tcvn3"
    assert legacy_encoding("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam") == "vni"
    assert legacy_encoding("Hµ Néi") == "tcvn3"


def test_legacy_text_with_english_and_numbers() -> None:
    text = to_tcvn3("Theo báo cáo của World Bank năm 2023, GDP Việt Nam tăng 5,05%.")
    assert legacy_encoding(text) == "tcvn3"


def test_convert_legacy() -> None:
    assert convert_legacy(to_vni(SENTENCES[0])) == (SENTENCES[0], "vni")
    assert convert_legacy(to_tcvn3(SENTENCES[0])) == (SENTENCES[0], "tcvn3")


def test_convert_legacy_capitals_line() -> None:
    """A TCVN3 line typed in capitals (the .VnTimeH font) comes back in capitals."""
    header = "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"
    converted, encoding = convert_legacy(to_tcvn3(header))
    assert encoding == "tcvn3"
    assert converted == header


# -- Properties -------------------------------------------------------------------------------

LETTERS_AND_SPACES = st.text(alphabet=st.sampled_from(VIETNAMESE_LETTERS + "abcdeghiklmnopqrstuvxyABDGHKLMNTV  "))
TCVN3_REPERTOIRE = "".join(ch for ch in VIETNAMESE_LETTERS if ch.islower() or ch in "ĂÂÊÔƠƯĐ")
TCVN3_TEXT = st.text(alphabet=st.sampled_from(TCVN3_REPERTOIRE + "abcdeghiklmnopqrstuvxyABDGHKLMNTV  "))


@settings(max_examples=500, deadline=None)
@given(LETTERS_AND_SPACES)
def test_vni_round_trip_property(text: str) -> None:
    assert from_legacy(to_vni(text), "vni") == nfc(text)


@settings(max_examples=500, deadline=None)
@given(TCVN3_TEXT)
def test_tcvn3_round_trip_property(text: str) -> None:
    assert from_legacy(to_tcvn3(text), "tcvn3") == nfc(text)
    assert from_legacy(reread(to_tcvn3(text), "cp1258"), "tcvn3") == nfc(text)


ONSETS = ["", *"b c ch d đ g gh gi h k kh l m n ng ngh nh p ph qu r s t th tr v x".split()]
NUCLEI = "a ă â e ê i o ô ơ u ư y ai ao au ay âu ây eo êu ia iê iu oa oe oi ôi ơi ua uô ui uy ưa ưi ươ ưu yê".split()
CODAS = ["", "c", "ch", "m", "n", "ng", "nh", "p", "t"]
TONE_MARKS = ["", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"]


@st.composite
def syllables(draw: st.DrawFn) -> str:
    """A Vietnamese syllable in canonical spelling, in any of the three cases."""
    while True:
        bare = draw(st.sampled_from(ONSETS)) + draw(st.sampled_from(NUCLEI)) + draw(st.sampled_from(CODAS))
        syllable = spelled_syllable(nfc(bare), draw(st.sampled_from(TONE_MARKS)))
        if syllable is not None:
            break
    case = draw(st.sampled_from([str.lower, str.capitalize, str.upper]))
    return case(syllable)


SYLLABLE_TEXTS = st.lists(syllables(), min_size=1, max_size=30).map(" ".join)


@settings(max_examples=500, deadline=None)
@given(SYLLABLE_TEXTS, st.sampled_from(["NFC", "NFD"]))
def test_unicode_syllables_are_never_legacy(text: str, form: str) -> None:
    """Every word of a text of Vietnamese syllables is one already: nothing improves."""
    assert legacy_encoding(unicodedata.normalize(form, text)) is None  # type: ignore[arg-type]


@settings(max_examples=500, deadline=None)
@given(SYLLABLE_TEXTS)
def test_legacy_syllables_never_read_as_the_other_encoding(text: str) -> None:
    assert legacy_encoding(to_tcvn3(text)) in ("tcvn3", None)
    assert legacy_encoding(to_vni(text)) in ("vni", None)


@settings(max_examples=300, deadline=None)
@given(st.lists(syllables(), min_size=3, max_size=30), st.data())
def test_legacy_syllables_with_đ_are_detected(words: list[str], data: st.DataObject) -> None:
    """The bound that holds in general: among syllables, at least three distinct words
    beginning with đ, whose legacy readings ("®", "ñ") are no letters of a syllable."""
    with_đ = data.draw(
        st.lists(st.sampled_from(["đi", "đến", "được", "đồng", "đất", "đường"]), min_size=3, unique=True)
    )
    text = " ".join(words + with_đ)
    assert legacy_encoding(to_tcvn3(text)) == "tcvn3"
    assert legacy_encoding(to_vni(text)) == "vni"


# -- Word files -------------------------------------------------------------------------------


def test_font_names() -> None:
    assert font_encoding(".VnTime") == font_encoding(".VnArialH") == "tcvn3"
    assert font_encoding("VNI-Times") == font_encoding("VNI-Helve") == "vni"
    assert font_encoding("Times New Roman") is None
    assert font_encoding("Arial") is None
    assert capitals_font(".VnTimeH") and capitals_font(".VnArialH")
    assert not capitals_font(".VnTime") and not capitals_font("VNI-Times")


def docx_of(runs: list[tuple[str, str | None]], *, title: str = "", heading: str | None = None) -> bytes:
    """A Word file with a paragraph for each (text, font) run; `heading` first, in the
    Heading 1 style with the font of the first run."""
    document = docx.Document()
    if title:
        document.core_properties.title = title
    if heading is not None:
        paragraph = document.add_paragraph(style="Heading 1")
        run = paragraph.add_run(heading)
        run.font.name = runs[0][1]
    for text, font in runs:
        run = document.add_paragraph().add_run(text)
        if font is not None:
            run.font.name = font
            run.font.size = Pt(13)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_tcvn3_runs() -> None:
    data = docx_of([(to_tcvn3(s), ".VnTime") for s in SENTENCES[1:4]], heading=to_tcvn3(SENTENCES[4]))
    extracted = extract_docx(data)
    assert extracted.converted_from == "tcvn3"
    assert extracted.text.splitlines() == [nfc(s) for s in SENTENCES[4:5] + SENTENCES[1:4]]
    assert extracted.title == nfc(SENTENCES[4])


def test_docx_vni_runs() -> None:
    data = docx_of([(to_vni(s), "VNI-Times") for s in SENTENCES[5:9]])
    extracted = extract_docx(data)
    assert extracted.converted_from == "vni"
    assert extracted.text.splitlines() == [nfc(s) for s in SENTENCES[5:9]]


def test_docx_capitals_font() -> None:
    data = docx_of([(to_tcvn3("CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM"), ".VnTimeH"), (to_tcvn3(SENTENCES[1]), ".VnTime")])
    extracted = extract_docx(data)
    assert extracted.text.splitlines() == ["CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM", SENTENCES[1]]


def test_docx_one_short_legacy_word_in_its_font() -> None:
    """With the font declared no statistics are needed: one word is converted."""
    extracted = extract_docx(docx_of([("Hµ", ".VnTime")]))
    assert (extracted.text, extracted.converted_from) == ("Hà", "tcvn3")


def test_docx_mixed_fonts() -> None:
    """Only the runs in a legacy font are converted; Unicode runs stay as they are."""
    data = docx_of([(SENTENCES[9], "Times New Roman"), (to_tcvn3(SENTENCES[10]), ".VnTime"), ("café", None)])
    extracted = extract_docx(data)
    assert extracted.text.splitlines() == [SENTENCES[9], SENTENCES[10], "café"]
    assert extracted.converted_from == "tcvn3"


def test_docx_font_from_style() -> None:
    document = docx.Document()
    document.styles["Normal"].font.name = "VNI-Times"
    document.add_paragraph(to_vni(SENTENCES[11]))
    buffer = io.BytesIO()
    document.save(buffer)
    assert legacy_fonts(docx.Document(io.BytesIO(buffer.getvalue()))) == {"VNI-Times": "vni"}
    extracted = extract_docx(buffer.getvalue())
    assert (extracted.text, extracted.converted_from) == (SENTENCES[11], "vni")


def test_docx_without_fonts_falls_back_to_statistics() -> None:
    data = docx_of([(to_tcvn3(s), None) for s in SENTENCES[12:15]])
    extracted = extract_docx(data)
    assert extracted.converted_from == "tcvn3"
    assert extracted.text.splitlines() == [nfc(s) for s in SENTENCES[12:15]]


def test_docx_unicode_is_untouched() -> None:
    data = docx_of([(s, "Times New Roman") for s in SENTENCES[:3]], title=SENTENCES[0])
    extracted = extract_docx(data)
    assert extracted.converted_from is None
    assert extracted.text.splitlines() == SENTENCES[:3]
    assert extracted.title == SENTENCES[0]


def test_docx_legacy_title_property() -> None:
    data = docx_of([(to_tcvn3(SENTENCES[2]), ".VnTime")], title=to_tcvn3("Báo cáo tổng kết công tác năm"))
    assert extract_docx(data).title == "Báo cáo tổng kết công tác năm"


def test_docx_unicode_title_property_of_a_legacy_file() -> None:
    """A title typed in Unicode later, in a file whose text is TCVN3, is kept."""
    data = docx_of([(to_tcvn3(SENTENCES[2]), ".VnTime")], title="Báo cáo tổng kết")
    assert extract_docx(data).title == "Báo cáo tổng kết"


def test_docx_soft_hyphen_in_tcvn3_run() -> None:
    """TCVN3's ư is the byte of the soft hyphen; if Word keeps it as <w:softHyphen/>, it
    is still ư in a TCVN3 run."""
    document = docx.Document()
    run = document.add_paragraph().add_run("ng")
    run.font.name = ".VnTime"
    run._r.append(run._r.makeelement(qn("w:softHyphen"), {}))
    text = run._r.makeelement(qn("w:t"), {})
    text.text = "êi"
    run._r.append(text)
    buffer = io.BytesIO()
    document.save(buffer)
    assert extract_docx(buffer.getvalue()).text == "người"


def test_docx_vni_letter_split_between_runs() -> None:
    """Word may end a run between a VNI base letter and its mark ("Vie" + "ät")."""
    document = docx.Document()
    paragraph = document.add_paragraph()
    for text in ("Coäng hoøa xaõ hoäi chuû nghóa Vie", "ät Nam"):
        paragraph.add_run(text).font.name = "VNI-Times"
    buffer = io.BytesIO()
    document.save(buffer)
    assert extract_docx(buffer.getvalue()).text == "Cộng hòa xã hội chủ nghĩa Việt Nam"


def test_docx_table_cells() -> None:
    document = docx.Document()
    table = document.add_table(rows=1, cols=2)
    for cell, sentence in zip(table.rows[0].cells, SENTENCES[15:17], strict=True):
        cell.paragraphs[0].add_run(to_tcvn3(sentence)).font.name = ".VnArial"
    buffer = io.BytesIO()
    document.save(buffer)
    assert extract_docx(buffer.getvalue()).text == "\t".join(SENTENCES[15:17])


def test_docx_unicode_text_left_in_a_legacy_font() -> None:
    """A file converted to Unicode whose runs kept their .VnTime font: "hòa" is not read
    as TCVN3 ("hũa")."""
    data = docx_of([(SENTENCES[0], ".VnTime"), (to_tcvn3(SENTENCES[1]), ".VnTime")])
    extracted = extract_docx(data)
    assert extracted.text.splitlines() == [SENTENCES[0], SENTENCES[1]]
