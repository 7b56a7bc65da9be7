"""Fixtures shared by the whole suite: where the repository and the shared data live."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SEEDS = REPO / "demo" / "articles"
DATA = SHARED / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The externally written development data (``../shared/data``), or skip with a reason."""
    if not DATA.is_dir():
        pytest.skip(f"shared data not found at {DATA}")
    return DATA


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository's root folder."""
    return REPO


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """The two sample articles (one story told by two outlets), copied into the repo."""
    return SEEDS
