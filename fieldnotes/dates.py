"""Dates typed the way people type them.

`parse_when` understands `now`, `today 3pm`, `yesterday 14:30`, `monday 9am`
(the most recent Monday), `17 Jan 2016 8:30`, `2016-01-17 08:30`, `1/17/2016`
(or 17/01/2016 with day-first), and, for an end time, `+90m` or `2h` after a
start. It never guesses: text it cannot read fully is an error naming it.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from fieldnotes.errors import DateParseError
from fieldnotes.model import MINUTE_FORMAT

WEEKDAYS = {
    name: index
    for index, names in enumerate(
        (
            ("monday", "mon"),
            ("tuesday", "tue", "tues"),
            ("wednesday", "wed"),
            ("thursday", "thu", "thur", "thurs"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        )
    )
    for name in names
}
# The dates a note can have: four-digit years, which sort and store as written.
EARLIEST = datetime(1000, 1, 1)
LATEST = datetime(9999, 12, 31, 23, 59)
_RANGE = "years 1000 to 9999"
_TIME = re.compile(
    r"^(?:at\s+)?(?P<hour>\d{1,2})(?:[:.h](?P<minute>\d{2}))?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)?$"
)
_DURATION = re.compile(
    r"^\+?\s*(?:(?P<hours>\d+)\s*(?:h|hrs?|hours?)\s*)?"
    r"(?:(?P<minutes>\d+)\s*(?:m|mins?|minutes?)?)?$"
)


def _parse_time(text: str) -> tuple[int, int] | None:
    if text in ("noon", "midday"):
        return 12, 0
    if text == "midnight":
        return 0, 0
    match = _TIME.match(text)
    if not match:
        return None
    hour = int(match["hour"])
    minute = int(match["minute"] or 0)
    ampm = (match["ampm"] or "").replace(".", "")
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return hour, minute


def _parse_duration(text: str) -> timedelta | None:
    """`+90m`, `2h`, `1h30`, `+45`: a length of time after a start."""
    match = _DURATION.match(text)
    if not match or not (match["hours"] or match["minutes"]):
        return None
    if text.isdigit():
        return None  # a bare number is not a duration unless it has a '+'
    return timedelta(hours=int(match["hours"] or 0), minutes=int(match["minutes"] or 0))


def _at(day: datetime, rest: str, original: str) -> datetime:
    """`day` at the time in `rest`; midnight when `rest` is empty."""
    if not rest:
        return day.replace(hour=0, minute=0, second=0, microsecond=0)
    parsed = _parse_time(rest)
    if parsed is None:
        raise DateParseError(original, f"{rest!r} is not a time of day")
    hour, minute = parsed
    return day.replace(hour=hour, minute=minute, second=0, microsecond=0)


def parse_when(
    text: str,
    *,
    now: datetime | None = None,
    dayfirst: bool = False,
    base: datetime | None = None,
) -> datetime:
    """Read `text` as a local date-time at minute precision, between EARLIEST and LATEST.

    `now` fixes the clock (tests, previews). `base` is the day a bare time
    refers to and the start a duration counts from; it defaults to today.
    Any text either gives a date-time or raises DateParseError: nothing else,
    whatever the text (`+99999999h`, year 10000, a 5,000-digit number).
    """
    try:
        moment = _parse_when(text, now=now, dayfirst=dayfirst, base=base)
    except DateParseError:
        raise
    except (ArithmeticError, ValueError):  # past the end of the calendar, a number too long to be one
        raise DateParseError(text, f"it falls outside the calendar ({_RANGE})") from None
    if not EARLIEST <= moment <= LATEST:
        raise DateParseError(text, f"it falls outside the calendar ({_RANGE})")
    return moment


def _parse_when(text: str, *, now: datetime | None, dayfirst: bool, base: datetime | None) -> datetime:
    original = text
    text = " ".join(text.strip().lower().split())
    if not text:
        raise DateParseError(original, "it is empty")
    now = (now or datetime.now()).replace(second=0, microsecond=0)
    if text == "now":
        return now
    day = base or now
    head, _, rest = text.partition(" ")
    if head == "last" and rest.split(" ")[0] in WEEKDAYS:
        head, _, rest = rest.partition(" ")
    if head in ("today", "tonight"):
        return _at(now, rest, original)
    if head == "yesterday":
        return _at(now - timedelta(days=1), rest, original)
    if head == "tomorrow":
        return _at(now + timedelta(days=1), rest, original)
    if head in WEEKDAYS:
        back = (now.weekday() - WEEKDAYS[head]) % 7
        return _at(now - timedelta(days=back), rest, original)
    if base is not None:
        duration = _parse_duration(text)
        if duration is not None:
            return base.replace(second=0, microsecond=0) + duration
    if text.isdigit() and len(text) < 6:
        raise DateParseError(original, "a bare number is ambiguous")
    if _parse_time(text) is not None:
        return _at(day, text, original)
    return _parse_with_dateutil(text, original, day, dayfirst)


def _parse_with_dateutil(text: str, original: str, day: datetime, dayfirst: bool) -> datetime:
    from dateutil import parser  # imported lazily: it costs start-up time

    default = day.replace(hour=0, minute=0, second=0, microsecond=0)
    try:
        parsed = parser.parse(text, dayfirst=dayfirst, fuzzy=False, default=default)
    except (parser.ParserError, ValueError, OverflowError) as exc:
        raise DateParseError(original, str(exc).split(":")[0].lower()) from None
    except Exception:  # dateutil on text it was not made for: decimal.InvalidOperation on '9' * 30 + 'h'...
        raise DateParseError(original, "unknown string format") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone().replace(tzinfo=None)
    return parsed.replace(second=0, microsecond=0)


# 1/2, 1-2, 1/2/2016, 1.2.2016 (with a year only: 8.30 is a time)
_NUMERIC_DAY = re.compile(
    r"(?<![\d.:])(\d{1,2})(?:[/\-](\d{1,2})(?:[/\-]\d{2,4})?|\.(\d{1,2})\.\d{2,4})(?![\d.:])"
)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def order_note(text: str, *, dayfirst: bool) -> str:
    """How a numeric date such as 1/2 or 13/01 was read, when the order of day and
    month matters: '' when there is nothing to say (no such date, or 5/5).

    >>> order_note("1/2/2016", dayfirst=False)
    'month first: 2 Jan (day first would be 1 Feb)'
    >>> order_note("13/01/2016", dayfirst=False)
    'day first: 13 Jan (13 is no month)'
    """
    match = _NUMERIC_DAY.search(text)
    if match is None or re.match(r"\s*\d{4}-", text):  # ISO 2016-01-17 is never ambiguous
        return ""
    first, second = int(match[1]), int(match[2] or match[3])
    if not (1 <= first <= 31 and 1 <= second <= 31) or first == second:
        return ""
    if first > 12 and second <= 12:
        return f"day first: {first} {_MONTHS[second - 1]} ({first} is no month)"
    if second > 12 and first <= 12:
        return f"month first: {second} {_MONTHS[first - 1]} ({second} is no month)"
    if first > 12 or second > 12:
        return ""
    if dayfirst:
        return (
            f"day first: {first} {_MONTHS[second - 1]} (month first would be {second} {_MONTHS[first - 1]})"
        )
    return f"month first: {second} {_MONTHS[first - 1]} (day first would be {first} {_MONTHS[second - 1]})"


def to_iso(moment: datetime) -> str:
    return moment.strftime(MINUTE_FORMAT)


def parse_iso(text: str) -> datetime:
    return datetime.strptime(text, MINUTE_FORMAT)


def describe(moment: datetime) -> str:
    """A human echo of a parsed date-time, e.g. 'Sun 17 Jan 2016, 08:30'."""
    return f"{moment:%a} {moment.day} {moment:%b %Y, %H:%M}"


def show(iso: str | None) -> str:
    """A stored date-time or stamp as people read it: '2016-01-17 08:30' ('' for none)."""
    return iso.replace("T", " ") if iso else ""


def span(start: str, end: str | None) -> str:
    """'2016-01-17 08:30 to 2016-01-17 10:00', or just the start."""
    return f"{show(start)} to {show(end)}" if end else show(start)
