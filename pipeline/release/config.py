"""The release cut's settings, read once from params.yaml at the command boundary."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.minhash import MinhashConfig
from pipeline.params import load_params, require_keys, taxonomy_path
from pipeline.studio.merge import Strategy
from pipeline.studio.review_config import ReviewConfig


@dataclass(frozen=True)
class ReleaseConfig:
    """What a cut needs from params.yaml; the cut receives this object and reads no params.

    ``section`` is the ``release`` section as read: the manifest records it whole and the
    card takes its descriptive fields (pretty name, licence, sources) from it. The MinHash
    settings are normalize's, because the cut compares the signatures normalize stored; the
    taxonomy is the one every stage uses (``preannotate.taxonomy``).
    """

    section: dict[str, Any]
    splits: dict[str, float]
    seed: int
    near_duplicate_threshold: float
    row_group_size: int
    max_shard_bytes: int
    compression_level: int
    minhash: MinhashConfig
    taxonomy: Path
    #: how annotators' votes become gold where no reviewer decided (params ``review.merge``)
    merge: Strategy

    @classmethod
    def from_params(cls) -> ReleaseConfig:
        """From params.yaml's ``release`` section, ``normalize``'s MinHash keys and the
        taxonomy path; a missing key is a one-line error."""
        section = load_params("release")
        names = [
            "splits",
            "seed",
            "near_duplicate_threshold",
            "row_group_size",
            "max_shard_bytes",
            "compression_level",
        ]
        require_keys(section, "release", names)
        return cls(
            section=section,
            splits=dict(section["splits"]),
            seed=int(section["seed"]),
            near_duplicate_threshold=float(section["near_duplicate_threshold"]),
            row_group_size=int(section["row_group_size"]),
            max_shard_bytes=int(section["max_shard_bytes"]),
            compression_level=int(section["compression_level"]),
            minhash=MinhashConfig.from_params(load_params("normalize")),
            taxonomy=taxonomy_path(),
            merge=ReviewConfig.from_params().strategy,
        )
