"""BIO/CoNLL gold reading and ``pipeline eval entities --ablate`` on the small fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.evaluate.bio import iter_bio

DATA = Path(__file__).parent / "data"
LABELS = {"PER": "PER", "ORG": "ORG", "LOC": "LOC"}


def test_bio_reader_joins_io_names_and_keeps_offsets() -> None:
    errors: list[str] = []
    docs = list(iter_bio(DATA / "bio", LABELS, errors, max_tokens=1000))
    assert len(errors) == 1 and "bad.conll:2: expected 'token TAG'" in errors[0]
    assert len(docs) == 2
    first, second = docs
    assert first.text.startswith("Le maire de La Rochelle a reçu M. Jean Dupont")
    assert [(first.text[s:e], label) for s, e, label in first.spans] == [
        ("La Rochelle", "LOC"),
        ("Jean Dupont", "PER"),
        ("ONU", "ORG"),
    ]
    # B- starts a new name even after a name of the same type; I- continues it
    assert [second.text[s:e] for s, e, _ in second.spans] == ["Paris", "Londres", "Berlin"]


def test_bio_stream_without_breaks_is_cut_after_a_sentence_end() -> None:
    docs = list(iter_bio(DATA / "bio" / "a.bio", LABELS, [], max_tokens=3))
    # the first document runs to the first "." once 3 tokens are reached
    assert [d.text.split()[-1] for d in docs] == [".", "."]
    assert len(docs[0].text.split()) == 16


def test_missing_bio_file_is_one_line(tmp_path: Path, run_cli) -> None:
    missing = tmp_path / "nope.bio"
    proc = run_cli("eval", "entities", "--gold", str(missing))
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [f"error: {missing}: not a file or folder"]


def test_ablate_scores_the_chain_without_each_step() -> None:
    sets = ["--gold", str(DATA / "brat"), "--gold", str(DATA / "bio")]
    result = CliRunner().invoke(app, ["eval", "entities", "--ablate", "--json", *sets])
    assert result.exit_code == 0, result.output
    brat, bio = json.loads(result.stdout)["sets"]
    names = [r["system"] for r in brat["rows"]]
    assert names[:2] == ["raw model", "chain"]
    steps = ["strip_leading", "person_titles", "min_chars", "capitalised", "demonyms"]
    steps += ["gazetteer", "propagate", "honorifics"]
    assert names[2:] == [f"without {step}" for step in steps]
    rows = {r["system"]: r for r in brat["rows"]}
    # "La France" keeps its determiner without strip_leading: one strict miss
    assert rows["chain"]["strict_f1"] == pytest.approx(0.8889, abs=1e-4)
    assert rows["without strip_leading"]["strict_f1"] == pytest.approx(0.8, abs=1e-4)
    assert rows["raw model"]["strict_f1"] == pytest.approx(0.6667, abs=1e-4)
    assert bio["documents"] == 2 and len(bio["skipped"]) == 1
    for row in bio["rows"]:
        assert 0.0 <= row["strict_f1"] <= row["lenient_f1"] <= 1.0
