"""Every event measure, as a pure function of gold documents and predicted events.

No model, file or printing here: ``pipeline eval events`` feeds it both systems' output.

- triggers: a predicted trigger is matched to at most one gold trigger and back, exactly
  (strict) or by the largest character overlap (overlap). Precision is not counted on a
  ``partial`` document (unannotated triggers would count as errors), recall not on a
  ``superset`` one (TimeML events outside the taxonomy would count as misses).
- typed triggers per type: the same, a match also needing the same type; only on typed gold.
- type accuracy: among overlap-matched triggers whose gold has a type, the share typed right.
- mode accuracy: among matched, rightly typed triggers whose gold has a mode.
- negation, hypothetical: precision and recall of the flag on matched triggers whose gold
  annotates it; ``context`` rows give the same for flags a system computes on every gold
  trigger span, which measures the context rules apart from trigger detection.
- arguments: per role, on matched triggers of documents whose gold annotates arguments; a
  predicted argument is right when it overlaps a gold argument of its role (``overlap``),
  and also links to an entity or time id (``linked``).
- date values: among matched triggers with a gold date value, how many got a date argument
  (coverage) and how many of those carry the gold value (accuracy).
- calibration: the expected calibration error of the systems' event scores against whether
  the event is right (overlap-matched and, on typed gold, rightly typed).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pipeline.evaluate.event_gold import GoldArgument, GoldDocument, GoldEvent
from pipeline.evaluate.scoring import Counts

TRIGGER_MODES = ("strict", "overlap")
FLAGS = ("negated", "hypothetical")


@dataclass(frozen=True)
class PredictedArgument:
    """A system's argument as the scorer needs it: span, whether it links to an entity or
    time id, and a date's normalised value (a schema ``Argument`` carries the id, not the
    value)."""

    role: str
    start: int
    end: int
    linked: bool
    value: str | None = None


@dataclass(frozen=True)
class PredictedEvent:
    """A system's event as the scorer needs it (both the pipeline's events and the
    baseline's become these)."""

    start: int
    end: int
    type: str
    mode: str | None
    negated: bool
    hypothetical: bool
    arguments: tuple[PredictedArgument, ...] = ()
    score: float | None = None
    key: str | None = None  # what its confidence is conditioned on (type, part of speech)


@dataclass(frozen=True)
class Prediction:
    """A system's events for one document, and optionally its (negated, hypothetical)
    flags computed on each gold trigger span, in gold order."""

    events: Sequence[PredictedEvent]
    gold_flags: Sequence[tuple[bool, bool]] | None = None


@dataclass
class Ratio:
    """An accuracy as its two counts."""

    correct: int = 0
    total: int = 0

    @property
    def value(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {"accuracy": round(self.value, 4), "correct": self.correct, "total": self.total}


@dataclass
class EventScores:
    """All counts of one system over a gold set (see the module docstring)."""

    documents: int = 0
    triggers: dict[str, Counts] = field(
        default_factory=lambda: {m: Counts() for m in TRIGGER_MODES}
    )
    per_type: dict[str, dict[str, Counts]] = field(default_factory=dict)
    type_accuracy: Ratio = field(default_factory=Ratio)
    mode_accuracy: Ratio = field(default_factory=Ratio)
    flags: dict[str, Counts] = field(default_factory=lambda: {f: Counts() for f in FLAGS})
    context_flags: dict[str, Counts] = field(default_factory=lambda: {f: Counts() for f in FLAGS})
    arguments: dict[str, dict[str, Counts]] = field(default_factory=dict)
    date_coverage: Ratio = field(default_factory=Ratio)
    date_value: Ratio = field(default_factory=Ratio)
    scored: list[tuple[float, bool]] = field(default_factory=list)

    def typed(self, mode: str, types: Iterable[str]) -> Counts:
        total = Counts()
        for t in types:
            if t in self.per_type:
                total.add(self.per_type[t][mode])
        return total

    def ece(self, bins: int) -> float | None:
        """Expected calibration error of event scores (the entities' measure,
        ``annotate.confidence.expected_calibration_error``); None without scores."""
        from pipeline.annotate.confidence import expected_calibration_error

        return expected_calibration_error(self.scored, bins)[0] if self.scored else None

    def as_dict(self, groups: dict[str, Sequence[str]], bins: int) -> dict[str, object]:
        ece = self.ece(bins)
        return {
            "documents": self.documents,
            "triggers": {m: c.as_dict() for m, c in self.triggers.items()},
            "typed_triggers": {
                **{
                    t: {m: c.as_dict() for m, c in rows.items()}
                    for t, rows in self.per_type.items()
                },
                **{
                    name: {m: self.typed(m, group).as_dict() for m in TRIGGER_MODES}
                    for name, group in groups.items()
                },
            },
            "type_accuracy": self.type_accuracy.as_dict(),
            "mode_accuracy": self.mode_accuracy.as_dict(),
            "flags_on_matched": {f: c.as_dict() for f, c in self.flags.items()},
            "flags_on_every_gold_trigger": {f: c.as_dict() for f, c in self.context_flags.items()},
            "arguments": {
                role: {kind: c.as_dict() for kind, c in rows.items()}
                for role, rows in self.arguments.items()
            },
            "date_argument_coverage": self.date_coverage.as_dict(),
            "date_value_accuracy": self.date_value.as_dict(),
            "ece": None if ece is None else round(ece, 4),
            "scored_events": len(self.scored),
        }


def _overlap(a: GoldEvent | PredictedEvent, b: GoldEvent | PredictedEvent) -> int:
    return min(a.end, b.end) - max(a.start, b.start)


def match(
    gold: Sequence[GoldEvent], pred: Sequence[PredictedEvent], mode: str
) -> list[tuple[int, int]]:
    """One-to-one (gold index, predicted index) pairs: exact spans (strict) or, greedily,
    the largest character overlaps first (overlap)."""
    candidates = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(pred):
            if mode == "strict":
                if (g.start, g.end) == (p.start, p.end):
                    candidates.append((0, gi, pi))
            elif _overlap(g, p) > 0:
                candidates.append((-_overlap(g, p), gi, pi))
    pairs, used_g, used_p = [], set(), set()
    for _, gi, pi in sorted(candidates):
        if gi not in used_g and pi not in used_p:
            pairs.append((gi, pi))
            used_g.add(gi)
            used_p.add(pi)
    return pairs


def _counts(doc: GoldDocument, n_gold: int, n_pred: int, hits: int) -> Counts:
    return Counts(
        gold=0 if doc.superset else n_gold,
        pred=0 if doc.partial else n_pred,
        gold_found=0 if doc.superset else hits,
        pred_correct=0 if doc.partial else hits,
    )


def _flag(counts: Counts, gold: bool | None, pred: bool) -> None:
    if gold is None:
        return
    counts.add(Counts(gold=int(gold), pred=int(pred), gold_found=int(gold and pred),
                      pred_correct=int(gold and pred)))  # fmt: skip


def _spans_overlap(a: GoldArgument, b: PredictedArgument) -> bool:
    return a.start < b.end and b.start < a.end


def _arguments(scores: EventScores, roles: Sequence[str], g: GoldEvent, p: PredictedEvent) -> None:
    for role in roles:
        gold = [a for a in g.arguments if a.role == role]
        pred = [a for a in p.arguments if a.role == role]
        rows = scores.arguments.setdefault(role, {"overlap": Counts(), "linked": Counts()})
        for kind in ("overlap", "linked"):
            ok = [a for a in pred if kind == "overlap" or a.linked]
            rows[kind].add(
                Counts(
                    gold=len(gold),
                    pred=len(pred),
                    gold_found=sum(any(_spans_overlap(x, y) for y in ok) for x in gold),
                    pred_correct=sum(any(_spans_overlap(x, y) for x in gold) for y in ok),
                )
            )


def score_events(
    pairs: Iterable[tuple[GoldDocument, Prediction]], types: Sequence[str], roles: Sequence[str]
) -> EventScores:
    """Score one system's predictions against gold, document by document."""
    scores = EventScores()
    for doc, prediction in pairs:
        gold, pred = doc.events, prediction.events
        scores.documents += 1
        for mode in TRIGGER_MODES:
            hits = len(match(gold, pred, mode))
            scores.triggers[mode].add(_counts(doc, len(gold), len(pred), hits))
        if gold and all(g.type is not None for g in gold):
            for t in types:
                g_t = [g for g in gold if g.type == t]
                p_t = [p for p in pred if p.type == t]
                rows = scores.per_type.setdefault(t, {m: Counts() for m in TRIGGER_MODES})
                for mode in TRIGGER_MODES:
                    hits = len(match(g_t, p_t, mode))
                    rows[mode].add(_counts(doc, len(g_t), len(p_t), hits))
        matched = match(gold, pred, "overlap")
        right = set()
        for gi, pi in matched:
            g, p = gold[gi], pred[pi]
            if g.type is not None:
                scores.type_accuracy.total += 1
                scores.type_accuracy.correct += g.type == p.type
                if g.mode is not None and g.type == p.type:
                    scores.mode_accuracy.total += 1
                    scores.mode_accuracy.correct += g.mode == p.mode
            if g.type is None or g.type == p.type:
                right.add(pi)
            _flag(scores.flags["negated"], g.negated, p.negated)
            _flag(scores.flags["hypothetical"], g.hypothetical, p.hypothetical)
            if doc.arguments:
                _arguments(scores, roles, g, p)
            gold_date = next((a for a in g.arguments if a.role == "date" and a.value), None)
            if gold_date is not None:
                scores.date_coverage.total += 1
                pred_date = next((a for a in p.arguments if a.role == "date"), None)
                if pred_date is not None:
                    scores.date_coverage.correct += 1
                    scores.date_value.total += 1
                    scores.date_value.correct += pred_date.value == gold_date.value
        if not doc.partial:
            scores.scored += [
                (p.score, i in right) for i, p in enumerate(pred) if p.score is not None
            ]
        if prediction.gold_flags is not None:
            for g, (negated, hypothetical) in zip(gold, prediction.gold_flags, strict=True):
                _flag(scores.context_flags["negated"], g.negated, negated)
                _flag(scores.context_flags["hypothetical"], g.hypothetical, hypothetical)
    return scores
