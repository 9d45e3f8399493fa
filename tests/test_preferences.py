"""Preferences kept in a small TOML file; a damaged file never stops the app or the CLI."""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldnotes import config
from fieldnotes.cli.main import cli
from fieldnotes.dates import order_note, parse_when
from fieldnotes.names import Vocabulary, edit_distance


def test_preferences_round_trip_with_odd_theme_names(own_preferences: Path) -> None:
    for theme in ('quote " and \\ backslash', "émoji 🎉", "", "tab\there", "del\x7f", "nul\x00"):
        prefs = config.Preferences(theme=theme, dayfirst=True, details_open=True, jot_kind="event")
        config.save(prefs)
        assert config.load() == (prefs, "")
    assert own_preferences.stat().st_mode & 0o077 == 0  # owner-only


@pytest.mark.parametrize(
    "content",
    [
        b"theme = [unclosed\n",
        b"\xff\xfe not utf-8",
        b'dayfirst = "yes"\n',
        b'jot_kind = "party"\n',
        b"theme = 3\n",
    ],
)
def test_a_damaged_preferences_file_gives_defaults_and_says_so(own_preferences: Path, content: bytes) -> None:
    own_preferences.parent.mkdir(parents=True, exist_ok=True)
    own_preferences.write_bytes(content)
    prefs, warning = config.load()
    assert prefs == config.Preferences() or prefs.theme == ""
    assert str(own_preferences) in warning and "defaults" in warning


def test_a_missing_file_is_the_defaults_silently(own_preferences: Path) -> None:
    assert config.load() == (config.Preferences(), "")


def test_unknown_keys_are_ignored(own_preferences: Path) -> None:
    own_preferences.parent.mkdir(parents=True, exist_ok=True)
    own_preferences.write_text('future_option = 1\ntheme = "nord"\n')
    assert config.load() == (config.Preferences(theme="nord"), "")


def test_the_cli_reads_dates_day_first_from_the_preference_and_warns_of_damage(
    own_preferences: Path, tmp_path: Path
) -> None:
    config.save(config.Preferences(dayfirst=True))
    db = str(tmp_path / "db.json")
    runner = CliRunner()
    added = runner.invoke(
        cli, ["--db", db, "add", "--kind", "meeting", "--title", "x", "--when", "1/2/2016 9am"]
    )
    assert added.exit_code == 0, added.output
    shown = runner.invoke(cli, ["--db", db, "list", "--json"])
    assert '"2016-02-01T09:00"' in shown.stdout
    flag = runner.invoke(cli, ["--db", db, "--monthfirst", "list", "--since", "1/2/2016", "--json"])
    assert '"2016-02-01T09:00"' in flag.stdout  # 2 Jan, month first: the note is after it
    own_preferences.write_text("dayfirst = maybe\n")
    # The preference is read when a date is, and its damage said then (not on every command).
    damaged = runner.invoke(cli, ["--db", db, "list", "--since", "1/2/2016"])
    assert damaged.exit_code == 0 and "could not be read" in damaged.stderr
    assert "could not be read" not in runner.invoke(cli, ["--db", db, "list"]).stderr


# ------------------------------------------------------------------ dates
@settings(max_examples=200, deadline=None)
@given(st.integers(1, 31), st.integers(1, 31), st.booleans())
def test_the_order_note_names_the_date_that_was_read(first: int, second: int, dayfirst: bool) -> None:
    text = f"{first}/{second}/2016"
    note = order_note(text, dayfirst=dayfirst)
    try:
        read = parse_when(text, dayfirst=dayfirst)
    except ValueError:
        return  # not a date at all (31/31): the echo says so instead
    if first == second or (first > 12 and second > 12):
        assert note == ""
        return
    assert note, text
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    assert note.split(" (")[0].endswith(f"{read.day} {months[read.month - 1]}")  # says what was read


def test_the_order_note_leaves_times_and_iso_dates_alone() -> None:
    for text in ("today 3.30pm", "8.30", "2016-01-02 10:00", "17 Jan 2016", "+90m", "14:30"):
        assert order_note(text, dayfirst=False) == "", text


# ------------------------------------------------------------------ names
@settings(max_examples=200, deadline=None)
@given(st.text(max_size=12), st.text(max_size=12))
def test_edit_distance_is_symmetric_and_bounded(a: str, b: str) -> None:
    limit = 3
    assert edit_distance(a, b, limit) == edit_distance(b, a, limit)
    assert edit_distance(a, a, limit) == 0
    assert edit_distance(a, b, limit) <= limit + 1


def test_vocabulary_resolves_aliases_and_flags_near_duplicates() -> None:
    vocabulary = Vocabulary(
        ["Northside Abolition Coalition", "Zoë's Place"],
        {"NAC": "Northside Abolition Coalition"},
        ["Typed Here"],
    )
    assert vocabulary.resolve("  nac ").name == "Northside Abolition Coalition"
    assert vocabulary.resolve("NORTHSIDE abolition coalition").new is False
    assert vocabulary.resolve("Nor").near == "Northside Abolition Coalition"  # a prefix
    assert vocabulary.resolve("zoes place").near == "Zoë's Place"  # an accent and a typo
    assert vocabulary.resolve("Typed Here").new  # chosen elsewhere in the form, still new
    assert vocabulary.resolve("Lakeside").near == ""
    assert "NAC" in vocabulary.suggestions() and "Typed Here" in vocabulary.suggestions()


# ------------------------------------------------------------------- demo
@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="no SIGHUP on this platform")
def test_the_demo_copy_is_removed_when_the_terminal_is_closed(tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path), "FIELDNOTES_CONFIG": str(tmp_path / "c.toml")}
    primary, secondary = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "fieldnotes", "demo"],
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        env=env,
        close_fds=True,
    )
    os.close(secondary)
    try:
        deadline = time.monotonic() + 60
        made = []
        while time.monotonic() < deadline:
            made = [
                p
                for p in tmp_path.glob("fieldnotes-demo-*")
                if (p / "fieldnotes-sample.json.journal").exists() or (p / "fieldnotes-sample.json").exists()
            ]
            if made:
                break
            try:
                os.read(primary, 65536)  # keep the terminal's output flowing
            except OSError:
                break
            time.sleep(0.05)
        assert made, "the demo did not start"
        time.sleep(1.5)  # the app is up
        proc.send_signal(signal.SIGHUP)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(primary)
    assert not list(tmp_path.glob("fieldnotes-demo-*"))


def test_a_consent_date_is_typed_as_people_say_it(tmp_path: Path) -> None:
    db = str(tmp_path / "db.json")
    runner = CliRunner()
    added = runner.invoke(cli, ["--db", db, "people", "add", "P-01", "--consent-date", "20 Jan 2016"])
    assert added.exit_code == 0, added.output
    listed = runner.invoke(cli, ["--db", db, "people", "--json"])
    assert '"2016-01-20"' in listed.stdout
    refused = runner.invoke(cli, ["--db", db, "people", "edit", "P-01", "--consent-date", "someday"])
    assert refused.exit_code == 2 and "--consent-date" in refused.stderr
