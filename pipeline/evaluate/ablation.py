"""Ablation of the entity steps: the chain's F1 with and without each step, per gold set.

A rule that helps on one corpus and hurts on another is a defect, so each step is scored on
every gold set next to the raw model and the full chain. One ``nlp.pipe`` run per set feeds
every row: the steps work on the processed Doc, so leaving one out costs only the steps.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.evaluate.brat import BratDocument
from pipeline.evaluate.scoring import LabeledSpan, SpanScores, score_spans

RAW = "raw model"
CHAIN = "chain"


def without(name: str) -> str:
    """The row name of the chain less one step."""
    return f"without {name}"


@dataclass(frozen=True)
class AblationRow:
    """Micro figures on the target labels for one system on one gold set."""

    system: str
    strict_p: float
    strict_r: float
    strict_f1: float
    lenient_f1: float


def ablate(
    documents: Iterable[BratDocument], annotator: Any, labels: Sequence[str]
) -> dict[str, SpanScores]:
    """Scores of the raw model, the chain, and the chain without each of its steps."""
    steps = list(annotator.steps)
    variants: dict[str, list[Any]] = {CHAIN: steps}
    for i, step in enumerate(steps):
        variants[without(step.name)] = steps[:i] + steps[i + 1 :]
    pairs: dict[str, list[tuple[list[LabeledSpan], list[LabeledSpan]]]] = {
        name: [] for name in (RAW, *variants)
    }
    for doc, gold in annotator.docs((d.text, d) for d in documents):
        pairs[RAW].append((gold.spans, [(e.start_char, e.end_char, e.label_) for e in doc.ents]))
        for name, chosen in variants.items():
            found = annotator.entities("gold", doc, chosen)
            pairs[name].append((gold.spans, [(e.start, e.end, e.label) for e in found]))
    return {name: score_spans(rows, labels) for name, rows in pairs.items()}


def ablation_rows(scores: dict[str, SpanScores], target: Sequence[str]) -> list[AblationRow]:
    """One row per system, micro-averaged over ``target`` labels."""
    rows = []
    for name, s in scores.items():
        strict, lenient = s.micro("strict", target), s.micro("lenient", target)
        rows.append(AblationRow(name, strict.precision, strict.recall, strict.f1, lenient.f1))
    return rows
