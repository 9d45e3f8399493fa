"""An oracle for names in text, independent of `fieldnotes.privacy`'s matching engine.

The whole text is folded at once (invisible characters out, NFKC, full case folding,
Turkish i, NFKC again, curly apostrophes straight), then searched for whole-word
occurrences (a word is letters and the marks on them). The engine folds cluster by
cluster with a map back to the text; the tests check that the two agree.
"""

from __future__ import annotations

import re
import unicodedata

INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_ORACLE_INVISIBLE = dict.fromkeys(
    [
        *map(ord, INVISIBLE + "\u034f\u061c\u180e\u200e\u200f\u202a\u202b\u202c\u202d\u202e"),
        *map(ord, "\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069"),
        *range(0xFE00, 0xFE10),
    ]
)
_ORACLE_SAME = {ord("’"): "'", ord("‘"): "'", ord("ʼ"): "'", ord("‛"): "'", ord("‐"): "-"}


def oracle_fold(text: str) -> str:
    """The whole text at once: invisibles out, NFKC, case folded, Turkish i, NFKC, quotes."""
    text = text.translate(_ORACLE_INVISIBLE)
    folded = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text).casefold()).replace("ı", "i")
    kept, base = [], ""
    for char in folded:  # a dot above on an i (after any other marks) goes: İ is i
        if not unicodedata.category(char).startswith("M"):
            base = char
        if not (char == "\u0307" and base == "i"):
            kept.append(char)
    return unicodedata.normalize("NFKC", "".join(kept)).translate(_ORACLE_SAME)


def _letter(char: str) -> bool:
    return char.isalpha() or unicodedata.category(char).startswith("M")


def occurrences(text: str, names: list[str]) -> list[str]:
    """The names (folded) that occur in `text` as whole words, by the oracle."""
    folded = oracle_fold(text)
    found = []
    for name in names:
        key = oracle_fold(name)
        pattern = re.compile(r"\s+".join(re.escape(word) for word in key.split()))
        for match in pattern.finditer(folded):
            before = folded[match.start() - 1] if match.start() else " "
            after = folded[match.end()] if match.end() < len(folded) else " "
            if not _letter(before) and not _letter(after):
                found.append(key)
    return found
