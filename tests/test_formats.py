"""Indexing a folder with one real Vietnamese document in each format: each is found
by a phrase from its body and by its title, and no snippet shows markup."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from searchkit.documents import JsonFields
from searchkit.indexing import index_sources
from searchkit.searching import Searcher, SortOrder
from tests.conftest import corpus_file

FIXTURES = Path(__file__).parent / "fixtures"

# Records of a JSON Lines export: short news items, each with its own words.
NEWS = [
    {
        "id": "thoi-tiet-17",
        "title": "Miền Bắc đón đợt không khí lạnh mạnh",
        "text": "Từ đêm nay, không khí lạnh tăng cường tràn về các tỉnh miền Bắc, nhiệt độ vùng núi cao "
        "có nơi xuống dưới 5 độ C. Người dân cần giữ ấm cho trẻ nhỏ và người cao tuổi.",
        "date": "2023-12-17T06:30:00+07:00",
    },
    {
        "id": "giao-thong-02",
        "title": "Thông xe cao tốc Cần Thơ - Cà Mau",
        "text": "Tuyến cao tốc dài hơn 110 km giúp rút ngắn thời gian đi từ Cần Thơ đến Cà Mau còn khoảng "
        "hai giờ, mở ra cơ hội phát triển cho vùng đồng bằng sông Cửu Long.",
        "date": "2025-01-02",
    },
    {
        "id": "nong-nghiep-09",
        "title": "Giá lúa gạo tăng nhẹ đầu vụ",
        "text": "Tại các tỉnh đồng bằng, thương lái thu mua lúa tươi với giá cao hơn tuần trước, nông dân "
        "phấn khởi vì vụ đông xuân được mùa.",
        "date": "09/03/2024",
    },
]


def _paragraphs(name_part: str) -> list[str]:
    text = corpus_file(name_part).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


def _markdown(folder: Path) -> None:
    title, *body = _paragraphs("ha-noi-toa-dam")
    first_words, rest = body[0].split(" ", 3)[:3], body[0].split(" ", 3)[3]
    lines = [f"# {title}", "", f"**{' '.join(first_words)}** {rest}", ""]
    lines += [f"- {body[1]}", f"- [{body[2]}](https://example.com/bai-viet)", "", "> " + body[3], ""]
    lines += ["| Đơn vị | Nội dung |", "| --- | --- |", "| CATP Hà Nội | tọa đàm |", ""]
    (folder / "toa-dam.md").write_text("\n".join(lines), encoding="utf-8")


def _html(folder: Path) -> None:
    first, *body = _paragraphs("tien-phong")
    paragraphs = "".join(f"<p>{p.replace('&', '&amp;')}</p>\n" for p in body[:6])
    page = f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8">
<title>Tọa đàm vai trò đoàn thể Công an Thủ đô | Báo Tiền Phong</title>
<style>.tin {{ color: red; }}</style>
<script>var quangCao = "<p>không phải nội dung</p>";</script>
</head><body>
<nav><a href="/">Trang chủ</a> <a href="/thoi-su">Thời sự</a></nav>
<article><h1>Tọa đàm vai trò đoàn thể Công an Thủ đô</h1>
<p>{first.replace("date 2025-03 ", "")}</p>
{paragraphs}<p>Hội nghị &amp; tọa đàm &#7903; Hà Nội.</p></article>
<footer>Bản quyền thuộc về Báo Tiền Phong</footer>
</body></html>"""
    (folder / "trang-tin.html").write_text(page, encoding="utf-8")


def _docx(folder: Path) -> None:
    import docx

    title, *body = _paragraphs("cum-thi-dua")
    document = docx.Document()
    document.add_heading(title, level=1)
    for paragraph in body[:5]:
        document.add_paragraph(paragraph)
    table = document.add_table(rows=2, cols=2)
    for row, cells in zip(table.rows, [("Đơn vị", "Danh hiệu"), ("Phòng Tham mưu", "Cờ thi đua")], strict=True):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    document.save(str(folder / "tong-ket.docx"))


def _jsonl(folder: Path) -> None:
    lines = [json.dumps(record, ensure_ascii=False) for record in NEWS]
    (folder / "tin-ngan.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def formats(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A folder with a document in each format, and its index."""
    folder = tmp_path_factory.mktemp("formats")
    shutil.copy(corpus_file("thu-truong"), folder / "lam-viec.txt")
    _markdown(folder)
    _html(folder)
    _docx(folder)
    shutil.copy(FIXTURES / "vietnamese.pdf", folder / "hoi-thao.pdf")
    _jsonl(folder)
    index_dir = tmp_path_factory.mktemp("formats-index")
    report = index_sources([folder], index_dir)
    assert not report.skipped, [str(s) for s in report.skipped]
    return folder, index_dir


# (file, a phrase from its body, words of its title)
CASES = [
    ("lam-viec.txt", "Đoàn Thanh niên, Hội Phụ nữ và Công đoàn CAND", "Trung tướng Trần Quốc Tỏ"),
    ("toa-dam.md", "phải luôn giữ ngọn lửa nhiệt huyết", "ngọn lửa nhiệt huyết"),
    ("trang-tin.html", "5 nhóm nội dung chính", "vai trò đoàn thể Công an Thủ đô"),
    ("tong-ket.docx", "Cụm thi đua số 4", "phong trào thi đua ngày càng thực chất"),
    ("hoi-thao.pdf", "Quy chế phối hợp", "Hội thảo Quy chế phối hợp"),
    ("tin-ngan.jsonl#giao-thong-02", "rút ngắn thời gian đi từ Cần Thơ", "cao tốc Cần Thơ"),
]

# What markup would look like in a snippet.
MARKUP = re.compile(r"<[a-z/!]|&[a-z]+;|&#\d+;|\*\*|\]\(|^#|^\s*[-*] |^> |\| --- \|", re.MULTILINE)


@pytest.mark.parametrize(("name", "phrase", "title_words"), CASES)
def test_each_format_is_found_by_a_phrase_from_its_body(formats: tuple[Path, Path], name, phrase, title_words) -> None:
    folder, index_dir = formats
    with Searcher(index_dir) as searcher:
        result = searcher.search(f'"{phrase}"', limit=10)
    paths = [hit.path for hit in result.hits]
    assert paths[0] == str((folder / name).resolve()) if "#" not in name else paths[0].endswith(name)
    hit = result.hits[0]
    assert phrase.casefold() in hit.snippet.text.casefold()
    assert not MARKUP.search(hit.snippet.text), hit.snippet.text


@pytest.mark.parametrize(("name", "phrase", "title_words"), CASES)
def test_each_format_is_found_by_its_title(formats: tuple[Path, Path], name, phrase, title_words) -> None:
    _folder, index_dir = formats
    with Searcher(index_dir) as searcher:
        result = searcher.search(f'title:"{title_words}"', limit=10)
    assert [hit.path.rsplit("/", 1)[-1] for hit in result.hits] == [name]
    assert title_words.casefold() in result.hits[0].title.casefold()
    assert not MARKUP.search(result.hits[0].title)


def test_titles_come_from_each_format_s_own_place_for_them(formats: tuple[Path, Path]) -> None:
    _folder, index_dir = formats
    with Searcher(index_dir) as searcher:
        titles = {
            hit.path.rsplit("/", 1)[-1]: hit.title
            for hit in searcher.search("date:1900..", limit=20, file_dates=True).hits
        }
    assert titles["trang-tin.html"] == "Tọa đàm vai trò đoàn thể Công an Thủ đô | Báo Tiền Phong"  # <title>
    assert titles["toa-dam.md"] == _paragraphs("ha-noi-toa-dam")[0]  # the first heading, without "#"
    assert titles["tong-ket.docx"] == _paragraphs("cum-thi-dua")[0]  # the first heading
    assert titles["tin-ngan.jsonl#thoi-tiet-17"] == NEWS[0]["title"]  # the title field
    assert titles["hoi-thao.pdf"].startswith("Hội thảo Quy chế phối hợp")  # the PDF's metadata


def test_html_leaves_out_scripts_styles_navigation_and_decodes_entities(formats: tuple[Path, Path]) -> None:
    folder, index_dir = formats
    with Searcher(index_dir) as searcher:
        text = searcher.document(folder / "trang-tin.html").text
        assert searcher.search('"không phải nội dung"').total == 0
        assert searcher.search('"Bản quyền thuộc về"').total == 0
        assert searcher.search('"Trang chủ"').total == 0
    assert "Hội nghị & tọa đàm ở Hà Nội." in text
    assert "color" not in text and "quangCao" not in text


def test_each_record_of_a_json_lines_file_is_a_document_with_its_date(formats: tuple[Path, Path]) -> None:
    folder, index_dir = formats
    with Searcher(index_dir) as searcher:
        hits = searcher.search("path:*.jsonl#*", limit=10, sort=SortOrder.DATE).hits
    source = (folder / "tin-ngan.jsonl").resolve()
    assert [(hit.path, hit.date) for hit in hits] == [
        (f"{source}#giao-thong-02", "2025-01-02"),
        (f"{source}#nong-nghiep-09", "2024-03-09"),  # day first
        (f"{source}#thoi-tiet-17", "2023-12-17"),
    ]


def test_a_pdf_without_a_text_layer_is_skipped_with_the_reason(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    folder = tmp_path / "scans"
    folder.mkdir()
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    with (folder / "ban-quet.pdf").open("wb") as file:
        writer.write(file)
    shutil.copy(FIXTURES / "vietnamese.pdf", folder / "hoi-thao.pdf")
    report = index_sources([folder], tmp_path / "index")
    assert report.indexed == 1
    [skip] = report.skipped
    assert skip.path.endswith("ban-quet.pdf") and "text layer" in skip.reason and not skip.is_error


def test_a_damaged_word_file_is_skipped_and_the_rest_is_indexed(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "hong.docx").write_bytes(b"PK\x03\x04 not really a zip")
    shutil.copy(corpus_file("thu-truong"), folder / "lam-viec.txt")
    report = index_sources([folder], tmp_path / "index")
    assert report.indexed == 1
    [skip] = report.skipped
    # A problem of the file's content, not of reaching it: reported, not an error.
    assert skip.path.endswith("hong.docx") and not skip.is_error
    assert not report.errors


class TestJsonLines:
    def _write(self, path: Path, records: list[object]) -> None:
        lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def test_bad_lines_are_reported_with_their_number_and_the_good_ones_indexed(self, tmp_path: Path) -> None:
        folder = tmp_path / "data"
        folder.mkdir()
        self._write(folder / "tin.jsonl", [NEWS[0], "{không phải JSON", {"id": "x", "title": "Trống"}, NEWS[1]])
        report = index_sources([folder], tmp_path / "index")
        assert report.indexed == 2
        assert [(Path(s.path).name, s.is_error) for s in report.skipped] == [
            ("tin.jsonl:2", False),
            ("tin.jsonl:3", False),
        ]
        assert "text" in report.skipped[1].reason

    def test_fields_are_chosen_by_option_and_remembered_by_the_index(self, tmp_path: Path) -> None:
        folder = tmp_path / "data"
        folder.mkdir()
        records = [
            {"ma": r["id"], "tieu_de": r["title"], "noi_dung": {"than": r["text"]}, "ngay": r["date"]} for r in NEWS
        ]
        self._write(folder / "tin.jsonl", records)
        index_dir = tmp_path / "index"
        fields = JsonFields(id="ma", title="tieu_de", text="noi_dung.than", date="ngay")
        assert index_sources([folder], index_dir, json_fields=fields).indexed == 3
        # A later run without the options reads the same fields: nothing changed.
        again = index_sources([folder], index_dir)
        assert (again.indexed, again.unchanged, again.removed) == (0, 1, 0)
        with Searcher(index_dir) as searcher:
            [hit] = searcher.search("cao tốc Cần Thơ").hits
        assert hit.path.endswith("tin.jsonl#giao-thong-02") and hit.title == NEWS[1]["title"]
        assert hit.date == "2025-01-02"

    def test_naming_another_field_reads_an_unchanged_file_again(self, tmp_path: Path) -> None:
        folder = tmp_path / "data"
        folder.mkdir()
        summaries = ["Rét đậm rét hại ở vùng núi", "Cao tốc mới về miền Tây", "Thương lái mua lúa tươi"]
        self._write(folder / "tin.jsonl", [{**r, "tom_tat": t} for r, t in zip(NEWS, summaries, strict=True)])
        index_dir = tmp_path / "index"
        index_sources([folder], index_dir)
        report = index_sources([folder], index_dir, json_fields=JsonFields(text="tom_tat"))
        assert (report.updated, report.unchanged, report.total_documents) == (3, 0, 3)
        with Searcher(index_dir) as searcher:
            assert searcher.search("rét đậm").total == 1
            assert searcher.search("giữ ấm cho trẻ nhỏ").total == 0  # in the text field only

    def test_a_record_removed_from_the_file_leaves_the_index(self, tmp_path: Path) -> None:
        folder = tmp_path / "data"
        folder.mkdir()
        self._write(folder / "tin.jsonl", NEWS)
        index_dir = tmp_path / "index"
        index_sources([folder], index_dir)
        self._write(folder / "tin.jsonl", NEWS[1:])
        report = index_sources([folder], index_dir)
        assert report.total_documents == 2
        with Searcher(index_dir) as searcher:
            assert searcher.search("không khí lạnh").total == 0
            assert searcher.search("cao tốc").total == 1

    def test_records_without_ids_are_numbered_by_line(self, tmp_path: Path) -> None:
        folder = tmp_path / "data"
        folder.mkdir()
        self._write(folder / "tin.jsonl", [{"text": r["text"]} for r in NEWS])
        index_sources([folder], tmp_path / "index")
        with Searcher(tmp_path / "index") as searcher:
            [hit] = searcher.search("lúa gạo OR lúa tươi").hits
            assert hit.path.endswith("tin.jsonl#3")
            # Without a title field, the first line of the text, as for a text file.
            assert hit.title == NEWS[2]["text"]
            assert searcher.document(hit.path).text == NEWS[2]["text"]
