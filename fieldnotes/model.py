"""The model: plain dataclasses, the field vocabulary, validation and the JSON shape.

`NOTE_FIELDS` is the one place that says what a note's fields are called, what
they mean, which kinds have them and which are lists. The form, the detail
view, the CLI options, the renderers and `from_dict` all read it.

Nothing here knows about storage, the terminal or the CLI.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import MISSING, asdict, dataclass, field, fields
from datetime import datetime
from functools import cache
from typing import Any, ClassVar, Self, get_type_hints

from fieldnotes.errors import ValidationError
from fieldnotes.text import dedupe_tags, one_line, tag_key
from fieldnotes.ties import FORMAT as TIE_FORMAT
from fieldnotes.ties import check_ties

KINDS: tuple[str, ...] = ("meeting", "event", "interview")
EVENT_TYPES: tuple[str, ...] = (
    "conference",
    "panel",
    "training",
    "protest",
    "community event",
    "other",
)
JOTTED = "jotted"
WRITTEN_UP = "written up"
STATUSES: tuple[str, ...] = (JOTTED, WRITTEN_UP)
"""A jotted note holds the lines jotted during an event; its write-up is pending."""
INTERVIEW_FORMATS: tuple[str, ...] = ("semi-structured", "informal", "structured")
CONSENT_TYPES: tuple[str, ...] = ("written", "verbal", "none recorded")
CODE_ORIGINS: tuple[str, ...] = ("deductive", "inductive")
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

MINUTE_FORMAT = "%Y-%m-%dT%H:%M"
STAMP_FORMAT = "%Y-%m-%dT%H:%M:%S"
_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")


# ------------------------------------------------------------ the vocabulary
@dataclass(frozen=True)
class NoteField:
    """What one note field is: its name, how people call it, and its shape."""

    name: str
    label: str  # short: the detail view, `fieldnotes show`
    help: str = ""  # one sentence: CLI --help, form hints
    option: str = ""  # the CLI option of `add`/`edit` that sets it ("" = none)
    kinds: tuple[str, ...] = KINDS  # the kinds of note that have it
    is_list: bool = False
    prose: bool = False  # free, multi-line text (notes, memo...)
    choices: tuple[str, ...] = ()  # a closed list of values (empty = free text)
    suggestions: tuple[str, ...] = ()  # usual values of a free-text field (the form completes them)
    form_label: str = ""  # the form's label, when it says more than `label`
    placeholder: str = ""  # the form's example

    @property
    def form_title(self) -> str:
        return self.form_label or self.label

    @property
    def param(self) -> str:
        """The click parameter name of `option`."""
        return self.option.lstrip("-").replace("-", "_")


NOTE_FIELDS: tuple[NoteField, ...] = (
    NoteField("id", "id"),
    NoteField("kind", "kind", "meeting, event or interview.", "--kind", choices=KINDS),
    NoteField(
        "title",
        "Title",
        "A short title, e.g. 'Coalition monthly meeting'.",
        "--title",
        placeholder="e.g. Coalition monthly meeting",
    ),
    NoteField(
        "start",
        "When",
        "When it started: 'now', 'today 3pm', '17 Jan 2016 8:30'...",
        "--when",
        placeholder="now, today 3pm, 17 Jan 2016 8:30",
    ),
    NoteField(
        "end",
        "Ended",
        "When it ended: a date-time, a time that day, or '+90m'.",
        "--end",
        form_label="Ended (optional)",
        placeholder="4:30pm, +90m",
    ),
    NoteField(
        "location",
        "Where",
        "Where it took place.",
        "--where",
        placeholder="e.g. Eastgate Drop-in Centre, room 2",
    ),
    NoteField(
        "organizations",
        "Organizations",
        "An organization present (repeat for more). New names are created.",
        "--org",
        is_list=True,
        placeholder="type a name, enter adds it (grey text completes)",
    ),
    NoteField(
        "codes",
        "Codes",
        "A preliminary code (repeat for more). New codes are created as inductive.",
        "--code",
        is_list=True,
        placeholder="e.g. legitimacy; new codes are created on save",
    ),
    NoteField(
        "people",
        "People",
        "A person present, by name or pseudonym (repeat for more).",
        "--person",
        is_list=True,
        form_label="People present",
        placeholder="names or pseudonyms",
    ),
    NoteField(
        "body",
        "Notes",
        "The field notes. Without it, read from stdin when stdin is not a terminal.",
        "--body",
        prose=True,
    ),
    NoteField("memo", "Memo", "A reflexive memo.", "--memo", prose=True, form_label="Memo (reflexive)"),
    NoteField("followups", "Follow-ups", "Follow-ups to do.", "--followups", prose=True),
    NoteField(
        "private",
        "Private",
        "Private observations: stay on this laptop, never exported unless asked.",
        "--private",
        prose=True,
        form_label="🔒 Private — stays on this laptop, never exported unless you ask",
    ),
    NoteField(
        "status",
        "Status",
        "jotted (lines jotted during the event, write-up pending) or written up.",
        "--status",
        choices=STATUSES,
    ),
    NoteField("created", "created"),
    NoteField("updated", "updated"),
    # revisions, for merging copies (fieldnotes/merge/revisions.py): never typed in, never exported
    NoteField("author", "author"),
    NoteField("rev", "rev"),
    NoteField("history", "history"),
    NoteField("field_revs", "field revs"),
    # meeting
    NoteField(
        "host",
        "Host",
        "Meeting: the host organization.",
        "--host",
        kinds=("meeting",),
        form_label="Host organization",
    ),
    NoteField("agenda", "Agenda", "Meeting: the agenda.", "--agenda", kinds=("meeting",)),
    # event
    NoteField(
        "event_type",
        "Event type",
        "Event: what kind of event (conference, panel, training, protest, community event, other;"
        " or your own word, e.g. vigil).",
        "--event-type",
        kinds=("event",),
        suggestions=EVENT_TYPES,
        placeholder="a letter completes: c, p, t… or your own word",
    ),
    NoteField(
        "organizers",
        "Organizers",
        "Event: an organizing organization (repeat for more).",
        "--organizer",
        kinds=("event",),
        is_list=True,
        placeholder="organizing organizations",
    ),
    # meetings and events: collaboration ties between the organizations present (see ties.py)
    NoteField(
        "ties",
        "Ties",
        f"Meeting or event: a tie between two organizations present, as '{TIE_FORMAT}' "
        "(type: referral, co-hosted, shared client, funding, joint advocacy, conflict or other; "
        "intensity 1 to 5). Repeat for more.",
        "--tie",
        kinds=("meeting", "event"),
        is_list=True,
        form_label="Ties between organizations (A | B | type | 1-5)",
        placeholder="Org A | Org B | referral | 3   (enter adds it)",
    ),
    # interview
    NoteField(
        "informant",
        "Informant",
        "Interview: the informant's pseudonym (never a real name).",
        "--informant",
        kinds=("interview",),
        form_label="Informant (pseudonym)",
        placeholder="e.g. P-03",
    ),
    NoteField(
        "informant_role",
        "Role",
        "Interview: the informant's role, e.g. director.",
        "--role",
        kinds=("interview",),
        placeholder="e.g. director",
    ),
    NoteField(
        "interview_format",
        "Format",
        "Interview: the format.",
        "--format",
        kinds=("interview",),
        choices=INTERVIEW_FORMATS,
    ),
    NoteField(
        "consent",
        "Consent",
        "Interview: how consent was given.",
        "--consent",
        kinds=("interview",),
        choices=CONSENT_TYPES,
    ),
    NoteField(
        "recording_ref",
        "Recording",
        "Interview: where the recording is (a file name, not the audio).",
        "--recording",
        kinds=("interview",),
        form_label="Recording reference",
        placeholder="file name, not the audio",
    ),
)
FIELD: dict[str, NoteField] = {f.name: f for f in NOTE_FIELDS}
COMMON_FIELDS: tuple[str, ...] = tuple(f.name for f in NOTE_FIELDS if f.kinds == KINDS)
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    kind: tuple(f.name for f in NOTE_FIELDS if f.kinds != KINDS and kind in f.kinds) for kind in KINDS
}
LIST_FIELDS: frozenset[str] = frozenset(f.name for f in NOTE_FIELDS if f.is_list)
PROSE_FIELDS: tuple[str, ...] = tuple(f.name for f in NOTE_FIELDS if f.prose)


def label(name: str) -> str:
    """The short label of a note field."""
    return FIELD[name].label


# ------------------------------------------------------------------- helpers
def new_id() -> str:
    return str(uuid.uuid4())


GUID_NAMESPACE = uuid.UUID("6c1d0e52-5f0a-4b8e-9a53-3f2b7c1d9e10")


def stable_guid(*parts: str) -> str:
    """A GUID that is the same every time for the same parts (exports, old records): the
    version-5 (SHA-1, name-based) UUID of the parts joined by U+001F."""
    return _as_guids([hashlib.sha1(GUID_NAMESPACE.bytes + "\x1f".join(parts).encode("utf-8")).digest()])[0]


def stable_guids(first: str, rests: Sequence[str]) -> list[str]:
    """`stable_guid(first, rest)` of each of `rests`, made together (`_as_guids`): a
    `.qdpx` export makes 350,000 of them at 50,000 notes."""
    prefix = GUID_NAMESPACE.bytes + (first + "\x1f").encode("utf-8")
    sha1 = hashlib.sha1
    return _as_guids([sha1(prefix + rest.encode("utf-8")).digest() for rest in rests])


# Where each of a GUID's 36 characters comes from in its SHA-1's 40 hex digits: a digit's
# place, or a dash, or the version.
_DASH, _VERSION = -1, -2
_GUID_LAYOUT = (*range(8), _DASH, *range(8, 12), _DASH, _VERSION, *range(13, 16), _DASH, *range(16, 20))
_GUID_LAYOUT += (_DASH, *range(20, 32))
_VARIANT_BYTES = bytes.maketrans(b"0123456789abcdef", b"89ab89ab89ab89ab")  # RFC 4122's variant


def _as_guids(digests: list[bytes]) -> list[str]:
    """Each SHA-1 digest as a version-5 UUID's text: the digests hexed at once and laid out a
    column at a time (C slicing of one buffer), rather than each formatted in Python: a
    fifth less time a GUID for a few hundred of them."""
    count = len(digests)
    if not count:
        return []
    hexed = b"".join(digests).hex().encode("ascii")
    out = bytearray(36 * count)
    for at, source in enumerate(_GUID_LAYOUT):
        if source == _DASH:
            out[at::36] = b"-" * count
        elif source == _VERSION:
            out[at::36] = b"5" * count
        elif source == 16:
            out[at::36] = hexed[16::40].translate(_VARIANT_BYTES)
        else:
            out[at::36] = hexed[source::40]
    text = out.decode("ascii")
    return [text[at : at + 36] for at in range(0, 36 * count, 36)]


def now_stamp() -> str:
    return datetime.now().strftime(STAMP_FORMAT)


_MINUTE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def is_minute(text: str) -> bool:
    """True for a real date-time written exactly as `MINUTE_FORMAT` (2016-01-17T08:30)."""
    if not _MINUTE.fullmatch(text):
        return False
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _encodable(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# ------------------------------------------------------------ generic records
def as_str(value: Any) -> str:
    return value if type(value) is str else ("" if value is None else str(value))


def _as_optional_str(value: Any) -> str | None:
    return (value if type(value) is str else str(value)) if value else None


def _as_str_list(value: Any) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    if isinstance(value, list | tuple):
        return [item if type(item) is str else str(item) for item in value]
    return [str(value)]


def _as_int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _as_str_dict(value: Any) -> dict[str, str]:
    return {str(key): as_str(item) for key, item in value.items()} if isinstance(value, dict) else {}


_COERCE: dict[Any, Callable[[Any], Any]] = {
    str: as_str,
    str | None: _as_optional_str,
    list[str]: _as_str_list,
    bool: bool,
    int: _as_int,
    dict[str, str]: _as_str_dict,
}


class Record:
    """What every model dataclass shares: one generic, forgiving `from_dict`.

    `from_dict` reads stored or imported JSON: unknown keys are ignored, values
    are coerced to the field's type (None to "", a `;`-joined string to a list),
    and the input is never mutated. `validate` is where wrong values are refused.
    """

    _plan: ClassVar[dict[str, Callable[[Any], Any]]]

    @classmethod
    def coercion_plan(cls) -> dict[str, Callable[[Any], Any]]:
        plan = cls.__dict__.get("_plan")
        if plan is None:
            hints = _hints(cls)
            plan = {f.name: _COERCE[hints[f.name]] for f in fields(cls)}  # type: ignore[arg-type]
            cls._plan = plan
        return plan

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        plan = cls.coercion_plan()
        values = {key: plan[key](value) for key, value in data.items() if key in plan}
        cls._complete(values)
        return cls(**values)

    @classmethod
    def field_from_dict(cls, data: dict[str, Any], name: str) -> Any:
        """The one field `name` of `from_dict(data)`, without building the rest."""
        values = {name: cls.coercion_plan()[name](data[name])} if name in data else {}
        cls._complete(values)
        if name in values:
            return values[name]
        spec = next(f for f in fields(cls) if f.name == name)  # type: ignore[arg-type]
        return spec.default_factory() if spec.default is MISSING else spec.default  # type: ignore[misc]

    @classmethod
    def _complete(cls, values: dict[str, Any]) -> None:
        """Fill what stored data may lack (e.g. a guid made before guids existed)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload, no-any-return]


@cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def _check_types(record: object, names: tuple[str, ...]) -> None:
    """Refuse values of the wrong type (an import can carry any JSON)."""
    hints = _hints(type(record))
    for name in names:
        value = getattr(record, name)
        expected = hints[name]
        if expected is str and not isinstance(value, str):
            raise ValidationError(f"{name} must be text, not {type(value).__name__}", field=name)
        if expected == str | None and value is not None and not isinstance(value, str):
            raise ValidationError(f"{name} must be text or empty, not {type(value).__name__}", field=name)
        if expected == list[str] and not (
            isinstance(value, list) and all(isinstance(item, str) for item in value)
        ):
            raise ValidationError(f"{name} must be a list of names", field=name)
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str) and not _encodable(text):
                raise ValidationError(f"{name} holds characters that are not valid Unicode text", field=name)


# --------------------------------------------------------------------- notes
@dataclass
class Note(Record):
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
    status: str = WRITTEN_UP  # or JOTTED: jotted during an event, to be written up
    created: str = ""
    updated: str = ""
    # revisions: who made this version, its hash, the versions before it, where each field was last set
    author: str = ""
    rev: str = ""
    history: list[str] = field(default_factory=list)
    field_revs: dict[str, str] = field(default_factory=dict)
    # meeting
    host: str = ""
    agenda: str = ""
    # event
    event_type: str = ""
    organizers: list[str] = field(default_factory=list)
    # meeting and event: "ORG A|ORG B|TYPE|INTENSITY" (ties.py)
    ties: list[str] = field(default_factory=list)
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
    def jotted(self) -> bool:
        """Jotted during an event; the full write-up is still to do."""
        return self.status == JOTTED

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
    def _complete(cls, values: dict[str, Any]) -> None:
        for required in ("kind", "title", "start"):
            values.setdefault(required, "")
        values["status"] = values.get("status") or WRITTEN_UP  # notes from before statuses

    def check_types(self) -> None:
        """Raise ValidationError when a field holds a value of the wrong type."""
        _check_types(self, _NOTE_FIELD_NAMES)

    def validate(self) -> None:
        """Raise ValidationError (naming the field) when the note cannot be saved as it is."""
        self.check_types()
        if self.kind not in KINDS:
            raise ValidationError(
                f"unknown kind {self.kind!r}: choose one of {', '.join(KINDS)}", field="kind"
            )
        if not self.title.strip():
            raise ValidationError("a note needs a title", field="title")
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is None and name == "end":
                continue
            if not is_minute(value):
                raise ValidationError(
                    f"{name} must be a date-time like 2016-01-17T08:30, not {value!r}", field=name
                )
        if self.end is not None and self.end < self.start:
            raise ValidationError(f"the end ({self.end}) is before the start ({self.start})", field="end")
        for name in LIST_FIELDS:
            for tag in getattr(self, name):
                if ";" in tag or "\n" in tag or "\r" in tag:
                    raise ValidationError(
                        f"{label(name).lower()} {tag!r}: a name can't hold ';' or a line break", field=name
                    )
        check_ties(self.ties)
        for spec in NOTE_FIELDS:
            value = getattr(self, spec.name)
            if spec.choices and spec.name != "kind" and value and value not in spec.choices:
                raise ValidationError(
                    f"{spec.label.lower()} {value!r} is not one of: {', '.join(spec.choices)}",
                    field=spec.name,
                )


_NOTE_FIELD_NAMES = tuple(f.name for f in fields(Note))


# ---------------------------------------------------------------- registries
@dataclass
class Organization(Record):
    """An organization in the registry. Aliases are other spellings that tag it too."""

    name: str
    type: str = ""
    aliases: list[str] = field(default_factory=list)
    description: str = ""
    guid: str = field(default_factory=new_id)
    # revisions (see fieldnotes/merge/revisions.py)
    author: str = ""
    updated: str = ""
    rev: str = ""
    history: list[str] = field(default_factory=list)
    field_revs: dict[str, str] = field(default_factory=dict)

    @classmethod
    def _complete(cls, values: dict[str, Any]) -> None:
        values.setdefault("name", "")
        values["guid"] = values.get("guid") or stable_guid("organization", tag_key(values["name"]))

    def spellings(self) -> set[str]:
        """Every spelling that means this organization."""
        return {tag_key(self.name), *(tag_key(alias) for alias in self.aliases)}

    def cleaned(self) -> Organization:
        """As saved: one-line name and type, aliases deduplicated and never the name itself."""
        name = one_line(self.name)
        aliases = [a for a in dedupe_tags(self.aliases) if tag_key(a) != tag_key(name)]
        return Organization(name, one_line(self.type), aliases, self.description, self.guid)

    def validate(self) -> None:
        _check_types(self, ("name", "type", "description", "guid", "aliases"))
        if not self.name:
            raise ValidationError("an organization needs a name", field="name")
        for spelling in (self.name, *self.aliases):
            if ";" in spelling:
                raise ValidationError(f"organization {spelling!r}: a name can't hold ';'", field="name")


@dataclass
class Code(Record):
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
    # revisions (see fieldnotes/merge/revisions.py)
    author: str = ""
    updated: str = ""
    rev: str = ""
    history: list[str] = field(default_factory=list)
    field_revs: dict[str, str] = field(default_factory=dict)

    @classmethod
    def _complete(cls, values: dict[str, Any]) -> None:
        values.setdefault("name", "")
        values["origin"] = values.get("origin") or "inductive"
        values["guid"] = values.get("guid") or stable_guid("code", tag_key(values["name"]))

    def validate(self) -> None:
        _check_types(self, tuple(f.name for f in fields(self)))
        if not self.name.strip():
            raise ValidationError("a code needs a name", field="name")
        if ";" in self.name or "\n" in self.name:
            raise ValidationError(f"code {self.name!r}: a name can't hold ';' or a line break", field="name")
        if self.origin not in CODE_ORIGINS:
            raise ValidationError(
                f"origin {self.origin!r} is not one of: {', '.join(CODE_ORIGINS)}", field="origin"
            )
        if self.color and not _COLOR.match(self.color):
            raise ValidationError(f"colour {self.color!r} is not like #1f77b4", field="color")


@dataclass
class Informant(Record):
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
    # revisions (see fieldnotes/merge/revisions.py)
    author: str = ""
    updated: str = ""
    rev: str = ""
    history: list[str] = field(default_factory=list)
    field_revs: dict[str, str] = field(default_factory=dict)

    @classmethod
    def _complete(cls, values: dict[str, Any]) -> None:
        values.setdefault("pseudonym", "")
        values["guid"] = values.get("guid") or stable_guid("informant", tag_key(values["pseudonym"]))

    def public_dict(self) -> dict[str, Any]:
        """For lists and reports: everything but the real names (and the revision hashes,
        which a guess at a real name could be checked against)."""
        data = self.to_dict()
        for key in ("real_names", "rev", "history", "field_revs"):
            del data[key]
        return data

    def validate(self) -> None:
        _check_types(self, tuple(f.name for f in fields(self)))
        if not self.pseudonym.strip():
            raise ValidationError("an informant needs a pseudonym", field="pseudonym")
        if self.consent and self.consent not in CONSENT_TYPES:
            raise ValidationError(
                f"consent {self.consent!r} is not one of: {', '.join(CONSENT_TYPES)}", field="consent"
            )
        if self.consent_date:
            try:
                datetime.strptime(self.consent_date, "%Y-%m-%d")
            except ValueError:
                raise ValidationError(
                    f"consent date {self.consent_date!r} is not YYYY-MM-DD", field="consent_date"
                ) from None


@dataclass
class Project(Record):
    """Ethics metadata of the study."""

    protocol: str = ""  # the ethics protocol number
    destroy_by: str = ""  # YYYY-MM-DD: the data retention or destroy-by date
    consent_forms: list[str] = field(default_factory=list)  # consent form versions
    researcher: str = ""
    # revisions (see fieldnotes/merge/revisions.py)
    author: str = ""
    updated: str = ""
    rev: str = ""
    history: list[str] = field(default_factory=list)
    field_revs: dict[str, str] = field(default_factory=dict)

    def validate(self) -> None:
        _check_types(self, tuple(f.name for f in fields(self)))
        if self.destroy_by:
            try:
                datetime.strptime(self.destroy_by, "%Y-%m-%d")
            except ValueError:
                raise ValidationError(
                    f"the destroy-by date {self.destroy_by!r} is not YYYY-MM-DD", field="destroy_by"
                ) from None

    def overdue(self, today: str) -> bool:
        return bool(self.destroy_by) and self.destroy_by < today


__all__ = [
    "CODE_ORIGINS",
    "CONSENT_TYPES",
    "EVENT_TYPES",
    "FIELD",
    "INTERVIEW_FORMATS",
    "JOTTED",
    "KINDS",
    "KIND_FIELDS",
    "LIST_FIELDS",
    "NOTE_FIELDS",
    "ORG_TYPES",
    "STATUSES",
    "WRITTEN_UP",
    "Code",
    "Informant",
    "Note",
    "NoteField",
    "Organization",
    "Project",
    "ValidationError",
    "dedupe_tags",
    "one_line",
    "tag_key",
]
