"""Agreement between annotators, and how much the pre-annotation helped them.

Spans have no fixed set of items to code, so span agreement is first F1 between every pair
of voters (symmetric, no annotator is "gold"), pooled over pairs per label: *exact* (same
offsets and label) and *partial* (same label, overlapping offsets, matched one to one).
Chance correction needs units every coder could code, so Krippendorff's alpha (nominal,
the ``krippendorff`` package; it allows missing codings) is computed on units built from
the union of what the voters marked:

- span labels: each span any voter marked in an article is a unit; a voter's value is the
  label they gave that exact span, or "none" (per label: the same units, label vs not);
- event type given the trigger: trigger spans marked by two or more voters, value the type;
- mode, flags and argument roles given the event: events (trigger and type) two or more
  voters share, values the mode, the flags, and per argument span the role or "none"
  among the voters of that event;
- time values given the span: time spans two or more voters marked, value the ISO value;
- the article-level choice (unusable), over articles with two or more voters.

Cohen's kappa (``nltk``'s, pairwise, averaged over annotator pairs weighted by their
shared units) is given beside alpha wherever two coders share units. A voter is an
annotator's latest submitted, non-cancelled annotation (``merge.voters``).

Pre-annotation help compares each submitted annotation with the prediction it started
from: a predicted span is *kept* (same offsets, label and, for times, value), *changed*
(its region survives, or its offsets do, with another label, value or extent) or
*deleted*; annotation spans no prediction had are *added*.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from pipeline.schema import Annotation, Event
from pipeline.studio.convert import Parsed, parse_result
from pipeline.studio.merge import annotator_tag, voters

EVENTS = "event (trigger + type)"
ARGUMENTS = "event argument (role + span)"
SPAN_LABELS = "span label | span"
EVENT_TYPE = "event type | trigger"
EVENT_MODE = "event mode | event"
EVENT_FLAGS = "event flags | event"
ARGUMENT_ROLE = "argument role | event"
TIME_VALUE = "time value | span"
UNUSABLE = "unusable | article"
#: the value of a voter who marked nothing at a unit
ABSENT = "none"


# ------------------------------------------------------------------------ span F1
@dataclass
class SpanCounts:
    """Pooled pairwise counts for one label: exact matches and one-to-one overlap matches."""

    exact: int = 0
    overlap: int = 0
    marked: int = 0  # spans of both voters of each pair, summed over pairs
    documents: int = 0

    @property
    def exact_f1(self) -> float | None:
        return 2 * self.exact / self.marked if self.marked else None

    @property
    def partial_f1(self) -> float | None:
        return 2 * self.overlap / self.marked if self.marked else None


def _overlap_matches(a: Sequence[tuple[int, int]], b: Sequence[tuple[int, int]]) -> int:
    """One-to-one matches of overlapping spans, the largest overlaps first."""
    pairs = sorted(
        (
            (min(x[1], y[1]) - max(x[0], y[0]), i, j)
            for i, x in enumerate(a)
            for j, y in enumerate(b)
            if x[0] < y[1] and y[0] < x[1]
        ),
        reverse=True,
    )
    used_a: set[int] = set()
    used_b: set[int] = set()
    for _, i, j in pairs:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
    return len(used_a)


def _span_items(a: Annotation) -> dict[str, list[tuple[Any, ...]]]:
    """Per label: the voter's spans (offsets first), with the event and argument families."""
    out: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for ent in a.entities:
        out[ent.label].append((ent.start, ent.end))
    for tim in a.times:
        out[tim.label].append((tim.start, tim.end))
    for ev in a.events:
        out[EVENTS].append((ev.trigger_start, ev.trigger_end, ev.type))
        for arg in ev.arguments:
            out[ARGUMENTS].append((arg.start, arg.end, ev.trigger_start, ev.type, arg.role))
    return out


def _by_kind(items: list[tuple[Any, ...]]) -> dict[tuple[Any, ...], list[tuple[int, int]]]:
    """Spans grouped by what follows their offsets (event type, role...)."""
    out: dict[tuple[Any, ...], list[tuple[int, int]]] = defaultdict(list)
    for item in set(items):
        out[item[2:]].append(item[:2])
    return out


# -------------------------------------------------------------------- coded units
@dataclass
class Units:
    """Coded units of one measure: per unit, annotator tag -> value."""

    units: list[dict[str, Hashable]] = field(default_factory=list)

    def add(self, values: dict[str, Hashable]) -> None:
        if len(values) >= 2:
            self.units.append(values)

    def observed(self, label: Hashable | None = None) -> float | None:
        """Share of agreeing pairs of values within units."""
        agree = total = 0
        for unit in self._coded(label):
            for x, y in combinations(unit.values(), 2):
                total += 1
                agree += x == y
        return agree / total if total else None

    def _coded(self, label: Hashable | None) -> list[dict[str, Hashable]]:
        if label is None:
            return self.units
        return [{k: v == label for k, v in unit.items()} for unit in self.units]

    def alpha(self, label: Hashable | None = None) -> float | None:
        """Krippendorff's alpha (nominal); per ``label``: that label against all others.
        None when undefined: no pairable unit, or a single value in the data."""
        import krippendorff
        import numpy as np

        coded = self._coded(label)
        domain = sorted({v for unit in coded for v in unit.values()}, key=repr)
        if len(domain) < 2:
            return None
        index = {v: i for i, v in enumerate(domain)}
        rows = max(len(unit) for unit in coded)
        data = np.full((rows, len(coded)), np.nan)
        for col, unit in enumerate(coded):
            for row, value in enumerate(unit.values()):
                data[row, col] = index[value]
        return float(
            krippendorff.alpha(
                reliability_data=data,
                value_domain=list(range(len(domain))),
                level_of_measurement="nominal",
            )
        )

    def kappa(self, label: Hashable | None = None) -> float | None:
        """Cohen's kappa per pair of annotators on the units both coded, averaged over the
        pairs weighted by those units; None when no pair has a defined kappa."""
        from nltk.metrics.agreement import AnnotationTask

        shared: dict[tuple[str, str], list[tuple[Hashable, Hashable]]] = defaultdict(list)
        for unit in self._coded(label):
            for a, b in combinations(sorted(unit), 2):
                shared[(a, b)].append((unit[a], unit[b]))
        total = weight = 0.0
        for (a, b), values in shared.items():
            if len({v for pair in values for v in pair}) < 2:
                continue  # a single value: kappa is 0/0, undefined (nltk would say 1)
            data = [
                (c, i, repr(v))
                for i, pair in enumerate(values)
                for c, v in zip((a, b), pair, strict=True)
            ]
            k = AnnotationTask(data).kappa_pairwise(a, b)
            total += k * len(values)
            weight += len(values)
        return total / weight if weight else None


# ------------------------------------------------------------------------- report
@dataclass
class Reliability:
    """Agreement figures over many articles (see the module docstring)."""

    articles: int = 0
    pairs: int = 0
    spans: dict[str, SpanCounts] = field(default_factory=lambda: defaultdict(SpanCounts))
    units: dict[str, Units] = field(default_factory=lambda: defaultdict(Units))
    #: article id -> document agreement (``document_agreement``)
    documents: dict[str, float] = field(default_factory=dict)

    def label_rows(self) -> dict[str, dict[str, Any]]:
        """Per span label and family: exact/partial F1 and chance-corrected agreement."""
        out: dict[str, dict[str, Any]] = {}
        span_units = self.units.get(SPAN_LABELS, Units())
        for label, c in sorted(self.spans.items()):
            per_label = label not in (EVENTS, ARGUMENTS)
            out[label] = {
                "exact_f1": _round(c.exact_f1),
                "partial_f1": _round(c.partial_f1),
                "alpha": _round(span_units.alpha(label)) if per_label else None,
                "kappa": _round(span_units.kappa(label)) if per_label else None,
                "documents": c.documents,
            }
        return out

    def measure_rows(self) -> dict[str, dict[str, Any]]:
        """The chance-corrected measures over coded units."""
        return {
            name: {
                "units": len(units.units),
                "observed": _round(units.observed()),
                "alpha": _round(units.alpha()),
                "kappa": _round(units.kappa()),
            }
            for name, units in sorted(self.units.items())
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "articles_with_2plus_voters": self.articles,
            "annotator_pairs": self.pairs,
            "labels": self.label_rows(),
            "measures": self.measure_rows(),
            "documents": dict(sorted(self.documents.items())),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _pair_items(a: Annotation) -> set[tuple[Any, ...]]:
    """Everything a voter decided in an article, as comparable items."""
    items: set[tuple[Any, ...]] = {("entity", e.start, e.end, e.label) for e in a.entities}
    items |= {("time", t.start, t.end, t.label, t.value) for t in a.times}
    for ev in a.events:
        key = (ev.trigger_start, ev.trigger_end, ev.type)
        items.add(("event", *key, ev.mode, ev.negated, ev.hypothetical))
        items |= {("argument", *key, g.role, g.start, g.end) for g in ev.arguments}
    return items


def document_agreement(pool: Sequence[Annotation]) -> float:
    """The lowest pairwise F1 over everything the voters decided (1.0: they agree on
    every label, value, mode, flag and argument and on the unusable flag)."""
    worst = 1.0
    for a, b in combinations(pool, 2):
        if a.unusable != b.unusable:
            return 0.0
        x, y = _pair_items(a), _pair_items(b)
        if x or y:
            worst = min(worst, 2 * len(x & y) / (len(x) + len(y)))
    return worst


def _add_units(report: Reliability, pool: Sequence[Annotation]) -> None:
    """Alpha's units of one article: each place any voter marked, what each voter said of
    it (absent included), for spans, time values, events and the unusable flag."""
    tags = [annotator_tag(v) for v in pool]
    spans: dict[tuple[int, int], dict[str, str]] = defaultdict(dict)
    times: dict[tuple[int, int], dict[str, Hashable]] = defaultdict(dict)
    triggers: dict[tuple[int, int], dict[str, Event]] = defaultdict(dict)
    for tag, voter in zip(tags, pool, strict=True):
        for e in voter.entities:
            spans[(e.start, e.end)].setdefault(tag, e.label)
        for t in voter.times:
            spans[(t.start, t.end)].setdefault(tag, t.label)
            times[(t.start, t.end)].setdefault(tag, t.value or ABSENT)
        for ev in voter.events:
            triggers[(ev.trigger_start, ev.trigger_end)].setdefault(tag, ev)
    for marked in spans.values():
        report.units[SPAN_LABELS].add({tag: marked.get(tag, ABSENT) for tag in tags})
    for values in times.values():
        report.units[TIME_VALUE].add(values)
    for by_tag in triggers.values():
        _add_event_units(report, by_tag)
    report.units[UNUSABLE].add({t: v.unusable for t, v in zip(tags, pool, strict=True)})


def _add_event_units(report: Reliability, by_tag: dict[str, Event]) -> None:
    """The units of one trigger place: its type among every voter who marked it; mode,
    flags and argument roles among the voters who gave it the same type (a mode is only
    comparable within a type)."""
    report.units[EVENT_TYPE].add({tag: ev.type for tag, ev in by_tag.items()})
    kinds: dict[str, dict[str, Event]] = defaultdict(dict)
    for tag, ev in by_tag.items():
        kinds[ev.type][tag] = ev
    for shared in kinds.values():
        report.units[EVENT_MODE].add({tag: ev.mode or ABSENT for tag, ev in shared.items()})
        report.units[EVENT_FLAGS].add(
            {tag: (ev.negated, ev.hypothetical) for tag, ev in shared.items()}
        )
        roles: dict[tuple[int, int], dict[str, str]] = defaultdict(dict)
        for tag, ev in shared.items():
            for arg in ev.arguments:
                roles[(arg.start, arg.end)].setdefault(tag, arg.role)
        for by_voter in roles.values():
            report.units[ARGUMENT_ROLE].add({tag: by_voter.get(tag, ABSENT) for tag in shared})


def reliability(articles: Iterable[tuple[str, Iterable[Annotation]]]) -> Reliability:
    """Agreement figures from ``(article id, its annotations)``; articles with fewer than
    two voters only count towards nothing."""
    report = Reliability()
    for article_id, rows in articles:
        pool = voters(rows)
        if len(pool) < 2:
            continue
        report.articles += 1
        report.documents[article_id] = round(document_agreement(pool), 4)
        items = [_span_items(v) for v in pool]
        for label in {lab for it in items for lab in it}:
            report.spans[label].documents += 1
        for x, y in combinations(items, 2):
            report.pairs += 1
            for label in set(x) | set(y):
                counts = report.spans[label]
                gx, gy = _by_kind(x.get(label, [])), _by_kind(y.get(label, []))
                for kind in set(gx) | set(gy):
                    a, b = gx.get(kind, []), gy.get(kind, [])
                    counts.exact += len(set(a) & set(b))
                    counts.overlap += _overlap_matches(sorted(a), sorted(b))
                    counts.marked += len(a) + len(b)
        _add_units(report, pool)
    return report


def reliability_table(report: Reliability) -> dict[str, str]:
    """Rows for the CLI summary table."""

    def fmt(value: Any) -> str:
        return "n/a" if value is None else f"{value:.3f}"

    rows = {
        "articles with 2+ voters": str(report.articles),
        "annotator pairs compared": str(report.pairs),
        "articles where the voters disagree": str(
            sum(score < 1.0 for score in report.documents.values())
        ),
    }
    for label, row in report.label_rows().items():
        rows[f"{label}"] = (
            f"F1 exact {fmt(row['exact_f1'])}, partial {fmt(row['partial_f1'])}, "
            f"alpha {fmt(row['alpha'])}, kappa {fmt(row['kappa'])} ({row['documents']} docs)"
        )
    for name, row in report.measure_rows().items():
        rows[name] = (
            f"alpha {fmt(row['alpha'])}, kappa {fmt(row['kappa'])}, "
            f"observed {fmt(row['observed'])} ({row['units']} units)"
        )
    return rows


# ------------------------------------------------------------- pre-annotation help
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
    """The ``studio agreement`` report: reliability figures and pre-annotation help."""

    reliability: Reliability = field(default_factory=Reliability)
    help: HelpCounts = field(default_factory=HelpCounts)
    annotations_from_predictions: int = 0
    annotations_from_scratch: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.reliability.as_dict(),
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
    out: list[tuple[str, str, tuple[Any, ...]]]
    out = [(e.id, "span", (e.start, e.end, e.label)) for e in parsed.entities]
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
    """The report from (annotations, predictions by model version) per task."""
    report = Agreement()
    by_article: list[tuple[str, list[Annotation]]] = []
    for rows, predictions in tasks:
        for row in rows:
            if row.status != "submitted":
                continue
            pred = predictions.get(row.model_version or "")
            if row.model_version and pred is not None:
                report.annotations_from_predictions += 1
                compare_to_prediction(pred, row, report.help)
            else:
                report.annotations_from_scratch += 1
        if rows:
            by_article.append((rows[0].article_id or f"task-{rows[0].task_id}", rows))
    report.reliability = reliability(by_article)
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
    rows = reliability_table(report.reliability)
    shares = report.help.shares()
    for name, share in shares.items():
        n = getattr(report.help, name)
        rows[f"pre-annotated spans {name}"] = "n/a" if share is None else f"{share:.1%} ({n})"
    rows["spans added by annotators"] = str(report.help.added)
    rows["annotations started from a prediction"] = str(report.annotations_from_predictions)
    rows["annotations from scratch"] = str(report.annotations_from_scratch)
    return rows
