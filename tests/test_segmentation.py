"""searchkit's segmenter must give exactly pyvi's output while never importing pyvi or
scikit-learn. pyvi itself is imported here (slowly) as the reference."""

from __future__ import annotations

import re
import string
import struct
import subprocess
import sys
import unicodedata
from pathlib import Path

import pycrfsuite
import pytest
from conftest import CORPUS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyvi import ViTokenizer

from searchkit.analysis import Segmenter, get_segmenter, segmentation
from searchkit.analysis.analyzer import split_pieces


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
        "\u2000",
        " \u2001 ",
        "Hà\u2000Nội",
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


# pyvi's own features and model, as ViTokenizer.tokenize uses them: a dict of 15
# features per syllable (word2features), tagged by scikit-learn-crfsuite.
def pyvi_labels(tokens: list[str]) -> list[str]:
    features = ViTokenizer.ViTokenizer.sent2features(tokens, False)
    return list(ViTokenizer.ViTokenizer.model.predict([features])[0])


def pyvi_joins(tokens: list[str], labels: list[str]) -> list[bool]:
    """pyvi's joining rule, copied from ViTokenizer.tokenize."""
    joins = [False]
    for i in range(1, len(tokens)):
        joins.append(
            labels[i] == "I_W"
            and tokens[i] not in string.punctuation
            and tokens[i - 1] not in string.punctuation
            and not tokens[i][0].isdigit()
            and not tokens[i - 1][0].isdigit()
            and not (tokens[i][0].istitle() and not tokens[i - 1][0].istitle())
        )
    return joins


def analyzer_token_lines() -> list[list[str]]:
    """The tokens the analyzer gives `Segmenter.joins`, line by line: its spelling
    (normalized, so not always pyvi's syllables), punctuation included."""
    texts = [path.read_text(encoding="utf-8") for path in sorted(CORPUS.glob("*.txt"))] + corpus_sentences()
    return [[piece.segmenter_token for piece in line] for text in texts for line in split_pieces(text)]


def test_labels_and_joins_match_pyvi_features_on_analyzer_tokens() -> None:
    """The segmenter gives crfsuite only the features that count, built once per
    syllable and named by number; pyvi's full feature dicts must give the same labels
    on every line."""
    lines = analyzer_token_lines()
    assert len(lines) > 350
    lines += [[token.upper() for token in tokens] for tokens in lines[-150:]]
    segmenter = get_segmenter()
    wrong = []
    for tokens in lines:
        labels = pyvi_labels(tokens)
        if segmenter.labels(tokens) != labels or segmenter.joins(tokens) != pyvi_joins(tokens, labels):
            wrong.append(tokens)
    assert wrong == []


def test_labels_of_no_syllables() -> None:
    assert get_segmenter().labels([]) == []


def pyvi_crf_model() -> bytes:
    return segmentation._crf_model_bytes(segmentation._pyvi_models_dir())


def crfsuite_dump(model: bytes, path: Path) -> bytes:
    """The model as crfsuite itself reads it, in its text dump."""
    tagger = pycrfsuite.Tagger()
    tagger.open_inmemory(model)
    tagger.dump(str(path))
    return path.read_bytes()


def dumped_section(dump: bytes, name: bytes) -> bytes:
    return dump.split(name + b" = {\n")[1].split(b"\n}\n")[0]


def test_attribute_names_are_those_crfsuite_dumps(tmp_path: Path) -> None:
    model = pyvi_crf_model()
    attributes = dumped_section(crfsuite_dump(model, tmp_path / "pyvi.txt"), b"ATTRIBUTES")
    # Entries are "   <id>: <name>"; a name may hold a line break ("word.lower():\n").
    dumped = re.split(rb"(?:^|\n) +\d+: ", attributes)[1:]
    assert segmentation._attribute_names(model) == dumped
    assert b"word.lower():\n" in dumped


def test_numbered_model_is_pyvis_model_with_attributes_renamed(tmp_path: Path) -> None:
    """Tagging with attribute numbers for names is only faster if the model is the same."""
    model = pyvi_crf_model()
    numbered = segmentation._with_numbered_attributes(model)
    # Features, weights, labels and the old names are the same bytes; the header
    # changes only in the model's size and where the attribute names are.
    assert numbered[48 : len(model)] == model[48:]
    assert [model[i : i + 4] != numbered[i : i + 4] for i in range(0, 48, 4)] == [i in (4, 36) for i in range(0, 48, 4)]
    names = segmentation._attribute_names(model)
    assert segmentation._attribute_names(numbered) == [b"%d" % i for i in range(len(names))]
    # crfsuite reads back the same weights for every attribute, under its number.
    original = crfsuite_dump(model, tmp_path / "pyvi.txt")
    renumbered = crfsuite_dump(numbered, tmp_path / "numbered.txt")
    assert dumped_section(renumbered, b"TRANSITIONS") == dumped_section(original, b"TRANSITIONS")
    renamed_back = re.sub(
        rb"\(0\) (\d+) -->",
        lambda m: b"(0) " + names[int(m[1])] + b" -->",
        dumped_section(renumbered, b"STATE_FEATURES"),
    )
    assert renamed_back == dumped_section(original, b"STATE_FEATURES")


def test_lookup3_gives_the_hashes_of_the_names_in_pyvis_model() -> None:
    assert segmentation._lookup3(b"") == 0xDEADBEEF
    assert segmentation._lookup3(b"Four score and seven years ago") == 0x17770551  # lookup3.c's own check
    model = pyvi_crf_model()
    (cqdb_at,) = struct.unpack_from("<I", model, 36)
    checked = 0
    for table in range(256):
        table_at, size = struct.unpack_from("<II", model, cqdb_at + 24 + 8 * table)
        for bucket in range(size):
            hashed, record_at = struct.unpack_from("<II", model, cqdb_at + table_at + 8 * bucket)
            if record_at:
                (length,) = struct.unpack_from("<I", model, cqdb_at + record_at + 4)
                name = model[cqdb_at + record_at + 8 : cqdb_at + record_at + 8 + length]  # with its final NUL
                assert (segmentation._lookup3(name), hashed % 256) == (hashed, table)
                checked += 1
    assert checked == len(segmentation._attribute_names(model))


def test_forgetting_remembered_syllables_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The per-syllable memory is bounded: past the bound it starts again."""
    monkeypatch.setattr(segmentation, "_MAX_REMEMBERED", 40)
    segmenter = Segmenter()
    sentences = corpus_sentences()[:60]
    assert [segmenter.tokenize(s) for s in sentences] == [ViTokenizer.tokenize(s) for s in sentences]
    longest = max(len(set(segmentation.SYLLABLE_RE.findall(s))) for s in sentences)
    assert len(segmenter._known) <= 40 + longest


@pytest.mark.parametrize("before_whole", [100_000, 30])
def test_a_queries_segmenter_tags_as_pyvi_does(monkeypatch: pytest.MonkeyPatch, before_whole: int) -> None:
    """A query's segmenter (few lines: it looks pyvi's word list up a syllable at a
    time) gives pyvi's words too, before and after so many syllables have been asked
    for that it reads the word list whole."""
    monkeypatch.setattr(segmentation, "_LOOKED_UP_BEFORE_WHOLE", before_whole)
    segmenter = Segmenter(few_lines=True)
    sentences = corpus_sentences()[:80]
    assert [segmenter.tokenize(s) for s in sentences] == [ViTokenizer.tokenize(s) for s in sentences]
    assert (segmenter._words._text is None) == (before_whole == 30)


# Characters that steer pyvi's splitter: abbreviations ("TP.", "Tp.", "ThS."), specials
# ("==>", "->", "...", ">>"), web addresses, e-mails, numbers ("2.500", "1_2").
SPLITTER_ALPHABET = "aàĐđTtpMrsDhSHN019._,@:/-=>+\n \u2000…“"

SPLIT_SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SPLIT_SETTINGS
@given(st.text(SPLITTER_ALPHABET, max_size=40))
def test_syllable_splitters_match_pyvi_sylabelize(text: str) -> None:
    expected = ViTokenizer.ViTokenizer.sylabelize(text)[1]
    text = unicodedata.normalize("NFC", text)
    assert segmentation.SYLLABLE_RE.findall(text) == expected
    if "@" not in text and "://" not in text:
        assert segmentation.PLAIN_SYLLABLE_RE.findall(text) == expected


PIECES = [
    "Công", "an", "thành", "phố", "Hà", "Nội", "HÀ", "NỘI", "hà", "nội", "tổ", "chức", "tọa", "đàm", "Đảng", "ủy",
    "TP.", "Tp.", "ThS.", "2.500", "24/09/2021", "x@y.com", "http://antd.vn", "…", "...", "==>", "-", ",", ".", "(",
    ")", "“", "”", " ", " ", " ", "\n", "Giám", "đốc", "CATP", "1", "U23", "Việt", "Nam", "sinh", "viên",
]  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), max_size=30))
def test_tokenize_matches_pyvi_on_generated_lines(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert get_segmenter().tokenize(text) == ViTokenizer.tokenize(text)
