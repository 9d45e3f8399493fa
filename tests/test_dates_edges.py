"""parse_when at the edges of the calendar: any text gives a date-time or a DateParseError, nothing else."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fieldnotes.dates import EARLIEST, LATEST, parse_when, to_iso
from fieldnotes.errors import DateParseError

NOW = datetime(2026, 11, 25, 10, 7, 33)

# Words and numbers the parser reacts to, for hypothesis to combine with anything.
PIECES = st.sampled_from(
    [
        "now",
        "today",
        "yesterday",
        "tomorrow",
        "last",
        "mon",
        "friday",
        "noon",
        "midnight",
        "3pm",
        "23:59",
        "+",
        "h",
        "m",
        "hours",
        "9999",
        "12",
        "31",
        "0",
        "00",
        "10000",
        "99999999",
        "9" * 30,
        "²",
        "١٢",
        "-",
        "/",
        ":",
        " ",
        "Jan",
        "Dec",
        "2016-01-17",
        "9999-12-31",
        "T",
        "Z",
        "+14:00",
        "-12:00",
        "UTC",
        "\udcff",
        "\x00",
    ]
)
TEXTS = (
    st.text(max_size=30)
    | st.lists(PIECES, max_size=8).map("".join)
    | st.lists(PIECES, max_size=6).map(" ".join)
)
MOMENTS = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59))


@settings(max_examples=1500, deadline=None)
@given(text=TEXTS, now=MOMENTS, base=st.none() | MOMENTS, dayfirst=st.booleans())
@example(text="+5h", now=NOW, base=datetime(9999, 12, 31, 23, 0), dayfirst=False)
@example(text="+99999999h", now=NOW, base=NOW, dayfirst=False)
@example(text="+" + "9" * 5000 + "m", now=NOW, base=NOW, dayfirst=False)
@example(text="yesterday", now=datetime(1, 1, 1), base=None, dayfirst=False)
@example(text="tomorrow 23:59", now=datetime(9999, 12, 31, 12), base=None, dayfirst=False)
@example(text="9999-12-31 23:59 -12:00", now=NOW, base=None, dayfirst=False)
def test_parse_when_gives_a_date_or_a_date_parse_error(
    text: str, now: datetime, base: datetime | None, dayfirst: bool
) -> None:
    try:
        moment = parse_when(text, now=now, base=base, dayfirst=dayfirst)
    except DateParseError as exc:
        assert repr(text) in str(exc)
        return
    assert EARLIEST <= moment <= LATEST
    assert moment.second == 0 and moment.microsecond == 0 and moment.tzinfo is None
    assert datetime.fromisoformat(to_iso(moment)) == moment  # storable as it is


@pytest.mark.parametrize(
    ("text", "base"),
    [
        ("+5h", datetime(9999, 12, 31, 23, 0)),
        ("+1m", datetime(9999, 12, 31, 23, 59)),
        ("+99999999h", datetime(2016, 1, 17)),
        ("+999999999999999999999h", datetime(2016, 1, 17)),
        ("10000-01-01", None),
        ("0000-01-01", None),
        ("0999-12-31", None),
        ("1/1/0999", None),
        ("99999999999999999999", None),
        ("9" * 5000, None),
        ("+²h", datetime(2016, 1, 17)),
    ],
)
def test_dates_past_the_calendar_are_date_parse_errors(text: str, base: datetime | None) -> None:
    with pytest.raises(DateParseError, match="can't read"):
        parse_when(text, now=NOW, base=base)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9999-12-31 23:59", LATEST),
        ("1000-01-01", EARLIEST),
        ("9999-12-31", datetime(9999, 12, 31)),
    ],
)
def test_the_first_and_last_minutes_of_the_calendar_are_dates(text: str, expected: datetime) -> None:
    assert parse_when(text, now=NOW) == expected
