"""Note commands: add, list, show, edit, delete."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from fieldnotes.cli.common import CliState, fail, option_group, pass_state
from fieldnotes.cli.render import note_line, note_text, print_json
from fieldnotes.model import (
    CONSENT_TYPES,
    EVENT_TYPES,
    INTERVIEW_FORMATS,
    KIND_FIELDS,
    KINDS,
    Note,
)

if TYPE_CHECKING:
    from fieldnotes.service import NoteFilter

# option name -> (note field, help). Kind-specific ones are checked against the kind.
_TEXT_OPTIONS: dict[str, tuple[str, str]] = {
    "--title": ("title", "A short title, e.g. 'Coalition monthly meeting'."),
    "--where": ("location", "Where it took place."),
    "--body": ("body", "The field notes. Without it, read from stdin when stdin is not a terminal."),
    "--memo": ("memo", "A reflexive memo."),
    "--followups": ("followups", "Follow-ups to do."),
    "--host": ("host", "Meeting: the host organization."),
    "--agenda": ("agenda", "Meeting: the agenda."),
    "--informant": ("informant", "Interview: the informant's pseudonym (never a real name)."),
    "--role": ("informant_role", "Interview: the informant's role, e.g. director."),
    "--recording": ("recording_ref", "Interview: where the recording is (a file name, not the audio)."),
}
_CHOICE_OPTIONS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "--event-type": ("event_type", EVENT_TYPES, "Event: what kind of event."),
    "--format": ("interview_format", INTERVIEW_FORMATS, "Interview: the format."),
    "--consent": ("consent", CONSENT_TYPES, "Interview: how consent was given."),
}
_LIST_OPTIONS: dict[str, tuple[str, str]] = {
    "--org": ("organizations", "An organization present (repeat for more). New names are created."),
    "--code": ("codes", "A preliminary code (repeat for more). New codes are created as inductive."),
    "--person": ("people", "A person present, by name or pseudonym (repeat for more)."),
    "--organizer": ("organizers", "Event: an organizing organization (repeat for more)."),
}


def _param(option: str) -> str:
    return option.lstrip("-").replace("-", "_")


def note_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options `add` and `edit` share, one per note field."""
    decorators = [
        click.option("--kind", type=click.Choice(KINDS), help="meeting, event or interview."),
        click.option("--when", help="When it started: 'now', 'today 3pm', '17 Jan 2016 8:30'..."),
        click.option("--end", help="When it ended: a date-time, a time that day, or '+90m'."),
    ]
    for option, (_, help_text) in _TEXT_OPTIONS.items():
        decorators.append(click.option(option, _param(option), help=help_text))
    for option, (_, choices, help_text) in _CHOICE_OPTIONS.items():
        decorators.append(click.option(option, _param(option), type=click.Choice(choices), help=help_text))
    for option, (_, help_text) in _LIST_OPTIONS.items():
        decorators.append(click.option(option, _param(option), multiple=True, help=help_text))
    return option_group(*decorators)(command)


def _parse(state: CliState, text: str, *, base: datetime | None = None) -> datetime:
    from fieldnotes.dates import parse_when

    return parse_when(text, dayfirst=state.dayfirst, base=base)


_KIND_OF_FIELD = {name: kind for kind, names in KIND_FIELDS.items() for name in names}


def _given_fields(values: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """(option, note field, value) for every field option the user gave."""
    given = []
    for option, (name, *_) in {**_TEXT_OPTIONS, **_CHOICE_OPTIONS}.items():
        value = values.get(_param(option))
        if value is not None:
            given.append((option, name, value))
    for option, (name, _) in _LIST_OPTIONS.items():
        value = values.get(_param(option))
        if value:
            given.append((option, name, list(value)))
    return given


def _apply(state: CliState, note: Note, values: dict[str, Any]) -> None:
    """Copy the given option values onto `note`, checking they fit its kind."""
    from fieldnotes.dates import to_iso

    if values.get("kind"):
        note.kind = values["kind"]
    if values.get("when"):
        note.start = to_iso(_parse(state, values["when"]))
    if values.get("end") is not None:
        end_text = values["end"].strip()
        note.end = to_iso(_parse(state, end_text, base=note.start_dt)) if end_text else None
    for option, name, value in _given_fields(values):
        owner = _KIND_OF_FIELD.get(name)
        if owner is not None and owner != note.kind:
            fail(f"{option} is for {owner}s, and this note is a {note.kind}")
        setattr(note, name, value)


def _stdin_body() -> str | None:
    stream = sys.stdin
    if stream is None or stream.closed:
        return None
    try:
        if stream.isatty():
            return None
        return stream.read()
    except (OSError, ValueError):
        return None


@click.command()
@note_options
@pass_state
def add(state: CliState, **values: Any) -> None:
    """Add a note and print its id.

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
    if values.get("body") is None:
        values["body"] = _stdin_body() or ""
    note = Note(kind=values["kind"], title="", start="")
    values["when"] = values.get("when") or "now"
    _apply(state, note, values)
    saved = state.service().add(note)
    state.close()  # fold the journal before we report success
    click.echo(saved.id)


# --kind --org --code --since --until: shared by `list`, the exports and the reports.
filter_options = option_group(
    click.option("--kind", type=click.Choice(KINDS), help="Only notes of this kind."),
    click.option("--org", help="Only notes tagging this organization."),
    click.option("--code", help="Only notes tagging this code."),
    click.option("--since", help="Only notes from this date on."),
    click.option("--until", help="Only notes up to this date (a bare date includes that whole day)."),
)


def note_filter(state: CliState, values: dict[str, Any], text: str = "") -> NoteFilter:
    from fieldnotes.service import NoteFilter

    since, until = values.pop("since", None), values.pop("until", None)
    return NoteFilter(
        kind=values.pop("kind", None),
        org=values.pop("org", None),
        code=values.pop("code", None),
        since=_parse(state, since) if since else None,
        until=_parse(state, until) if until else None,
        text=text,
    )


@click.command("list")
@filter_options
@click.option("--search", "text", default="", help="Text to find in title, body, memo, people, tags.")
@click.option("--json", "as_json", is_flag=True, help="Print the notes as a JSON array.")
@pass_state
def list_notes(state: CliState, text: str, as_json: bool, **values: Any) -> None:
    """List notes, newest first."""
    flt = note_filter(state, values, text)
    notes = state.service().note_views(flt)
    if as_json:
        print_json([note.to_dict() for note in notes])
        return
    if not notes:
        click.echo("No notes match." if not flt.is_empty else "No notes yet.", err=True)
        return
    for note in notes:
        click.echo(note_line(note))


@click.command()
@click.argument("note_id")
@click.option("--json", "as_json", is_flag=True, help="Print the note as a JSON object.")
@pass_state
def show(state: CliState, note_id: str, as_json: bool) -> None:
    """Show one note (any unique id prefix of 4+ characters)."""
    note = state.service().get(note_id)
    if as_json:
        print_json(note.to_dict())
    else:
        click.echo(note_text(note))


@click.command()
@click.argument("note_id")
@note_options
@pass_state
def edit(state: CliState, note_id: str, **values: Any) -> None:
    """Change fields of a note. List options replace the whole list.

    Use --body - to read the body from stdin, and --end "" to clear the end.
    """
    service = state.service()
    note = service.get(note_id)
    if values.get("body") == "-":
        values["body"] = _stdin_body() or ""
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
        click.confirm(f"Delete '{note.title}' ({note.start.replace('T', ' ')})?", abort=True)
    service.delete(note.id)
    click.echo(f"Deleted {note.id}  {note.title}", err=True)
