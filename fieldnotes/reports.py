"""Collaboration reports: how often and how long organizations meet, who meets whom,
which ties they record and how intense, and which codes come up where. Pure
functions over notes; the service and the screens call them."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass, fields
from datetime import date
from itertools import combinations

from fieldnotes.model import Note, Organization, tag_key
from fieldnotes.ties import Tie, parse_tie

PERIODS = ("month", "week")
CODE_GROUPS = ("org-type", "org", "kind")


def period_of(start: str, by: str) -> str:
    """'2015-06' by month; '2015-W23' (ISO week) by week."""
    if by == "month":
        return start[:7]
    year, week, _ = date.fromisoformat(start[:10]).isocalendar()
    return f"{year}-W{week:02d}"


def periods_between(first: str, last: str, by: str) -> list[str]:
    """Every period from the one holding `first` to the one holding `last` (ISO dates)."""
    out: list[str] = []
    day = date.fromisoformat(first[:10])
    end = date.fromisoformat(last[:10])
    while day <= end:
        period = period_of(day.isoformat(), by)
        if not out or out[-1] != period:
            out.append(period)
        day = date.fromordinal(day.toordinal() + (1 if by == "week" else 28))
    final = period_of(end.isoformat(), by)
    if not out or out[-1] != final:
        out.append(final)
    return out


class _Orgs:
    """Organization spellings (names and aliases) -> name and type."""

    def __init__(self, orgs: Iterable[Organization]) -> None:
        self.name: dict[str, str] = {}
        self.type: dict[str, str] = {}
        for org in orgs:
            for key in org.spellings():
                self.name[key] = org.name
                self.type[key] = org.type

    def canonical(self, name: str) -> tuple[str, str]:
        key = tag_key(name)
        return self.name.get(key, name), self.type.get(key, "")


@dataclass(frozen=True)
class ContactRow:
    organization: str
    type: str
    period: str
    meetings: int
    events: int
    interviews: int
    notes: int
    minutes: int


def contacts(
    notes: Sequence[Note], orgs: Iterable[Organization], *, by: str = "month", kind: str | None = None
) -> list[ContactRow]:
    """Per organization and period: notes tagging it, by kind, and total minutes."""
    lookup = _Orgs(orgs)
    counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    types: dict[str, str] = {}
    for note in notes:
        if kind and note.kind != kind:
            continue
        period = period_of(note.start, by)
        minutes = note.duration_minutes or 0
        for tag in note.organizations:
            name, org_type = lookup.canonical(tag)
            types[name] = org_type
            bucket = counts[(name, period)]
            bucket[note.kind] += 1
            bucket["minutes"] += minutes
    return [
        ContactRow(
            name,
            types[name],
            period,
            c["meeting"],
            c["event"],
            c["interview"],
            c["meeting"] + c["event"] + c["interview"],
            c["minutes"],
        )
        for (name, period), c in sorted(counts.items(), key=lambda item: (item[0][0].casefold(), item[0][1]))
    ]


def contact_series(rows: Sequence[ContactRow], periods: Sequence[str]) -> dict[str, list[int]]:
    """Organization -> notes per period, in `periods` order (for sparklines)."""
    index = {period: i for i, period in enumerate(periods)}
    series: dict[str, list[int]] = {}
    for row in rows:
        values = series.setdefault(row.organization, [0] * len(periods))
        if row.period in index:
            values[index[row.period]] += row.notes
    return series


@dataclass(frozen=True)
class TieRow:
    organization_a: str
    type_a: str
    organization_b: str
    type_b: str
    notes: int
    first: str
    last: str


def ties(notes: Sequence[Note], orgs: Iterable[Organization]) -> list[TieRow]:
    """Pairs of organizations tagged in the same notes (co-presence), most frequent first."""
    lookup = _Orgs(orgs)
    count: Counter[tuple[str, str]] = Counter()
    first: dict[tuple[str, str], str] = {}
    last: dict[tuple[str, str], str] = {}
    types: dict[str, str] = {}
    for note in notes:
        names = set()
        for tag in note.organizations:
            name, org_type = lookup.canonical(tag)
            names.add(name)
            types[name] = org_type
        day = note.start[:10]
        for pair in combinations(sorted(names, key=str.casefold), 2):
            count[pair] += 1
            first[pair] = min(first.get(pair, day), day)
            last[pair] = max(last.get(pair, day), day)
    return [
        TieRow(a, types[a], b, types[b], n, first[(a, b)], last[(a, b)])
        for (a, b), n in sorted(count.items(), key=lambda item: (-item[1], item[0][0].casefold(), item[0][1]))
    ]


@dataclass(frozen=True)
class WeightedTieRow:
    organization_a: str
    organization_b: str
    tie_type: str
    count: int
    total_intensity: int
    mean_intensity: float
    first: str
    last: str


def recorded_ties(notes: Sequence[Note], orgs: Iterable[Organization]) -> list[tuple[Note, Tie]]:
    """Every tie recorded on `notes`, organizations spelled as the registry (aliases -> name).
    A tie that does not parse (an import can carry anything) is skipped."""
    lookup = _Orgs(orgs)
    # Each tie's text read once: notes repeat their ties (one Tie, frozen, shared by them).
    read: dict[str, Tie | None] = {}
    out = []
    for note in notes:
        for text in note.ties:
            if isinstance(text, str) and text in read:
                tie = read[text]
            else:
                try:
                    parsed = parse_tie(text)
                except ValueError:
                    tie = None
                else:
                    a, b = lookup.canonical(parsed.a)[0], lookup.canonical(parsed.b)[0]
                    tie = Tie(a, b, parsed.type, parsed.intensity)
                if isinstance(text, str):
                    read[text] = tie
            if tie is not None:
                out.append((note, tie))
    return out


def weighted_ties(notes: Sequence[Note], orgs: Iterable[Organization]) -> list[WeightedTieRow]:
    """Per pair of organizations (unordered) and type of tie: how many were recorded, their
    total and mean intensity, the first and last date. Strongest (total intensity) first."""
    totals: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    first: dict[tuple[str, str, str], str] = {}
    last: dict[tuple[str, str, str], str] = {}
    for note, tie in recorded_ties(notes, orgs):
        key = (*tie.pair, tie.type)
        totals[key].append(tie.intensity)
        day = note.start[:10]
        first[key] = min(first.get(key, day), day)
        last[key] = max(last.get(key, day), day)
    rows = [
        WeightedTieRow(
            a, b, kind, len(levels), sum(levels), round(sum(levels) / len(levels), 2), first[key], last[key]
        )
        for key, levels in totals.items()
        for a, b, kind in [key]
    ]
    return sorted(
        rows,
        key=lambda r: (
            -r.total_intensity,
            -r.count,
            r.organization_a.casefold(),
            r.organization_b.casefold(),
            r.tie_type,
        ),
    )


@dataclass(frozen=True)
class StrongestTieRow:
    organization: str
    type: str
    period: str
    strongest_with: str
    total_intensity: int
    ties: int
    tie_types: str


def strongest_ties(
    notes: Sequence[Note], orgs: Iterable[Organization], *, by: str = "month"
) -> list[StrongestTieRow]:
    """Per organization and period: the partner it had the strongest recorded ties with (total
    intensity, then count; ties broken by name), and what kinds of tie those were."""
    orgs = list(orgs)
    types = {key: org.type for org in orgs for key in org.spellings()}
    strength: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    kinds: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for note, tie in recorded_ties(notes, orgs):
        period = period_of(note.start, by)
        for me, other in ((tie.a, tie.b), (tie.b, tie.a)):
            strength[(me, period, other)].append(tie.intensity)
            kinds[(me, period, other)].add(tie.type)
    best: dict[tuple[str, str], tuple[str, list[int]]] = {}
    for (me, period, other), levels in strength.items():
        current = best.get((me, period))
        candidate = (-sum(levels), -len(levels), other.casefold())
        if current is None or candidate < (-sum(current[1]), -len(current[1]), current[0].casefold()):
            best[(me, period)] = (other, levels)
    rows = [
        StrongestTieRow(
            me,
            types.get(tag_key(me), ""),
            period,
            other,
            sum(levels),
            len(levels),
            "; ".join(sorted(kinds[(me, period, other)])),
        )
        for (me, period), (other, levels) in best.items()
    ]
    return sorted(rows, key=lambda r: (r.organization.casefold(), r.period))


@dataclass(frozen=True)
class CodeRow:
    code: str
    group: str
    notes: int


def code_frequencies(
    notes: Sequence[Note], orgs: Iterable[Organization], *, by: str = "org-type"
) -> list[CodeRow]:
    """How many notes carry each code, broken down by organization type, organization or kind.

    A note counts once per group it belongs to: a note tagging two organizations
    of one type counts once for that type.
    """
    lookup = _Orgs(orgs)
    count: Counter[tuple[str, str]] = Counter()
    for note in notes:
        if by == "kind":
            groups = {note.kind}
        elif by == "org":
            groups = {lookup.canonical(tag)[0] for tag in note.organizations} or {"(no organization)"}
        else:
            groups = {lookup.canonical(tag)[1] or "(no type)" for tag in note.organizations} or {
                "(no organization)"
            }
        for code in note.codes:
            for group in groups:
                count[(code, group)] += 1
    return [
        CodeRow(code, group, n)
        for (code, group), n in sorted(
            count.items(), key=lambda item: (item[0][0].casefold(), -item[1], item[0][1])
        )
    ]


def headers(row_type: type) -> list[str]:
    return [f.name for f in fields(row_type)]


def to_csv(row_type: type, rows: Sequence[object]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(headers(row_type))
    writer.writerows(astuple(row) for row in rows)  # type: ignore[arg-type]
    return buffer.getvalue()


def to_table(row_type: type, rows: Sequence[object]) -> str:
    """A plain aligned text table."""
    head = [name.replace("_", " ") for name in headers(row_type)]
    body = [[str(cell) for cell in astuple(row)] for row in rows]  # type: ignore[arg-type]
    widths = [max([len(h), *(len(r[i]) for r in body)]) for i, h in enumerate(head)]
    numeric = [all(r[i].isdigit() for r in body) and bool(body) for i in range(len(head))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if num else c.ljust(w) for c, w, num in zip(cells, widths, numeric, strict=True)
        )

    return "\n".join([line(head), line(["-" * w for w in widths]), *(line(r) for r in body)]).rstrip() + "\n"
