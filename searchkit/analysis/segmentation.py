"""Vietnamese word segmentation with pyvi's own CRF model, without importing pyvi.

`import pyvi` pulls in scikit-learn (close to a second) only to unpickle a wrapper
around a crfsuite model. We read the crfsuite model bytes out of that pickle and tag
with python-crfsuite directly, using pyvi's syllable splitter, features and joining
rules, so the output is the same as `pyvi.ViTokenizer.tokenize`.

It is also four times faster: see `Segmenter`.
"""

from __future__ import annotations

import codecs
import functools
import importlib.util
import io
import pickle
import re
import string
import struct
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import compress, count, product
from pathlib import Path

# pyvi's syllable splitter (ViTokenizer.sylabelize), pattern for pattern and in the
# same order: abbreviations, specials, web address, e-mail, numbers, punctuation, words.
# Inner groups do not capture, so that findall gives the syllables themselves, and a
# run that can only be followed by a character outside it is possessive (++), which
# changes no match but spares the backtracking of every word through the first ones.
_ABBREVIATIONS_AND_SPECIALS = [
    r"[A-ZĐ]++\.",
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
]
_WEB_AND_EMAIL = [r"\w++://[^\s]+", r"[a-zA-Z0-9_.+-]++@(?:[a-zA-Z0-9-]++\.)+[a-zA-Z0-9-]+"]
_NUMBER = r"\d++(?:[\.,_]\d++)+"
SYLLABLE_RE = re.compile(
    "(" + "|".join([*_ABBREVIATIONS_AND_SPECIALS, *_WEB_AND_EMAIL, _NUMBER, r"[^\w\s]", r"\w+"]) + ")", re.UNICODE
)
# The same for the many lines with no "://" nor "@", where a web address or e-mail
# can never match. Abbreviations, specials and numbers all begin with a character of
# the lookahead, so the other syllables (most words) skip them at a glance.
PLAIN_SYLLABLE_RE = re.compile(
    r"((?=[A-ZĐ=\-.>\n\d])(?:" + "|".join([*_ABBREVIATIONS_AND_SPECIALS, _NUMBER]) + r")|[^\w\s]|\w+)", re.UNICODE
)


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


# The crfsuite model format (crf1d): a 48-byte header of little-endian uint32 fields,
# among them the number of attributes and the offset of their names, a CQDB ("constant
# quark database": a hash table from each name to its id, and the names by id).
_MODEL_SIZE_AT, _NUM_ATTRIBUTES_AT, _ATTRIBUTES_AT = 4, 24, 36
_CQDB_HEADER = struct.Struct("<4s5I")  # chunk id, size, flag, byte order, count, offset of the names by id
_CQDB_TABLES = 256
_CQDB_BYTE_ORDER = 0x62445371


def _attribute_names(model: bytes) -> list[bytes]:
    """The attribute names of the crfsuite model, by id."""
    try:
        (count,) = struct.unpack_from("<I", model, _NUM_ATTRIBUTES_AT)
        (cqdb_at,) = struct.unpack_from("<I", model, _ATTRIBUTES_AT)
        chunk, _, _, _, _, by_id_at = _CQDB_HEADER.unpack_from(model, cqdb_at)
        names = []
        for record_at in struct.unpack_from(f"<{count}I", model, cqdb_at + by_id_at):
            # A record: id, size of the name counting its final NUL, the name.
            _, size = struct.unpack_from("<II", model, cqdb_at + record_at)
            start = cqdb_at + record_at + 8
            names.append(model[start : start + size - 1])
    except struct.error as error:
        raise SegmenterUnavailable("pyvi's crfsuite model has an unexpected layout") from error
    if model[:4] != b"lCRF" or chunk != b"CQDB":
        raise SegmenterUnavailable("pyvi's crfsuite model has an unexpected layout")
    return names


def _with_numbered_attributes(model: bytes) -> bytes:
    """The same model with attribute i named by its number, b"%d" % i.

    crfsuite copies every attribute name it is given into C++ strings (two or three
    allocations for a name longer than 15 bytes, as pyvi's mostly are) and hashes it
    to find its id. With names of a few bytes, tagging takes half the time. Only the
    names change: the new name table is appended and the header pointed at it, so the
    ids, features and weights are the very same bytes."""
    numbered = _cqdb([b"%d" % i for i in range(len(_attribute_names(model)))])
    header = bytearray(model[:48])
    struct.pack_into("<I", header, _MODEL_SIZE_AT, len(model) + len(numbered))
    struct.pack_into("<I", header, _ATTRIBUTES_AT, len(model))
    return bytes(header) + model[48:] + numbered


def _cqdb(keys: list[bytes]) -> bytes:
    """A CQDB that maps keys[i] to i, laid out as crfsuite's cqdb_writer does: header,
    references to 256 hash tables, the records, the tables, the records by id."""
    records_at = _CQDB_HEADER.size + 8 * _CQDB_TABLES
    records = bytearray()
    by_id = []
    tables: list[list[tuple[int, int]]] = [[] for _ in range(_CQDB_TABLES)]
    for i, key in enumerate(keys):
        stored = key + b"\0"
        hashed = _lookup3(stored)
        record_at = records_at + len(records)
        by_id.append(record_at)
        tables[hashed % _CQDB_TABLES].append((hashed, record_at))
        records += struct.pack("<II", i, len(stored)) + stored
    references = bytearray()
    buckets = bytearray()
    tables_at = records_at + len(records)
    for entries in tables:
        # Twice as many buckets as entries, filled by open addressing.
        size = 2 * len(entries)
        table = [(0, 0)] * size
        for hashed, record_at in entries:
            k = (hashed >> 8) % size
            while table[k][1]:
                k = (k + 1) % size
            table[k] = (hashed, record_at)
        references += struct.pack("<II", tables_at + len(buckets) if size else 0, size)
        buckets += b"".join(struct.pack("<II", *bucket) for bucket in table)
    by_id_at = tables_at + len(buckets)
    size = by_id_at + 4 * len(keys)
    header = _CQDB_HEADER.pack(b"CQDB", size, 0, _CQDB_BYTE_ORDER, len(keys), by_id_at)
    return header + references + records + buckets + struct.pack(f"<{len(keys)}I", *by_id)


def _lookup3(key: bytes) -> int:
    """Bob Jenkins' lookup3 hashlittle(key, len(key), 0), the hash of crfsuite's CQDB."""
    mask = 0xFFFFFFFF

    def rot(x: int, k: int) -> int:
        return ((x << k) | (x >> (32 - k))) & mask

    length = len(key)
    a = b = c = (0xDEADBEEF + length) & mask
    if length == 0:
        return c
    # Blocks of 12 bytes, as three little-endian words; the last one padded with zeros.
    words = struct.unpack(f"<{-(-length // 12) * 3}I", key + bytes(-length % 12))
    for i in range(0, len(words) - 3, 3):
        a, b, c = (a + words[i]) & mask, (b + words[i + 1]) & mask, (c + words[i + 2]) & mask
        a = ((a - c) & mask) ^ rot(c, 4)
        c = (c + b) & mask
        b = ((b - a) & mask) ^ rot(a, 6)
        a = (a + c) & mask
        c = ((c - b) & mask) ^ rot(b, 8)
        b = (b + a) & mask
        a = ((a - c) & mask) ^ rot(c, 16)
        c = (c + b) & mask
        b = ((b - a) & mask) ^ rot(a, 19)
        a = (a + c) & mask
        c = ((c - b) & mask) ^ rot(b, 4)
        b = (b + a) & mask
    a, b, c = (a + words[-3]) & mask, (b + words[-2]) & mask, (c + words[-1]) & mask
    c = ((c ^ b) - rot(b, 14)) & mask
    a = ((a ^ c) - rot(c, 11)) & mask
    b = ((b ^ a) - rot(a, 25)) & mask
    c = ((c ^ b) - rot(b, 16)) & mask
    a = ((a ^ c) - rot(c, 4)) & mask
    b = ((b ^ a) - rot(a, 14)) & mask
    return ((c ^ b) - rot(b, 24)) & mask


@dataclass(slots=True)  # not frozen, which would make building one three times slower
class _SyllableFeatures:
    """What pyvi's model is told about one syllable, worked out once per distinct
    syllable: its features as crfsuite attribute names, and what the n-gram features
    and the joining rule need to know about it."""

    lowered: str
    # Its own features: bias, word.lower(), word.isupper(), word.istitle(), word.isdigit().
    own: tuple[bytes, ...]
    # Its "-1:" features, as the syllable after it sees it, followed by that syllable's
    # "-1:word.bi_gram()" and "-2:word.tri_gram()"; indexed by an n-gram code: 1 when
    # the bigram is true, 2 when the trigram is, 3 when both are.
    as_previous: tuple[tuple[bytes, ...], ...]
    # Its "+1:" features, as the syllable before it sees it, followed by that syllable's
    # "+1:word.bi_gram()" and "+2:word.tri_gram()"; same code.
    as_next: tuple[tuple[bytes, ...], ...]
    # The lowered syllables that follow it in a two-syllable word of pyvi's word list,
    # and those that follow it in a three-syllable one.
    bi_gram_next: frozenset[str]
    tri_gram_next: frozenset[str]
    # The two syllables that follow it in each three-syllable word.
    tri_gram_tails: frozenset[tuple[str, str]]
    # For the joining rule: _BLOCKED, _TITLE or _OTHER.
    kind: int


# pyvi's joining rule: never across punctuation or a digit, nor from a lower-case
# syllable into a capitalised one. These are the (label is I_W, kind before, kind)
# that join.
_BLOCKED, _TITLE, _OTHER = 0, 1, 2
_JOINING = frozenset({(True, _TITLE, _TITLE), (True, _TITLE, _OTHER), (True, _OTHER, _OTHER)})
_SEPARATORS = {
    junction: "_" if junction in _JOINING else " "
    for junction in product((False, True), (_BLOCKED, _TITLE, _OTHER), (_BLOCKED, _TITLE, _OTHER))
}
_NOTHING: frozenset[str] = frozenset()
# Stands before the first syllable and after the last: contributes no features.
_EDGE = _SyllableFeatures("", (), ((),) * 4, ((),) * 4, _NOTHING, _NOTHING, frozenset(), _BLOCKED)
# Distinct syllables remembered (some 750 bytes each); past this the memory is
# dropped and rebuilt. News text has some 16,000 in 1,500 articles.
_MAX_REMEMBERED = 50_000


# Syllables looked up one at a time (each a scan of the word list's text, some 0.2 ms)
# before the word list is read whole instead (some 25 ms).
_LOOKED_UP_BEFORE_WHOLE = 100


class _WordList:
    """pyvi's word list (words.txt), as its features use it: which syllables follow a
    lowered syllable in a word of two syllables, and in a word of three.

    Read `whole` for text in bulk (some 40 ms, once); otherwise each syllable's
    entries are looked up in the file's text when first asked for, which costs a
    query of a few syllables well under a millisecond, until more syllables have been
    asked for than a whole reading costs (a batch of queries): then it is read whole."""

    def __init__(self, path: Path, *, whole: bool) -> None:
        # As pyvi reads it: no newline translation. A "\n" before the first entry lets
        # every entry be found as "\n" + its first syllable + " ".
        with open(path, encoding="utf-8", newline="") as fin:
            text = "\n" + fin.read()
        self._following: dict[str, tuple[frozenset[str], frozenset[str], frozenset[tuple[str, str]]]] = {}
        self._text: str | None = text
        if whole:
            self._read_whole()

    def _read_whole(self) -> None:
        assert self._text is not None
        entries: dict[str, list[list[str]]] = {}
        for entry in self._text[1:].split("\n"):
            syllables = entry.split(" ")
            if len(syllables) in (2, 3):
                entries.setdefault(syllables[0], []).append(syllables[1:])
        self._following = {first: self._grouped(rests) for first, rests in entries.items()}
        self._text = None

    @staticmethod
    def _grouped(rests: list[list[str]]) -> tuple[frozenset[str], frozenset[str], frozenset[tuple[str, str]]]:
        """What follows a syllable, from the rest of each word it begins."""
        return (
            frozenset(rest[0] for rest in rests if len(rest) == 1),
            frozenset(rest[0] for rest in rests if len(rest) == 2),
            frozenset((rest[0], rest[1]) for rest in rests if len(rest) == 2),
        )

    def following(self, first: str) -> tuple[frozenset[str], frozenset[str], frozenset[tuple[str, str]]]:
        """The second syllables of the two-syllable words that begin with `first`, the
        second syllables of the three-syllable ones, and their last two syllables."""
        found = self._following.get(first)
        if found is None:
            if self._text is not None and len(self._following) >= _LOOKED_UP_BEFORE_WHOLE:
                self._read_whole()
                return self.following(first)
            found = self._following[first] = self._grouped(self._look_up(first))
        return found

    def _look_up(self, first: str) -> list[list[str]]:
        if self._text is None:  # read whole: a syllable not there begins no word
            return []
        text, needle = self._text, "\n" + first + " "
        rests = []
        at = text.find(needle)
        while at >= 0:
            end = text.find("\n", at + 1)
            rest = text[at + len(needle) : end if end >= 0 else len(text)].split(" ")
            if len(rest) <= 2:
                rests.append(rest)
            at = text.find(needle, at + 1)
        return rests


class Segmenter:
    """Tags syllables as beginning (B_W) or inside (I_W) of a word with pyvi's CRF.

    pyvi builds a dict of 15 features for every syllable, and crfsuite turns each into
    an attribute name and looks it up; that is most of pyvi's time. Here each distinct
    syllable's attribute names are worked out once, and crfsuite is given only those
    that count: a feature pyvi sets to False is left out (crfsuite adds weight times
    value, and 0.0 adds nothing), and so is a name the model does not know (crfsuite
    drops it). The rest keep pyvi's order, so that crfsuite adds the same weights in the
    same order: same floats, same labels. They go by their number in the model, which
    halves crfsuite's own time (see `_with_numbered_attributes`).

    With `few_lines` (a query's), the model keeps its names and the word list is
    looked up a syllable at a time: it loads in some 15 ms instead of 100, and tags
    the same.
    """

    def __init__(self, *, few_lines: bool = False) -> None:
        import pycrfsuite

        models = _pyvi_models_dir()
        model = _crf_model_bytes(models)
        names = _attribute_names(model)
        if few_lines:
            # A query's few syllables: renaming the attributes (50 ms) would not pay.
            self._numbered = {name: name for name in names}
            self._model = model
        else:
            # What each attribute name of pyvi's model is called in the numbered model.
            self._numbered = {name: b"%d" % i for i, name in enumerate(names)}
            self._model = _with_numbered_attributes(model)
        # crfsuite reads the model from this buffer without copying it: keep it alive.
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open_inmemory(self._model)
        self._left_ngrams = self._ngram_features(b"-1:word.bi_gram()", b"-2:word.tri_gram()")
        self._right_ngrams = self._ngram_features(b"+1:word.bi_gram()", b"+2:word.tri_gram()")
        self._words = _WordList(models / "words.txt", whole=not few_lines)
        self._known: dict[str, _SyllableFeatures] = {}

    def _features_of(self, syllable: str) -> _SyllableFeatures:
        lowered = syllable.lower()
        encoded = lowered.encode("utf-8")
        upper, title, digit = syllable.isupper(), syllable.istitle(), syllable.isdigit()
        # Each name with its value in pyvi's word2features, in pyvi's order.
        own = self._true_and_known(
            (b"bias", b"word.lower():" + encoded, b"word.isupper()", b"word.istitle()", b"word.isdigit()"),
            (True, True, upper, title, digit),
        )
        before = self._true_and_known(
            (b"-1:word.lower():" + encoded, b"-1:word.istitle()", b"-1:word.isupper()"), (True, title, upper)
        )
        after = self._true_and_known(
            (b"+1:word.lower():" + encoded, b"+1:word.istitle()", b"+1:word.isupper()"), (True, title, upper)
        )
        # pyvi tests `syllable in string.punctuation` on the string: a substring test.
        if syllable in string.punctuation or syllable[0].isdigit():
            kind = _BLOCKED
        elif syllable[0].istitle():
            kind = _TITLE
        else:
            kind = _OTHER
        return _SyllableFeatures(
            lowered,
            own,
            tuple(before + ngrams for ngrams in self._left_ngrams),
            tuple(after + ngrams for ngrams in self._right_ngrams),
            *self._words.following(lowered),
            kind,
        )

    def _true_and_known(self, names: tuple[bytes, ...], values: tuple[bool, ...]) -> tuple[bytes, ...]:
        """The numbered names of the features that are true and that the model knows."""
        numbered = self._numbered
        return tuple([numbered[name] for name in compress(names, values) if name in numbered])

    def _ngram_features(self, bi_gram: bytes, tri_gram: bytes) -> tuple[tuple[bytes, ...], ...]:
        """The n-gram features by n-gram code: none, the bigram, the trigram, both."""
        return tuple(self._true_and_known((bi_gram, tri_gram), (code & 1 == 1, code & 2 == 2)) for code in range(4))

    def _describe(self, syllables: Sequence[str]) -> list[_SyllableFeatures]:
        """The features of each syllable, worked out for those not seen before."""
        known = self._known
        try:
            return list(map(known.__getitem__, syllables))
        except KeyError:
            if len(known) > _MAX_REMEMBERED:
                known.clear()
            for syllable in set(syllables).difference(known):
                known[syllable] = self._features_of(syllable)
            return list(map(known.__getitem__, syllables))

    def _items(self, described: list[_SyllableFeatures]) -> list[tuple[bytes, ...]]:
        """The crfsuite items of a line: what pyvi's word2features gives each syllable."""
        lowered = [syllable.lowered for syllable in described]
        following = lowered[1:]
        bi_grams = list(map(frozenset.__contains__, [syllable.bi_gram_next for syllable in described[:-1]], following))
        # N-gram codes of each syllable's left ("-1:", "-2:") and right ("+1:", "+2:") features.
        left: list[int] = [False, *bi_grams]
        right: list[int] = [*bi_grams, False]
        # Few pairs begin a trigram (2% in news text): look trigrams up only after those.
        tri_gram_next = [syllable.tri_gram_next for syllable in described[:-2]]
        for i in compress(count(), map(frozenset.__contains__, tri_gram_next, following)):
            if (lowered[i + 1], lowered[i + 2]) in described[i].tri_gram_tails:
                right[i] += 2
                left[i + 2] += 2
        before = [_EDGE, *described[:-1]]
        after = [*described[1:], _EDGE]
        return [
            syllable.own + previous.as_previous[lcode] + following.as_next[rcode]
            for syllable, previous, lcode, following, rcode in zip(described, before, left, after, right, strict=True)
        ]

    def labels(self, syllables: Sequence[str]) -> list[str]:
        """pyvi's CRF labels for the syllables of one line: B_W or I_W."""
        if not syllables:
            return []
        return self._tagger.tag(self._items(self._describe(syllables)))

    def _junctions(self, syllables: Sequence[str]) -> Iterator[tuple[bool, int, int]]:
        """(label is I_W, kind before, kind) of each syllable after the first: what
        pyvi's joining rule looks at."""
        described = self._describe(syllables)
        inside = map("I_W".__eq__, self._tagger.tag(self._items(described))[1:])
        kinds = [syllable.kind for syllable in described]
        return zip(inside, kinds[:-1], kinds[1:], strict=True)

    def joins(self, syllables: Sequence[str]) -> list[bool]:
        """For each syllable, whether it continues the word of the syllable before it,
        with pyvi's rules: never across punctuation or digits, nor from a lower-case
        syllable into a capitalised one."""
        if not syllables:
            return []
        return [False, *map(_JOINING.__contains__, self._junctions(syllables))]

    def tokenize(self, text: str) -> str:
        """The same string `pyvi.ViTokenizer.tokenize(text)` returns: words separated
        by spaces, the syllables of a word joined by underscores."""
        composed = unicodedata.normalize("NFC", text)
        splitter = SYLLABLE_RE if "@" in composed or "://" in composed else PLAIN_SYLLABLE_RE
        syllables = splitter.findall(composed)
        if not syllables:
            return text  # as given, not composed: NFC turns U+2000 (a space) into U+2002
        pieces = [" "] * (2 * len(syllables) - 1)
        pieces[::2] = syllables
        pieces[1::2] = map(_SEPARATORS.__getitem__, self._junctions(syllables))
        return "".join(pieces)


@functools.cache
def word_list_syllables() -> tuple[frozenset[str], frozenset[str]]:
    """Every syllable of pyvi's word list, lower case as the list writes it (either tone
    placement: "hoà" or "hòa"), and folded ("hoa"): the syllables Vietnamese words are
    made of (some 7,000, and the loanwords pyvi lists). Read on first use (12 ms)."""
    with open(_pyvi_models_dir() / "words.txt", encoding="utf-8") as fin:
        written = frozenset(fin.read().lower().split())
    # Folded the quick way, which is `fold_diacritics` for every syllable of the list.
    ascii_d = str.maketrans({"đ": "d"})
    folded = frozenset(
        unicodedata.normalize("NFD", w.translate(ascii_d)).encode("ascii", "ignore").decode() for w in written
    )
    return written, folded


@functools.cache
def get_segmenter() -> Segmenter:
    """The process-wide segmenter, loaded on first use (about 100 ms), for text in bulk."""
    return Segmenter()


def get_query_segmenter() -> Segmenter:
    """A segmenter for a few short lines, such as a query's: the process's segmenter
    if it has one already, else one that loads in a fraction of the time (see
    `Segmenter`'s `few_lines`) and gives the same words."""
    if get_segmenter.cache_info().currsize:
        return get_segmenter()
    return _few_lines_segmenter()


@functools.cache
def _few_lines_segmenter() -> Segmenter:
    return Segmenter(few_lines=True)
