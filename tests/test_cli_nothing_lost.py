"""Capture from the command line loses nothing: not a body, not a date, not a private note.

Each test guards a class of input that used to empty, misfile or crash: stdin
that is empty, closed, a terminal or not UTF-8; empty dates; bytes on the
command line that are not UTF-8; dates at the edges of the calendar; ids that
are malformed or ambiguous; a reader that closes the pipe early. The refusal is
always exit 2, one line, and the database byte for byte as it was.
"""

from __future__ import annotations

import csv
import json
import os
import pty
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldnotes.cli.main import cli
from fieldnotes.service import FieldNotes
from tests.conftest import fieldnotes_cmd, make_note

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(db_path: Path) -> Run:
    def invoke(*args: str, input: str | bytes | None = None) -> tuple[int, str, str]:
        result = CliRunner().invoke(cli, ["--db", str(db_path), *args], input=input)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        return result.exit_code, result.stdout, result.stderr

    return invoke


def database_bytes(db: Path) -> tuple[bytes | None, bytes | None]:
    """The main file and the journal, as they are on disk."""
    journal = db.with_name(db.name + ".journal")
    return tuple(path.read_bytes() if path.exists() else None for path in (db, journal))  # type: ignore[return-value]


def one_line_refusal(code: int, err: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("fieldnotes: "), err


def added(run: Run, *args: str, kind: str = "meeting") -> str:
    code, out, err = run("add", "--kind", kind, "--title", "Coalition monthly", *args, input="")
    assert code == 0, err
    return out.strip()


def body_of(run: Run, note_id: str) -> str:
    _, out, _ = run("show", note_id, "--json")
    return json.loads(out)["body"]  # type: ignore[no-any-return]


def process(db: Path, *args: str | bytes, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    cmd: list[str | bytes] = [*fieldnotes_cmd(db), *args]
    return subprocess.run(cmd, capture_output=True, timeout=60, **kwargs)  # type: ignore[call-overload, no-any-return]


# ------------------------------------------------------------------ stdin
BAD_STDIN = {
    "empty": b"",
    "blank lines": b"  \n\n",
    "not UTF-8": b"Officer Brandt \xff said",
    "latin-1": "Café Ñandú".encode("latin-1"),
    "UTF-16 with BOM": "hi".encode("utf-16"),
    "cut mid-character": "café".encode()[:-1],
    "surrogate encoded": b"\xed\xa0\x80",
}


@pytest.mark.parametrize("raw", BAD_STDIN.values(), ids=BAD_STDIN.keys())
def test_edit_body_from_bad_stdin_changes_nothing(run: Run, db_path: Path, raw: bytes) -> None:
    note_id = added(run, "--body", "Fourteen arrests reported.")
    before = database_bytes(db_path)
    code, _, err = run("edit", note_id, "--body", "-", input=raw)
    one_line_refusal(code, err)
    assert database_bytes(db_path) == before
    assert body_of(run, note_id) == "Fourteen arrests reported."
    if raw.strip():
        assert "UTF-8" in err and "byte offset" in err


def test_undecodable_stdin_is_refused_naming_the_byte_offset(run: Run) -> None:
    note_id = added(run, "--body", "kept")
    code, _, err = run("edit", note_id, "--body", "-", input=b"line one\nab\xffcd")
    one_line_refusal(code, err)
    assert "byte 0xff at byte offset 11 (line 2)" in err


@pytest.mark.parametrize("how", ["closed", "terminal", "/dev/null"])
def test_edit_body_from_absent_stdin_changes_nothing_in_a_real_process(db_path: Path, how: str) -> None:
    with FieldNotes.open(db_path) as service:
        note_id = service.add(make_note(body="Dana's account of the raid.")).id
    before = database_bytes(db_path)
    args = ["edit", note_id, "--body", "-"]
    if how == "closed":
        result = subprocess.run(
            ["bash", "-c", 'exec "$@" <&-', "_", *fieldnotes_cmd(db_path, *args)],
            capture_output=True,
            timeout=60,
        )
    elif how == "terminal":
        leader, follower = pty.openpty()
        try:
            result = process(db_path, *args, stdin=follower)
        finally:
            os.close(leader)
            os.close(follower)
    else:
        result = process(db_path, *args, stdin=subprocess.DEVNULL)
    one_line_refusal(result.returncode, result.stderr.decode())
    assert database_bytes(db_path) == before
    with FieldNotes.open(db_path) as service:
        assert service.get(note_id).body == "Dana's account of the raid."


@pytest.mark.parametrize("raw", [value for value in BAD_STDIN.values() if value.strip()])
def test_add_body_from_bad_stdin_saves_nothing(run: Run, db_path: Path, raw: bytes) -> None:
    added(run, "--body", "first")
    before = database_bytes(db_path)
    code, _, err = run("add", "--kind", "meeting", "--title", "second", input=raw)
    one_line_refusal(code, err)
    assert "UTF-8" in err
    assert database_bytes(db_path) == before


def test_add_body_rule_empty_stdin_is_an_empty_body_but_body_dash_insists(run: Run, db_path: Path) -> None:
    """`add` without --body takes what is piped, and nothing piped is an empty body;
    `--body -` says the body is on stdin, so an empty stdin is refused."""
    note_id = added(run)
    assert body_of(run, note_id) == ""
    before = database_bytes(db_path)
    code, _, err = run("add", "--kind", "meeting", "--title", "t", "--body", "-", input="")
    one_line_refusal(code, err)
    assert database_bytes(db_path) == before
    code, out, _ = run("add", "--kind", "meeting", "--title", "t", "--body", "-", input="from a pipe\n")
    assert code == 0 and body_of(run, out.strip()) == "from a pipe\n"


def test_utf8_bom_on_stdin_is_dropped_not_saved(run: Run) -> None:
    note_id = added(run)
    code, _, err = run("edit", note_id, "--body", "-", input="\ufeffשלום 🎉\r\n".encode())
    assert code == 0, err
    assert body_of(run, note_id) == "שלום 🎉\r\n"


def test_body_empty_on_purpose_still_works(run: Run) -> None:
    note_id = added(run, "--body", "draft")
    code, _, _ = run("edit", note_id, "--body", "")
    assert code == 0 and body_of(run, note_id) == ""


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=64) | st.text(max_size=40).map(lambda text: text.encode()))
def test_body_from_stdin_is_saved_exactly_or_refused(tmp_path: Path, raw: bytes) -> None:
    """Whatever bytes come on stdin: saved exactly as their UTF-8 text, or exit 2 and nothing changed."""
    db = tmp_path / f"{os.urandom(4).hex()}.json"
    with FieldNotes.open(db) as service:
        note_id = service.add(make_note(body="original")).id
    before = database_bytes(db)
    result = CliRunner().invoke(cli, ["--db", str(db), "edit", note_id, "--body", "-"], input=raw)
    try:
        text = raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError:
        text = None
    with FieldNotes.open(db) as service:
        body = service.get(note_id).body
    if text is not None and text.strip():
        assert result.exit_code == 0, result.stderr
        assert body == text
    else:
        assert result.exit_code == 2, result.stderr
        assert body == "original"
        assert database_bytes(db) == before


# ------------------------------------------------------------------ dates
EMPTY_DATES = [
    ["add", "--kind", "meeting", "--title", "t", "--when", ""],
    ["add", "--kind", "meeting", "--title", "t", "--when", "   "],
    ["add", "--kind", "meeting", "--title", "t", "--when="],
    ["edit", "NOTE", "--when", ""],
    ["list", "--since", ""],
    ["list", "--until", " "],
    ["report", "contacts", "--since", ""],
    ["report", "ties", "--until", ""],
    ["report", "codes", "--since", ""],
    ["check-names", "--since", ""],
    ["export", "nvivo", "out", "--until", ""],
    ["export", "qdpx", "out.qdpx", "--since", ""],
]


@pytest.mark.parametrize("args", EMPTY_DATES, ids=lambda args: " ".join(args))
def test_empty_date_is_refused_not_now(run: Run, db_path: Path, tmp_path: Path, args: list[str]) -> None:
    note_id = added(run, "--when", "17 Jan 2016 8:30")
    args = [note_id if arg == "NOTE" else arg for arg in args]
    args = [str(tmp_path / arg) if arg.startswith("out") else arg for arg in args]
    before = database_bytes(db_path)
    code, _, err = run(*args, input="")
    one_line_refusal(code, err)
    assert "empty" in err and ("--when" in err or "--since" in err or "--until" in err)
    assert database_bytes(db_path) == before
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.qdpx").exists()
    _, out, _ = run("show", note_id, "--json")
    assert json.loads(out)["start"] == "2016-01-17T08:30"


def test_end_given_empty_clears_the_end_as_documented(run: Run) -> None:
    note_id = added(run, "--when", "17 Jan 2016 8:30", "--end", "+90m")
    code, _, _ = run("edit", note_id, "--end", "")
    _, out, _ = run("show", note_id, "--json")
    assert code == 0 and json.loads(out)["end"] is None


EDGE_DATES = [
    ["--when", "9999-12-31 23:00", "--end", "+5h"],
    ["--when", "9999-12-31 23:59", "--end", "+1m"],
    ["--when", "10000-01-01"],
    ["--when", "0999-12-31"],
    ["--when", "0001-01-01"],
    ["--when", "0000-01-01"],
    ["--when", "17 Jan 2016", "--end", "+99999999h"],
    ["--when", "17 Jan 2016", "--end", "+" + "9" * 5000 + "m"],
    ["--when", "9" * 5000],
    ["--when", "99999999999999999999"],
    ["--when", "17 Jan 2016", "--end", "+²h"],
]


@pytest.mark.parametrize("args", EDGE_DATES, ids=lambda args: " ".join(arg[:20] for arg in args))
def test_dates_at_the_edges_of_the_calendar_are_refused(run: Run, db_path: Path, args: list[str]) -> None:
    added(run)
    before = database_bytes(db_path)
    code, _, err = run("add", "--kind", "meeting", "--title", "edge", *args, input="")
    one_line_refusal(code, err)
    assert database_bytes(db_path) == before


def test_the_last_minute_of_the_calendar_is_a_date_like_any_other(run: Run) -> None:
    last = added(run, "--when", "9999-12-31 23:59")
    first = added(run, "--when", "1000-01-01 00:00")
    for option, value, expected in [
        ("--until", "9999-12-31", {first, last}),
        ("--since", "9999-12-31", {last}),
        ("--until", "1000-01-01", {first}),
        ("--since", "1000-01-01", {first, last}),
    ]:
        code, out, err = run("list", option, value, "--json")
        assert code == 0, err
        assert {note["id"] for note in json.loads(out)} == expected
    code, _, err = run("report", "contacts", "--until", "9999-12-31")
    assert code == 0, err


# ------------------------------------------------------------------ private
def test_private_option_works_end_to_end(run: Run, tmp_path: Path) -> None:
    secret = "Dana asked me not to write this down: she works nights at the Eastgate."
    ids = {kind: added(run, "--private", secret, kind=kind) for kind in ("meeting", "event", "interview")}
    for note_id in ids.values():
        _, out, _ = run("show", note_id, "--json")
        assert json.loads(out)["private"] == secret
    _, listed, _ = run("list")
    assert listed.count("🔒 private") == 3
    note_id = ids["meeting"]
    code, _, _ = run("edit", note_id, "--title", "Renamed")
    _, out, _ = run("show", note_id, "--json")
    assert code == 0 and json.loads(out)["private"] == secret  # other edits keep it
    code, _, _ = run("edit", note_id, "--private", "revised\nsecond line")
    _, out, _ = run("show", note_id, "--json")
    assert code == 0 and json.loads(out)["private"] == "revised\nsecond line"
    _, shown, _ = run("show", note_id)
    assert "--- Private" in shown and "revised" in shown
    code, _, err = run("export", "nvivo", str(tmp_path / "plain"))
    assert code == 0, err
    assert secret not in (tmp_path / "plain" / "notes.csv").read_text(encoding="utf-8-sig")
    code, _, err = run("export", "nvivo", str(tmp_path / "asked"), "--include-private")
    assert code == 0, err
    with (tmp_path / "asked" / "notes.csv").open(encoding="utf-8-sig", newline="") as handle:
        assert secret in {row["private"] for row in csv.DictReader(handle)}
    code, _, _ = run("edit", note_id, "--private", "")
    _, out, _ = run("show", note_id, "--json")
    assert code == 0 and json.loads(out)["private"] == ""


def test_private_text_that_is_not_utf8_is_refused(run: Run, db_path: Path) -> None:
    note_id = added(run, "--private", "kept")
    before = database_bytes(db_path)
    code, _, err = run("edit", note_id, "--private", "caf\udce9")
    one_line_refusal(code, err)
    assert "--private" in err and database_bytes(db_path) == before


# ------------------------------------------------ command-line bytes and text
BYTES_ARGS = [
    [b"orgs", b"add", b"Lakeside \xff Outreach"],
    [b"orgs", b"add", b"Harbor", b"--alias", b"H\xe9"],
    [b"people", b"add", b"P-09", b"--real-name", b"Jos\xe9 Reyes"],
    [b"people", b"add", b"P-\xff"],
    [b"project", b"set", b"--protocol", b"IRB-\xff"],
    [b"project", b"set", b"--researcher", b"Ren\xe9e", b"--protocol", b"ok"],
    [b"project", b"set", b"--consent-form", b"v\xff"],
    [b"add", b"--kind", b"meeting", b"--title", b"Caf\xe9 meeting"],
    [b"add", b"--kind", b"meeting", b"--title", b"ok", b"--body", b"\xc3"],
    [b"add", b"--kind", b"meeting", b"--title", b"ok", b"--org", b"\xff"],
    [b"add", b"--kind", b"meeting", b"--title", b"ok", b"--when", b"\xff"],
    [b"codes", b"add", b"tr\xfcst"],
    [b"codes", b"add", b"trust", b"--description", b"\x80"],
    [b"list", b"--search", b"caf\xe9"],
    [b"list", b"--org", b"\xff"],
    [b"show", b"\xff\xff\xff\xff"],
    [b"restore", b"\xff"],
]


@pytest.mark.parametrize("args", BYTES_ARGS, ids=lambda args: b" ".join(args).decode("latin-1"))
def test_argument_bytes_that_are_not_utf8_are_refused_in_a_real_process(
    db_path: Path, args: list[bytes]
) -> None:
    with FieldNotes.open(db_path) as service:
        service.add(make_note())
    before = database_bytes(db_path)
    result = process(db_path, *args, stdin=subprocess.DEVNULL)
    err = result.stderr.decode("utf-8", "replace")
    one_line_refusal(result.returncode, err)
    assert "UTF-8" in err
    assert database_bytes(db_path) == before


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["orgs", "add", "\udcff"], "NAME"),
        (["people", "add", "P-09", "--real-name", "Ana\udcc3"], "--real-name"),
        (["project", "set", "--protocol", "\ud800"], "--protocol"),
        (["add", "--kind", "event", "--title", "t", "--memo=\udcff"], "--memo"),
        (["orgs", "edit", "Lakeside", "--name", "\udcff"], "--name"),
        (["codes", "move", "trust", "--under", "\udcff"], "--under"),
    ],
)
def test_undecodable_text_options_are_refused_naming_the_option(
    run: Run, db_path: Path, args: list[str], named: str
) -> None:
    run("add", "--kind", "meeting", "--title", "t", "--org", "Lakeside", "--code", "trust", input="")
    before = database_bytes(db_path)
    code, _, err = run(*args)
    one_line_refusal(code, err)
    assert named in err and "\\x" not in err.split(":")[0]
    assert database_bytes(db_path) == before


def test_file_names_in_any_bytes_are_still_file_names(tmp_path: Path, db_path: Path) -> None:
    """Paths are bytes on Linux: an export to a folder whose name is not UTF-8 works and
    echoes the name back as the same bytes."""
    with FieldNotes.open(db_path) as service:
        service.add(make_note(codes=["trust"]))
    target = os.fsencode(tmp_path) + b"/codebook-\xff.qdc"
    result = process(db_path, b"export", b"qdc", target, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    assert os.path.exists(target)
    assert target in result.stdout + result.stderr


# -------------------------------------------------------------------- ids
def test_malformed_or_ambiguous_ids_are_one_line_refusals(run: Run, db_path: Path) -> None:
    with FieldNotes.open(db_path) as service:
        for suffix in ("1111", "2222"):
            service.add(make_note(id=f"abcd{suffix}-0000-4000-8000-000000000000", title=suffix))
    before = database_bytes(db_path)
    for note_id in [
        "",
        " ",
        "abc",
        "abcd",
        "ABCD",
        "zzzz",
        "-",
        "x" * 10_000,
        "abcd\n1111",
        "\x00abcd",
        "%s",
    ]:
        for args in (["show", note_id], ["edit", note_id, "--title", "x"], ["delete", note_id, "--yes"]):
            code, _, err = run(*args)
            one_line_refusal(code, err)
    assert database_bytes(db_path) == before
    code, out, _ = run("show", " ABCD1111 ", "--json")
    assert code == 0 and json.loads(out)["title"] == "1111"


def test_usage_errors_are_one_line(run: Run) -> None:
    for args in (
        ["add", "--kind", "party"],
        ["add", "--no-such-option"],
        ["orgs", "add"],
        ["no-such-command"],
        ["orgs", "merge", "a"],
        ["list", "--kind"],
        ["report"],
    ):
        code, _, err = run(*args)
        assert code == 2 and len(err.splitlines()) == 1 and err.startswith("fieldnotes: "), (args, err)


# -------------------------------------------------------------- pipes
@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["list", "--json"],
        ["show", "NOTE"],
        ["show", "NOTE", "--json"],
        ["--help"],
        ["orgs", "add", "--help"],
    ],
    ids=" ".join,
)
def test_output_into_a_closed_pipe_is_quiet(db_path: Path, args: list[str]) -> None:
    """The reader of stdout leaves before we write (`| head -1`): exit 0, nothing on stderr."""
    with FieldNotes.open(db_path) as service:
        note_id = service.add(make_note(body="x" * 200_000)).id
    args = [note_id if arg == "NOTE" else arg for arg in args]
    proc = subprocess.Popen(
        fieldnotes_cmd(db_path, *args),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # gone before the process has even started up
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0, err
    assert err == ""


def test_list_piped_into_head_is_quiet(db_path: Path) -> None:
    with FieldNotes.open(db_path) as service:
        for number in range(200):  # 200 lines of 400 characters: more than a pipe buffer holds
            service.add(make_note(title=f"Coalition monthly meeting number {number} " + "x" * 400))
    for pipeline in ("fieldnotes list | head -1", "fieldnotes list --json | head -c 10"):
        result = subprocess.run(
            ["bash", "-o", "pipefail", "-c", pipeline],
            env={
                **os.environ,
                "FIELDNOTES_DB": str(db_path),
                "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            },
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        assert result.stdout
