"""Word and PDF files: the text and title each gives, and a clear FormatError (never another
exception, never a word on stderr) for a damaged, encrypted or scanned file.

The Word files are written here with python-docx; the PDF is tests/fixtures/vietnamese.pdf,
written by tests/fixtures/make_fixtures.py (see there why it is committed)."""

from __future__ import annotations

import datetime
import io
import re
import subprocess
import sys
import unicodedata
import warnings
import zipfile
from pathlib import Path

import docx
import pypdf
import pytest
from conftest import corpus_file
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchkit.formats import Extracted, FormatError
from searchkit.formats.docx import extract_docx
from searchkit.formats.pdf import extract_pdf

FIXTURE_PDF = Path(__file__).parent / "fixtures" / "vietnamese.pdf"
PDF_TITLE = "Hội thảo Quy chế phối hợp lãnh đạo công tác đảng, công tác chính trị"
# The article's paragraphs on each page of the fixture, by their first words (as in make_fixtures.py).
PDF_PAGES = (
    ("Dự hội thảo tại điểm cầu CATP", "Phát biểu khai mạc Hội thảo"),
    ("Trình bày Đề dẫn Hội thảo", "Tổng kết Hội thảo"),
)


def article_paragraphs(name_part: str) -> list[str]:
    """The paragraphs of the demo article whose file name contains `name_part`."""
    text = corpus_file(name_part).read_text(encoding="utf-8")
    return [paragraph.strip() for paragraph in text.split("\n\n") if paragraph.strip()]


def article_paragraph(opening: str) -> str:
    """The paragraph of the fixture PDF's article that starts with `opening`."""
    (paragraph,) = [p for p in article_paragraphs("hoi-thao-quy-che") if p.startswith(opening)]
    return paragraph


def collapsed(text: str) -> str:
    """NFC with every run of whitespace made one space: PDF extraction rewraps lines."""
    return " ".join(unicodedata.normalize("NFC", text).split())


# -- Word -------------------------------------------------------------------------------------

HEADING = "Thứ trưởng Trần Quốc Tỏ làm việc với các đoàn thể CAND"


def docx_bytes(document: docx.document.Document) -> bytes:
    """The .docx file python-docx writes for `document`."""
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def report_document() -> tuple[docx.document.Document, list[str]]:
    """A Word document with a heading, two of an article's paragraphs around a table with a
    merged cell, and blank paragraphs; and the lines its text must have."""
    first, second = article_paragraphs("thu-truong-tran-quoc-to")[1:3]
    document = docx.Document()
    document.add_heading(HEADING, level=1)
    document.add_paragraph(first)
    for blank in ("", "   ", ""):
        document.add_paragraph(blank)
    table = document.add_table(rows=3, cols=3)
    for cell, text in zip(table.rows[0].cells, ("Đơn vị", "Số cán bộ", "Ghi chú"), strict=True):
        cell.text = text
    for cell, text in zip(table.rows[1].cells, ("Công an Hải Phòng", "75", "Hoàn thành"), strict=True):
        cell.text = text
    merged = table.cell(2, 0).merge(table.cell(2, 1))
    merged.text = "Tổng cộng đoàn viên"
    table.cell(2, 2).text = "Đạt"
    document.add_paragraph(second)
    lines = [
        HEADING,
        first,
        "",
        "Đơn vị\tSố cán bộ\tGhi chú",
        "Công an Hải Phòng\t75\tHoàn thành",
        "Tổng cộng đoàn viên\tĐạt",
        second,
    ]
    return document, lines


def test_docx_text_is_paragraphs_and_table_rows_in_document_order() -> None:
    document, lines = report_document()
    extracted = extract_docx(docx_bytes(document))
    assert extracted.text == "\n".join(lines)
    assert extracted.date == "2021-09-24"  # "Ngày 24/9, …" and the one year its sentence names
    assert "<" not in extracted.text and "w:" not in extracted.text


def test_docx_cell_merged_down_a_column_appears_once() -> None:
    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).merge(table.cell(1, 0)).text = "Công an Thủ đô"
    table.cell(0, 1).text = "Hà Nội"
    table.cell(1, 1).text = "Tiên phong"
    assert extract_docx(docx_bytes(document)).text == "Công an Thủ đô\tHà Nội\nTiên phong"


def test_docx_nested_table_stays_on_its_cell_line() -> None:
    document = docx.Document()
    outer = document.add_table(rows=1, cols=2)
    outer.cell(0, 0).text = "Địa điểm"
    inner = outer.cell(0, 0).add_table(rows=1, cols=2)
    inner.cell(0, 0).text = "Hà Nội"
    inner.cell(0, 1).text = "Hải Phòng"
    outer.cell(0, 1).text = "Hội thảo trực tuyến"
    assert extract_docx(docx_bytes(document)).text == "Địa điểm Hà Nội Hải Phòng\tHội thảo trực tuyến"


def test_docx_title_is_the_core_properties_title() -> None:
    document, _ = report_document()
    document.core_properties.title = "  Báo cáo   công tác đảng  "
    assert extract_docx(docx_bytes(document)).title == "Báo cáo công tác đảng"


def test_docx_without_a_properties_title_takes_its_first_heading() -> None:
    document, _ = report_document()
    assert document.core_properties.title == ""
    document.paragraphs[0].insert_paragraph_before("Lời mở đầu")
    assert extract_docx(docx_bytes(document)).title == HEADING


def test_docx_title_style_counts_as_a_heading() -> None:
    document = docx.Document()
    document.add_paragraph("Số 4")
    document.add_heading("Cụm thi đua số 4 tổng kết phong trào thi đua", level=0)
    assert extract_docx(docx_bytes(document)).title == "Cụm thi đua số 4 tổng kết phong trào thi đua"


def test_a_word_files_creation_day_dates_it_when_its_text_does_not() -> None:
    document = docx.Document()
    document.add_paragraph("Công an cấp huyện tiếp nhận hồ sơ của người dân.")
    document.core_properties.created = datetime.datetime(2017, 2, 6, 8, 30)
    assert extract_docx(docx_bytes(document)).date == "2017-02-06"
    document.add_paragraph("Hà Nội, ngày 15 tháng 5 năm 2016")
    assert extract_docx(docx_bytes(document)).date == "2016-05-15"


def test_docx_without_title_or_heading_names_none() -> None:
    # The document's first line is then its title, as for any file (documents.title_of).
    document = docx.Document()
    document.add_paragraph("")
    document.add_paragraph("Hà Nội tọa đàm giữ ngọn lửa nhiệt huyết")
    assert extract_docx(docx_bytes(document)) == Extracted(text="Hà Nội tọa đàm giữ ngọn lửa nhiệt huyết", title="")
    assert extract_docx(docx_bytes(docx.Document())) == Extracted(text="", title="")


def rezipped(data: bytes, change: dict[str, bytes | None]) -> bytes:
    """The zip `data` with the members in `change` replaced, or left out when None."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            content = change.get(name, source.read(name))
            if content is not None:
                target.writestr(name, content)
    return out.getvalue()


def test_docx_without_core_properties_has_no_made_up_title() -> None:
    # python-docx's `core_properties` makes up "Word Document" for a file without them.
    document, _ = report_document()
    data = docx_bytes(document)
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        rels = package.read("_rels/.rels").decode()
    rels = re.sub(r"<Relationship [^>]*docProps/core\.xml[^>]*/>", "", rels)
    extracted = extract_docx(rezipped(data, {"docProps/core.xml": None, "_rels/.rels": rels.encode()}))
    assert extracted.title == HEADING


def not_word_files() -> dict[str, bytes]:
    """Files that a .docx name may hide and that are not Word documents."""
    data = docx_bytes(report_document()[0])
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        content_types = package.read("[Content_Types].xml")
    return {
        "empty": b"",
        "text": "Hội thảo Quy chế phối hợp\n".encode(),
        "zip of other files": rezipped(data, {name: None for name in zipfile.ZipFile(io.BytesIO(data)).namelist()}),
        "no document part": rezipped(data, {"word/document.xml": None}),
        "damaged document XML": rezipped(data, {"word/document.xml": b"<w:document><w:body>"}),
        "other XML as the document": rezipped(data, {"word/document.xml": b"<?xml version='1.0'?><bang/>"}),
        "spreadsheet": rezipped(
            data, {"[Content_Types].xml": content_types.replace(b"wordprocessingml.document", b"spreadsheetml.sheet")}
        ),
        "truncated": data[: len(data) // 2],
    }


@pytest.mark.parametrize("kind", list(not_word_files()))
def test_not_a_word_file_is_a_format_error(kind: str) -> None:
    with pytest.raises(FormatError, match=r"^not a readable Word \(\.docx\) file") as raised:
        extract_docx(not_word_files()[kind])
    assert raised.value.is_error


@pytest.fixture(scope="module")
def word_file() -> bytes:
    return docx_bytes(report_document()[0])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_bytes_give_text_or_a_format_error_for_docx(word_file: bytes, data: st.DataObject) -> None:
    damaged = data.draw(damaged_versions(word_file))
    try:
        assert isinstance(extract_docx(damaged).text, str)
    except FormatError as error:
        assert error.is_error


def damaged_versions(good: bytes) -> st.SearchStrategy[bytes]:
    """Random bytes, and the file `good` cut short or with a few bytes changed."""
    return st.one_of(
        st.binary(max_size=500),
        st.integers(0, len(good)).map(lambda end: good[:end]),
        st.lists(st.tuples(st.integers(0, len(good) - 1), st.integers(0, 255)), max_size=8).map(
            lambda flips: bytes(_flipped(good, flips))
        ),
    )


def _flipped(data: bytes, flips: list[tuple[int, int]]) -> bytearray:
    """`data` with the byte at each position set to the given value."""
    changed = bytearray(data)
    for position, value in flips:
        changed[position] = value
    return changed


# -- PDF --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fixture_pdf() -> bytes:
    return FIXTURE_PDF.read_bytes()


def test_pdf_fixture_is_small_and_has_the_paragraphs_over_two_pages(fixture_pdf: bytes) -> None:
    assert len(fixture_pdf) < 40_000
    pages = [collapsed(page.extract_text()) for page in pypdf.PdfReader(io.BytesIO(fixture_pdf)).pages]
    assert len(pages) == len(PDF_PAGES)
    for page, openings in zip(pages, PDF_PAGES, strict=True):
        assert all(opening in page for opening in openings)


def test_pdf_text_has_every_page_in_order(fixture_pdf: bytes) -> None:
    extracted = extract_pdf(fixture_pdf)
    text = collapsed(extracted.text)
    assert text.startswith(f"{PDF_TITLE} Ngày 07/9/2021, tại Hà Nội ")
    paragraphs = [collapsed(article_paragraph(opening)) for page in PDF_PAGES for opening in page]
    positions = [text.find(paragraph) for paragraph in paragraphs]
    assert -1 not in positions and positions == sorted(positions)
    assert extracted.date == "2021-09-07"  # "Ngày 07/9/2021, …": the text's date comes first


def test_pdf_finds_a_phrase_of_each_page(fixture_pdf: bytes) -> None:
    text = collapsed(extract_pdf(fixture_pdf).text)
    assert "Thiếu tướng Vũ Thanh Chương, Ủy viên BTV Thành ủy" in text  # page 1
    assert "Trung tướng Nguyễn Ngọc Toàn, Cục trưởng Cục Công tác đảng và công tác chính trị" in text  # page 2
    assert "92 văn bản góp ý, trong đó có 15 ý kiến" in text  # page 2, last paragraph


def test_pdf_pages_are_apart_by_a_blank_line_and_lines_have_no_trailing_spaces(fixture_pdf: bytes) -> None:
    text = extract_pdf(fixture_pdf).text
    assert text.count("\n\n") == 1
    assert text.split("\n\n")[1].startswith("Trình bày Đề dẫn Hội thảo")
    assert all(line == line.rstrip() for line in text.splitlines())
    assert text == text.strip()


def test_pdf_title_is_the_metadata_title(fixture_pdf: bytes) -> None:
    assert extract_pdf(fixture_pdf).title == PDF_TITLE


def with_metadata_title(data: bytes, title: str) -> bytes:
    """The PDF `data` with its document information title set to `title`."""
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(data))
    writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("metadata_title", "title"),
    [
        ("Microsoft Word - Báo cáo tổng kết.docx", "Báo cáo tổng kết"),
        ("Microsoft Word - Báo cáo tổng kết.doc", "Báo cáo tổng kết"),
        ("Microsoft Word - Báo cáo", "Báo cáo"),
        # None: the document's first line is then its title, as for any file (documents.title_of).
        ("Untitled", ""),
        ("untitled", ""),
        ("   ", ""),
        (unicodedata.normalize("NFD", "Báo cáo  tổng kết"), "Báo cáo tổng kết"),
    ],
)
def test_pdf_title_made_up_by_a_tool_is_not_the_title(fixture_pdf: bytes, metadata_title: str, title: str) -> None:
    assert extract_pdf(with_metadata_title(fixture_pdf, metadata_title)).title == title


def handmade_pdf(content: bytes, to_unicode: bytes) -> bytes:
    """A one-page PDF written out by hand: `content` drawn in Helvetica (/F1), whose codes
    `to_unicode` maps to Unicode text."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 100]"
        b" /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding /ToUnicode 6 0 R >>",
        *(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream) for stream in (content, to_unicode)),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# Code 1 is "ệ" decomposed: e, combining dot below, combining circumflex (as some PDF tools write it).
DECOMPOSED_E = b"""/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CMapName /Decomposed def
/CMapType 2 def
1 begincodespacerange
<00> <FF>
endcodespacerange
1 beginbfchar
<01> <006503230302>
endbfchar
endcmap
CMapName currentdict /CMap defineresource pop
end
end"""


def test_pdf_decomposed_vietnamese_letters_come_out_composed() -> None:
    data = handmade_pdf(b"BT /F1 12 Tf 20 50 Td (Vi\\001t Nam) Tj ET", DECOMPOSED_E)
    assert unicodedata.normalize("NFC", pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text()) == "Việt Nam"
    assert not unicodedata.is_normalized("NFC", pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text())
    assert extract_pdf(data) == Extracted(text="Việt Nam")


def pdf_of_blank_pages(count: int) -> bytes:
    """A PDF whose pages have nothing on them, like pages scanned as images."""
    writer = pypdf.PdfWriter()
    for _ in range(count):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pdf_without_a_text_layer_is_nothing_to_index_not_an_error() -> None:
    with pytest.raises(FormatError, match="no text layer") as raised:
        extract_pdf(pdf_of_blank_pages(2))
    assert not raised.value.is_error
    assert "OCR" in raised.value.reason


def encrypted(data: bytes, user_password: str, owner_password: str | None = None) -> bytes:
    """The PDF `data` encrypted with RC4-128, which pypdf does without the cryptography package."""
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(data))
    writer.encrypt(user_password, owner_password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pdf_encrypted_with_a_password_is_an_error(fixture_pdf: bytes) -> None:
    with pytest.raises(FormatError, match=r"^encrypted PDF") as raised:
        extract_pdf(encrypted(fixture_pdf, "bí mật"))
    assert raised.value.is_error


def test_pdf_encrypted_with_an_empty_user_password_is_read(fixture_pdf: bytes) -> None:
    # Many PDFs are encrypted only to restrict printing or copying: anyone may open them.
    extracted = extract_pdf(encrypted(fixture_pdf, "", owner_password="chủ sở hữu"))
    assert extracted == extract_pdf(fixture_pdf)


def test_pdf_encryption_that_needs_a_missing_package_says_so(
    fixture_pdf: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    def aes_without_cryptography(self: pypdf.PdfReader, password: str) -> None:
        raise pypdf.errors.DependencyError("cryptography>=3.1 is required for AES algorithm")

    monkeypatch.setattr(pypdf.PdfReader, "decrypt", aes_without_cryptography)
    with pytest.raises(FormatError, match=r"^encrypted PDF.*'cryptography' package") as raised:
        extract_pdf(encrypted(fixture_pdf, ""))
    assert raised.value.is_error


@pytest.mark.parametrize(
    "data",
    [b"", b"%PDF-1.7\n", b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\n", "Hội thảo".encode(), b"\x00" * 1000],
    ids=["empty", "header only", "no xref", "text", "zeros"],
)
def test_not_a_pdf_is_a_format_error(data: bytes) -> None:
    with pytest.raises(FormatError, match=r"^not a readable PDF file$") as raised:
        extract_pdf(data)
    assert raised.value.is_error


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_bytes_give_text_or_a_format_error_for_pdf(fixture_pdf: bytes, data: st.DataObject) -> None:
    damaged = data.draw(
        st.one_of(damaged_versions(fixture_pdf), st.binary(max_size=500).map(lambda tail: b"%PDF-1.4\n" + tail))
    )
    try:
        assert isinstance(extract_pdf(damaged).text, str)
    except FormatError as error:
        assert error.is_error or error.reason.startswith("no text layer")


def with_wrong_startxref(data: bytes) -> bytes:
    """The PDF `data` pointing a few bytes off its cross-reference table, which pypdf repairs
    while logging warnings."""
    found = re.search(rb"startxref\s+(\d+)", data)
    assert found
    return data[: found.start(1)] + b"%d" % (int(found[1]) - 7) + data[found.end(1) :]


def test_warnings_raised_inside_pypdf_stay_there(fixture_pdf: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    # As the cryptography package's deprecation warning for RC4 would, when it is installed.
    extract_text = pypdf.PageObject.extract_text

    def extract_text_warning(self: pypdf.PageObject) -> str:
        warnings.warn("ARC4 has been moved to cryptography.hazmat.decrepit", DeprecationWarning, stacklevel=2)
        return extract_text(self)

    monkeypatch.setattr(pypdf.PageObject, "extract_text", extract_text_warning)
    assert extract_pdf(fixture_pdf).title == PDF_TITLE


def test_extraction_writes_nothing_to_stderr_or_stdout(fixture_pdf: bytes, capfd: pytest.CaptureFixture[str]) -> None:
    extract_pdf(with_wrong_startxref(fixture_pdf))
    for data in (fixture_pdf[: len(fixture_pdf) // 2], pdf_of_blank_pages(1), b"garbage"):
        with pytest.raises(FormatError):
            extract_pdf(data)
    with pytest.raises(FormatError):
        extract_docx(b"garbage")
    assert capfd.readouterr() == ("", "")


def test_pypdf_warnings_reach_no_stderr_when_logging_is_not_configured(tmp_path: Path, fixture_pdf: bytes) -> None:
    # pytest configures logging, so only a new process shows logging's last resort printing.
    damaged = tmp_path / "damaged.pdf"
    damaged.write_bytes(with_wrong_startxref(fixture_pdf))
    code = (
        "import sys; from pathlib import Path; from searchkit.formats.pdf import extract_pdf; "
        "print(extract_pdf(Path(sys.argv[1]).read_bytes()).title)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(damaged)], capture_output=True, text=True, encoding="utf-8", check=True
    )
    assert (done.stdout, done.stderr) == (PDF_TITLE + "\n", "")
