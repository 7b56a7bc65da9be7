"""Pre-annotated records built directly (no spaCy), and the real CLI in a child process."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.studio.articles import make_article


def run_cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the real console entry point in a child process, as a user would."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("LABEL_STUDIO_")}
    return subprocess.run(
        [sys.executable, "-c", "from pipeline.cli import main; main()", *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="session")
def article():
    """The record factory ``article(n, model_version=...)``."""
    return make_article


@pytest.fixture(scope="session")
def cli():
    """``cli(args, env)``: the real ``pipeline`` entry point in a child process."""
    return run_cli
