"""The one builder of test records: pre-annotated articles and human annotations made
directly, with offsets computed from the text (no spaCy model runs in the tests that use it).

A plain module, imported as ``from tests.builders import make_article`` (pytest puts the
repository root on ``sys.path``, see ``pythonpath`` in pyproject.toml); the ``rb`` and ``rel``
fixtures hand the same functions to test modules of their folders.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pipeline.schema import (
    Annotation,
    Argument,
    Entity,
    Event,
    PreannotatedArticle,
    Source,
    TimeExpression,
    bare_article,
)

MODEL = "spacy:fr_core_news_md@3.8.0"
CITIES = ["Lyon", "Marseille", "Toulouse", "Nantes", "Lille", "Rennes", "Brest", "Metz"]
PEOPLE = ["Marie Curie", "Jean Dupont", "Claire Martin", "Paul Bernard", "Léa Petit"]
WORDS = [
    "gouvernement",
    "ministre",
    "syndicat",
    "accord",
    "grève",
    "réforme",
    "budget",
    "élection",
    "député",
    "sénat",
    "tribunal",
    "enquête",
    "police",
    "sécurité",
    "hôpital",
    "école",
    "université",
    "entreprise",
    "usine",
    "salaire",
    "impôt",
    "région",
    "commune",
    "maire",
    "conseil",
    "rapport",
    "projet",
    "loi",
    "décret",
    "manifestation",
    "sommet",
]
VERBS = ["rencontre", "visite", "accuse", "soutient", "critique", "rejoint"]


def span(text: str, surface: str, after: int = 0) -> tuple[int, int]:
    """``[start, end)`` of the first ``surface`` in ``text`` at or after ``after``."""
    start = text.index(surface, after)
    return start, start + len(surface)


def entity(text: str, surface: str, label: str, source: str = MODEL) -> Entity:
    start, end = span(text, surface)
    return Entity(f"e-{start}-{end}-{label}", start, end, label, surface, source, 0.9)


def time(text: str, surface: str, value: str | None, source: str = MODEL) -> TimeExpression:
    start, end = span(text, surface)
    return TimeExpression(f"t-{start}-{end}", start, end, "DATE", surface, value, source, 0.8)


def event(text: str, trigger: str, etype: str, actor: Entity, source: str = MODEL) -> Event:
    start, end = span(text, trigger)
    arg = Argument("actor", actor.start, actor.end, actor.text, actor.id)
    return Event(
        f"v-{start}-{etype}", etype, start, end, trigger, None, [arg], False, False, source, 0.7
    )


def article_text(i: int, words: int = 40) -> str:
    """A distinct French article per index (distinct enough to be no near-duplicates):
    ``words`` filler words drawn with seed ``i``, as varied as news text is, so that files
    of many articles compress no better than real ones (the fault tests need their size)."""
    import random

    rng = random.Random(i)
    person, city = PEOPLE[i % len(PEOPLE)], CITIES[i % len(CITIES)]
    verb = VERBS[i % len(VERBS)]
    filler = " ".join(rng.choice(WORDS) + str(rng.randrange(1000)) for _ in range(words))
    return (
        f"{person} {verb} le maire de {city} le 3 mars 2025. "
        f"Article numéro {i} : {filler}. La réunion à {city} a duré deux heures."
    )


def make_article(
    i: int, story: str | None = None, words: int = 40, **overrides: Any
) -> PreannotatedArticle:
    """Article ``a{i:03d}`` with a PER, a LOC, a DATE and an event, machine-labelled;
    ``overrides`` replace any field (``text`` first, the labels are found in it)."""
    text = overrides.pop("text", None) or article_text(i, words)
    person, city = PEOPLE[i % len(PEOPLE)], CITIES[i % len(CITIES)]
    per = entity(text, person, "PER")
    loc = entity(text, city, "LOC")
    fields: dict[str, Any] = dict(
        title=f"Titre {i}",
        date="2025-03-03",
        outlet="Le Test",
        source=Source(
            path=f"a{i}.txt", sha256="0" * 64, encoding="utf-8", url=f"https://example.org/{i}"
        ),
        story_id=story if story is not None else f"s{i:03d}",
        entities=[per, loc],
        times=[time(text, "3 mars 2025", "2025-03-03")],
        events=[event(text, VERBS[i % len(VERBS)], "CONSULT", per)],
        model_version="chain@1",
        taxonomy_version="1.0.0",
    )
    fields.update(overrides)
    return bare_article(f"a{i:03d}", text, **fields)


def make_annotation(
    annotation_id: int,
    article: PreannotatedArticle,
    annotator: int | None,
    entities: list[Entity] | None = None,
    status: str = "submitted",
    updated_at: str = "2025-04-01T10:00:00+00:00",
    **overrides: Any,
) -> Annotation:
    """An annotation of ``article``; by default the annotator accepts the machine labels."""
    tag = f"annotator:{annotator}"

    def human(labels: list[Any]) -> list[Any]:
        return [replace(lab, source=tag, score=None) for lab in labels]

    fields: dict[str, Any] = dict(
        annotation_id=annotation_id,
        task_id=annotation_id + 1000,
        article_id=article.id,
        status=status,
        annotator_id=annotator,
        annotator_email=None,
        created_at=updated_at,
        updated_at=updated_at,
        lead_time=12.0,
        was_cancelled=status == "cancelled",
        ground_truth=False,
        model_version=article.model_version,
        unusable=False,
        entities=human(entities if entities is not None else article.entities),
        times=human(article.times),
        events=human(article.events),
    )
    fields.update(overrides)
    return Annotation(**fields)
