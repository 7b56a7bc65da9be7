"""``pipeline train`` for real on a tiny slice of the Wikinews dev set (one epoch), then the
model folder loaded by configuration alone: its version follows its data, predictions carry
it, and ``eval entities --model`` scores it."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.annotate.registry import ChainConfig, build_chain
from pipeline.cli import app
from pipeline.params import load_params
from pipeline.train.model_folder import content_version

WINER_2016 = (
    Path(__file__).resolve().parents[2].parent / "shared" / "data" / "winer-fr-dev" / "2016"
)
FIXTURE = Path(__file__).parent / "data" / "brat"


def _train(out: Path, limit: int) -> None:
    assert WINER_2016.is_dir(), f"gold data missing: {WINER_2016}"
    args = ["train", "--gold", str(WINER_2016), "--limit", str(limit), "--epochs", "1"]
    metrics = ["--metrics", str(out.with_suffix(".metrics.json"))]
    result = CliRunner().invoke(app, [*args, *metrics, "--out", str(out)])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("models")
    _train(root / "tiny", 12)
    _train(root / "tiny-more", 14)
    return root / "tiny", root / "tiny-more"


def test_model_folder_records_data_and_version(models) -> None:
    tiny, more = models
    record = json.loads((tiny / "training.json").read_text())
    meta = json.loads((tiny / "meta.json").read_text())
    assert meta["name"] == "tiny" and meta["version"] == record["version"]
    # the version is the content hash of the weights and the data fingerprints
    assert content_version(tiny, record) == record["version"]
    (source,) = record["sources"]
    assert source["gold"] == str(WINER_2016) and source["examples"] == 12
    assert len(source["sha256"]) == 64
    assert record["train_examples"] + record["dev_examples"] == 12
    metrics = json.loads((tiny / "metrics.json").read_text())
    assert set(metrics) == {"dev", "dev_base"}
    assert 0.0 <= metrics["dev"]["f1"] <= 1.0
    # the copy for `dvc metrics` names the version it measured
    outside = json.loads(tiny.with_suffix(".metrics.json").read_text())
    assert outside == {**metrics, "version": record["version"]}
    # two more articles: other data, other weights, other version
    assert json.loads((more / "meta.json").read_text())["version"] != meta["version"]


def test_model_loads_by_configuration_and_predictions_carry_it(
    models, repo_root: Path, seed_articles
) -> None:
    from pipeline.annotate.core import as_preannotated

    tiny, _ = models
    version = json.loads((tiny / "meta.json").read_text())["version"]
    section = copy.deepcopy(load_params("preannotate"))
    spacy = next(e for e in section["chain"] if e["component"] == "spacy")
    spacy["ner_model"] = str(tiny)
    annotators, _ = build_chain(ChainConfig.from_params(section, repo_root))
    spacy_part = next(a for a in annotators if a.name == "spacy-rules")
    assert spacy_part.model_source == f"spacy:fr_tiny@{version}"
    assert f"fr_tiny@{version}" in spacy_part.version
    (out,) = spacy_part.annotate([as_preannotated(seed_articles[0])])
    model_entities = [e for e in out.entities if e.source.startswith("spacy:")]
    assert model_entities
    assert {e.source for e in model_entities} == {f"spacy:fr_tiny@{version}"}
    assert out.events  # the stock parser still serves the event rules


def test_eval_entities_scores_the_model(models) -> None:
    tiny, _ = models
    args = ["eval", "entities", "--gold", str(FIXTURE), "--model", str(tiny), "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert "fr_tiny@" in payload["ours"]
    raw = next(name for name in payload["systems"] if name.endswith("(raw)"))
    assert raw.startswith("fr_tiny@")


def test_train_without_data_is_one_line(run_cli, tmp_path: Path) -> None:
    proc = run_cli("train", "--out", str(tmp_path / "m"))
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        "error: train: name at least one --gold or --release to learn from"
    ]
    assert not (tmp_path / "m").exists()
