"""Ethics commands: `project` (protocol, retention, consent forms) and `check-names`."""

from __future__ import annotations

from typing import Any

import click

from fieldnotes.cli.common import CliState, pass_state
from fieldnotes.cli.notes import filter_options, note_filter, parse_option
from fieldnotes.cli.render import print_json


@click.group(invoke_without_command=True)
@click.pass_context
def project(ctx: click.Context) -> None:
    """The study's ethics metadata: show (the default) or set."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(project_show)


@project.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_state
def project_show(state: CliState, as_json: bool) -> None:
    """Show the protocol number, destroy-by date and consent form versions."""
    info = state.service().registries.project()
    if as_json:
        print_json(info.to_dict())
        return
    click.echo(f"Ethics protocol:    {info.protocol or '(not set)'}")
    click.echo(f"Destroy data by:    {info.destroy_by or '(not set)'}")
    click.echo(f"Consent forms:      {', '.join(info.consent_forms) or '(not set)'}")
    click.echo(f"Researcher:         {info.researcher or '(not set)'}")


@project.command("set")
@click.option("--protocol", help="The ethics protocol number.")
@click.option("--destroy-by", help="The data retention or destroy-by date ('' clears it).")
@click.option(
    "--consent-form", "consent_forms", multiple=True, help="A consent form version (repeat for more)."
)
@click.option("--researcher", help="Your name, as exports record the researcher.")
@pass_state
def project_set(
    state: CliState,
    protocol: str | None,
    destroy_by: str | None,
    consent_forms: tuple[str, ...],
    researcher: str | None,
) -> None:
    """Record the study's ethics metadata. Options not given are left as they are."""
    from dataclasses import replace

    registries = state.service().registries
    info = registries.project()
    changes: dict[str, Any] = {}
    if protocol is not None:
        changes["protocol"] = protocol.strip()
    if destroy_by is not None:
        changes["destroy_by"] = (
            f"{parse_option(state, '--destroy-by', destroy_by):%Y-%m-%d}" if destroy_by else ""
        )
    if consent_forms:
        changes["consent_forms"] = [form.strip() for form in consent_forms if form.strip()]
    if researcher is not None:
        changes["researcher"] = researcher.strip()
    registries.save_project(replace(info, **changes))
    click.echo("Saved.", err=True)


@click.command("check-names")
@filter_options
@click.option("--no-private", is_flag=True, help="Leave private fields out of the check.")
@pass_state
def check_names(state: CliState, no_private: bool, **values: Any) -> None:
    """List words that look like names and are not in the registry, and tags that hold a
    registered real name.

    The same pre-flight check every export runs, over every exported field
    (notes, organizations, codes, informants): review these before sharing.
    Words after a title (Ms., Dr., Officer...) always count; a word seen only at
    the start of sentences is listed when something there marks a person
    ("Brandt said", "Rosa's van") and it never appears in lowercase.
    Organizations, codes, pseudonyms and recorded real names are not listed; add
    real names to an informant (`people edit P-01 --real-name ...`) so
    `--pseudonymise` replaces them.
    """
    found = state.service().check_names(note_filter(state, values), include_private=not no_private)
    if not found:
        click.echo("No unregistered names found.", err=True)
        return
    for line in found.lines():
        click.echo(line)
