"""Note commands: add, list, show, edit, delete."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from fieldnotes import dates
from fieldnotes.cli.common import CliState, fail, option_group, pass_state, stdin_text
from fieldnotes.cli.render import note_line, note_text, print_json
from fieldnotes.model import FIELD, KINDS, NOTE_FIELDS, STATUSES, Note

if TYPE_CHECKING:
    from fieldnotes.index import NoteFilter

# The note fields set by options of their own name (kind and the dates are read apart).
_FIELD_OPTIONS = [spec for spec in NOTE_FIELDS if spec.option and spec.name not in ("kind", "start", "end")]


def note_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options `add` and `edit` share: one per note field, from the field vocabulary."""
    decorators = []
    for spec in NOTE_FIELDS:
        if not spec.option:
            continue
        if spec.is_list:
            decorators.append(click.option(spec.option, spec.param, multiple=True, help=spec.help))
        elif spec.choices:
            decorators.append(
                click.option(spec.option, spec.param, type=click.Choice(spec.choices), help=spec.help)
            )
        else:
            decorators.append(click.option(spec.option, spec.param, help=spec.help))
    return option_group(*decorators)(command)


def parse_option(state: CliState, option: str, text: str, *, base: datetime | None = None) -> datetime:
    """The date-time typed for `option`. Empty text is refused like any unreadable date:
    an unset shell variable must not file a note under "now" or drop a filter."""
    from fieldnotes.dates import parse_when
    from fieldnotes.errors import DateParseError, ValidationError

    # Day-first only changes how numbers are read ("now", "friday 3pm" hold none): the
    # preference is read only when it can matter (add without --when does not pay for it).
    dayfirst = state.dayfirst if any(ch.isdigit() for ch in text) else False
    try:
        return parse_when(text, dayfirst=dayfirst, base=base)
    except DateParseError as exc:
        raise ValidationError(f"{option}: {exc}", field=exc.field) from None


def _given_fields(values: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """(option, note field, value) for every field option the user gave."""
    given = []
    for spec in _FIELD_OPTIONS:
        value = values.get(spec.param)
        if spec.is_list and value:
            given.append((spec.option, spec.name, list(value)))
        elif not spec.is_list and value is not None:
            given.append((spec.option, spec.name, value))
    return given


def _apply(state: CliState, note: Note, values: dict[str, Any]) -> None:
    """Copy the given option values onto `note`, checking they fit its kind."""
    from fieldnotes.dates import to_iso

    if values.get("kind"):
        note.kind = values["kind"]
    if values.get("when") is not None:
        note.start = to_iso(parse_option(state, "--when", values["when"]))
    if values.get("end") is not None:  # --end "" clears the end: the one empty date that means something
        end_text = values["end"].strip()
        note.end = to_iso(parse_option(state, "--end", end_text, base=note.start_dt)) if end_text else None
    for option, name, value in _given_fields(values):
        kinds = FIELD[name].kinds
        if note.kind not in kinds:
            owners = " and ".join(f"{kind}s" for kind in kinds)
            fail(f"{option} is for {owners}, and this note is a {note.kind}")
        setattr(note, name, value)


def _body_from_stdin(values: dict[str, Any], *, required: bool) -> None:
    """Put the body piped on stdin into `values`, by one rule for `add` and `edit`.

    `--body -` asks for the body from stdin: it must come, as non-blank UTF-8
    text, or nothing is saved (an empty or closed stdin, or a terminal, is
    refused: it would silently empty the note). `add` without --body reads
    stdin when something is piped, and saves an empty body when nothing is.
    Text that is not UTF-8 is always refused, naming the byte offset.
    """
    text = stdin_text(what="the body")
    if required and not (text or "").strip():
        fail(
            "--body - reads the body from stdin, and stdin gave no text; nothing was changed. "
            "Pipe the text in, or give --body TEXT (--body '' to empty it)"
        )
    values["body"] = text or ""


@click.command()
@note_options
@pass_state
def add(state: CliState, **values: Any) -> None:
    """Add a note and print its id.

    Without --body, the body is what is piped on stdin (none: an empty body);
    --body - insists on it. Stdin must be UTF-8.

    \b
    Example:
      fieldnotes add --kind meeting --title "Coalition monthly" \\
        --when "today 3pm" --end "+90m" --where "Library room 2" \\
        --org "Lakeside Outreach" --code legitimacy --body "Notes..."
    """
    if not values.get("kind"):
        fail("add needs --kind (meeting, event or interview)")
    if not (values.get("title") or "").strip():
        fail("add needs --title")
    if values.get("body") in (None, "-"):
        _body_from_stdin(values, required=values.get("body") == "-")
    note = Note(kind=values["kind"], title="", start="")
    if values.get("when") is None:
        values["when"] = "now"
    _apply(state, note, values)
    saved = state.service().add(note)
    state.close()  # fold the journal before we report success
    click.echo(saved.id)


# --kind --org --code --since --until...: shared by `list`, the exports and the reports.
filter_options = option_group(
    click.option("--kind", type=click.Choice(KINDS), help="Only notes of this kind."),
    click.option("--org", help="Only notes tagging this organization (its name or any alias)."),
    click.option("--code", help="Only notes tagging this code, or a code under it."),
    click.option(
        "--without-subcodes", is_flag=True, help="With --code: that code only, not the codes under it."
    ),
    click.option(
        "--informant", help="Only interviews of this informant, and notes listing them among the people."
    ),
    click.option(
        "--status",
        type=click.Choice(STATUSES),
        help="Only notes jotted (write-up pending) or written up.",
    ),
    click.option("--since", help="Only notes from this date on."),
    click.option("--until", help="Only notes up to this date (a bare date includes that whole day)."),
)


def note_filter(state: CliState, values: dict[str, Any], text: str = "") -> NoteFilter:
    from fieldnotes.index import NoteFilter

    since, until = values.pop("since", None), values.pop("until", None)
    return NoteFilter(
        kind=values.pop("kind", None),
        org=values.pop("org", None),
        code=values.pop("code", None),
        subcodes=not values.pop("without_subcodes", False),
        informant=values.pop("informant", None),
        status=values.pop("status", None),
        since=None if since is None else parse_option(state, "--since", since),
        until=None if until is None else parse_option(state, "--until", until),
        text=text,
    )


def lag(since: datetime, now: datetime) -> str:
    """How long ago, in words: '45 min', '3 h 10 min', '2 days 4 h'."""
    minutes = max(int((now - since).total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} day{'s' if days > 1 else ''}" + (f" {hours} h" if hours else "")
    if hours:
        return f"{hours} h" + (f" {minutes} min" if minutes else "")
    return f"{minutes} min"


@click.command("list")
@filter_options
@click.option(
    "--search",
    "text",
    default="",
    help="Text to find in any field (title, notes, memo, follow-ups, place, people, tags, informant,"
    " role, host, agenda...), ignoring case and accents.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the notes as a JSON array.")
@pass_state
def list_notes(state: CliState, text: str, as_json: bool, **values: Any) -> None:
    """List notes, newest first. Jotted notes say how long their write-up has waited
    (`--status jotted` lists the write-ups still to do)."""
    flt = note_filter(state, values, text)
    notes = state.service().note_views(flt)
    if as_json:
        print_json([note.to_dict() for note in notes])
        return
    if not notes:
        click.echo("No notes match." if not flt.is_empty else "No notes yet.", err=True)
        return
    from fieldnotes.merge.conflicts import conflicted_keys

    now = datetime.now()
    conflicted = conflicted_keys(state.service())
    for note in notes:
        line = note_line(note)
        if note.jotted:
            line += f"  ✎ jotted, not written up: {lag(note.start_dt, now)} since it started"
        if note.id in conflicted:
            line += "  ⚠ conflict: two copies disagree (fieldnotes conflicts)"
        click.echo(line)


@click.command()
@click.argument("note_id")
@click.option("--json", "as_json", is_flag=True, help="Print the note as a JSON object.")
@pass_state
def show(state: CliState, note_id: str, as_json: bool) -> None:
    """Show one note (any unique id prefix of 4+ characters)."""
    from fieldnotes.merge.conflicts import conflicted_fields

    service = state.service()
    note = service.get(note_id)
    if as_json:
        print_json(note.to_dict())
    else:
        click.echo(note_text(note, conflicted_fields(service, note.id)))


@click.command()
@click.argument("note_id")
@note_options
@pass_state
def edit(state: CliState, note_id: str, **values: Any) -> None:
    """Change fields of a note. List options replace the whole list.

    Use --body - to read the body from stdin (it must not be empty: use
    --body "" to empty the body), and --end "" to clear the end.
    """
    service = state.service()
    note = service.get(note_id)
    if values.get("body") == "-":
        _body_from_stdin(values, required=True)
    _apply(state, note, values)
    saved = service.update(note)
    state.close()
    click.echo(saved.id)


@click.command()
@click.argument("note_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_state
def delete(state: CliState, note_id: str, yes: bool) -> None:
    """Delete a note. A backup of the database is taken first."""
    service = state.service()
    note = service.get(note_id)
    if not yes:
        if not sys.stdin or not sys.stdin.isatty():
            fail("not deleting without --yes when there is no terminal to confirm on")
        click.confirm(f"Delete '{note.title}' ({dates.show(note.start)})?", abort=True)
    service.delete(note.id)
    click.echo(f"Deleted {note.id}  {note.title}", err=True)
