"""Precision, recall and F1 of labelled character spans, strict and lenient.

A pure function over (gold, predicted) span lists per document, shared by every evaluation
command (entities, dates): no file, model or printing here, so a figure always means the same
thing whichever command prints it.

- strict: a prediction is correct when a gold span has exactly its ``[start, end)`` and label;
- lenient: a prediction is correct when it overlaps a gold span of the same label, and a gold
  span is found when some prediction of its label overlaps it. Precision counts predictions,
  recall counts gold spans, so one long prediction covering two gold spans finds both.

Spans are deduplicated per document (same start, end, label), since gold files may list one
span twice and a system may emit it from two sources.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

#: A labelled span: (start, end, label), ``[start, end)`` in characters of one document.
LabeledSpan = tuple[int, int, str]

MODES = ("strict", "lenient")


@dataclass
class Counts:
    """Gold and predicted totals, and how many of each were matched."""

    gold: int = 0
    pred: int = 0
    gold_found: int = 0
    pred_correct: int = 0

    def add(self, other: Counts) -> None:
        self.gold += other.gold
        self.pred += other.pred
        self.gold_found += other.gold_found
        self.pred_correct += other.pred_correct

    @property
    def precision(self) -> float:
        return self.pred_correct / self.pred if self.pred else 0.0

    @property
    def recall(self) -> float:
        return self.gold_found / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "gold": self.gold,
            "pred": self.pred,
            "gold_found": self.gold_found,
            "pred_correct": self.pred_correct,
        }


@dataclass
class SpanScores:
    """Counts per mode (strict, lenient) and label, over every scored document."""

    labels: list[str]
    counts: dict[str, dict[str, Counts]] = field(default_factory=dict)
    documents: int = 0

    def micro(self, mode: str, labels: Sequence[str] | None = None) -> Counts:
        """Counts summed over ``labels`` (default: all scored labels)."""
        total = Counts()
        for label in labels if labels is not None else self.labels:
            total.add(self.counts[mode][label])
        return total

    def as_dict(self, micro_groups: Mapping[str, Sequence[str]] | None = None) -> dict[str, object]:
        """Plain figures for ``--json``: per mode, per label, then the micro rows."""
        out: dict[str, object] = {"documents": self.documents}
        for mode in MODES:
            rows: dict[str, object] = {
                label: self.counts[mode][label].as_dict() for label in self.labels
            }
            rows["micro"] = self.micro(mode).as_dict()
            for name, group in (micro_groups or {}).items():
                rows[name] = self.micro(mode, group).as_dict()
            out[mode] = rows
        return out


def _overlaps(a: LabeledSpan, b: LabeledSpan) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _document_counts(
    gold: set[LabeledSpan], pred: set[LabeledSpan], label: str, mode: str
) -> Counts:
    g = [s for s in gold if s[2] == label]
    p = [s for s in pred if s[2] == label]
    if mode == "strict":
        hits = len(set(g) & set(p))
        return Counts(gold=len(g), pred=len(p), gold_found=hits, pred_correct=hits)
    return Counts(
        gold=len(g),
        pred=len(p),
        gold_found=sum(any(_overlaps(x, y) for y in p) for x in g),
        pred_correct=sum(any(_overlaps(y, x) for x in g) for y in p),
    )


def score_spans(
    documents: Iterable[tuple[Iterable[LabeledSpan], Iterable[LabeledSpan]]],
    labels: Sequence[str],
) -> SpanScores:
    """Score (gold, predicted) span lists, one pair per document, for the given labels.

    Spans whose label is not in ``labels`` are ignored on both sides, so a system is not
    charged for labels the gold data does not annotate.
    """
    scores = SpanScores(labels=list(labels))
    scores.counts = {mode: {label: Counts() for label in labels} for mode in MODES}
    for gold, pred in documents:
        gold_set, pred_set = set(gold), set(pred)
        for mode in MODES:
            for label in labels:
                scores.counts[mode][label].add(_document_counts(gold_set, pred_set, label, mode))
        scores.documents += 1
    return scores
