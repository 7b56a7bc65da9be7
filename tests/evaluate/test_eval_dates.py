"""``pipeline eval dates``: TimeML reading, figures on a hand-written fixture, the CLI."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.evaluate.dates import evaluate, ours
from pipeline.evaluate.timeml import iter_timeml, parse_timeml

FIXTURES = Path(__file__).parent / "fixtures" / "timeml"


def run_cli(*args: str) -> dict:
    result = CliRunner().invoke(app, ["eval", "dates", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_timeml_text_and_offsets() -> None:
    doc = parse_timeml(FIXTURES / "seed-2025-09-19.tml")
    assert doc.dct == "2025-09-19"
    assert doc.text.startswith("\nLa France a annoncé ce vendredi")  # tags stripped
    assert [(t.text, t.type, t.value) for t in doc.timexes] == [
        ("ce vendredi", "DATE", "2025-09-19"),
        ("août", "DATE", "2025-08"),
        ("samedi", "DATE", "2025-09-20"),
        ("10 h", "TIME", "2025-09-20T10:00"),
        ("cinq ans", "DURATION", "P5Y"),
    ]
    for t in doc.timexes:
        assert doc.text[t.start : t.end] == t.text


def test_eval_dates_figures_on_the_fixture() -> None:
    """Hand-counted: DATE gold 5, ours 5 (ce vendredi, août, samedi exact; "dimanche"
    inside "le premier dimanche du printemps" overlaps with a wrong value; "2020" is not
    annotated; "la deuxième journée" is missed)."""
    out = run_cli("--gold", str(FIXTURES), "--json")
    assert out["documents"] == 2
    date = out["ours"]["detection"]
    assert date["strict"]["DATE"]["precision"] == 0.6
    assert date["strict"]["DATE"]["recall"] == 0.6
    assert date["lenient"]["DATE"]["f1"] == 0.8
    assert date["lenient"]["TIME"]["f1"] == 1.0
    untyped = out["ours"]["untyped"]["lenient"]["TIMEX3"]
    assert (untyped["gold"], untyped["pred"], untyped["pred_correct"]) == (7, 6, 5)
    assert out["ours"]["date_value_accuracy"] == {"accuracy": 0.75, "correct": 3, "total": 4}


def test_baseline_row_is_search_dates_in_the_same_run() -> None:
    from dateparser.search import search_dates

    hits = 0
    for doc in iter_timeml(FIXTURES):
        base = dt.datetime.fromisoformat(doc.dct)
        hits += len(search_dates(doc.text, languages=["fr"], settings={"RELATIVE_BASE": base}))
    out = run_cli("--gold", str(FIXTURES), "--json")
    baseline = out["search_dates"]["detection"]["lenient"]["DATE"]
    assert (baseline["gold"], baseline["pred"]) == (5, hits)
    assert out["search_dates"]["detection"]["lenient"]["TIME"]["pred"] == 0


def test_table_output_names_both_systems() -> None:
    result = CliRunner().invoke(app, ["eval", "dates", "--gold", str(FIXTURES)])
    assert result.exit_code == 0
    assert "search_dates" in result.stdout and "ours" in result.stdout
    assert "DATE value accuracy 0.750 (3/4" in result.stdout


def test_bad_file_is_reported_and_the_rest_scored(tmp_path: Path) -> None:
    for tml in FIXTURES.glob("*.tml"):
        shutil.copy(tml, tmp_path)
    (tmp_path / "broken.tml").write_text("<TimeML><TEXT>pas fini", encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "dates", "--gold", str(tmp_path), "--json"])
    assert result.exit_code == 0
    assert "broken.tml: not well-formed TimeML" in result.stderr
    assert json.loads(result.stdout)["documents"] == 2


def test_no_gold_is_a_one_line_error(tmp_path: Path) -> None:
    command = "from pipeline.cli import main; main()"
    proc = subprocess.run(
        [sys.executable, "-c", command, "eval", "dates", "--gold", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [f"error: {tmp_path}: no files match *.tml"]


def test_targets_on_fr_timebank_dev(shared_data: Path) -> None:
    """The issue's targets: DATE F1 (overlap) >= 0.80, value accuracy >= 0.85."""
    folder = shared_data / "fr-timebank-dev"
    assert folder.is_dir(), f"{folder}: the FR-TimeBank development set is missing"
    (result,) = evaluate(iter_timeml(folder), [ours()])
    assert result.labeled.counts["lenient"]["DATE"].f1 >= 0.80
    assert result.value_accuracy >= 0.85
