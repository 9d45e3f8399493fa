"""`NamesBeside`: the name check in a helper process while the export writes, never skipped."""

from __future__ import annotations

import io
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from fieldnotes.errors import FieldnotesError
from fieldnotes.export import beside
from fieldnotes.export.beside import NamesBeside, serve
from fieldnotes.privacy import CheckedTexts, gather_texts, possible_names
from fieldnotes.service import FieldNotes
from tests.conftest import make_note

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and /proc")

KNOWN = ["P-03", "Harbor Rights Collective"]
NOTES = [
    make_note(title="Met Officer Brandt", body="Rosa said no.\nHarbor staff came.", people=["Dana"]),
    make_note(
        title="Follow-up",
        body='Brandt\'s team; rosa? é\u0301 İstanbul 🙂 "=1+2", comma',
        private="We met Zed.",
    ),
    make_note(title="x" * 600_000, body="Then Officer\nMay left"),  # a long text, a title at a line's end
]


def _gathered(notes: list, **kwargs: object) -> tuple[list[str], object]:
    return gather_texts(notes, **kwargs)  # type: ignore[arg-type]


def _here(notes: list, **kwargs: object) -> list:
    return possible_names(CheckedTexts.joining(*_gathered(notes, **kwargs)), KNOWN)  # type: ignore[arg-type]


@pytest.mark.parametrize("chunk", [16, 1 << 20], ids=["small-chunks", "one-chunk"])
@pytest.mark.parametrize("private", [False, True])
def test_the_helper_finds_what_the_check_here_finds(
    private: bool, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(beside, "_CHUNK", chunk)  # texts split across chunks, or many in one
    texts, layout = _gathered(NOTES, include_private=private)
    with NamesBeside(KNOWN) as helper:
        assert helper.running
        helper.send(texts, layout)
        found = helper.result()
    assert found is not None
    assert found == _here(NOTES, include_private=private)
    words = {p.word for p in found}
    assert {"Brandt", "Dana", "May"} <= words and ("Zed" in words) == private


def test_no_texts_at_all() -> None:
    with NamesBeside(KNOWN) as helper:
        helper.send(*_gathered([]))
        assert helper.result() == []


def _keep_helpers(monkeypatch: pytest.MonkeyPatch) -> list[subprocess.Popen[bytes]]:
    """Every helper started from now on, to look at after the fact."""
    helpers: list[subprocess.Popen[bytes]] = []
    spawn = beside._spawn

    def kept() -> subprocess.Popen[bytes] | None:
        helper = spawn()
        assert helper is not None
        helpers.append(helper)
        return helper

    monkeypatch.setattr(beside, "_spawn", kept)
    return helpers


def _helper_of(names: NamesBeside) -> subprocess.Popen[bytes]:
    helper = names._helper
    assert helper is not None
    return helper


def test_a_helper_killed_mid_work_gives_no_answer_and_is_reaped() -> None:
    texts, layout = _gathered(NOTES)
    with NamesBeside(KNOWN) as names:
        helper = _helper_of(names)
        os.kill(helper.pid, signal.SIGKILL)
        helper.wait()
        names.send(texts, layout)  # into a closed pipe: no error here
        assert names.result() is None
    assert helper.returncode == -signal.SIGKILL


def test_leaving_early_stops_a_helper_still_waiting() -> None:
    started = time.monotonic()
    with pytest.raises(KeyError), NamesBeside(KNOWN) as names:
        helper = _helper_of(names)
        raise KeyError("the writer failed")
    assert helper.returncode is not None  # reaped, not left a zombie
    assert time.monotonic() - started < 10


def test_a_helper_that_cannot_start_leaves_the_check_to_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(beside.sys, "executable", "")
    names = NamesBeside(KNOWN)
    assert not names.running
    names.send(*_gathered(NOTES))
    assert names.result() is None
    monkeypatch.setattr(beside.sys, "executable", "/nonexistent/python")
    assert not NamesBeside(KNOWN).running


@pytest.mark.parametrize(
    "damage",
    [b"", b"\x00" * 3, beside._LENGTH.pack(10) + b"short", beside._LENGTH.pack(0) + b"not a pickle"],
)
def test_the_helper_answers_an_error_on_a_broken_stream(damage: bytes) -> None:
    out = io.BytesIO()
    serve(io.BytesIO(damage), out)
    status, _ = pickle.loads(out.getvalue())
    assert status == "error"


def test_an_error_answer_leaves_the_check_to_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    """The parent sends a layout the texts do not fit: the helper fails, says so, and the
    caller is told there is no answer."""
    texts, _ = _gathered(NOTES)
    with NamesBeside(KNOWN) as names:
        names.send(texts, "not a layout")  # type: ignore[arg-type]
        assert names.result() is None


@pytest.mark.parametrize("helped", [True, False], ids=["helper", "here"])
def test_an_export_checks_names_the_same_with_or_without_a_helper(
    service: FieldNotes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, helped: bool
) -> None:
    for note in NOTES[:2]:
        service.add(note)
    monkeypatch.setattr(beside, "HELPER_MIN_NOTES", 0 if helped else 10**9)
    spawned: list[int] = []
    spawn = beside._spawn

    def counted() -> subprocess.Popen[bytes] | None:
        helper = spawn()
        spawned.append(1)
        return helper

    monkeypatch.setattr(beside, "_spawn", counted)
    answers: list[object] = []
    result = NamesBeside.result

    def answered(names: NamesBeside) -> object:
        answers.append(result(names))
        return answers[-1]

    monkeypatch.setattr(NamesBeside, "result", answered)
    report = service.export_nvivo(tmp_path / "out")
    assert spawned == ([1] if helped else [])
    # The helper's own answer was used, not the check the process falls back to.
    assert [isinstance(answer, list) and bool(answer) for answer in answers] == ([True] if helped else [])
    text = "\n".join(report.warnings)
    assert "Brandt" in text and "Dana" in text and "Zed" not in text


def test_a_failed_export_leaves_no_helper_behind(
    service: FieldNotes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(beside, "HELPER_MIN_NOTES", 0)
    service.add(make_note(title="Met Officer Brandt", body="Rosa said no."))
    target = tmp_path / "exists.qdpx"
    target.write_text("keep me")
    helpers = _keep_helpers(monkeypatch)
    with pytest.raises(FieldnotesError):
        service.export_qdpx(target)
    assert target.read_text() == "keep me"
    assert len(helpers) == 1 and helpers[0].returncode is not None


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads /proc")
def test_the_helper_is_told_nothing_of_the_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIELDNOTES_PASSPHRASE", "correct horse")
    monkeypatch.setenv("FIELDNOTES_DB", "/secret/notes.json")
    with NamesBeside(KNOWN) as names:
        environ = Path(f"/proc/{_helper_of(names).pid}/environ").read_bytes()
    assert b"FIELDNOTES" not in environ and b"correct horse" not in environ


def test_a_check_asked_for_on_its_own_runs_here(service: FieldNotes, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app checks before it writes (to say so): nothing to overlap, so no helper."""
    monkeypatch.setattr(beside, "HELPER_MIN_NOTES", 0)
    monkeypatch.setattr(beside, "_spawn", lambda: pytest.fail("a helper was started"))
    service.add(make_note(title="Met Officer Brandt"))
    job = service.prepare_export(check=False).checked()
    assert any("Brandt" in warning for warning in job.warnings)


def test_a_helper_that_answers_the_wrong_thing_leaves_the_check_to_the_caller(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    texts, layout = _gathered(NOTES)
    with NamesBeside(KNOWN) as names:
        names.send(texts, layout)
        helper = _helper_of(names)
        monkeypatch.setattr(helper.stdout, "read", lambda: pickle.dumps(("ok", ["not", "names"])))
        assert names.result() is None


@pytest.mark.parametrize("texts_sent", [slice(None, -1), slice(None)], ids=["one-short", "all"])
def test_the_helper_refuses_texts_that_do_not_fit_their_layout(texts_sent: slice) -> None:
    texts, layout = _gathered(NOTES)

    def piece(data: bytes) -> bytes:
        return beside._LENGTH.pack(len(data)) + data

    data = ("\n".join(texts[texts_sent]) + "\n").encode()
    stream = piece(pickle.dumps((layout, KNOWN, 5))) + piece(data) + beside._LENGTH.pack(0)
    out = io.BytesIO()
    serve(io.BytesIO(stream), out)
    status, found = pickle.loads(out.getvalue())
    if texts_sent == slice(None):  # the stream as the parent sends it: answered
        assert (status, found) == ("ok", _here(NOTES))
    else:
        assert status == "error"


def test_an_interrupted_gathering_leaves_no_helper_behind(
    service: FieldNotes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fieldnotes.privacy as privacy

    monkeypatch.setattr(beside, "HELPER_MIN_NOTES", 0)
    service.add(make_note(title="Met Officer Brandt"))
    helpers = _keep_helpers(monkeypatch)

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(privacy, "gather_texts", interrupted)
    with pytest.raises(KeyboardInterrupt):
        service.export_nvivo(tmp_path / "out")
    assert len(helpers) == 1 and helpers[0].returncode is not None


def test_an_export_whose_check_cannot_finish_says_so_and_is_in_the_ledger(
    service: FieldNotes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The files are written before the check's answer is taken: when it cannot be had
    (here no helper answer, and the check in the process fails), the export is not silent."""
    import fieldnotes.privacy as privacy
    from fieldnotes.errors import UncheckedExportError

    monkeypatch.setattr(beside, "HELPER_MIN_NOTES", 0)
    monkeypatch.setattr(NamesBeside, "result", lambda names: None)
    service.add(make_note(title="Met Officer Brandt"))

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the check broke")

    monkeypatch.setattr(privacy, "possible_names", broken)
    with pytest.raises(UncheckedExportError, match="check-names") as caught:
        service.export_nvivo(tmp_path / "out")
    assert (tmp_path / "out" / "notes.csv").exists()
    assert caught.value.report.target == tmp_path / "out"
    assert [record.path for record in service.exports()] == [str((tmp_path / "out").absolute())]


def test_sending_does_not_hold_the_writer_up_while_the_helper_works(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pipe holds 64 KB and the helper reads as fast as it scans: `send` hands the texts
    to a thread of their own and returns, so the export writes meanwhile."""
    started = threading.Event()

    def slow_reader() -> subprocess.Popen[bytes] | None:
        # A helper that reads nothing for a second and a half, then serves as usual.
        code = "import sys, time; time.sleep(1.5); from fieldnotes.export.beside import serve; "
        code += "serve(sys.stdin.buffer, sys.stdout.buffer)"
        started.set()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(path for path in sys.path if path)}
        return subprocess.Popen(
            [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env
        )

    monkeypatch.setattr(beside, "_spawn", slow_reader)
    many = [make_note(title=f"Visit {number}", body="Officer Brandt came. " * 200) for number in range(300)]
    texts, layout = _gathered(many)
    assert sum(map(len, texts)) > 1_000_000  # far more than a pipe holds
    with NamesBeside(KNOWN) as names:
        before = time.monotonic()
        names.send(texts, layout)
        assert time.monotonic() - before < 1.0  # not blocked until the helper reads
        assert names.result() == _here(many)
    assert started.is_set()


def test_a_helper_killed_while_the_texts_are_sent_gives_no_answer_and_no_hang() -> None:
    many = [make_note(title=f"Visit {number}", body="Officer Brandt came. " * 200) for number in range(300)]
    texts, layout = _gathered(many)
    started = time.monotonic()
    with NamesBeside(KNOWN) as names:
        helper = _helper_of(names)
        os.kill(helper.pid, signal.SIGSTOP)  # reads nothing: the sender blocks on the full pipe
        names.send(texts, layout)
        time.sleep(0.2)
        os.kill(helper.pid, signal.SIGKILL)
        assert names.result() is None  # the sender's write failed; the caller checks itself
    assert time.monotonic() - started < 10
    assert not any(thread.name == "fieldnotes-names-beside" for thread in threading.enumerate())


def test_a_ctrl_c_while_waiting_for_the_sender_stops_it_before_the_pipe_is_closed(
    ctrl_c: Callable[[float], None],
) -> None:
    """On Python 3.11 and 3.12 an interrupted `join` marks a thread stopped whether it is or
    not: the wait is on the sender's own event, and the sender closes the pipe itself."""
    many = [make_note(title=f"Visit {number}", body="Officer Brandt came. " * 200) for number in range(300)]
    texts, layout = _gathered(many)
    names = NamesBeside(KNOWN)
    helper = _helper_of(names)
    os.kill(helper.pid, signal.SIGSTOP)  # reads nothing: the sender blocks on the full pipe
    names.send(texts, layout)
    ctrl_c(0.3)  # while `result` waits for the sender
    with pytest.raises(KeyboardInterrupt):
        names.result()
    assert not any(thread.name == "fieldnotes-names-beside" for thread in threading.enumerate())
    assert helper.poll() is not None  # killed and reaped
    assert names.result() is None  # and nothing more to say
