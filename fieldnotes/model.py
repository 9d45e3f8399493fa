"""The note model: plain dataclasses, their validation and their JSON shape.

Nothing here knows about storage, the terminal or the CLI.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from functools import lru_cache
from typing import Any

KINDS: tuple[str, ...] = ("meeting", "event", "interview")
EVENT_TYPES: tuple[str, ...] = (
    "conference",
    "panel",
    "training",
    "protest",
    "community event",
    "other",
)
INTERVIEW_FORMATS: tuple[str, ...] = ("semi-structured", "informal", "structured")
CONSENT_TYPES: tuple[str, ...] = ("written", "verbal", "none recorded")
CODE_ORIGINS: tuple[str, ...] = ("deductive", "inductive")

MINUTE_FORMAT = "%Y-%m-%dT%H:%M"
_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")
STAMP_FORMAT = "%Y-%m-%dT%H:%M:%S"

COMMON_FIELDS: tuple[str, ...] = (
    "id",
    "kind",
    "title",
    "start",
    "end",
    "location",
    "organizations",
    "codes",
    "people",
    "body",
    "memo",
    "followups",
    "private",
    "created",
    "updated",
)
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "meeting": ("host", "agenda"),
    "event": ("event_type", "organizers"),
    "interview": (
        "informant",
        "informant_role",
        "interview_format",
        "consent",
        "recording_ref",
    ),
}
LIST_FIELDS: frozenset[str] = frozenset({"organizations", "codes", "people", "organizers"})


class ValidationError(ValueError):
    """A note (or tag) that cannot be saved as given. The message says why."""


def new_id() -> str:
    return str(uuid.uuid4())


GUID_NAMESPACE = uuid.UUID("6c1d0e52-5f0a-4b8e-9a53-3f2b7c1d9e10")


def stable_guid(*parts: str) -> str:
    """A GUID that is the same every time for the same parts (exports, old records).

    A version-5 (SHA-1, name-based) UUID, formatted directly: exports make
    tens of thousands of these.
    """
    digest = hashlib.sha1(GUID_NAMESPACE.bytes + "\x1f".join(parts).encode("utf-8")).hexdigest()
    variant = "89ab"[int(digest[16], 16) & 3]
    return f"{digest[:8]}-{digest[8:12]}-5{digest[13:16]}-{variant}{digest[17:20]}-{digest[20:32]}"


def now_stamp() -> str:
    return datetime.now().strftime(STAMP_FORMAT)


@lru_cache(maxsize=4096)
def tag_key(name: str) -> str:
    """The identity of an organization or code name: case and spacing ignored."""
    return " ".join(name.split()).casefold()


def clean_tag(name: str) -> str:
    """A tag as it is stored: surrounding spaces gone, inner runs folded to one."""
    return " ".join(name.split())


def dedupe_tags(names: list[str]) -> list[str]:
    """Clean tags, dropping empties and case-insensitive repeats, keeping order."""
    seen: set[str] = set()
    out: list[str] = []
    for name in names:
        cleaned = clean_tag(name)
        key = cleaned.casefold()
        if cleaned and key not in seen:
            seen.add(key)
            out.append(cleaned)
    return out


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@dataclass
class Note:
    kind: str
    title: str
    start: str
    id: str = field(default_factory=new_id)
    end: str | None = None
    location: str = ""
    organizations: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    body: str = ""
    memo: str = ""
    followups: str = ""
    private: str = ""  # too sensitive to leave the laptop: never exported unless asked
    created: str = ""
    updated: str = ""
    # meeting
    host: str = ""
    agenda: str = ""
    # event
    event_type: str = ""
    organizers: list[str] = field(default_factory=list)
    # interview
    informant: str = ""
    informant_role: str = ""
    interview_format: str = ""
    consent: str = ""
    recording_ref: str = ""

    @property
    def start_dt(self) -> datetime:
        return datetime.fromisoformat(self.start)

    @property
    def end_dt(self) -> datetime | None:
        return datetime.fromisoformat(self.end) if self.end else None

    @property
    def unconsented(self) -> bool:
        """An interview with no consent on record ("none recorded" or left empty)."""
        return self.kind == "interview" and self.consent in ("", "none recorded")

    @property
    def duration_minutes(self) -> int | None:
        end = self.end_dt
        if end is None:
            return None
        return int((end - self.start_dt).total_seconds() // 60)

    def field_names(self) -> tuple[str, ...]:
        return COMMON_FIELDS + KIND_FIELDS.get(self.kind, ())

    def to_dict(self) -> dict[str, Any]:
        """The note as JSON: the common fields plus those of its kind only."""
        out: dict[str, Any] = {}
        for name in self.field_names():
            value = getattr(self, name)
            out[name] = list(value) if isinstance(value, list) else value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Note:
        """Build a note from stored or imported JSON, ignoring unknown keys.

        Never mutates `data`; lists are copied. Runs 10,000 times at start-up,
        so the common case (clean stored data) takes the short path.
        """
        values = {key: value for key, value in data.items() if key in _NOTE_FIELDS}
        for key, value in values.items():
            if key in LIST_FIELDS:
                if isinstance(value, str):
                    value = [part.strip() for part in value.split(";") if part.strip()]
                values[key] = [str(v) for v in value] if value else []
            elif value is None and key != "end":
                values[key] = ""
        if not values.get("end"):
            values["end"] = None
        for required in ("kind", "title", "start"):
            values.setdefault(required, "")
        return cls(**values)

    def validate(self) -> None:
        """Raise ValidationError when the note cannot be saved as it is."""
        if self.kind not in KINDS:
            raise ValidationError(f"unknown kind {self.kind!r}: choose one of {', '.join(KINDS)}")
        if not self.title.strip():
            raise ValidationError("a note needs a title")
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is None and name == "end":
                continue
            try:
                datetime.strptime(value, MINUTE_FORMAT)
            except (TypeError, ValueError):
                raise ValidationError(
                    f"{name} must be a date-time like 2016-01-17T08:30, not {value!r}"
                ) from None
        if self.end is not None and self.end < self.start:
            raise ValidationError(f"the end ({self.end}) is before the start ({self.start})")
        for name in LIST_FIELDS:
            for tag in getattr(self, name):
                if ";" in tag or "\n" in tag or "\r" in tag:
                    raise ValidationError(
                        f"{name.replace('_', ' ')} {tag!r}: a name can't hold ';' or a line break"
                    )
        for name in self.field_names():
            value = getattr(self, name)
            for text in value if isinstance(value, list) else [value]:
                if isinstance(text, str) and not _encodable(text):
                    raise ValidationError(f"{name} holds characters that are not valid Unicode text")
        choices = {
            "event_type": EVENT_TYPES,
            "interview_format": INTERVIEW_FORMATS,
            "consent": CONSENT_TYPES,
        }
        for name, allowed in choices.items():
            value = getattr(self, name)
            if value and value not in allowed:
                raise ValidationError(
                    f"{name.replace('_', ' ')} {value!r} is not one of: {', '.join(allowed)}"
                )


_NOTE_FIELDS = frozenset(f.name for f in fields(Note))


ORG_TYPES: tuple[str, ...] = (
    "human-service nonprofit",
    "advocacy: abolitionist",
    "advocacy: sex-worker rights",
    "law enforcement",
    "government",
    "funder",
    "academic",
    "media",
    "other",
)


def _str_list(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.split(";")
    return dedupe_tags([str(v) for v in value or []])


@dataclass
class Organization:
    """An organization in the registry. Aliases are other spellings that tag it too."""

    name: str
    type: str = ""
    aliases: list[str] = field(default_factory=list)
    description: str = ""
    guid: str = field(default_factory=new_id)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Organization:
        name = str(data.get("name", ""))
        return cls(
            name=name,
            type=str(data.get("type") or ""),
            aliases=_str_list(data.get("aliases")),
            description=str(data.get("description") or ""),
            guid=str(data.get("guid") or stable_guid("organization", tag_key(name))),
        )

    def spellings(self) -> set[str]:
        """Every spelling that means this organization."""
        return {tag_key(self.name), *(tag_key(alias) for alias in self.aliases)}


@dataclass
class Code:
    """A code in the codebook. `origin` is deductive (set up before fieldwork)
    or inductive (emerged during it); an inductive code remembers the note and
    date that prompted it."""

    name: str
    description: str = ""
    parent: str = ""
    origin: str = "inductive"
    color: str = ""
    first_note: str = ""
    first_date: str = ""
    guid: str = field(default_factory=new_id)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Code:
        name = str(data.get("name", ""))
        return cls(
            name=name,
            description=str(data.get("description") or ""),
            parent=str(data.get("parent") or ""),
            origin=str(data.get("origin") or "inductive"),
            color=str(data.get("color") or ""),
            first_note=str(data.get("first_note") or ""),
            first_date=str(data.get("first_date") or ""),
            guid=str(data.get("guid") or stable_guid("code", tag_key(name))),
        )

    def validate(self) -> None:
        if not self.name.strip():
            raise ValidationError("a code needs a name")
        if ";" in self.name or "\n" in self.name:
            raise ValidationError(f"code {self.name!r}: a name can't hold ';' or a line break")
        if self.origin not in CODE_ORIGINS:
            raise ValidationError(f"origin {self.origin!r} is not one of: {', '.join(CODE_ORIGINS)}")
        if self.color and not _COLOR.match(self.color):
            raise ValidationError(f"colour {self.color!r} is not like #1f77b4")


@dataclass
class Informant:
    """An interview informant, known by a pseudonym. Real names and aliases may be
    kept, in the database only, so exports can replace them with the pseudonym;
    lists never show them unless asked."""

    pseudonym: str
    role: str = ""
    organization: str = ""
    consent: str = ""
    consent_date: str = ""
    notes: str = ""
    real_names: list[str] = field(default_factory=list)
    guid: str = field(default_factory=new_id)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def public_dict(self) -> dict[str, Any]:
        """For lists and reports: everything but the real names."""
        data = self.to_dict()
        del data["real_names"]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Informant:
        pseudonym = str(data.get("pseudonym", ""))
        return cls(
            pseudonym=pseudonym,
            role=str(data.get("role") or ""),
            organization=str(data.get("organization") or ""),
            consent=str(data.get("consent") or ""),
            consent_date=str(data.get("consent_date") or ""),
            notes=str(data.get("notes") or ""),
            real_names=_str_list(data.get("real_names")),
            guid=str(data.get("guid") or stable_guid("informant", tag_key(pseudonym))),
        )

    def validate(self) -> None:
        if not self.pseudonym.strip():
            raise ValidationError("an informant needs a pseudonym")
        if self.consent and self.consent not in CONSENT_TYPES:
            raise ValidationError(f"consent {self.consent!r} is not one of: {', '.join(CONSENT_TYPES)}")
        if self.consent_date:
            try:
                datetime.strptime(self.consent_date, "%Y-%m-%d")
            except ValueError:
                raise ValidationError(f"consent date {self.consent_date!r} is not YYYY-MM-DD") from None


@dataclass
class Project:
    """Ethics metadata of the study."""

    protocol: str = ""  # the ethics protocol number
    destroy_by: str = ""  # YYYY-MM-DD: the data retention or destroy-by date
    consent_forms: list[str] = field(default_factory=list)  # consent form versions
    researcher: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Project:
        return cls(
            protocol=str(data.get("protocol") or ""),
            destroy_by=str(data.get("destroy_by") or ""),
            consent_forms=_str_list(data.get("consent_forms")),
            researcher=str(data.get("researcher") or ""),
        )

    def validate(self) -> None:
        if self.destroy_by:
            try:
                datetime.strptime(self.destroy_by, "%Y-%m-%d")
            except ValueError:
                raise ValidationError(f"the destroy-by date {self.destroy_by!r} is not YYYY-MM-DD") from None

    def overdue(self, today: str) -> bool:
        return bool(self.destroy_by) and self.destroy_by < today
