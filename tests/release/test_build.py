"""The columnar core on one batch: labels it cannot promise go, links to them are cut."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pyarrow as pa

from pipeline.release.core import CutStats, release_batch
from pipeline.release.features import decode_labels, label_names
from pipeline.release.gold import Gold
from pipeline.release.split import SplitPlan
from pipeline.schema import Argument, PreannotatedArticle, arrow_schema, to_row
from pipeline.taxonomy import load_taxonomy


def _batch(articles: list[PreannotatedArticle]) -> pa.RecordBatch:
    table = pa.Table.from_pylist(
        [to_row(a) for a in articles], schema=arrow_schema(PreannotatedArticle)
    )
    return table.to_batches()[0]


def _one_split(name: str, records: int) -> SplitPlan:
    """A plan putting ``records`` records, each its own story, in one split."""
    return SplitPlan(
        ratios={name: 1.0},
        seed=1,
        record_split=np.zeros(records, dtype=np.uint8),
        record_story=np.arange(records, dtype=np.int32),
        stories=records,
    )


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
    plan = _one_split("train", 1)
    stats = CutStats()
    [(split, table)] = list(release_batch(_batch([art]), 0, {}, plan, tax, stats))
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
    plan = _one_split("test", 1)
    stats = CutStats()
    [(_, table)] = list(release_batch(_batch([art]), 0, {}, plan, tax, stats))
    row = decode_labels(table, label_names(tax)).to_pylist()[0]
    assert [e["text"] for e in row["entities"]] == ["Zürich", "São Paulo"]
    assert stats.dropped == {"entity span does not slice the text": 1}
    assert row["times"][0]["text"] == text[row["times"][0]["start"] : row["times"][0]["end"]]


def test_a_batch_is_grouped_by_split_with_gold_and_byte_offsets_per_record(rb) -> None:
    """Three records, two splits: multibyte text in the first record must not shift the
    spans of the next ones, gold replaces one record's labels, input order holds within a
    split, and a span off by one character in the last record is dropped."""
    first = "😀 Été : Zoé à Zürich, « déjà » — ½ ça ✓. " * 3 + rb.article_text(0)
    arts = [rb.make_article(0, text=first), rb.make_article(1), rb.make_article(2)]
    city = arts[2].entities[1]
    shifted = replace(city, id="shifted", start=city.start + 1, end=city.end + 1)
    arts[2] = replace(arts[2], entities=[*arts[2].entities, shifted])
    human = rb.entity(arts[1].text, "Article", "MISC", source="annotator:7")
    gold = {
        "a001": Gold([human], [], [], ["annotator:7"], unusable=False, rule="only", agreement=None)
    }
    plan = SplitPlan(
        ratios={"train": 0.5, "test": 0.5},
        seed=1,
        record_split=np.array([1, 0, 1], dtype=np.uint8),
        record_story=np.array([0, 1, 0], dtype=np.int32),
        stories=2,
    )
    tax = load_taxonomy()
    stats = CutStats()
    out = list(release_batch(_batch(arts), 0, gold, plan, tax, stats))
    assert [(split, table.num_rows) for split, table in out] == [("train", 1), ("test", 2)]
    train = decode_labels(out[0][1], label_names(tax)).to_pylist()
    test = decode_labels(out[1][1], label_names(tax)).to_pylist()
    assert [r["id"] for r in train] == ["a001"] and [r["id"] for r in test] == ["a000", "a002"]
    assert train[0]["verified"] and train[0]["annotators"] == ["annotator:7"]
    assert [(e["label"], e["text"]) for e in train[0]["entities"]] == [("MISC", "Article")]
    assert not any(r["verified"] for r in test)
    for row in test:
        for e in row["entities"] + row["times"]:
            assert row["text"][e["start"] : e["end"]] == e["text"]
    assert [e["id"] for e in test[0]["entities"]] == [e.id for e in arts[0].entities]
    assert "shifted" not in [e["id"] for e in test[1]["entities"]]
    assert stats.dropped == {"entity span does not slice the text": 1}
    assert (stats.stories("train"), stats.stories("test")) == (1, 1)
    assert stats.records == {"train": 1, "test": 2}
    assert (stats.verified["train"], stats.verified["test"]) == (1, 0)
    assert stats.labels[("test", "entity", "PER")] == 2
    assert stats.labels[("train", "entity", "MISC")] == 1


def test_spans_with_the_right_length_but_other_bytes_are_dropped(rb) -> None:
    """Own text of the right character count but other bytes (an accent missing, or a
    two-byte character where the text ends on a one-byte one) does not slice the text."""
    text = "Le café de Zoé, à Lyon."
    good = rb.entity(text, "café", "MISC")
    unaccented = replace(good, id="e-unaccented", text="cafe")
    last = len(text) - 1  # the final ".", the last byte of the batch's text data
    overflow = replace(good, id="e-overflow", start=last, end=last + 1, text="é")
    art = replace(
        rb.make_article(5), text=text, entities=[good, unaccented, overflow], times=[], events=[]
    )
    tax = load_taxonomy()
    stats = CutStats()
    [(_, table)] = list(release_batch(_batch([art]), 0, {}, _one_split("train", 1), tax, stats))
    row = decode_labels(table, label_names(tax)).to_pylist()[0]
    assert [e["id"] for e in row["entities"]] == [good.id]
    assert stats.dropped == {"entity span does not slice the text": 2}
