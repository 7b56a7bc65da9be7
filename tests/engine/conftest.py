"""One real two-node Ray cluster for the engine tests (a head and a node joining it, on
loopback), a corpus of the seeds and WiNER dev articles, and its local pre-annotation."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.engine.local_cluster import QUIET_ENV, LocalCluster

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
#: WiNER dev articles in the corpus (with the two seeds): enough for several batches per
#: actor, few enough to keep the suite short (spaCy runs ~7,000 words/s a core)
WINER_ARTICLES = 150


ENV = {**os.environ, **QUIET_ENV}


def pipeline_command(*args: str) -> list[str]:
    """The console entry point (``pipeline.cli.main``) with these arguments."""
    return [sys.executable, "-c", "from pipeline.cli import main; main()", *args]


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[LocalCluster]:
    cluster = LocalCluster(nodes=2).start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def pipeline_argv() -> Callable[..., list[str]]:
    """How to start the console entry point (for a test that watches it run)."""
    return pipeline_command


@pytest.fixture(scope="session")
def run_pipeline() -> Callable[..., subprocess.CompletedProcess[str]]:
    """The real console entry point in a subprocess (exit code and one-line errors)."""

    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            pipeline_command(*args), capture_output=True, text=True, env=env or ENV
        )

    return run


@pytest.fixture(scope="session")
def corpus_inputs(seeds_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of raw files: the two seeds and the first WiNER dev articles (by name)."""
    winer = sorted((DATA / "winer-fr-dev").glob("*/*/*.txt"))
    assert len(winer) >= WINER_ARTICLES, "WiNER dev data missing (../shared/data/winer-fr-dev)"
    folder = tmp_path_factory.mktemp("corpus") / "raw"
    folder.mkdir()
    for path in [*sorted(seeds_dir.glob("*.txt")), *winer[:WINER_ARTICLES]]:
        shutil.copy(path, folder / f"{path.parent.name}-{path.name}")
    return folder


@pytest.fixture(scope="session")
def corpus(corpus_inputs: Path, run_pipeline) -> Path:
    """The corpus normalized by the local engine (the pre-annotation input)."""
    out = corpus_inputs.parent / "articles.parquet"
    done = run_pipeline("normalize", str(corpus_inputs), "--out", str(out), "--engine", "local")
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="session")
def local_run(corpus: Path, run_pipeline) -> subprocess.CompletedProcess[str]:
    """The corpus pre-annotated by the local engine (its file: ``local-preannotated.parquet``
    beside the corpus)."""
    out = corpus.parent / "local-preannotated.parquet"
    done = run_pipeline("preannotate", str(corpus), "--out", str(out), "--engine", "local")
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="session")
def local_preannotated(corpus: Path, local_run) -> pa.Table:
    """The local engine's output rows, ordered by id."""
    return pq.read_table(corpus.parent / "local-preannotated.parquet").sort_by("id")
