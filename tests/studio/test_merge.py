"""Merge strategies (INCEpTION's curation): full agreement, majority, threshold voting."""

from __future__ import annotations

import pytest

from pipeline.errors import PipelineError
from pipeline.studio.merge import FULL_AGREEMENT, MAJORITY, THRESHOLD, Strategy, merge, voters

from .test_agreement import ann, date, ent, expel


def _labels(merged) -> list[tuple[str, str]]:
    return [(e.text, e.label) for e in merged.entities]


def _three():
    a = ann(1, entities=[ent("Macron", "PER"), ent("Berlin", "LOC")], times=[date("2025-03-05")])
    b = ann(2, entities=[ent("Macron", "PER"), ent("Berlin", "LOC")], times=[date("2024-03-05")])
    c = ann(3, entities=[ent("Macron", "PER"), ent("Berlin", "ORG")], times=[date("2025-03-05")])
    return a, b, c


def test_full_agreement_keeps_only_what_everyone_gave() -> None:
    merged = merge(_three(), Strategy(FULL_AGREEMENT))
    assert _labels(merged) == [("Macron", "PER")]
    assert merged.times == []
    assert merged.entities[0].source == "annotator:1+annotator:2+annotator:3"
    assert merged.annotators == ["annotator:1", "annotator:2", "annotator:3"]


def test_majority_needs_more_than_half_and_a_tie_keeps_nothing() -> None:
    a, b, c = _three()
    merged = merge([a, b, c], Strategy(MAJORITY))
    assert _labels(merged) == [("Macron", "PER"), ("Berlin", "LOC")]
    assert merged.entities[1].source == "annotator:1+annotator:2"
    assert [(t.value, t.source) for t in merged.times] == [
        ("2025-03-05", "annotator:1+annotator:3")
    ]
    tie = merge([b, c], Strategy(MAJORITY))
    assert _labels(tie) == [("Macron", "PER")]  # Berlin LOC/ORG: one vote each
    assert tie.times == []


def test_threshold_counts_votes_and_share_of_votes_cast() -> None:
    a, b, c = _three()
    lone = ann(4, entities=[ent("Scholz", "PER")])
    pool = [a, b, c, lone]
    two = merge(pool, Strategy(THRESHOLD, min_votes=2, min_share=0.6))
    # Berlin: LOC 2 of 3 votes cast (0.67 >= 0.6) although only half of the 4 voters
    assert _labels(two) == [("Macron", "PER"), ("Berlin", "LOC")]
    strict = merge(pool, Strategy(THRESHOLD, min_votes=3, min_share=0.5))
    assert _labels(strict) == [("Macron", "PER")]
    one = merge(pool, Strategy(THRESHOLD, min_votes=1, min_share=0.0))
    assert ("Scholz", "PER") in _labels(one)
    # a tie between two values keeps neither, whatever the thresholds
    assert merge([b, c], Strategy(THRESHOLD, min_votes=1, min_share=0.0)).times == []


def test_event_type_then_mode_flags_and_argument_roles() -> None:
    a = ann(1, events=[expel(("actor", "Macron"), ("recipient", "Scholz"))])
    b = ann(2, events=[expel(("actor", "Macron"), ("location", "Berlin"))])
    c = ann(3, events=[expel(("actor", "Macron"), ("recipient", "Scholz"))])
    (event,) = merge([a, b, c], Strategy(MAJORITY)).events
    assert (event.type, event.mode, event.negated) == ("SANCTION", "expel", False)
    assert [(g.role, g.text) for g in event.arguments] == [
        ("actor", "Macron"),
        ("recipient", "Scholz"),
    ]
    (pair,) = merge([a, b], Strategy(FULL_AGREEMENT)).events
    assert [(g.role, g.text) for g in pair.arguments] == [("actor", "Macron")]


def test_voters_are_latest_submitted_per_annotator_and_unusable_is_voted() -> None:
    old = ann(1, annotation_id=10, unusable=True, updated_at="2025-01-01T00:00:00Z")
    new = ann(1, annotation_id=11, updated_at="2025-02-01T00:00:00Z")
    draft = ann(2, annotation_id=12, status="draft", unusable=True)
    cancelled = ann(3, annotation_id=13, status="cancelled", was_cancelled=True)
    assert [v.annotation_id for v in voters([old, new, draft, cancelled])] == [11]
    assert merge([draft, cancelled], Strategy()) is None
    flagged = [ann(1, unusable=True), ann(2, unusable=True), ann(3)]
    assert merge(flagged, Strategy(MAJORITY)).unusable is True
    assert merge(flagged, Strategy(FULL_AGREEMENT)).unusable is False


def test_unknown_strategy_is_refused() -> None:
    with pytest.raises(PipelineError, match="expected one of"):
        Strategy("latest")
