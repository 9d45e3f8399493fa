"""Random argument text at every command: an answer (exit 0) or one refusal (exit 2), never a crash.

The commands are found by walking the click group, so a command added later is
fuzzed without anyone listing it here. Each example runs on a fresh copy of a
small seeded database; whenever a command does not succeed, the database
(main file and journal) must be byte for byte what it was.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldnotes.cli.common import TEXT
from fieldnotes.cli.main import cli
from fieldnotes.model import Code, Informant, Organization, Project
from fieldnotes.service import FieldNotes
from tests.conftest import ODD_TEXTS, fieldnotes_cmd, make_note

# The full-screen app cannot run headless (`new` opens it on a form); everything else is fuzzed.
SKIPPED = {(), ("demo",), ("new",)}


def command_paths(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every runnable command line prefix: leaf commands, and groups that run on their own."""
    group = isinstance(command, click.Group)
    if not group or command.invoke_without_command:
        yield path
    if group:
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None
            yield from command_paths(sub, (*path, name))


COMMANDS = [path for path in command_paths(cli) if path not in SKIPPED]


def resolve(path: tuple[str, ...]) -> click.Command:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        found = command.get_command(click.Context(command), name)
        assert found is not None
        command = found
    return command


# ------------------------------------------------------------------ the seed
SEED_IDS: list[str] = []
SEED_NAMES = ["Lakeside Outreach", "lakeside outreach ", "LO", "legitimacy", "trust", "P-01", "P-02"]


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("seed")
    db = folder / "db" / "notes.json"
    with FieldNotes.open(db) as service:
        registries = service.registries
        registries.save_organization(Organization("Lakeside Outreach", aliases=["LO"]))
        registries.save_organization(Organization("Harbor Rights Collective"))
        registries.save_code(Code("legitimacy", origin="deductive"))
        registries.save_code(Code("trust", parent="legitimacy"))
        registries.save_code(Code("care"))
        registries.save_informant(Informant("P-01", consent="verbal", real_names=["Dana Reyes"]))
        registries.save_informant(Informant("P-02"))
        registries.save_project(Project(protocol="IRB-1", destroy_by="2999-01-01"))
        notes = [
            make_note(organizations=["Lakeside Outreach"], codes=["legitimacy"], body="Dana Reyes said no."),
            make_note(kind="event", title="Fair", start="2016-02-01T10:00", private="only here"),
            make_note(kind="interview", title="Director", informant="P-01", consent="verbal"),
            make_note(kind="interview", title="Unconsented", start="9999-12-31T23:59", informant="P-02"),
        ]
        SEED_IDS[:] = [service.add(note).id for note in notes]
    FieldNotes.open(db).close()  # a second open of the day takes the daily backup: `restore 1` has one
    (folder / "files").mkdir()
    (folder / "files" / "empty.csv").write_bytes(b"")
    (folder / "files" / "garbage.bin").write_bytes(bytes(range(256)) * 4)
    (folder / "files" / "notes.jsonl").write_text('{"kind": "meeting", "title": "x", "start": ""}\n')
    (folder / "files" / "a-file").write_text("not a folder")
    good = '{"kind": "event", "title": "In", "start": "2016-03-01T09:00"}\n'
    (folder / "files" / "good.jsonl").write_text(good)
    (folder / "files" / "codes.csv").write_text("name,parent,description\nsolidarity,,when people help\n")
    return folder


def database_bytes(db: Path) -> dict[str, bytes | None]:
    """The database as it is on disk: the main file and its journal."""
    files = (db, db.with_name(db.name + ".journal"))
    return {path.name: path.read_bytes() if path.exists() else None for path in files}


# ------------------------------------------------------------ the arguments
ODD = [
    *ODD_TEXTS,
    " ",
    "-",
    "--",
    "=",
    "=1+1",
    "\udcff",
    "caf\udce9",
    "\ud800 lone",
    "\x00",
    "\x1b[31mred",
    "\u202eevil\u202c",
    "שלום עולם",
    "İstanbul ıi",
    "e\u0301",
    "𝔸𝕓𝕔 🧑🏽‍⚖️",
    ";",
    "a;b",
    "x" * 100_000,
    "9" * 5000,
    "now",
    "0",
    "9999-12-31",
    "9999-12-31 23:00",
    "0001-01-01",
    "10000-01-01",
    "0000-00-00",
    "+5h",
    "+99999999h",
    "+" + "9" * 30 + "m",
    "monday 9am",
    "25:00",
    "1",
    "#1f77b4",
    "#zzz",
    "written",
    "none recorded",
    "inductive",
    "ffff",
    "0" * 36,
    "~",
    "~0",
    "~nobody-here/x",
    "²",
    "١",
]


@st.composite
def texts(draw: st.DrawFn) -> str:
    choice = draw(st.integers(0, 4))
    if choice == 0:
        return draw(st.sampled_from(ODD))
    if choice == 1:
        return draw(st.sampled_from(SEED_NAMES))
    if choice == 2:  # an id of a seeded note, whole or in part
        full = draw(st.sampled_from(SEED_IDS))
        return draw(st.sampled_from([full, full[:4], full[:8], full.upper(), f" {full[:6]} ", full[:3]]))
    alphabet = st.characters(codec=None, exclude_categories=()) | st.sampled_from("\udcff\udc80\n\t=-+@;")
    return draw(st.text(alphabet, max_size=40))


PATHS = st.sampled_from(
    [
        "out",
        "out dir é",
        "\udcffout",
        "empty.csv",
        "garbage.bin",
        "notes.jsonl",
        "good.jsonl",
        "codes.csv",
        "a-file",
        "a-file/child",
        "missing/deeper/x.qdpx",
        "x.qdpx",
        "x.qdc",
        ".",
        "",
    ]
)


def values_for(param: click.Parameter) -> st.SearchStrategy[str]:
    if isinstance(param.type, click.Path):
        return PATHS
    if isinstance(param.type, click.Choice):
        return st.sampled_from([str(choice) for choice in param.type.choices]) | texts()
    return texts()


def baseline(path: tuple[str, ...]) -> tuple[list[str], list[str]] | None:
    """Options and arguments with which the command succeeds on the seed, for the fuzz
    to build on, so that it reaches past the first refusal. A command not listed is
    fuzzed from nothing."""
    first, second = SEED_IDS[0], SEED_IDS[1]
    known: dict[tuple[str, ...], tuple[list[str], list[str]]] = {
        ("add",): (["--kind", "meeting", "--title", "T"], []),
        ("edit",): (["--title", "T"], [first]),
        ("show",): ([], [first[:8]]),
        ("delete",): (["--yes"], [second]),
        ("orgs", "add"): ([], ["New Org"]),
        ("orgs", "edit"): ([], ["LO"]),
        ("orgs", "rename"): ([], ["Lakeside Outreach", "Lakeshore Outreach"]),
        ("orgs", "merge"): (["--yes"], ["Harbor Rights Collective", "Lakeside Outreach"]),
        ("people", "add"): ([], ["P-09"]),
        ("people", "edit"): ([], ["P-01"]),
        ("codes", "add"): ([], ["new code"]),
        ("codes", "edit"): ([], ["trust"]),
        ("codes", "rename"): ([], ["trust", "faith"]),
        ("codes", "merge"): (["--yes"], ["care", "trust"]),
        ("codes", "move"): (["--top"], ["trust"]),
        ("codes", "import"): ([], ["codes.csv"]),
        ("import",): ([], ["good.jsonl"]),
        ("restore",): ([], ["1"]),
        ("export", "nvivo"): ([], ["out"]),
        ("export", "qdpx"): ([], ["x.qdpx"]),
        ("export", "qdc"): ([], ["x.qdc"]),
    }
    return known.get(path)


@st.composite
def argument_lists(draw: st.DrawFn, path: tuple[str, ...]) -> list[str]:
    """A command line for the command at `path`: its options in any order and number, its arguments."""
    command = resolve(path)
    args: list[str] = []
    if draw(st.booleans()):
        args.append(draw(st.sampled_from(["--dayfirst", "--monthfirst"])))
    args.extend(path)
    base = baseline(path) if draw(st.booleans()) else None
    if base:
        args.extend(base[0])
    options = [p for p in command.params if isinstance(p, click.Option)]
    for option in draw(st.lists(st.sampled_from(options), max_size=6)) if options else []:
        name = draw(st.sampled_from(option.opts + option.secondary_opts))
        if option.is_flag:
            args.append(name)
        elif draw(st.booleans()):
            args.append(f"{name}={draw(values_for(option))}")
        else:
            args += [name, draw(values_for(option))]
    if base:
        return [*args, *base[1]]
    for argument in (p for p in command.params if isinstance(p, click.Argument)):
        if draw(st.integers(0, 9)):  # now and then leave it out
            args.append(draw(values_for(argument)))
    return args


WARNING = "fieldnotes: warning"

# An import refused lists its bad rows, one a line, under the first.
ROW_BY_ROW = {("import",), ("codes", "import")}


def shorten(text: str) -> str:
    return text if len(text) < 300 else f"{text[:150]}...({len(text)} characters)...{text[-100:]}"


# --------------------------------------------------------------- the test
@pytest.mark.parametrize("path", COMMANDS, ids=lambda path: " ".join(path))
def test_no_traceback_from_any_argument(
    seed: Path, tmp_path_factory: pytest.TempPathFactory, path: tuple[str, ...]
) -> None:
    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(args=argument_lists(path))
    def check(args: list[str]) -> None:
        work = tmp_path_factory.mktemp("fuzz")
        shutil.copytree(seed, work, dirs_exist_ok=True)
        db = work / "db" / "notes.json"
        before = database_bytes(db)
        runner = CliRunner(
            env={"FIELDNOTES_DB": str(db), "FIELDNOTES_PASSPHRASE": None, "FIELDNOTES_DAYFIRST": None}
        )
        cwd = os.getcwd()
        os.chdir(work / "files")
        try:
            result = runner.invoke(cli, args)
        finally:
            os.chdir(cwd)
        shown = f"{[shorten(arg) for arg in args]!r}\nexit {result.exit_code}\n{shorten(result.stderr)}"
        assert result.exception is None or isinstance(result.exception, SystemExit), shown
        assert "Traceback" not in result.output, shown
        assert result.exit_code in (0, 2), shown
        if result.exit_code != 0:
            assert database_bytes(db) == before, shown
            errors = [line for line in result.stderr.splitlines() if not line.startswith(WARNING)]
            assert errors and errors[0].startswith("fieldnotes: "), shown
            assert len(errors) == 1 or path in ROW_BY_ROW, shown
        shutil.rmtree(work, ignore_errors=True)

    check()


def test_the_fuzz_reaches_every_command() -> None:
    """The walk finds the commands people use, nested ones included: a guard on the walk itself."""
    for expected in [("add",), ("edit",), ("orgs", "add"), ("people", "add"), ("project", "set"), ("codes",)]:
        assert expected in COMMANDS
    assert len(COMMANDS) >= 30


@st.composite
def byte_command_lines(draw: st.DrawFn) -> list[bytes]:
    """A command with one text option or argument given as raw bytes, valid UTF-8 or not."""
    path = draw(st.sampled_from([p for p in COMMANDS if p not in {("encrypt",), ("decrypt",)}]))
    command = resolve(path)
    texts = [p for p in command.params if isinstance(p.type, click.types.StringParamType | type(TEXT))]
    raw = draw(st.binary(min_size=1, max_size=12).filter(lambda value: b"\x00" not in value))
    line = [name.encode() for name in path]
    if texts:
        param = draw(st.sampled_from(texts))
        line += [param.opts[0].encode(), raw] if isinstance(param, click.Option) else [raw]
    return line


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(line=byte_command_lines())
def test_no_traceback_from_argument_bytes_in_a_real_process(seed: Path, line: list[bytes]) -> None:
    """The same promise where argv really is bytes: the OS hands Python what the shell gave."""
    work = seed.parent / f"bytes-{os.urandom(6).hex()}"
    shutil.copytree(seed, work)
    db = work / "db" / "notes.json"
    before = database_bytes(db)
    result = subprocess.run(
        [*fieldnotes_cmd(db), *line],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        cwd=work / "files",
        timeout=60,
    )
    err = result.stderr.decode("utf-8", "replace")
    assert b"Traceback" not in result.stderr, (line, err)
    assert result.returncode in (0, 2), (line, err)
    if result.returncode:
        assert database_bytes(db) == before, (line, err)
    shutil.rmtree(work, ignore_errors=True)
