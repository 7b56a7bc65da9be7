"""The ``pipeline normalize`` command, run as users run it (a subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.io import read_records
from pipeline.schema import Article

PIPELINE = [sys.executable, "-c", "from pipeline.cli import main; main()", "normalize"]


def run(args: list, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [*PIPELINE, *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True
    )


def summary(stderr: str) -> dict[str, str]:
    """The rows of the summary table: what -> count."""
    rows = [[c.strip() for c in line.split("│")] for line in stderr.splitlines() if "│" in line]
    return {r[1]: r[2] for r in rows if len(r) >= 4}


@pytest.fixture(scope="module")
def batch(tmp_path_factory, seeds_dir: Path) -> Path:
    """The seeds, a cp1252 copy of one, a JSON-lines file with a broken line, bad files."""
    root = tmp_path_factory.mktemp("batch") / "in"
    root.mkdir()
    for seed in sorted(seeds_dir.glob("*.txt")):
        (root / seed.name).write_bytes(seed.read_bytes())
    text = (seeds_dir / "000_1d858071adb957df.txt").read_text(encoding="utf-8")
    (root / "copy-cp1252.txt").write_bytes(text.encode("cp1252"))
    (root / "empty.txt").write_bytes(b"")
    (root / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)))
    line = json.dumps({"text": "Un autre article, en français, assez long pour la langue."})
    (root / "feed.jsonl").write_text(f'{line}\n{{"text": "cassé\n', encoding="utf-8")
    (root / "loop").symlink_to(root)
    return root


@pytest.fixture(scope="module")
def first_run(batch: Path, repo_root: Path) -> tuple[subprocess.CompletedProcess, Path]:
    out = batch.parent / "out" / "articles.parquet"
    result = run([batch, "--out", out, "--quarantine", out.with_name("q.jsonl")], repo_root)
    return result, out


def test_run_completes_with_bad_inputs_quarantined(first_run) -> None:
    result, out = first_run
    assert result.returncode == 0, result.stderr
    articles = list(read_records(out, Article))
    assert len(articles) == 3
    by_name = {Path(a.source.path).name: a for a in articles}
    seed = by_name["000_1d858071adb957df.txt"]
    assert [Path(d.path).name for d in seed.duplicates] == ["copy-cp1252.txt"]
    assert by_name["001_f9319d82666dafb3.txt"].date == "2025-09-19"
    assert seed.story_id == by_name["001_f9319d82666dafb3.txt"].story_id
    entries = [json.loads(x) for x in out.with_name("q.jsonl").read_text().splitlines()]
    reasons = {(Path(e["path"]).name, e["line"]): e["reason"] for e in entries}
    assert set(reasons) == {("binary.txt", None), ("empty.txt", None), ("feed.jsonl", 2),
                            ("loop", None)}  # fmt: skip
    assert reasons[("empty.txt", None)] == "empty file"
    assert reasons[("feed.jsonl", 2)].startswith("broken JSON line")
    errors = [x for x in result.stderr.splitlines() if x.startswith("error:")]
    assert len(errors) == 4
    assert any("feed.jsonl:2: broken JSON line" in x for x in errors)
    table = summary(result.stderr)
    assert table["read"] == "8" and table["kept"] == "3" and table["duplicates"] == "1"
    assert table["quarantined"] == "4" and table["stories"] == "2"
    assert table["near duplicates"] == "0"


def test_two_runs_give_byte_identical_parquet(first_run, batch: Path, repo_root: Path) -> None:
    _, out = first_run
    again = out.with_name("again.parquet")
    second = run([batch, "--out", again], repo_root)
    assert second.returncode == 0, second.stderr
    assert again.read_bytes() == out.read_bytes()


def test_usage_errors_exit_2(repo_root: Path, tmp_path: Path) -> None:
    missing_out = run([tmp_path], repo_root)
    assert missing_out.returncode == 2
    assert "--out" in missing_out.stderr
    wrong_suffix = run([tmp_path, "--out", tmp_path / "x.csv"], repo_root)
    assert wrong_suffix.returncode == 2
    assert "Traceback" not in wrong_suffix.stderr


def test_unwritable_output_is_one_line_exit_1(repo_root: Path, seeds_dir: Path, tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where a folder is needed")
    result = run([seeds_dir, "--out", blocker / "articles.parquet"], repo_root)
    assert result.returncode == 1
    lines = [x for x in result.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "articles.parquet" in lines[0] and "Traceback" not in result.stderr
