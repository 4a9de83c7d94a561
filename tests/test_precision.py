"""The examples of "Matches a user can trust" (issue 15): a diacritic typed is a
diacritic meant, a word is found as a word, lists and counts are whole, highlights show
what matched, and a query that matches nothing as typed is searched again without its
diacritics, saying so."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
from conftest import CORPUS, corpus_file
from typer.testing import CliRunner

from searchkit.analysis import fold_diacritics, get_segmenter
from searchkit.cli import app
from searchkit.indexing import index_sources
from searchkit.searching import Searcher

runner = CliRunner()

# Short news sentences, each standing for a way a document can nearly match.
NEAR_MISSES = {
    # Has công, an, cấp and huyện, none of them in the words of "công an cấp huyện".
    "cong-tac.txt": "Công tác bảo đảm an ninh ở huyện còn nhiều bất cập.\n",
    "cong-an-cap-huyen.txt": "Bộ máy công an cấp huyện được sắp xếp lại từ tháng 3.\n",
    # "tọa" and "Đàm" apart: not the word "tọa đàm".
    "ong-dam.txt": "Ông Đàm cho biết trụ sở mới tọa lạc ở trung tâm phường.\n",
    "toa-dam.txt": "Sáng nay diễn ra buổi tọa đàm về cải cách hành chính.\n",
    "dam-bao.txt": "Cần bảo đảm đủ chỗ cho đám đông đến dự.\n",
    "ket-qua.txt": "Báo cáo nêu kết quả công tác năm 2024.\n",
    "qua-cong.txt": "Đoàn xe đi qua cổng chính rồi qua công viên.\n",
}


def words_in(text: str, phrase: str) -> bool:
    """Whether `phrase` is written in `text` as whole syllables, in any case (a scan
    of the raw text, with tone marks in either place normalized by NFC alone)."""
    pattern = r"(?<!\w)" + r"\s+".join(map(re.escape, phrase.split())) + r"(?!\w)"
    return re.search(pattern, unicodedata.normalize("NFC", text), re.IGNORECASE) is not None


@pytest.fixture(scope="module")
def near(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("near")
    for name, text in NEAR_MISSES.items():
        (folder / name).write_text(text, encoding="utf-8")
    index = tmp_path_factory.mktemp("near-index")
    index_sources([folder], index)
    return index


def query(index: Path, *args: str):
    return runner.invoke(app, ["query", *args, "--index", str(index)])


def names(result) -> set[str]:
    return {Path(line).name for line in result.stdout.splitlines()}


# ---- a diacritic typed is a diacritic meant ----------------------------------------------


def test_a_quoted_syllable_finds_only_that_spelling(demo_index: Path) -> None:
    with_dam = {path.name for path in CORPUS.glob("*.txt") if words_in(path.read_text(encoding="utf-8"), "đàm")}
    assert 0 < len(with_dam) < 5  # the others have đảm, đám, đâm or none
    assert names(query(demo_index, '"đàm"', "-l")) == with_dam
    assert query(demo_index, "đàm", "-c").stdout == f"{len(with_dam)}\n"


def test_one_tone_is_not_another(near: Path) -> None:
    assert names(query(near, "đàm", "-l")) == {"toa-dam.txt", "ong-dam.txt"}
    assert names(query(near, "đám", "-l")) == {"dam-bao.txt"}
    assert names(query(near, "đảm", "-l")) == {"cong-tac.txt", "dam-bao.txt"}
    # Typed without diacritics, every spelling.
    assert names(query(near, "dam", "-l")) == {"toa-dam.txt", "ong-dam.txt", "dam-bao.txt", "cong-tac.txt"}


def test_a_phrase_is_exact_in_every_syllable(near: Path) -> None:
    assert names(query(near, '"quả công"', "-l")) == {"ket-qua.txt"}
    assert names(query(near, '"qua công"', "-l")) == {"qua-cong.txt"}
    # The unmarked "qua" is exact too: "quả công" is another phrase.
    assert names(query(near, '"qua cong"', "-l")) == {"ket-qua.txt", "qua-cong.txt"}


# ---- words as words ------------------------------------------------------------------------


def test_keywords_need_their_words_not_their_syllables_anywhere(near: Path) -> None:
    assert names(query(near, "công an cấp huyện", "-l")) == {"cong-an-cap-huyen.txt"}
    assert names(query(near, "cong an cap huyen", "-l")) == {"cong-an-cap-huyen.txt"}
    # AND between syllables asks for each anywhere; "an" alone is typed without
    # diacritics, so any spelling of it.
    assert names(query(near, "công AND an AND cấp AND huyện", "-l")) == {"cong-an-cap-huyen.txt"}
    assert names(query(near, "công AND an AND huyện", "-l")) == {"cong-tac.txt", "cong-an-cap-huyen.txt"}


def test_a_word_of_two_syllables_apart_is_not_the_word(near: Path) -> None:
    assert get_segmenter().tokenize("tọa đàm") == "tọa_đàm"
    assert names(query(near, "tọa đàm", "-l")) == {"toa-dam.txt"}
    assert names(query(near, "tọa AND đàm", "-l")) == {"toa-dam.txt", "ong-dam.txt"}


def test_quotes_ask_for_more_never_less(demo_index: Path) -> None:
    for words in ("công an cấp huyện", "đoàn thể công an", "an ninh trật tự"):
        quoted = names(query(demo_index, f'"{words}"', "-l"))
        assert quoted <= names(query(demo_index, words, "-l"))
        assert quoted == {
            path.name for path in CORPUS.glob("*.txt") if words_in(path.read_text(encoding="utf-8"), words)
        }


def test_a_word_pyvi_glues_into_a_longer_one_in_a_document_is_still_found(demo_index: Path) -> None:
    text = corpus_file("tien-phong").read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if "hiệu năng" in line)
    assert "phát_huy_hiệu_năng" in get_segmenter().tokenize(line)
    assert "tien-phong-toa-dam-vai-tro-doan-the-cong-an-thu-do.txt" in names(query(demo_index, "hiệu năng", "-l"))


def test_the_words_of_a_query_typed_without_diacritics_are_read_on_its_restored_reading(demo_index: Path) -> None:
    with Searcher(demo_index) as searcher:
        node = searcher.read_query("cong an cap huyen")
    assert node.analysis is not None
    assert node.analysis.restored == ("công", "an", "cấp", "huyện")
    assert [word.syllables for word in node.analysis.words] == [("cong", "an"), ("cap",), ("huyen",)]


# ---- highlights show what matched ------------------------------------------------------------


def highlighted(index: Path, text: str) -> list[str]:
    out = []
    for line in query(index, text, "--json").stdout.splitlines():
        hit = json.loads(line)
        out += [hit["snippet"][start:end] for start, end in hit["highlights"]]
    return out


def test_no_syllable_of_a_query_word_is_highlighted_inside_another_word(demo_index: Path) -> None:
    marked = [fold_diacritics(span.lower()) for span in highlighted(demo_index, "công an cấp huyện")]
    assert marked
    # Each highlight is made of whole query words: "công an", "cấp", "huyện".
    assert all(re.fullmatch(r"(cong an|cap|huyen)( (cong an|cap|huyen))*", span) for span in marked), marked
    assert "công an cấp huyện" in [span.lower() for span in highlighted(demo_index, "công an cấp huyện")]


def test_only_the_spelling_typed_is_highlighted(demo_index: Path) -> None:
    article = corpus_file("ha-noi-toa-dam")
    result = runner.invoke(app, ["show", str(article), "--query", "đàm", "--json", "--index", str(demo_index)])
    shown = json.loads(result.stdout)
    spans = [shown["text"][start:end] for start, end in shown["highlights"]]
    assert spans and {span.lower() for span in spans} == {"đàm"}


def test_every_snippet_shows_a_match(demo_index: Path) -> None:
    for text in ("công an cấp huyện", "cong an cap huyen", "tọa đàm", "hiệu năng", "thi đua"):
        for line in query(demo_index, text, "--json").stdout.splitlines():
            assert json.loads(line)["highlights"], (text, line)


# ---- nothing exact, then looser, and say so -----------------------------------------------------


def test_a_query_with_diacritics_that_matches_nothing_is_searched_without_them(demo_index: Path) -> None:
    result = query(demo_index, "tọa đám", "-l")
    assert result.exit_code == 0
    assert 'searched instead: toa dam (no document has "tọa đám")\n' in result.stderr
    assert names(result) == names(query(demo_index, "toa dam", "-l"))
    hits = [json.loads(line) for line in query(demo_index, "tọa đám", "--json").stdout.splitlines()]
    assert hits and all(hit["searched"] == {"query": "toa dam", "reason": 'no document has "tọa đám"'} for hit in hits)


def test_the_reason_names_the_word_no_document_has(near: Path) -> None:
    result = query(near, "công an cấp huyẹn")
    assert 'searched instead: cong an cap huyen (no document has "huyẹn")' in result.stderr


def test_exact_turns_the_fallback_off(demo_index: Path) -> None:
    result = query(demo_index, "tọa đám", "--exact")
    assert result.exit_code == 1
    assert result.stdout == "" and "searched instead" not in result.stderr


def test_a_filter_that_empties_the_result_is_not_a_reason_to_loosen(demo_index: Path) -> None:
    result = query(demo_index, "tọa đàm", "--since", "2030")
    assert result.exit_code == 1
    assert "searched instead" not in result.stderr


def test_json_hits_of_a_query_searched_as_typed_say_nothing_of_it(demo_index: Path) -> None:
    hits = [json.loads(line) for line in query(demo_index, "tọa đàm", "--json").stdout.splitlines()]
    assert hits and all("searched" not in hit for hit in hits)


def test_in_a_batch_the_line_starts_with_the_query_number(demo_index: Path, tmp_path: Path) -> None:
    questions = tmp_path / "q.txt"
    questions.write_text("công an\ntọa đám\n", encoding="utf-8")
    result = query(demo_index, "--queries", str(questions), "-c")
    assert result.stdout.splitlines()[1] == "2\t2"
    assert '2\tsearched instead: toa dam (no document has "tọa đám")' in result.stderr.splitlines()


# ---- lists are whole ---------------------------------------------------------------------------


def test_files_list_every_match_and_agree_with_the_count(near: Path, demo_index: Path) -> None:
    for index, text in ((demo_index, "công an"), (demo_index, "cong"), (near, "huyện")):
        listed = query(index, text, "-l").stdout.splitlines()
        assert len(listed) == int(query(index, text, "-c").stdout)
        assert len(query(index, text, "-l", "-n", "1").stdout.splitlines()) == 1


def test_a_listing_past_ten_is_whole(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(25):
        (folder / f"tin-{n:02d}.txt").write_text(f"Tin số {n}: tọa đàm về an ninh trật tự.\n", encoding="utf-8")
    index_sources([folder], tmp_path / "index")
    listed = query(tmp_path / "index", "tọa đàm", "-l").stdout.splitlines()
    assert len(listed) == 25
    assert query(tmp_path / "index", "tọa đàm", "-0").stdout.count("\0") == 25


def test_a_long_listing_reads_paths_from_the_index_in_the_same_order(
    demo_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import searchkit.searching

    with Searcher(demo_index) as searcher:
        for text in ("công an", "cong", "date:2021 OR thi đua"):
            whole = searcher.search(text, limit=None, snippets=0)
            listed = searcher.search(text, limit=None, paths_only=True)
            monkeypatch.setattr(searchkit.searching, "_MAX_STORED_READS", 0)
            from_terms = searcher.search(text, limit=None, paths_only=True)
            monkeypatch.undo()
            expected = [(hit.path, hit.date) for hit in whole.hits]
            assert [(hit.path, hit.date) for hit in listed.hits] == expected
            assert [(hit.path, hit.date) for hit in from_terms.hits] == expected
            assert len(expected) == whole.total
