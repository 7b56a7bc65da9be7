"""``pipeline train``: fine-tune the configured recognizer's NER on human-verified labels."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from pipeline.console import err_console, error_line, summary_table
from pipeline.errors import PipelineError
from pipeline.params import load_params


def _base_model() -> str:
    """The pipeline to fine-tune: the chain's recognizer (its NER fine-tune if it has one,
    so a model trained on release N is refined on release N+1, not restarted)."""
    from pipeline.annotate.registry import SpacySettings, load_chain_config

    recognizers = [e.settings for e in load_chain_config().chain]
    found = [s for s in recognizers if isinstance(s, SpacySettings)]
    if not found:
        raise PipelineError("params.yaml: 'preannotate.chain' has no spacy recognizer to train")
    return found[0].ner_model or found[0].model


def train(
    out: Annotated[Path, typer.Option("--out", "-o", help="Model folder to write.")],
    gold: Annotated[
        list[Path] | None,
        typer.Option("--gold", help="Gold folder (brat) or BIO/CoNLL file(s); repeatable."),
    ] = None,
    release: Annotated[
        list[str] | None,
        typer.Option("--release", help="Release version whose verified records teach."),
    ] = None,
    releases_dir: Annotated[
        Path, typer.Option("--releases-dir", help="Folder holding the vX.Y.Z releases")
    ] = Path("releases"),
    epochs: Annotated[
        int | None, typer.Option("--epochs", min=1, help="Epochs (default: params.yaml).")
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Use the first N examples only.")
    ] = None,
    metrics_out: Annotated[
        Path | None,
        typer.Option("--metrics", help="Also write the dev metrics here (for dvc metrics)."),
    ] = None,
) -> None:
    """Fine-tune the NER on gold and release records; write a versioned model folder."""
    import dataclasses
    from itertools import islice

    from pipeline.annotate.nlp import load_model
    from pipeline.io import file_sha256
    from pipeline.release.store import existing
    from pipeline.train.config import TrainConfig
    from pipeline.train.core import fine_tune, split
    from pipeline.train.data import (
        TrainingExample,
        fingerprint,
        gold_examples,
        release_examples,
    )
    from pipeline.train.model_folder import write_model_folder

    if not gold and not release:
        raise PipelineError("train: name at least one --gold or --release to learn from")
    preannotate = load_params("preannotate")
    config = TrainConfig.from_params(load_params("train"), preannotate)
    if epochs is not None:
        config = dataclasses.replace(config, epochs=epochs)
    errors: list[str] = []
    examples: list[TrainingExample] = []
    sources: list[dict[str, Any]] = []
    for path in gold or []:
        found = list(islice(gold_examples(path, preannotate, config.labels, errors), limit))
        sources.append({"gold": str(path), "examples": len(found), "sha256": fingerprint(found)})
        examples += found
    for version in release or []:
        folder = existing(releases_dir, version)
        found = list(islice(release_examples(folder, config.labels), limit))
        sources.append(
            {
                "release": folder.name,
                "manifest_sha256": file_sha256(folder / "manifest.json"),
                "examples": len(found),
                "sha256": fingerprint(found),
            }
        )
        examples += found
    for message in errors:
        error_line(f"skipped {message}")
    train_set, dev_set = split(examples, config)
    if not train_set or not dev_set:
        raise PipelineError(
            f"train: {len(examples)} examples give an empty train or dev split "
            f"(dev_ratio {config.dev_ratio}); give more data"
        )
    base = _base_model()
    nlp = load_model(base)
    result = fine_tune(nlp, train_set, dev_set, config)
    metrics = {
        "dev": dataclasses.asdict(result.dev_trained),
        "dev_base": dataclasses.asdict(result.dev_base),
    }
    record = {
        "base_model": f"{nlp.meta['lang']}_{nlp.meta['name']}@{nlp.meta['version']}",
        "sources": sources,
        "settings": dataclasses.asdict(config),
        "train_examples": result.train_examples,
        "dev_examples": result.dev_examples,
        "losses": result.losses,
        "metrics": metrics,
    }
    version = write_model_folder(nlp, out, record)
    if metrics_out is not None:
        from pipeline.io import write_json

        write_json(metrics_out, {**metrics, "version": version})
    summary_table(
        f"train → {out}",
        {
            "train examples": result.train_examples,
            "dev examples": result.dev_examples,
            f"dev strict F1 {'+'.join(config.target_labels)} (base)": result.dev_base.f1,
            f"dev strict F1 {'+'.join(config.target_labels)} (trained)": result.dev_trained.f1,
        },
    )
    err_console.print(f"model version: {version}")
