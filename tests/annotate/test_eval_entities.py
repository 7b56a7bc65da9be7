"""Span scoring by hand-computed figures, and ``pipeline eval entities`` on a small brat
fixture whose expected figures follow from the gold file (data/brat/README.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.evaluate.brat import iter_brat
from pipeline.evaluate.scoring import score_spans

FIXTURE = Path(__file__).parent / "data" / "brat"
LABEL_MAP = {"Person": "PER", "Organization": "ORG", "Location": "LOC", "Date": "DATE"}


def test_score_spans_strict_and_lenient() -> None:
    gold = [(0, 6, "LOC"), (10, 20, "PER"), (30, 40, "ORG"), (50, 55, "LOC")]
    pred = [(0, 6, "LOC"), (8, 20, "PER"), (30, 40, "LOC"), (60, 70, "LOC")]
    scores = score_spans([(gold, pred)], ["PER", "ORG", "LOC"])
    strict, lenient = scores.counts["strict"], scores.counts["lenient"]
    assert (strict["LOC"].precision, strict["LOC"].recall) == (1 / 3, 1 / 2)
    assert strict["LOC"].f1 == pytest.approx(0.4)
    assert (strict["PER"].precision, strict["PER"].recall) == (0.0, 0.0)
    assert (lenient["PER"].precision, lenient["PER"].recall) == (1.0, 1.0)
    assert lenient["ORG"].recall == 0.0  # overlap with the wrong label does not count
    micro = scores.micro("strict")
    assert (micro.pred_correct, micro.pred, micro.gold) == (1, 4, 4)
    assert scores.micro("lenient", ["PER", "LOC"]).recall == pytest.approx(2 / 3)


def test_duplicate_spans_count_once() -> None:
    scores = score_spans([([(0, 3, "LOC")] * 2, [(0, 3, "LOC")] * 3)], ["LOC"])
    counts = scores.counts["strict"]["LOC"]
    assert (counts.gold, counts.pred, counts.precision, counts.recall) == (1, 1, 1.0, 1.0)


def test_brat_reader_skips_bad_files_and_keeps_offsets() -> None:
    errors: list[str] = []
    docs = list(iter_brat(FIXTURE, LABEL_MAP, errors))
    assert [Path(d.name).name for d in docs] == ["a.txt"]
    assert len(errors) == 1 and "b.ann:1: bad offsets" in errors[0]
    doc = docs[0]
    assert len(doc.spans) == 6
    assert {doc.text[s:e] for s, e, _ in doc.spans} >= {"France", "Assimi Goïta", "Bamako"}


def test_eval_entities_command_json() -> None:
    result = CliRunner().invoke(app, ["eval", "entities", "--gold", str(FIXTURE), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert len(payload["skipped"]) == 1
    systems = payload["systems"]
    baseline, ours = systems["fr_core_news_md@3.8.0 (raw)"], systems["ours"]
    target = "micro_PER+ORG+LOC"
    # raw model: "La France" (determiner inside) misses strictly, matches leniently;
    # Mali, Bamako and Assimi Goïta are exact; ORG "coopération" is unfindable
    assert baseline["strict"][target]["precision"] == 0.75
    assert baseline["strict"][target]["recall"] == 0.6
    assert baseline["lenient"][target]["precision"] == 1.0
    # ours strips the determiner: every prediction exact, only the ORG missed
    assert ours["strict"][target]["precision"] == 1.0
    assert ours["strict"][target]["recall"] == 0.8
    assert ours["strict"][target]["f1"] == pytest.approx(0.8889, abs=1e-4)
    assert ours["strict"]["ORG"] == {**ours["strict"]["ORG"], "gold": 1, "gold_found": 0}
    assert ours["strict"]["DATE"]["gold"] == 1


def test_eval_entities_missing_folder_is_one_line(tmp_path: Path, run_cli) -> None:
    missing = tmp_path / "nope"
    proc = run_cli("eval", "entities", "--gold", str(missing))
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [f"error: {missing}: not a folder"]
