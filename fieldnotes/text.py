"""Small text helpers every layer shares: one-line text, name identity, tag lists."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache


def one_line(text: str) -> str:
    """Text on one line: surrounding spaces gone, inner runs of white space folded to one."""
    return " ".join(text.split())


@lru_cache(maxsize=4096)
def tag_key(name: str) -> str:
    """The identity of an organization, code or informant name: case and spacing ignored."""
    return " ".join(name.split()).casefold()


def dedupe_tags(names: list[str]) -> list[str]:
    """Names on one line, dropping empties and case-insensitive repeats, keeping order."""
    seen: set[str] = set()
    out: list[str] = []
    for name in names:
        cleaned = one_line(name)
        key = cleaned.casefold()
        if cleaned and key not in seen:
            seen.add(key)
            out.append(cleaned)
    return out


# Combining marks (accents) in the blocks where decomposed Latin, Greek and Cyrillic put them.
_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")


def fold(text: str) -> str:
    """Text for searching: case and accents ignored ("Zoë", "ZOE" and "zoe\u0308" all give
    "zoe"; Turkish "İ" gives "i"). Same length or longer: never used to show text."""
    if text.isascii():
        return text.lower()
    return _MARKS.sub("", unicodedata.normalize("NFKD", text).casefold())
