"""Collaboration ties recorded on a meeting or event: who worked with whom, how, how intensely.

A tie is stored on its note as one line of text, `ORG A|ORG B|TYPE|INTENSITY`
(`Harbor Rights Collective|Eastgate Drop-in Centre|referral|4`), so every
place that already carries a note's list fields (JSON, the CSV and .qdpx
exports, import, search, pseudonymisation) carries ties too, and the text a
researcher typed is what is kept. `parse_tie` reads one; `Tie.text` writes the
canonical form. The first organization is the one the tie starts from (who
refers, who funds); the reports treat a pair as unordered.

Nothing here knows about storage, the registries or the terminal.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from fieldnotes.errors import ValidationError
from fieldnotes.text import one_line, tag_key

TIE_TYPES: tuple[str, ...] = (
    "referral",
    "co-hosted",
    "shared client",
    "funding",
    "joint advocacy",
    "conflict",
    "other",
)
INTENSITIES: tuple[int, ...] = (1, 2, 3, 4, 5)
SEPARATOR = "|"
EXAMPLE = "Harbor Rights Collective|Eastgate Drop-in Centre|referral|4"
FORMAT = "ORG A|ORG B|TYPE|INTENSITY"


def _type_key(text: str) -> str:
    key = re.sub(r"[\s_\-]+", "", text.casefold())
    return key.removesuffix("s") if key.endswith("clients") else key


_TYPES_BY_KEY = {_type_key(name): name for name in TIE_TYPES} | {
    "cohost": "co-hosted",
    "joint": "joint advocacy",
}


@dataclass(frozen=True)
class Tie:
    """One recorded tie: from organization `a` to `b`, of a type, at an intensity of 1 to 5."""

    a: str
    b: str
    type: str
    intensity: int

    @property
    def text(self) -> str:
        """The canonical stored form: `A|B|type|n`."""
        return SEPARATOR.join((self.a, self.b, self.type, str(self.intensity)))

    @property
    def pair(self) -> tuple[str, str]:
        """The two organizations in a stable order (case-insensitive), for unordered reports."""
        return (self.a, self.b) if tag_key(self.a) <= tag_key(self.b) else (self.b, self.a)

    def describe(self) -> str:
        """For people: `A ↔ B · referral · 4/5`."""
        return f"{self.a} ↔ {self.b} · {self.type} · {self.intensity}/5"


def describe_tie(text: str) -> str:
    """A stored tie for people (`A ↔ B · referral · 4/5`); as written when it does not parse."""
    try:
        return parse_tie(text).describe()
    except ValidationError:
        return text


def _refuse(text: str, why: str) -> ValidationError:
    shown = one_line(text)
    shown = shown if len(shown) <= 80 else shown[:77] + "…"
    return ValidationError(f"tie {shown!r}: {why}. Write it as {FORMAT}, e.g. {EXAMPLE!r}", field="ties")


def parse_tie(text: str) -> Tie:
    """The tie written in `text` (spaces around the parts are ignored); ValidationError, naming
    what is wrong, for anything else."""
    if not isinstance(text, str):
        raise ValidationError(f"a tie must be text, not {type(text).__name__}", field="ties")
    return _parse(text)


@lru_cache(maxsize=1 << 16)
def _parse(text: str) -> Tie:
    """`parse_tie`, remembered: reports read the same ties again and again (a refusal is not)."""
    parts = [one_line(part) for part in text.split(SEPARATOR)]
    if len(parts) != 4:
        raise _refuse(text, f"it has {len(parts)} part(s) separated by '|', not 4")
    a, b, kind, level = parts
    for name in (a, b):
        if not name:
            raise _refuse(text, "an organization is missing")
        if ";" in name:
            raise _refuse(text, "an organization's name can't hold ';'")
    if tag_key(a) == tag_key(b):
        raise _refuse(text, "the two organizations are the same")
    tie_type = _TYPES_BY_KEY.get(_type_key(kind))
    if tie_type is None:
        raise _refuse(text, f"the type {kind!r} is not one of: {', '.join(TIE_TYPES)}")
    if not (level.isascii() and level.isdigit() and int(level) in INTENSITIES):
        raise _refuse(text, f"the intensity {level!r} is not a whole number from 1 to 5")
    return Tie(a, b, tie_type, int(level))


def check_ties(ties: list[str]) -> None:
    """Raise ValidationError for the first tie that does not parse."""
    for text in ties:
        parse_tie(text)


def canonical_ties(ties: Iterable[str], names: dict[str, str]) -> list[str]:
    """Ties in their canonical form, organizations spelled as `names` (key -> registry name)
    spells them; blank entries dropped and exact repeats once."""
    out: list[str] = []
    seen: set[str] = set()
    for text in ties:
        if not text.strip():
            continue
        tie = parse_tie(text)
        a, b = (names.get(tag_key(name), name) for name in (tie.a, tie.b))
        canonical = Tie(a, b, tie.type, tie.intensity).text
        key = tag_key(canonical)
        if key not in seen:
            seen.add(key)
            out.append(canonical)
    return out


def renamed_tie(text: str, rename: dict[str, str]) -> str:
    """`text` with its organizations renamed (key -> new name); the text unchanged when it does
    not parse (it is then left for validation to report) or names none of them."""
    try:
        tie = parse_tie(text)
    except ValidationError:
        return text
    a, b = (rename.get(tag_key(name), name) for name in (tie.a, tie.b))
    if (a, b) == (tie.a, tie.b):
        return text
    return Tie(a, b, tie.type, tie.intensity).text


def tie_organizations(ties: Iterable[str]) -> list[str]:
    """Every organization the ties name, in order (ties that do not parse are skipped)."""
    out: list[str] = []
    for text in ties:
        try:
            tie = parse_tie(text)
        except ValidationError:
            continue
        out += [tie.a, tie.b]
    return out
