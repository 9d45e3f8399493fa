"""Protecting participants in what leaves the laptop.

* `Pseudonymiser` replaces each informant's registered real names and aliases
  with the pseudonym, in any text and in a whole export: notes (every free-text
  field, so a new field is covered too), organizations, codes and informants,
  keeping tags and registry names consistent.
* `find_possible_names` is the pre-flight check: capitalised words that look
  like names but are not in the registry, with counts and where they occur.
  `find_named_tags` flags a tag (organization, code, location, person
  present...) that holds a registered real name. `check_names` runs both.

How names are matched
---------------------
Text and names are compared through a *matching key*: NFKC normalisation
(composed accents, so "Jose\\u0301" is "José"; PDF ligatures such as "ﬁ" and
non-breaking spaces become plain letters and spaces), full case folding
("STRASSE" is "Straße"), invisible characters that PDFs and word processors
leave inside words removed (soft hyphens, zero-width spaces and joiners,
direction marks), and the Turkish dotted and dotless i (İ, ı) read as i. Any
run of spaces separates a name's words, and curly and straight apostrophes,
and Unicode hyphens, are one. The key of a text is built
character cluster by character cluster (a base character and the marks on it),
with a map back to the text, so a replacement covers exactly the original
characters of the name and everything else is left byte for byte as it was.
Case folding changes lengths (ß is "ss", İ is "i" plus a dot), which is why
offsets found in a folded copy are never used on the original directly.

A name matches as a whole word: never inside another word ("Marianne" stays
when "Maria" is registered), where a word is letters and the marks on them.
Digits, underscores and punctuation end a word, so a recording called
"dana_whitfield_2.mp3" loses the names too. Possessives stay ("Maria's"
becomes "P-03's"). Accents count: "Maria" does not match "María"; register
both spellings when both are used.

The parts of a registered name count too. Registering "Dana Whitfield" also
replaces "Dana" and "Whitfield" on their own, anywhere, when the part has at
least three letters and is not a common word (see `COMMON_WORDS`). A shorter or
common part ("Li", "Will", "May") is replaced only after a title such as Ms.,
Dr., Officer or Sgt. (`TITLES`): "Ms. Li" and "Officer May" are names, while
"we will meet in May" is not. The trade-off is deliberate: a part that is also
an ordinary word ("Rose", "Brown", "Hope") is replaced in prose as well, which
costs a little readability, while a surname left in an export breaks the
confidentiality promise. A part shared by two informants becomes both
pseudonyms ("P-03/P-04"), as the text alone cannot tell who is meant; a name
registered in full for one informant belongs to that informant alone.
"""

from __future__ import annotations

import re
import string
import unicodedata
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from itertools import accumulate
from typing import TYPE_CHECKING, Any, TypeVar, get_type_hints

from fieldnotes.model import FIELD, Code, Informant, Note, Organization
from fieldnotes.text import tag_key

if TYPE_CHECKING:
    from fieldnotes.codebook_history import HistoryEntry
    from fieldnotes.followups import Followup
    from fieldnotes.memos import Memo

T = TypeVar("T")

# ---------------------------------------------------------------- the fields
# Not text: ids, dates, stamps, and the revision hashes merges keep (merge/revisions.py).
_NOT_TEXT = frozenset({"id", "kind", "start", "end", "created", "updated", "rev", "history", "field_revs"})
# Note fields whose values name a registry entry: renamed through the registry, so tags
# and the organization or code they point at keep the same spelling.
TAG_FIELDS: dict[str, str] = {
    "organizations": "organization",
    "organizers": "organization",
    "host": "organization",
    "codes": "code",
}
# Note fields whose items are ties ("ORG A|ORG B|TYPE|N"): the organizations in them are renamed.
TIE_FIELDS = frozenset({"ties"})
# The fields of the other exported records that hold no free text: ids, dates, fixed choices.
MEMO_KEEP = frozenset({"guid", "type", "created", "updated"})
FOLLOWUP_KEEP = frozenset({"id", "note_id", "note_start", "status", "due", "done_at", "position"})
HISTORY_KEEP = frozenset({"guid", "when", "action", "code_guid", "note_id", "source_guid"})


def _note_text_fields() -> tuple[tuple[str, bool], ...]:
    """(name, is a list) of every Note field holding free text or names: every str or
    list[str] field but the id, kind, dates, stamps and closed-choice fields."""
    hints = get_type_hints(Note)
    out = []
    for spec in fields(Note):
        known = FIELD.get(spec.name)
        if spec.name in _NOT_TEXT or (known is not None and known.choices):
            continue
        hint = hints[spec.name]
        if hint in (str, str | None):
            out.append((spec.name, False))
        elif hint == list[str]:
            out.append((spec.name, True))
    return tuple(out)


NOTE_TEXT_FIELDS: tuple[tuple[str, bool], ...] = _note_text_fields()

# Capitalised words that are not names: sentence furniture, calendar words, titles.
_COMMON = """
    a an the i i'm i've i'd i'll we he she they it this that these those there here my our his
    her their its and but or so if then when while after before because as at by for from in
    into of on to with without about above across again all also am any are be been being both
    can could did do does done each even every few had has have how just many may me might more
    most much must no not now off once only other out over own same should some still such than
    too under until up very was were what where which who whom why will would yes you your yet
    monday tuesday wednesday thursday friday saturday sunday january february march april june
    july august september october november december mon tue wed thu fri sat sun jan feb mar apr
    jun jul aug sep sept oct nov dec today yesterday tomorrow morning afternoon evening night
    staff members member notes note memo follow follow-up agenda meeting event interview panel
    conference training protest vigil hearing fair summit city state county police unit office
    centre center clinic coalition collective services trust english spanish ok okay ave rd
    later next first second third last finally however afterwards afterward meanwhile during
    since although though overall perhaps maybe instead otherwise let please thanks thank
    one two three four five six seven eight nine ten eleven twelve several another neither
    either whether someone everyone nobody nothing something everything people despite
    according around outside inside through throughout toward towards upon within against
    among between beyond behind below beside besides near per via us them him hers ours
    theirs yours mine again back soon almost nearly later re fwd fw
    """
COMMON_WORDS = frozenset(_COMMON.split())
# Words that make the next word a person's name ("Ms. Li", "Officer May"). Folded, no dots.
_TITLES = """
    mr mrs ms miss mx dr doctor prof professor officer ofc sgt sergeant detective det director
    lt lieutenant capt captain chief inspector insp deputy sheriff judge justice rev reverend
    pastor father sister mayor councillor councilor councilman councilwoman councilmember
    commissioner senator sen rep representative agent trooper constable nurse madam mme mlle
    sr sra srta señor señora señorita herr frau st saint
    """
TITLES = frozenset(_TITLES.split())


# ------------------------------------------------------------ matching keys
_INVISIBLE = (
    "\u00ad\u034f\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"
    "\ufe00\ufe01\ufe02\ufe03\ufe04\ufe05\ufe06\ufe07\ufe08\ufe09\ufe0a\ufe0b\ufe0c\ufe0d\ufe0e\ufe0f"
)
_DROP_INVISIBLE: dict[int, str | None] = dict.fromkeys(map(ord, _INVISIBLE))
# Spellings a name pattern takes as one (a key keeps them as typed): apostrophes, hyphens.
_APOSTROPHES = "'’‘ʼ‛"
_HYPHENS = "-‐‑"
_ONE_OF: dict[str, str] = {
    **dict.fromkeys(_APOSTROPHES, f"[{_APOSTROPHES}]"),
    **dict.fromkeys(_HYPHENS, f"[{re.escape(_HYPHENS)}]"),
}
_ASCII_RUNS = re.compile(r"[\x00-\x7f]+")


@lru_cache(maxsize=65536)
def _fold_cluster(cluster: str) -> str:
    """The matching key of one character cluster (a base character and its marks)."""
    folded = unicodedata.normalize("NFKC", cluster.translate(_DROP_INVISIBLE)).casefold()
    folded = unicodedata.normalize("NFD", folded).replace("ı", "i")
    if folded.startswith("i"):  # İ is i: its dot goes, even after another mark (Į̇); then recompose
        folded = folded.replace("\u0307", "")
    return unicodedata.normalize("NFKC", folded)


@lru_cache(maxsize=8192)
def _joins_previous(char: str) -> bool:
    """True for a character that belongs to the cluster before it: a mark, a half-width
    kana voicing mark, an invisible character (dropped before normalising, so a soft
    hyphen or zero-width space never splits a letter from its accent)."""
    return (
        char in _INVISIBLE
        or unicodedata.combining(char) != 0
        or unicodedata.category(char)[0] == "M"
        or char in "\uff9e\uff9f"
    )


def _is_hangul_vowel(char: str) -> bool:
    return "\u1161" <= char <= "\u1175"


def _is_hangul_final(char: str) -> bool:
    return "\u11a8" <= char <= "\u11c2"


def _joins(text: str, i: int) -> bool:
    """True when text[i] belongs to the cluster before it: `_joins_previous`, or a Hangul
    vowel after an initial consonant, a final consonant after a syllable or such a vowel
    (the jamo that NFC composes into one syllable)."""
    char = text[i]
    if not (_is_hangul_vowel(char) or _is_hangul_final(char)):
        return _joins_previous(char)
    i -= 1
    while i >= 0 and text[i] in _INVISIBLE:  # dropped before composing
        i -= 1
    before = text[i] if i >= 0 else ""
    if _is_hangul_vowel(char):
        return "\u1100" <= before <= "\u1112"
    return ("\uac00" <= before <= "\ud7a3" and (ord(before) - 0xAC00) % 28 == 0) or (
        _is_hangul_vowel(before) and _joins(text, i)
    )


def _same(a: str, b: str) -> bool:
    """Two keys a pattern cannot tell apart: equal, or both a space, a hyphen, an apostrophe."""
    return (
        a == b
        or (a.isspace() and b.isspace())
        or (a in _HYPHENS and b in _HYPHENS)
        or (a in _APOSTROPHES and b in _APOSTROPHES)
    )


@lru_cache(maxsize=8192)
def _lowers_to_its_key(char: str) -> bool:
    """True when `char.lower()` is the character's key: one character that is no part of a
    cluster, and not the Greek capital sigma (lowercased by what follows it)."""
    if char == "Σ" or _joins_previous(char) or _is_hangul_vowel(char) or _is_hangul_final(char):
        return False
    lower = char.lower()
    return len(lower) == 1 and _same(lower, _fold_cluster(char))


@lru_cache(maxsize=1024)
def _spots(odd: frozenset[str]) -> re.Pattern[str]:
    """Finds the characters of `odd` in a text."""
    return re.compile("[" + "".join(re.escape(char) for char in sorted(odd)) + "]")


@lru_cache(maxsize=8192)
def is_letter(char: str) -> bool:
    """A character that continues a word: a letter, or a mark on one (ʼ is an apostrophe)."""
    return (char.isalpha() or unicodedata.category(char)[0] == "M") and char not in _APOSTROPHES


class _Folded:
    """A text's matching key, and the way back from offsets in the key to offsets in the text."""

    __slots__ = ("_key_starts", "_linear", "_text_ends", "_text_starts", "key")

    def __init__(self, text: str) -> None:
        self._key_starts: list[int] | None = None
        odd: list[str] = []
        if not text.isascii():
            odd = [char for char in set(_ASCII_RUNS.sub("", text)) if not _lowers_to_its_key(char)]
        if not odd:
            # Most notes: ASCII, or curly quotes, dashes and composed accents. `lower()` gives
            # the key, character for character, so offsets map one to one.
            self.key = text.lower()
            return
        # Elsewhere the key is `lower()` too; each odd character's cluster (a decomposed
        # accent, ß, İ, a ligature, a soft hyphen...) is folded on its own.
        keys: list[str] = []
        key_starts: list[int] = []
        text_starts: list[int] = []
        text_ends: list[int] = []
        linear: list[bool] = []
        length = done = 0
        for spot in _spots(frozenset(odd)).finditer(text):
            at = spot.start()
            if at < done:
                continue  # inside the cluster just folded
            start, end = at, at + 1
            while start > done and _joins(text, start):
                start -= 1  # back to the base character of the marks
            while end < len(text) and _joins(text, end):
                end += 1
            for key, first, last, is_linear in (
                (text[done:start].lower(), done, start, True),
                (_fold_cluster(text[start:end]), start, end, False),
            ):
                if key:  # an invisible character alone (at the text's start) leaves no key
                    keys.append(key)
                    key_starts.append(length)
                    text_starts.append(first)
                    text_ends.append(last)
                    linear.append(is_linear)
                    length += len(key)
            done = end
        if done < len(text):
            keys.append(text[done:].lower())
            key_starts.append(length)
            text_starts.append(done)
            text_ends.append(len(text))
            linear.append(True)
        self.key = "".join(keys)
        self._key_starts = key_starts
        self._text_starts = text_starts
        self._text_ends = text_ends
        self._linear = linear

    def span(self, start: int, end: int) -> tuple[int, int] | None:
        """The text's offsets of key[start:end]; None when they cut a character cluster."""
        starts = self._key_starts
        if starts is None:
            return start, end
        first = bisect_right(starts, start) - 1
        if self._linear[first]:
            text_start = self._text_starts[first] + start - starts[first]
        elif start != starts[first]:
            return None
        else:
            text_start = self._text_starts[first]
        last = bisect_right(starts, end - 1) - 1
        if self._linear[last]:
            text_end = self._text_starts[last] + end - starts[last]
        else:
            piece_end = starts[last + 1] if last + 1 < len(starts) else len(self.key)
            if end != piece_end:
                return None
            text_end = self._text_ends[last]
        return text_start, text_end


def fold(text: str) -> str:
    """The matching key of a text (see the module's docstring)."""
    return _Folded(text).key


def name_key(name: str) -> str:
    """A name's matching key, its words separated by one space."""
    return " ".join(fold(name).split())


def _words_pattern(key: str) -> str:
    """The regex of a name's key: its words separated by any space, apostrophes and hyphens
    in any of their spellings."""
    return r"\s+".join("".join(_ONE_OF.get(char) or re.escape(char) for char in word) for word in key.split())


# ------------------------------------------------------------- the replacer
@dataclass(frozen=True)
class _Name:
    key: str
    pseudonym: str
    pattern: re.Pattern[str]


def _table(names: dict[str, str]) -> dict[str, list[_Name]]:
    """Names by their first key character, longest first (a full name beats its first part)."""
    table: dict[str, list[_Name]] = {}
    for key in sorted(names, key=len, reverse=True):
        name = _Name(key, names[key], re.compile(_words_pattern(key)))
        for first in _APOSTROPHES if key[0] in _APOSTROPHES else _HYPHENS if key[0] in _HYPHENS else key[0]:
            table.setdefault(first, []).append(name)
    return table


# Joins texts searched in one pass: neither a space nor a letter, so no name spans two texts.
_APART = "\x00"


def note_strings(note: Note) -> list[str]:
    """Every string of a note's text fields (`NOTE_TEXT_FIELDS`), list items one by one."""
    out: list[str] = []
    for name, is_list in NOTE_TEXT_FIELDS:
        value = getattr(note, name)
        if value:
            out += value if is_list else [value]
    return out


def _owner(pseudonyms: set[str]) -> str:
    return "/".join(sorted(pseudonyms, key=str.casefold))


@dataclass
class TagRenames:
    """Registry spellings (by `tag_key`) whose pseudonymised spelling differs."""

    organizations: dict[str, str] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)

    def for_field(self, name: str) -> dict[str, str] | None:
        kind = TAG_FIELDS.get(name)
        return self.organizations if kind == "organization" else self.codes if kind == "code" else None


class Pseudonymiser:
    """Replaces registered real names, their parts and aliases with pseudonyms (see the module)."""

    def __init__(self, informants: Iterable[Informant]) -> None:
        people = list(informants)
        full: dict[str, set[str]] = {}  # a registered name -> its informants' pseudonyms
        parts: dict[str, set[str]] = {}  # a part of a registered name, replaced anywhere
        titled: dict[str, set[str]] = {}  # a short or common part: replaced after a title only
        for person in people:
            for name in person.real_names:
                key = name_key(name)
                if not key:
                    continue
                full.setdefault(key, set()).add(person.pseudonym)
                words = key.split()
                pieces = (piece for word in words for piece in re.split(f"[{re.escape(_HYPHENS)}]", word))
                for part in {*words, *pieces}:
                    part = part.strip("." + _APOSTROPHES + _HYPHENS)
                    if not part or part == key or part in TITLES:
                        continue
                    common = len(part) < 3 or part in COMMON_WORDS
                    (titled if common else parts).setdefault(part, set()).add(person.pseudonym)
        anywhere = {key: _owner(owners) for key, owners in parts.items()}
        anywhere.update({key: _owner(owners) for key, owners in full.items()})  # a full name wins
        after_title = {key: _owner(owners) for key, owners in titled.items() if key not in anywhere}
        self.names: dict[str, str] = {**anywhere, **after_title}  # key -> pseudonym(s)
        self._anywhere = _table(anywhere)
        self._after_title = _table({**after_title, **anywhere})
        alternatives = [_words_pattern(key) for key in sorted(anywhere, key=len, reverse=True)]
        titles = "|".join(sorted(TITLES, key=len, reverse=True))
        self._title = re.compile(rf"(?:{titles})(?:\.\s*|\s+)")
        if after_title:
            short = "|".join(_words_pattern(key) for key in sorted(after_title, key=len, reverse=True))
            alternatives.append(rf"(?:{titles})(?:\.\s*|\s+)(?:{short})")
        self._finder = re.compile("|".join(alternatives)) if alternatives else None
        self.warnings = [
            f"the pseudonym {person.pseudonym!r} contains a registered real name of "
            f"{', '.join(sorted(set(who) - {person.pseudonym}))}; choose another pseudonym"
            for person in people
            if set(who := self.who(person.pseudonym)) - {person.pseudonym}
        ]

    def __bool__(self) -> bool:
        return self._finder is not None

    # ------------------------------------------------------------- text
    def _name_at(self, folded: _Folded, at: int, table: dict[str, list[_Name]]) -> tuple[int, str] | None:
        key = folded.key
        for name in table.get(key[at], ()):
            match = name.pattern.match(key, at)
            if match is None:
                continue
            end = match.end()
            if end < len(key) and is_letter(key[end]):
                continue
            if folded.span(at, end) is not None:
                return end, name.pseudonym
        return None

    def spans(self, value: str) -> Iterator[tuple[int, int, str]]:
        """(start, end, pseudonym) of every registered name in `value`, in order."""
        if self._finder is None or not value:
            return
        folded = _Folded(value)
        key = folded.key
        pos = 0
        while (match := self._finder.search(key, pos)) is not None:
            at = match.start()
            pos = at + 1
            if at and is_letter(key[at - 1]):
                continue  # inside a word
            found = None
            title = self._title.match(key, at)
            if title is not None and title.end() < len(key):
                found = self._name_at(folded, title.end(), self._after_title)
                if found is not None:
                    at = title.end()
            if found is None:
                found = self._name_at(folded, at, self._anywhere)
            if found is None:
                continue
            end, pseudonym = found
            span = folded.span(at, end)
            if span is None:  # cannot happen: `_name_at` checked it
                continue
            yield span[0], span[1], pseudonym
            pos = end

    def text(self, value: str) -> str:
        """`value` with every registered name replaced by its pseudonym, the rest unchanged."""
        out: list[str] = []
        done = 0
        for start, end, pseudonym in self.spans(value):
            out += [value[done:start], pseudonym]
            done = end
        if not out:
            return value
        out.append(value[done:])
        return "".join(out)

    def who(self, value: str) -> list[str]:
        """The pseudonyms whose registered names `value` holds, in order of appearance."""
        found: list[str] = []
        for _, _, pseudonym in self.spans(value):
            if pseudonym not in found:
                found.append(pseudonym)
        return found

    def contains(self, value: str) -> bool:
        return next(self.spans(value), None) is not None

    def contains_any(self, values: Iterable[str]) -> bool:
        """True when any of `values` holds a registered name (one pass over them all)."""
        return self.contains(_APART.join(values))

    def _maybe(self, values: Iterable[str]) -> bool:
        """False when none of `values` can hold a registered name: a quick first look."""
        return self._finder is not None and self._finder.search(_Folded(_APART.join(values)).key) is not None

    # ---------------------------------------------------------- records
    def _tag(self, value: str, renames: dict[str, str] | None) -> str:
        if renames is not None:
            renamed = renames.get(tag_key(value))
            if renamed is not None:
                return renamed
        return self.text(value)

    def note(self, note: Note, renames: TagRenames | None = None) -> Note:
        """A copy of `note` with every text field pseudonymised; tags renamed as the registries."""
        if not self._maybe(note_strings(note)):
            return note  # most notes of a big export: one search over all their fields
        changes: dict[str, object] = {}
        for name, is_list in NOTE_TEXT_FIELDS:
            value = getattr(note, name)
            if not value:
                continue
            table = renames.for_field(name) if renames is not None else None
            if name in TIE_FIELDS:
                orgs = renames.organizations if renames is not None else None
                new = [self._tie(item, orgs) for item in value]
            elif is_list:
                new = [self._tag(item, table) for item in value]
            else:
                new = self._tag(value, table)
            if new != value:
                changes[name] = new
        return replace(note, **changes) if changes else note  # type: ignore[arg-type]

    def _tie(self, text: str, organizations: dict[str, str] | None) -> str:
        """A tie with each organization renamed as the registry (see ties.py); the whole text
        pseudonymised when it is not a tie."""
        from fieldnotes.ties import Tie, parse_tie

        try:
            tie = parse_tie(text)
        except ValueError:
            return self.text(text)
        a, b = (self._tag(name, organizations) for name in (tie.a, tie.b))
        return Tie(a, b, tie.type, tie.intensity).text if (a, b) != (tie.a, tie.b) else text

    # ------------------------------------------- memos, follow-ups, the codebook's history
    def record(
        self, record: T, keep: frozenset[str], special: dict[str, Callable[[Any], Any]] | None = None
    ) -> T:
        """A copy of a dataclass record with every str and list[str] field pseudonymised but the
        fields in `keep` (ids, dates, fixed choices); `special` fields by their own function. A
        text field added to the record later is covered without anyone remembering to."""
        changes: dict[str, Any] = {}
        for spec in fields(record):  # type: ignore[arg-type]
            name = spec.name
            if name in keep:
                continue
            value = getattr(record, name)
            if special and name in special:
                new = special[name](value)
            elif isinstance(value, str):
                new = self.text(value)
            elif isinstance(value, list) and all(isinstance(item, str) for item in value):
                new = [self.text(item) for item in value]
            else:
                continue
            if new != value:
                changes[name] = new
        return replace(record, **changes) if changes else record  # type: ignore[type-var]

    def memo(self, memo: Memo, renames: TagRenames) -> Memo:
        """A memo: title, body, author and the names its links give (codes, organizations)."""

        def link(text: str) -> str:
            kind, _, target = text.partition(":")
            if kind == "org":
                return f"org:{self._tag(target, renames.organizations)}"
            if kind == "code":
                return f"code:{self._tag(target, renames.codes)}"
            if kind in ("note", "informant"):
                return text  # a note id; a pseudonym (warned about when it holds a name)
            return self.text(text)

        return self.record(memo, MEMO_KEEP, {"about": lambda links: [link(item) for item in links]})

    def followup(self, item: Followup, renames: TagRenames) -> Followup:
        """A follow-up item: its text, its note's title, and whom it concerns."""
        orgs = renames.organizations
        return self.record(
            item,
            FOLLOWUP_KEEP,
            {
                "concerns": lambda value: self._tag(value, orgs),
                "note_concerns": lambda values: [self._tag(value, orgs) for value in values],
            },
        )

    def history_entry(self, entry: HistoryEntry, renames: TagRenames) -> HistoryEntry:
        """A codebook history entry: code names as the pseudonymised codebook, the rest as text."""
        codes = renames.codes
        names = entry.action in ("rename", "merge", "move")

        def name(value: str) -> str:
            return self._tag(value, codes)

        return self.record(
            entry,
            HISTORY_KEEP,
            {
                "code": name,
                "before": name if names else self.text,
                "after": name if names else self.text,
            },
        )

    def _unique(self, names: list[str]) -> list[str]:
        """The names pseudonymised; a changed name that clashes with another gets " (2)"..."""
        new = [self.text(name) for name in names]
        taken = {tag_key(name) for name, old in zip(new, names, strict=True) if name == old}
        out = []
        for old, name in zip(names, new, strict=True):
            if name != old:
                base, number = name, 2
                while tag_key(name) in taken:
                    name, number = f"{base} ({number})", number + 1
                taken.add(tag_key(name))
            out.append(name)
        return out

    def registries(
        self, organizations: list[Organization], codes: list[Code], informants: list[Informant]
    ) -> tuple[list[Organization], list[Code], list[Informant], TagRenames]:
        """Organizations, codes and informants with their names, aliases and descriptions
        pseudonymised (guids kept), and the renames their tags in notes must follow."""
        renames = TagRenames()
        new_orgs = []
        for org, name in zip(organizations, self._unique([o.name for o in organizations]), strict=True):
            spellings = [(org.name, name), *((alias, self.text(alias)) for alias in org.aliases)]
            for spelling, renamed in spellings:
                if renamed != spelling:
                    renames.organizations.setdefault(tag_key(spelling), renamed)
            aliases = [a for _, a in spellings[1:] if tag_key(a) != tag_key(name)]
            new_orgs.append(
                replace(
                    org,
                    name=name,
                    aliases=aliases,
                    type=self.text(org.type),
                    description=self.text(org.description),
                    author=self.text(org.author),
                )
            )
        code_names = self._unique([code.name for code in codes])
        for code, name in zip(codes, code_names, strict=True):
            if name != code.name:
                renames.codes[tag_key(code.name)] = name
        new_codes = [
            replace(
                code,
                name=name,
                description=self.text(code.description),
                parent=self._tag(code.parent, renames.codes) if code.parent else "",
                author=self.text(code.author),
            )
            for code, name in zip(codes, code_names, strict=True)
        ]
        new_people = [
            replace(
                person,
                role=self.text(person.role),
                organization=self._tag(person.organization, renames.organizations),
                notes=self.text(person.notes),
                author=self.text(person.author),
            )
            for person in informants
        ]
        return new_orgs, new_codes, new_people, renames


# ------------------------------------------------------- what an export holds
def export_texts(
    notes: Iterable[Note],
    organizations: Iterable[Organization] = (),
    codes: Iterable[Code] = (),
    informants: Iterable[Informant] = (),
    *,
    include_private: bool = False,
    tags: bool = True,
    others: Iterable[tuple[str, str]] = (),
) -> Iterator[tuple[str, str]]:
    """(place, text) of every exported string: note fields, registry names and descriptions,
    and `others` (memos, follow-ups, the codebook's history: see `record_texts`).
    Without `tags`, note fields naming registry entries (organizations, codes...) are skipped."""
    for owner, name, text in _owned_texts(
        notes, organizations, codes, informants, include_private=include_private, tags=tags, others=others
    ):
        yield _place(owner, name), text


def _place(owner: str, name: str) -> str:
    """Where a text is, for people: "note 1a2b3c4d body", "organization “X” alias"."""
    return f"{owner} {name}" if name else owner


def _owned_texts(
    notes: Iterable[Note],
    organizations: Iterable[Organization],
    codes: Iterable[Code],
    informants: Iterable[Informant],
    *,
    include_private: bool,
    tags: bool,
    others: Iterable[tuple[str, str]],
) -> Iterator[tuple[str, str, str]]:
    """(owner, field, text) of every exported string (see `export_texts`); `others` come
    with their whole place as the owner and no field."""
    wanted = tuple(
        (name, is_list)
        for name, is_list in NOTE_TEXT_FIELDS
        if (include_private or name != "private")
        and (tags or (name not in TAG_FIELDS and name not in TIE_FIELDS))  # ties name organizations too
    )
    for note in notes:
        owner = f"note {note.id[:8]}"
        for name, is_list in wanted:
            value = getattr(note, name)
            if not value:
                continue
            if is_list:
                for item in value:
                    yield owner, name, item
            else:
                yield owner, name, value
    for org in organizations:
        owner = f"organization “{org.name}”"
        if tags:
            yield owner, "name", org.name
            for alias in org.aliases:
                yield owner, "alias", alias
        yield owner, "type", org.type
        yield owner, "description", org.description
    for code in codes:
        owner = f"code “{code.name}”"
        if tags:
            yield owner, "name", code.name
            yield owner, "parent", code.parent
        yield owner, "description", code.description
    for person in informants:
        owner = f"informant {person.pseudonym}"
        yield owner, "role", person.role
        if tags:
            yield owner, "organization", person.organization
        yield owner, "notes", person.notes
    for place, text in others:
        yield place, "", text


def record_texts(label: str, record: object, keep: frozenset[str]) -> Iterator[tuple[str, str]]:
    """(place, text) of every str and list[str] field of a record but `keep`: what the
    pre-flight check reads of a memo, a follow-up or a history entry."""
    for name in _field_names(type(record)):
        if name in keep:
            continue
        value = getattr(record, name)
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str) and text:
                yield f"{label} {name}", text


@lru_cache(maxsize=32)
def _field_names(kind: type) -> tuple[str, ...]:
    """A dataclass's field names (`fields` builds them anew each call: 17,000 follow-ups)."""
    return tuple(spec.name for spec in fields(kind))


def job_others(
    memos: Iterable[Memo], followups: Iterable[Followup], history: Iterable[HistoryEntry]
) -> list[tuple[str, str]]:
    """The exported texts of memos, follow-up items and history entries, placed for people."""
    out: list[tuple[str, str]] = []
    for memo in memos:
        out += record_texts(f"memo {memo.guid[:8]}", memo, MEMO_KEEP | {"about"})
    skip = FOLLOWUP_KEEP | {"note_title", "note_concerns", "text"}  # the note's own fields: checked there
    for item in followups:
        out += record_texts(f"follow-up {item.id[:6]}", item, skip)
    for entry in history:
        out += record_texts(f"codebook history of “{entry.code}”", entry, HISTORY_KEEP | {"code"})
    return out


# -------------------------------------------------------- the pre-flight check
# A word starting with a capital (Latin, Greek, Cyrillic): only these are candidates, so the
# check stays fast on 10,000 notes; `isupper()` confirms each one.
# No look-behind in the pattern (it slows the scan of every character); the character
# before a match is checked in Python instead.
_CAPITALISED = re.compile(r"[A-ZÀ-ÖØ-ÞĀ-ſΆ-ΫЀ-Я][\w'’-]*")
_SENTENCE_END = frozenset('.!?:;\n"“(')
# After a sentence-initial word, what makes it a person: "Brandt said", "Rosa, who...".
_NAMED_NEXT = re.compile(
    r",?\s+(?:said|says|told|tells|asked|asks|explained|explains|added|replied|noted|agreed|argued"
    r"|mentioned|called|wrote|thinks|thought|wants|wanted|who|and\s+I)\b"
)


_UNSEEN = object()  # a token not judged yet


def _starts_sentence(text: str, start: int, lo: int = 0) -> bool:
    """True when only spaces stand between `start` and a sentence end (or the start of the
    text, at `lo`)."""
    i = start - 1
    while i >= lo and text[i] in " \t":
        i -= 1
    return i < lo or text[i] in _SENTENCE_END


def _after_title(text: str, start: int, lo: int = 0) -> bool:
    """True when the word before `start` is a title: "Ms. ", "Officer ", "Dr.". The text
    starts at `lo` (texts joined: nothing before it counts)."""
    end = start - 1
    while end >= lo and text[end].isspace():
        end -= 1
    if end >= lo and text[end] == ".":
        end -= 1
    if end < lo or end == start - 1 or not text[end].isalpha():
        return False  # a title stands apart: "Dr." or "Dr " before the name
    # The word ending at `end`, of at most 15 letters. Nearly always ASCII: its letters are
    # stripped at C speed (this runs for every capitalised word that starts a sentence).
    chunk = text[max(lo, end - 15) : end + 1]
    if chunk.isascii():
        word = chunk[len(chunk.rstrip(string.ascii_letters)) :]
        return len(word) <= 15 and _is_title(word)  # 16: longer than any title
    begin = end
    while begin > lo and begin > end - 14 and is_letter(text[begin - 1]):
        begin -= 1
    if begin > lo and is_letter(text[begin - 1]):
        return False  # longer than any title
    return _is_title(text[begin : end + 1])


@lru_cache(maxsize=8192)
def _is_title(word: str) -> bool:
    """The word before nearly every capitalised word is checked: "the", "said"... repeat."""
    return fold(word) in TITLES


def occurs_in_lowercase(word: str, corpus: str) -> bool:
    """True when `word` (lowercased) is a whole word somewhere in `corpus`."""
    lower = word.lower()
    at = corpus.find(lower)
    while at >= 0:
        end = at + len(lower)
        if (at == 0 or not is_letter(corpus[at - 1])) and (end == len(corpus) or not is_letter(corpus[end])):
            return True
        at = corpus.find(lower, at + 1)
    return False


@dataclass
class PossibleName:
    word: str
    count: int = 0
    where: list[str] = field(default_factory=list)
    # Seen only at the start of sentences (or of a field), never mid-sentence nor in
    # lowercase: a name, or an ordinary word the check cannot tell from one.
    only_at_sentence_starts: bool = False


@dataclass
class TextLayout:
    """Where each text the name check reads lies once they are joined by line breaks
    (`starts`, one more for the end), and whose field it is."""

    starts: array[int]
    owners: list[str]
    fields: list[str]

    def place(self, number: int) -> str:
        return _place(self.owners[number], self.fields[number])

    def of_people(self, number: int) -> bool:
        """Text `number` is a name among the people present: a name by definition."""
        name = self.fields[number]
        return name == "people" if name else self.owners[number].endswith(" people")


def gather_texts(
    notes: Iterable[Note],
    organizations: Iterable[Organization] = (),
    codes: Iterable[Code] = (),
    informants: Iterable[Informant] = (),
    *,
    include_private: bool = False,
    others: Iterable[tuple[str, str]] = (),
) -> tuple[list[str], TextLayout]:
    """Every text the name check reads, in order, and their layout: what an export holds
    (`export_texts`) but tags, which name registry entries; composed characters (NFC). The
    texts are the notes' own strings, not copies (but those composed here)."""
    texts: list[str] = []
    owners: list[str] = []
    names: list[str] = []
    every = _owned_texts(
        notes, organizations, codes, informants, include_private=include_private, tags=False, others=others
    )
    for owner, name, raw in every:
        if raw:
            texts.append(raw if raw.isascii() else unicodedata.normalize("NFC", raw))
            owners.append(owner)
            names.append(name)
    starts = array("q", accumulate((len(text) + 1 for text in texts), initial=0))
    return texts, TextLayout(starts, owners, names)


@dataclass
class CheckedTexts:
    """The texts the name check reads, joined by line breaks, and their layout."""

    joined: str
    layout: TextLayout

    @classmethod
    def joining(cls, texts: list[str], layout: TextLayout) -> CheckedTexts:
        """`gather_texts`' texts, joined."""
        return cls("\n".join(texts), layout)


def find_possible_names(
    notes: Iterable[Note],
    known: Iterable[str],
    *,
    include_private: bool = False,
    limit_places: int = 5,
    organizations: Iterable[Organization] = (),
    codes: Iterable[Code] = (),
    informants: Iterable[Informant] = (),
    others: Iterable[tuple[str, str]] = (),
) -> list[PossibleName]:
    """Capitalised words that look like names and are not known names, common words, nor
    part of an organization, code, pseudonym or registered name (see `possible_names`)."""
    gathered = gather_texts(
        notes, organizations, codes, informants, include_private=include_private, others=others
    )
    return possible_names(CheckedTexts.joining(*gathered), known, limit_places=limit_places)


def possible_names(texts: CheckedTexts, known: Iterable[str], *, limit_places: int = 5) -> list[PossibleName]:
    """The capitalised words of `texts` that look like names (see `NameScan`)."""
    scan = NameScan(texts.layout, known, limit_places=limit_places)
    scan.read(texts.joined, 0)
    joined = texts.joined
    return scan.result(lambda words: {word for word in words if occurs_in_lowercase(word, joined)})


class NameScan:
    """The pre-flight check's look for names, over texts read a segment at a time.

    Every exported text is checked (`export_texts`). A word after a title ("Officer
    Brandt", "Dr. May") is always a candidate, and so is every word of "people present".
    A word at the start of a sentence (or of a field) counts when it is a candidate
    elsewhere; or, marked `only_at_sentence_starts`, when something there makes it a
    person ("Rosa's", "Brandt said", "Rosa, who") and it never appears in lowercase in the
    checked text. Without a dictionary that is the line between "Rosa was late" (missed
    unless Rosa appears elsewhere) and "Community room 4" (not flagged).

    The texts are read joined by line breaks as `layout` lays them out, in segments of
    whole texts (all of them at once, or a helper's chunks: `export/beside.py`), each in
    one pass; each match is read within its own text (`lo` to `hi`): no title, sentence or
    "said" reaches across into a neighbour.
    """

    def __init__(self, layout: TextLayout, known: Iterable[str], *, limit_places: int = 5) -> None:
        self.layout = layout
        self.limit_places = limit_places
        self.known_words = {fold(w) for phrase in known for w in re.findall(r"[\w'’-]+", phrase)}
        self.found: dict[str, PossibleName] = {}
        self.mid_sentence: set[str] = set()
        self.named_at_start: set[str] = set()
        # after a title or not -> token -> the word it names, or None
        self.verdicts: dict[bool, dict[str, str | None]] = {False: {}, True: {}}

    def _judge(self, token: str, titled: bool) -> str | None:
        word = token.rstrip("'’-")
        if word.endswith(("'s", "’s")):
            word = word[:-2]
        if len(word) < 2 or not word[0].isupper() or word.isupper():
            return None
        folded = fold(word)
        if folded in self.known_words or folded in TITLES or (folded in COMMON_WORDS and not titled):
            return None
        return word

    def read(self, segment: str, base: int) -> None:
        """Read `segment`: whole texts, joined, that start at `base` in the joined texts.

        This loop runs for every capitalised word of an export (350,000 at 50,000 notes):
        the verdicts on each token are looked up inline, and the texts' bounds advanced
        from one match to the next rather than searched for."""
        layout, found, limit = self.layout, self.found, self.limit_places
        judge, plain, titled = self._judge, self.verdicts[False], self.verdicts[True]
        mid_sentence, named_at_start = self.mid_sentence, self.named_at_start
        starts = layout.starts
        number, lo, hi = -1, 0, -1  # the text of the last match: segment[lo:hi]
        people: bool | None = None  # whether that text is one of people present (when asked)
        place = ""
        unseen = _UNSEEN
        for match in _CAPITALISED.finditer(segment):
            start = match.start()
            if start >= hi:  # a match in a later text
                if number < 0:
                    number = bisect_right(starts, base + start) - 1
                else:
                    at = base + start
                    number += 1
                    while starts[number + 1] <= at:
                        number += 1
                lo, hi = starts[number] - base, starts[number + 1] - 1 - base
                people, place = None, ""
            if start > lo and (segment[start - 1].isalnum() or segment[start - 1] in "_'’"):
                continue  # inside a word
            token = match.group(0)
            word = plain.get(token, unseen)
            if word is unseen:
                word = plain[token] = judge(token, False)
            if word is not None:
                at_start = _starts_sentence(segment, start, lo) and not _after_title(segment, start, lo)
            else:  # a common word: a name only after a title ("Officer May")
                word = titled.get(token, unseen)
                if word is unseen:
                    word = titled[token] = judge(token, True)
                if word is None or not _after_title(segment, start, lo):
                    continue
                at_start = False
            if at_start and people is None:
                people = layout.of_people(number)
            if not at_start or people:  # people present: names by definition
                mid_sentence.add(word)
            elif token.endswith(("'s", "’s")) or _NAMED_NEXT.match(segment, match.end(), hi):
                named_at_start.add(word)  # "Rosa's van", "Brandt said"
            entry = found.get(word)
            if entry is None:
                entry = found[word] = PossibleName(word)
            entry.count += 1
            if len(entry.where) < limit:
                place = place or layout.place(number)
                if place not in entry.where:
                    entry.where.append(place)

    def result(self, in_lowercase: Callable[[list[str]], set[str]]) -> list[PossibleName]:
        """The possible names, every segment read. `in_lowercase` says which of the words
        it is given occur in lowercase as whole words anywhere in the texts."""
        found, mid_sentence = self.found, self.mid_sentence
        for word in [word for word in found if word not in mid_sentence and word not in self.named_at_start]:
            del found[word]  # only at sentence starts, and nothing there says it is a person
        starts_only = [word for word in found if word not in mid_sentence]
        ordinary = in_lowercase(starts_only) if starts_only else set()
        for word in starts_only:
            if word in ordinary:
                del found[word]  # an ordinary word that happened to start sentences
            else:
                found[word].only_at_sentence_starts = True
        return sorted(found.values(), key=lambda p: (p.only_at_sentence_starts, -p.count, p.word.casefold()))


def describe_possible_names(names: list[PossibleName], limit: int = 15) -> list[str]:
    lines = [
        f"{p.word} ×{p.count}: {', '.join(p.where)}"
        + (" (only at sentence starts: a name, or an ordinary word?)" if p.only_at_sentence_starts else "")
        for p in names[:limit]
    ]
    if len(names) > limit:
        lines.append(f"… and {len(names) - limit} more")
    return lines


@dataclass
class NamedTag:
    """A tag that holds a registered real name: `what` it is, the tag, whose name it holds."""

    what: str
    tag: str
    pseudonyms: list[str]
    notes: int = 0


_TAG_WHAT = {**TAG_FIELDS, "location": "location", "people": "person present"}


def find_named_tags(
    pseudonymiser: Pseudonymiser,
    notes: Iterable[Note],
    organizations: Iterable[Organization] = (),
    codes: Iterable[Code] = (),
    informants: Iterable[Informant] = (),
) -> list[NamedTag]:
    """Tags holding a registered real name: organization names and aliases, codes,
    locations, people present, hosts, organizers, informants' organizations."""
    if not pseudonymiser:
        return []
    found: dict[tuple[str, str], NamedTag] = {}
    verdicts: dict[str, list[str]] = {}

    def check(what: str, tag: str) -> NamedTag | None:
        if not tag:
            return None
        if tag not in verdicts:
            verdicts[tag] = pseudonymiser.who(tag)
        if not verdicts[tag]:
            return None
        return found.setdefault((what, tag_key(tag)), NamedTag(what, tag, verdicts[tag]))

    for org in organizations:
        for spelling in [org.name, *org.aliases]:
            check("organization", spelling)
    for code in codes:
        check("code", code.name)
    for person in informants:
        check("organization", person.organization)
    for note in notes:
        for name, what in _TAG_WHAT.items():
            value = getattr(note, name)
            for tag in dict.fromkeys(value if isinstance(value, list) else [value]):
                entry = check(what, tag)
                if entry is not None:
                    entry.notes += 1
    return sorted(found.values(), key=lambda t: (t.what, t.tag.casefold()))


def describe_named_tags(tags: list[NamedTag], limit: int = 15) -> list[str]:
    lines = []
    for tag in tags[:limit]:
        used = f", on {tag.notes} note{'s' if tag.notes != 1 else ''}" if tag.notes else ""
        lines.append(f"{tag.what} “{tag.tag}” holds a real name of {', '.join(tag.pseudonyms)}{used}")
    if len(tags) > limit:
        lines.append(f"… and {len(tags) - limit} more")
    return lines


@dataclass
class NameCheck:
    """The pre-flight check: possible names not in the registry, tags holding real names."""

    possible: list[PossibleName] = field(default_factory=list)
    named_tags: list[NamedTag] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.possible or self.named_tags)

    def lines(self, limit: int | None = None) -> list[str]:
        """Readable lines, a heading before each part; `limit` entries of each at most."""
        out: list[str] = []
        if self.possible:
            out.append("Capitalised words that look like names and are not in the registry:")
            shown = describe_possible_names(self.possible, limit or len(self.possible))
            out += [f"  {line}" for line in shown]
        if self.named_tags:
            out.append(
                "Tags that hold a registered real name (--pseudonymise replaces it in exports; "
                "rename the tag to keep it out of your tag lists):"
            )
            out += [
                f"  {line}" for line in describe_named_tags(self.named_tags, limit or len(self.named_tags))
            ]
        return out


def check_names(
    notes: list[Note],
    organizations: list[Organization],
    codes: list[Code],
    informants: list[Informant],
    known: Iterable[str],
    *,
    include_private: bool = False,
    pseudonymiser: Pseudonymiser | None = None,
    others: Iterable[tuple[str, str]] = (),
    texts: CheckedTexts | None = None,
) -> NameCheck:
    """The whole pre-flight check over what an export would hold (`others`: see `job_others`).
    `texts`: the notes', registries' and others' texts, when already gathered."""
    pseudonymiser = pseudonymiser if pseudonymiser is not None else Pseudonymiser(informants)
    if texts is None:
        texts = CheckedTexts.joining(
            *gather_texts(
                notes, organizations, codes, informants, include_private=include_private, others=others
            )
        )
    return NameCheck(
        possible_names(texts, known),
        find_named_tags(pseudonymiser, notes, organizations, codes, informants),
    )
