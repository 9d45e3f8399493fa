"""The export ledger: every export that was written, for a data-management audit.

One record per finished export in the database's "exports" table: when, which
format (and target), where, the filters, the protections, how many notes went
out and their ids (so `export documents --new-only` knows what NVivo has). An
export that failed is never recorded. An export made without `--pseudonymise`
while real names are registered for informants is marked (`names_exposed`):
the ethics board asks about exactly those.

The ids are stored compactly: an export that carries the notes of an earlier one (the
same notes again, in another format, or with a few added or left out) is stored as that
record's guid and the difference, `{"like": guid, "before": "ids", "after": "ids",
"minus": "ids"}` (new notes first or last, the base's others in its order), only when
reading it back gives exactly its ids in their order; otherwise as one string
of ids (a list when an id holds a space). Its base always holds its ids whole, so one
look-up reads any record. At 50,000 notes the ids are 1.85 MB an export: a database
exported after each week's notes no longer grows by that each time, nor does every
command that writes read it.
"""

from __future__ import annotations

from collections import Counter
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
        doc["note_ids"] = self._stored_ids(record.note_ids)
        self.store.put_records(TABLE, [doc])
        return record

    def _stored_ids(self, ids: list[str]) -> str | list[str] | dict[str, str]:
        joined = " ".join(ids)
        # One string, not a list: the records are read by every command that writes (the
        # sidecar holds them), and 50,000 ids as one string parse in 0.1 ms, not 5.
        # Always so for ids without spaces; ids with them stay a list.
        if joined.split() != ids:
            return list(ids)
        base = self._latest_whole()
        if base is None:
            return joined
        guid, base_ids = base
        wanted, kept = set(ids), set(base_ids)
        minus = [note_id for note_id in base_ids if note_id not in wanted]
        added = sum(1 for note_id in ids if note_id not in kept)
        if added + len(minus) > len(ids) // 4:
            return joined  # little in common: this record is a new base
        # New notes come first (newest first) or last: before and after the base's others.
        lead = next((at for at, note_id in enumerate(ids) if note_id in kept), len(ids))
        core = len(base_ids) - len(minus)
        delta = {
            "like": guid,
            "before": " ".join(ids[:lead]),
            "after": " ".join(ids[lead + core :]),
            "minus": " ".join(minus),
        }
        if _apply_delta(base_ids, delta) != ids:  # another order: kept whole, never approximated
            return joined
        return delta

    def _latest_whole(self) -> tuple[str, list[str]] | None:
        """The newest record whose ids are stored whole as a string, and its ids (one whose
        guid another record shares is never a base: it would not name one record)."""
        whole = _whole_ids(self.store.records(TABLE))
        if not whole:
            return None
        guid, (_, ids) = max(whole.items(), key=lambda item: item[1][0])
        return guid, ids.split()

    def records(self) -> list[ExportRecord]:
        """Every export, oldest first, its ids read back whole whatever their stored form. A
        record whose base is gone (only a hand-edited file loses one) reads with no ids:
        `export documents --new-only` then offers its notes again rather than skipping them."""
        docs = self.store.records(TABLE)
        whole = _whole_ids(docs)
        split: dict[str, list[str]] = {}  # each base's ids, split once however many refer to it
        records = []
        for doc in docs:
            ids = doc.get("note_ids")
            if isinstance(ids, str):
                doc["note_ids"] = ids.split()
            elif isinstance(ids, dict):
                like = str(ids.get("like", ""))
                if like in whole and like not in split:
                    split[like] = whole[like][1].split()
                doc["note_ids"] = _apply_delta(split[like], ids) if like in whole else []
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


def _apply_delta(base: list[str], delta: dict[str, Any]) -> list[str]:
    """The ids of a record stored as `delta` against the ids `base`: its `before`, those of
    `base` not in its `minus` in their order, then its `after`."""
    minus = set(str(delta.get("minus", "")).split())
    kept = [note_id for note_id in base if note_id not in minus]
    return str(delta.get("before", "")).split() + kept + str(delta.get("after", "")).split()


def _whole_ids(docs: list[dict[str, Any]]) -> dict[str, tuple[str, str]]:
    """guid -> (when, ids) of the records that store their ids as one string, and whose guid
    no other record has (a base must name one record)."""
    guids = Counter(str(doc.get("guid", "")) for doc in docs)
    return {
        str(doc["guid"]): (str(doc.get("when", "")), doc["note_ids"])
        for doc in docs
        if isinstance(doc.get("note_ids"), str) and doc.get("guid") and guids[str(doc["guid"])] == 1
    }
