"""The columnar core on one batch: labels it cannot promise go, links to them are cut."""

from __future__ import annotations

from dataclasses import replace

import pyarrow as pa

from pipeline.release.build import CutStats, release_batch
from pipeline.release.features import decode_labels, label_names
from pipeline.release.split import SplitPlan
from pipeline.schema import Argument, PreannotatedArticle, arrow_schema, to_row
from pipeline.taxonomy import load_taxonomy


def _batch(articles: list[PreannotatedArticle]) -> pa.RecordBatch:
    table = pa.Table.from_pylist(
        [to_row(a) for a in articles], schema=arrow_schema(PreannotatedArticle)
    )
    return table.to_batches()[0]


def test_event_arguments_are_cleaned_and_refs_unlinked(rb) -> None:
    art = rb.make_article(3)
    person, city = art.entities
    wrong = replace(person, label="PERSON")  # not a taxonomy label: dropped
    event = art.events[0]
    args = [
        Argument("actor", person.start, person.end, person.text, person.id),
        Argument("victim", city.start, city.end, city.text, city.id),  # unknown role
        Argument("location", city.start, city.end + 1, city.text, city.id),  # bad span
    ]
    art = replace(art, entities=[wrong, city], events=[replace(event, arguments=args)])
    tax = load_taxonomy()
    plan = SplitPlan(ratios={"train": 1.0}, seed=1, story_split={art.story_id: "train"})
    stats = CutStats()
    [(split, table)] = list(release_batch(_batch([art]), {}, plan, tax, stats))
    assert split == "train"
    row = decode_labels(table, label_names(tax)).to_pylist()[0]
    assert [e["label"] for e in row["entities"]] == ["LOC"]
    [kept] = row["events"][0]["arguments"]
    assert kept["role"] == "actor" and kept["ref"] is None  # its entity was dropped
    assert stats.dropped == {"entity label not in taxonomy": 1, "event argument invalid": 2}
    assert stats.drop_examples[0].startswith("a003: PERSON")
    assert stats.labels == {
        ("train", "entity", "LOC"): 1,
        ("train", "time", "DATE"): 1,
        ("train", "event", "CONSULT"): 1,
    }


def test_multibyte_text_offsets_are_python_characters(rb) -> None:
    text = "L’été 😀 à Zürich : Léa Petit critique Ōsaka, Lille et São Paulo le 3 mars 2025."
    art = rb.make_article(4, text=text)  # builds its labels on this text
    ents = [
        rb.entity(text, "Zürich", "LOC"),
        rb.entity(text, "São Paulo", "LOC"),
        replace(rb.entity(text, "Ōsaka", "LOC"), start=text.index("Ōsaka") + 1),
    ]
    art = replace(art, entities=ents, times=[rb.time(text, "3 mars 2025", "2025-03-03")])
    tax = load_taxonomy()
    plan = SplitPlan(ratios={"test": 1.0}, seed=1, story_split={art.story_id: "test"})
    stats = CutStats()
    [(_, table)] = list(release_batch(_batch([art]), {}, plan, tax, stats))
    row = decode_labels(table, label_names(tax)).to_pylist()[0]
    assert [e["text"] for e in row["entities"]] == ["Zürich", "São Paulo"]
    assert stats.dropped == {"entity span does not slice the text": 1}
    assert row["times"][0]["text"] == text[row["times"][0]["start"] : row["times"][0]["end"]]
