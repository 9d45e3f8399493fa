from datetime import datetime

import pytest

from fieldnotes.dates import describe, parse_when
from fieldnotes.errors import DateParseError

NOW = datetime(2026, 11, 25, 10, 7, 33)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", datetime(2026, 11, 25, 10, 7)),
        ("NOW ", datetime(2026, 11, 25, 10, 7)),
        ("today 3pm", datetime(2026, 11, 25, 15, 0)),
        ("today", datetime(2026, 11, 25, 0, 0)),
        ("yesterday 14:30", datetime(2026, 11, 24, 14, 30)),
        ("monday 9am", datetime(2026, 11, 23, 9, 0)),
        ("wednesday 8:15", datetime(2026, 11, 25, 8, 15)),
        ("thursday", datetime(2026, 11, 19, 0, 0)),
        ("last fri 10:00", datetime(2026, 11, 20, 10, 0)),
        ("17 Jan 2016 8:30", datetime(2016, 1, 17, 8, 30)),
        ("2016-01-17 08:30", datetime(2016, 1, 17, 8, 30)),
        ("1/17/2016", datetime(2016, 1, 17, 0, 0)),
        ("3pm", datetime(2026, 11, 25, 15, 0)),
        ("15:45", datetime(2026, 11, 25, 15, 45)),
        ("noon", datetime(2026, 11, 25, 12, 0)),
    ],
)
def test_forms_people_type(text: str, expected: datetime) -> None:
    assert parse_when(text, now=NOW) == expected


def test_day_first_is_a_choice() -> None:
    assert parse_when("17/01/2016", now=NOW, dayfirst=True) == datetime(2016, 1, 17)
    assert parse_when("02/01/2016", now=NOW, dayfirst=True) == datetime(2016, 1, 2)
    assert parse_when("02/01/2016", now=NOW) == datetime(2016, 2, 1)


def test_end_relative_to_start() -> None:
    start = datetime(2016, 1, 17, 8, 30)
    assert parse_when("+90m", now=NOW, base=start) == datetime(2016, 1, 17, 10, 0)
    assert parse_when("2h", now=NOW, base=start) == datetime(2016, 1, 17, 10, 30)
    assert parse_when("4:30pm", now=NOW, base=start) == datetime(2016, 1, 17, 16, 30)
    assert parse_when("18 Jan 2016 9am", now=NOW, base=start) == datetime(2016, 1, 18, 9, 0)


@pytest.mark.parametrize(
    "text",
    [
        "meeting",
        "",
        "   ",
        "5",
        "25:00",
        "today 27pm",
        "13/13/2016",
        "monday foo",
        "next blue moon",
        "1/2/3/4",
    ],
)
def test_bad_text_is_an_error_naming_it(text: str) -> None:
    with pytest.raises(DateParseError) as info:
        parse_when(text, now=NOW)
    assert repr(text) in str(info.value)


def test_fuzzy_mode_never_turns_words_into_today() -> None:
    with pytest.raises(DateParseError):
        parse_when("meeting at the library", now=NOW)


def test_describe_echoes_for_humans() -> None:
    assert describe(datetime(2016, 1, 17, 8, 30)) == "Sun 17 Jan 2016, 08:30"
