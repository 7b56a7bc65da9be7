"""Agreement between annotators, and how much the pre-annotation helped them.

Inter-annotator agreement is span-level F1 over every pair of submitted annotations of the
same task (exact offsets and label; F1 is symmetric, so no annotator is "gold"), pooled over
pairs per label, for event triggers (span + type) and for event arguments (trigger, type,
role, argument span). Pre-annotation help compares each submitted annotation with the
prediction it started from: a predicted span is *kept* (same offsets, label and, for times,
value), *changed* (its region survives, or its offsets do, with another label, value or
extent) or *deleted*; annotation spans no prediction had are *added*.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from pipeline.schema import Annotation, Entity, Event, TimeExpression
from pipeline.studio.convert import Parsed, parse_result

EVENTS = "events (trigger + type)"
ARGUMENTS = "event arguments"
TIME_VALUES = "time values"


def _spans(
    entities: Iterable[Entity], times: Iterable[TimeExpression], events: Iterable[Event]
) -> dict[str, set[tuple[Any, ...]]]:
    """Comparable items per label (plus the event and argument families)."""
    out: dict[str, set[tuple[Any, ...]]] = defaultdict(set)
    for ent in entities:
        out[ent.label].add((ent.start, ent.end))
    for tim in times:
        out[tim.label].add((tim.start, tim.end))
        out[TIME_VALUES].add((tim.start, tim.end, tim.value))
    for ev in events:
        out[EVENTS].add((ev.trigger_start, ev.trigger_end, ev.type))
        for arg in ev.arguments:
            out[ARGUMENTS].add(
                (ev.trigger_start, ev.trigger_end, ev.type, arg.role, arg.start, arg.end)
            )
    return out


@dataclass
class PairCounts:
    """Pooled agreement counts for one label over all annotator pairs."""

    both: int = 0
    only_one: int = 0

    @property
    def f1(self) -> float | None:
        denom = 2 * self.both + self.only_one
        return 2 * self.both / denom if denom else None


@dataclass
class HelpCounts:
    """Fate of predicted spans in the annotations that started from them."""

    kept: int = 0
    changed: int = 0
    deleted: int = 0
    added: int = 0

    def shares(self) -> dict[str, float | None]:
        predicted = self.kept + self.changed + self.deleted
        return {
            name: (getattr(self, name) / predicted if predicted else None)
            for name in ("kept", "changed", "deleted")
        }


@dataclass
class Agreement:
    """The report: tasks with several annotations, per-label F1, pre-annotation help."""

    tasks_multi: int = 0
    pairs: int = 0
    labels: dict[str, PairCounts] = field(default_factory=lambda: defaultdict(PairCounts))
    help: HelpCounts = field(default_factory=HelpCounts)
    annotations_from_predictions: int = 0
    annotations_from_scratch: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "tasks_with_2plus_annotations": self.tasks_multi,
            "annotator_pairs": self.pairs,
            "f1": {
                label: {"f1": c.f1, "matched": c.both, "unmatched": c.only_one}
                for label, c in sorted(self.labels.items())
            },
            "preannotation": {
                **self.help.shares(),
                "kept_n": self.help.kept,
                "changed_n": self.help.changed,
                "deleted_n": self.help.deleted,
                "added_n": self.help.added,
                "annotations_from_predictions": self.annotations_from_predictions,
                "annotations_from_scratch": self.annotations_from_scratch,
            },
        }


def _items(parsed: Parsed | Annotation) -> list[tuple[str, str, tuple[Any, ...]]]:
    """(region id, family, comparable value) for every entity, time and trigger."""
    out: list[tuple[str, str, tuple[Any, ...]]] = [
        (e.id, "span", (e.start, e.end, e.label)) for e in parsed.entities
    ]
    out += [(t.id, "span", (t.start, t.end, t.label, t.value)) for t in parsed.times]
    out += [(e.id, "span", (e.trigger_start, e.trigger_end, e.type, e.mode)) for e in parsed.events]
    return out


def compare_to_prediction(prediction: Parsed, annotation: Annotation, help_: HelpCounts) -> None:
    """Add one annotation's kept/changed/deleted/added counts against its prediction."""
    ann = _items(annotation)
    by_id = {rid: value for rid, _, value in ann}
    by_offsets = {value[:2]: value for _, _, value in ann}
    matched: set[tuple[Any, ...]] = set()
    for rid, _, value in _items(prediction):
        if by_id.get(rid) == value or (rid not in by_id and by_offsets.get(value[:2]) == value):
            help_.kept += 1
            matched.add(value)
        elif rid in by_id or value[:2] in by_offsets:
            help_.changed += 1
            matched.add(by_id.get(rid) or by_offsets[value[:2]])
        else:
            help_.deleted += 1
    help_.added += sum(1 for _, _, value in ann if value not in matched)


def agreement(tasks: Iterable[tuple[list[Annotation], dict[str, Parsed]]]) -> Agreement:
    """Compute the report from (submitted annotations, predictions by model version) per task."""
    report = Agreement()
    for rows, predictions in tasks:
        submitted = [r for r in rows if r.status == "submitted"]
        for row in submitted:
            pred = predictions.get(row.model_version or "")
            if row.model_version and pred is not None:
                report.annotations_from_predictions += 1
                compare_to_prediction(pred, row, report.help)
            else:
                report.annotations_from_scratch += 1
        if len(submitted) < 2:
            continue
        report.tasks_multi += 1
        for a, b in combinations(submitted, 2):
            report.pairs += 1
            sa, sb = _spans(a.entities, a.times, a.events), _spans(b.entities, b.times, b.events)
            for label in set(sa) | set(sb):
                counts = report.labels[label]
                x, y = sa.get(label, set()), sb.get(label, set())
                counts.both += len(x & y)
                counts.only_one += len(x ^ y)
    return report


def task_predictions(task: dict[str, Any]) -> dict[str, Parsed]:
    """A task's predictions parsed like annotations, by model version."""
    text = (task.get("data") or {}).get("text") or ""
    return {
        p.get("model_version") or "": parse_result(p.get("result") or [], text, "model")
        for p in task.get("predictions") or []
    }


def counters_table(report: Agreement) -> dict[str, str]:
    """Rows for the CLI summary table."""
    rows: dict[str, str] = {
        "tasks with 2+ submitted annotations": str(report.tasks_multi),
        "annotator pairs compared": str(report.pairs),
    }
    for label, counts in sorted(report.labels.items()):
        f1 = "n/a" if counts.f1 is None else f"{counts.f1:.3f}"
        rows[f"F1 {label}"] = f"{f1} ({counts.both} matched, {counts.only_one} unmatched)"
    shares = report.help.shares()
    for name, share in shares.items():
        n = getattr(report.help, name)
        rows[f"pre-annotated spans {name}"] = "n/a" if share is None else f"{share:.1%} ({n})"
    rows["spans added by annotators"] = str(report.help.added)
    rows["annotations started from a prediction"] = str(report.annotations_from_predictions)
    rows["annotations from scratch"] = str(report.annotations_from_scratch)
    return rows
