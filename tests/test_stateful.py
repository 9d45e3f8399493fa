"""The service against a plain in-memory model, step by step, on plain and encrypted storage.

Hypothesis drives add, edit, delete, rename, merge, import, backup, restore,
reopen and "kill and reopen" (the process dies: nothing closed, a torn
append at the end of the journal), and after every step the database must
hold exactly what the model says.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import hypothesis.strategies as st
import orjson
from hypothesis import HealthCheck, settings
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, precondition, rule

from fieldnotes.model import Note
from fieldnotes.service import FieldNotes, encrypt_database, restore
from fieldnotes.text import tag_key
from tests.conftest import PASSPHRASE

ORG_NAMES = ["Harbor Rights Collective", "Eastgate Drop-in", "City Vice Unit", "Mercy Clinic"]
texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
titles = texts.filter(lambda t: t.strip() != "")


@dataclass
class Model:
    """What the database should hold: note id -> (title, body, organization keys), and org names."""

    notes: dict[str, tuple[str, str, frozenset[str]]] = field(default_factory=dict)
    orgs: dict[str, str] = field(default_factory=dict)  # key -> name
    aliases: set[str] = field(default_factory=set)  # keys of names merged away (now aliases)

    def copy(self) -> Model:
        return Model(dict(self.notes), dict(self.orgs), set(self.aliases))


def _row(note: Note) -> tuple[str, str, frozenset[str]]:
    return (note.title, note.body, frozenset(tag_key(org) for org in note.organizations))


class ServiceMachine(RuleBasedStateMachine):
    passphrase: str | None = None
    notes = Bundle("notes")

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="fieldnotes-stateful-"))
        self.db = self.folder / "notes.json"
        FieldNotes.open(self.db).close()
        if self.passphrase:
            encrypt_database(self.db, self.passphrase)
        self.svc = self._open()
        self.model = Model()
        self.saved: list[tuple[str, Model]] = []  # (backup file name, model then)

    def _open(self) -> FieldNotes:
        return FieldNotes.open(self.db, passphrase=self.passphrase)

    def teardown(self) -> None:
        self.svc.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    # ----------------------------------------------------------------- rules
    @rule(target=notes, title=titles, body=texts, orgs=st.lists(st.sampled_from(ORG_NAMES), max_size=3))
    def add(self, title: str, body: str, orgs: list[str]) -> str:
        note = self.svc.add(
            Note(kind="meeting", title=title, start="2016-01-17T08:30", body=body, organizations=orgs)
        )
        self.model.notes[note.id] = _row(note)
        for org in note.organizations:
            self.model.orgs.setdefault(tag_key(org), org)
        return note.id

    @rule(note_id=notes, title=titles, body=texts)
    def edit(self, note_id: str, title: str, body: str) -> None:
        if note_id not in self.model.notes:
            return
        note = self.svc.get(note_id)
        note.title, note.body = title, body
        saved = self.svc.update(note)
        self.model.notes[note_id] = _row(saved)

    @rule(note_id=notes)
    def delete(self, note_id: str) -> None:
        if note_id not in self.model.notes:
            return
        self.svc.delete(note_id)
        del self.model.notes[note_id]

    @precondition(lambda self: bool(self.model.orgs))
    @rule(
        data=st.data(), new=st.sampled_from(["Harbour Rights Collective", "Eastgate Drop-in Centre", "CVU"])
    )
    def rename_org(self, data: st.DataObject, new: str) -> None:
        old_key = data.draw(st.sampled_from(sorted(self.model.orgs)))
        if tag_key(new) in self.model.orgs or tag_key(new) in self.model.aliases:
            return  # taken: refused, as the registry's own tests show
        self.svc.registries.rename_organization(self.model.orgs[old_key], new)
        self._retag({old_key}, new)
        del self.model.orgs[old_key]
        self.model.orgs[tag_key(new)] = new

    @precondition(lambda self: len(self.model.orgs) >= 2)
    @rule(data=st.data())
    def merge_orgs(self, data: st.DataObject) -> None:
        source, target = data.draw(
            st.lists(st.sampled_from(sorted(self.model.orgs)), min_size=2, max_size=2, unique=True)
        )
        self.svc.registries.merge_organizations(self.model.orgs[source], self.model.orgs[target])
        self._retag({source}, self.model.orgs[target])
        del self.model.orgs[source]
        self.model.aliases.add(source)

    def _retag(self, old_keys: set[str], new: str) -> None:
        for note_id, (title, body, keys) in self.model.notes.items():
            if keys & old_keys:
                self.model.notes[note_id] = (title, body, frozenset((keys - old_keys) | {tag_key(new)}))

    @rule(rows=st.lists(st.tuples(titles, texts), min_size=1, max_size=4))
    def import_jsonl(self, rows: list[tuple[str, str]]) -> None:
        path = self.folder / "import.jsonl"
        notes = [Note(kind="event", title=title, start="2015-06-01T10:00", body=body) for title, body in rows]
        path.write_bytes(b"".join(orjson.dumps(note.to_dict()) + b"\n" for note in notes))
        report = self.svc.import_notes(path)
        assert report.added == len(notes)
        for note in notes:
            self.model.notes[note.id] = (note.title.strip(), note.body, frozenset())  # titles are trimmed

    @rule()
    def backup(self) -> None:
        path = self.svc.backup("manual")
        self.saved.append((path.name, self.model.copy()))

    @precondition(lambda self: bool(self.saved))
    @rule(data=st.data())
    def restore_backup(self, data: st.DataObject) -> None:
        name, model = data.draw(st.sampled_from(self.saved))
        self.svc.close()
        if not any(
            info.name == name for info in FieldNotes.open(self.db, passphrase=self.passphrase).backups()
        ):
            self.svc = self._open()
            return  # pruned (30 are kept)
        restore(self.db, name, passphrase=self.passphrase)
        self.svc = self._open()
        self.model = model.copy()

    @rule()
    def reopen(self) -> None:
        self.svc.close()
        self.svc = self._open()

    @rule(torn=st.binary(min_size=1, max_size=30).filter(lambda b: b"\n" not in b))
    def kill_and_reopen(self, torn: bytes) -> None:
        """The process dies: nothing is closed or folded, and an append was cut short."""
        journal = self.db.with_name(self.db.name + ".journal")
        if journal.exists():
            with open(journal, "ab") as handle:
                handle.write(torn)
        self.svc = self._open()  # the old service is simply dropped, like a killed process

    # ------------------------------------------------------------- invariant
    @invariant()
    def database_matches_the_model(self) -> None:
        stored = {note.id: _row(note) for note in self.svc.note_views()}
        assert stored == self.model.notes
        orgs = {tag_key(org.name) for org in self.svc.registries.organizations()}
        assert set(self.model.orgs) <= orgs


class EncryptedServiceMachine(ServiceMachine):
    passphrase = PASSPHRASE


_settings = settings(
    max_examples=12,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestPlainService = ServiceMachine.TestCase
TestPlainService.settings = _settings
TestEncryptedService = EncryptedServiceMachine.TestCase
TestEncryptedService.settings = _settings
