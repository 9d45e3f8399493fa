"""The export ledger: every export that was written, for a data-management audit.

One record per finished export in the database's "exports" table: when, which
format (and target), where, the filters, the protections, how many notes went
out and their ids (so `export documents --new-only` knows what NVivo has). An
export that failed is never recorded. An export made without `--pseudonymise`
while real names are registered for informants is marked (`names_exposed`):
the ethics board asks about exactly those.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from fieldnotes.model import Record, new_id, now_stamp
from fieldnotes.storage import Store

TABLE = "exports"


@dataclass
class ExportRecord(Record):
    when: str  # YYYY-MM-DDTHH:MM:SS, local time
    format: str  # nvivo-csv, nvivo-xlsx, qdpx, qdc, documents-txt, documents-docx
    path: str
    notes: int
    filters: str = ""  # "" = every note
    protections: list[str] = field(default_factory=list)  # the switches that were on
    names_exposed: bool = False  # real names registered and not pseudonymised
    options: dict[str, str] = field(default_factory=dict)  # e.g. target: nvivo, format options
    note_ids: list[str] = field(default_factory=list)
    guid: str = field(default_factory=new_id)

    @classmethod
    def _complete(cls, values: dict[str, Any]) -> None:
        for name in ("when", "format", "path"):
            values.setdefault(name, "")
        values.setdefault("notes", 0)

    def summary(self) -> dict[str, Any]:
        """Everything but the (long) list of note ids: for listings."""
        data = asdict(replace(self, note_ids=[]))  # asdict copies a list an item at a time
        del data["note_ids"]
        return data


class Ledger:
    """Reads and appends the "exports" table of one store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def append(self, record: ExportRecord) -> ExportRecord:
        record.when = record.when or now_stamp()
        doc = asdict(replace(record, note_ids=[]))  # asdict copies a list an item at a time (65 ms at 50,000)
        joined = " ".join(record.note_ids)
        # One string, not a list: the records are read by every command that writes (the
        # sidecar holds them), and 50,000 ids as one string parse in 0.1 ms, not 5.
        # Always so for ids without spaces; ids with them stay a list.
        doc["note_ids"] = joined if joined.split() == record.note_ids else list(record.note_ids)
        self.store.put_records(TABLE, [doc])
        return record

    def records(self) -> list[ExportRecord]:
        """Every export, oldest first."""
        records = []
        for doc in self.store.records(TABLE):
            if isinstance(doc.get("note_ids"), str):
                doc["note_ids"] = doc["note_ids"].split()
            records.append(ExportRecord.from_dict(doc))
        return sorted(records, key=lambda record: record.when)

    def exported_ids(self, formats: tuple[str, ...]) -> dict[str, str]:
        """Note id -> when it last went out in one of `formats`."""
        seen: dict[str, str] = {}
        for record in self.records():
            if record.format in formats:
                for note_id in record.note_ids:
                    seen[note_id] = record.when
        return seen
