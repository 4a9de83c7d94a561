"""Documents' dates through the command line: the demo corpus dated from its text,
--since/--until, --sort date, and date:/path: in queries."""

from __future__ import annotations

import datetime
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from searchkit.cli import app
from tests.conftest import CORPUS

runner = CliRunner()

# What each demo article says of its date. ha-noi-toa-dam writes "Chiều 21-3" and no
# year anywhere: it is dated only by its file's time, which date filters leave out.
YEAR_LESS = "ha-noi-toa-dam-giu-ngon-lua-nhiet-huyet.txt"
DATES = {
    "cum-thi-dua-so-4-tong-ket-phong-trao-thi-dua.txt": "2019-11-14",  # "Sáng 14-11, ... năm 2019."
    "hoi-thao-quy-che-phoi-hop-cong-tac-dang.txt": "2021-09-08",  # "Cập nhật: 08/09/2021 07:11"
    "thu-truong-tran-quoc-to-lam-viec-voi-cac-doan-the-cand.txt": "2021-09-24",  # "(Thứ sáu, 24/09/2021, ...)"
    "tien-phong-toa-dam-vai-tro-doan-the-cong-an-thu-do.txt": "2025-03-21",  # "date 2025-03 TPO - Chiều 21/3"
}


@pytest.fixture(scope="module")
def dated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo corpus, its files last changed on 1 June 2025, indexed through the CLI."""
    folder = tmp_path_factory.mktemp("corpus")
    june = datetime.datetime(2025, 6, 1, 12, 0).timestamp()
    for article in CORPUS.glob("*.txt"):
        shutil.copy(article, folder / article.name)
        os.utime(folder / article.name, (june, june))
    index_dir = tmp_path_factory.mktemp("index") / "index"
    result = runner.invoke(app, ["index", str(folder), "--index", str(index_dir)])
    assert result.exit_code == 0, result.output
    return index_dir


def query(index_dir: Path, *args: str) -> Result:
    return runner.invoke(app, ["query", *args, "--index", str(index_dir)])


def names(result: Result) -> list[str]:
    return [Path(line).name for line in result.stdout.splitlines()]


def test_the_demo_articles_are_dated_from_their_text_or_said_to_be_dated_by_their_file(dated: Path) -> None:
    result = query(dated, "công an", "--json")
    found = {
        Path(hit["path"]).name: (hit["date"], hit["date_source"]) for hit in map(json.loads, result.stdout.splitlines())
    }
    assert found == {**{name: (date, "document") for name, date in DATES.items()}, YEAR_LESS: ("2025-06-01", "file")}
    # Tab-separated lines and the terminal say it too.
    rows = {Path(row.split("\t")[0]).name: row.split("\t")[4:6] for row in query(dated, "công an").stdout.splitlines()}
    assert rows[YEAR_LESS] == ["2025-06-01", "file"]
    shown = runner.invoke(app, ["query", "giữ ngọn lửa nhiệt huyết", "--index", str(dated), "--color", "always"])
    assert "2025-06-01 (file date)" in re.sub(r"\x1b\[[0-9;]*m", "", shown.stdout)


def test_the_shipped_corpus_is_dated_from_text_whatever_its_files_times(demo_index: Path) -> None:
    result = runner.invoke(app, ["query", "công an", "--json", "--index", str(demo_index)])
    found = {Path(hit["path"]).name: hit for hit in map(json.loads, result.stdout.splitlines())}
    assert {name: hit["date"] for name, hit in found.items() if name != YEAR_LESS} == DATES
    modified = datetime.date.fromtimestamp((CORPUS / YEAR_LESS).stat().st_mtime)
    assert (found[YEAR_LESS]["date"], found[YEAR_LESS]["date_source"]) == (modified.isoformat(), "file")


def test_date_filters_leave_out_documents_dated_by_their_file_and_say_how_many(dated: Path) -> None:
    result = query(dated, "tọa đàm", "-l", "--since", "2025-01-01")
    assert names(result) == ["tien-phong-toa-dam-vai-tro-doan-the-cong-an-thu-do.txt"]
    assert result.stderr.splitlines() == ["1 document dated only by its file time was left out; --file-dates to use it"]
    taken = query(dated, "tọa đàm", "-l", "--since", "2025-01-01", "--sort", "date", "--file-dates")
    assert names(taken) == [YEAR_LESS, "tien-phong-toa-dam-vai-tro-doan-the-cong-an-thu-do.txt"]
    assert taken.stderr == ""
    # The same for date:, and with a count.
    assert query(dated, "tọa đàm date:2025", "-c").stdout == "1\n"
    assert query(dated, "tọa đàm date:2025", "-c", "--file-dates").stdout == "2\n"
    # A query that asks nothing of dates takes every document.
    assert query(dated, "tọa đàm", "-c").stdout == "2\n"


def test_since_and_until_keep_the_documents_dated_between_them(dated: Path) -> None:
    result = query(dated, "công an", "-l", "--since", "2021-01-01", "--until", "2021-12-31")
    assert result.exit_code == 0
    assert sorted(names(result)) == sorted(name for name, date in DATES.items() if date.startswith("2021"))
    # A month or a year counts whole: --until 2021-09 keeps the 24th.
    assert sorted(names(query(dated, "công an", "-l", "--since", "2021", "--until", "2021-09"))) == sorted(
        names(result)
    )
    assert names(query(dated, "công an", "-l", "--since", "2025-03-22")) == []
    assert query(dated, "công an", "-l", "--since", "2025-03-22").exit_code == 1


def test_sort_by_date_puts_the_newest_first(dated: Path) -> None:
    found = names(query(dated, "công an", "-l", "--sort", "date"))
    assert [DATES[name] for name in found] == sorted(DATES.values(), reverse=True)
    by_score = [name for name in names(query(dated, "công an", "-l")) if name != YEAR_LESS]
    assert sorted(by_score) == sorted(found) and by_score != found


def test_paging_through_hits_sorted_by_date(dated: Path) -> None:
    everything = names(query(dated, "công an", "-l", "--sort", "date"))
    pages = [names(query(dated, "công an", "-l", "--sort", "date", "-n", "2", "--offset", str(o))) for o in (0, 2, 4)]
    assert [name for page in pages for name in page] == everything


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("date:2021-09", {"2021-09-08", "2021-09-24"}),
        ("date:2021-09-08", {"2021-09-08"}),
        ("date:08/09/2021", {"2021-09-08"}),
        ("date:2019..2021-09-10", {"2019-11-14", "2021-09-08"}),
        ("date:2025..", {"2025-03-21"}),
        ("công an NOT date:2021", {"2019-11-14", "2025-03-21"}),
        # No article dated before 2025 says "tọa đàm": a filter that empties the list is
        # not a reason to search again without diacritics.
        ("tọa đàm date:..2024", set()),
        ("tọa đàm date:2025-03-21..", {"2025-03-21"}),
    ],
)
def test_date_in_the_query_filters_by_day_month_year_or_range(dated: Path, text: str, expected: set[str]) -> None:
    result = query(dated, text, "-l")
    assert {DATES[name] for name in names(result)} == expected


def test_path_in_the_query_filters_by_part_of_the_path_or_a_glob(dated: Path) -> None:
    assert names(query(dated, "công an path:tien-phong", "-l")) == [
        "tien-phong-toa-dam-vai-tro-doan-the-cong-an-thu-do.txt"
    ]
    assert len(names(query(dated, "path:*.txt", "-l"))) == 5
    assert names(query(dated, "công an path:*.md", "-l")) == []
    assert sorted(names(query(dated, 'path:"toa-dam" OR path:hoi-thao', "-l"))) == [
        "ha-noi-toa-dam-giu-ngon-lua-nhiet-huyet.txt",
        "hoi-thao-quy-che-phoi-hop-cong-tac-dang.txt",
        "tien-phong-toa-dam-vai-tro-doan-the-cong-an-thu-do.txt",
    ]


def test_a_filter_adds_nothing_to_the_scores(dated: Path) -> None:
    plain = [json.loads(line) for line in query(dated, "công an cấp huyện", "--json").stdout.splitlines()]
    filtered = [json.loads(line) for line in query(dated, "công an cấp huyện date:2025", "--json").stdout.splitlines()]
    assert (
        filtered
        and {hit["path"]: hit["score"] for hit in filtered}.items()
        <= {hit["path"]: hit["score"] for hit in plain}.items()
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["công an", "--since", "2021-13"], "'2021-13' is not a date"),
        (["công an", "--until", "hôm qua"], "'hôm qua' is not a date"),
        (["công an date:tháng-chín"], "'tháng-chín' is not a date"),
        (["công an date:"], "date: needs a value"),
        (["công an", "--sort", "title"], "'title' is not one of 'score', 'date'"),
    ],
)
def test_a_bad_date_or_sort_is_one_line_and_status_2(dated: Path, args: list[str], message: str) -> None:
    result = query(dated, *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert message in line and line.startswith("searchkit: ")


def test_show_gives_the_date(dated: Path) -> None:
    folder_file = next(p for p in Path(dated).parent.parent.glob("corpus*/hoi-thao*.txt"))
    result = runner.invoke(app, ["show", str(folder_file), "--json", "--index", str(dated)])
    assert json.loads(result.stdout)["date"] == "2021-09-08"


def test_a_document_without_a_date_is_outside_every_date_window(tmp_path: Path) -> None:
    from searchkit.documents import Document
    from searchkit.indexing import index_documents
    from searchkit.searching import Searcher

    index_documents(
        [Document("dated", "Tin", "Công an xã tuần tra", date="2021-01-02"), Document("undated", "Tin", "Công an xã")],
        tmp_path / "index",
    )
    with Searcher(tmp_path / "index") as searcher:
        assert [hit.path for hit in searcher.search("công an", until=datetime.date(2021, 12, 31)).hits] == ["dated"]
        assert [hit.path for hit in searcher.search("công an date:..2021").hits] == ["dated"]
        assert searcher.search("công an").total == 2


@pytest.mark.parametrize(
    ("typed", "today", "day"),
    [
        ("today", "2025-05-31", "2025-05-31"),
        ("yesterday", "2025-03-01", "2025-02-28"),
        ("7d", "2025-05-31", "2025-05-24"),
        ("2W", "2025-05-31", "2025-05-17"),
        ("3m", "2025-05-31", "2025-02-28"),  # February has no 31st: its last day
        ("1y", "2024-02-29", "2023-02-28"),
        ("0d", "2025-05-31", "2025-05-31"),
    ],
)
def test_a_relative_date_is_a_day_counted_back_from_today(typed: str, today: str, day: str) -> None:
    from searchkit.dates import typed_date_bounds

    found = typed_date_bounds(typed, today=datetime.date.fromisoformat(today))
    assert found == (datetime.date.fromisoformat(day),) * 2


def test_since_and_until_read_relative_dates_as_the_days_they_name(dated: Path) -> None:
    """--since 5y is --since the day five years ago, whatever today is; date: reads them too."""
    today = datetime.date.today()
    back = (
        today.replace(year=today.year - 5)
        if (today.month, today.day) != (2, 29)
        else today.replace(day=28, year=today.year - 5)
    )
    for relative, written in (
        (["--since", "5y"], ["--since", back.isoformat()]),
        (["--until", "5y"], ["--until", back.isoformat()]),
    ):
        assert query(dated, "công an", "-l", *relative).stdout == query(dated, "công an", "-l", *written).stdout
    ranged = query(dated, f"công an date:{back.isoformat()}..today", "-l")
    assert ranged.stdout == query(dated, "công an", "-l", "--since", "5y", "--until", "today").stdout
    bad = query(dated, "công an", "--since", "99999y")
    assert bad.exit_code == 2 and "is not a date" in bad.stderr
