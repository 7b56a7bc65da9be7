"""``pipeline eval entities``: our entities against brat gold, next to raw fr_core_news_md.

Both rows come from the same ``nlp.pipe`` run: the raw model's ``doc.ents`` are left intact
by our pipeline (the gazetteer writes to its own span group), so the baseline is exactly
what ``fr_core_news_md`` alone predicts on the same text, and costs nothing extra. Our row
adds the time annotator's DATE/TIME spans (the article date unknown), since the gold data labels
dates and hours too. Gold text is scored as it is stored: offsets are never moved.
"""

from __future__ import annotations

import dataclasses
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


def chain_parts(model: str | None = None, parse_all: bool = False) -> tuple[Any, Any | None]:
    """The chain params.yaml names: its spaCy component (the one whose entities are scored)
    and its time annotator, if it has one. ``model``: a model folder whose NER replaces the
    recognizer's, the rest of the chain as configured. ``parse_all``: parse every sentence,
    not only those holding a trigger candidate (the events eval scores every trigger)."""
    from pipeline.annotate.linguistic import LinguisticAnnotator
    from pipeline.annotate.registry import build_chain, load_chain_config
    from pipeline.annotate.times import TimeAnnotator

    config = load_chain_config().with_ner_model(model)
    if parse_all:
        config = dataclasses.replace(config, parse_trigger_sentences_only=False)
    annotators, _ = build_chain(config)
    spacy_parts = [a for a in annotators if isinstance(a, LinguisticAnnotator)]
    if not spacy_parts:
        raise PipelineError("params.yaml: 'preannotate.chain' has no spacy recognizer to score")
    times = [a for a in annotators if isinstance(a, TimeAnnotator)]
    return spacy_parts[0], times[0] if times else None


#: an entity's score and whether it is exactly a gold span (strict), for calibration
ScoredSpan = tuple[float, bool]
Prediction = tuple[list[LabeledSpan], list[LabeledSpan], list[LabeledSpan], list[ScoredSpan]]
CALIBRATION_BINS = 10


def predict(
    documents: Iterable[BratDocument], annotator: Any, time_annotator: Any | None
) -> Iterator[Prediction]:
    """(gold, baseline, ours, scored entities of ours) per document, streaming."""
    for doc, gold in annotator.docs((d.text, d) for d in documents):
        baseline = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
        entities = annotator.entities("gold", doc)
        ours = [(e.start, e.end, e.label) for e in entities]
        gold_set = set(gold.spans)
        scored = [
            (e.score, (e.start, e.end, e.label) in gold_set)
            for e in entities
            if e.score is not None
        ]
        if time_annotator is not None:
            times = time_annotator.times_for("gold", gold.text, None)
            ours += [(t.start, t.end, t.label) for t in times]
        yield gold.spans, baseline, ours, scored


def evaluate(
    documents: Iterable[BratDocument],
    annotator: Any,
    time_annotator: Any,
    labels: Sequence[str],
) -> tuple[dict[str, SpanScores], list[ScoredSpan]]:
    """Score both systems on the documents (one pass over the model), and list every scored
    entity of ours with its strict correctness."""
    rows = list(predict(documents, annotator, time_annotator))
    scores = {
        BASELINE: score_spans(((g, b) for g, b, _, _ in rows), labels),
        OURS: score_spans(((g, o) for g, _, o, _ in rows), labels),
    }
    return scores, [pair for *_, scored in rows for pair in scored]


def confidence_rows(
    documents: Iterable[BratDocument], annotator: Any, seen: list[BratDocument]
) -> Iterator[tuple[dict[str, float], bool]]:
    """(calibration features, strictly right) of each entity of the chain on the gold
    documents; ``seen`` collects the documents read, for the fit's data fingerprint."""
    for doc, gold in annotator.docs((d.text, d) for d in documents):
        seen.append(gold)
        gold_set = set(gold.spans)
        for entity, features in annotator.featured_entities("gold", doc):
            yield features, (entity.start, entity.end, entity.label) in gold_set


def fit_confidence(
    gold: Sequence[Path], annotator: Any, params: dict[str, Any], limit: int | None, out: Path
) -> None:
    """Fit the entity calibration map on the gold sets and write it to ``out``; prints the
    in-sample ECE of the map (and of the raw beam agreement when a beam runs)."""
    from pipeline.annotate.confidence import (
        expected_calibration_error,
        fit_confidence_map,
        gold_fingerprint,
    )
    from pipeline.io import write_json

    rows: list[tuple[dict[str, float], bool]] = []
    seen: list[BratDocument] = []
    for path in gold:
        errors: list[str] = []
        documents = track(read_gold(path, params, errors, limit), f"fitting on {path}", total=limit)
        rows += confidence_rows(documents, annotator, seen)
        for message in errors:
            error_line(f"skipped {message}")
    fitted_on = {
        "gold": [str(p) for p in gold],
        "documents": len(seen),
        "fingerprint": gold_fingerprint((d.text, d.spans) for d in seen),
        "chain": annotator.chain_version,
    }
    mapped = fit_confidence_map(rows, annotator.confidence_beam, fitted_on)
    write_json(out, mapped.as_dict())
    ece, _ = expected_calibration_error(
        [(mapped.probability(f), ok) for f, ok in rows], CALIBRATION_BINS
    )
    out_console.print(f"wrote {out}: {len(rows)} entities, in-sample ECE {ece:.3f}")


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


def read_gold(
    path: Path, params: dict[str, Any], errors: list[str], limit: int | None
) -> Iterator[BratDocument]:
    """Gold documents from a brat folder (``.txt``/``.ann`` pairs) or from BIO/CoNLL files
    (a file, or a folder of ``.bio``/``.conll``/``.iob``), each with its own label map."""
    from itertools import islice

    from pipeline.evaluate.bio import SUFFIXES, iter_bio

    is_bio = path.suffix in SUFFIXES or (
        path.is_dir() and not any(path.rglob("*.ann")) and any(path.rglob("*.bio"))
    )
    documents = (
        iter_bio(path, params["bio_label_map"], errors, int(params["bio_max_tokens"]))
        if is_bio
        else iter_brat(path, params["gold_label_map"], errors)
    )
    return islice(documents, limit) if limit is not None else documents


def _scored_labels(annotator: Any, params: dict[str, Any]) -> list[str]:
    mapped = set(params["gold_label_map"].values()) | set(params["bio_label_map"].values())
    known = annotator.taxonomy.entity_labels + annotator.taxonomy.time_labels
    return [label for label in known if label in mapped]


def _ablation_table(gold: Path, rows: list[Any], documents: int, target: Sequence[str]) -> Table:
    from pipeline.evaluate.ablation import CHAIN

    chain_f1 = next(r.strict_f1 for r in rows if r.system == CHAIN)
    table = Table(title=f"Ablation on {gold} ({documents} documents), micro {'+'.join(target)}")
    table.add_column("system", no_wrap=True)
    for name in ("strict P", "strict R", "strict F1", "lenient F1", "Δ strict F1 vs chain"):
        table.add_column(name, justify="right")
    for r in rows:
        delta = "" if r.system == CHAIN else f"{r.strict_f1 - chain_f1:+.3f}"
        cells = [f"{r.strict_p:.3f}", f"{r.strict_r:.3f}", f"{r.strict_f1:.3f}"]
        table.add_row(r.system, *cells, f"{r.lenient_f1:.3f}", delta)
    return table


def eval_entities(
    gold: Annotated[
        list[Path],
        typer.Option(
            "--gold",
            help="Gold set: a folder of brat .txt/.ann pairs (recursive) or BIO/CoNLL "
            "file(s); repeat for several sets.",
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print figures as JSON.")] = False,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Score the first N documents only.")
    ] = None,
    ablate: Annotated[
        bool,
        typer.Option("--ablate", help="F1 of the chain without each of its entity steps."),
    ] = False,
    model: Annotated[
        Path | None,
        typer.Option("--model", help="Model folder (pipeline train) whose NER the chain uses."),
    ] = None,
    fit_confidence_out: Annotated[
        Path | None,
        typer.Option(
            "--fit-confidence",
            help="Fit the entity calibration map on the gold sets and write it here (JSON).",
        ),
    ] = None,
) -> None:
    """Precision, recall and F1 per label, strict and lenient: the chain params.yaml names
    vs its raw recognizer; with ``--ablate``, the chain without each step, per gold set;
    with ``--fit-confidence``, the calibration map of entity scores fitted on the sets."""
    from pipeline.annotate.confidence import expected_calibration_error
    from pipeline.evaluate.ablation import ablate as run_ablation
    from pipeline.evaluate.ablation import ablation_rows

    params = load_params("preannotate")
    target = list(params["target_labels"])
    annotator, time_annotator = chain_parts(str(model) if model is not None else None)
    if fit_confidence_out is not None:
        fit_confidence(gold, annotator, params, limit, fit_confidence_out)
        return
    labels = _scored_labels(annotator, params)
    payloads = []
    for path in gold:
        errors: list[str] = []
        documents = track(read_gold(path, params, errors, limit), f"scoring {path}", total=limit)
        if ablate:
            ablation = run_ablation(documents, annotator, labels)
            rows = ablation_rows(ablation, target)
            count = next(iter(ablation.values())).documents
            payloads.append(
                {
                    "gold": str(path),
                    "skipped": errors,
                    "documents": count,
                    "rows": [dataclasses.asdict(r) for r in rows],
                }
            )
            if not as_json:
                out_console.print(_ablation_table(path, rows, count, target))
        else:
            scores, scored = evaluate(documents, annotator, time_annotator, labels)
            ece, bins = expected_calibration_error(scored, CALIBRATION_BINS)
            names = {BASELINE: annotator.model_source.split(":", 1)[1] + " (raw)", OURS: "ours"}
            groups: dict[str, Sequence[str]] = {"micro_" + "+".join(target): target}
            payloads.append(
                {
                    "gold": str(path),
                    "skipped": errors,
                    "systems": {names[k]: v.as_dict(groups) for k, v in scores.items()},
                    "ours": annotator.version,
                    "calibration": {"entities": len(scored), "ece": round(ece, 4), "bins": bins},
                }
            )
            if not as_json:
                out_console.print(_table(scores, names, target))
                if scored:
                    out_console.print(
                        f"calibration of ours: ECE {ece:.3f} over {len(scored)} scored "
                        "entities (strict correctness; bins: mean score, accuracy, count) "
                        f"{bins}"
                    )
        for message in errors:
            error_line(f"skipped {message}")
    if as_json:
        payload = payloads[0] if len(payloads) == 1 else {"sets": payloads}
        out_console.print_json(json.dumps(payload, ensure_ascii=False))
    else:
        out_console.print(f"ours = chain = {annotator.name}@{annotator.version}")
