"""Which labels are final: the gold policy over Label Studio annotations.

Policy, per article (only annotations with ``status == "submitted"`` and not
``was_cancelled`` count; drafts and cancelled ones are ignored):

1. **Ground truth first.** If any counted annotation is flagged ``ground_truth``, the most
   recent of those (``updated_at``, else ``created_at``, then ``annotation_id``) is the gold.
2. **One annotator.** Otherwise each annotator's most recent annotation is their vote; with a
   single voter, that annotation is the gold.
3. **Several annotators: per-label majority.** A label (an entity or time span keyed by
   ``(start, end, label)``, an event by ``(type, trigger_start, trigger_end)``) is kept when
   more voters have it than do not; a tie is decided by the most recent annotation. With two
   annotators the most recent one therefore decides, with three or more the majority does.
   The attributes of a kept label (id, time value, event arguments) come from the most recent
   voter that has it, so does its ``source``.

The same rule decides ``unusable`` (an article annotators flagged as unusable leaves the
release). Articles without a counted annotation keep their machine labels, unverified.
Every label keeps its ``source``: ``annotator:<id>`` for human labels (set here when the pull
left it empty), the model's name and version for machine labels.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import combinations
from typing import Any

from pipeline.schema import Annotation, Entity, Event, TimeExpression

GROUND_TRUTH = "ground_truth"
SINGLE = "single_annotator"
MAJORITY = "majority"


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


def counts(annotation: Annotation) -> bool:
    """Whether an annotation takes part in the gold (submitted and never cancelled)."""
    return annotation.status == "submitted" and not annotation.was_cancelled


def annotator_tag(annotation: Annotation) -> str:
    """The ``source`` of a human label: ``annotator:<id>`` (the annotation id if anonymous)."""
    if annotation.annotator_id is not None:
        return f"annotator:{annotation.annotator_id}"
    return f"annotator:annotation-{annotation.annotation_id}"


def _when(annotation: Annotation) -> tuple[datetime, int]:
    stamp = annotation.updated_at or annotation.created_at
    moment = datetime.min.replace(tzinfo=UTC)
    if stamp:
        try:
            parsed = datetime.fromisoformat(stamp)
            moment = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        except ValueError:
            pass
    return moment, annotation.annotation_id


def _with_source(labels: Iterable[Any], tag: str) -> list[Any]:
    return [lab if lab.source else dataclasses.replace(lab, source=tag) for lab in labels]


def _entity_key(e: Entity) -> tuple[Any, ...]:
    return (e.start, e.end, e.label)


def _time_key(t: TimeExpression) -> tuple[Any, ...]:
    return (t.start, t.end, t.label)


def _event_key(e: Event) -> tuple[Any, ...]:
    return (e.type, e.trigger_start, e.trigger_end)


def _vote(
    voters: list[Annotation], pick: Callable[[Annotation], list[Any]], key: Callable[[Any], Any]
) -> list[Any]:
    """Per-label majority; ``voters`` are sorted oldest first, so the last one breaks ties."""
    latest = voters[-1]
    have: dict[Any, list[Annotation]] = {}
    chosen: dict[Any, Any] = {}
    for voter in voters:  # oldest first: the most recent voter's version of a label wins
        for label in pick(voter):
            have.setdefault(key(label), []).append(voter)
            chosen[key(label)] = _with_source([label], annotator_tag(voter))[0]
    kept = []
    for k, label in chosen.items():
        yes = len({v.annotation_id for v in have[k]})
        no = len(voters) - yes
        if yes > no or (yes == no and latest.annotation_id in {v.annotation_id for v in have[k]}):
            kept.append(label)
    return sorted(kept, key=key)


def _pair_f1(a: Annotation, b: Annotation) -> float:
    ka, kb = {_entity_key(e) for e in a.entities}, {_entity_key(e) for e in b.entities}
    if not ka and not kb:
        return 1.0
    return 2 * len(ka & kb) / (len(ka) + len(kb))


def resolve(annotations: Iterable[Annotation]) -> Gold | None:
    """The gold of one article from all its annotations, or None if none counts."""
    counted = sorted((a for a in annotations if counts(a)), key=_when)
    if not counted:
        return None
    truths = [a for a in counted if a.ground_truth]
    latest_by_voter: dict[Any, Annotation] = {}
    for a in counted:  # oldest first, so each voter ends with their latest annotation
        latest_by_voter[a.annotator_id if a.annotator_id is not None else -a.annotation_id] = a
    voters = sorted(latest_by_voter.values(), key=_when)
    agreement = None
    if len(voters) > 1:
        pairs = list(combinations(voters, 2))
        agreement = sum(_pair_f1(a, b) for a, b in pairs) / len(pairs)
    if truths or len(voters) == 1:
        gold = truths[-1] if truths else voters[-1]
        tag = annotator_tag(gold)
        return Gold(
            entities=sorted(_with_source(gold.entities, tag), key=_entity_key),
            times=sorted(_with_source(gold.times, tag), key=_time_key),
            events=sorted(_with_source(gold.events, tag), key=_event_key),
            annotators=[tag],
            unusable=gold.unusable,
            rule=GROUND_TRUTH if truths else SINGLE,
            agreement=agreement,
        )
    unusable_votes = sum(v.unusable for v in voters)
    unusable = unusable_votes * 2 > len(voters) or (
        unusable_votes * 2 == len(voters) and voters[-1].unusable
    )
    return Gold(
        entities=_vote(voters, lambda a: a.entities, _entity_key),
        times=_vote(voters, lambda a: a.times, _time_key),
        events=_vote(voters, lambda a: a.events, _event_key),
        annotators=sorted(annotator_tag(v) for v in voters),
        unusable=unusable,
        rule=MAJORITY,
        agreement=agreement,
    )
