"""The CLI contract: commands, JSON shape, exit codes, odd text."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from fieldnotes.cli.main import cli
from fieldnotes.model import COMMON_FIELDS, KIND_FIELDS
from tests.conftest import ODD_TEXTS


@pytest.fixture
def run(db_path: Path):
    def invoke(*args: str, input: str | None = None) -> tuple[int, str, str]:
        runner = CliRunner()
        result = runner.invoke(cli, ["--db", str(db_path), *args], input=input, catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return invoke


def test_add_prints_only_the_id_and_show_round_trips(run) -> None:
    code, out, _ = run(
        "add",
        "--kind",
        "meeting",
        "--title",
        "Coalition monthly",
        "--when",
        "17 Jan 2016 8:30",
        "--end",
        "+90m",
        "--where",
        "Library, room 2",
        "--org",
        "Lakeside Outreach",
        "--code",
        "legitimacy",
        "--person",
        "Ana",
        "--host",
        "Lakeside Outreach",
        "--agenda",
        "budget",
        "--body",
        "para 1\n\npara 2",
        "--memo",
        "m",
    )
    assert code == 0
    note_id = out.strip()
    assert len(note_id) == 36 and "\n" not in note_id
    code, out, _ = run("show", note_id[:6], "--json")
    assert code == 0
    data = json.loads(out)
    assert list(data) == list(COMMON_FIELDS + KIND_FIELDS["meeting"])
    assert data["start"] == "2016-01-17T08:30" and data["end"] == "2016-01-17T10:00"
    assert data["organizations"] == ["Lakeside Outreach"] and data["codes"] == ["legitimacy"]
    assert data["body"] == "para 1\n\npara 2"


@pytest.mark.parametrize("text", [t for t in ODD_TEXTS if t])
def test_odd_bodies_round_trip(run, text: str) -> None:
    code, out, _ = run("add", "--kind", "event", "--title", "odd", "--when", "now", "--body", text)
    assert code == 0
    _, out, _ = run("show", out.strip(), "--json")
    assert json.loads(out)["body"] == text


def test_body_from_stdin(run) -> None:
    code, out, _ = run(
        "add",
        "--kind",
        "interview",
        "--title",
        "Director",
        "--when",
        "yesterday 2pm",
        "--informant",
        "P-01",
        "--consent",
        "verbal",
        input="from stdin\nsecond line\n",
    )
    assert code == 0
    _, shown, _ = run("show", out.strip(), "--json")
    data = json.loads(shown)
    assert data["body"] == "from stdin\nsecond line\n"
    assert data["informant"] == "P-01" and data["consent"] == "verbal"
    assert list(data) == list(COMMON_FIELDS + KIND_FIELDS["interview"])


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["add", "--kind", "meeting", "--title", "x", "--when", "meeting"], "'meeting'"),
        (["add", "--kind", "party", "--title", "x"], "party"),
        (["add", "--kind", "meeting", "--title", "x", "--informant", "P-1"], "--informant"),
        (["add", "--kind", "meeting"], "--title"),
        (["show", "ffffffff"], "ffffffff"),
        (["edit", "ffffffff", "--title", "y"], "ffffffff"),
        (["delete", "ffffffff", "--yes"], "ffffffff"),
        (["list", "--since", "someday"], "someday"),
        (["add", "--kind", "meeting", "--title", "x", "--when", "today 3pm", "--end", "today 1pm"], "before"),
    ],
)
def test_bad_input_exits_2_with_a_message_and_saves_nothing(run, args: list[str], needle: str) -> None:
    code, _out, err = run(*args)
    assert code == 2
    assert needle in err
    assert "Traceback" not in err
    _, listed, _ = run("list", "--json")
    assert json.loads(listed) == []


def test_list_filters_and_json(run) -> None:
    run("add", "--kind", "meeting", "--title", "Old", "--when", "1 Jun 2015 9am", "--org", "A")
    run("add", "--kind", "event", "--title", "New", "--when", "1 Dec 2015 9am", "--code", "legitimacy")
    _, out, _ = run("list", "--json")
    assert [n["title"] for n in json.loads(out)] == ["New", "Old"]
    _, out, _ = run("list", "--org", "a", "--json")
    assert [n["title"] for n in json.loads(out)] == ["Old"]
    _, out, _ = run("list", "--since", "1 Nov 2015", "--json")
    assert [n["title"] for n in json.loads(out)] == ["New"]
    _, out, _ = run("list", "--until", "2015-06-01", "--json")
    assert [n["title"] for n in json.loads(out)] == ["Old"]
    _, out, _ = run("list", "--search", "LEGIT")
    assert "New" in out and "Old" not in out
    _, out, _ = run("list", "--kind", "interview")
    assert out == ""


def test_edit_and_delete(run) -> None:
    _, out, _ = run("add", "--kind", "meeting", "--title", "Draft", "--when", "today 9am", "--org", "A")
    note_id = out.strip()
    code, _, _ = run("edit", note_id[:8], "--title", "Final", "--org", "B", "--org", "C", "--end", "10am")
    assert code == 0
    _, out, _ = run("show", note_id, "--json")
    data = json.loads(out)
    assert data["title"] == "Final" and data["organizations"] == ["B", "C"] and data["end"].endswith("10:00")
    code, _, err = run("delete", note_id)
    assert code == 2 and "--yes" in err  # no terminal to confirm on
    code, _, _ = run("delete", note_id, "--yes")
    assert code == 0
    _, out, _ = run("list", "--json")
    assert json.loads(out) == []


def test_registries_and_backups(run) -> None:
    run("add", "--kind", "meeting", "--title", "x", "--org", "Lakeside Outreach", "--code", "legitimacy")
    run("add", "--kind", "meeting", "--title", "y", "--org", "lakeside outreach ")
    _, out, _ = run("orgs", "--json")
    orgs = json.loads(out)
    assert [(o["name"], o["type"]) for o in orgs] == [("Lakeside Outreach", "")]
    assert len(orgs[0]["guid"]) == 36
    _, out, _ = run("codes", "--json")
    assert json.loads(out)[0]["origin"] == "inductive"
    _, out, _ = run("backups")
    assert "daily" in out


def test_damaged_database_exits_1_and_restore_fixes_it(run, db_path: Path) -> None:
    _, out, _ = run("add", "--kind", "meeting", "--title", "precious")
    run("list")  # a second day-of-use open takes the daily backup
    db_path.write_text("{ this is not json")
    code, _, err = run("list")
    assert code == 1
    assert str(db_path) in err and "restore" in err and "Traceback" not in err
    code, _, err = run("restore", "1")
    assert code == 0
    _, out, _ = run("list", "--json")
    assert [n["title"] for n in json.loads(out)] == ["precious"]


def test_real_process_uses_env_db_and_exit_codes(tmp_path: Path) -> None:
    env = {**os.environ, "FIELDNOTES_DB": str(tmp_path / "env.json")}
    cmd = [sys.executable, "-m", "fieldnotes"]
    added = subprocess.run(
        [*cmd, "add", "--kind", "meeting", "--title", "t", "--body", "=1+1"],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert added.returncode == 0, added.stderr
    shown = subprocess.run(
        [*cmd, "show", added.stdout.strip(), "--json"], env=env, capture_output=True, text=True
    )
    assert json.loads(shown.stdout)["body"] == "=1+1"
    bad = subprocess.run([*cmd, "show", "zzzz"], env=env, capture_output=True, text=True)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
