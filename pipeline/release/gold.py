"""Which labels are final: the gold policy over Label Studio annotations and reviews.

Policy, per article (only annotations with ``status == "submitted"`` and not
``was_cancelled`` count; drafts and cancelled ones are ignored):

1. **A review first.** The latest counted annotation of the article in the review project
   (``pipeline studio review``) is the gold, unless its author annotated the article
   themselves: a reviewer never settles their own work, such a review is refused.
2. **Ground truth next.** If any counted annotation is flagged ``ground_truth``, the most
   recent of those (``updated_at``, else ``created_at``, then ``annotation_id``) is the gold.
3. **One annotator.** Otherwise each annotator's most recent annotation is their vote; with a
   single voter, that annotation is the gold.
4. **Several annotators: the merge strategy** of params ``review.merge``
   (``pipeline.studio.merge``: full agreement, majority or threshold voting). A label no
   strategy keeps is left out until a reviewer settles it.

Articles without a counted annotation keep their machine labels, unverified. Every label
keeps who decided it in ``source``: ``reviewer:<id>``, ``annotator:<id>`` (several joined by
``+`` when merged), or the model's name and version for machine labels.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from pipeline.schema import Annotation, Entity, Event, TimeExpression
from pipeline.studio.merge import Strategy, annotator_tag, counts, merge, voters, when

REVIEWED = "reviewed"
GROUND_TRUTH = "ground_truth"
SINGLE = "single_annotator"
MERGED = "merged"


@dataclass(frozen=True)
class Gold:
    """The resolved human labels of one article and how they were decided."""

    entities: list[Entity]
    times: list[TimeExpression]
    events: list[Event]
    annotators: list[str]
    unusable: bool
    rule: str
    #: mean pairwise entity F1 between voters (None with fewer than two voters)
    agreement: float | None


def _with_source(labels: Iterable[Any], tag: str) -> list[Any]:
    """The labels as decided by ``tag`` (who decided a label is who submitted it last)."""
    return [dataclasses.replace(lab, source=tag) for lab in labels]


def _entity_key(e: Entity) -> tuple[Any, ...]:
    return (e.start, e.end, e.label)


def _time_key(t: TimeExpression) -> tuple[Any, ...]:
    return (t.start, t.end, t.label)


def _event_key(e: Event) -> tuple[Any, ...]:
    return (e.type, e.trigger_start, e.trigger_end)


def _pair_f1(a: Annotation, b: Annotation) -> float:
    ka, kb = {_entity_key(e) for e in a.entities}, {_entity_key(e) for e in b.entities}
    if not ka and not kb:
        return 1.0
    return 2 * len(ka & kb) / (len(ka) + len(kb))


def reviewer_tag(review: Annotation) -> str:
    """The ``source`` of a reviewer's label."""
    return annotator_tag(review).replace("annotator:", "reviewer:", 1)


def _from(
    gold: Annotation, tag: str, annotators: list[str], rule: str, agreement: float | None
) -> Gold:
    return Gold(
        entities=sorted(_with_source(gold.entities, tag), key=_entity_key),
        times=sorted(_with_source(gold.times, tag), key=_time_key),
        events=sorted(_with_source(gold.events, tag), key=_event_key),
        annotators=annotators,
        unusable=gold.unusable,
        rule=rule,
        agreement=agreement,
    )


def own_reviews(
    annotations: Iterable[Annotation], reviews: Iterable[Annotation]
) -> list[Annotation]:
    """The counted reviews whose author also annotated the article (refused)."""
    authors = {a.annotator_id for a in annotations if a.annotator_id is not None}
    return [r for r in reviews if counts(r) and r.annotator_id in authors]


def resolve(
    annotations: Iterable[Annotation],
    strategy: Strategy | None = None,
    reviews: Iterable[Annotation] = (),
) -> Gold | None:
    """The gold of one article from all its annotations and reviews, or None if none counts."""
    annotations = list(annotations)
    refused = own_reviews(annotations, reviews := list(reviews))
    accepted = sorted((r for r in reviews if counts(r) and r not in refused), key=when)
    counted = sorted((a for a in annotations if counts(a)), key=when)
    if not counted and not accepted:
        return None
    pool = voters(counted)
    agreement = None
    if len(pool) > 1:
        pairs = list(combinations(pool, 2))
        agreement = sum(_pair_f1(a, b) for a, b in pairs) / len(pairs)
    tags = sorted(annotator_tag(v) for v in pool)
    if accepted:
        review = accepted[-1]
        tag = reviewer_tag(review)
        return _from(review, tag, sorted([*tags, tag]), REVIEWED, agreement)
    truths = [a for a in counted if a.ground_truth]
    if truths or len(pool) == 1:
        gold = truths[-1] if truths else pool[-1]
        tag = annotator_tag(gold)
        return _from(gold, tag, [tag], GROUND_TRUTH if truths else SINGLE, agreement)
    merged = merge(pool, strategy or Strategy())
    assert merged is not None  # the pool is not empty
    return Gold(
        entities=merged.entities,
        times=merged.times,
        events=merged.events,
        annotators=merged.annotators,
        unusable=merged.unusable,
        rule=MERGED,
        agreement=agreement,
    )
