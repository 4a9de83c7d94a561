"""Everyday use through the command line: managing what the index holds, files skipped
for their kind, the exit status of a partial success, identical copies folded, and the
zero-width space."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from searchkit.cli import app
from searchkit.store.index import META_FILE
from tests.conftest import CORPUS, corpus_file
from tests.legacy_reference import to_tcvn3, to_vni

runner = CliRunner()


def run(*args: str) -> Result:
    return runner.invoke(app, list(args))


def names(result: Result) -> list[str]:
    return sorted(Path(line).name for line in result.stdout.splitlines())


@pytest.fixture
def two_folders(tmp_path: Path) -> tuple[Path, Path, Path]:
    first, second = tmp_path / "bao-chi", tmp_path / "tham-luan"
    first.mkdir()
    second.mkdir()
    shutil.copy(corpus_file("hoi-thao-quy-che"), first / "hoi-thao.txt")
    shutil.copy(corpus_file("tien-phong"), second / "toa-dam.txt")
    index = tmp_path / "index"
    assert run("index", str(first), str(second), "--index", str(index)).exit_code == 0
    return first, second, index


def test_remove_takes_a_folder_out_of_the_index_even_once_it_is_gone(two_folders: tuple[Path, Path, Path]) -> None:
    first, second, index = two_folders
    shutil.rmtree(second)
    # The folder is gone: indexing it says so, names the command, and keeps its documents.
    refused = run("index", str(second), "--index", str(index))
    assert refused.exit_code == 2
    assert refused.stderr.count("\n") == 1 and f"searchkit remove {second}" in refused.stderr
    assert names(run("query", "công an", "-l", "--index", str(index))) == ["hoi-thao.txt", "toa-dam.txt"]

    removed = run("remove", str(second), "--index", str(index))
    assert removed.exit_code == 0, removed.output
    assert "1 removed" in removed.stderr
    assert names(run("query", "công an", "-l", "--index", str(index))) == ["hoi-thao.txt"]
    stats = json.loads(run("stats", "--json", "--index", str(index)).stdout)
    assert [Path(folder["path"]).name for folder in stats["folders"]] == [first.name]
    # Nothing of it is left to remove; a later index of it adds it back.
    assert run("remove", str(second), "--index", str(index)).exit_code == 2
    second.mkdir()
    shutil.copy(corpus_file("tien-phong"), second / "toa-dam.txt")
    assert run("index", str(second), "--index", str(index)).exit_code == 0
    assert names(run("query", "công an", "-l", "--index", str(index))) == ["hoi-thao.txt", "toa-dam.txt"]


def test_remove_of_one_file_keeps_its_folder(two_folders: tuple[Path, Path, Path]) -> None:
    first, _second, index = two_folders
    shutil.copy(corpus_file("thu-truong"), first / "thu-truong.txt")
    assert run("index", "--index", str(index)).exit_code == 0
    assert run("remove", str(first / "hoi-thao.txt"), "--index", str(index)).exit_code == 0
    assert names(run("query", "công an", "-l", "--index", str(index))) == ["thu-truong.txt", "toa-dam.txt"]
    stats = json.loads(run("stats", "--json", "--index", str(index)).stdout)
    assert len(stats["folders"]) == 2


def test_index_with_no_folder_brings_every_recorded_folder_up_to_date(
    two_folders: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    first, second, index = two_folders
    shutil.copy(corpus_file("thu-truong"), first / "thu-truong.txt")
    (second / "toa-dam.txt").unlink()
    (second / "nhap.txt").write_text("Bản nháp về công an xã\n", encoding="utf-8")
    result = run("index", "--index", str(index))
    assert result.exit_code == 0, result.output
    assert "2 added, 0 updated, 1 removed, 1 unchanged" in result.stderr
    assert names(run("query", "công an", "-l", "--index", str(index))) == ["hoi-thao.txt", "nhap.txt", "thu-truong.txt"]
    # With nothing recorded, it asks for a folder.
    empty = run("index", "--index", str(tmp_path / "new"))
    assert empty.exit_code == 2 and "give a folder" in empty.stderr


def test_index_with_no_folder_keeps_each_folders_patterns(tmp_path: Path) -> None:
    folder = tmp_path / "tin"
    (folder / "nhap").mkdir(parents=True)
    shutil.copy(corpus_file("tien-phong"), folder / "toa-dam.txt")
    shutil.copy(corpus_file("thu-truong"), folder / "nhap" / "thu-truong.txt")
    index = str(tmp_path / "index")
    assert run("index", str(folder), "--exclude", "nhap/", "--index", index).exit_code == 0
    assert run("index", "--index", index).exit_code == 0
    assert names(run("query", "công an", "-l", "--index", index)) == ["toa-dam.txt"]


def _odt(text: str) -> bytes:
    """A small OpenDocument text file, as LibreOffice writes one."""
    import io

    body = "".join(f"<text:p>{line}</text:p>" for line in text.splitlines())
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content'
        ' xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3">'
        f"<office:body><office:text>{body}</office:text></office:body></office:document-content>"
    )
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", content)
    return data.getvalue()


def test_kinds_not_read_are_counted_and_text_like_files_are_read(tmp_path: Path) -> None:
    folder = tmp_path / "van-ban"
    folder.mkdir()
    for name in ("to-trinh.doc", "bao-cao.doc", "du-thao.rtf", "bang.xlsx"):
        (folder / name).write_bytes(b"\xd0\xcf\x11\xe0 not read")
    (folder / "chuong-trinh").write_bytes(b"\x7fELF\x00\x01\x02")  # a binary without a suffix
    (folder / "README").write_text("Hướng dẫn\nCông an cấp huyện tiếp nhận hồ sơ.\n", encoding="utf-8")
    (folder / "so-lieu.csv").write_text("đơn vị,số\nCông an cấp huyện,12\n", encoding="utf-8")
    (folder / "nhat-ky.log").write_text("Công an cấp huyện đã xử lý.\n", encoding="utf-8")
    (folder / "bien-ban.odt").write_bytes(_odt("Biên bản\nCông an cấp huyện họp giao ban."))
    index = str(tmp_path / "index")

    result = run("index", str(folder), "--index", index)
    assert result.exit_code == 0, result.output
    assert "skipped 5 files of kinds not read: .doc 2, .rtf 1, .xlsx 1, no suffix 1" in result.stderr
    assert "4 added" in result.stderr
    assert names(run("query", "công an cấp huyện", "-l", "--index", index)) == [
        "README",
        "bien-ban.odt",
        "nhat-ky.log",
        "so-lieu.csv",
    ]
    verbose = run("index", str(folder), "--index", index, "--verbose")
    assert (
        f"searchkit: skipped {folder / 'to-trinh.doc'}: a kind of file not read (.doc)" in verbose.stderr.splitlines()
    )


def test_a_content_problem_is_a_skip_and_strict_makes_it_an_error(tmp_path: Path) -> None:
    folder = tmp_path / "tin"
    folder.mkdir()
    shutil.copy(corpus_file("tien-phong"), folder / "toa-dam.txt")
    records = [{"id": "a", "text": "Công an cấp huyện tiếp nhận hồ sơ."}, "{không phải JSON"]
    (folder / "tin.jsonl").write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records) + "\n",
        encoding="utf-8",
    )
    (folder / "hong.docx").write_bytes(b"PK\x03\x04 not really a zip")
    index = str(tmp_path / "index")
    result = run("index", str(folder), "--index", index)
    # Reported and counted, and `index && query` goes on.
    assert result.exit_code == 0, result.output
    assert "skipped" in result.stderr and "tin.jsonl:2" in result.stderr and "hong.docx" in result.stderr
    assert names(run("query", "công an cấp huyện", "-l", "--index", index)) == ["tin.jsonl#a", "toa-dam.txt"]
    assert run("index", str(folder), "--index", index, "--strict").exit_code == 2
    # A kind not read is no reason for --strict to fail.
    (folder / "hong.docx").unlink()
    (folder / "tin.jsonl").unlink()
    (folder / "cu.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    assert run("index", str(folder), "--index", index, "--strict").exit_code == 0


def test_a_file_that_cannot_be_reached_is_an_error(tmp_path: Path) -> None:
    folder = tmp_path / "tin"
    folder.mkdir()
    shutil.copy(corpus_file("tien-phong"), folder / "toa-dam.txt")
    (folder / "mat.txt").symlink_to(tmp_path / "nowhere.txt")
    result = run("index", str(folder), "--index", str(tmp_path / "index"))
    assert result.exit_code == 2
    assert "mat.txt: file not found" in result.stderr and "1 added" in result.stderr


def test_identical_copies_are_one_hit_with_their_other_paths(tmp_path: Path) -> None:
    folder = tmp_path / "tin"
    (folder / "ban-sao").mkdir(parents=True)
    article = corpus_file("tien-phong")
    for place in ("b.txt", "a.txt", "ban-sao/c.txt"):
        shutil.copy(article, folder / place)
    (folder / "khac.txt").write_text("Tin khác\nCông an cấp huyện tiếp dân.\n", encoding="utf-8")
    # A near-copy under another headline is another document.
    text = article.read_text(encoding="utf-8").split("\n", 1)[1]
    (folder / "dang-lai.txt").write_text("Một tít khác cho cùng bài\n" + text, encoding="utf-8")
    index = str(tmp_path / "index")
    assert run("index", str(folder), "--index", index).exit_code == 0

    hits = [
        json.loads(line) for line in run("query", "công an cấp huyện", "--json", "--index", index).stdout.splitlines()
    ]
    copies = [hit for hit in hits if "also_at" in hit]
    assert len(hits) == 3 and len(copies) == 1
    assert Path(copies[0]["path"]).name == "a.txt"
    assert [Path(p).relative_to(folder).as_posix() for p in copies[0]["also_at"]] == ["b.txt", "ban-sao/c.txt"]
    tsv = run("query", "công an cấp huyện", "--index", index).stdout.splitlines()
    assert len(tsv) == 3
    terminal = run("query", "công an cấp huyện", "--index", index, "--color", "always").stdout
    assert "also at:" in terminal
    # Listings and counts see every file.
    assert len(run("query", "công an cấp huyện", "-l", "--index", index).stdout.splitlines()) == 5
    assert run("query", "công an cấp huyện", "-c", "--index", index).stdout == "5\n"


def test_a_zero_width_space_separates_syllables_and_an_old_index_asks_for_a_rebuild(tmp_path: Path) -> None:
    folder = tmp_path / "tin"
    folder.mkdir()
    (folder / "trang.txt").write_text("Tin\nCông\u200ban cấp\u200bhuyện tiếp nhận hồ sơ.\n", encoding="utf-8")
    index = tmp_path / "index"
    assert run("index", str(folder), "--index", str(index)).exit_code == 0
    assert names(run("query", '"công an cấp huyện"', "-l", "--index", str(index))) == ["trang.txt"]
    meta = json.loads((index / META_FILE).read_text(encoding="utf-8"))
    (index / META_FILE).write_text(json.dumps({**meta, "format": meta["format"] - 1}), encoding="utf-8")
    old = run("query", "công an", "--index", str(index))
    assert old.exit_code == 2
    assert "another version of searchkit" in old.stderr and "--rebuild" in old.stderr


def test_the_demo_corpus_has_no_copies() -> None:
    texts = [path.read_text(encoding="utf-8") for path in sorted(CORPUS.glob("*.txt"))]
    assert len(set(texts)) == len(texts)


def test_text_typed_in_tcvn3_or_vni_is_converted_and_found(tmp_path: Path) -> None:
    folder = tmp_path / "cong-van"
    folder.mkdir()
    text = "Cộng hoà xã hội chủ nghĩa Việt Nam\nCông an cấp huyện tiếp nhận hồ sơ của người dân.\n"
    # As the legacy fonts' files are: the font's bytes, which a Unicode reading garbles.
    (folder / "abc.txt").write_bytes(to_tcvn3(text).encode("cp1252"))
    (folder / "vni.txt").write_bytes(to_vni(text).encode("cp1252"))
    (folder / "unicode.txt").write_text("Tin\nCông an xã tiếp dân.\n", encoding="utf-8")
    index = str(tmp_path / "index")
    result = run("index", str(folder), "--index", index)
    assert result.exit_code == 0, result.output
    said = result.stderr.splitlines()
    assert f"searchkit: converted {folder / 'abc.txt'} to Unicode from TCVN3 (ABC, .VnTime fonts)" in said
    assert f"searchkit: converted {folder / 'vni.txt'} to Unicode from VNI (VNI-Times fonts)" in said
    assert not any("unicode.txt" in line for line in said)
    assert names(run("query", '"công an cấp huyện"', "-l", "--index", index)) == ["abc.txt", "vni.txt"]
    hits = [
        json.loads(line) for line in run("query", "cộng hòa xã hội", "--json", "--index", index).stdout.splitlines()
    ]
    # The two files hold the same text once converted: one hit, and its copy.
    assert [Path(hit["path"]).name for hit in hits] == ["abc.txt"] and len(hits[0]["also_at"]) == 1
    assert hits[0]["title"] == "Cộng hoà xã hội chủ nghĩa Việt Nam"
    assert run("show", str(folder / "vni.txt"), "--index", index).stdout == text


def _epub(title: str, chapters: list[str]) -> bytes:
    """A small EPUB 3 book: its container, package and one XHTML file per chapter."""
    import io

    items = "".join(
        f'<item id="c{i}" href="c{i}.xhtml" media-type="application/xhtml+xml"/>' for i in range(len(chapters))
    )
    spine = "".join(f'<itemref idref="c{i}"/>' for i in range(len(chapters)))
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as book:
        book.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        book.writestr(
            "META-INF/container.xml",
            '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
            '<rootfiles><rootfile full-path="OEBPS/book.opf" media-type="application/oebps-package+xml"/>'
            "</rootfiles></container>",
        )
        book.writestr(
            "OEBPS/book.opf",
            '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0">'
            f'<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{title}</dc:title>'
            f"<dc:date>2016-05-15</dc:date></metadata><manifest>{items}</manifest><spine>{spine}</spine></package>",
        )
        for i, chapter in enumerate(chapters):
            book.writestr(
                f"OEBPS/c{i}.xhtml",
                '<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>Chương</title></head>'
                f"<body><p>{chapter}</p></body></html>",
            )
    return data.getvalue()


def test_an_epub_book_and_a_word_file_in_a_legacy_font_are_found(tmp_path: Path) -> None:
    import docx

    folder = tmp_path / "thu-vien"
    folder.mkdir()
    (folder / "so-tay.epub").write_bytes(
        _epub("Sổ tay công tác", ["Chương một nói về công an cấp huyện.", "Chương hai nói về tọa đàm."])
    )
    word = docx.Document()
    typed = word.add_paragraph().add_run(to_tcvn3("Công an cấp huyện tiếp nhận hồ sơ của người dân."))
    typed.font.name = ".VnTime"
    word.save(str(folder / "cong-van.docx"))
    index = str(tmp_path / "index")
    result = run("index", str(folder), "--index", index)
    assert result.exit_code == 0, result.output
    assert f"searchkit: converted {folder / 'cong-van.docx'} to Unicode from TCVN3 (ABC, .VnTime fonts)" in (
        result.stderr.splitlines()
    )
    hits = [
        json.loads(line) for line in run("query", '"công an cấp huyện"', "--json", "--index", index).stdout.splitlines()
    ]
    assert sorted((Path(hit["path"]).name, hit["title"]) for hit in hits) == [
        ("cong-van.docx", "Công an cấp huyện tiếp nhận hồ sơ của người dân."),
        ("so-tay.epub", "Sổ tay công tác"),
    ]
    book = next(hit for hit in hits if hit["path"].endswith(".epub"))
    assert (book["date"], book["date_source"]) == ("2016-05-15", "document")
