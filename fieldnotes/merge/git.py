"""git as the sync engine: `fieldnotes git-setup`, the merge driver's hooks, and their care.

`setup` makes a git working tree that holds the database merge it by note:

* `.gitattributes` gives the database file the `fieldnotes` merge driver (and no
  text conversion or textual diff: it is one line of JSON, or sealed bytes);
* the repository's config says what the driver runs: `<command> merge-driver %O %A %B`;
* `.gitignore` leaves out what lives beside the database: the lock, the journal, the
  index, drafts, backups and temp files;
* hooks: `pre-commit` folds the journal into the database file and stages it, so the
  commit is complete; `post-merge` and `post-checkout` bring back any change that
  was still in the journal when git replaced the file (see `rescue_journal`).

A change saved a moment ago lives in `<db>.journal` until it is folded. git never
sees the journal, so `git pull` may replace the database file under it; the journal
then belongs to the file that was replaced. `rescue_journal` sets it aside at once,
rebuilds what it described on top of the replaced version (which git still has),
and merges that into the new file, so nothing typed before the pull is lost.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from fieldnotes.errors import InputError, PassphraseNeededError, StorageError
from fieldnotes.paths import resolve_db_path

DRIVER = "fieldnotes"
MARKER = "# fieldnotes git-setup"
HOOKS = ("pre-commit", "post-merge", "post-checkout")


def default_command() -> str:
    """This Python running fieldnotes: works whatever PATH the git process has."""
    return shlex.join([sys.executable, "-m", "fieldnotes"])


def git(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    try:
        result = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120
        )
    except FileNotFoundError:
        raise InputError("git is not installed (or not on PATH): install git first") from None
    if check and result.returncode != 0:
        raise InputError(f"git {' '.join(args)} failed: {result.stderr.strip() or result.stdout.strip()}")
    return result


def work_tree(db_path: Path) -> Path:
    """The top of the git working tree that holds the database."""
    folder = db_path.parent
    if not folder.is_dir():
        raise InputError(f"the folder of the database, {folder}, does not exist")
    result = git("rev-parse", "--show-toplevel", cwd=folder, check=False)
    if result.returncode != 0 or not result.stdout.strip():
        raise InputError(
            f"{folder} is not in a git working tree: run `git init` (or `git clone`) there first, "
            "or keep the database in one"
        )
    return Path(os.path.realpath(result.stdout.strip()))


@dataclass
class Setup:
    top: Path
    relative: str
    done: list[str] = field(default_factory=list)


def _add_lines(path: Path, lines: list[str], header: str) -> bool:
    """Append the lines `path` lacks (under `header`). True when the file changed."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    have = {line.strip() for line in text.splitlines()}
    missing = [line for line in lines if line.strip() not in have]
    if not missing:
        return False
    if text and not text.endswith("\n"):
        text += "\n"
    text += "\n".join([header, *missing]) + "\n"
    path.write_text(text, encoding="utf-8")
    return True


def ignored(relative: str) -> list[str]:
    """What `.gitignore` should leave out, for the database at `relative` (posix, from the top)."""
    folder, _, name = relative.rpartition("/")
    here = f"/{folder}/" if folder else "/"
    return [
        f"/{relative}.lock",
        f"/{relative}.journal",
        f"/{relative}.journal.*",
        f"/{relative}.index",
        f"/{relative}.draft",
        f"/{relative}.draft.damaged",
        f"/{relative}.drafts/",
        f"{here}backups/",
        f"{here}.{name}.*.tmp",
    ]


def setup(db_path: Path | str, *, command: str | None = None) -> Setup:
    """Set up the working tree that holds the database (see the module docstring). Idempotent."""
    path = resolve_db_path(db_path)
    top = work_tree(path)
    relative = path.relative_to(top).as_posix()
    if relative.startswith(".git/"):
        raise InputError("the database is inside .git: keep it in the working tree")
    out = Setup(top, relative)
    command = command or default_command()
    attributes = f"/{relative} merge={DRIVER} -text -diff"
    if _add_lines(top / ".gitattributes", [attributes], "# fieldnotes: merge the database by note"):
        out.done.append(f".gitattributes: {attributes}")
    if _add_lines(top / ".gitignore", ignored(relative), "# fieldnotes: files beside the database"):
        out.done.append(".gitignore: the lock, journal, index, drafts, backups and temp files")
    git("config", f"merge.{DRIVER}.name", "fieldnotes: merge databases by note", cwd=top)
    git("config", f"merge.{DRIVER}.driver", f"{command} merge-driver %O %A %B", cwd=top)
    git("config", "pull.rebase", "false", cwd=top)  # a rebase replays commits without the hooks' care
    out.done.append(f"git config merge.{DRIVER}.driver: {command} merge-driver %O %A %B")
    hooks = Path(git("rev-parse", "--git-path", "hooks", cwd=top).stdout.strip())
    hooks = hooks if hooks.is_absolute() else top / hooks
    hooks.mkdir(parents=True, exist_ok=True)
    for name in HOOKS:
        out.done.append(_write_hook(hooks / name, name, command, relative))
    return out


def _write_hook(path: Path, name: str, command: str, relative: str) -> str:
    line = f'{command} --db {shlex.quote(relative)} git-hook {name} "$@"'
    script = f"#!/bin/sh\n{MARKER}: see `fieldnotes git-setup --help`. Delete this file to stop it.\n{line}\n"
    if path.exists() and MARKER not in path.read_text(encoding="utf-8", errors="replace"):
        return f"hook {name}: yours was left as it is; add this line to it:  {line}"
    path.write_text(script, encoding="utf-8")
    path.chmod(0o755)
    return f"hook {name}: {line}"


# ------------------------------------------------------------------ hooks
def tracked(top: Path, relative: str) -> bool:
    return git("ls-files", "--error-unmatch", "--", relative, cwd=top, check=False).returncode == 0


def pre_commit(db_path: Path | str, *, passphrase: str | None) -> bool:
    """Fold the journal into the database file and stage it. True when there was a journal."""
    from fieldnotes.storage.durable import DurableStorage

    path = resolve_db_path(db_path)
    journal = path.with_name(path.name + ".journal")
    if not journal.exists() or not journal.stat().st_size:
        return False
    top = work_tree(path)
    try:
        DurableStorage(path, passphrase=passphrase).fold()
    except PassphraseNeededError:
        raise PassphraseNeededError(
            f"{path.name} is encrypted and has changes not yet in the file: set FIELDNOTES_PASSPHRASE "
            "when committing, or run `fieldnotes flush` first. Nothing was committed."
        ) from None
    relative = path.relative_to(top).as_posix()
    if tracked(top, relative):
        git("add", "--", relative, cwd=top)
    return True


def rescue_journal(db_path: Path | str, old_commit: str, *, passphrase: str | None) -> str | None:
    """After git replaced the database file: merge what the journal still held into the new file.

    The journal was written over the version of `old_commit`. It is set aside first (so
    nothing replays it over the new file), replayed over that version in a scratch
    folder, and the result merged into the database. Returns what was done, or None
    when there was nothing to do."""
    from fieldnotes.merge.files import merge_into, read_copy

    path = resolve_db_path(db_path)
    journal = path.with_name(path.name + ".journal")
    if not journal.exists() or not journal.stat().st_size:
        return None
    top = work_tree(path)
    relative = path.relative_to(top).as_posix()
    shown = subprocess.run(
        ["git", "show", f"{old_commit}:{relative}"], cwd=top, capture_output=True, stdin=subprocess.DEVNULL
    )
    if shown.returncode != 0:
        return None  # the database was not in that commit: the journal is the new file's
    old = shown.stdout
    if path.exists() and old == path.read_bytes():
        return None  # the file was not replaced: the journal is still its own
    aside = journal.with_name(f"{journal.name}.before-{old_commit[:12]}")
    os.replace(journal, aside)
    with tempfile.TemporaryDirectory(prefix="fieldnotes-rescue-") as scratch:
        copy = Path(scratch) / "before.json"
        copy.write_bytes(old)
        copy.with_name(copy.name + ".journal").write_bytes(aside.read_bytes())
        try:
            before = read_copy(copy, passphrase=passphrase, what="the version before git's update")
            outcome = merge_into(path, before, passphrase=passphrase)
        except Exception as exc:
            raise StorageError(
                f"changes saved before git updated {relative} are kept in {aside}, and could not be merged "
                f"back ({exc}). To merge them: git show {old_commit}:{relative} > before.json; "
                f"cp '{aside}' before.json.journal; fieldnotes --db '{path}' merge before.json"
            ) from None
    aside.unlink()
    return f"merged back the changes saved before git updated {relative}: {outcome.report.notes.line()}"


def sync(db_path: Path | str, *, passphrase: str | None, message: str, push: bool = True) -> list[str]:
    """Fold, commit the database, pull (merging by note), push: the day's sync in one step.

    git decides there is nothing to commit before the pre-commit hook runs, so a change
    still in the journal alone would not be committed by `git commit -a`: this folds first."""
    from fieldnotes.storage.durable import DurableStorage

    path = resolve_db_path(db_path)
    top = work_tree(path)
    relative = path.relative_to(top).as_posix()
    if not git("config", f"merge.{DRIVER}.driver", cwd=top, check=False).stdout.strip():
        raise InputError(
            f"{top} is not set up to merge the database by note: run `fieldnotes git-setup` first"
        )
    done = []
    try:
        DurableStorage(path, passphrase=passphrase).fold()
    except PassphraseNeededError:
        raise PassphraseNeededError(
            f"{path.name} is encrypted: set FIELDNOTES_PASSPHRASE to sync it"
        ) from None
    git("add", "--", relative, cwd=top)
    if git("diff", "--cached", "--quiet", cwd=top, check=False).returncode:
        git("commit", "-q", "-m", message, cwd=top)
        done.append(f"committed {relative}")
    else:
        done.append("nothing new to commit")
    if not git("remote", cwd=top).stdout.strip():
        return [*done, "no remote to pull from or push to (git remote add origin …)"]
    pulled = git("pull", "--no-rebase", "--no-edit", cwd=top, check=False)
    if pulled.returncode:
        raise StorageError(f"git pull did not finish: {(pulled.stderr or pulled.stdout).strip()}")
    done.append("pulled and merged by note")
    if push:
        pushed = git("push", cwd=top, check=False)
        if pushed.returncode:
            raise StorageError(f"git push did not finish: {(pushed.stderr or pushed.stdout).strip()}")
        done.append("pushed")
    return done


__all__ = ["HOOKS", "Setup", "default_command", "pre_commit", "rescue_journal", "setup", "sync", "work_tree"]
