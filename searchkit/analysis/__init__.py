"""Vietnamese text analysis: normalization, word segmentation and the indexed views."""

from searchkit.analysis.analyzer import Analysis, Token, analyze, split_pieces, word_numbers
from searchkit.analysis.normalize import (
    fold_diacritics,
    has_diacritics,
    nfc_with_offsets,
    normalize_i_y,
    normalize_spelling,
    normalize_syllable,
    normalize_tone_marks,
    spellings,
)
from searchkit.analysis.segmentation import Segmenter, get_segmenter

__all__ = [
    "Analysis",
    "Segmenter",
    "Token",
    "analyze",
    "fold_diacritics",
    "get_segmenter",
    "has_diacritics",
    "nfc_with_offsets",
    "normalize_i_y",
    "normalize_spelling",
    "normalize_syllable",
    "normalize_tone_marks",
    "spellings",
    "split_pieces",
    "word_numbers",
]
