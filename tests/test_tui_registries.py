"""Pilot tests for the organizations, informants, codebook and reports screens."""

from __future__ import annotations

from datetime import datetime

from textual.widgets import DataTable, Input, Select, Sparkline, Static, Tree

from fieldnotes.model import Code, Informant, Organization
from fieldnotes.service import FieldNotes
from fieldnotes.tui.app import FieldnotesApp
from fieldnotes.tui.dialogs.confirm import ConfirmDialog
from fieldnotes.tui.dialogs.record_form import RecordForm
from fieldnotes.tui.screens.main import MainScreen
from fieldnotes.tui.screens.note_detail import NoteDetailScreen
from fieldnotes.tui.screens.note_form import NoteFormScreen
from fieldnotes.tui.screens.registries.codebook import CodebookScreen
from fieldnotes.tui.screens.registries.informants import InformantsScreen
from fieldnotes.tui.screens.registries.organizations import OrganizationsScreen
from fieldnotes.tui.screens.reports import ReportsScreen
from fieldnotes.tui.widgets.note_table import NoteTable
from fieldnotes.tui.widgets.tag_input import TagInput
from tests.conftest import make_note

CLOCK = datetime(2016, 1, 17, 8, 30)


def make_app(service: FieldNotes) -> FieldnotesApp:
    return FieldnotesApp(service, now=lambda: CLOCK)


def seed(service: FieldNotes) -> None:
    service.registries.save_organization(
        Organization("Harbor Rights Collective", type="advocacy: sex-worker rights")
    )
    service.registries.save_organization(
        Organization("Eastgate Drop-in Centre", type="human-service nonprofit")
    )
    service.registries.save_code(Code("framing", origin="deductive"))
    service.registries.save_code(Code("framing: worker", parent="framing", origin="deductive"))
    service.add(
        make_note(
            title="Monthly",
            start="2015-06-03T18:00",
            end="2015-06-03T19:30",
            organizations=["Harbor Rights Collective", "Eastgate Drop-in Centre"],
            codes=["framing: worker"],
        )
    )
    service.add(
        make_note(
            title="Typed twice", start="2015-07-03T18:00", organizations=["Eastgate Dropin"], codes=["trust"]
        )
    )
    service.registries.save_informant(
        Informant("P-03", role="outreach worker", organization="Harbor Rights Collective", consent="verbal")
    )


async def test_organizations_screen_lists_counts_shows_notes_and_merges(service: FieldNotes) -> None:
    seed(service)
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("o")
        screen = app.screen
        assert isinstance(screen, OrganizationsScreen)
        table = screen.query_one("#reg-list", DataTable)
        assert table.row_count == 3
        rows = {str(table.get_row_at(i)[0]): table.get_row_at(i) for i in range(table.row_count)}
        assert rows["Eastgate Drop-in Centre"][3] == 1 and rows["Harbor Rights Collective"][1].startswith(
            "advocacy"
        )
        await pilot.press("slash")
        await pilot.press(*"dropin")
        await pilot.pause()
        assert table.row_count == 1 and screen.selected == "Eastgate Dropin"
        assert [n.title for n in screen.query_one("#reg-notes", NoteTable).notes] == ["Typed twice"]
        await pilot.press("enter")  # back to the list
        await pilot.press("u")  # merge ("m" is a new meeting, everywhere)
        await pilot.pause()
        assert isinstance(app.screen, RecordForm)
        app.screen.query_one("#r-target", Input).value = "eastgate drop"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, OrganizationsScreen)
    assert [o.name for o in service.registries.organizations()] == [
        "Eastgate Drop-in Centre",
        "Harbor Rights Collective",
    ]
    assert all("Eastgate Dropin" not in n.organizations for n in service.notes())
    assert "Eastgate Dropin" in service.registries.organization("Eastgate Drop-in Centre").aliases


async def test_edit_and_rename_an_organization(service: FieldNotes) -> None:
    seed(service)
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("o")
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, RecordForm)
        form.query_one("#r-aliases", Input).value = "EDC; Eastgate"
        form.query_one("#r-type", Input).value = "human-service nonprofit"
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("f2")  # rename ("r" is the reports, everywhere)
        await pilot.pause()
        app.screen.query_one("#r-name", Input).value = "Eastgate Centre"
        await pilot.press("ctrl+s")
        await pilot.pause()
        # an error keeps the form open: renaming onto a taken name
        await pilot.press("f2")
        await pilot.pause()
        app.screen.query_one("#r-name", Input).value = "Harbor Rights Collective"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, RecordForm)
        assert "already" in str(app.screen.query_one("#r-error", Static).render())
        await pilot.press("escape")
    org = service.registries.organization("EDC")
    assert org.name == "Eastgate Centre" and org.aliases == ["EDC", "Eastgate"]
    assert any("Eastgate Centre" in n.organizations for n in service.notes())


async def test_codebook_tree_with_origins_and_notes(service: FieldNotes) -> None:
    seed(service)
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        screen = app.screen
        assert isinstance(screen, CodebookScreen)
        tree = screen.query_one("#reg-list", Tree)
        top = [str(node.label) for node in tree.root.children]
        assert any(label.startswith("framing  D") for label in top)
        assert any(label.startswith("trust  I") for label in top)
        framing = next(node for node in tree.root.children if node.data == "framing")
        assert [child.data for child in framing.children] == ["framing: worker"]
        tree.move_cursor(framing.children[0])
        await pilot.pause()
        assert [n.title for n in screen.query_one("#reg-notes", NoteTable).notes] == ["Monthly"]
        await pilot.press("b")  # move below another ("v" is a new event, everywhere)
        await pilot.pause()
        app.screen.query_one("#r-parent", Input).value = ""
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert service.registries.code("framing: worker").parent == ""
        assert screen.selected == "framing: worker"
        notes = screen.query_one("#reg-notes", NoteTable)
        assert [n.title for n in notes.notes] == ["Monthly"], (notes.notes, notes.row_count)
        notes.focus()
        await pilot.pause()
        await pilot.press("enter")
        assert isinstance(app.screen, NoteDetailScreen)


async def test_informants_screen_and_interview_form_fill(service: FieldNotes) -> None:
    seed(service)
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("p")
        assert isinstance(app.screen, InformantsScreen)
        table = app.screen.query_one("#reg-list", DataTable)
        assert table.get_row_at(0)[0] == "P-03"
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)
        await pilot.press("i")
        form = app.screen
        assert isinstance(form, NoteFormScreen)
        form.query_one("#informant", Input).focus()
        await pilot.press("p", "minus", "0")
        await pilot.press("enter")
        assert form.query_one("#informant", Input).value == "P-03"
        assert form.query_one("#informant_role", Input).value == "outreach worker"
        assert form.query_one("#consent", Select).value == "verbal"
        assert form.query_one("#organizations", TagInput).tags == ["Harbor Rights Collective"]


async def test_reports_screen_tables_sparklines_and_dates(service: FieldNotes) -> None:
    seed(service)
    app = make_app(service)
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.press("r")
        screen = app.screen
        assert isinstance(screen, ReportsScreen)
        contacts = screen.query_one("#rep-contacts", DataTable)
        assert contacts.row_count == 3  # Harbor and Eastgate in June, "Eastgate Dropin" in July
        sparks = list(screen.query(Sparkline))
        assert len(sparks) == 3
        assert screen.query_one("#rep-ties", DataTable).row_count == 1
        screen.query_one("#rep-since", Input).value = "1 Jul 2015"
        screen.query_one("#rep-since", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert contacts.row_count == 1
        screen.query_one("#rep-since", Input).value = "sometime"
        await pilot.press("enter")
        await pilot.pause()
        assert "sometime" in str(screen.query_one("#rep-error", Static).render())
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)
