"""Team commands: merge, conflicts, git-setup (and git's merge driver and hooks), doctor."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from fieldnotes.cli.common import CliState, ask_passphrase, fail, pass_state, printable
from fieldnotes.cli.render import print_json

OTHER_PASSPHRASE_ENV = "FIELDNOTES_OTHER_PASSPHRASE"


def _read_other(path: Path, ours: str | None, what: str) -> Any:
    """Another database file, opened with FIELDNOTES_OTHER_PASSPHRASE, else ours, else asked."""
    from fieldnotes.errors import PassphraseNeededError, WrongPassphraseError
    from fieldnotes.merge.files import read_copy

    given = os.environ.get(OTHER_PASSPHRASE_ENV) or None
    try:
        return read_copy(path, passphrase=given or ours, what=what)
    except PassphraseNeededError:
        pass
    except WrongPassphraseError:
        if given or not ours:
            raise
    typed = ask_passphrase(f"Passphrase for {path.name}", env=OTHER_PASSPHRASE_ENV)
    return read_copy(path, passphrase=typed, what=what)


@click.command()
@click.argument("other", type=click.Path(path_type=Path))
@click.option("--base", type=click.Path(path_type=Path), help="The common version both copies came from.")
@click.option("--dry-run", is_flag=True, help="Say what the merge would do; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts and new conflicts as JSON.")
@pass_state
def merge(state: CliState, other: Path, base: Path | None, dry_run: bool, as_json: bool) -> None:
    """Merge another copy of the database (OTHER) into this one, note by note.

    Notes only OTHER has are added; a note changed on one side takes that change; a
    note changed on both merges field by field (lists as sets); the same field changed
    differently on both sides keeps both values as a conflict (`fieldnotes conflicts`).
    A delete against an edit keeps the edit, flagged. Registries merge by name and
    alias. Without --base, each note's revision history finds the common version.
    A backup is taken first. OTHER may be encrypted: its passphrase is read from
    FIELDNOTES_OTHER_PASSPHRASE, else this database's passphrase is tried, else asked.
    """
    from fieldnotes.errors import InputError
    from fieldnotes.merge.files import merge_into, same_file

    state.close()
    if same_file(other, state.db_path):
        raise InputError(f"{printable(str(other))} is this database itself: give another copy to merge")
    passphrase = state.passphrase_if_encrypted()
    copy = _read_other(other, passphrase, "the other database")
    common = _read_other(base, passphrase, "the base") if base is not None else None
    outcome = merge_into(state.db_path, copy, base=common, passphrase=passphrase, dry_run=dry_run)
    report = outcome.report
    if as_json:
        print_json({**report.to_dict(), "dry_run": dry_run, "backup": str(outcome.backup or "")})
        return
    for line in report.lines():
        click.echo(line)
    if dry_run:
        click.echo("Dry run: nothing was changed.", err=True)
    elif outcome.backup is not None:
        click.echo(f"A backup was taken first: {outcome.backup}", err=True)
    else:
        click.echo("Nothing to merge: this database has everything the other has.", err=True)


@click.command("merge-driver")
@click.argument("base", type=click.Path(path_type=Path))
@click.argument("ours", type=click.Path(path_type=Path))
@click.argument("theirs", type=click.Path(path_type=Path))
@pass_state
def merge_driver(state: CliState, base: Path, ours: Path, theirs: Path) -> None:
    """git's merge driver for the database (`fieldnotes git-setup` registers it as %O %A %B).

    Merges THEIRS into OURS by note, with BASE as the common version, and writes the
    result to OURS, in its mode (encrypted stays encrypted: the passphrase is read from
    FIELDNOTES_PASSPHRASE, and FIELDNOTES_OTHER_PASSPHRASE for theirs if it differs).
    Conflicts are kept for `fieldnotes conflicts`. Exits 0 when merged; on any error,
    OURS is left as it was and the exit is not 0, so git reports a conflict.
    """
    from fieldnotes.errors import FieldnotesError
    from fieldnotes.merge.files import merge_files

    other = os.environ.get(OTHER_PASSPHRASE_ENV) or None
    try:
        report = merge_files(base, ours, theirs, passphrase=state.passphrase, other_passphrase=other)
    except FieldnotesError:
        raise
    except Exception as exc:  # git must see a failure, never a half-written file
        fail(f"the merge driver could not merge ({type(exc).__name__}: {exc}); {ours} is unchanged", 1)
    click.echo(f"fieldnotes: merged by note. {' '.join(report.lines())}", err=True)


# ------------------------------------------------------------------ conflicts
@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_context
def conflicts(ctx: click.Context, as_json: bool) -> None:
    """List what merges could not decide: both values, their authors and times.

    Resolve one here (`fieldnotes conflicts resolve ID --pick 1`) or in the app's
    Conflicts screen (ctrl+k).
    """
    if ctx.invoked_subcommand is not None:
        return
    from fieldnotes.merge.conflicts import list_conflicts

    state: CliState = ctx.obj
    found = list_conflicts(state.service())
    if as_json:
        print_json([conflict.to_dict() for conflict in found])
        return
    if not found:
        click.echo("No conflicts.", err=True)
        return
    for conflict in found:
        click.echo(f"⚠ {conflict.guid[:8]}  {conflict.table}  {printable(conflict.title)}: {conflict.what}")
        for number, side in enumerate(conflict.values, start=1):
            who = side.get("author") or "someone"
            when = side.get("when") or "at an unknown time"
            value = side.get("value")
            shown = "(empty)" if value in ("", None) else printable(str(value))
            click.echo(f"    {number}. {shown}   — {printable(str(who))}, {when}")


@conflicts.command("resolve")
@click.argument("conflict_id")
@click.option("--pick", type=int, help="Keep value number N of the list.")
@click.option("--value", help="Keep this value instead (e.g. the two combined).")
@click.option("--keep", "keep_note", is_flag=True, help="An edit against a delete: keep the record.")
@click.option("--delete", "delete_note", is_flag=True, help="An edit against a delete: delete it.")
@pass_state
def resolve(
    state: CliState, conflict_id: str, pick: int | None, value: str | None, keep_note: bool, delete_note: bool
) -> None:
    """Resolve conflict CONFLICT_ID: keep one of its values, or a value you give."""
    from fieldnotes.errors import InputError
    from fieldnotes.merge.conflicts import DELETE, KEEP, find_conflict
    from fieldnotes.merge.conflicts import resolve as resolve_conflict

    service = state.service()
    conflict = find_conflict(service, conflict_id)
    chosen: Any
    if (
        sum(x is not None and x is not False for x in (pick, value, keep_note or None, delete_note or None))
        != 1
    ):
        raise InputError("give one of --pick N, --value TEXT, --keep or --delete")
    if conflict.kind == "deleted":
        if not (keep_note or delete_note):
            raise InputError("this is an edit against a delete: give --keep or --delete")
        chosen = KEEP if keep_note else DELETE
    elif keep_note or delete_note:
        raise InputError("--keep and --delete are for an edit against a delete: give --pick N or --value")
    elif pick is not None:
        if not 1 <= pick <= len(conflict.values):
            raise InputError(f"--pick {pick}: the conflict has values 1 to {len(conflict.values)}")
        chosen = conflict.values[pick - 1].get("value")
    else:
        chosen = value
    resolve_conflict(service, conflict, chosen)
    click.echo(f"Resolved: {printable(conflict.title)}, {conflict.what}.", err=True)


# ------------------------------------------------------------------------ git
@click.command("git-setup")
@click.option(
    "--command",
    "command",
    help="What git runs for fieldnotes. Default: this Python (`python -m fieldnotes`, whatever "
    "PATH git has); give `fieldnotes` to use the one on PATH.",
)
@pass_state
def git_setup(state: CliState, command: str | None) -> None:
    """Make the git working tree that holds the database merge it by note.

    Registers `fieldnotes merge-driver %O %A %B` for the database file (.gitattributes
    and this clone's git config), leaves the lock, journal, index, drafts and backups
    out (.gitignore), and installs hooks: pre-commit folds the journal so the commit
    is complete; post-merge and post-checkout merge back changes saved just before a
    pull. Run it once in every clone; running it again changes nothing.
    """
    from fieldnotes.merge.git import setup

    if command is not None and not command.strip():
        from fieldnotes.errors import InputError

        raise InputError("--command is empty: give the command git should run, e.g. fieldnotes")
    done = setup(state.db_path, command=command)
    for line in done.done:
        click.echo(printable(line))
    click.echo(
        f"Set up {done.top}. Commit .gitattributes, .gitignore and {done.relative}; "
        "then `git pull` merges the database by note.",
        err=True,
    )


@click.command("sync")
@click.option("--message", "-m", default="fieldnotes: notes", show_default=True, help="The commit message.")
@click.option("--no-push", is_flag=True, help="Commit and pull, but do not push.")
@pass_state
def sync_command(state: CliState, message: str, no_push: bool) -> None:
    """Commit the database, pull your team's changes (merged by note) and push: one step.

    The same as `fieldnotes flush && git add DB && git commit && git pull && git push`, in
    the git working tree `git-setup` prepared. Folding first matters: a note saved a
    moment ago is only in the journal, and git would find nothing to commit.
    """
    from fieldnotes.merge.git import sync

    state.close()
    passphrase = state.passphrase_if_encrypted()
    for line in sync(state.db_path, passphrase=passphrase, message=message, push=not no_push):
        click.echo(f"fieldnotes: {line}", err=True)
    from fieldnotes.merge.conflicts import list_conflicts

    open_conflicts = len(list_conflicts(state.service()))
    if open_conflicts:
        click.echo(f"{open_conflicts} conflict(s) to resolve: fieldnotes conflicts (or ctrl+k in the app).")


@click.command("git-hook", hidden=True)
@click.argument("name", type=click.Choice(["pre-commit", "post-merge", "post-checkout"]))
@click.argument("args", nargs=-1)
@pass_state
def git_hook(state: CliState, name: str, args: tuple[str, ...]) -> None:
    """Run by the hooks `git-setup` installs."""
    from fieldnotes.merge.git import pre_commit, rescue_journal

    if name == "pre-commit":
        if pre_commit(state.db_path, passphrase=state.passphrase):
            click.echo("fieldnotes: folded the journal into the database for this commit.", err=True)
        return
    if name == "post-merge":
        old = "ORIG_HEAD"
    elif len(args) >= 2 and args[0] != args[1]:
        old = args[0]
    else:
        return
    done = rescue_journal(state.db_path, old, passphrase=state.passphrase)
    if done:
        click.echo(f"fieldnotes: {done}", err=True)


# ---------------------------------------------------------------------- doctor
@click.command()
@click.option("--merge-copies", is_flag=True, help="Merge every conflicted copy found, then set it aside.")
@pass_state
def doctor(state: CliState, merge_copies: bool) -> None:
    """Check the database: conflicted copies a sync tool left beside it, open conflicts, git.

    Dropbox, Syncthing, Nextcloud and others leave a "conflicted copy" when two devices
    change the same file. Each is a whole database: with --merge-copies (or answering
    yes in a terminal) each is merged in, then moved to backups/merged-copies/.
    """
    from fieldnotes.merge.conflicts import list_conflicts
    from fieldnotes.merge.copies import conflict_copies
    from fieldnotes.paths import resolve_db_path

    path = resolve_db_path(state.db_path)
    copies = conflict_copies(path)
    for copy in copies:
        click.echo(f"⚠ a sync tool's conflicted copy: {printable(str(copy))}")
    if copies and not merge_copies and sys.stdin is not None and sys.stdin.isatty():
        merge_copies = click.confirm("Merge them into the database now?", default=True, err=True)
    if copies and merge_copies:
        _merge_copies(state, path, copies)
    elif copies:
        click.echo("Merge them with:  fieldnotes doctor --merge-copies", err=True)
    if path.exists():
        service = state.service()
        open_conflicts = len(list_conflicts(service))
        click.echo(
            f"Conflicts to resolve: {open_conflicts}" + ("  (fieldnotes conflicts)" if open_conflicts else "")
        )
        click.echo(f"Journal not yet folded: {service.store.journal_bytes / 1024:,.0f} KB")
    click.echo(_git_status(path))


def _merge_copies(state: CliState, path: Path, copies: list[Path]) -> None:
    from fieldnotes.merge.files import merge_into

    state.close()
    passphrase = state.passphrase_if_encrypted()
    aside = path.parent / "backups" / "merged-copies"
    for copy in copies:
        outcome = merge_into(path, _read_other(copy, passphrase, "the copy"), passphrase=passphrase)
        aside.mkdir(parents=True, exist_ok=True)
        os.replace(copy, aside / copy.name)
        click.echo(f"Merged {printable(copy.name)}: {' '.join(outcome.report.lines())}")
        click.echo(f"  (moved to {aside / copy.name})", err=True)


def _git_status(path: Path) -> str:
    from fieldnotes.errors import InputError
    from fieldnotes.merge.git import DRIVER, git, work_tree

    try:
        top = work_tree(path)
    except InputError:
        return "git: the database is not in a git working tree (see `fieldnotes git-setup --help`)."
    driver = git("config", f"merge.{DRIVER}.driver", cwd=top, check=False).stdout.strip()
    if not driver:
        return f"git: {top} does not merge the database by note yet: run `fieldnotes git-setup`."
    return f"git: {top} merges the database by note ({printable(driver)})."
