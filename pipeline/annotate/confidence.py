"""A measured probability per model entity: the share of a beam search's mass that agrees.

The NER is a transition-based parser; decoding it with a beam of ``width`` states instead of
greedily gives a set of whole-document analyses with their probabilities. The probability
of an entity is the summed probability of the analyses that put a name of the same label
over its tokens (containment, since boundary rules may have trimmed the model's span). It is
a model probability, not a promise: how well it matches observed precision is measured on
gold as the expected calibration error (``expected_calibration_error``), which
``pipeline eval entities`` reports.

Measured, the raw beam probability is far from calibrated (almost every entity gets 1.0), so
the score written to ``Entity.score`` is a calibration map's: a logistic regression fitted on
dev gold (``pipeline eval entities --fit-confidence OUT``) from measured features of each
entity (``span_features``: the beam agreement when a beam runs, the label, which chain step
made or changed the span, its length, all-caps, sentence-initial). The map is a small JSON
file with the fingerprint of the gold it was fitted on; scikit-learn is not a dependency, and
a regularised logistic regression is a dozen lines of Newton steps in numpy, deterministic.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.annotate.entities import GAZETTEER, MODEL, EntitySpan
from pipeline.errors import PipelineError

#: beam states below this share of the best state's score are pruned (spaCy's density)
_DENSITY = 0.0001


def beam_parses(nlp: Any, doc: Any, width: int) -> list[tuple[float, list[tuple[int, int, str]]]]:
    """(probability, [(start token, end token, label)]) of each finished beam analysis."""
    ner = nlp.get_pipe("ner")
    (beam,) = ner.beam_parse([doc], beam_width=width, beam_density=_DENSITY)
    return [(float(p), list(ents)) for p, ents in ner.moves.get_beam_parses(beam)]


def beam_agreement(
    span: EntitySpan, parses: Sequence[tuple[float, list[tuple[int, int, str]]]]
) -> float:
    """The share of the beam's mass whose analysis puts a name of the span's label over its
    tokens (containment, since boundary rules may have trimmed the model's span)."""
    total = sum(p for p, _ in parses) or 1.0
    agree = sum(
        p
        for p, ents in parses
        if any(
            label == span.label and start <= span.start and span.end <= end
            for start, end, label in ents
        )
    )
    return min(1.0, agree / total)


def span_scores(
    spans: Iterable[EntitySpan], parses: Sequence[tuple[float, list[tuple[int, int, str]]]]
) -> dict[EntitySpan, float]:
    """The probability of each model span (other origins get none: no model said them)."""
    return {span: beam_agreement(span, parses) for span in spans if span.origin == MODEL}


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


#: the beam agreement enters the map as a log-odds, clipped so that 0 and 1 stay finite
_CLIP = 1e-4
#: L2 penalty of the logistic regression (on every weight but the intercept): keeps the fit
#: finite when a feature separates the data (a label with no error in the dev set)
L2 = 1.0
_NEWTON_STEPS = 50


def span_features(
    doc: Any, spans: Sequence[EntitySpan], beam: Mapping[EntitySpan, float] | None
) -> dict[EntitySpan, dict[str, float]]:
    """Measured features of each final span, by name (absent = 0).

    ``model_exact``: the raw model said exactly this span and label; ``model_changed``: a
    model span a step trimmed, relabelled or repeated elsewhere (propagate); ``gazetteer``:
    the gazetteer's name. ``beam``: log-odds of the beam agreement, when a beam ran.
    """
    raw = {(e.start, e.end, e.label_) for e in doc.ents}
    out: dict[EntitySpan, dict[str, float]] = {}
    for span in spans:
        tokens = doc[span.start : span.end]
        text = tokens.text
        first = doc[span.start]
        features = {
            f"label={span.label}": 1.0,
            "model_exact": float(
                span.origin == MODEL and (span.start, span.end, span.label) in raw
            ),
            "model_changed": float(
                span.origin == MODEL and (span.start, span.end, span.label) not in raw
            ),
            "gazetteer": float(span.origin == GAZETTEER),
            "log_tokens": math.log(span.end - span.start),
            "all_caps": float(text.isupper() and sum(c.isalpha() for c in text) > 1),
            "sentence_initial": float(span.start == 0 or bool(first.is_sent_start)),
        }
        if beam is not None:
            p = min(1.0 - _CLIP, max(_CLIP, beam.get(span, 0.0)))
            features["beam"] = math.log(p / (1.0 - p))
        out[span] = features
    return out


@dataclass(frozen=True)
class ConfidenceMap:
    """A fitted logistic regression from ``span_features`` to the probability that the
    entity is exactly right (strict match with gold), and what it was fitted on."""

    beam: int
    features: tuple[str, ...]
    weights: tuple[float, ...]
    intercept: float
    fitted_on: Mapping[str, Any]

    def probability(self, features: Mapping[str, float]) -> float:
        """The calibrated score, in [0, 1] (a logistic of a finite sum)."""
        z = self.intercept + sum(
            w * features.get(n, 0.0) for n, w in zip(self.features, self.weights, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(-500.0, min(500.0, z))))

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": f"logistic regression, L2 {L2}, Newton steps (annotate/confidence.py)",
            "beam": self.beam,
            "intercept": self.intercept,
            "weights": dict(zip(self.features, self.weights, strict=True)),
            "fitted_on": dict(self.fitted_on),
        }

    @property
    def fingerprint(self) -> str:
        """Content hash of the map, for the annotator's version."""
        blob = json.dumps(self.as_dict(), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:12]


def fit_confidence_map(
    rows: Sequence[tuple[Mapping[str, float], bool]], beam: int, fitted_on: Mapping[str, Any]
) -> ConfidenceMap:
    """Fit the map on (features, strictly right) rows: Newton's method on the L2-penalised
    log-likelihood (convex, so the result depends on the data only; features sorted)."""
    if not rows or all(ok for _, ok in rows) or not any(ok for _, ok in rows):
        raise PipelineError(
            "cannot fit a confidence map: the gold gives no right and wrong entities"
        )
    names = sorted({n for f, _ in rows for n in f})
    x = np.array([[1.0] + [f.get(n, 0.0) for n in names] for f, _ in rows])
    y = np.array([1.0 if ok else 0.0 for _, ok in rows])
    penalty = np.diag([0.0] + [L2] * len(names))
    w = np.zeros(x.shape[1])
    for _ in range(_NEWTON_STEPS):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        gradient = x.T @ (p - y) + penalty @ w
        hessian = (x.T * (p * (1.0 - p))) @ x + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if float(np.abs(step).max()) < 1e-10:
            break
    return ConfidenceMap(
        beam=beam,
        features=tuple(names),
        weights=tuple(round(float(v), 8) for v in w[1:]),
        intercept=round(float(w[0]), 8),
        fitted_on={**fitted_on, "entities": len(rows), "right": int(y.sum())},
    )


def load_confidence_map(path: Path) -> ConfidenceMap:
    """Read a map written by ``--fit-confidence``; a bad file is a one-line error."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        weights = data["weights"]
        if not isinstance(weights, dict) or not isinstance(data["beam"], int):
            raise TypeError("'weights' must map feature names to numbers, 'beam' an integer")
        return ConfidenceMap(
            beam=data["beam"],
            features=tuple(weights),
            weights=tuple(float(v) for v in weights.values()),
            intercept=float(data["intercept"]),
            fitted_on=data["fitted_on"],
        )
    except OSError as exc:
        raise PipelineError(f"{path}: cannot read confidence map ({exc.strerror})") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise PipelineError(f"{path}: not a confidence map ({exc})") from exc


def gold_fingerprint(documents: Iterable[tuple[str, Sequence[tuple[int, int, str]]]]) -> str:
    """Content hash of gold (text and spans of each document, in reading order)."""
    digest = hashlib.sha256()
    for text, spans in documents:
        digest.update(json.dumps([text, sorted(spans)], ensure_ascii=False).encode())
    return digest.hexdigest()[:16]
