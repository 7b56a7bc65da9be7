"""Records to Label Studio results and back, without a server: exact round trip, strict spans."""

from __future__ import annotations

from pipeline.studio.convert import check_span, parse_result, prediction, to_task


def test_prediction_round_trips_to_the_same_labels(article) -> None:
    rec = article(7)
    parsed = parse_result(prediction(rec)["result"], rec.text, "annotator:1")
    assert parsed.errors == []
    expected = sorted(rec.entities, key=lambda e: (e.start, e.end, e.label, e.id))
    assert [(e.id, e.start, e.end, e.label, e.text) for e in parsed.entities] == [
        (e.id, e.start, e.end, e.label, e.text) for e in expected
    ]
    assert {(e.id, e.label) for e in parsed.entities} == {(e.id, e.label) for e in rec.entities}
    assert [(t.id, t.value) for t in parsed.times] == [(t.id, t.value) for t in rec.times]
    got = {e.id: e for e in parsed.events}
    for ev in rec.events:
        back = got[ev.id]
        assert (back.type, back.mode, back.negated, back.hypothetical) == (
            ev.type,
            ev.mode,
            ev.negated,
            ev.hypothetical,
        )
        assert sorted((a.role, a.start, a.end, a.ref) for a in back.arguments) == sorted(
            (a.role, a.start, a.end, a.ref) for a in ev.arguments
        )


def test_task_keeps_article_identity_and_same_ids_every_time(article) -> None:
    a, b = to_task(article(3)), to_task(article(3))
    assert a == b
    assert a["meta"] == {"article_id": "art-00003"}
    assert set(a["data"]) == {"text", "article_id", "title", "date", "story_id"}
    assert len(a["predictions"]) == 1 and a["predictions"][0]["model_version"] == "test-model@1"


def test_span_check_catches_the_known_offset_traps() -> None:
    text = "Paris  capitale\r\nde la 🇫🇷 France, dit-il."
    start = text.index("France")
    assert check_span(text, {"start": start, "end": start + 6, "text": "France"}) is None
    # a client counting the emoji as UTF-16 units lands 2 characters too far
    shifted = {"start": start + 2, "end": start + 8, "text": "France"}
    assert "the region says 'France'" in check_span(text, shifted)
    assert "out of range" in check_span(text, {"start": 0, "end": 999, "text": "x"})
    assert "out of range" in check_span(text, {"start": 5, "end": 5, "text": ""})
    assert "not integers" in check_span(text, {"start": "0", "end": 3})


def test_bad_region_is_reported_and_dropped_not_shifted() -> None:
    text = "Le  Monde l'a appris."
    result = [
        {
            "id": "r1",
            "from_name": "entity",
            "type": "labels",
            "value": {"start": 3, "end": 8, "text": "Monde", "labels": ["ORG"]},
        },
        {
            "id": "r2",
            "from_name": "entity",
            "type": "labels",
            "value": {"start": 4, "end": 9, "text": "Monde", "labels": ["ORG"]},
        },
        {"type": "relation", "from_id": "r9", "to_id": "r2", "labels": ["actor"]},
    ]
    parsed = parse_result(result, text, "annotator:2")
    assert [(e.id, e.text) for e in parsed.entities] == [("r2", "Monde")]
    assert parsed.errors == [
        "region r1 (entity): offsets 3:8 hold ' Mond', the region says 'Monde'"
    ]
