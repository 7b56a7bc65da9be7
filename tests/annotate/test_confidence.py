"""Measured entity probabilities: beam agreement per span, and the calibration error."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.annotate.confidence import (
    expected_calibration_error,
    fit_confidence_map,
    load_confidence_map,
    span_scores,
)
from pipeline.annotate.entities import GAZETTEER, MODEL, EntitySpan
from pipeline.annotate.registry import ChainConfig, build_chain
from pipeline.cli import app
from pipeline.errors import PipelineError
from pipeline.io import write_json
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
    spacy["confidence_map"] = None  # the raw beam probability
    annotators, _ = build_chain(ChainConfig.from_params(section, repo_root))
    spacy_part = next(a for a in annotators if a.name == "spacy-rules")
    assert "+beam.4+" in spacy_part.version
    (out,) = spacy_part.annotate([as_preannotated(seed_articles[0])])
    model = [e for e in out.entities if e.source.startswith("spacy:")]
    assert model and all(e.score is not None and 0.0 <= e.score <= 1.0 for e in model)
    assert all(e.score is None for e in out.entities if e.source.startswith("gazetteer@"))


def _rows(n: int) -> list[tuple[dict[str, float], bool]]:
    """Synthetic entities whose chance of being right rises with the beam log-odds."""
    rows = []
    for i in range(n):
        beam = (i % 21 - 10) / 2.0  # -5 .. 5
        right = (i * 7919) % 100 < 100 / (1 + math.exp(-beam))
        rows.append(({"beam": beam, f"label={'PER' if i % 2 else 'ORG'}": 1.0}, right))
    return rows


def test_fit_is_reproducible_monotone_in_the_beam_and_round_trips(tmp_path: Path) -> None:
    rows = _rows(2000)
    first = fit_confidence_map(rows, 8, {"fingerprint": "x"})
    assert first == fit_confidence_map(list(rows), 8, {"fingerprint": "x"})
    assert first.fitted_on == {
        "fingerprint": "x",
        "entities": 2000,
        "right": sum(r for _, r in rows),
    }
    grid = [first.probability({"beam": b / 4, "label=PER": 1.0}) for b in range(-40, 41)]
    assert all(0.0 <= p <= 1.0 for p in grid)
    assert grid == sorted(grid) and grid[0] < 0.1 and grid[-1] > 0.9
    # calibrated in sample: the map's ECE is far below a constant 1.0's
    ece, _ = expected_calibration_error([(first.probability(f), ok) for f, ok in rows], 10)
    raw, _ = expected_calibration_error([(1.0, ok) for _, ok in rows], 10)
    assert ece < 0.05 < raw
    path = tmp_path / "map.json"
    write_json(path, first.as_dict())
    assert load_confidence_map(path) == first
    assert load_confidence_map(path).fingerprint == first.fingerprint


def test_fit_needs_right_and_wrong_entities() -> None:
    with pytest.raises(PipelineError, match="no right and wrong"):
        fit_confidence_map([({"beam": 1.0}, True)] * 3, 8, {})


def test_bad_map_file_is_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "map.json"
    path.write_text('{"beam": 0}', encoding="utf-8")
    with pytest.raises(PipelineError, match=r"map.json: not a confidence map"):
        load_confidence_map(path)


def test_checked_in_map_scores_in_unit_interval_and_doubts_changed_spans(repo_root: Path) -> None:
    mapped = load_confidence_map(repo_root / "annotation_configs" / "entity_confidence.json")
    assert mapped.beam == 0 and mapped.fitted_on["documents"] > 500
    for label in ("PER", "ORG", "LOC", "MISC"):
        for origin in ("model_exact", "model_changed", "gazetteer"):
            for tokens in (1, 2, 5):
                p = mapped.probability(
                    {f"label={label}": 1.0, origin: 1.0, "log_tokens": math.log(tokens)}
                )
                assert 0.0 <= p <= 1.0
        # a span a rule trimmed or propagate repeated is less often right than the model's own
        exact = mapped.probability({f"label={label}": 1.0, "model_exact": 1.0})
        changed = mapped.probability({f"label={label}": 1.0, "model_changed": 1.0})
        assert changed < exact


def test_chain_with_the_map_scores_every_entity(repo_root: Path, seed_articles) -> None:
    from pipeline.annotate.core import as_preannotated

    section = copy.deepcopy(load_params("preannotate"))
    spacy = next(e for e in section["chain"] if e["component"] == "spacy")
    spacy["confidence_beam"] = 0
    spacy["confidence_map"] = "annotation_configs/entity_confidence.json"
    annotators, _ = build_chain(ChainConfig.from_params(section, repo_root))
    spacy_part = next(a for a in annotators if a.name == "spacy-rules")
    assert "+confidence." in spacy_part.version
    (out,) = spacy_part.annotate([as_preannotated(seed_articles[0])])
    assert out.entities and all(e.score is not None and 0.0 <= e.score <= 1.0 for e in out.entities)
    assert len({e.score for e in out.entities}) > 1
    spacy["confidence_beam"] = 4  # the map was fitted without a beam
    with pytest.raises(PipelineError, match="fitted with confidence_beam 0, the chain runs 4"):
        build_chain(ChainConfig.from_params(section, repo_root))


def test_fit_confidence_command_is_reproducible(shared_data: Path, tmp_path: Path) -> None:
    gold = shared_data / "winer-fr-dev" / "2016"
    maps = []
    for name in ("a.json", "b.json"):
        args = ["eval", "entities", "--gold", str(gold), "--limit", "12"]
        result = CliRunner().invoke(app, [*args, "--fit-confidence", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        assert "in-sample ECE" in result.stdout
        maps.append(json.loads((tmp_path / name).read_text(encoding="utf-8")))
    assert maps[0] == maps[1]
    assert maps[0]["fitted_on"]["documents"] == 12
    assert len(maps[0]["fitted_on"]["fingerprint"]) == 16
    assert 0 < maps[0]["fitted_on"]["right"] < maps[0]["fitted_on"]["entities"]
