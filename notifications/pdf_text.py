"""Text for the PDF core fonts: Latin-1, with nothing silently dropped.

fpdf2's core fonts (Helvetica) only cover Latin-1, and no Unicode font is reliably present on
every machine. `pdf_text` therefore transliterates what Latin-1 lacks: currency signs become
their codes (`€` -> `EUR`), typographic quotes and dashes their ASCII forms, accented letters
outside Latin-1 lose the accent (`ő` -> `o`, `Ł` -> `L`), Cyrillic and Greek are romanized
(`Москва` -> `Moskva`), and anything left (CJK, emoji) is
written as its code point (`[U+4E2D]`) so it is visible and recoverable rather than dropped.
The HTML version of a letter keeps the original text.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

# Characters Latin-1 lacks that have a conventional Latin-1 spelling.
_REPLACEMENTS = {
    "€": "EUR",
    "₹": "INR",
    "₽": "RUB",
    "₩": "KRW",
    "₺": "TRY",
    "₪": "ILS",
    "₫": "VND",
    "₱": "PHP",
    "₴": "UAH",
    "₦": "NGN",
    "₿": "BTC",
    "‘": "'",
    "’": "'",
    "‚": ",",
    "‛": "'",
    "“": '"',
    "”": '"',
    "„": '"',
    "‟": '"',
    "‹": "<",
    "›": ">",
    "–": "-",
    "—": "-",
    "―": "-",
    "‐": "-",
    "‑": "-",
    "−": "-",
    "…": "...",
    "•": "*",
    "™": "(TM)",
    "ℓ": "l",
    "№": "No.",
    "\u00a0": " ",
    "\u2007": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\u200b": "",  # zero-width space, joiners and marks: invisible by definition
    "\u200c": "",
    "\u200d": "",
    "\u2060": "",
    "\ufeff": "",
    "\ufe0f": "",
    "Ł": "L",
    "ł": "l",
    "Đ": "D",
    "đ": "d",
    "Ħ": "H",
    "ħ": "h",
    "ı": "i",
    "Œ": "OE",
    "œ": "oe",
    "ẞ": "SS",
    "Ŧ": "T",
    "ŧ": "t",
    "ſ": "s",
}


# Cyrillic and Greek letters by their common romanization (Latin-1 has neither script).
def _romanized(letters: str, latin: str) -> dict[str, str]:
    return dict(zip(letters, latin.split(), strict=True))


_CYRILLIC = _romanized(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяієїґўђјљњћџ",
    "a b v g d e yo zh z i y k l m n o p r s t u f kh ts ch sh shch ' y ' e yu ya "
    "i ye yi g u dj j lj nj c dz",
)
_GREEK = _romanized(
    "αβγδεζηθικλμνξοπρσςτυφχψωάέήίόύώϊϋΐΰ",
    "a v g d e z i th i k l m n x o p r s s t y f ch ps o a e i i o y o i y i y",
)
for _lower, _latin in [*_CYRILLIC.items(), *_GREEK.items()]:
    _REPLACEMENTS.setdefault(_lower, _latin)
    _REPLACEMENTS.setdefault(_lower.upper(), _latin[:1].upper() + _latin[1:])
_SIGN_BEFORE_AMOUNT = re.compile(r"([€₹₽₩₺₪₫₱₴₦₿])(?=[\d.,])")
_LATIN1_CONTROLS = {chr(c) for c in range(0x80, 0xA0)}


@cache
def _transliterate_char(char: str) -> str:
    if char in _REPLACEMENTS:
        return _REPLACEMENTS[char]
    if char == "\n":
        return char
    if char == "\t":
        return " "
    if unicodedata.category(char) in ("Cc", "Cf") or char in _LATIN1_CONTROLS:
        return " " if unicodedata.category(char) == "Cc" else ""
    if ord(char) < 0x100:
        return char
    # Accented letters: compose what Latin-1 has (é), else drop the accents (ő -> o).
    decomposed = unicodedata.normalize("NFKD", char)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    if base and all(ord(c) < 0x100 for c in base) and base.isprintable():
        return base
    if unicodedata.category(char) == "Mn":  # a combining mark on its own
        return ""
    return f"[U+{ord(char):04X}]"


def pdf_text(text: str) -> str:
    """`text` in the Latin-1 subset the PDF core fonts can draw; nothing silently dropped."""
    composed = unicodedata.normalize("NFC", text)
    if composed.isascii() and composed.isprintable():
        return composed
    composed = _SIGN_BEFORE_AMOUNT.sub(r"\1 ", composed)  # "€5" reads "EUR 5", not "EUR5"
    return "".join(_transliterate_char(c) for c in composed)
