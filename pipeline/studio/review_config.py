"""The ``review`` block of params.yaml as one frozen object, built at the command boundary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipeline.params import load_params, require_keys
from pipeline.studio.merge import Strategy


@dataclass(frozen=True)
class ReviewConfig:
    """Overlap, review selection and merge settings (see params.yaml for their meaning)."""

    overlap_share: float
    overlap_seed: int
    min_document_agreement: float
    project_suffix: str
    strategy: Strategy

    @classmethod
    def from_params(cls, params: dict[str, Any] | None = None) -> ReviewConfig:
        p = load_params("review") if params is None else params
        names = ("overlap_share", "overlap_seed", "min_document_agreement", "project_suffix")
        require_keys(p, "review", [*names, "merge"])
        return cls(
            overlap_share=float(p["overlap_share"]),
            overlap_seed=int(p["overlap_seed"]),
            min_document_agreement=float(p["min_document_agreement"]),
            project_suffix=str(p["project_suffix"]),
            strategy=Strategy.from_params(p["merge"]),
        )
