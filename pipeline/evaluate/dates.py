"""``pipeline eval dates``: time-expression quality against ISO-TimeML gold.

Each ``.tml`` document's ``<DCT>`` is the article date. Two systems run in the same pass:

- ``ours``: the ``TimeAnnotator`` exactly as the pipeline runs it (through the Annotator
  interface, on a ``PreannotatedArticle`` built from the gold text);
- ``search_dates``: ``dateparser.search.search_dates(text, languages=['fr'],
  settings={'RELATIVE_BASE': DCT})``, the baseline. Its hits carry no label, so every hit
  counts as a DATE prediction; its value is a datetime without granularity, so it is counted
  correct when the gold value equals its day, its month or its year (the benefit of the
  doubt goes to the baseline).

Detection: precision/recall/F1 per label (DATE, TIME; gold DURATION and SET are never
predicted by either system and are left out of the labelled rows), strict (same span and
label) and lenient (overlap, same label), via ``pipeline.evaluate.scoring``; an untyped row
(``TIMEX3``: any prediction against any gold TIMEX3, all four types) shows what a type-blind
detector would score.

Values: among gold DATE expressions found by an overlapping DATE prediction, the share whose
value equals the gold value exactly (the prediction with the largest overlap is compared).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from pipeline.console import error_line, out_console
from pipeline.errors import PipelineError
from pipeline.evaluate.scoring import LabeledSpan, SpanScores, score_spans
from pipeline.evaluate.timeml import GoldTimex, TimeMLDocument, iter_timeml
from pipeline.schema import bare_article

LABELS = ("DATE", "TIME")
UNTYPED = "TIMEX3"


@dataclass(frozen=True)
class Prediction:
    """A predicted span with its label and value (None when unresolved)."""

    start: int
    end: int
    label: str
    value: str | None


#: Whether a predicted value counts as the gold value.
ValueMatch = Callable[[str | None, str | None], bool]


@dataclass(frozen=True)
class System:
    """A system under evaluation: its predictions for a document, and how its values are
    compared with gold ones."""

    name: str
    run: Callable[[TimeMLDocument], list[Prediction]]
    value_ok: ValueMatch


@dataclass
class SystemResult:
    """Detection scores and value accuracy of one system over the gold folder."""

    name: str
    labeled: SpanScores
    untyped: SpanScores
    values_correct: int = 0
    values_total: int = 0

    @property
    def value_accuracy(self) -> float:
        return self.values_correct / self.values_total if self.values_total else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "detection": self.labeled.as_dict(),
            "untyped": self.untyped.as_dict(),
            "date_value_accuracy": {
                "accuracy": round(self.value_accuracy, 4),
                "correct": self.values_correct,
                "total": self.values_total,
            },
        }


# ------------------------------------------------------------------------------ systems
def ours() -> System:
    """The pipeline's own time annotator, parameters from params.yaml."""
    from pipeline.annotate.registry import load_time_annotator

    annotator = load_time_annotator()

    def run(doc: TimeMLDocument) -> list[Prediction]:
        (article,) = annotator.annotate([bare_article(doc.name, doc.text, date=doc.dct)])
        return [Prediction(t.start, t.end, t.label, t.value) for t in article.times]

    return System("ours", run, exact_value)


def search_dates_baseline() -> System:
    """``dateparser.search.search_dates`` resolved against the DCT; hits located in order."""
    from dateparser.search import search_dates

    def run(doc: TimeMLDocument) -> list[Prediction]:
        base = dt.datetime.fromisoformat(doc.dct) if doc.dct else None
        settings = {"RELATIVE_BASE": base} if base else {}
        hits = search_dates(doc.text, languages=["fr"], settings=settings) or []
        out: list[Prediction] = []
        cursor = 0
        for surface, when in hits:
            start = doc.text.find(surface, cursor)
            if start < 0:
                start = doc.text.find(surface)
            if start < 0:
                continue
            cursor = start + len(surface)
            out.append(Prediction(start, start + len(surface), "DATE", when.isoformat()))
        return out

    return System("search_dates", run, any_granularity)


def exact_value(predicted: str | None, gold: str | None) -> bool:
    """TimeML values compare as strings: ``2025-08`` is not ``2025-08-01``."""
    return predicted is not None and predicted == gold


def any_granularity(predicted: str | None, gold: str | None) -> bool:
    """A datetime without granularity is right if its day, month or year is the gold value."""
    if predicted is None or gold is None:
        return False
    when = dt.datetime.fromisoformat(predicted)
    return gold in (when.date().isoformat(), when.strftime("%Y-%m"), f"{when.year:04d}")


# ------------------------------------------------------------------------------ scoring
def _labeled(spans: list[GoldTimex] | list[Prediction], untyped: bool) -> list[LabeledSpan]:
    out: list[LabeledSpan] = []
    for s in spans:
        label = s.type if isinstance(s, GoldTimex) else s.label
        out.append((s.start, s.end, UNTYPED if untyped else label))
    return out


def _best_overlap(gold: GoldTimex, preds: list[Prediction]) -> Prediction | None:
    best, best_len = None, 0
    for p in preds:
        overlap = min(p.end, gold.end) - max(p.start, gold.start)
        if p.label == "DATE" and overlap > best_len:
            best, best_len = p, overlap
    return best


def evaluate(docs: Iterator[TimeMLDocument], systems: list[System]) -> list[SystemResult]:
    """Run every system on every document and score them (pure: no printing)."""
    pairs: list[list[tuple[list[GoldTimex], list[Prediction]]]] = [[] for _ in systems]
    for doc in docs:
        for system, system_pairs in zip(systems, pairs, strict=True):
            system_pairs.append((doc.timexes, system.run(doc)))
    results = []
    for system, docs_pairs in zip(systems, pairs, strict=True):
        result = SystemResult(
            name=system.name,
            labeled=score_spans(
                ((_labeled(g, False), _labeled(p, False)) for g, p in docs_pairs), LABELS
            ),
            untyped=score_spans(
                ((_labeled(g, True), _labeled(p, True)) for g, p in docs_pairs), [UNTYPED]
            ),
        )
        for gold_spans, preds in docs_pairs:
            for g in gold_spans:
                if g.type != "DATE":
                    continue
                match = _best_overlap(g, preds)
                if match is None:
                    continue
                result.values_total += 1
                if system.value_ok(match.value, g.value):
                    result.values_correct += 1
        results.append(result)
    return results


# ---------------------------------------------------------------------------------- CLI
def _table(results: list[SystemResult], documents: int) -> None:
    from rich.table import Table

    table = Table(title=f"Time expressions vs TimeML gold ({documents} documents)")
    for column in ("system", "label", "mode", "P", "R", "F1", "gold", "pred"):
        table.add_column(
            column, justify="left" if column in ("system", "label", "mode") else "right"
        )
    for result in results:
        for label, scores in [
            *((lab, result.labeled) for lab in LABELS),
            (UNTYPED, result.untyped),
        ]:
            for mode in ("strict", "lenient"):
                c = scores.counts[mode][label]
                table.add_row(
                    result.name, label, mode, f"{c.precision:.3f}", f"{c.recall:.3f}",
                    f"{c.f1:.3f}", str(c.gold), str(c.pred),
                )  # fmt: skip
        table.add_section()
    out_console.print(table)
    for result in results:
        out_console.print(
            f"{result.name}: DATE value accuracy {result.value_accuracy:.3f} "
            f"({result.values_correct}/{result.values_total} detected gold DATE expressions)"
        )


def eval_dates(
    gold: Annotated[Path, typer.Option("--gold", help="Folder of ISO-TimeML .tml files.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print figures as JSON.")] = False,
    pattern: Annotated[
        str, typer.Option("--pattern", help="Glob of the files to score, e.g. '2002-*.tml'.")
    ] = "*.tml",
) -> None:
    """Score DATE/TIME detection (strict, lenient) and DATE value accuracy, with the
    search_dates baseline row computed in the same run."""
    docs = list(iter_timeml(gold, pattern, on_error=error_line))
    if not docs:
        raise PipelineError(f"{gold}: no files match {pattern}")
    results = evaluate(iter(docs), [ours(), search_dates_baseline()])
    if as_json:
        payload = {"documents": len(docs), **{r.name: r.as_dict() for r in results}}
        print(json.dumps(payload, indent=2, sort_keys=True))
    else:
        _table(results, len(docs))
