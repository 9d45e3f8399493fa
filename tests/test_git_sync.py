"""git as the sync engine, with real git in temporary folders: a bare hub (a server or a
USB stick), two clones that diverge, push and pull; plain and encrypted databases."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fieldnotes.merge.conflicts import list_conflicts
from fieldnotes.service import FieldNotes, encrypt_database
from tests.conftest import PASSPHRASE

DB = "fieldwork/notes.json"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("FIELDNOTES_", "GIT_"))}
    return {
        **clean,
        "HOME": str(home),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.org",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.org",
    }


def git(cwd: Path, env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert not check or result.returncode == 0, f"git {args}: {result.stdout}\n{result.stderr}"
    return result


def fieldnotes(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "fieldnotes", "--db", DB, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert result.returncode == 0, f"fieldnotes {args}: {result.stdout}\n{result.stderr}"
    return result


def add(cwd: Path, env: dict[str, str], title: str, *extra: str) -> str:
    return fieldnotes(
        cwd, env, "add", "--kind", "meeting", "--title", title, "--when", "17 Jan 2016 8:30", *extra
    ).stdout.strip()


def open_db(clone: Path, passphrase: str | None) -> FieldNotes:
    return FieldNotes.open(clone / DB, passphrase=passphrase)


def start_team(tmp_path: Path, env: dict[str, str], passphrase: str | None) -> tuple[Path, Path, str]:
    """A hub, and Alice's and Bob's clones of a repository holding one database with one note."""
    hub, alice, bob = tmp_path / "usb-stick" / "hub.git", tmp_path / "alice", tmp_path / "bob"
    git(tmp_path, env, "init", "-q", "--bare", "-b", "main", str(hub))
    git(tmp_path, env, "clone", "-q", str(hub), str(alice))
    git(alice, env, "checkout", "-q", "-b", "main")
    base = add(alice, env, "Coalition monthly", "--body", "base body", "--org", "Harbor Rights Collective")
    if passphrase:
        encrypt_database(alice / DB, passphrase)
    fieldnotes(alice, env, "git-setup")
    git(alice, env, "add", "-A")
    git(alice, env, "commit", "-qm", "the database")
    git(alice, env, "push", "-q", "-u", "origin", "main")
    git(tmp_path, env, "clone", "-q", "-b", "main", str(hub), str(bob))
    fieldnotes(bob, env, "git-setup")
    return alice, bob, base


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
def test_diverged_clones_merge_by_note_on_pull(tmp_path: Path, env: dict[str, str], encrypted: bool) -> None:
    passphrase = PASSPHRASE if encrypted else None
    if passphrase:
        env = {**env, "FIELDNOTES_PASSPHRASE": passphrase}
    alice, bob, base = start_team(tmp_path, env, passphrase)
    # Bob: edits the body, adds an event; commits (the hook folds the journal) and pushes
    fieldnotes(bob, env, "edit", base, "--body", "Bob's body 🎉")
    bobs = add(bob, env, "Bob's meeting", "--org", "Lakeside Outreach")
    git(bob, env, "commit", "-qam", "bob's notes")
    git(bob, env, "push", "-q", "origin", "HEAD:main")
    # Alice: edits the title and the body, adds an interview; commits; pulls
    fieldnotes(alice, env, "edit", base, "--title", "Coalition monthly (Jan)", "--body", "Alice's body")
    alices = add(alice, env, "Alice's meeting", "--code", "legitimacy")
    git(alice, env, "commit", "-qam", "alice's notes")
    pulled = git(alice, env, "pull", "--no-edit", "origin", "main")
    assert "CONFLICT" not in pulled.stdout + pulled.stderr
    assert git(alice, env, "status", "--porcelain").stdout == ""  # merged and committed, nothing left over
    raw = (alice / DB).read_bytes()
    assert b"<<<<<<<" not in raw and raw.startswith(b"FIELDNOTES-ENCRYPTED v1\n") == encrypted
    with open_db(alice, passphrase) as service:
        assert {n.id for n in service.notes()} == {base, bobs, alices}
        note = service.get(base)
        assert note.title == "Coalition monthly (Jan)"  # only Alice changed it
        (conflict,) = list_conflicts(service)  # both changed the body: both kept
        assert {v["value"] for v in conflict.values} == {"Bob's body 🎉", "Alice's body"}
        assert note.body in {"Bob's body 🎉", "Alice's body"}
        assert {o.name for o in service.registries.organizations()} >= {
            "Harbor Rights Collective",
            "Lakeside Outreach",
        }
    # Alice pushes the merge; Bob pulls it (a fast-forward) and has the same notes and conflict
    git(alice, env, "push", "-q", "origin", "HEAD:main")
    git(bob, env, "pull", "-q", "--no-edit", "origin", "main")
    with open_db(alice, passphrase) as one, open_db(bob, passphrase) as two:
        assert {n.id: n.to_dict() for n in one.notes()} == {n.id: n.to_dict() for n in two.notes()}
        assert [c.guid for c in list_conflicts(one)] == [c.guid for c in list_conflicts(two)]


def test_changes_still_in_the_journal_survive_a_pull(tmp_path: Path, env: dict[str, str]) -> None:
    """A note saved but not committed lives in the journal; git replaces the file under it.
    The post-merge hook merges it back instead of letting it be replayed onto the new file."""
    alice, bob, _ = start_team(tmp_path, env, None)
    bobs = add(bob, env, "Bob's pushed note")
    git(bob, env, "commit", "-qam", "bob")
    git(bob, env, "push", "-q", "origin", "HEAD:main")
    unsaved = add(alice, env, "Alice's note, not committed yet")
    assert (alice / (DB + ".journal")).exists()
    git(alice, env, "pull", "-q", "--no-edit", "origin", "main")  # a fast-forward: no driver runs
    with open_db(alice, None) as service:
        titles = {n.id: n.title for n in service.notes()}
    assert bobs in titles and unsaved in titles, titles
    assert not list((alice / "fieldwork").glob("notes.json.journal.*"))  # nothing left aside


def test_the_driver_leaves_ours_untouched_when_it_cannot_merge(tmp_path: Path, env: dict[str, str]) -> None:
    alice, _, _ = start_team(tmp_path, env, None)
    ours = alice / DB
    before = ours.read_bytes()
    (tmp_path / "theirs.json").write_bytes(b"<<<<<<< not a database")
    (tmp_path / "base.json").write_bytes(b"")
    cmd = [sys.executable, "-m", "fieldnotes", "merge-driver", "base.json", str(ours), "theirs.json"]
    result = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert ours.read_bytes() == before
    encrypted = tmp_path / "sealed.json"
    encrypted.write_bytes(before)
    encrypt_database(encrypted, PASSPHRASE)
    listing = sorted(tmp_path.iterdir())
    cmd[-1] = str(encrypted)
    result = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "passphrase" in result.stderr and ours.read_bytes() == before
    assert sorted(tmp_path.iterdir()) == listing  # no lock, index or journal left beside git's files


def test_git_setup_is_idempotent_and_keeps_a_hook_of_yours(tmp_path: Path, env: dict[str, str]) -> None:
    repo = tmp_path / "repo"
    git(tmp_path, env, "init", "-q", str(repo))
    add(repo, env, "x")
    mine = repo / ".git" / "hooks" / "post-checkout"
    mine.write_text("#!/bin/sh\necho mine\n")
    first = fieldnotes(repo, env, "git-setup")
    assert "yours was left as it is" in first.stdout and mine.read_text() == "#!/bin/sh\necho mine\n"
    attributes, ignore = (repo / ".gitattributes").read_text(), (repo / ".gitignore").read_text()
    fieldnotes(repo, env, "git-setup")
    assert (repo / ".gitattributes").read_text() == attributes and (repo / ".gitignore").read_text() == ignore
    assert f"/{DB} merge=fieldnotes" in attributes
    for line in ("/fieldwork/notes.json.journal", "/fieldwork/notes.json.lock", "/fieldwork/backups/"):
        assert line in ignore.splitlines()
    git(repo, env, "add", "-A")
    status = git(repo, env, "status", "--porcelain").stdout
    assert (
        "journal" not in status and "lock" not in status and "backups" not in status and "index" not in status
    )
    driver = git(repo, env, "config", "merge.fieldnotes.driver").stdout.strip()
    assert driver.endswith("merge-driver %O %A %B") and sys.executable in driver


def test_git_setup_outside_a_working_tree_is_refused(tmp_path: Path, env: dict[str, str]) -> None:
    folder = tmp_path / "no-repo"
    folder.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "fieldnotes", "--db", "notes.json", "git-setup"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2 and "git init" in result.stderr
    assert list(folder.iterdir()) == []


def test_an_encrypted_commit_without_the_passphrase_is_stopped_not_incomplete(
    tmp_path: Path, env: dict[str, str]
) -> None:
    with_passphrase = {**env, "FIELDNOTES_PASSPHRASE": PASSPHRASE}
    alice, _, _ = start_team(tmp_path, with_passphrase, PASSPHRASE)
    add(alice, with_passphrase, "saved, still in the journal")
    committed = git(alice, env, "commit", "-qam", "no passphrase", check=False)
    assert committed.returncode != 0 and "FIELDNOTES_PASSPHRASE" in committed.stderr
    assert git(alice, env, "log", "--oneline").stdout.count("\n") == 1  # nothing was committed
    # git finds nothing to commit before its hook runs: `fieldnotes sync` folds first
    fieldnotes(alice, with_passphrase, "sync", "-m", "with it")
    assert "with it" in git(alice, env, "log", "--oneline").stdout
    with open_db(alice, PASSPHRASE) as service:
        assert "saved, still in the journal" in {n.title for n in service.notes()}
    assert not (alice / (DB + ".journal")).exists()


def test_sync_commits_notes_still_in_the_journal_and_exchanges_them(
    tmp_path: Path, env: dict[str, str]
) -> None:
    alice, bob, _ = start_team(tmp_path, env, None)
    for clone in (alice, bob):  # a first full load folds on close: from here on, saves stay in the journal
        fieldnotes(clone, env, "list")
    bobs = add(bob, env, "Bob's note")
    alices = add(alice, env, "Alice's note")
    assert (alice / (DB + ".journal")).exists() and (bob / (DB + ".journal")).exists()
    fieldnotes(bob, env, "sync")
    fieldnotes(alice, env, "sync", "-m", "alice's day")
    fieldnotes(bob, env, "sync")
    for clone in (alice, bob):
        with open_db(clone, None) as service:
            assert {bobs, alices} <= {n.id for n in service.notes()}
        assert git(clone, env, "status", "--porcelain").stdout == ""
    assert "alice's day" in git(bob, env, "log", "--oneline").stdout
