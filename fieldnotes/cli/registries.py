"""Registry commands: orgs, people (informants) and codes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click

from fieldnotes.cli.common import CliState, fail, option_group, pass_state
from fieldnotes.cli.render import print_json
from fieldnotes.model import CODE_ORIGINS, CONSENT_TYPES, Code, Informant, Organization
from fieldnotes.text import tag_key


def _confirm(question: str, yes: bool) -> None:
    if yes:
        return
    import sys

    if not sys.stdin or not sys.stdin.isatty():
        fail("add --yes to do this without a terminal to confirm on")
    click.confirm(question, abort=True)


# ------------------------------------------------------------------ orgs
@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@click.pass_context
def orgs(ctx: click.Context, as_json: bool) -> None:
    """The organizations: list (the default), add, edit, rename, merge."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(orgs_list, as_json=as_json)


@orgs.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON, with usage counts.")
@pass_state
def orgs_list(state: CliState, as_json: bool) -> None:
    """Every organization with its type and how many notes tag it."""
    registries = state.service().registries
    usage = registries.organization_usage()
    rows = []
    for org in registries.organizations():
        counts = usage.get(tag_key(org.name))
        rows.append({**org.to_dict(), "notes": sum(counts.values()) if counts else 0})
    if as_json:
        print_json(rows)
        return
    for row in rows:
        aliases = f"  (also: {', '.join(row['aliases'])})" if row["aliases"] else ""
        click.echo(f"{row['name']}\t{row['type'] or '-'}\t{row['notes']} notes{aliases}")


_org_options = option_group(
    click.option(
        "--type",
        "org_type",
        help="e.g. 'human-service nonprofit', 'advocacy: abolitionist', or your own.",
    ),
    click.option("--alias", "aliases", multiple=True, help="Another spelling that means this organization."),
    click.option("--description", help="A short description."),
)


@orgs.command("add")
@click.argument("name")
@_org_options
@pass_state
def orgs_add(
    state: CliState, name: str, org_type: str | None, aliases: tuple[str, ...], description: str | None
) -> None:
    """Add an organization."""
    org = state.service().registries.save_organization(
        Organization(name, type=org_type or "", aliases=list(aliases), description=description or "")
    )
    click.echo(org.name)


@orgs.command("edit")
@click.argument("name")
@click.option("--name", "new_name", help="A new name (every note is updated).")
@_org_options
@pass_state
def orgs_edit(
    state: CliState,
    name: str,
    new_name: str | None,
    org_type: str | None,
    aliases: tuple[str, ...],
    description: str | None,
) -> None:
    """Change an organization. --alias replaces the list of aliases."""
    registries = state.service().registries
    org = registries.organization(name)
    changed = replace(
        org,
        name=new_name or org.name,
        type=org.type if org_type is None else org_type,
        aliases=list(aliases) if aliases else org.aliases,
        description=org.description if description is None else description,
    )
    click.echo(registries.save_organization(changed, original=org.name).name)


@orgs.command("rename")
@click.argument("old")
@click.argument("new")
@pass_state
def orgs_rename(state: CliState, old: str, new: str) -> None:
    """Rename an organization in the registry and in every note."""
    count = state.service().registries.rename_organization(old, new)
    click.echo(f"Renamed {old!r} to {new!r} in {count} note(s).", err=True)


@orgs.command("merge")
@click.argument("source")
@click.argument("target")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_state
def orgs_merge(state: CliState, source: str, target: str, yes: bool) -> None:
    """Fold SOURCE into TARGET (the same agency typed two ways). A backup is taken first."""
    registries = state.service().registries
    src, dst = registries.organization(source), registries.organization(target)
    _confirm(f"Merge {src.name!r} into {dst.name!r}?", yes)
    count = registries.merge_organizations(src.name, dst.name)
    click.echo(f"Merged {src.name!r} into {dst.name!r}; {count} note(s) updated.", err=True)


# ---------------------------------------------------------------- people
@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@click.pass_context
def people(ctx: click.Context, as_json: bool) -> None:
    """Interview informants, by pseudonym: list (the default), add, edit."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(people_list, as_json=as_json)


@people.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON, with interview counts.")
@click.option("--show-names", is_flag=True, help="Also show the real names and aliases (hidden by default).")
@pass_state
def people_list(state: CliState, as_json: bool, show_names: bool) -> None:
    """Every informant: role, organization, consent, interviews. Real names stay hidden unless asked."""
    registries = state.service().registries
    counts = registries.interview_counts()
    rows = [
        {**(p.to_dict() if show_names else p.public_dict()), "interviews": counts[tag_key(p.pseudonym)]}
        for p in registries.informants()
    ]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        consent = f"{row['consent']} {row['consent_date']}".strip() or "consent not recorded"
        names = (
            f"\treal names: {'; '.join(row['real_names'])}" if show_names and row.get("real_names") else ""
        )
        click.echo(
            f"{row['pseudonym']}\t{row['role'] or '-'}\t{row['organization'] or '-'}\t{consent}\t"
            f"{row['interviews']} interview(s){names}"
        )


_person_options = option_group(
    click.option("--role", help="e.g. director, case manager, outreach worker."),
    click.option("--org", "organization", help="Their organization."),
    click.option("--consent", type=click.Choice(CONSENT_TYPES), help="How consent was given."),
    click.option("--consent-date", help="When: '20 Jan 2016', 'yesterday', 2016-01-20... ('' clears it)."),
    click.option("--notes", help="Free notes (never a real name)."),
    click.option(
        "--real-name",
        "real_names",
        multiple=True,
        help="A real name or alias, kept only here and replaced by the pseudonym in exports "
        "with --pseudonymise (repeat for more).",
    ),
)


def _read_consent_date(state: CliState, values: dict[str, str | None]) -> None:
    """The consent date typed as people say it, kept as YYYY-MM-DD."""
    from fieldnotes.cli.notes import parse_option

    text = values.get("consent_date")
    if text:
        values["consent_date"] = f"{parse_option(state, '--consent-date', text):%Y-%m-%d}"


@people.command("add")
@click.argument("pseudonym")
@_person_options
@pass_state
def people_add(state: CliState, pseudonym: str, real_names: tuple[str, ...], **values: str | None) -> None:
    """Add an informant under a pseudonym."""
    _read_consent_date(state, values)
    person = Informant(pseudonym, real_names=list(real_names), **{k: v or "" for k, v in values.items()})
    click.echo(state.service().registries.save_informant(person).pseudonym)


@people.command("edit")
@click.argument("pseudonym")
@click.option("--pseudonym", "new_pseudonym", help="A new pseudonym (interviews are updated).")
@_person_options
@pass_state
def people_edit(
    state: CliState,
    pseudonym: str,
    new_pseudonym: str | None,
    real_names: tuple[str, ...],
    **values: str | None,
) -> None:
    """Change an informant. --real-name replaces the list of real names and aliases."""
    registries = state.service().registries
    person = registries.informant(pseudonym)
    _read_consent_date(state, values)
    changes: dict[str, object] = {k: v for k, v in values.items() if v is not None}
    if real_names:
        changes["real_names"] = list(real_names)
    updated = replace(person, pseudonym=new_pseudonym or person.pseudonym, **changes)
    click.echo(registries.save_informant(updated, original=person.pseudonym).pseudonym)


# ----------------------------------------------------------------- codes
@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@click.pass_context
def codes(ctx: click.Context, as_json: bool) -> None:
    """The codebook: list (the default), add, edit, rename, merge, move, import, history.

    Every change is kept in the codebook's history (`codes history`), with --reason."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(codes_list, as_json=as_json)


@codes.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON, with usage counts.")
@pass_state
def codes_list(state: CliState, as_json: bool) -> None:
    """The codebook as a tree: origin (D deductive, I inductive) and number of notes."""
    registries = state.service().registries
    usage = registries.code_usage()
    codebook = registries.codes()
    if as_json:
        print_json([{**c.to_dict(), "notes": usage[tag_key(c.name)]} for c in codebook])
        return
    children: dict[str, list[Code]] = {}
    for code in codebook:
        children.setdefault(tag_key(code.parent), []).append(code)

    def show(parent: str, depth: int, seen: set[str]) -> None:
        for code in children.get(parent, []):
            key = tag_key(code.name)
            if key in seen:
                continue
            mark = "D" if code.origin == "deductive" else "I"
            click.echo(f"{'  ' * depth}{code.name}  [{mark}] {usage[key]} note(s)")
            show(key, depth + 1, seen | {key})

    show("", 0, set())


_REASON = click.option("--reason", default="", help="Why: kept in the codebook's history.")
_code_options = option_group(
    click.option("--description", help="Its definition: when to use it."),
    click.option("--parent", help="The code it sits under."),
    click.option("--origin", type=click.Choice(CODE_ORIGINS), help="Set up before fieldwork, or emerged."),
    click.option("--color", help="A colour like #1f77b4."),
)


@codes.command("add")
@click.argument("name")
@_code_options
@_REASON
@pass_state
def codes_add(
    state: CliState,
    name: str,
    description: str | None,
    parent: str | None,
    origin: str | None,
    color: str | None,
    reason: str,
) -> None:
    """Add a code (deductive unless --origin inductive)."""
    code = Code(
        name,
        description=description or "",
        parent=parent or "",
        origin=origin or "deductive",
        color=color or "",
    )
    click.echo(state.service().registries.save_code(code, reason=reason).name)


@codes.command("edit")
@click.argument("name")
@_code_options
@_REASON
@pass_state
def codes_edit(state: CliState, name: str, reason: str, **values: str | None) -> None:
    """Change a code's description, parent, origin or colour."""
    registries = state.service().registries
    code = registries.code(name)
    updated = replace(code, **{k: v for k, v in values.items() if v is not None})
    click.echo(registries.save_code(updated, original=code.name, reason=reason).name)


@codes.command("rename")
@click.argument("old")
@click.argument("new")
@_REASON
@pass_state
def codes_rename(state: CliState, old: str, new: str, reason: str) -> None:
    """Rename a code in the codebook and in every note (a backup is taken first)."""
    count = state.service().registries.rename_code(old, new, reason=reason)
    click.echo(f"Renamed {old!r} to {new!r} in {count} note(s).", err=True)


@codes.command("merge")
@click.argument("source")
@click.argument("target")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@_REASON
@pass_state
def codes_merge(state: CliState, source: str, target: str, yes: bool, reason: str) -> None:
    """Fold SOURCE into TARGET in every note. A backup is taken first."""
    registries = state.service().registries
    src, dst = registries.code(source), registries.code(target)
    _confirm(f"Merge the code {src.name!r} into {dst.name!r}?", yes)
    count = registries.merge_codes(src.name, dst.name, reason=reason)
    click.echo(f"Merged {src.name!r} into {dst.name!r}; {count} note(s) updated.", err=True)


@codes.command("move")
@click.argument("name")
@click.option("--under", "parent", help="The new parent code.")
@click.option("--top", is_flag=True, help="Move to the top level.")
@_REASON
@pass_state
def codes_move(state: CliState, name: str, parent: str | None, top: bool, reason: str) -> None:
    """Move a code under another (or to the top with --top)."""
    if bool(parent) == top:
        fail("say where: --under PARENT or --top")
    code = state.service().registries.move_code(name, "" if top else (parent or ""), reason=reason)
    click.echo(f"{code.name} is now {'at the top' if not code.parent else 'under ' + code.parent}.", err=True)


@codes.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_state
def codes_import(state: CliState, file: Path) -> None:
    """Pre-load a codebook from CSV (name, parent, description[, origin]) or a REFI .qdc file."""
    added, existing = state.service().registries.import_codebook(file)
    click.echo(f"Added {added} code(s); {existing} were already in the codebook.", err=True)


@codes.command("history")
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the entries as JSON.")
@pass_state
def codes_history(state: CliState, name: str | None, as_json: bool) -> None:
    """The codebook's audit trail, oldest first: every code created, renamed, merged, moved,
    redefined or given another origin, and its first use by a note; when, by whom, why.

    With NAME, the history of that code (and of the codes merged into it); a name no code
    has any more finds the code that had it."""
    from fieldnotes.errors import NotFoundError

    registries = state.service().registries
    if name:
        try:
            code = registries.code(name)
            entries = registries.history.for_code(code.name, code.guid)
        except NotFoundError:
            entries = registries.history.for_code(name)
            if not entries:
                raise NotFoundError(f"no code is or was called {name!r}") from None
    else:
        entries = registries.history.entries()
    if as_json:
        print_json([entry.to_dict() for entry in entries])
        return
    if not entries:
        click.echo("The codebook has no history yet.", err=True)
        return
    for entry in entries:
        click.echo(entry.line())
