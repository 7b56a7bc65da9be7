"""Shared fixtures for the pre-annotation tests: one spaCy pipeline per session (loading it
costs 5-7 s) and the two seed articles run through the whole chain once."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.schema import PreannotatedArticle, bare_article


def seed_article(path: Path) -> PreannotatedArticle:
    """A seed file as normalize stores it: a scraper header such as `` date 2025-09-19 ``
    glued before the body becomes the article date, the rest is the text."""
    text = path.read_text(encoding="utf-8")
    date = None
    header = re.match(r"\s*date (\d{4}-\d{2}-\d{2})\s+", text)
    if header:
        date, text = header.group(1), text[header.end() :]
    return bare_article(path.stem, text, date=date)


@pytest.fixture(scope="session")
def chain():
    """The chain params.yaml lists, built once: (annotators, taxonomy version)."""
    from pipeline.annotate.registry import load_chain

    annotators, taxonomy_version, _ = load_chain()
    return annotators, taxonomy_version


@pytest.fixture(scope="session")
def linguistic(chain):
    from pipeline.annotate.linguistic import LinguisticAnnotator

    (spacy_part,) = [a for a in chain[0] if isinstance(a, LinguisticAnnotator)]
    return spacy_part


@pytest.fixture(scope="session")
def seed_articles(seeds_dir: Path) -> list[PreannotatedArticle]:
    return [seed_article(p) for p in sorted(seeds_dir.glob("*.txt"))]


@pytest.fixture(scope="session")
def seed_results(chain, seed_articles) -> dict[str, PreannotatedArticle]:
    from pipeline.annotate.core import preannotate

    records = preannotate(seed_articles, chain[0], chain[1])
    return {r.id: r for r in records}


@pytest.fixture(scope="session")
def run_cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the real console entry point (``pipeline.cli.main``) in a subprocess, to see its
    exit code and its one-line errors exactly as a user would."""

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        code = "from pipeline.cli import main; main()"
        return subprocess.run(
            [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False
        )

    return run
