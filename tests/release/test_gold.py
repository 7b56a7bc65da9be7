"""The gold policy: a review first, then ground truth, the latest submitted of one annotator,
the merge strategy among several."""

from __future__ import annotations

from pipeline.release.gold import GROUND_TRUTH, MERGED, REVIEWED, SINGLE, resolve
from pipeline.studio.merge import FULL_AGREEMENT, Strategy


def _labels(gold) -> list[tuple[int, int, str]]:
    return [(e.start, e.end, e.label) for e in gold.entities]


def test_no_counted_annotation_means_no_gold(rb) -> None:
    art = rb.make_article(1)
    assert resolve([]) is None
    draft = rb.make_annotation(1, art, 7, status="draft")
    cancelled = rb.make_annotation(2, art, 8, status="cancelled")
    assert resolve([draft, cancelled]) is None


def test_ground_truth_wins_over_newer_annotations(rb) -> None:
    art = rb.make_article(1)
    person = art.entities[0]
    as_org = rb.entity(art.text, person.text, "ORG")
    truth = rb.make_annotation(1, art, 7, updated_at="2025-01-01T00:00:00+00:00", ground_truth=True)
    newer = rb.make_annotation(2, art, 8, entities=[as_org], updated_at="2025-06-01T00:00:00+00:00")
    gold = resolve([newer, truth])
    assert gold.rule == GROUND_TRUTH
    assert (person.start, person.end, "PER") in _labels(gold)
    assert gold.annotators == ["annotator:7"]
    assert all(e.source == "annotator:7" for e in gold.entities)


def test_latest_submission_of_one_annotator_counts(rb) -> None:
    art = rb.make_article(1)
    person = art.entities[0]
    first = rb.make_annotation(1, art, 7, updated_at="2025-01-01T00:00:00+00:00")
    later = rb.make_annotation(
        2,
        art,
        7,
        entities=[rb.entity(art.text, person.text, "ORG")],
        updated_at="2025-02-01T00:00:00Z",
    )
    gold = resolve([later, first])
    assert gold.rule == SINGLE
    assert _labels(gold) == [(person.start, person.end, "ORG")]


def test_merge_strategy_decides_among_several_and_a_tie_waits_for_review(rb) -> None:
    art = rb.make_article(1)
    person = art.entities[0]
    per = rb.entity(art.text, person.text, "PER")
    org = rb.entity(art.text, person.text, "ORG")
    a = rb.make_annotation(1, art, 1, entities=[per], updated_at="2025-01-01T00:00:00Z")
    b = rb.make_annotation(2, art, 2, entities=[per], updated_at="2025-01-02T00:00:00Z")
    c = rb.make_annotation(3, art, 3, entities=[org], updated_at="2025-01-03T00:00:00Z")
    gold = resolve([a, b, c])
    assert gold.rule == MERGED
    assert _labels(gold) == [(person.start, person.end, "PER")]
    assert gold.entities[0].source == "annotator:1+annotator:2"  # who decided it
    assert gold.annotators == ["annotator:1", "annotator:2", "annotator:3"]
    assert round(gold.agreement, 4) == round((1 + 0 + 0) / 3, 4)
    assert _labels(resolve([a, b, c], Strategy(FULL_AGREEMENT))) == []
    # two annotators disagree: nothing is kept until a reviewer settles it
    assert _labels(resolve([a, c])) == []


def test_a_review_wins_unless_the_reviewer_annotated_the_article(rb) -> None:
    art = rb.make_article(1)
    person = art.entities[0]
    per = rb.entity(art.text, person.text, "PER")
    org = rb.entity(art.text, person.text, "ORG")
    a = rb.make_annotation(1, art, 1, entities=[per])
    c = rb.make_annotation(2, art, 2, entities=[org])
    review = rb.make_annotation(3, art, 9, entities=[org], updated_at="2025-01-01T00:00:00Z")
    gold = resolve([a, c], reviews=[review])
    assert gold.rule == REVIEWED
    assert _labels(gold) == [(person.start, person.end, "ORG")]
    assert gold.entities[0].source == "reviewer:9"
    assert gold.annotators == ["annotator:1", "annotator:2", "reviewer:9"]
    own = rb.make_annotation(4, art, 1, entities=[per], updated_at="2025-09-01T00:00:00Z")
    assert resolve([a, c], reviews=[own]).rule == MERGED  # annotator 1 reviewing themselves
    assert resolve([a, c], reviews=[review, own]).entities[0].source == "reviewer:9"


def test_unusable_majority_and_cancelled_votes_ignored(rb) -> None:
    art = rb.make_article(1)
    a = rb.make_annotation(1, art, 1, unusable=True)
    b = rb.make_annotation(2, art, 2, unusable=True, updated_at="2025-05-01T00:00:00Z")
    c = rb.make_annotation(3, art, 3, status="cancelled", updated_at="2025-06-01T00:00:00Z")
    gold = resolve([a, b, c])
    assert gold.unusable is True
    assert gold.annotators == ["annotator:1", "annotator:2"]
