"""Synthetic notes of about 2.3 KB each, shaped like real field notes: meetings and events record
two ties each, a third of the notes have two follow-ups."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from fieldnotes.model import Note
from fieldnotes.ties import TIE_TYPES

ORGS = [
    "Northside Abolition Coalition",
    "Harbor Rights Collective",
    "Eastgate Drop-in Centre",
    "Mercy Street Health Clinic",
    "Riverbend Housing Trust",
    "Lantern Legal Aid",
    "Second Chance Outreach",
    "Willow Family Services",
    "City Police Vice Unit",
    "Office of Human Services",
]
CODES = [
    "collaboration frequency",
    "legitimacy",
    "resources",
    "framing: victim",
    "framing: worker",
    "arrest and rescue",
    "harm reduction",
    "funding pressure",
    "trust",
    "referral pathways",
]
WORDS = [
    "outreach",
    "staff",
    "described",
    "the",
    "referral",
    "process",
    "and",
    "the",
    "tension",
    "between",
    "harm",
    "reduction",
    "and",
    "rescue",
    "framings",
    "while",
    "the",
    "director",
    "emphasised",
    "funding",
    "constraints",
    "and",
    "the",
    "need",
    "for",
    "trust",
    "with",
    "participants",
    "who",
    "had",
    "experienced",
    "arrest",
    "the",
    "group",
    "discussed",
    "housing",
    "navigation",
    "legal",
    "clinics",
    "and",
    "safety",
    "planning",
]


def make_notes(count: int, seed: int = 7) -> list[Note]:
    rng = random.Random(seed)
    start = datetime(2015, 6, 1, 9, 0)
    notes = []
    for i in range(count):
        when = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 240))
        body = " ".join(rng.choice(WORDS) for _ in range(300))
        kind = rng.choice(("meeting", "meeting", "event", "interview"))
        note = Note(
            kind=kind,
            title=f"{kind.title()} {i}: " + " ".join(rng.choice(WORDS) for _ in range(4)),
            start=when.strftime("%Y-%m-%dT%H:%M"),
            end=(when + timedelta(minutes=rng.choice((45, 60, 90, 120)))).strftime("%Y-%m-%dT%H:%M"),
            location="Community room " + str(rng.randrange(1, 9)),
            organizations=rng.sample(ORGS, 3),
            codes=rng.sample(CODES, 3),
            people=[f"P-{rng.randrange(1, 40):02d}" for _ in range(2)],
            body=body[:2000],
            memo="Reflexive memo: " + " ".join(rng.choice(WORDS) for _ in range(12)),
            created=when.strftime("%Y-%m-%dT%H:%M:%S"),
            updated=when.strftime("%Y-%m-%dT%H:%M:%S"),
        )
        if kind != "interview":  # ties recorded between the organizations present
            first, second, third = note.organizations
            note.ties = [
                f"{first}|{second}|{rng.choice(TIE_TYPES)}|{rng.randint(1, 5)}",
                f"{first}|{third}|{rng.choice(TIE_TYPES)}|{rng.randint(1, 5)}",
            ]
        if i % 3 == 0:
            note.followups = "Send the minutes\nCall " + note.organizations[0]
        if kind == "interview":
            note.informant = f"P-{i % 40:02d}"
            note.consent = "written"
            note.interview_format = "semi-structured"
        notes.append(note)
    return notes
