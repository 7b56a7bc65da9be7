"""Measured entity probabilities: beam agreement per span, and the calibration error."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from pipeline.annotate.confidence import expected_calibration_error, span_scores
from pipeline.annotate.entities import GAZETTEER, MODEL, EntitySpan
from pipeline.annotate.registry import ChainConfig, build_chain
from pipeline.params import load_params


def test_span_probability_is_the_agreeing_beam_mass() -> None:
    parses = [
        (0.6, [(0, 2, "PER"), (5, 6, "LOC")]),
        (0.3, [(0, 2, "ORG")]),
        (0.1, [(1, 2, "PER")]),
    ]
    per = EntitySpan(0, 2, "PER", MODEL)
    trimmed = EntitySpan(1, 2, "PER", MODEL)  # inside a PER of the first and third parse
    gaz = EntitySpan(5, 6, "LOC", GAZETTEER)
    scores = span_scores([per, trimmed, gaz], parses)
    assert scores[per] == pytest.approx(0.6)
    assert scores[trimmed] == pytest.approx(0.7)
    assert gaz not in scores  # no model said it: no model probability


def test_expected_calibration_error_by_hand() -> None:
    # bin [0.9, 1]: mean 0.95, 1 of 2 right -> |0.5 - 0.95| = 0.45, weight 2/4
    # bin [0.2, 0.3): mean 0.2, 1 of 2 right -> |0.5 - 0.2| = 0.3, weight 2/4
    pairs = [(0.9, True), (1.0, False), (0.2, True), (0.2, False)]
    ece, bins = expected_calibration_error(pairs, 10)
    assert ece == pytest.approx(0.5 * 0.45 + 0.5 * 0.3)
    assert bins == [(0.2, 0.5, 2), (0.95, 0.5, 2)]
    assert expected_calibration_error([], 10) == (0.0, [])


def test_chain_with_a_beam_scores_model_entities(repo_root: Path, seed_articles) -> None:
    from pipeline.annotate.core import as_preannotated

    section = copy.deepcopy(load_params("preannotate"))
    spacy = next(e for e in section["chain"] if e["component"] == "spacy")
    spacy["confidence_beam"] = 4
    annotators, _ = build_chain(ChainConfig.from_params(section, repo_root))
    spacy_part = next(a for a in annotators if a.name == "spacy-rules")
    assert "+beam.4+" in spacy_part.version
    (out,) = spacy_part.annotate([as_preannotated(seed_articles[0])])
    model = [e for e in out.entities if e.source.startswith("spacy:")]
    assert model and all(e.score is not None and 0.0 <= e.score <= 1.0 for e in model)
    assert all(e.score is None for e in out.entities if e.source.startswith("gazetteer@"))
