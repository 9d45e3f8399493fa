"""The word index: which notes hold which words, so a search need not read every note.

At 50,000 notes the folded text of all notes is about 120 MB, and reading it
for a word that is rare or absent takes about 100 ms, a pause on every
keystroke. The index maps each word of the folded text to the notes (by slot,
a number the note index gives each entry) that hold it. A search is then a
few lookups in the sorted vocabulary:

* a needle that is one run of word characters ("colla") is found exactly: the
  notes holding a word that contains it;
* a needle of several words ("raids planned") gives candidates (the notes
  holding all of its words, the inner ones whole, the outer ones as the end or
  start of a word), which the caller checks against the text;
* a word so common that looking it up costs more than reading ("a", "th")
  does not narrow; the caller reads the notes instead, where such a needle is
  found within the first few characters.

Derived data only: it is rebuilt from the notes whenever they are reloaded,
and a slot left by a note since edited or deleted is simply never asked about.
"""

from __future__ import annotations

import re
import string
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

WORD = re.compile(r"\w+")
_ASCII_WORD = frozenset(string.ascii_letters + string.digits + "_")
_ASCII_SPACES = str.maketrans({chr(c): " " for c in range(128) if chr(c) not in _ASCII_WORD})
"""Every ASCII character that is not a word character (as `\\w` has it) becomes a space."""
MAX_WORDS = 3000
"""A needle's word found inside more vocabulary words than this does not narrow."""


@dataclass(frozen=True)
class Candidates:
    """The slots that may hold a needle; `exact` when each surely does."""

    slots: frozenset[int] | set[int]
    exact: bool


class WordIndex:
    """Words to slots. `add` as notes arrive; `candidates` answers a search."""

    def __init__(self) -> None:
        self._postings: dict[str, array[int]] = {}
        self._sorted: list[str] | None = None
        self._reversed: list[str] | None = None
        self._vocabulary: str | None = None
        self._starts: array[int] = array("I")
        self.notes = 0

    def add(self, slot: int, folded: str) -> None:
        """Index the folded text of the note in `slot`."""
        postings = self._postings
        # Splitting is the cost (about 60 µs a note); translate-and-split is a third
        # faster than the regular expression, and gives the same words for ASCII text.
        words = folded.translate(_ASCII_SPACES).split() if folded.isascii() else WORD.findall(folded)
        for word in set(words):
            found = postings.get(word)
            if found is None:
                postings[word] = array("I", (slot,))
                self._sorted = None
            else:
                found.append(slot)
        self.notes += 1

    # ----------------------------------------------------------- vocabulary
    def prepare(self) -> None:
        """Sort the vocabulary now rather than on the first search (new words re-sort it)."""
        self._words_sorted()

    def _words_sorted(self) -> list[str]:
        if self._sorted is None:
            self._sorted = sorted(self._postings)
            self._reversed = sorted(word[::-1] for word in self._sorted)
            self._vocabulary = "\n" + "\n".join(self._sorted) + "\n"
            starts = array("I")
            offset = 1
            for word in self._sorted:
                starts.append(offset)
                offset += len(word) + 1
            self._starts = starts
        return self._sorted

    def _with_prefix(self, words: list[str], prefix: str) -> list[str]:
        lo = bisect_left(words, prefix)
        hi = bisect_left(words, prefix + "\U0010ffff")
        return words[lo:hi]

    def _matching_words(self, token: str, *, start: bool, end: bool) -> list[str] | None:
        """Vocabulary words that can hold `token`: equal to it (`start` and `end`: bounded on
        both sides in the needle), starting with it, ending with it, or containing it.
        None when there are too many to be worth it."""
        words = self._words_sorted()
        if start and end:
            return [token] if token in self._postings else []
        if start:
            found = self._with_prefix(words, token)
        elif end:
            assert self._reversed is not None
            found = [word[::-1] for word in self._with_prefix(self._reversed, token[::-1])]
        else:
            vocabulary = self._vocabulary
            assert vocabulary is not None
            if vocabulary.count(token) > MAX_WORDS:
                return None
            found, seen, at = [], -1, vocabulary.find(token)
            while at != -1:
                index = bisect_right(self._starts, at) - 1
                if index != seen:
                    found.append(words[index])
                    seen = index
                at = vocabulary.find(token, at + 1)
        return None if len(found) > MAX_WORDS else found

    # --------------------------------------------------------------- search
    def candidates(self, needle: str, *, budget: int) -> Candidates | None:
        """The slots that may hold the folded `needle`, or None when the index cannot
        narrow it for less than `budget` slot look-ups (read the notes instead)."""
        tokens = list(WORD.finditer(needle))
        if not tokens:
            return None
        exact = len(tokens) == 1 and tokens[0].group() == needle
        result: set[int] | None = None
        for match in tokens:
            token = match.group()
            # A token with a non-word character beside it in the needle has one in the
            # note too: the note's word starts (or ends) where the token does.
            bounded_left = match.start() > 0
            bounded_right = match.end() < len(needle)
            words = self._matching_words(token, start=bounded_left, end=bounded_right)
            if words is None:
                exact = False
                continue
            postings = [self._postings[word] for word in words]
            if sum(len(slots) for slots in postings) > budget:
                exact = False
                continue
            slots: set[int] = set()
            for found in postings:
                slots.update(found)
            result = slots if result is None else result & slots
            if not result:
                return Candidates(frozenset(), True)
        if result is None:
            return None
        return Candidates(result, exact)
