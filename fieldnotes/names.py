"""Names a tag field can take: which registry entry a typed name is, and which typed
names are near-duplicates of existing ones ("Nor" for "Northside Abolition Coalition").

Pure functions over lists of names: the form builds a `Vocabulary` from the
registries and asks it about each tag as it is added.
"""

from __future__ import annotations

from dataclasses import dataclass

from fieldnotes.text import fold, tag_key

MIN_PREFIX = 2
"""A typed name this long or longer that starts an existing name is a near-duplicate of it."""


@dataclass(frozen=True)
class Resolved:
    """What a typed name will be saved as."""

    name: str
    """The canonical name: the registry's spelling, an alias made its name; else as typed."""
    new: bool = False
    """Saving will create a registry entry for it."""
    near: str = ""
    """An existing name it is close to (a prefix, a typo, an alias), when it is new."""


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance with adjacent swaps, or `limit + 1` as soon as it is more."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[-1], limit + 1)


def allowed_typos(text: str) -> int:
    """How many edits still count as a typo: none under 4 letters, 1 up to 7, then 2."""
    return 0 if len(text) < 4 else 1 if len(text) <= 7 else 2


class Vocabulary:
    """Registry names and their other spellings (aliases), for one tag field.

    `spellings` maps each alias to its name. `extra` are names chosen elsewhere in
    the same form, not yet saved: they are suggested, and still new."""

    def __init__(
        self, names: list[str], spellings: dict[str, str] | None = None, extra: list[str] | None = None
    ) -> None:
        self.names = names
        self.extra = [name for name in extra or [] if tag_key(name) not in {tag_key(n) for n in names}]
        self._canonical = {tag_key(name): name for name in names}
        for alias, name in (spellings or {}).items():
            self._canonical.setdefault(tag_key(alias), name)
        self.aliases = [
            alias for alias in (spellings or {}) if tag_key(alias) not in {tag_key(n) for n in names}
        ]

    def suggestions(self) -> list[str]:
        """What completion offers: the names, the names chosen elsewhere in the form, the aliases."""
        return [*self.names, *self.extra, *self.aliases]

    def resolve(self, text: str) -> Resolved:
        name = " ".join(text.split())
        known = self._canonical.get(tag_key(name))
        if known is not None:
            return Resolved(known)
        return Resolved(name, new=True, near=self.near(name))

    def near(self, text: str) -> str:
        """An existing name `text` is close to, or ''."""
        folded = fold(text).strip()
        if not folded:
            return ""
        limit = allowed_typos(folded)
        best = ""
        best_score = limit + 1
        for spelling, name in self._canonical.items():
            other = fold(spelling)
            if len(folded) >= MIN_PREFIX and other.startswith(folded):
                return name
            if other == folded:
                return name
            if limit:
                score = edit_distance(folded, other, limit)
                if score < best_score:
                    best, best_score = name, score
        return best
