"""Date tests: the date a document gives itself (on the demo corpus and on news heads
written from its sentences), dates typed by users, and date fields of data files."""

from __future__ import annotations

import datetime
import re
import unicodedata

import pytest
from conftest import corpus_file
from hypothesis import given
from hypothesis import strategies as st

from searchkit.dates import HEAD_CHARS, date_bounds, date_in_text, date_value, undated

D = datetime.date
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")

# Sentences of the demo corpus, to build heads with.
TITLE = "Hội thảo Quy chế phối hợp lãnh đạo công tác đảng, công tác chính trị"
HOI_THAO = (
    "tại Hà Nội, Đảng ủy Công an Trung ương (CATW) tổ chức Hội thảo Quy chế phối hợp giữa Đảng uỷ"
    " Công an Trung ương với các Tỉnh uỷ, Thành uỷ về lãnh đạo công tác đảng, công tác chính trị."
)
CUM_THI_DUA = "Cụm thi đua số 4, CATP Hà Nội đã tổ chức Hội nghị tổng kết phong trào thi đua “Vì an ninh Tổ quốc”"
TOA_DAM = "Công an thành phố (CATP) Hà Nội đã tổ chức tọa đàm hết sức ý nghĩa."
CHI_THI = (
    "Công tác thi đua gắn với việc thực hiện Chỉ thị số 05-CT/TW ngày 15/5/2016 của Bộ Chính trị về"
    " “Đẩy mạnh học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh”."
)


def in_text(text: str) -> str | None:
    return date_in_text(text)


# --- date_in_text on the demo corpus ---------------------------------------------------


@pytest.mark.parametrize(
    ("name_part", "expected"),
    [
        ("cum-thi-dua", "2019-11-14"),  # dateline "Sáng 14-11", year from its sentence
        ("hoi-thao", "2021-09-08"),  # "Cập nhật: 08/09/2021 07:11" beats "Ngày 07/9/2021" below it
        ("thu-truong", "2021-09-24"),  # "(Thứ sáu, 24/09/2021, 04:28 pm GMT+7)"
        ("tien-phong", "2025-03-21"),  # " date 2025-03 TPO - Chiều 21/3, …"
    ],
)
def test_corpus_dates(name_part: str, expected: str) -> None:
    text = corpus_file(name_part).read_text(encoding="utf-8")
    assert in_text(text) == expected


def test_corpus_dateline_without_any_year_gives_no_date() -> None:
    # "Chiều 21-3, …" and no year anywhere in the article: its file's time is not asked.
    text = corpus_file("ha-noi-toa-dam").read_text(encoding="utf-8")
    assert in_text(text) is None


# --- form 1: publication lines ---------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (f"{TITLE}\n\nCập nhật: 08/09/2021 07:11\n\nNgày 07/9/2021, {HOI_THAO}", "2021-09-08"),
        (f"{TITLE}\nCập nhật lúc 07:11 08/09/2021\n{HOI_THAO}", "2021-09-08"),
        (f"{TITLE}\ncập nhật 8-9-2021\n{HOI_THAO}", "2021-09-08"),
        (f"{TITLE}\nCẬP NHẬT: 08.09.2021\n{HOI_THAO}", "2021-09-08"),
        (f"{TITLE}\nNgày đăng: 08/09/2021\n{HOI_THAO}", "2021-09-08"),
        (f"{TITLE}\nĐăng ngày 08/09/2021 | 07:11\n{HOI_THAO}", "2021-09-08"),
        (f"{TITLE}\nNgày cập nhật 8/9/2021\n{HOI_THAO}", "2021-09-08"),
        (f"{TITLE}\nXuất bản: 08/09/2021\n{HOI_THAO}", "2021-09-08"),
        (f"{TITLE}\nThời gian đăng: 08/09/2021 07:11\n{HOI_THAO}", "2021-09-08"),
        (f"{TITLE}\nCập nhật:\u00a008/09/2021\n{HOI_THAO}", "2021-09-08"),  # no-break space from a web page
        (f"(Thứ sáu, 24/09/2021, 04:28 pm GMT+7)\n\nNgày 24/9, {HOI_THAO}", "2021-09-24"),
        (f"{TITLE}\nThứ Hai, 06/09/2021 07:11\n{HOI_THAO}", "2021-09-06"),
        (f"{TITLE}\nTHỨ BA, 07/09/2021\n{HOI_THAO}", "2021-09-07"),
        (f"{TITLE}\nThứ 7, 11/9/2021\n{HOI_THAO}", "2021-09-11"),
        (f"{TITLE}\nChủ nhật, 5/9/2021\n{HOI_THAO}", "2021-09-05"),
        (f"{TITLE}\nchủ nhật, ngày 5/9/2021\n{HOI_THAO}", "2021-09-05"),
        (f"date 2021-09-08\n{TITLE}\nNgày 07/9/2021, {HOI_THAO}", "2021-09-08"),
        (f"Date: 2021-09-08T07:11:00+07:00\n{TITLE}", "2021-09-08"),
    ],
)
def test_publication_lines(head: str, expected: str) -> None:
    assert in_text(head) == expected


def test_publication_line_anywhere_in_the_head_beats_a_dateline_above_it() -> None:
    head = f"Ngày 07/9/2021, {HOI_THAO}\n\n{TITLE}\nCập nhật: 08/09/2021 07:11"
    assert in_text(head) == "2021-09-08"


def test_first_of_two_publication_lines() -> None:
    assert in_text(f"{TITLE}\nNgày đăng: 07/09/2021\nCập nhật: 08/09/2021\n{HOI_THAO}") == "2021-09-07"


# --- form 2: datelines and formal dates with a year ------------------------------------


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (f"{TITLE}\n\nNgày 07/9/2021, {HOI_THAO}", "2021-09-07"),
        (f"{TITLE}\nANTD.VN - Sáng 14-11-2019, {CUM_THI_DUA}.", "2019-11-14"),
        (f"{TITLE}\nTPO - Chiều 21/3/2025, {TOA_DAM}", "2025-03-21"),
        (f"{TITLE}\n(Chinhphu.vn) - Tối 14.11.2019, {CUM_THI_DUA}.", "2019-11-14"),
        (f"{TITLE}\nVOV.VN -Trưa 14/11/2019, {CUM_THI_DUA}.", "2019-11-14"),
        (f"{TITLE}\n(PLO)-Rạng sáng 14/11/2019, {CUM_THI_DUA}.", "2019-11-14"),
        (f"{TITLE}\nĐêm 14/11/2019, {CUM_THI_DUA}.", "2019-11-14"),
        (f"{TITLE}\nHôm nay (14/11/2019), {CUM_THI_DUA}.", "2019-11-14"),
        (f"{TITLE}\nSáng ngày 14/11/2019, {CUM_THI_DUA}.", "2019-11-14"),
        (f"{TITLE}\nNgày 15 tháng 5 năm 2016, tại Hà Nội, Bộ Chính trị ban hành Chỉ thị.", "2016-05-15"),
        ("BỘ CHÍNH TRỊ\n*\nSố 05-CT/TW\nHà Nội, ngày 15 tháng 5 năm 2016\n\nCHỈ THỊ\nvề đẩy mạnh", "2016-05-15"),
        ("ĐẢNG CỘNG SẢN VIỆT NAM\nSố 05-CT/TW Hà Nội, ngày 15 tháng 05 năm 2016 CHỈ THỊ", "2016-05-15"),
        ("ỦY BAN NHÂN DÂN\nTP. Hồ Chí Minh, ngày 1 tháng 10 năm 2020\nQUYẾT ĐỊNH", "2020-10-01"),
        ("HÀ NỘI, NGÀY 15 THÁNG 5 NĂM 2016", "2016-05-15"),
        ("BỘ CHÍNH TRỊ\nngày 15 tháng 05 năm 2016\nCHỈ THỊ", "2016-05-15"),
        (f"{TITLE}\n2021-09-08\n{HOI_THAO}", "2021-09-08"),
        (f"{TITLE}\n2021-09-08 07:11:00\n{HOI_THAO}", "2021-09-08"),
    ],
)
def test_datelines_and_formal_dates(head: str, expected: str) -> None:
    assert in_text(head) == expected


def test_first_of_two_dated_datelines() -> None:
    head = f"{TITLE}\nNgày 07/9/2021, {HOI_THAO}\nNgày 06/9/2021, {HOI_THAO}"
    assert in_text(head) == "2021-09-07"


def test_a_dated_dateline_beats_one_without_a_year() -> None:
    assert in_text(f"Sáng 14-11, {CUM_THI_DUA}.\nChiều 15/11/2019, {TOA_DAM}") == "2019-11-15"


# --- form 3: datelines without a year --------------------------------------------------


def test_year_from_a_year_month_of_the_same_month() -> None:
    assert in_text(f" date 2025-03 TPO - Chiều 21/3, {TOA_DAM}") == "2025-03-21"
    assert in_text(f"Date: 2025-03\n\nChiều 21-3, {TOA_DAM}") == "2025-03-21"


def test_year_month_of_another_month_gives_no_year() -> None:
    assert in_text(f"Date: 2025-04\nChiều 21-3, {TOA_DAM}") is None


def test_year_month_alone_is_not_a_date() -> None:
    assert in_text(f"Date: 2025-03\n{TOA_DAM}") is None


def test_year_named_in_the_datelines_sentence() -> None:
    head = f"ANTD.VN - Sáng 14-11, {CUM_THI_DUA} năm 2019. Trong năm 2020, các đơn vị tiếp tục."
    assert in_text(head) == "2019-11-14"


def test_sentence_goes_on_past_an_abbreviation() -> None:
    head = "Ngày 24/9, tại TP. Hà Nội, Hội nghị tổng kết công tác năm 2021 đã diễn ra."
    assert in_text(head) == "2021-09-24"


def test_year_of_the_next_sentence_is_not_the_datelines() -> None:
    head = f"Chiều 21-3, {TOA_DAM} Năm 2024, các đơn vị đã hoàn thành nhiệm vụ."
    assert in_text(head) is None


@pytest.mark.parametrize(
    "sentence",
    [
        f"Sáng 14-11, {CUM_THI_DUA} năm 2019 và triển khai kế hoạch năm 2020.",  # two years
        "Sáng 14-11, Cụm thi đua số 4 tổng kết phong trào thi đua giai đoạn năm 2016-2020.",  # a span
        "Sáng 14-11, Đại hội Đoàn nhiệm kỳ 2022-2027 đã khai mạc.",
        "Ngày 24/9, Thứ trưởng làm việc về công tác 9 tháng đầu của năm.",
    ],
)
def test_no_single_year_in_the_sentence(sentence: str) -> None:
    assert in_text(sentence) is None


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Thị trường cà phê, ca cao ngày 06/02/2017", "2017-02-06"),  # a full date in the title
        ("Lễ hội Xuân hồng năm 2017 khai mạc", "2017-02-06"),
        ("Kết quả năm 2016 và kế hoạch năm 2017", None),  # two years: none is the dateline's
        ("Lễ hội cà phê Buôn Ma Thuột", None),
    ],
)
def test_a_title_gives_its_year_to_the_dateline(title: str, expected: str | None) -> None:
    head = f"{title}\nSáng nay (06/02), thị trường cà phê nhân xô các tỉnh Tây Nguyên tăng nhẹ.\nSáng 6-2, giá tăng."
    assert in_text(head) == expected


def test_the_sentences_year_comes_before_the_titles() -> None:
    head = f"Hội nghị tổng kết năm 2020\nSáng 14-11, {CUM_THI_DUA} năm 2019."
    assert in_text(head) == "2019-11-14"


def test_full_date_of_a_publication_line_is_the_date_not_a_year_for_the_dateline() -> None:
    # Rule (3b) never decides: a full date of form 1 or 2 in the head is itself the answer.
    head = f"{TITLE}\nCập nhật: 02/01/2022 07:11\nNgày 31/12, {HOI_THAO}"
    assert in_text(head) == "2022-01-02"


def test_spelled_dateline_without_a_year() -> None:
    assert in_text("Ngày 15 tháng 5, tại Hà Nội, Bộ Chính trị ban hành Chỉ thị năm 2016.") == "2016-05-15"


# --- what is not the document's date --------------------------------------------------


@pytest.mark.parametrize(
    "head",
    [
        f"{TITLE}\n\n{CHI_THI}",  # cited in the body
        f"{TITLE}\n\nCông tác thi đua gắn với việc thực hiện Chỉ thị số 05-CT/TW\nngày 15/5/2016 của Bộ Chính trị.",
        f"{TITLE}\nThực hiện Chỉ thị của Bộ Chính trị, ngày 15 tháng 5 năm 2016 về học tập và làm theo.",
        f"{TITLE}\nNghị quyết số 18-NQ/TW ngày 25 tháng 10 năm 2017 về tổ chức bộ máy.",
        f"{TITLE}\nQuy định 192-Qđ/TW về công tác cán bộ giai đoạn 2015-2020.",
        f"{TITLE}\nĐại hội Đoàn nhiệm kỳ 2021-2026.\nCông tác 9 tháng đầu năm 2021.",
        f"{TITLE}\nĐiện thoại: 024.3825.6789 - 0912-345-678\nNgày 14-11-19, {CUM_THI_DUA}.",
        f"{TITLE}\nĐã có 14-11 đơn vị tham gia; tháng 11 năm 2019 kết thúc.",
        "",
        "   \n\n",
    ],
)
def test_not_the_documents_date(head: str) -> None:
    assert in_text(head) is None


def test_invalid_dates_are_skipped_for_the_next_candidate() -> None:
    head = f"{TITLE}\nCập nhật: 31/02/2021\nSáng 30/2/2021, {CUM_THI_DUA}.\nNgày 07/9/2021, {HOI_THAO}"
    assert in_text(head) == "2021-09-07"
    assert in_text(f"Chiều 30/2, {TOA_DAM}\nSáng 14-11, {CUM_THI_DUA} năm 2019.") == "2019-11-14"
    assert in_text(f"{TITLE}\nCập nhật: 08/13/2021\nHà Nội, ngày 15 tháng 5 năm 1899") is None


def test_only_the_head_is_read() -> None:
    body = "Thiếu tướng Đoàn Ngọc Hùng, Phó Giám đốc CATP chứng kiến các đơn vị ký giao ước thi đua.\n" * 20
    assert len(body) > HEAD_CHARS
    assert in_text(f"{TITLE}\n{body}Cập nhật: 08/09/2021 07:11\n") is None


def test_decomposed_text_is_read_as_composed() -> None:
    head = unicodedata.normalize("NFD", f"{TITLE}\r\nCập nhật lúc 07:11 08/09/2021\r\n{HOI_THAO}")
    assert in_text(head) == "2021-09-08"
    assert in_text(unicodedata.normalize("NFD", f"\ufeffChiều 21-3, {CUM_THI_DUA} năm 2025.")) == "2025-03-21"


# --- date_in_text properties ----------------------------------------------------------

DATE_PIECES = st.sampled_from(
    [
        "Sáng ",
        "Chiều ",
        "Ngày ",
        "ngày ",
        "Cập nhật: ",
        "Thứ sáu, ",
        "date ",
        "TPO - ",
        "(PLO)-",
        "Hà Nội, ",
        " tháng ",
        " năm ",
        "14",
        "31",
        "29",
        "2",
        "02",
        "11",
        "2019",
        "1899",
        "2101",
        "-",
        "/",
        ".",
        ", ",
        " ",
        "\n",
        "TP. ",
        "07:11 ",
    ]
)


def assert_iso_day(result: str | None) -> None:
    if result is not None:
        assert ISO_DAY.fullmatch(result)
        assert 1900 <= datetime.date.fromisoformat(result).year <= 2100


@given(st.text())
def test_arbitrary_text_gives_none_or_a_day(text: str) -> None:
    assert_iso_day(in_text(text))


@given(st.lists(DATE_PIECES | st.text(max_size=3)).map("".join))
def test_date_like_text_gives_none_or_a_day(text: str) -> None:
    assert_iso_day(in_text(text))


NO_DIGITS = st.text(st.characters(blacklist_categories=["Nd", "Cs"]), max_size=40)


@given(
    word=st.sampled_from(["Sáng", "Chiều", "Ngày", "ANTD.VN - Sáng", " date 2025-03 TPO - Chiều"]),
    day=st.integers(1, 31),
    month=st.integers(1, 12),
    separator=st.sampled_from("-/."),
    tail=st.lists(NO_DIGITS | st.integers(1890, 2110).map(lambda year: f" năm {year}"), max_size=4).map("".join),
)
def test_a_datelines_year_comes_from_the_document_alone(
    word: str, day: int, month: int, separator: str, tail: str
) -> None:
    result = in_text(f"{word} {day}{separator}{month}, {tail}")
    assert_iso_day(result)
    metadata = {2025} if "2025-03" in word and month == 3 else set()
    if result is not None:
        assert result.endswith(f"-{month:02}-{day:02}")
        assert int(result[:4]) in metadata | {int(year) for year in re.findall(r"năm (\d{4})", tail)}
    elif metadata:
        with pytest.raises(ValueError):  # only a day 2025 does not have
            datetime.date(2025, month, day)


# --- date_bounds ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "first", "last"),
    [
        ("2021", D(2021, 1, 1), D(2021, 12, 31)),
        ("2021-09", D(2021, 9, 1), D(2021, 9, 30)),
        ("2024-02", D(2024, 2, 1), D(2024, 2, 29)),
        ("2021-12", D(2021, 12, 1), D(2021, 12, 31)),
        ("2021-09-08", D(2021, 9, 8), D(2021, 9, 8)),
        ("2021-9-8", D(2021, 9, 8), D(2021, 9, 8)),
        ("2021/09/08", D(2021, 9, 8), D(2021, 9, 8)),
        ("2021-09-08T07:11:00+07:00", D(2021, 9, 8), D(2021, 9, 8)),
        ("2021-09-08T23:30:00-05:00", D(2021, 9, 8), D(2021, 9, 8)),  # as written, not converted
        ("2021-09-08 07:11:00", D(2021, 9, 8), D(2021, 9, 8)),
        ("2021-09-08T07:11:00Z", D(2021, 9, 8), D(2021, 9, 8)),
        ("2021-09-08t07:11:00.123z", D(2021, 9, 8), D(2021, 9, 8)),
        ("08/09/2021", D(2021, 9, 8), D(2021, 9, 8)),  # day first
        ("8/9/2021", D(2021, 9, 8), D(2021, 9, 8)),
        ("08-09-2021", D(2021, 9, 8), D(2021, 9, 8)),
        ("08.09.2021", D(2021, 9, 8), D(2021, 9, 8)),
        ("ngày 8/9/2021", D(2021, 9, 8), D(2021, 9, 8)),
        ("9/2021", D(2021, 9, 1), D(2021, 9, 30)),
        ("02-2021", D(2021, 2, 1), D(2021, 2, 28)),
        ("ngày 8 tháng 9 năm 2021", D(2021, 9, 8), D(2021, 9, 8)),
        ("NGÀY 8 THÁNG 9 NĂM 2021", D(2021, 9, 8), D(2021, 9, 8)),
        ("tháng 9/2021", D(2021, 9, 1), D(2021, 9, 30)),
        ("Tháng 9 năm 2021", D(2021, 9, 1), D(2021, 9, 30)),
        ("tháng 9, năm 2021", D(2021, 9, 1), D(2021, 9, 30)),
        ("năm 2021", D(2021, 1, 1), D(2021, 12, 31)),
        ("  2021-09-08\n", D(2021, 9, 8), D(2021, 9, 8)),
        (unicodedata.normalize("NFD", "tháng 9 năm 2021"), D(2021, 9, 1), D(2021, 9, 30)),
    ],
)
def test_date_bounds(value: str, first: datetime.date, last: datetime.date) -> None:
    assert date_bounds(value) == (first, last)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "hôm qua",
        "2015-2020",
        "2021-2026",
        "05-CT/TW",
        "192-Qđ/TW",
        "8/9",
        "21-3",
        "31/02/2021",
        "2021-02-30",
        "2021-13",
        "13/2021",
        "0/2021",
        "1899",
        "2101-01-01",
        "21",
        "20210908",
        "9 tháng đầu năm 2021",
        "2021-09-08T25",
        "0912-345-678",
    ],
)
def test_not_date_bounds(value: str) -> None:
    assert date_bounds(value) is None


@given(st.dates(D(1900, 1, 1), D(2100, 12, 31)))
def test_date_bounds_reads_back_a_day(day: datetime.date) -> None:
    for written in (day.isoformat(), f"{day.day}/{day.month}/{day.year}", f"{day:%d.%m.%Y}"):
        assert date_bounds(written) == (day, day)
    assert date_bounds(f"ngày {day.day} tháng {day.month} năm {day.year}") == (day, day)


@given(st.text())
def test_date_bounds_never_raises(value: str) -> None:
    bounds = date_bounds(value)
    if bounds is not None:
        first, last = bounds
        assert first <= last


# --- date_value -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-09-08", "2021-09-08"),
        ("08/09/2021", "2021-09-08"),
        ("2021-09", "2021-09-01"),
        ("tháng 9 năm 2021", "2021-09-01"),
        ("2021", "2021-01-01"),
        ("2021-09-08T23:30:00-05:00", "2021-09-08"),
        (1631085060, "2021-09-08"),  # 2021-09-08 07:11 UTC
        (1631085060.5, "2021-09-08"),
        (1631085060000, "2021-09-08"),  # milliseconds
        (1631120400, "2021-09-08"),  # 17:00 UTC, already 9 September in Hà Nội: read in UTC
        (0, "1970-01-01"),
        (-86400, "1969-12-31"),
        (-1e12, "1938-04-24"),  # milliseconds before 1970
        ("không rõ", None),
        ("", None),
        (True, None),
        (False, None),
        (None, None),
        (float("nan"), None),
        (float("inf"), None),
        (10**30, None),
        (1e11, None),  # the year 5138 in seconds
        ([2021, 9, 8], None),
        ({"date": "2021-09-08"}, None),
    ],
)
def test_date_value(value: object, expected: str | None) -> None:
    assert date_value(value) == expected


@given(st.one_of(st.integers(), st.floats(), st.text(), st.booleans(), st.none()))
def test_date_value_gives_none_or_a_day(value: object) -> None:
    assert_iso_day(date_value(value))


@pytest.mark.parametrize(
    ("line", "rest"),
    [
        ("(Thứ sáu, 24/09/2021, 04:28 pm GMT+7)", ""),
        ("Cập nhật: 08/09/2021 07:11", ""),
        ("Thứ Hai, 06/09/2021 07:11 (GMT+7)", ""),
        (" date 2025-03 TPO - Chiều 21/3, Công an Thành phố Hà Nội", "TPO - Chiều 21/3, Công an Thành phố Hà Nội"),
        (
            "Ngày 07/9/2021, tại Hà Nội, Đảng ủy Công an Trung ương",
            "Ngày 07/9/2021, tại Hà Nội, Đảng ủy Công an Trung ương",
        ),
        ("Hội thảo Quy chế phối hợp lãnh đạo công tác đảng", "Hội thảo Quy chế phối hợp lãnh đạo công tác đảng"),
    ],
)
def test_a_line_that_only_dates_the_document_is_no_title(line: str, rest: str) -> None:
    assert undated(line) == rest


@pytest.mark.parametrize(
    "head",
    [
        "Sáng 7/2, ông Trần Lê Nhật Thanh (sinh năm 1991), Trưởng Công an xã Bàu Năng cho biết.",
        "Ngày 7.2, ông Nguyễn Thế Hùng cho biết từ năm 2014 đến nay đàn chim yến sụt giảm.",
    ],
)
def test_a_year_of_birth_or_a_starting_point_gives_no_year_to_the_dateline(head: str) -> None:
    assert date_in_text(f"Tin trong ngày\n\n{head}") is None
