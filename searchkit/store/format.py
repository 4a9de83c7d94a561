"""The bytes of a segment's files: one place that knows every layout.

A segment is four files, named as Whoosh names a segment's files
(`MAIN_<id>.<ext>`), so that Whoosh's own tools list and clean them with the rest:

- `.terms`: the terms of every field, sorted, in zlib-compressed blocks of
  `BLOCK_TERMS` terms (see "blocks of terms"). A term found in one document keeps
  that document and its frequency in its block; others point into `.postings`.
  After a field's blocks comes its block index: the first term of each block and
  where the block starts, read once to find a term by bisection.
- `.postings`: for each term of two documents or more, its document numbers as
  differences and its frequencies, each a column of one width, grouped by widths
  (see "posting lists"): numpy reads a list in two calls.
- `.lengths`: each document's length in each text field, one byte as Whoosh encodes
  it (`length_to_byte`), a field after another.
- `.docs`: the stored fields: the small ones (path, title, date, ...) in zlib-compressed
  blocks of `DOCS_PER_BLOCK` documents, then each document's text compressed alone
  against a dictionary of its segment's text (see "texts"): a snippet inflates the
  3 KB it shows, not a block of sixteen articles, for about the same size. The offset
  tables of both at the end.

Numbers are little endian. Nothing here imports Whoosh or numpy at module level: a
query reads these files without either of Whoosh's imports.
"""

from __future__ import annotations

import pickle
import struct
import sys
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

SUFFIXES = ("terms", "postings", "lengths", "docs")
# Terms per block of the terms file: a lookup decodes one block.
BLOCK_TERMS = 32
DOCS_PER_BLOCK = 16
_ZLIB_LEVEL = 6
_PICKLE_PROTOCOL = 5
# Width codes: a column of numbers in 1, 2 or 4 bytes.
_TYPECODES = ("B", "H", "I")
_WIDTHS = (1, 2, 4)
_LITTLE = sys.byteorder == "little"
_U32 = struct.Struct("<I")

assert array("I").itemsize == 4 and array("H").itemsize == 2


# ---- Whoosh's length bytes ---------------------------------------------------------------------


def _length_table() -> list[int]:
    """The length each byte stands for, as Whoosh's `byte_to_length` gives it: its
    table is the rounded (1.033^n - 1) * 27, kept increasing."""
    table = [0]
    for n in range(1, 256):
        table.append(max(table[-1] + 1, round((pow(1.033, n) - 1) * 27)))
    return table


# Whoosh ships this table literally (whoosh.util.numeric._length_byte_cache); the test
# beside the store checks that these are the same numbers.
LENGTHS = _length_table()
_MAX_LENGTH = 106374


def length_to_byte(length: int) -> int:
    """The byte Whoosh stores for a field of `length` terms (the nearest length it
    stands for, rounding up)."""
    if length >= _MAX_LENGTH:
        return 255
    return bisect_left(LENGTHS, length)


# ---- columns of numbers -------------------------------------------------------------------------


def width_code(largest: int) -> int:
    """The code of the narrowest width that holds numbers up to `largest`."""
    if largest < 1 << 8:
        return 0
    if largest < 1 << 16:
        return 1
    if largest < 1 << 32:
        return 2
    raise ValueError(f"{largest} does not fit in 32 bits")


def pack_column(numbers: Sequence[int], code: int) -> bytes:
    column = array(_TYPECODES[code], numbers)
    if not _LITTLE:
        column.byteswap()
    return column.tobytes()


def unpack_column(data: bytes | memoryview, code: int) -> array:
    column = array(_TYPECODES[code])
    column.frombytes(data)
    if not _LITTLE:
        column.byteswap()
    return column


# ---- posting lists -------------------------------------------------------------------------------
#
# A term's posting list is two columns: the differences between its document numbers
# (the first from 0) and its frequencies, each of one width (1, 2 or 4 bytes), the pair
# of widths being the list's class (`widths_code`). Within a field, every list of one
# class has its differences in one region of the postings file and its frequencies in
# another, in the order of the terms: a list is found by where its differences start,
# and its frequencies by the same arithmetic (`frequencies_at`). So a field's lists are
# written a class at a time, by numpy, and read by numpy in one call each.


def widths_code(delta_code: int, frequency_code: int) -> int:
    return delta_code | frequency_code << 4


def widths_of(code: int) -> tuple[int, int]:
    """The width of the differences and of the frequencies of a list of class `code`."""
    return _WIDTHS[code & 15], _WIDTHS[code >> 4]


def frequencies_at(where: int, code: int, regions: dict[int, tuple[int, int]]) -> int:
    """Where the frequencies of the list whose differences start at `where` start,
    given its field's regions of each class (differences, frequencies)."""
    delta_width, frequency_width = widths_of(code)
    deltas, frequencies = regions[code]
    return frequencies + (where - deltas) // delta_width * frequency_width


# ---- blocks of terms ------------------------------------------------------------------------------
#
# A block: zlib of the number of terms (2 bytes), then columns of 4-byte numbers (term
# lengths, document frequencies, totals, where) and one of 1-byte class codes, then the
# terms' bytes. zlib takes the shared beginnings of sorted terms and the high zero
# bytes of small numbers for next to nothing.


@dataclass(frozen=True, slots=True)
class TermEntry:
    """A term as the terms file has it: how many documents have it, how often it is
    found in all, and either its one document (`where`, frequency `total`) or where its
    posting list's differences start in the postings file (`where`, class `code`)."""

    term: bytes
    doc_frequency: int
    total: int
    where: int
    code: int


_COUNT = struct.Struct("<H")


def encode_block(terms: Sequence[bytes], frequencies: bytes, totals: bytes, wheres: bytes, codes: bytes) -> bytes:
    """A block of terms, in order, from its columns (4-byte numbers, little endian,
    and 1-byte codes)."""
    lengths = pack_column([len(t) for t in terms], 2)
    payload = b"".join((_COUNT.pack(len(terms)), lengths, frequencies, totals, wheres, codes, *terms))
    return zlib.compress(payload, 1)


def decode_block(data: bytes | memoryview) -> tuple[list[bytes], array, array, array, bytes]:
    """A block's terms, document frequencies, totals, wheres and class codes."""
    payload = zlib.decompress(data)
    (count,) = _COUNT.unpack_from(payload)
    at = 2
    columns = []
    for _ in range(4):
        columns.append(unpack_column(payload[at : at + 4 * count], 2))
        at += 4 * count
    lengths, frequencies, totals, wheres = columns
    codes = payload[at : at + count]
    at += count
    terms = []
    for length in lengths:
        terms.append(payload[at : at + length])
        at += length
    return terms, frequencies, totals, wheres, codes


def encode_block_index(first_terms: Sequence[bytes], offsets: Sequence[int]) -> bytes:
    """A field's block index: where each block starts in the terms file (with the end
    of the last), and the first term of each block, with where each starts among
    them (and the end of the last)."""
    starts = [0]
    for term in first_terms:
        starts.append(starts[-1] + len(term))
    return _U32.pack(len(first_terms)) + pack_column(offsets, 2) + pack_column(starts, 2) + b"".join(first_terms)


class FirstTerms(Sequence[bytes]):
    """The first term of each block of a field, read from the block index where it
    lies (a query bisects a few of them: a large segment has tens of thousands)."""

    __slots__ = ("_raw", "_starts")

    def __init__(self, raw: bytes, starts: array) -> None:
        if len(starts) < 1 or starts[-1] > len(raw):
            raise ValueError("a block index runs past its end")
        self._raw = raw
        self._starts = starts

    def __len__(self) -> int:
        return len(self._starts) - 1

    def __getitem__(self, number: int) -> bytes:  # type: ignore[override]  # bisection reads one at a time
        return bytes(self._raw[self._starts[number] : self._starts[number + 1]])


def decode_block_index(data: bytes | memoryview) -> tuple[FirstTerms, array]:
    (count,) = _U32.unpack_from(data)
    at = 4
    offsets = unpack_column(data[at : at + 4 * (count + 1)], 2)
    at += 4 * (count + 1)
    starts = unpack_column(data[at : at + 4 * (count + 1)], 2)
    at += 4 * (count + 1)
    # A copy: a view would keep the segment's file from being unmapped.
    return FirstTerms(bytes(data[at:]), starts), offsets


# ---- stored fields --------------------------------------------------------------------------------


def encode_docs_block(values: Sequence[object]) -> bytes:
    """Some documents' stored values (one object each), as one compressed block."""
    return zlib.compress(pickle.dumps(list(values), _PICKLE_PROTOCOL), _ZLIB_LEVEL)


def decode_docs_block(data: bytes | memoryview) -> list[object]:
    values = pickle.loads(zlib.decompress(data))
    if not isinstance(values, list):
        raise ValueError("a block of stored fields is not a list")
    return values


# ---- texts -----------------------------------------------------------------------------------------
#
# zlib finds a text's repeats within the 32 KB before them: compressed alone, a news
# article of 3 KB has little to repeat and takes a quarter more than in a block of
# sixteen. A preset dictionary of 32 KB of the segment's first texts gives it the
# words and phrases the others repeat; decoding one text is then ten times cheaper than
# a block, for the same size. A merged segment keeps the dictionaries of the segments
# it was made of, each from the first document that uses it.

DICTIONARY_BYTES = 32 * 1024


def make_dictionary(texts: Sequence[str]) -> bytes:
    """A dictionary for compressing texts like `texts`: their last 32 KB (zlib reaches
    the end of a dictionary most cheaply)."""
    return "\n".join(texts).encode("utf-8")[-DICTIONARY_BYTES:]


def encode_text(text: str, dictionary: bytes) -> bytes:
    compressor = zlib.compressobj(_ZLIB_LEVEL, zdict=dictionary)
    return compressor.compress(text.encode("utf-8")) + compressor.flush()


def decode_text(data: bytes | memoryview, dictionary: bytes) -> str:
    decompressor = zlib.decompressobj(zdict=dictionary)
    text = decompressor.decompress(data) + decompressor.flush()
    if not decompressor.eof:
        raise ValueError("a stored text is cut short")
    return text.decode("utf-8")


def encode_dictionaries(firsts: Sequence[int], dictionaries: Sequence[bytes]) -> bytes:
    """The dictionaries of a segment's texts, each with the first document it is for."""
    sizes = [len(d) for d in dictionaries]
    return encode_offsets(firsts) + pack_column(sizes, 2) + b"".join(dictionaries)


def decode_dictionaries(data: bytes | memoryview) -> tuple[array, list[bytes]]:
    firsts = decode_offsets(data)
    at = 4 + 4 * len(firsts)
    sizes = unpack_column(data[at : at + 4 * len(firsts)], 2)
    at += 4 * len(firsts)
    dictionaries = []
    for size in sizes:
        dictionaries.append(bytes(data[at : at + size]))
        at += size
    return firsts, dictionaries


def encode_offsets(offsets: Sequence[int]) -> bytes:
    return _U32.pack(len(offsets)) + pack_column(offsets, 2)


def decode_offsets(data: bytes | memoryview) -> array:
    (count,) = _U32.unpack_from(data)
    return unpack_column(data[4 : 4 + 4 * count], 2)
