"""Merging several annotators' versions of one article into one: INCEpTION's curation
strategies as a pure function (annotations in, labels out, no server).

Each annotator votes once per article, with their latest submitted, non-cancelled
annotation (``voters``). Labels are compared at *positions*, and at each position the
annotators' *values* compete:

- an entity at ``(start, end)``: its label;
- a time expression at ``(start, end)``: its label and ISO value together;
- an event at its trigger ``(start, end)``: its type; then, among the voters that have
  that event, its mode, its negated/hypothetical flags, and each argument span's role
  (a voter of the event without that argument votes "none");
- the article: the unusable flag.

A value is kept when the strategy accepts its votes (INCEpTION, "Curation: merge
strategies"):

- ``full_agreement`` ("merge completely agreeing"): every voter gave that value;
- ``majority``: more than half of the voters gave it (an absent label is a vote against);
- ``threshold``: at least ``min_votes`` voters gave it and it has at least ``min_share`` of
  the votes cast for a label at that position (INCEpTION's user and confidence
  thresholds), and no other label there is as popular (a tie keeps nothing).

Nothing is invented: a position where no value passes keeps nothing, which is exactly what
a reviewer is then asked to settle. A kept label's ``source`` names every annotator that
gave it (``annotator:1+annotator:2``), so the release says who decided it.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from pipeline.errors import PipelineError
from pipeline.schema import Annotation, Argument, Entity, Event, TimeExpression

FULL_AGREEMENT = "full_agreement"
MAJORITY = "majority"
THRESHOLD = "threshold"
STRATEGIES = (FULL_AGREEMENT, MAJORITY, THRESHOLD)

#: the vote of a voter that has no label (or no argument) at a position
NONE = None

T = TypeVar("T")


@dataclass(frozen=True)
class Strategy:
    """A merge strategy and its thresholds (``min_votes``/``min_share``: ``threshold`` only)."""

    name: str = MAJORITY
    min_votes: int = 2
    min_share: float = 0.5

    def __post_init__(self) -> None:
        if self.name not in STRATEGIES:
            raise PipelineError(
                f"merge strategy {self.name!r}: expected one of {', '.join(STRATEGIES)}"
            )

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> Strategy:
        """The ``review.merge`` block of params.yaml."""
        return cls(str(params["strategy"]), int(params["min_votes"]), float(params["min_share"]))

    def describe(self) -> str:
        """One line for the card and the summaries."""
        if self.name == THRESHOLD:
            return f"{self.name} (at least {self.min_votes} votes and {self.min_share:.0%})"
        return self.name

    def accepts(self, votes: int, cast: int, voters: int, rivals: int) -> bool:
        """Whether a value with ``votes`` wins, out of ``cast`` votes for any label at the
        position, ``voters`` voters in all, ``rivals`` the best other label's votes."""
        if self.name == FULL_AGREEMENT:
            return votes == voters
        if self.name == MAJORITY:
            return 2 * votes > voters
        return votes >= self.min_votes and votes >= self.min_share * cast and votes > rivals


@dataclass(frozen=True)
class Merged:
    """One article's merged labels and who they came from."""

    entities: list[Entity]
    times: list[TimeExpression]
    events: list[Event]
    unusable: bool
    annotators: list[str]


def annotator_tag(annotation: Annotation) -> str:
    """``annotator:<id>`` (the annotation id when the annotator is unknown)."""
    if annotation.annotator_id is not None:
        return f"annotator:{annotation.annotator_id}"
    return f"annotator:annotation-{annotation.annotation_id}"


def when(annotation: Annotation) -> tuple[datetime, int]:
    """The order of annotations in time (last update, else creation, then id)."""
    stamp = annotation.updated_at or annotation.created_at
    moment = datetime.min.replace(tzinfo=UTC)
    if stamp:
        try:
            parsed = datetime.fromisoformat(stamp)
            moment = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        except ValueError:
            pass
    return moment, annotation.annotation_id


def counts(annotation: Annotation) -> bool:
    """Whether an annotation takes part in agreement and merging (submitted, not cancelled)."""
    return annotation.status == "submitted" and not annotation.was_cancelled


def voters(annotations: Iterable[Annotation]) -> list[Annotation]:
    """Each annotator's latest counted annotation, oldest first (drafts never vote)."""
    latest: dict[Any, Annotation] = {}
    for a in sorted((a for a in annotations if counts(a)), key=when):
        latest[a.annotator_id if a.annotator_id is not None else -a.annotation_id] = a
    return sorted(latest.values(), key=when)


def _winner(
    strategy: Strategy, ballots: Sequence[tuple[Hashable, str]], voters_n: int
) -> tuple[Hashable, list[str]] | None:
    """The value the strategy keeps among ``(value, voter tag)`` ballots, and who gave it;
    None when nothing passes or the winner is "no label"."""
    tally = Counter(value for value, _ in ballots)
    cast = sum(n for value, n in tally.items() if value is not NONE)
    for value, votes in tally.most_common():
        rivals = max((n for v, n in tally.items() if v not in (value, NONE)), default=0)
        if value is not NONE and strategy.accepts(votes, cast, voters_n, rivals):
            return value, sorted({tag for v, tag in ballots if v == value})
    return None


def _positions(
    pool: Sequence[Annotation], pick: Callable[[Annotation], Iterable[T]], where: Callable[[T], Any]
) -> dict[Any, dict[str, T]]:
    """Position -> voter tag -> that voter's label there (one per voter and position)."""
    out: dict[Any, dict[str, T]] = defaultdict(dict)
    for voter in pool:
        for label in pick(voter):
            out[where(label)].setdefault(annotator_tag(voter), label)
    return out


def _ballots(
    at: dict[str, T], pool: Sequence[Annotation], value: Callable[[T], Hashable]
) -> list[tuple[Hashable, str]]:
    """Every voter's value at a position: theirs, or NONE."""
    tags = [annotator_tag(v) for v in pool]
    return [(value(at[t]) if t in at else NONE, t) for t in tags]


def _source(tags: list[str]) -> str:
    return "+".join(tags)


def merge(annotations: Iterable[Annotation], strategy: Strategy) -> Merged | None:
    """The merged version of one article's annotations, or None when none counts."""
    pool = voters(annotations)
    if not pool:
        return None
    n = len(pool)
    entities: list[Entity] = []
    for by_ent in _positions(pool, lambda a: a.entities, lambda e: (e.start, e.end)).values():
        won = _winner(strategy, _ballots(by_ent, pool, lambda e: e.label), n)
        if won:
            ent = next(by_ent[t] for t in won[1])
            entities.append(dataclasses.replace(ent, label=str(won[0]), source=_source(won[1])))
    times: list[TimeExpression] = []
    for by_time in _positions(pool, lambda a: a.times, lambda t: (t.start, t.end)).values():
        won = _winner(strategy, _ballots(by_time, pool, lambda t: (t.label, t.value)), n)
        if won:
            tim = next(by_time[t] for t in won[1])
            times.append(dataclasses.replace(tim, source=_source(won[1])))
    events = [
        ev
        for at in _positions(
            pool, lambda a: a.events, lambda e: (e.trigger_start, e.trigger_end)
        ).values()
        if (ev := _merge_event(at, pool, strategy)) is not None
    ]
    flags = _winner(strategy, [(a.unusable, annotator_tag(a)) for a in pool], n)
    return Merged(
        entities=sorted(entities, key=lambda e: (e.start, e.end, e.label)),
        times=sorted(times, key=lambda t: (t.start, t.end, t.label)),
        events=sorted(events, key=lambda e: (e.trigger_start, e.trigger_end, e.type)),
        unusable=bool(flags and flags[0] is True),
        annotators=sorted(annotator_tag(a) for a in pool),
    )


def _merge_event(
    at: dict[str, Event], pool: Sequence[Annotation], strategy: Strategy
) -> Event | None:
    """The event at one trigger: its type by the strategy over all voters, then its mode,
    flags and argument roles by the strategy over the voters that have that event."""
    won = _winner(strategy, _ballots(at, pool, lambda e: e.type), len(pool))
    if won is None:
        return None
    kind, tags = won
    have = [at[t] for t in tags]
    n = len(have)
    mode = _winner(strategy, [(e.mode, t) for e, t in zip(have, tags, strict=True)], n)
    neg = _winner(strategy, [(e.negated, t) for e, t in zip(have, tags, strict=True)], n)
    hyp = _winner(strategy, [(e.hypothetical, t) for e, t in zip(have, tags, strict=True)], n)
    spans: dict[tuple[int, int], dict[str, Argument]] = defaultdict(dict)
    for ev, tag in zip(have, tags, strict=True):
        for arg in ev.arguments:
            spans[(arg.start, arg.end)].setdefault(tag, arg)
    arguments: list[Argument] = []
    for by_tag in spans.values():
        ballots = [(by_tag[t].role if t in by_tag else NONE, t) for t in tags]
        role = _winner(strategy, ballots, n)
        if role:
            first = next(by_tag[t] for t in role[1])
            arguments.append(dataclasses.replace(first, role=str(role[0])))
    return dataclasses.replace(
        have[0],
        type=str(kind),
        mode=str(mode[0]) if mode else None,
        negated=bool(neg and neg[0] is True),
        hypothetical=bool(hyp and hyp[0] is True),
        arguments=sorted(arguments, key=lambda a: (a.start, a.end, a.role)),
        source=_source(tags),
    )
