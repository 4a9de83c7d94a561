"""searchkit's segmenter must give exactly pyvi's output while never importing pyvi or
scikit-learn. pyvi itself is imported here (slowly) as the reference."""

from __future__ import annotations

import re
import subprocess
import sys
import unicodedata

import pytest
from conftest import CORPUS
from pyvi import ViTokenizer

from searchkit.analysis import Segmenter, get_segmenter


def corpus_lines() -> list[str]:
    return [line for path in sorted(CORPUS.glob("*.txt")) for line in path.read_text(encoding="utf-8").splitlines()]


def corpus_sentences() -> list[str]:
    """The corpus paragraphs cut into sentences and clauses, so that the CRF also sees
    sentence starts and ends it does not see in whole paragraphs."""
    sentences = []
    for line in corpus_lines():
        sentences.extend(s for s in re.split(r"(?<=[.!?…;:])\s+", line) if s.strip())
    return sentences


def mismatches(lines: list[str]) -> list[tuple[str, str, str]]:
    segmenter = get_segmenter()
    out = []
    for line in lines:
        ours, theirs = segmenter.tokenize(line), ViTokenizer.tokenize(line)
        if ours != theirs:
            out.append((line, ours, theirs))
    return out


def test_get_segmenter_is_one_shared_segmenter() -> None:
    assert isinstance(get_segmenter(), Segmenter)
    assert get_segmenter() is get_segmenter()


def test_tokenize_joins_the_syllables_of_each_word() -> None:
    """ "công an" (police), "thành phố" (city) and "Hà Nội" are two-syllable words."""
    assert get_segmenter().tokenize("Công an thành phố Hà Nội") == "Công_an thành_phố Hà_Nội"


def test_tokenize_matches_pyvi_on_every_corpus_line() -> None:
    lines = corpus_lines()
    assert len(lines) > 200
    assert mismatches(lines) == []


def test_tokenize_matches_pyvi_on_corpus_sentences() -> None:
    sentences = corpus_sentences()
    assert len(sentences) >= 250
    assert mismatches(sentences) == []


def test_tokenize_matches_pyvi_on_upper_case_and_nfd_corpus_sentences() -> None:
    """Case changes pyvi's features (isupper, istitle) and NFD must be composed first."""
    sentences = corpus_sentences()
    variants = [s.upper() for s in sentences] + [unicodedata.normalize("NFD", s) for s in sentences]
    variants += [s.lower() for s in sentences]
    assert mismatches(variants) == []


@pytest.mark.parametrize(
    "line",
    [
        "",
        " ",
        "   ",
        "\t",
        "\n",
        "...",
        "!!!",
        "“”",
        "—",
        "- -",
        "x@y.com",
        "Liên hệ: antd@cand.com.vn hoặc http://antd.vn/tin-tuc.html để biết thêm",
        "https://cand.com.vn/Cong-an-Ha-Noi/",
        "2.500",
        "Giá 2.500 đồng, tăng 1,5% so với 2_000",
        "24/09/2021",
        "Ngày 24/09/2021 lúc 10:30, tại Hà Nội",
        "Sáng 14-11, Cụm thi đua số 4",
        "CÔNG AN THÀNH PHỐ HÀ NỘI TỔ CHỨC TỌA ĐÀM",
        "ĐẠI TÁ NGUYỄN NGỌC QUYỀN - PHÓ GIÁM ĐỐC CATP HÀ NỘI",
        unicodedata.normalize("NFD", "Đại tá Nguyễn Ngọc Quyền - Phó Giám đốc CATP Hà Nội"),
        "Tp. Hồ Chí Minh",
        "TP. Hà Nội và TP.HCM",
        "ThS. Nguyễn Văn A, Dr. Smith, Mr. và Mrs. và Ms. Lan",
        "A.B.C. Đ.",
        "==> -> >> ... …",
        "giữ ngọn lửa\nnhiệt huyết",
        "Nội\u200bdung tọa\u00adđàm",
        "Hà\u00a0Nội",
        "hoà bình, toạ đàm, Đảng uỷ, chiến sỹ",
        "COVID-19, U23 Việt Nam, Quy định số 192-Qđ/TW",
        "👍 Tuyệt vời!",
        "'Ở cương vị nào và bất kỳ đâu'",
        "(CATP)",
    ],
)
def test_tokenize_matches_pyvi_on_tricky_lines(line: str) -> None:
    assert get_segmenter().tokenize(line) == ViTokenizer.tokenize(line)


def test_joins_agree_with_tokenize() -> None:
    line = "Đại tá Nguyễn Ngọc Quyền - Phó Giám đốc CATP Hà Nội"
    syllables = ViTokenizer.ViTokenizer.sylabelize(line)[1]
    joins = get_segmenter().joins(syllables)
    assert joins[0] is False
    rebuilt = syllables[0] + "".join(("_" if j else " ") + s for s, j in zip(syllables[1:], joins[1:], strict=True))
    assert rebuilt == ViTokenizer.tokenize(line)
    assert get_segmenter().joins([]) == []


def _run_fresh(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    return result.stdout.strip()


def test_segmenting_does_not_import_sklearn() -> None:
    code = "import sys, searchkit.analysis as a; a.get_segmenter().tokenize('Công an'); print('sklearn' in sys.modules)"
    assert _run_fresh(code) == "False"


def test_segmenting_does_not_import_pyvi() -> None:
    code = "import sys, searchkit.analysis as a; a.get_segmenter().tokenize('Công an'); print('pyvi' in sys.modules)"
    assert _run_fresh(code) == "False"
