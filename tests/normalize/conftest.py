"""Fixtures of the normalize tests: the stage's settings and a one-call normalizer."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pipeline.io import RawInput
from pipeline.normalize.config import NormalizeConfig
from pipeline.normalize.core import normalize_item
from pipeline.schema import Article, QuarantineEntry


@pytest.fixture(scope="session")
def config() -> NormalizeConfig:
    """The settings of params.yaml, as the command uses them."""
    return NormalizeConfig.from_params()


@pytest.fixture(scope="session")
def normalize_bytes(config: NormalizeConfig) -> Callable[..., Article | QuarantineEntry]:
    """Normalize raw bytes as if read from ``path`` (its suffix picks the reader)."""

    def run(data: bytes, path: str = "x.txt", line: int | None = None):
        return normalize_item(RawInput(path, data=data, line=line), config)

    return run
