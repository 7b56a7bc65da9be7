"""Settings of ``pipeline train``: built once from params.yaml's ``train`` section."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.errors import PipelineError
from pipeline.params import require_keys


@dataclass(frozen=True)
class TrainConfig:
    """How the NER of the configured spaCy pipeline is fine-tuned.

    ``labels``: the gold labels trained (the recognizer's own label set; DATE and TIME are
    the time annotator's). ``dev_ratio`` of the stories (seeded hash of the story id) are
    held out as the dev split the metrics are taken on.
    """

    labels: tuple[str, ...]
    target_labels: tuple[str, ...]
    epochs: int
    dropout: float
    batch_size: int
    dev_ratio: float
    seed: int

    @classmethod
    def from_params(cls, train: Mapping[str, Any], preannotate: Mapping[str, Any]) -> TrainConfig:
        names = ("labels", "epochs", "dropout", "batch_size", "dev_ratio", "seed")
        require_keys(train, "train", names)
        require_keys(preannotate, "preannotate", ["target_labels"])
        config = cls(
            labels=tuple(train["labels"]),
            target_labels=tuple(preannotate["target_labels"]),
            epochs=int(train["epochs"]),
            dropout=float(train["dropout"]),
            batch_size=int(train["batch_size"]),
            dev_ratio=float(train["dev_ratio"]),
            seed=int(train["seed"]),
        )
        if not 0.0 < config.dev_ratio < 1.0:
            raise PipelineError("params.yaml: 'train.dev_ratio' must lie between 0 and 1")
        return config
