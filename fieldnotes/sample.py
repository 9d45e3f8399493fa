"""A fictional study for the demo and for sample_data/: eight months of fieldwork.

June 2015 to January 2016 in one (invented) city. Every organization and person
is made up. The data carries the pattern the study reports: the sex-worker-
rights collective meets service providers often and at length, and records
intense ties with them (referrals, shared clients, co-hosted events); the
abolitionist coalition ties to law enforcement and government (joint advocacy,
funding), and the two coalitions meet only in conflict. Between the notes:
follow-ups (some done, some overdue), analytic memos on legitimacy, access and
how intensity is measured, and a codebook that changed as the fieldwork went.

`build_sample(service)` is deterministic: the same notes, ids and timestamps
every time, so the committed sample_data/ can be checked against it
(`scripts/regenerate_sample.py` writes it).
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta

from fieldnotes.followups import FollowupState
from fieldnotes.memos import Memo
from fieldnotes.model import Code, Informant, Note, Organization, stable_guid
from fieldnotes.service import FieldNotes

SEED = 20150601

NAC = "Northside Abolition Coalition"
HRC = "Harbor Rights Collective"
DROPIN = "Eastgate Drop-in Centre"
CLINIC = "Mercy Street Health Clinic"
HOUSING = "Riverbend Housing Trust"
LEGAL = "Lantern Legal Aid"
OUTREACH = "Second Chance Outreach"
FAMILY = "Willow Family Services"
RECOVERY = "Bridgeway Recovery Services"
VICE = "City Police Vice Unit"
OHS = "Office of Human Services"

PROVIDERS = [DROPIN, CLINIC, HOUSING, LEGAL, OUTREACH, FAMILY, RECOVERY]
ABOLITION_AND_STATE = {VICE, OHS}  # law enforcement and the city agency

ORGANIZATIONS = [
    Organization(
        NAC,
        "advocacy: abolitionist",
        ["NAC", "the Coalition"],
        "Faith and civic groups campaigning to end prostitution; runs a 'rescue' hotline.",
    ),
    Organization(
        HRC,
        "advocacy: sex-worker rights",
        ["HRC", "the Collective"],
        "Peer-led collective of current and former sex workers; harm reduction and rights.",
    ),
    Organization(
        DROPIN,
        "human-service nonprofit",
        ["Eastgate"],
        "Day drop-in centre: meals, showers, case management.",
    ),
    Organization(
        CLINIC,
        "human-service nonprofit",
        ["Mercy Street"],
        "Community health clinic with a women's night clinic.",
    ),
    Organization(HOUSING, "human-service nonprofit", ["Riverbend"], "Transitional and supportive housing."),
    Organization(
        LEGAL,
        "human-service nonprofit",
        ["Lantern"],
        "Free legal aid: records clearing, immigration, family law.",
    ),
    Organization(OUTREACH, "human-service nonprofit", [], "Street outreach van, needle exchange, naloxone."),
    Organization(FAMILY, "human-service nonprofit", ["Willow"], "Family services and a youth shelter."),
    Organization(
        RECOVERY, "human-service nonprofit", ["Bridgeway"], "Substance use treatment and recovery housing."
    ),
    Organization(VICE, "law enforcement", ["Vice Unit", "CPVU"], "Municipal police vice unit."),
    Organization(
        OHS, "government", ["OHS", "the City"], "City office that funds and contracts human services."
    ),
]

DEDUCTIVE = [
    Code("collaboration frequency", "How often organizations meet, refer or work together."),
    Code(
        "collaboration intensity", "Depth of joint work: shared cases, co-run programs, time spent together."
    ),
    Code("legitimacy", "Claims to speak for, or to know, the people affected."),
    Code("resources", "Money, staff, space or data moving between organizations."),
    Code("framing", "How the problem is named."),
    Code("framing: victim", "People in the sex trade cast as victims to be rescued.", parent="framing"),
    Code("framing: worker", "People in the sex trade cast as workers with rights.", parent="framing"),
]
for _code in DEDUCTIVE:
    _code.origin = "deductive"
    _code.guid = stable_guid("sample-code", _code.name)

INFORMANTS = [
    ("P-01", "executive director", NAC, "written"),
    ("P-02", "director", HRC, "written"),
    ("P-03", "case manager", DROPIN, "written"),
    ("P-04", "clinic director", CLINIC, "written"),
    ("P-05", "housing coordinator", HOUSING, "verbal"),
    ("P-06", "staff attorney", LEGAL, "written"),
    ("P-07", "outreach worker", OUTREACH, "verbal"),
    ("P-08", "program manager", FAMILY, "written"),
    ("P-09", "counselor", RECOVERY, "written"),
    ("P-10", "sergeant", VICE, "written"),
]

MONTHS = [(2015, m) for m in range(6, 13)] + [(2016, 1)]

HRC_MEETING = [
    "Twelve people around the table in the Collective's back room; {a} and {b} sent staff. The director opened "
    "with the month's incidents: two members robbed after a client posted their photos. {a}'s case manager offered "
    "to fast-track housing referrals for anyone who wants them, 'no conditions, no program'.",
    "Agenda: the night clinic schedule, the bad-date list, and the city budget hearing. {a} agreed to share the "
    "night-clinic rota so peer workers can accompany people; {b} will bring condoms and naloxone kits. Long "
    "discussion of whether to testify at the hearing as 'workers' or keep a lower profile.",
    "Members ran most of the meeting. {a} presented its new walk-in hours; a peer worker said people avoid it "
    "because staff 'ask about pimps in the first five minutes'. {a}'s manager took notes and asked to come back "
    "next month with revised intake questions.",
    "Joint planning for the harm-reduction fair. {a} and {b} split the costs of the room; the Collective runs the "
    "peer table. Someone asked whether the Vice Unit would be there; the answer was a firm no.",
]
NAC_MEETING = [
    "Coalition monthly meeting in the church hall. The Vice Unit sergeant reported on the last operation: "
    "fourteen arrests, six women 'identified as victims' and referred to {a}. The Office of Human Services "
    "liaison described the new diversion court. No service providers other than {a} present.",
    "Presentation on 'demand reduction': billboards and a john school. The City liaison confirmed funding for "
    "the hotline through next year. Members asked the sergeant for more 'rescue' operations before the "
    "conference season.",
    "Small meeting. Discussion of the state bill to increase penalties for buyers. The Vice Unit and the City "
    "attended; {a} sent apologies. A member called the Harbor Rights Collective 'the pimp lobby'.",
    "Annual planning. The Coalition wants a seat on the City's human-services advisory board. The City liaison "
    "said applications open in the spring. Talk of a joint training for police on 'victim-centred' interviews.",
]
PROVIDER_MEETING = [
    "Case conference at {a} with {b}. Three shared clients; agreement to use one release-of-information form. "
    "The Collective's peer worker joined by phone to explain why two people had stopped coming.",
    "Coordination meeting of the providers' network. {a} raised the waiting list; {b} offered two beds. The "
    "Collective asked that nobody be required to 'disclose trafficking' to get a bed; most nodded.",
    "Training debrief at {a}: staff from {b} and the Collective. Peer workers ran a role play on intake "
    "questions. Staff said they had never heard the 'worker' language used with clients before.",
]
# Ties recorded at the events ("A|B|TYPE|INTENSITY"), by title.
EVENT_TIES = {
    "Regional conference on human trafficking": [f"{NAC}|{VICE}|co-hosted|3"],
    "University panel: sex work, policy and services": [f"{HRC}|{NAC}|conflict|2"],
    "Harm-reduction training for providers": [f"{HRC}|{CLINIC}|co-hosted|4", f"{HRC}|{DROPIN}|co-hosted|3"],
    "Harm-reduction fair": [f"{HRC}|{OUTREACH}|co-hosted|5", f"{HRC}|{CLINIC}|co-hosted|4"],
    "Vigil against violence toward sex workers": [f"{HRC}|{LEGAL}|joint advocacy|3"],
    "City council hearing on the human-services budget": [
        f"{HRC}|{HOUSING}|joint advocacy|4",
        f"{NAC}|{HRC}|conflict|3",
    ],
    "Police training: victim-centred interviewing": [
        f"{NAC}|{VICE}|joint advocacy|4",
        f"{OHS}|{NAC}|funding|3",
    ],
    "State harm-reduction summit": [f"{CLINIC}|{OUTREACH}|joint advocacy|4"],
}
EVENTS = [
    (
        (2015, 6, 25),
        "conference",
        "Regional conference on human trafficking",
        [NAC, VICE, OHS, FAMILY],
        "Keynote by a federal prosecutor. Panels on 'rescue and restore'. The Coalition ran a booth with the Vice "
        "Unit. Only one session mentioned housing. The Collective was not invited.",
    ),
    (
        (2015, 7, 22),
        "panel",
        "University panel: sex work, policy and services",
        [HRC, NAC, LEGAL, CLINIC],
        "The two directors on one stage for the first time. The Coalition's director spoke of 'victims'; the "
        "Collective's of 'workers'. Audience questions went mostly to the Collective. Lantern's attorney on records "
        "clearing.",
    ),
    (
        (2015, 8, 19),
        "training",
        "Harm-reduction training for providers",
        [HRC, OUTREACH, DROPIN, RECOVERY, CLINIC],
        "A full day run by the Collective's peer educators. Forty staff from five agencies. Naloxone, bad-date "
        "lists, non-judgemental intake. Evaluations glowing; two agencies asked for a repeat.",
    ),
    (
        (2015, 9, 12),
        "community event",
        "Harm-reduction fair",
        [HRC, OUTREACH, CLINIC, DROPIN, HOUSING],
        "Outdoor fair in the park. Testing, food, legal clinic table. About 150 people came through. No police.",
    ),
    (
        (2015, 12, 17),
        "protest",
        "Vigil against violence toward sex workers",
        [HRC, LEGAL, OUTREACH],
        "December 17th vigil. Names read aloud, candles. Lantern's attorney spoke on records clearing. A few "
        "counter-protesters from a church group; no confrontation.",
    ),
    (
        (2015, 11, 4),
        "panel",
        "City council hearing on the human-services budget",
        [OHS, NAC, HRC, HOUSING, FAMILY],
        "The Coalition testified for hotline funding; the Collective for housing-first and peer outreach. Council "
        "members cited the Coalition's arrest numbers twice.",
    ),
    (
        (2015, 11, 18),
        "training",
        "Police training: victim-centred interviewing",
        [VICE, NAC, OHS],
        "Run by the Coalition for the Vice Unit. Focus on identifying 'victims' during operations. The City paid "
        "for the venue.",
    ),
    (
        (2016, 1, 14),
        "conference",
        "State harm-reduction summit",
        [HRC, CLINIC, OUTREACH, RECOVERY],
        "The Collective's director on the closing plenary. Clinic and outreach staff presented joint data on "
        "naloxone reversals.",
    ),
]
INTERVIEW_BODY = {
    "P-01": "We work with the police because they are the ones who find the victims. The service providers "
    "don't see it yet, but they will. The rights people say 'choice'; nobody chooses this.",
    "P-02": "The clinics and the drop-in call us every week now. Two years ago they wouldn't return our calls. "
    "We don't do anything with the police. The City funds the hotline, not us.",
    "P-03": "The Collective's people come with our clients to appointments. That made the difference. The "
    "Coalition referred us six women after the last raid; four never came back.",
    "P-04": "We run the night clinic with the Collective. Funding comes from the City, and the City talks to "
    "the Coalition, so we keep our heads down in public.",
    "P-05": "Housing is the thing everyone needs. Conditions on beds are set by funders, not by us.",
    "P-06": "Records clearing is most of our work with both groups. Arrests follow people for years.",
    "P-07": "On the van we see everyone. Peers from the Collective are the reason people talk to us at all.",
    "P-08": "Our youth shelter gets referrals from the Vice Unit. We also work with the Collective's youth "
    "peer. Both, carefully.",
    "P-09": "Treatment first, then everything else. We go to the Collective's trainings; our counselors asked.",
    "P-10": "Operations are about finding victims. We refer them to services. The Collective doesn't "
    "cooperate with us, which makes it harder.",
}


def _moment(rng: random.Random, year: int, month: int, day: int, hour: int) -> datetime:
    return datetime(year, month, day, hour, rng.choice((0, 0, 15, 30)))


def _note_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def sample_notes() -> list[Note]:
    rng = random.Random(SEED)
    notes: list[Note] = []

    def add(
        kind: str,
        title: str,
        start: datetime,
        minutes: int,
        orgs: list[str],
        codes: list[str],
        body: str,
        **extra: object,
    ) -> None:
        created = start + timedelta(minutes=minutes + rng.randrange(5, 90))
        note = Note(
            kind=kind,
            title=title,
            id=_note_id(rng),
            start=f"{start:%Y-%m-%dT%H:%M}",
            end=f"{start + timedelta(minutes=minutes):%Y-%m-%dT%H:%M}",
            location=str(extra.pop("location", "")),
            organizations=orgs,
            codes=codes,
            body=body,
            memo=str(extra.pop("memo", "")),
            followups=str(extra.pop("followups", "")),
            created=f"{created:%Y-%m-%dT%H:%M:%S}",
            updated=f"{created:%Y-%m-%dT%H:%M:%S}",
            people=list(extra.pop("people", [])),
        )
        for key, value in extra.items():
            setattr(note, key, value)
        notes.append(note)

    for index, (year, month) in enumerate(MONTHS):
        # The Collective: monthly meetings, long, full of providers.
        guests = rng.sample(PROVIDERS, 3)
        add(
            "meeting",
            f"Collective monthly meeting ({datetime(year, month, 1):%B})",
            _moment(rng, year, month, rng.randrange(2, 8), 18),
            120,
            [HRC, *guests],
            ["collaboration frequency", "framing: worker", *(["legitimacy"] if index % 2 else ["resources"])],
            rng.choice(HRC_MEETING).format(a=guests[0], b=guests[1]),
            host=HRC,
            location="Collective back room",
            agenda="incidents; night clinic; outreach",
            people=["P-02", f"peer worker {index % 3 + 1}"],
            memo="I sat with the peer workers this time; more at ease than last month." if index == 3 else "",
            ties=[
                f"{HRC}|{guests[0]}|referral|{4 if index >= 3 else 3}",
                f"{HRC}|{guests[1]}|shared client|{3 + index % 2}",
            ],
            followups=f"Send {guests[0]} the peer-accompaniment schedule" if index in (2, 5, 7) else "",
        )
        # The Coalition: monthly meetings with police and the City, short, few providers.
        guest = FAMILY if index % 3 == 0 else OUTREACH if index % 3 == 1 else DROPIN
        orgs = [NAC, VICE, OHS] + ([guest] if index % 2 == 0 else [])
        add(
            "meeting",
            f"Coalition monthly meeting ({datetime(year, month, 1):%B})",
            _moment(rng, year, month, rng.randrange(10, 16), 12),
            60,
            orgs,
            ["framing: victim", "arrest and rescue", *(["legitimacy"] if index % 3 == 0 else [])],
            rng.choice(NAC_MEETING).format(a=guest),
            host=NAC,
            location="St. Brendan's church hall",
            agenda="operations update; funding",
            people=["P-01", "P-10"],
            memo="Felt watched when I took notes; the sergeant asked who I was with." if index == 1 else "",
            ties=[
                f"{NAC}|{VICE}|joint advocacy|4",
                *([f"{OHS}|{NAC}|funding|3"] if index % 2 == 0 else []),
                *([f"{NAC}|{guest}|referral|2"] if guest in orgs else []),
            ],
            followups="Ask the City liaison when advisory-board applications open" if index == 4 else "",
        )
        # Providers working with the Collective: two or three a month, between meetings.
        for extra_meeting in range(3 + (index % 2)):
            a, b = rng.sample(PROVIDERS, 2)
            add(
                "meeting",
                f"Case coordination: {a.split()[0]} and {b.split()[0]}",
                _moment(rng, year, month, 8 + extra_meeting * 5 + rng.randrange(0, 4), 10),
                rng.choice((60, 90, 90)),
                [a, b, HRC],
                [
                    "collaboration frequency",
                    "collaboration intensity",
                    # "data sharing" was merged into "resources" in October (CODEBOOK_CHANGES)
                    *(
                        [("data sharing" if (year, month) < (2015, 10) else "resources")]
                        if extra_meeting == 1
                        else []
                    ),
                ],
                rng.choice(PROVIDER_MEETING).format(a=a, b=b),
                host=a,
                location=f"{a}, conference room",
                ties=[
                    f"{a}|{b}|shared client|{3 + extra_meeting % 2}",
                    f"{HRC}|{a}|referral|4" if extra_meeting == 0 else f"{HRC}|{b}|co-hosted|3",
                ],
                followups=f"Circulate the shared release-of-information form to {b}"
                if extra_meeting == 1
                else "",
            )
        # The Coalition with police or the City, between meetings.
        # The Coalition and the Vice Unit: an operation debrief every month.
        add(
            "meeting",
            "Coalition and Vice Unit: operation debrief",
            _moment(rng, year, month, 24, 9),
            45,
            [NAC, VICE],
            ["arrest and rescue", "framing: victim"],
            "Debrief after an operation. The sergeant listed 'victims identified' and 'buyers arrested'. "
            "The Coalition asked for the names of the agencies the women were referred to.",
            host=VICE,
            location="Police district 4",
            ties=[f"{VICE}|{NAC}|referral|3"],
        )
        if index % 2 == 0:
            add(
                "event",
                "Peer outreach night",
                _moment(rng, year, month, 27, 21),
                180,
                [HRC, OUTREACH],
                ["harm reduction", "collaboration intensity"],
                "Out with the van until midnight: the Collective's peers and Second Chance staff. Kits, coffee, "
                "the bad-date list. Several people asked about the night clinic.",
                event_type="community event",
                organizers=[HRC],
                location="Harbor district",
                ties=[f"{HRC}|{OUTREACH}|co-hosted|5"],
            )
        if index % 2 == 1:
            add(
                "meeting",
                "Coalition and the City: hotline contract",
                _moment(rng, year, month, 20, 14),
                60,
                [NAC, OHS],
                ["resources", "funding pressure"],
                "Contract renewal for the hotline. The City asked for 'outcome numbers'; the Coalition offered "
                "arrest and referral counts.",
                host=OHS,
                location="City Hall, room 310",
                ties=[f"{OHS}|{NAC}|funding|5"],
            )

    for (year, month, day), event_type, title, orgs, body in EVENTS:
        codes = ["legitimacy", "framing: victim" if NAC in orgs[:1] or VICE in orgs else "framing: worker"]
        if HRC in orgs:
            codes.append("harm reduction")
        add(
            "event",
            title,
            _moment(rng, year, month, day, 9),
            240 if event_type in ("conference", "training") else 120,
            orgs,
            codes,
            body,
            event_type=event_type,
            organizers=orgs[:1],
            location="Downtown",
            ties=EVENT_TIES.get(title, []),
        )

    interview_days = [
        (2015, 7, 8),
        (2015, 7, 30),
        (2015, 8, 27),
        (2015, 9, 24),
        (2015, 10, 15),
        (2015, 10, 29),
        (2015, 11, 12),
        (2015, 12, 3),
        (2015, 12, 10),
        (2016, 1, 21),
    ]
    for (pseudonym, role, org, consent), (year, month, day) in zip(INFORMANTS, interview_days, strict=True):
        codes = ["legitimacy", "collaboration frequency"]
        codes.append(
            "framing: victim" if org in (NAC, VICE) else "framing: worker" if org == HRC else "trust"
        )
        if org in (CLINIC, HOUSING, FAMILY):
            codes.append("funding pressure")
        add(
            "interview",
            f"Key informant: {role}, {org}",
            _moment(rng, year, month, day, 11),
            60,
            [org],
            codes,
            INTERVIEW_BODY[pseudonym],
            informant=pseudonym,
            informant_role=role,
            interview_format="semi-structured",
            consent=consent,
            recording_ref=f"{pseudonym}-{year}{month:02d}{day:02d}.m4a",
            memo="Asked twice whether the recording would be shared. Reassured."
            if pseudonym == "P-07"
            else "",
            followups="Send the transcript for member checking." if consent == "written" else "",
        )
    return sorted(notes, key=lambda n: n.start)


# How the codebook changed during the fieldwork: (when, what, the arguments, why).
CODEBOOK_CHANGES = [
    (
        "2015-09-01T09:00:00",
        "describe",
        ("collaboration intensity",),
        "operationalised: from September, ties are recorded on meetings and events with an intensity",
    ),
    (
        "2015-09-02T10:30:00",
        "move",
        ("arrest and rescue", "framing: victim"),
        "the Coalition names its work this way: a frame, not only an activity",
    ),
    (
        "2015-10-12T16:00:00",
        "merge",
        ("data sharing", "resources"),
        "release-of-information forms are one way resources move; too few notes to stand alone",
    ),
]
INTENSITY_DEFINITION = (
    "Depth of joint work: shared cases, co-run programs, time spent together. Recorded as ties of 1 "
    "(a mention, a referral once) to 5 (shared work every week)."
)

MEMOS = [
    (
        "2015-08-03T21:10:00",
        "Two routes to legitimacy",
        "theoretical",
        ["code:legitimacy", f"org:{HRC}", f"org:{NAC}"],
        "Both coalitions claim to speak for people in the sex trade, by different routes. The Collective's "
        "claim rests on membership and on being asked: providers call it because clients trust its peers. The "
        "Coalition's rests on the state: arrest counts, the hotline contract, a seat at the Vice Unit's "
        "debriefs. At the July panel the audience questioned the Collective; the council later quoted the "
        "Coalition's numbers. Legitimacy with clients and legitimacy with funders are not the same currency.",
    ),
    (
        "2015-08-20T18:40:00",
        "Access to the Coalition",
        "methodological",
        [f"org:{NAC}", "informant:P-01", "informant:P-10"],
        "I am read as 'with the Collective' at Coalition meetings (the sergeant asked). Notes there are "
        "thinner: I stopped writing during the operations report. Compensate with the interviews and the "
        "public hearings, and say so in the methods chapter.",
    ),
    (
        "2015-09-01T08:30:00",
        "Counting ties, not only meetings",
        "methodological",
        ["code:collaboration frequency", "code:collaboration intensity"],
        "Meetings tell how often organizations are in one room, not what they do together. From September I "
        "record ties on each meeting and event: referral, shared client, co-hosted, funding, joint advocacy, "
        "conflict; intensity 1 to 5. The co-presence report and the weighted ties report should be read side "
        "by side.",
    ),
    (
        "2015-09-01T09:05:00",
        "collaboration intensity: the scale",
        "code memo",
        ["code:collaboration intensity"],
        "1 a mention or a single referral; 2 occasional referrals; 3 regular referrals or a shared client; "
        "4 co-run work (a fair, a training, a case conference); 5 shared work every week (the outreach van, the "
        "night clinic).",
    ),
    (
        "2015-12-04T20:15:00",
        "Providers hedge in public",
        "theoretical",
        [f"org:{CLINIC}", "informant:P-04", "code:funding pressure"],
        "The clinic runs the night clinic with the Collective and keeps its head down in public because the "
        "City funds it and talks to the Coalition. Intensity in private, distance in public: the ties report "
        "shows the first, the hearing the second.",
    ),
]

# Follow-up items, by the start of their text: done (and when), or due.
FOLLOWUP_STATES: list[tuple[str, str, str, str]] = [
    # (text starts with, the note's date up to, status, done_at or due)
    ("Send the transcript", "2015-12-01", "done", "+14"),
    ("Send the transcript", "2016-01-01", "open", "2016-01-08"),
    ("Send the transcript", "2016-02-01", "open", "2016-02-05"),
    ("Send ", "2015-11-01", "done", "+7"),
    ("Send ", "2016-02-01", "open", "2016-02-10"),
    ("Circulate", "2015-10-01", "done", "+10"),
    ("Circulate", "2016-02-01", "open", "2016-01-20"),
    ("Ask the City liaison", "2016-02-01", "open", "2016-03-01"),
]


def _sample_followups(service: FieldNotes) -> list[FollowupState]:
    """The state of each follow-up item: older ones done, recent ones due (some overdue at the end)."""
    from datetime import date

    states = []
    for item in service.followups.items():
        for start, until, status, value in FOLLOWUP_STATES:
            if item.text.startswith(start) and item.note_start[:10] < until:
                when = f"{item.note_start[:10]}T17:00:00"
                if status == "done":
                    done = date.fromisoformat(item.note_start[:10]).toordinal() + int(value)
                    done_at = f"{date.fromordinal(done).isoformat()}T17:00:00"
                    states.append(
                        FollowupState(
                            item.id, item.note_id, item.text, "done", done_at=done_at, updated=done_at
                        )
                    )
                else:
                    concerns = OHS if start.startswith("Ask the City") else ""
                    states.append(
                        FollowupState(
                            item.id,
                            item.note_id,
                            item.text,
                            "open",
                            due=value,
                            concerns=concerns,
                            updated=when,
                        )
                    )
                break
    return states


def build_sample(service: FieldNotes) -> None:
    """Fill an empty database with the fictional study. The codebook's history is stamped
    with the study's own dates, by "researcher", so the sample is the same every time."""
    registries = service.registries
    history = registries.history
    clock, author = history.clock, history.author
    history.author = lambda: "researcher"
    try:
        history.clock = lambda: "2015-05-20T10:00:00"  # the deductive codebook, before fieldwork
        for org in ORGANIZATIONS:
            org.guid = stable_guid("sample-org", org.name)
            registries.save_organization(org)
        for code in DEDUCTIVE:
            registries.save_code(code, reason="from the literature, before fieldwork")
        for pseudonym, role, org, consent in INFORMANTS:
            registries.save_informant(
                Informant(
                    pseudonym,
                    role=role,
                    organization=org,
                    consent=consent,
                    guid=stable_guid("sample-informant", pseudonym),
                )
            )
        changes = iter(CODEBOOK_CHANGES)
        change = next(changes, None)
        for note in sample_notes():  # one at a time: each code's first use is stamped with its note
            while change is not None and change[0] < note.created:
                _change_codebook(service, *change)
                change = next(changes, None)
            history.clock = lambda stamp=note.created: stamp  # type: ignore[misc]
            service.upsert_many([note], keep_stamps=True)
        while change is not None:
            _change_codebook(service, *change)
            change = next(changes, None)
        service.memos.put_many(
            Memo(
                title,
                type=kind,
                body=body,
                about=about,
                author="researcher",
                created=when,
                updated=when,
                guid=stable_guid("sample-memo", title),
            )
            for when, title, kind, about, body in MEMOS
        )
        service.followups.put_states(_sample_followups(service))
    finally:
        history.clock, history.author = clock, author


def _change_codebook(service: FieldNotes, when: str, what: str, args: tuple[str, ...], reason: str) -> None:
    from dataclasses import replace

    registries = service.registries
    registries.history.clock = lambda: when
    if what == "describe":
        code = registries.code(args[0])
        registries.save_code(
            replace(code, description=INTENSITY_DEFINITION), original=code.name, reason=reason
        )
    elif what == "move":
        registries.move_code(args[0], args[1], reason=reason)
    elif what == "merge":
        registries.merge_codes(args[0], args[1], reason=reason)


SAMPLE_DB = "fieldnotes-sample.json"
SAMPLE_EXPORT = "nvivo-export"
SAMPLE_CODEBOOK = "codebook.qdc"
