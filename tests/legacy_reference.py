"""A plain encoder into the legacy Vietnamese encodings, for the tests of
`searchkit.analysis.legacy`: Unicode text as the bytes TCVN3 or VNI would write for it,
read as Windows-1252 (which is also what a Word file keeps).

Its tables are a second source, typed from lamdao/xvnkb (tcvn.h and vni.h, which list
every letter, capitals first, each with no tone, sắc, huyền, hỏi, ngã, nặng), not from
unikey's tables that the module uses; so a round trip checks the one against the other.
"""

from __future__ import annotations

import unicodedata

TONES = ("", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323")

# xvnkb tcvn.h, the small letters (its capitals are TCVN 5712 VN1's, which TCVN3 fonts
# have not; a TCVN3 writer puts a capital with a tone at its small letter's byte).
TCVN3 = {
    "a": (0x61, 0xB8, 0xB5, 0xB6, 0xB7, 0xB9),
    "â": (0xA9, 0xCA, 0xC7, 0xC8, 0xC9, 0xCB),
    "ă": (0xA8, 0xBE, 0xBB, 0xBC, 0xBD, 0xC6),
    "e": (0x65, 0xD0, 0xCC, 0xCE, 0xCF, 0xD1),
    "ê": (0xAA, 0xD5, 0xD2, 0xD3, 0xD4, 0xD6),
    "o": (0x6F, 0xE3, 0xDF, 0xE1, 0xE2, 0xE4),
    "ô": (0xAB, 0xE8, 0xE5, 0xE6, 0xE7, 0xE9),
    "ơ": (0xAC, 0xED, 0xEA, 0xEB, 0xEC, 0xEE),
    "u": (0x75, 0xF3, 0xEF, 0xF1, 0xF2, 0xF4),
    "ư": (0xAD, 0xF8, 0xF5, 0xF6, 0xF7, 0xF9),
    "i": (0x69, 0xDD, 0xD7, 0xD8, 0xDC, 0xDE),
    "y": (0x79, 0xFD, 0xFA, 0xFB, 0xFC, 0xFE),
}
TCVN3_OTHERS = {"Ă": 0xA1, "Â": 0xA2, "Ê": 0xA3, "Ô": 0xA4, "Ơ": 0xA5, "Ư": 0xA6, "Đ": 0xA7, "đ": 0xAE}

# xvnkb vni.h, capitals and small letters as it lists them.
VNI = {
    "A": ("A", "AÙ", "AØ", "AÛ", "AÕ", "AÏ"),
    "Â": ("AÂ", "AÁ", "AÀ", "AÅ", "AÃ", "AÄ"),
    "Ă": ("AÊ", "AÉ", "AÈ", "AÚ", "AÜ", "AË"),
    "E": ("E", "EÙ", "EØ", "EÛ", "EÕ", "EÏ"),
    "Ê": ("EÂ", "EÁ", "EÀ", "EÅ", "EÃ", "EÄ"),
    "O": ("O", "OÙ", "OØ", "OÛ", "OÕ", "OÏ"),
    "Ô": ("OÂ", "OÁ", "OÀ", "OÅ", "OÃ", "OÄ"),
    "Ơ": ("Ô", "ÔÙ", "ÔØ", "ÔÛ", "ÔÕ", "ÔÏ"),
    "U": ("U", "UÙ", "UØ", "UÛ", "UÕ", "UÏ"),
    "Ư": ("Ö", "ÖÙ", "ÖØ", "ÖÛ", "ÖÕ", "ÖÏ"),
    "I": ("I", "Í", "Ì", "Æ", "Ó", "Ò"),
    "Y": ("Y", "YÙ", "YØ", "YÛ", "YÕ", "Î"),
    "a": ("a", "aù", "aø", "aû", "aõ", "aï"),
    "â": ("aâ", "aá", "aà", "aå", "aã", "aä"),
    "ă": ("aê", "aé", "aè", "aú", "aü", "aë"),
    "e": ("e", "eù", "eø", "eû", "eõ", "eï"),
    "ê": ("eâ", "eá", "eà", "eå", "eã", "eä"),
    "o": ("o", "où", "oø", "oû", "oõ", "oï"),
    "ô": ("oâ", "oá", "oà", "oå", "oã", "oä"),
    "ơ": ("ô", "ôù", "ôø", "ôû", "ôõ", "ôï"),
    "u": ("u", "uù", "uø", "uû", "uõ", "uï"),
    "ư": ("ö", "öù", "öø", "öû", "öõ", "öï"),
    "i": ("i", "í", "ì", "æ", "ó", "ò"),
    "y": ("y", "yù", "yø", "yû", "yõ", "î"),
}
VNI_OTHERS = {"Đ": "Ñ", "đ": "ñ"}


def _letter(base: str, column: int) -> str:
    return unicodedata.normalize("NFC", base + TONES[column])


_TCVN3_CODES: dict[str, int] = {
    **{_letter(base, k): code for base, row in TCVN3.items() for k, code in enumerate(row)},
    **TCVN3_OTHERS,
}
_VNI_CODES: dict[str, str] = {
    **{_letter(base, k): spelled for base, row in VNI.items() for k, spelled in enumerate(row)},
    **VNI_OTHERS,
}

# Every Vietnamese letter that is not ASCII, small and capital.
VIETNAMESE_LETTERS = "".join(sorted(ch for ch in _VNI_CODES if not ch.isascii()))


def to_tcvn3(text: str) -> str:
    """`text` in TCVN3, read as Windows-1252 ("Cộng hoà" → "Céng hoµ"). A capital with a
    tone has no byte: it is written as its small letter, as a TCVN3 writer does."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        code = _TCVN3_CODES.get(ch) if ch.isascii() else _TCVN3_CODES.get(ch, _TCVN3_CODES.get(ch.lower()))
        out.append(ch if code is None else chr(code))
    return "".join(out)


def to_vni(text: str) -> str:
    """`text` in VNI, read as Windows-1252 ("Cộng hòa" → "Coäng hoøa")."""
    return "".join(_VNI_CODES.get(ch, ch) for ch in unicodedata.normalize("NFC", text))


def reread(legacy: str, codec: str) -> str:
    """Text that `to_tcvn3` or `to_vni` gave, as its bytes read with `codec` instead
    ("cp1258", as `searchkit.documents.decode` reads a file that is not UTF-8)."""
    data = b"".join(bytes([ord(ch)]) if ord(ch) < 0x100 else ch.encode("cp1252") for ch in legacy)
    return data.decode(codec)
