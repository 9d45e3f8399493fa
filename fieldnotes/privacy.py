"""Protecting participants in what leaves the laptop.

* `Pseudonymiser` replaces each informant's real names and aliases with the
  pseudonym in every text field: whole words, any case, possessives kept
  ("Maria's" becomes "P-03's"), never inside another word ("Marianne" stays).
* `find_possible_names` is the pre-flight check: capitalised words that look
  like names but are not in the registry, with counts and where they occur,
  for the researcher to review before sharing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from fieldnotes.model import Informant, Note

TEXT_FIELDS = (
    "title",
    "location",
    "body",
    "memo",
    "followups",
    "agenda",
    "private",
    "informant_role",
    "recording_ref",
)
LIST_TEXT_FIELDS = ("people",)

# Capitalised words that are not names: sentence furniture, calendar words, titles.
COMMON_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "i",
        "i'm",
        "i've",
        "i'd",
        "i'll",
        "we",
        "he",
        "she",
        "they",
        "it",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "my",
        "our",
        "his",
        "her",
        "their",
        "its",
        "and",
        "but",
        "or",
        "so",
        "if",
        "then",
        "when",
        "while",
        "after",
        "before",
        "because",
        "as",
        "at",
        "by",
        "for",
        "from",
        "in",
        "into",
        "of",
        "on",
        "to",
        "with",
        "without",
        "about",
        "above",
        "across",
        "again",
        "all",
        "also",
        "am",
        "any",
        "are",
        "be",
        "been",
        "being",
        "both",
        "can",
        "could",
        "did",
        "do",
        "does",
        "done",
        "each",
        "even",
        "every",
        "few",
        "had",
        "has",
        "have",
        "how",
        "just",
        "many",
        "may",
        "me",
        "might",
        "more",
        "most",
        "much",
        "must",
        "no",
        "not",
        "now",
        "off",
        "once",
        "only",
        "other",
        "out",
        "over",
        "own",
        "same",
        "should",
        "some",
        "still",
        "such",
        "than",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "were",
        "what",
        "where",
        "which",
        "who",
        "whom",
        "why",
        "will",
        "would",
        "yes",
        "you",
        "your",
        "yet",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
        "sun",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "today",
        "yesterday",
        "tomorrow",
        "morning",
        "afternoon",
        "evening",
        "night",
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sgt",
        "sergeant",
        "officer",
        "director",
        "staff",
        "members",
        "member",
        "notes",
        "note",
        "memo",
        "follow",
        "follow-up",
        "agenda",
        "meeting",
        "event",
        "interview",
        "panel",
        "conference",
        "training",
        "protest",
        "vigil",
        "hearing",
        "fair",
        "summit",
        "city",
        "state",
        "county",
        "police",
        "unit",
        "office",
        "centre",
        "center",
        "clinic",
        "coalition",
        "collective",
        "services",
        "trust",
        "english",
        "spanish",
        "ok",
        "okay",
    ]
)
# A word starting with a capital (Latin, Greek, Cyrillic): only these are candidates, so the
# check stays fast on 10,000 notes; `isupper()` confirms each one.
# No look-behind in the pattern (it slows the scan of every character); the character
# before a match is checked in Python instead.
_CAPITALISED = re.compile(r"[A-ZÀ-ÖØ-ÞĀ-ſΆ-ΫЀ-Я][\w'’-]*")
_SENTENCE_END = frozenset('.!?:;\n"“(')


def _starts_sentence(text: str, start: int) -> bool:
    """True when only spaces stand between `start` and a sentence end (or the text's start)."""
    i = start - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i < 0 or text[i] in _SENTENCE_END


def _name_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    spelled = sorted({" ".join(n.split()) for n in names if n.strip()}, key=len, reverse=True)
    if not spelled:
        return None
    alternatives = "|".join(r"\s+".join(re.escape(part) for part in name.split()) for name in spelled)
    return re.compile(rf"(?<![\w])(?:{alternatives})(?![\w])", re.IGNORECASE)


class Pseudonymiser:
    """Replaces real names and aliases with pseudonyms, whole-word and case-insensitively."""

    def __init__(self, informants: Iterable[Informant]) -> None:
        self.by_name: dict[str, str] = {}
        for person in informants:
            for name in person.real_names:
                if name.strip():
                    self.by_name[" ".join(name.split()).casefold()] = person.pseudonym
        self.pattern = _name_pattern(self.by_name)

    def __bool__(self) -> bool:
        return self.pattern is not None

    def text(self, value: str) -> str:
        if self.pattern is None or not value:
            return value
        return self.pattern.sub(lambda m: self.by_name[" ".join(m.group(0).split()).casefold()], value)

    def note(self, note: Note) -> Note:
        changes: dict[str, object] = {name: self.text(getattr(note, name)) for name in TEXT_FIELDS}
        for name in LIST_TEXT_FIELDS:
            changes[name] = [self.text(item) for item in getattr(note, name)]
        if note.informant:
            changes["informant"] = self.text(note.informant)
        return replace(note, **changes)  # type: ignore[arg-type]


@dataclass
class PossibleName:
    word: str
    count: int = 0
    where: list[str] = field(default_factory=list)


def find_possible_names(
    notes: Iterable[Note], known: Iterable[str], *, include_private: bool = False, limit_places: int = 5
) -> list[PossibleName]:
    """Capitalised, mid-sentence words that are not known names, not common words,
    and not part of an organization, code, pseudonym or registered name."""
    known_words = {w.casefold() for phrase in known for w in re.findall(r"[\w'’-]+", phrase)}
    found: dict[str, PossibleName] = {}
    verdicts: dict[str, str | None] = {}  # a matched token -> the name it counts as, or None

    def judge(token: str) -> str | None:
        word = token.rstrip("'’-")
        if word.endswith(("'s", "’s")):
            word = word[:-2]
        if len(word) < 2 or not word[0].isupper() or word.isupper():
            return None
        folded = word.casefold()
        return None if folded in COMMON_WORDS or folded in known_words else word

    fields = [f for f in TEXT_FIELDS if include_private or f != "private"]
    for note in notes:
        for name in fields:
            text = getattr(note, name)
            if not text:
                continue
            for match in _CAPITALISED.finditer(text):
                start = match.start()
                if start and (text[start - 1].isalnum() or text[start - 1] in "_'’"):
                    continue  # inside a word
                if _starts_sentence(text, start):
                    continue
                token = match.group(0)
                if token not in verdicts:
                    verdicts[token] = judge(token)
                word = verdicts[token]
                if word is None:
                    continue
                entry = found.setdefault(word, PossibleName(word))
                entry.count += 1
                if len(entry.where) < limit_places:
                    place = f"note {note.id[:8]} {name}"
                    if place not in entry.where:
                        entry.where.append(place)
    return sorted(found.values(), key=lambda p: (-p.count, p.word.casefold()))


def describe_possible_names(names: list[PossibleName], limit: int = 15) -> list[str]:
    lines = [f"{p.word} ×{p.count}: {', '.join(p.where)}" for p in names[:limit]]
    if len(names) > limit:
        lines.append(f"… and {len(names) - limit} more")
    return lines
