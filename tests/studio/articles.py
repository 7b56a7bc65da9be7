"""The pre-annotated article the studio tests push (built directly, no spaCy): a plain
module, so that test folders other than ``tests/studio`` (the browser tests) build the same
records, imported as ``from tests.studio.articles import make_article``."""

from __future__ import annotations

import hashlib

from pipeline.schema import (
    Argument,
    Entity,
    Event,
    PreannotatedArticle,
    TimeExpression,
    bare_article,
)

TEXT = (
    "Le 5 mars 2024, Emmanuel Macron a rencontré Olaf Scholz à Berlin.  Renault a signé "
    "un accord avec Nissan.\nLe Monde l'a appris mardi."
)


def _id(prefix: str, *parts: object) -> str:
    return prefix + hashlib.sha1(repr(parts).encode()).hexdigest()[:10]


def make_article(n: int, model_version: str = "test-model@1") -> PreannotatedArticle:
    """A French news article with entities, a date, and two events with arguments.

    The text has a double space and a newline, two places where offsets are known to slip.
    """
    text = f"{TEXT} Dépêche n°{n}."
    aid = f"art-{n:05d}"

    def span(s: str, nth: int = 0) -> tuple[int, int]:
        start = -1
        for _ in range(nth + 1):
            start = text.index(s, start + 1)
        return start, start + len(s)

    def ent(s: str, label: str, score: float) -> Entity:
        a, b = span(s)
        return Entity(_id("e-", aid, a, b, label), a, b, label, s, "spacy:test@1", score)

    macron = ent("Emmanuel Macron", "PER", 0.98)
    scholz = ent("Olaf Scholz", "PER", 0.95)
    berlin = ent("Berlin", "ORG", 0.61)  # wrong label: the annotator makes it LOC
    renault = ent("Renault", "ORG", 0.97)
    monde = ent("Le Monde", "PER", 0.40)  # wrong entity: the annotator deletes it
    a, b = span("5 mars 2024")
    date = TimeExpression(
        _id("t-", aid, a, b), a, b, "DATE", "5 mars 2024", "2024-03-06", "dates:test@1", 0.9
    )
    a, b = span("rencontré")
    consult = Event(
        _id("ev-", aid, a, b),
        "CONSULT",
        a,
        b,
        "rencontré",
        "meet",
        [
            Argument("actor", macron.start, macron.end, macron.text, macron.id),
            Argument("recipient", scholz.start, scholz.end, scholz.text, scholz.id),
            Argument("location", berlin.start, berlin.end, berlin.text, berlin.id),
            Argument("date", date.start, date.end, date.text, date.id),
        ],
        False,
        False,
        "rules:events@1.0.0",
        0.7,
    )
    a, b = span("signé")
    c, d = span("un accord")
    agree = Event(
        _id("ev-", aid, a, b),
        "AGREE",
        a,
        b,
        "signé",
        "sign",
        [
            Argument("actor", renault.start, renault.end, renault.text, renault.id),
            Argument("recipient", c, d, "un accord", None),
        ],
        False,
        True,
        "rules:events@1.0.0",
        0.5,
    )
    return bare_article(
        aid,
        text,
        title=f"Sommet <franco-allemand> & accord n°{n}",
        date="2024-03-05",
        outlet="Test",
        story_id=f"story-{n % 3}",
        entities=[macron, scholz, berlin, renault, monde],
        times=[date],
        events=[consult, agree],
        model_version=model_version,
        taxonomy_version="1.0.0",
    )
