"""Which files below a folder are indexed: --include, --exclude and .searchkitignore,
with gitignore's rules."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from searchkit.cli import app
from searchkit.documents import Selection, discover
from searchkit.indexing import index_sources
from tests.conftest import corpus_file


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A folder of notes: some in drafts/, one of them a log, one in a nested folder."""
    root = tmp_path / "ghi-chu"
    for relative, article in [
        ("toa-dam.txt", "ha-noi-toa-dam"),
        ("hoi-thao.md", "hoi-thao"),
        ("drafts/ban-nhap.txt", "cum-thi-dua"),
        ("drafts/giu-lai.txt", "thu-truong"),
        ("luu-tru/2021/tien-phong.txt", "tien-phong"),
    ]:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(corpus_file(article), path)
    return root


def _found(root: Path, selection: Selection | None = None) -> list[str]:
    return [path.relative_to(root).as_posix() for path in discover(root, selection)]


def test_every_supported_file_is_found_by_default(tree: Path) -> None:
    (tree / "anh.png").write_bytes(b"\x89PNG")
    assert _found(tree) == [
        "hoi-thao.md",
        "toa-dam.txt",
        "drafts/ban-nhap.txt",
        "drafts/giu-lai.txt",
        "luu-tru/2021/tien-phong.txt",
    ]


def test_exclude_leaves_out_a_folder_and_include_keeps_only_matching_files(tree: Path) -> None:
    assert _found(tree, Selection(exclude=["drafts/"])) == ["hoi-thao.md", "toa-dam.txt", "luu-tru/2021/tien-phong.txt"]
    assert _found(tree, Selection(include=["*.md"])) == ["hoi-thao.md"]
    assert _found(tree, Selection(include=["luu-tru/**"])) == ["luu-tru/2021/tien-phong.txt"]
    assert _found(tree, Selection(include=["*.txt"], exclude=["ban-*"])) == [
        "toa-dam.txt",
        "drafts/giu-lai.txt",
        "luu-tru/2021/tien-phong.txt",
    ]


def test_searchkitignore_uses_gitignore_rules_and_a_deeper_file_can_take_back(tree: Path) -> None:
    (tree / ".searchkitignore").write_text("# bản nháp\ndrafts/*\n!drafts/giu-lai.txt\n2021/\n", encoding="utf-8")
    assert _found(tree) == ["hoi-thao.md", "toa-dam.txt", "drafts/giu-lai.txt"]
    (tree / "luu-tru" / ".searchkitignore").write_text("*.md\n", encoding="utf-8")
    (tree / "drafts" / ".searchkitignore").write_text("!ban-nhap.txt\n", encoding="utf-8")
    assert _found(tree) == ["hoi-thao.md", "toa-dam.txt", "drafts/ban-nhap.txt", "drafts/giu-lai.txt"]


def test_a_file_named_on_its_own_is_indexed_whatever_the_rules(tree: Path) -> None:
    (tree / ".searchkitignore").write_text("drafts/\n", encoding="utf-8")
    named = tree / "drafts" / "ban-nhap.txt"
    assert list(discover(named, Selection(exclude=["*.txt"]))) == [named]


def test_a_file_newly_excluded_leaves_the_index(tree: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    assert index_sources([tree], index_dir).indexed == 5
    report = index_sources([tree], index_dir, selection=Selection(exclude=["drafts/"]))
    assert (report.removed, report.total_documents) == (2, 3)


def test_the_cli_takes_repeated_globs(tree: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    result = CliRunner().invoke(
        app, ["index", str(tree), "--index", str(index_dir), "--exclude", "drafts/", "--exclude", "*.md"]
    )
    assert result.exit_code == 0, result.output
    listed = CliRunner().invoke(app, ["query", "tọa đàm OR hội thảo OR thi đua", "--index", str(index_dir), "-l"])
    assert sorted(Path(line).name for line in listed.stdout.splitlines()) == ["tien-phong.txt", "toa-dam.txt"]
