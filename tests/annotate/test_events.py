"""Events on the seed story: types, modes, arguments linked to entities, flags."""

from __future__ import annotations

from pipeline.schema import Event, PreannotatedArticle

SEED_000 = "000_1d858071adb957df"
SEED_001 = "001_f9319d82666dafb3"


def _args(event: Event) -> dict[str, str]:
    return {a.role: a.text for a in event.arguments}


def _events(record: PreannotatedArticle, etype: str) -> list[Event]:
    return [e for e in record.events if e.type == etype]


def test_france_suspends_cooperation_with_mali(seed_results) -> None:
    for seed in (SEED_000, SEED_001):
        record = seed_results[seed]
        found = [
            e
            for e in _events(record, "SANCTION")
            if _args(e).get("actor") == "France" and _args(e).get("recipient") == "Mali"
        ]
        assert found, seed
        event = found[0]
        assert event.mode == "discontinue"
        assert not event.negated and not event.hypothetical
        by_role = {a.role: a for a in event.arguments}
        entities = {e.id: e for e in record.entities}
        assert entities[by_role["actor"].ref].text == "France"
        assert entities[by_role["recipient"].ref].label == "LOC"
        assert event.source == "rules:events@1.0.0"


def test_expulsion_of_diplomats(seed_results) -> None:
    expel_000 = [e for e in _events(seed_results[SEED_000], "SANCTION") if e.mode == "expel"]
    assert any(_args(e).get("actor") == "France" for e in expel_000)
    assert any("diplomates" in _args(e).get("recipient", "") for e in expel_000)
    expel_001 = [e for e in _events(seed_results[SEED_001], "SANCTION") if e.mode == "expel"]
    assert any(e.trigger_text == "persona non grata" for e in expel_001)


def test_arrest_of_the_agent(seed_results) -> None:
    arrests = [e for e in _events(seed_results[SEED_001], "COERCE") if e.mode == "arrest"]
    assert {e.trigger_text for e in arrests} >= {"arrestation", "appréhendé"}
    # the passive's agent is the actor: "a été appréhendé par Bamako"
    assert any(_args(e).get("actor") == "Bamako" for e in arrests)
    arrests_000 = [e for e in _events(seed_results[SEED_000], "COERCE") if e.mode == "arrest"]
    assert any(_args(e).get("actor") == "Bamako" for e in arrests_000)


def test_accusation_demand_and_denial(seed_results) -> None:
    first, second = seed_results[SEED_000], seed_results[SEED_001]
    assert any("accusations" in e.trigger_text for e in _events(second, "ACCUSE"))
    demands = [e for e in _events(second, "REQUEST") if e.trigger_text == "exige"]
    assert demands and _args(demands[0])["actor"] == "Paris"
    # PLOVER: the recipient is an actor, never the event demanded ("la libération")
    assert "libération" not in _args(demands[0]).get("recipient", "")
    denials = _events(first, "REJECT")
    assert denials and _args(denials[0])["actor"] == "France"
    assert denials[0].mode == "deny"


def test_negation_and_hypothesis(seed_results) -> None:
    first, second = seed_results[SEED_000], seed_results[SEED_001]
    # "si notre citoyen n'est pas libéré": negated and hypothetical
    release = [e for e in _events(first, "CONCEDE") if e.trigger_text == "libéré"]
    assert release and release[0].negated and release[0].hypothetical
    # "Paris exige la libération": the release is only demanded
    demanded = [e for e in _events(second, "CONCEDE") if e.trigger_text == "libération"]
    assert demanded and demanded[0].hypothetical and not demanded[0].negated
    # "Cette rupture pourrait compliquer": conditional
    rupture = [e for e in _events(second, "SANCTION") if e.trigger_text == "rupture"]
    assert rupture and rupture[0].hypothetical


def test_dates_are_linked_when_the_time_annotator_found_them(seed_results) -> None:
    record = seed_results[SEED_000]
    times = {t.id: t for t in record.times}
    dated = [a for e in record.events for a in e.arguments if a.role == "date"]
    assert dated
    for argument in dated:
        assert argument.ref in times
        assert times[argument.ref].start == argument.start


def test_event_ids_unique_and_types_known(seed_results, linguistic) -> None:
    for record in seed_results.values():
        ids = [e.id for e in record.events]
        assert len(ids) == len(set(ids))
        for event in record.events:
            etype = linguistic.taxonomy.event_types[event.type]
            assert event.mode is None or event.mode in etype.modes
            assert {a.role for a in event.arguments} <= set(linguistic.taxonomy.roles)
