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
        "region r1 (entity): offsets 3:8 hold ' Mond', the region says 'Monde'",
        "relation r9->r2: region r9 missing",
    ]


def _labels(rid: str, control: str, start: int, end: int, text: str, label: str) -> dict:
    return {
        "id": rid,
        "from_name": control,
        "type": "labels",
        "value": {"start": start, "end": end, "text": text[start:end], "labels": [label]},
    }


def _value(rid: str, control: str, kind: str, values: list[str]) -> dict:
    return {
        "id": rid,
        "from_name": control,
        "type": kind,
        "value": {"text" if kind == "textarea" else "choices": values},
    }


def test_every_human_value_that_cannot_be_kept_is_a_warning_naming_the_region() -> None:
    text = "La France suspend son aide au Mali le 3 mai."
    at = {
        w: (text.index(w), text.index(w) + len(w)) for w in ("France", "suspend", "Mali", "3 mai")
    }
    result = [
        _labels("fr", "entity", *at["France"], text, "LOC"),
        _labels("ml", "entity", *at["Mali"], text, "LOC"),
        _labels("ev", "trigger", *at["suspend"], text, "SANCTION"),
        _labels("dt", "time", *at["3 mai"], text, "DATE"),
        _labels("orphan", "argument", *at["Mali"], text, "ARG"),
        _value("ev", "time_value", "textarea", ["2025-05-03"]),  # typed on a trigger
        _value("dt", "event_flags", "choices", ["negated"]),  # ticked on a DATE
        _value("ev", "mode_AGREE", "choices", ["sign"]),  # a mode of another type
        _value("dt", "time_value", "textarea", ["2025-05-03", "2025-05-04"]),
        {"type": "relation", "from_id": "ev", "to_id": "fr", "labels": ["actor", "recipient"]},
        {"type": "relation", "from_id": "ev", "to_id": "ml", "labels": ["recipient"]},
        {"type": "relation", "from_id": "fr", "to_id": "ml", "labels": ["actor"]},
    ]
    parsed = parse_result(result, text, "annotator:1")
    (event,) = parsed.events
    assert [(a.role, a.text) for a in event.arguments] == [("recipient", "Mali")]
    assert event.mode is None and not event.negated
    assert [t.value for t in parsed.times] == ["2025-05-03"]
    assert parsed.errors == [
        "region ev (trigger): mode_AGREE {'choices': ['sign']} dropped, a mode of AGREE on a "
        "SANCTION trigger",
        "region ev (trigger): time_value {'text': ['2025-05-03']} dropped, a time value on this "
        "trigger region",
        "region dt (time): event_flags {'choices': ['negated']} dropped, event flags on this time "
        "region",
        "region dt (time): time_value holds 2 values ['2025-05-03', '2025-05-04'], only the "
        "first kept",
        "region orphan (argument): dropped, an argument span linked to no trigger",
        "relation ev->fr: 2 roles ['actor', 'recipient'] (expected one), dropped",
        "relation fr->ml ['actor']: dropped, its source is not a trigger but a region of 'entity'",
    ]
