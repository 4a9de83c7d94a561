"""Messy folders: text in every encoding people have, files too big or unreadable, odd
file names and links. Each is indexed and found, or skipped with its reason on stderr;
never a traceback, and the rest of the folder is always indexed."""

from __future__ import annotations

import base64
import codecs
import os
import unicodedata
from pathlib import Path

import pytest
from test_cli import invoke, records

from searchkit.documents import MAX_FILE_BYTES
from searchkit.store.index import Store

TITLE = "Phòng cháy chữa cháy ở khu dân cư"
BODY = "Công an phường hướng dẫn người dân cách phòng cháy chữa cháy, thoát nạn khi có hoả hoạn."
QUERY = "phòng cháy chữa cháy"


def windows_1258(text: str) -> bytes:
    """Vietnamese as Windows-1258 writes it: tone marks as combining characters after
    the letter (which may carry a circumflex, breve or horn)."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for ch in text:
        parts = unicodedata.normalize("NFD", ch)
        marks = "".join(c for c in parts if c in tones)
        out.append(unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones)) + marks)
    return "".join(out).encode("cp1258")


ENCODINGS = {
    "utf8.txt": f"{TITLE}\n{BODY}\n".encode(),
    "utf8-bom.txt": codecs.BOM_UTF8 + f"{TITLE}\n{BODY}\n".encode(),
    "utf16-le.txt": codecs.BOM_UTF16_LE + f"{TITLE}\n{BODY}\n".encode("utf-16-le"),
    "utf16-be.txt": codecs.BOM_UTF16_BE + f"{TITLE}\n{BODY}\n".encode("utf-16-be"),
    "nfd.txt": unicodedata.normalize("NFD", f"{TITLE}\n{BODY}\n").encode(),
    "crlf.txt": f"{TITLE}\r\n{BODY}\r\n".encode(),
    "zero-width.txt": (TITLE + "\n" + BODY.replace("cháy", "ch\u200báy") + "\n").encode(),
    "windows-1258.txt": windows_1258(f"{TITLE}\n{BODY}\n"),
}


def index_folder(folder: Path, index_dir: Path) -> tuple[int, str]:
    result = invoke("index", str(folder), "--index", str(index_dir))
    assert "Traceback" not in result.output
    return result.exit_code, result.stderr


def test_every_encoding_is_indexed_found_and_highlighted(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name, data in ENCODINGS.items():
        (folder / name).write_bytes(data)
    status, stderr = index_folder(folder, tmp_path / "index")
    assert status == 0, stderr
    # Only the legacy encoding is worth a word to the user.
    assert [line for line in stderr.splitlines() if "Windows-1258" in line] == [
        f"searchkit: read {folder / 'windows-1258.txt'} as Windows-1258: it is not valid UTF-8"
    ]
    hits = records(invoke("query", QUERY, "--json", "--index", str(tmp_path / "index")))
    # The same text in several encodings is one hit, with the other files as its copies.
    found = [str(path) for hit in hits for path in [hit["path"], *hit.get("also_at", [])]]
    assert sorted(Path(path).name for path in found) == sorted(ENCODINGS)
    for hit in hits:
        assert unicodedata.normalize("NFC", str(hit["title"])) == TITLE
    for name in ENCODINGS:
        shown = records(
            invoke("show", str(folder / name), "--query", QUERY, "--json", "--index", str(tmp_path / "index"))
        )
        [document] = shown
        text = str(document["text"])
        marked = [unicodedata.normalize("NFC", text[s:e]).replace("\u200b", " ") for s, e in document["highlights"]]
        assert "phòng cháy chữa cháy" in [" ".join(m.lower().split()) for m in marked], (name, marked)


def test_a_file_in_no_known_encoding_is_skipped_and_the_rest_is_indexed(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "good.txt").write_bytes(ENCODINGS["utf8.txt"])
    # Bytes that are neither UTF-8 nor Windows-1258 (0x81, 0x8D and 0x90 are unassigned there).
    (folder / "garbled.txt").write_bytes(b"Ph\x81ng ch\x8dy \x90 ch\xe1y\n")
    status, stderr = index_folder(folder, tmp_path / "index")
    assert status == 0  # a problem of its content: reported, and the run goes on
    assert f"searchkit: skipped {folder / 'garbled.txt'}: neither UTF-8 (byte 2) nor Windows-1258" in stderr
    assert Store(tmp_path / "index").doc_count == 1


def test_a_file_over_the_size_limit_is_skipped_with_its_reason(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "good.txt").write_bytes(ENCODINGS["utf8.txt"])
    line = f"{BODY}\n".encode()
    (folder / "just-over.txt").write_bytes(line * (MAX_FILE_BYTES // len(line) + 10))
    with open(folder / "huge.txt", "wb") as huge:  # 100 MB of text (sparse: written at its end)
        huge.seek(100 * 1024 * 1024 - len(line))
        huge.write(line)
    status, stderr = index_folder(folder, tmp_path / "index")
    assert status == 0
    assert f"searchkit: skipped {folder / 'just-over.txt'}: 2.0 MB, over the 2 MB a document may have" in stderr
    assert f"searchkit: skipped {folder / 'huge.txt'}: 100.0 MB, over the 2 MB a document may have" in stderr
    assert Store(tmp_path / "index").doc_count == 1


def test_odd_file_names_and_links(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    spaced = folder / "bài viết về phòng cháy.txt"
    spaced.write_bytes(ENCODINGS["utf8.txt"])
    (folder / "loop-a.txt").symlink_to(folder / "loop-b.txt")
    (folder / "loop-b.txt").symlink_to(folder / "loop-a.txt")
    (folder / "broken.txt").symlink_to(tmp_path / "nowhere.txt")
    not_utf8_name = os.fsencode(folder) + b"/tin-t\xe9c.txt"
    with open(not_utf8_name, "wb") as file:
        file.write(ENCODINGS["utf8.txt"])

    status, stderr = index_folder(folder, tmp_path / "index")

    assert status == 2  # some files could not be reached
    said = stderr.splitlines()
    assert f"searchkit: skipped {folder / 'loop-a.txt'}: cannot read: Too many levels of symbolic links" in said
    assert any(line.startswith(f"searchkit: skipped {folder / 'broken.txt'}: file not found") for line in said)
    assert not any("tin-t" in line for line in said)  # a name in Windows-1258 bytes is indexed
    index = str(tmp_path / "index")
    # Identical copies: one hit, the first path first, the other as its copy (escaped).
    [hit] = records(invoke("query", QUERY, "--json", "--index", index))
    assert hit["path"] == str(spaced)
    assert hit["also_at"] == [f"{folder}/tin-t\\xe9c.txt"]
    assert Path(str(hit["path"])).read_bytes() == ENCODINGS["utf8.txt"]  # the path opens the file
    # -0 writes the name's own bytes, for xargs -0; -l too.
    listed = invoke("query", QUERY, "-0", "--index", index).stdout_bytes.split(b"\0")
    assert listed == [os.fsencode(spaced), not_utf8_name, b""]
    assert Path(os.fsdecode(listed[1])).read_bytes() == ENCODINGS["utf8.txt"]
    # show takes the name as the shell passes it, and --json gives its bytes exactly.
    [shown] = records(invoke("show", os.fsdecode(not_utf8_name), "--json", "--index", index))
    assert shown["path"] == f"{folder}/tin-t\\xe9c.txt"
    assert base64.b64decode(str(shown["path_bytes"])) == not_utf8_name
    printed = invoke("show", os.fsdecode(not_utf8_name), "--index", index, "--color", "always").stdout
    assert "tin-t\\xe9c.txt" in printed


def test_a_query_on_an_empty_index_matches_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    status, _stderr = index_folder(folder, tmp_path / "index")
    assert status == 0
    result = invoke("query", QUERY, "--index", str(tmp_path / "index"))
    assert result.exit_code == 1
    assert result.stdout == ""


@pytest.mark.parametrize("name", sorted(ENCODINGS))
def test_each_encoding_alone(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / name).write_bytes(ENCODINGS[name])
    status, stderr = index_folder(folder, tmp_path / "index")
    assert status == 0, stderr
    assert records(invoke("query", "chua chay", "--json", "--index", str(tmp_path / "index")))
