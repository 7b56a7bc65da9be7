"""Entities: the seed facts, offsets that slice the stored text, provenance, stable ids, the
gazetteer precedence rule and the gazetteer file's validation."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.annotate.base import Annotator
from pipeline.annotate.entities import GAZETTEER, MODEL, EntitySpan, load_gazetteer, merge
from pipeline.errors import PipelineError

SEED_000 = "000_1d858071adb957df"
SEED_001 = "001_f9319d82666dafb3"


def _labels(record) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for e in record.entities:
        out.setdefault(e.text, set()).add(e.label)
    return out


def test_seed_entities(seed_results) -> None:
    first, second = _labels(seed_results[SEED_000]), _labels(seed_results[SEED_001])
    for name in ("France", "Mali", "Bamako"):
        assert first[name] == {"LOC"}, name
        assert second[name] == {"LOC"}, name
    assert first["Assimi Goïta"] == {"PER"}
    # the gazetteer fixes the model's label and boundary of the armed group
    assert first["État islamique"] == {"ORG"}
    # "la France" in the text becomes "France": no determiner inside a name
    assert not any(t.lower().startswith(("la ", "le ", "l'")) for t in first)


def test_offsets_slice_the_stored_text(seed_results) -> None:
    for record in seed_results.values():
        assert record.entities
        for e in record.entities:
            assert record.text[e.start : e.end] == e.text
        for t in record.times:
            assert record.text[t.start : t.end] == t.text
        for v in record.events:
            assert record.text[v.trigger_start : v.trigger_end] == v.trigger_text
            for a in v.arguments:
                assert record.text[a.start : a.end] == a.text


def test_provenance_and_ids(seed_results, linguistic) -> None:
    assert isinstance(linguistic, Annotator)
    record = seed_results[SEED_000]
    sources = {e.source for e in record.entities}
    assert sources <= {"spacy:fr_core_news_md@3.8.0", linguistic.gazetteer.source}
    assert "spacy:fr_core_news_md@3.8.0" in sources
    assert linguistic.gazetteer.source.startswith("gazetteer@")
    # the configured calibration map scores every entity, gazetteer names too (confidence.py)
    assert all(e.score is not None and 0.0 <= e.score <= 1.0 for e in record.entities)
    ids = [e.id for e in record.entities]
    assert len(ids) == len(set(ids))
    assert record.model_version is not None and "fr_core_news_md@3.8.0" in record.model_version
    assert record.taxonomy_version == "1.0.0"


def test_same_input_same_entities(linguistic, seed_articles, seed_results) -> None:
    from pipeline.annotate.core import as_preannotated

    again = next(linguistic.annotate([as_preannotated(seed_articles[0])]))
    assert again.entities == seed_results[SEED_000].entities


def _span(start: int, end: int, label: str, origin: str) -> EntitySpan:
    return EntitySpan(start, end, label, origin)


@pytest.mark.parametrize(
    ("model", "gazetteer", "expected"),
    [
        # same span: the gazetteer's label wins ("Daech" LOC -> ORG)
        ([(3, 4, "LOC")], [(3, 4, "ORG")], [(3, 4, "ORG", GAZETTEER)]),
        # the gazetteer covers a shorter model span ("État" -> "État islamique")
        ([(3, 4, "LOC")], [(3, 5, "ORG")], [(3, 5, "ORG", GAZETTEER)]),
        # a longer model name keeps its span; the gazetteer name inside stays nested
        ([(2, 6, "ORG")], [(5, 6, "LOC")], [(2, 6, "ORG", MODEL), (5, 6, "LOC", GAZETTEER)]),
        # ...but not at its start, nor inside a person's name ("France Inter", "France Gall")
        ([(2, 6, "ORG")], [(2, 3, "LOC")], [(2, 6, "ORG", MODEL)]),
        ([(2, 4, "PER")], [(3, 4, "LOC")], [(2, 4, "PER", MODEL)]),
        # crossing: the longer span wins
        ([(2, 5, "ORG")], [(4, 6, "LOC")], [(2, 5, "ORG", MODEL)]),
        # crossing with a tie: the gazetteer wins
        ([(2, 4, "ORG")], [(3, 5, "LOC")], [(3, 5, "LOC", GAZETTEER)]),
        # nothing overlaps: both kept
        ([(0, 1, "PER")], [(7, 8, "LOC")], [(0, 1, "PER", MODEL), (7, 8, "LOC", GAZETTEER)]),
    ],
)
def test_precedence_rule(model, gazetteer, expected) -> None:
    got = merge([_span(*m, MODEL) for m in model], [_span(*g, GAZETTEER) for g in gazetteer])
    assert [(s.start, s.end, s.label, s.origin) for s in got] == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("names:\n  PLACE:\n    x: [Paris]\n", "unknown label 'names.PLACE'"),
        ("names:\n  LOC:\n    a: [Paris]\n    b: [Paris]\n", "duplicate name 'Paris'"),
        ("names:\n  LOC:\n    a: Paris\n", "'names.LOC.a' must be a list of names"),
        ("names: {}\ncolour: red\n", "unknown key 'colour'"),
        ("places: {}\n", "gazetteer must have a 'names' mapping"),
    ],
)
def test_bad_gazetteer_is_one_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "gazetteer.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PipelineError) as info:
        load_gazetteer(path, ["PER", "ORG", "LOC", "MISC"])
    assert message in str(info.value)
    assert str(info.value).startswith(str(path))
    assert "\n" not in str(info.value)


def test_overlong_article_is_reported_and_the_rest_goes_on(linguistic, seed_articles) -> None:
    from pipeline.annotate.core import as_preannotated

    short = replace(as_preannotated(seed_articles[0]), id="short", text="La France et le Mali.")
    long = as_preannotated(seed_articles[1])
    limit = linguistic.nlp.max_length
    linguistic.nlp.max_length = 100
    try:
        out = list(linguistic.annotate([long, short]))
    finally:
        linguistic.nlp.max_length = limit
        problems, linguistic.problems = linguistic.problems, []
    assert [r.id for r in out] == [long.id, "short"]
    assert out[0].entities == [] and out[0].events == []
    assert {e.text for e in out[1].entities} == {"France", "Mali"}
    assert len(problems) == 1
    assert long.id in problems[0] and "over the model's limit of 100" in problems[0]


def test_chain_on_newspaper_sentences(linguistic) -> None:
    """The configured chain on old-press sentences: honorifics make persons, lower-case
    titles and offices leave PER, a span without a capital is no name."""
    from pipeline.schema import bare_article

    text = (
        "M. Renault, propriétaire à Ambrières, a été reçu hier par le président de la "
        "République. Le cardinal Labouré est mort à Rennes. MM. Poisson et Ghis ont "
        "payé à la mairie. Le substitut du procureur de la République près le siège a parlé."
    )
    raw = {(e.text, e.label_) for e in linguistic.nlp(text).ents}
    # what the stock model says, and the chain corrects
    assert {("Renault", "ORG"), ("président de la République", "PER")} <= raw
    assert {("cardinal Labouré", "PER"), ("procureur de la", "LOC")} <= raw
    (out,) = linguistic.annotate([bare_article("press", text)])
    found = {(e.text, e.label) for e in out.entities}
    assert {("Renault", "PER"), ("Labouré", "PER"), ("Poisson", "PER")} <= found
    assert {("Ambrières", "LOC"), ("Rennes", "LOC")} <= found
    assert not any("République" in name or name.islower() for name, _ in found)
