"""``pipeline eval entities``: our entities against brat gold, next to raw fr_core_news_md.

Both rows come from the same ``nlp.pipe`` run: the raw model's ``doc.ents`` are left intact
by our pipeline (the gazetteer writes to its own span group), so the baseline is exactly
what ``fr_core_news_md`` alone predicts on the same text, and costs nothing extra. Our row
adds the time annotator's DATE/TIME spans (the article date unknown), since the gold data labels
dates and hours too. Gold text is scored as it is stored: offsets are never moved.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from pipeline.console import error_line, out_console, track
from pipeline.errors import PipelineError
from pipeline.evaluate.brat import BratDocument, iter_brat
from pipeline.evaluate.scoring import MODES, LabeledSpan, SpanScores, score_spans
from pipeline.params import load_params

BASELINE = "baseline"
OURS = "ours"


def chain_parts() -> tuple[Any, Any | None]:
    """The chain params.yaml names: its spaCy component (the one whose entities are scored)
    and its time annotator, if it has one."""
    from pipeline.annotate.linguistic import LinguisticAnnotator
    from pipeline.annotate.registry import load_chain
    from pipeline.annotate.times import TimeAnnotator

    annotators, _, _ = load_chain()
    spacy_parts = [a for a in annotators if isinstance(a, LinguisticAnnotator)]
    if not spacy_parts:
        raise PipelineError("params.yaml: 'preannotate.chain' has no spacy recognizer to score")
    times = [a for a in annotators if isinstance(a, TimeAnnotator)]
    return spacy_parts[0], times[0] if times else None


def predict(
    documents: Iterable[BratDocument], annotator: Any, time_annotator: Any
) -> Iterator[tuple[list[LabeledSpan], list[LabeledSpan], list[LabeledSpan]]]:
    """(gold, baseline, ours) spans per document, streaming."""
    for doc, gold in annotator.docs((d.text, d) for d in documents):
        baseline = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
        ours = [(e.start, e.end, e.label) for e in annotator.entities("gold", doc)]
        if time_annotator is not None:
            times = time_annotator.times_for("gold", gold.text, None)
            ours += [(t.start, t.end, t.label) for t in times]
        yield gold.spans, baseline, ours


def evaluate(
    documents: Iterable[BratDocument],
    annotator: Any,
    time_annotator: Any,
    labels: Sequence[str],
) -> dict[str, SpanScores]:
    """Score both systems on the documents (one pass over the model)."""
    rows = list(predict(documents, annotator, time_annotator))
    return {
        BASELINE: score_spans(((g, b) for g, b, _ in rows), labels),
        OURS: score_spans(((g, o) for g, _, o in rows), labels),
    }


def _table(scores: dict[str, SpanScores], names: dict[str, str], target: Sequence[str]) -> Table:
    table = Table(title=f"Entities vs gold ({scores[OURS].documents} documents)")
    table.add_column("system")
    table.add_column("label")
    for mode in MODES:
        for what in ("P", "R", "F1"):
            table.add_column(f"{mode} {what}", justify="right")
    table.add_column("gold", justify="right")
    micro_name = "micro " + "+".join(target)
    for key in (BASELINE, OURS):
        s = scores[key]
        rows = [(label, {m: s.counts[m][label] for m in MODES}) for label in s.labels]
        rows.append((micro_name, {m: s.micro(m, target) for m in MODES}))
        rows.append(("micro (all)", {m: s.micro(m) for m in MODES}))
        for label, counts in rows:
            cells = []
            for mode in MODES:
                c = counts[mode]
                cells += [f"{c.precision:.3f}", f"{c.recall:.3f}", f"{c.f1:.3f}"]
            style = "bold" if label.startswith("micro") else None
            table.add_row(names[key], label, *cells, str(counts["strict"].gold), style=style)
        table.add_section()
    return table


def eval_entities(
    gold: Annotated[
        Path, typer.Option("--gold", help="Folder of brat .txt/.ann pairs (recursive).")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print figures as JSON.")] = False,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Score the first N files only.")
    ] = None,
) -> None:
    """Precision, recall and F1 per label, strict and lenient, ours vs raw fr_core_news_md."""
    from itertools import islice

    params = load_params("preannotate")
    label_map: dict[str, str] = dict(params["gold_label_map"])
    target = list(params["target_labels"])
    annotator, time_annotator = chain_parts()
    labels = [
        label
        for label in annotator.taxonomy.entity_labels + annotator.taxonomy.time_labels
        if label in set(label_map.values())
    ]
    errors: list[str] = []
    documents = iter_brat(gold, label_map, errors)
    if limit is not None:
        documents = islice(documents, limit)
    scores = evaluate(track(documents, "scoring", total=limit), annotator, time_annotator, labels)
    for message in errors:
        error_line(f"skipped {message}")
    names = {BASELINE: annotator.model_source.split(":", 1)[1] + " (raw)", OURS: "ours"}
    if as_json:
        groups = {"micro_" + "+".join(target): target}
        payload = {
            "gold": str(gold),
            "skipped": errors,
            "systems": {names[k]: v.as_dict(groups) for k, v in scores.items()},
            "ours": annotator.version,
        }
        out_console.print_json(json.dumps(payload, ensure_ascii=False))
        return
    out_console.print(_table(scores, names, target))
    out_console.print(f"ours = {annotator.name}@{annotator.version}")
