"""Gold spans placed on a text that normalize may have changed: by surface, in order."""

from __future__ import annotations

from demo.simulated_annotator import gold_result, place_spans, time_values
from pipeline.evaluate.brat import BratDocument
from pipeline.schema import Entity, TimeExpression, bare_article
from pipeline.studio import config as cfg
from pipeline.studio.convert import parse_result, prediction
from pipeline.taxonomy import load_taxonomy

GOLD_TEXT = "Attaque à Valence (Drôme)\n\ndevant la Grande Mosquée de Valence ."


def gold(spans: list[tuple[int, int, str]], text: str = GOLD_TEXT) -> BratDocument:
    return BratDocument("doc", text, spans)


def spans_of(text: str, surfaces: list[tuple[str, str]]) -> list[tuple[int, int, str]]:
    """Spans of each (surface, label) at its first occurrence from the previous one on."""
    out, cursor = [], 0
    for surface, label in surfaces:
        cursor = text.index(surface, cursor)
        out.append((cursor, cursor + len(surface), label))
    return out


_LAST = GOLD_TEXT.rindex("Valence")  # the town inside the mosque's name
SPANS = [
    *spans_of(
        GOLD_TEXT, [("Valence", "LOC"), ("Drôme", "LOC"), ("Grande Mosquée de Valence", "ORG")]
    ),
    (_LAST, _LAST + len("Valence"), "LOC"),
]


def test_unchanged_text_keeps_the_gold_offsets() -> None:
    placement = place_spans(GOLD_TEXT, gold(SPANS))
    assert placement.placed == sorted(SPANS, key=lambda s: (s[0], -s[1]))
    assert placement.unplaced == []


def test_shifted_text_moves_every_span_and_keeps_nested_ones() -> None:
    text = "  " + GOLD_TEXT.replace("\n\n", "\n")  # two characters in front, one fewer later
    placement = place_spans(text, gold(SPANS))
    surfaces = [(text[s:e], label) for s, e, label in placement.placed]
    assert surfaces == [
        ("Valence", "LOC"),
        ("Drôme", "LOC"),
        ("Grande Mosquée de Valence", "ORG"),
        ("Valence", "LOC"),
    ]
    assert placement.placed[0][0] == 12
    org, nested = placement.placed[2], placement.placed[3]
    assert org[0] < nested[0] and nested[1] == org[1]  # the nested LOC inside the ORG
    assert placement.unplaced == []


def test_a_surface_missing_from_the_text_is_counted_not_guessed() -> None:
    text = GOLD_TEXT.replace("Drôme", "Drome")
    placement = place_spans(text, gold(SPANS))
    assert placement.unplaced == [("Drôme", "LOC")]
    assert [text[s:e] for s, e, _ in placement.placed] == [
        "Valence",
        "Grande Mosquée de Valence",
        "Valence",
    ]


def test_gold_result_reads_back_as_the_gold_with_the_machine_value_of_a_confirmed_date() -> None:
    """What the pull reads from a simulated annotation: the gold's names and time spans;
    a date whose span the machine predicted too keeps the machine's value, another has none."""
    text = "Le 3 mars, Valence accueille l'ONU. Le lendemain, rien."
    march, morrow = text.index("3 mars"), text.index("lendemain")
    machine = bare_article(
        "a1",
        text,
        entities=[Entity("e1", 11, 18, "PER", "Valence", "model")],
        times=[
            TimeExpression("t1", march, march + 6, "DATE", "3 mars", "2016-03-03", "model"),
            TimeExpression("t2", morrow - 3, morrow + 9, "DATE", "Le lendemain", "x", "model"),
        ],
    )
    gold = [
        (march, march + 6, "DATE"),
        (11, 18, "LOC"),
        (text.index("ONU"), text.index("ONU") + 3, "ORG"),
        (morrow, morrow + 9, "DATE"),
        (0, 2, "Unknown"),  # a label the project lacks: left out
    ]
    tax = load_taxonomy()
    controls = {label: cfg.ENTITY for label in tax.entity_labels} | {
        label: cfg.TIME for label in tax.time_labels
    }
    values = time_values(prediction(machine)["result"])
    assert values == {
        (march, march + 6, "DATE"): "2016-03-03",
        (morrow - 3, morrow + 9, "DATE"): "x",
    }
    parsed = parse_result(gold_result(text, gold, values, controls), text, "annotator:7")
    assert parsed.errors == []
    assert [(e.text, e.label) for e in parsed.entities] == [("Valence", "LOC"), ("ONU", "ORG")]
    assert [(t.text, t.label, t.value) for t in parsed.times] == [
        ("3 mars", "DATE", "2016-03-03"),
        ("lendemain", "DATE", None),
    ]
    assert parsed.events == []
