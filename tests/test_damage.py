"""A damaged index: every kind of segment file truncated or missing, and an index from
another version, give exit status 2 and one line saying how to rebuild, never a
traceback or a silently wrong answer; `--rebuild` makes it whole again."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import CORPUS
from helpers import corpus_documents, passages
from test_cli import invoke

from searchkit.indexing import index_documents

# A file of each kind a segment has: terms, postings, stored documents, field lengths.
KINDS = [".terms", ".postings", ".docs", ".lengths"]


@pytest.fixture(scope="module")
def passages_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Passages of the demo articles: enough documents that posting lists of several
    documents fill the postings file."""
    index_dir = tmp_path_factory.mktemp("passages") / "index"
    index_documents([*corpus_documents(), *passages(120)], index_dir, processes=1)
    return index_dir


@pytest.fixture
def index_dir(passages_index: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "index"
    shutil.copytree(passages_index, copy)
    return copy


def segment_file(index_dir: Path, kind: str) -> Path:
    found = [path for path in index_dir.glob(f"MAIN_*{kind}") if path.name.endswith(kind)]
    assert found, f"no {kind} file in the index"
    assert found[0].stat().st_size > 1
    return found[0]


def assert_reported_as_damaged(index_dir: Path, *args: str) -> None:
    result = invoke(*args, "--index", str(index_dir))
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "damaged" in lines[0] or "another version" in lines[0]
    assert f"searchkit index DIR --index {index_dir} --rebuild" in lines[0]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("damage", ["truncated", "missing"])
def test_a_damaged_segment_file_is_reported_and_rebuild_repairs_it(index_dir: Path, kind: str, damage: str) -> None:
    victim = segment_file(index_dir, kind)
    if damage == "missing":
        victim.unlink()
    else:
        data = victim.read_bytes()
        victim.write_bytes(data[: len(data) // 2])

    assert_reported_as_damaged(index_dir, "query", "công an cấp huyện")
    assert_reported_as_damaged(index_dir, "index", str(CORPUS))  # nothing is written over it

    rebuilt = invoke("index", str(CORPUS), "--index", str(index_dir), "--rebuild")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert invoke("query", "công an cấp huyện", "--json", "--index", str(index_dir)).exit_code == 0


def test_a_damaged_manifest_is_reported_and_rebuild_repairs_it(index_dir: Path) -> None:
    (index_dir / "searchkit-segments.json").write_text('{"generation": 3, "segments": [{"id"', encoding="utf-8")
    assert_reported_as_damaged(index_dir, "query", "công an cấp huyện")
    assert invoke("index", str(CORPUS), "--index", str(index_dir), "--rebuild").exit_code == 0
    assert invoke("query", "công an cấp huyện", "--index", str(index_dir)).exit_code == 0


def test_an_index_from_another_version_is_reported(index_dir: Path) -> None:
    meta = index_dir / "searchkit.json"
    meta.write_text(json.dumps({"format": 1}), encoding="utf-8")
    assert_reported_as_damaged(index_dir, "query", "công an")
