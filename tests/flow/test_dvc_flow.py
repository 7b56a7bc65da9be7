"""The whole flow under real DVC, on the sample articles, in a temporary copy of the repo.

`dvc repro` builds normalize -> preannotate -> release candidate; a second run does nothing;
changing a pre-annotation parameter reruns pre-annotation and what follows, not normalize;
and the candidate release loads with `datasets.load_dataset`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.integration  # runs the DVC flow: left out by `make test-fast`

BIN = Path(sys.executable).parent


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def dvc(cwd: Path, *args: str) -> str:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(
        [str(BIN / "dvc"), *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"dvc {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def ran(output: str) -> list[str]:
    """The stages `dvc repro` ran, in order."""
    return re.findall(r"Running stage '([^']+)'", output)


@pytest.fixture(scope="module")
def repo_copy(tmp_path_factory: pytest.TempPathFactory, repo_root: Path) -> Path:
    """The repository's files as they are in the working tree, as a fresh git repo."""
    dest = tmp_path_factory.mktemp("flow") / "repo"
    listed = git(repo_root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for name in filter(None, listed.split("\0")):
        src = repo_root / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    shutil.rmtree(dest / "data", ignore_errors=True)
    (dest / "dvc.lock").unlink(missing_ok=True)
    git(dest, "init", "-q")
    git(dest, "add", "-A")
    git(dest, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "copy")
    return dest


def test_repro_builds_every_stage_then_does_nothing(repo_copy: Path) -> None:
    first = dvc(repo_copy, "repro")
    assert ran(first) == ["normalize", "preannotate", "release"]
    second = dvc(repo_copy, "repro")
    assert ran(second) == []
    assert "Data and pipelines are up to date" in second


def test_candidate_release_loads_with_datasets(repo_copy: Path) -> None:
    from datasets import load_dataset

    version = yaml.safe_load((repo_copy / "params.yaml").read_text())["flow"]["next_version"]
    release = repo_copy / "data" / "release-candidate" / f"v{version}"
    dataset = load_dataset(str(release))
    rows = [row for split in dataset.values() for row in split]
    assert len(rows) == 2  # the two sample articles
    names = dataset[next(iter(dataset))].features["entities"].feature["label"]
    for row in rows:
        for ent in row["entities"]:
            assert row["text"][ent["start"] : ent["end"]] == ent["text"]
    labels = {names.int2str(e["label"]) for row in rows for e in row["entities"]}
    assert {"LOC", "PER"} <= labels
    # the two outlets' versions of one story never straddle two splits
    assert len({row["story_id"] for row in rows}) == 1
    assert sum(1 for split in dataset.values() if len(split)) == 1


def set_preannotate_param(repo: Path, key: str, value: int) -> None:
    """Edit one integer of the preannotate section in place (keeping the file's comments)."""
    params_file = repo / "params.yaml"
    text = params_file.read_text()
    section = text.index("preannotate:")
    match = re.compile(rf"^( +{key}: )(\d+)", re.M).search(text, section)
    assert match, f"preannotate.{key} not found in params.yaml"
    params_file.write_text(text[: match.start(2)] + str(value) + text[match.end(2) :])


def test_param_that_changes_labels_reruns_preannotate_and_release(repo_copy: Path) -> None:
    set_preannotate_param(repo_copy, "min_chars", 100)  # drops every model entity
    output = dvc(repo_copy, "repro")
    assert ran(output) == ["preannotate", "release"]
    assert "Stage 'normalize' didn't change, skipping" in output


def test_param_that_changes_no_label_stops_after_preannotate(repo_copy: Path) -> None:
    # batch size changes speed, not labels: DVC sees identical output and skips the release
    set_preannotate_param(repo_copy, "batch_size", 7)
    output = dvc(repo_copy, "repro")
    assert ran(output) == ["preannotate"]
    assert "Stage 'release' didn't change, skipping" in output


def test_dag_shows_the_flow(repo_copy: Path) -> None:
    edges = set(re.findall(r'"(\w+)" -> "(\w+)"', dvc(repo_copy, "dag", "--dot")))
    assert edges == {("normalize", "preannotate"), ("preannotate", "release")}
