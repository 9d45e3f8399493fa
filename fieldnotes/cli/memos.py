"""`fieldnotes memos`: analytic memos, linked to codes, organizations, informants and notes."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import click

from fieldnotes.cli.common import CliState, fail, option_group, pass_state, stdin_text
from fieldnotes.cli.render import print_json
from fieldnotes.memos import MEMO_TYPES, Memo, describe_link
from fieldnotes.text import one_line

if TYPE_CHECKING:
    from fieldnotes.service import FieldNotes

_JSON = click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
_ABOUT_HELP = "What it is about: code:NAME, org:NAME, informant:PSEUDONYM or note:ID (repeat for more)."


def memo_line(memo: Memo) -> str:
    about = f"  [{'; '.join(memo.about)}]" if memo.about else ""
    return f"{memo.short_id}  {memo.created[:10]}  {memo.type:<14}  {one_line(memo.title)}{about}"


def memo_text(memo: Memo, service: FieldNotes) -> str:
    titles = {note.id: note.title for note in service.note_views()} if memo.targets("note") else {}
    rows = [
        ("id", memo.guid),
        ("title", memo.title),
        ("type", memo.type),
        ("author", memo.author),
        ("created", memo.created.replace("T", " ")),
        ("updated", memo.updated.replace("T", " ")),
    ]
    lines = [f"{name:>7}: {value}" for name, value in rows if value]
    lines += [
        f"{'about:' if i == 0 else '':>8} {describe_link(link, titles)}" for i, link in enumerate(memo.about)
    ]
    if memo.body:
        lines += ["", memo.body]
    return "\n".join(lines)


def _body(body: str | None) -> str | None:
    """--body TEXT, or --body - for the text piped on stdin (which must then come)."""
    if body != "-":
        return body
    text = stdin_text(what="the memo")
    if not (text or "").strip():
        fail("--body - reads the memo from stdin, and stdin gave no text; nothing was saved")
    return text


@click.group(invoke_without_command=True)
@_JSON
@click.pass_context
def memos(ctx: click.Context, as_json: bool) -> None:
    """Analytic memos (theoretical, methodological, code memos...), each linked to any codes,
    organizations, informants and notes: list (the default), add, edit, show, delete."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(memos_list, as_json=as_json, about=None, memo_type=None)


@memos.command("list")
@click.option("--about", help="Only memos linked to this: code:NAME, org:NAME, informant:P, note:ID.")
@click.option("--type", "memo_type", type=click.Choice(MEMO_TYPES), help="Only memos of this type.")
@_JSON
@pass_state
def memos_list(state: CliState, about: str | None, memo_type: str | None, as_json: bool) -> None:
    """Every memo, newest first."""
    from fieldnotes.memos import split_link

    service = state.service()
    if about:
        kind, target = split_link(about)
        if kind == "note":
            target = service.resolve(target)
        found = service.memos.about(kind, target)
    else:
        found = service.memos.all()
    if memo_type:
        found = [memo for memo in found if memo.type == memo_type]
    if as_json:
        print_json([memo.to_dict() for memo in found])
        return
    if not found:
        click.echo("No memos match." if about or memo_type else "No memos yet.", err=True)
        return
    for memo in found:
        click.echo(memo_line(memo))


_memo_options = option_group(
    click.option("--title", help="A short title."),
    click.option("--type", "memo_type", help=f"One of: {', '.join(MEMO_TYPES)}."),
    click.option("--about", multiple=True, help=_ABOUT_HELP),
    click.option("--body", help="The memo. --body - reads it from stdin."),
)


@memos.command("add")
@_memo_options
@pass_state
def memos_add(
    state: CliState, title: str | None, memo_type: str | None, about: tuple[str, ...], body: str | None
) -> None:
    """Write a memo and print its id.

    \b
    Example:
      fieldnotes memos add --title "Legitimacy is claimed through clients" \\
        --type theoretical --about code:legitimacy --about "org:Harbor Rights Collective" \\
        --body "Both coalitions claim to speak for..."
    """
    if not (title or "").strip():
        fail("memos add needs --title")
    memo = Memo(title or "", type=memo_type or "other", body=_body(body) or "", about=list(about))
    saved = state.service().memos.add(memo)
    state.close()
    click.echo(saved.guid)


@memos.command("edit")
@click.argument("memo_id")
@_memo_options
@pass_state
def memos_edit(
    state: CliState,
    memo_id: str,
    title: str | None,
    memo_type: str | None,
    about: tuple[str, ...],
    body: str | None,
) -> None:
    """Change a memo. --about replaces its links (--about '' removes them all)."""
    service = state.service()
    memo = service.memos.get(memo_id)
    changes: dict[str, object] = {}
    if title is not None:
        changes["title"] = title
    if memo_type is not None:
        changes["type"] = memo_type
    if about:
        changes["about"] = [link for link in about if link.strip()]
    if body is not None:
        changes["body"] = _body(body)
    saved = service.memos.update(replace(memo, **changes))  # type: ignore[arg-type]
    state.close()
    click.echo(saved.guid)


@memos.command("show")
@click.argument("memo_id")
@_JSON
@pass_state
def memos_show(state: CliState, memo_id: str, as_json: bool) -> None:
    """Show one memo in full (any unique id prefix of 4+ characters)."""
    service = state.service()
    memo = service.memos.get(memo_id)
    if as_json:
        print_json(memo.to_dict())
    else:
        click.echo(memo_text(memo, service))


@memos.command("delete")
@click.argument("memo_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_state
def memos_delete(state: CliState, memo_id: str, yes: bool) -> None:
    """Delete a memo. A backup of the database is taken first."""
    import sys

    service = state.service()
    memo = service.memos.get(memo_id)
    if not yes:
        if not sys.stdin or not sys.stdin.isatty():
            fail("not deleting without --yes when there is no terminal to confirm on")
        click.confirm(f"Delete the memo '{memo.title}'?", abort=True)
    service.memos.delete(memo.guid)
    click.echo(f"Deleted {memo.short_id}  {memo.title}", err=True)
