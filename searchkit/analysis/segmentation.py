"""Vietnamese word segmentation with pyvi's own CRF model, without importing pyvi.

`import pyvi` pulls in scikit-learn (close to a second) only to unpickle a wrapper
around a crfsuite model. We read the crfsuite model bytes out of that pickle and tag
with python-crfsuite directly, using pyvi's syllable splitter, features and joining
rules unchanged, so the output is the same as `pyvi.ViTokenizer.tokenize`.
"""

from __future__ import annotations

import codecs
import functools
import importlib.util
import io
import pickle
import re
import string
from collections.abc import Sequence
from pathlib import Path

# pyvi's syllable splitter (ViTokenizer.sylabelize), pattern for pattern and in the
# same order: abbreviations, specials, web address, e-mail, numbers, punctuation, words.
_SYLLABLE_PATTERNS = [
    r"[A-ZĐ]+\.",
    r"Tp\.",
    r"Mr\.",
    r"Mrs\.",
    r"Ms\.",
    r"Dr\.",
    r"ThS\.",
    r"==>",
    r"->",
    r"\.\.\.",
    r">>",
    "\n",
    r"\w+://[^\s]+",
    r"([a-zA-Z0-9_.+-]+@([a-zA-Z0-9-]+\.)+[a-zA-Z0-9-]+)",
    r"\d+([\.,_]\d+)+",
    r"[^\w\s]",
    r"\w+",
]
SYLLABLE_RE = re.compile("(" + "|".join(_SYLLABLE_PATTERNS) + ")", re.UNICODE)

_PUNCTUATION = frozenset(string.punctuation)


class SegmenterUnavailable(RuntimeError):
    """pyvi's model files could not be found or read."""


def _pyvi_models_dir() -> Path:
    spec = importlib.util.find_spec("pyvi")
    if spec is None or not spec.submodule_search_locations:
        raise SegmenterUnavailable("pyvi is not installed; searchkit needs its word segmentation model")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


class _Stub:
    """Stands in for every class in pyvi's pickle; keeps the state it is given."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        self.args = args

    def __setstate__(self, state: object) -> None:
        self.state = state


class _ModelUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> object:
        if (module, name) == ("_codecs", "encode"):
            return codecs.encode
        return type(name, (_Stub,), {})


def _crf_model_bytes(models_dir: Path) -> bytes:
    """The crfsuite model inside pyvi3.pkl (a pickled sklearn_crfsuite.CRF whose
    FileResource carries the model file's bytes)."""
    data = (models_dir / "pyvi3.pkl").read_bytes()
    crf = _ModelUnpickler(io.BytesIO(data)).load()
    resource = crf.state["modelfile"].state
    model = resource["__FILE_RESOURCE_DATA__"]
    if not isinstance(model, bytes):
        raise SegmenterUnavailable("pyvi's model file has an unexpected layout")
    return model


class Segmenter:
    """Tags syllables as beginning (B_W) or inside (I_W) of a word with pyvi's CRF."""

    def __init__(self) -> None:
        import pycrfsuite

        models = _pyvi_models_dir()
        # crfsuite reads the model from this buffer without copying it: keep it alive.
        self._model = _crf_model_bytes(models)
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open_inmemory(self._model)
        bi_grams: set[str] = set()
        tri_grams: set[str] = set()
        with open(models / "words.txt", encoding="utf-8") as fin:
            for entry in fin.read().split("\n"):
                n = entry.count(" ")
                if n == 1:
                    bi_grams.add(entry)
                elif n == 2:
                    tri_grams.add(entry)
        self._bi_grams = frozenset(bi_grams)
        self._tri_grams = frozenset(tri_grams)

    def _features(self, sent: Sequence[str]) -> list[dict[str, object]]:
        # pyvi's ViTokenizer.word2features, unchanged in meaning.
        bi, tri = self._bi_grams, self._tri_grams
        lowered = [w.lower() for w in sent]
        last = len(sent) - 1
        feats = []
        for i, word in enumerate(sent):
            f: dict[str, object] = {
                "bias": 1.0,
                "word.lower()": lowered[i],
                "word.isupper()": word.isupper(),
                "word.istitle()": word.istitle(),
                "word.isdigit()": word.isdigit(),
            }
            if i > 0:
                prev = sent[i - 1]
                f["-1:word.lower()"] = lowered[i - 1]
                f["-1:word.istitle()"] = prev.istitle()
                f["-1:word.isupper()"] = prev.isupper()
                f["-1:word.bi_gram()"] = f"{lowered[i - 1]} {lowered[i]}" in bi
                if i > 1:
                    f["-2:word.tri_gram()"] = f"{lowered[i - 2]} {lowered[i - 1]} {lowered[i]}" in tri
            if i < last:
                nxt = sent[i + 1]
                f["+1:word.lower()"] = lowered[i + 1]
                f["+1:word.istitle()"] = nxt.istitle()
                f["+1:word.isupper()"] = nxt.isupper()
                f["+1:word.bi_gram()"] = f"{lowered[i]} {lowered[i + 1]}" in bi
                if i < last - 1:
                    f["+2:word.tri_gram()"] = f"{lowered[i]} {lowered[i + 1]} {lowered[i + 2]}" in tri
            feats.append(f)
        return feats

    def joins(self, syllables: Sequence[str]) -> list[bool]:
        """For each syllable, whether it continues the word of the syllable before it,
        with pyvi's rules: never across punctuation or digits, nor from a lower-case
        syllable into a capitalised one."""
        if not syllables:
            return []
        labels = self._tagger.tag(self._features(syllables))
        result = [False]
        for i in range(1, len(syllables)):
            cur, prev = syllables[i], syllables[i - 1]
            result.append(
                labels[i] == "I_W"
                and cur not in _PUNCTUATION
                and prev not in _PUNCTUATION
                and not cur[0].isdigit()
                and not prev[0].isdigit()
                and not (cur[0].istitle() and not prev[0].istitle())
            )
        return result

    def tokenize(self, text: str) -> str:
        """The same string `pyvi.ViTokenizer.tokenize(text)` returns: words separated
        by spaces, the syllables of a word joined by underscores."""
        import unicodedata

        syllables = SYLLABLE_RE.findall(unicodedata.normalize("NFC", text))
        syllables = [s[0] for s in syllables]
        if not syllables:
            return text
        parts = [syllables[0]]
        for syllable, joined in zip(syllables[1:], self.joins(syllables)[1:], strict=True):
            parts.append("_" if joined else " ")
            parts.append(syllable)
        return "".join(parts)


@functools.cache
def get_segmenter() -> Segmenter:
    """The process-wide segmenter, loaded on first use (about 50 ms)."""
    return Segmenter()
