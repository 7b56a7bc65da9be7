"""A measured probability per model entity: the share of a beam search's mass that agrees.

The NER is a transition-based parser; decoding it with a beam of ``width`` states instead of
greedily gives a set of whole-document analyses with their probabilities. The probability
of an entity is the summed probability of the analyses that put a name of the same label
over its tokens (containment, since boundary rules may have trimmed the model's span). It is
a model probability, not a promise: how well it matches observed precision is measured on
gold as the expected calibration error (``expected_calibration_error``), which
``pipeline eval entities`` reports.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pipeline.annotate.entities import MODEL, EntitySpan

#: beam states below this share of the best state's score are pruned (spaCy's density)
_DENSITY = 0.0001


def beam_parses(nlp: Any, doc: Any, width: int) -> list[tuple[float, list[tuple[int, int, str]]]]:
    """(probability, [(start token, end token, label)]) of each finished beam analysis."""
    ner = nlp.get_pipe("ner")
    (beam,) = ner.beam_parse([doc], beam_width=width, beam_density=_DENSITY)
    return [(float(p), list(ents)) for p, ents in ner.moves.get_beam_parses(beam)]


def span_scores(
    spans: Iterable[EntitySpan], parses: Sequence[tuple[float, list[tuple[int, int, str]]]]
) -> dict[EntitySpan, float]:
    """The probability of each model span (other origins get none: no model said them)."""
    total = sum(p for p, _ in parses) or 1.0
    scores = {}
    for span in spans:
        if span.origin != MODEL:
            continue
        agree = sum(
            p
            for p, ents in parses
            if any(
                label == span.label and start <= span.start and span.end <= end
                for start, end, label in ents
            )
        )
        scores[span] = min(1.0, agree / total)
    return scores


def expected_calibration_error(
    pairs: Sequence[tuple[float, bool]], bins: int
) -> tuple[float, list[tuple[float, float, int]]]:
    """ECE over equal-width probability bins, and (mean score, accuracy, count) per bin.

    ECE = sum over bins of (count / total) * |accuracy - mean score|: 0 when, among the
    entities scored about p, a share p is right.
    """
    table: list[tuple[float, float, int]] = []
    if not pairs:
        return 0.0, table
    ece = 0.0
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        members = [(s, ok) for s, ok in pairs if low <= s < high or (b == bins - 1 and s == 1.0)]
        if not members:
            continue
        mean = sum(s for s, _ in members) / len(members)
        accuracy = sum(ok for _, ok in members) / len(members)
        ece += len(members) / len(pairs) * abs(accuracy - mean)
        table.append((round(mean, 4), round(accuracy, 4), len(members)))
    return ece, table
