"""Faults while writing: SIGKILL mid-run, a full disk, two racing release cuts.

The promise under test: whatever happens to a run, the previous output is intact, no
partial file or folder is left where a reader looks, and running again completes. A killed
process cannot clean up after itself; its hidden temporary files must be gone once the
next run of the same command has finished.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.io import count_records, read_records, write_records
from pipeline.schema import Article, PreannotatedArticle

BIG = 3000  # articles of the big inputs: enough for a run to be killed mid-way


def _article(pre: PreannotatedArticle) -> Article:
    return Article(**{name: getattr(pre, name) for name in Article.__dataclass_fields__})


def kill_when(
    proc: subprocess.Popen[str],
    ready: Callable[[], bool],
    delay: float,
    timeout: float = 120,
    sig: signal.Signals = signal.SIGKILL,
) -> None:
    """Send ``sig`` ``delay`` s after ``ready()`` first holds; fail if the run ended first."""
    deadline = time.monotonic() + timeout
    while not ready():
        assert proc.poll() is None, f"ended before the fault: {proc.communicate()[1][-500:]}"
        assert time.monotonic() < deadline, "never reached the point to kill at"
        time.sleep(0.02)
    time.sleep(delay)
    assert proc.poll() is None, "the run finished before it could be killed"
    proc.send_signal(sig)
    proc.communicate(timeout=30)
    assert proc.returncode == (-sig if sig == signal.SIGKILL else 128 + sig)


def hidden(folder: Path, marker: str) -> Callable[[], bool]:
    """Whether a hidden temporary file or folder with ``marker`` in its name exists."""
    return lambda: any(marker in p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, rel) -> dict[str, Path]:
    """A folder of BIG raw articles, and BIG pre-annotated/plain article records."""
    root = tmp_path_factory.mktemp("corpus")
    raw = root / "raw"
    raw.mkdir()
    pres = [rel.make_article(i) for i in range(BIG)]
    for pre in pres:
        (raw / f"{pre.id}.txt").write_text(f"{pre.title}\n\n{pre.text}", encoding="utf-8")
    pre_path = root / "preannotated.parquet"
    write_records(pre_path, pres, PreannotatedArticle)
    articles = root / "articles.parquet"
    write_records(articles, (_article(p) for p in pres[:400]), Article)
    small = root / "small.parquet"
    write_records(small, pres[:8], PreannotatedArticle)
    return {"root": root, "raw": raw, "pre": pre_path, "articles": articles, "small": small}


def first_release(corpus: dict[str, Path], rel, tmp_path: Path) -> Path:
    """``releases/`` holding v1.0.0 cut from the small input: the output to keep intact."""
    releases = tmp_path / "releases"
    first = rel.run(["release", "cut", "1.0.0", "--preannotated", corpus["small"],
                     "--releases-dir", releases])  # fmt: skip
    assert first.code == 0, first.err
    return releases


# --------------------------------------------------------------------------- SIGKILL
def test_sigkill_during_normalize(corpus, rel, tmp_path: Path) -> None:
    out = tmp_path / "articles.parquet"
    write_records(out, (_article(rel.make_article(i)) for i in range(3)), Article)
    before = out.read_bytes()
    proc = rel.start(["normalize", corpus["raw"], "--out", out])
    kill_when(proc, hidden(tmp_path, ".scratch-"), delay=1.0)
    assert out.read_bytes() == before
    again = rel.run(["normalize", corpus["raw"], "--out", out])
    assert again.code == 0, again.err
    assert count_records(out, Article) == BIG
    assert rel.leftovers(tmp_path) == []


def test_sigterm_during_normalize_cleans_up_at_once(corpus, rel, tmp_path: Path) -> None:
    # unlike SIGKILL, SIGTERM unwinds: the run deletes its own temporary files on the way out
    out = tmp_path / "articles.parquet"
    write_records(out, (_article(rel.make_article(i)) for i in range(3)), Article)
    before = out.read_bytes()
    proc = rel.start(["normalize", corpus["raw"], "--out", out])
    kill_when(proc, hidden(tmp_path, ".scratch-"), delay=0.5, sig=signal.SIGTERM)
    assert out.read_bytes() == before
    assert rel.leftovers(tmp_path) == []


def test_sigkill_during_preannotate(corpus, rel, tmp_path: Path) -> None:
    out = tmp_path / "preannotated.parquet"
    write_records(out, read_records(corpus["small"], PreannotatedArticle), PreannotatedArticle)
    before = out.read_bytes()
    proc = rel.start(["preannotate", corpus["articles"], "--out", out])
    kill_when(proc, hidden(tmp_path, ".tmp-"), delay=1.0, timeout=180)
    assert out.read_bytes() == before
    again = rel.run(["preannotate", corpus["articles"], "--out", out])
    assert again.code == 0, again.err
    assert count_records(out, PreannotatedArticle) == 400
    assert rel.leftovers(tmp_path) == []


def test_sigkill_during_release_cut(corpus, rel, tmp_path: Path) -> None:
    releases = first_release(corpus, rel, tmp_path)
    before = rel.snapshot(releases)
    args = ["release", "cut", "1.1.0", "--preannotated", corpus["pre"], "--releases-dir", releases]
    proc = rel.start(args)
    # at once: the records, the card and the changes are still to come (the cut of this
    # small corpus takes well under a second)
    kill_when(proc, hidden(releases, ".cut-v1.1.0-"), delay=0.0)
    # no v1.1.0, changelog untouched; a SIGKILL leaves the hidden staging folder, which
    # the next cut sweeps (checked below)
    after = {k: v for k, v in rel.snapshot(releases).items() if not k.startswith(".cut-")}
    assert after == before
    assert not (releases / "v1.1.0").exists()
    again = rel.run(args)
    assert again.code == 0, again.err
    assert sorted(p.name for p in releases.iterdir()) == ["CHANGELOG.md", "v1.0.0", "v1.1.0"]
    assert rel.run(["release", "verify", "1.1.0", "--releases-dir", releases]).code == 0


# ------------------------------------------------------------------------- full disk
def test_full_disk_while_writing_parquet(corpus, rel, tmp_path: Path) -> None:
    out = tmp_path / "articles.parquet"
    write_records(out, (_article(rel.make_article(i)) for i in range(3)), Article)
    before = out.read_bytes()
    result = rel.run(
        ["normalize", corpus["raw"], "--out", out], preexec=rel.file_size_limit(256 * 1024)
    )
    line = result.one_line_error()
    assert line.startswith(f"error: {out}: cannot write") and "File too large" in line
    assert out.read_bytes() == before
    assert rel.leftovers(tmp_path) == []


def test_full_disk_while_writing_a_release(corpus, rel, tmp_path: Path) -> None:
    releases = first_release(corpus, rel, tmp_path)
    before = rel.snapshot(releases)
    result = rel.run(
        ["release", "cut", "1.1.0", "--preannotated", corpus["pre"], "--releases-dir", releases],
        preexec=rel.file_size_limit(256 * 1024),
    )
    line = result.one_line_error()
    assert "File too large" in line and str(releases) in line
    assert rel.snapshot(releases) == before
    assert rel.leftovers(releases) == [] and not (releases / "v1.1.0").exists()


# ---------------------------------------------------------------------- racing cuts
def test_two_cli_cuts_of_one_version_race(corpus, rel, tmp_path: Path) -> None:
    """Two ``pipeline release cut 2.0.0`` processes at once (tests/release/test_cut.py races
    two forked cores; this races the real command): one release, one clear error."""
    releases = tmp_path / "releases"
    args = ["release", "cut", "2.0.0", "--preannotated", corpus["small"],
            "--releases-dir", releases]  # fmt: skip
    procs = [rel.start(args) for _ in range(2)]
    results = [(p.wait(timeout=300), p.communicate()[1]) for p in procs]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 1], results
    err = next(err for code, err in results if code == 1)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "v2.0.0 already exists" in lines[0], err
    assert sorted(p.name for p in releases.iterdir()) == ["CHANGELOG.md", "v2.0.0"]
    assert rel.run(["release", "verify", "2.0.0", "--releases-dir", releases]).code == 0


def test_release_cut_into_unwritable_place(corpus, rel, tmp_path: Path) -> None:
    """A releases folder that is a file: one line naming it, nothing written."""
    blocker = tmp_path / "releases"
    blocker.write_text("not a folder", encoding="utf-8")
    line = rel.run(["release", "cut", "1.0.0", "--preannotated", corpus["small"],
                    "--releases-dir", blocker]).one_line_error()  # fmt: skip
    assert str(blocker) in line
    assert blocker.read_text(encoding="utf-8") == "not a folder"


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop DAC override")
def test_unreadable_input_for_preannotate(corpus, rel, tmp_path: Path) -> None:
    """An articles file that cannot be read: one line naming it (root made to obey modes)."""
    if not rel.can_drop_dac_override():
        pytest.skip("no CAP_SETPCAP to drop DAC override")
    locked = tmp_path / "articles.parquet"
    locked.write_bytes(corpus["articles"].read_bytes())
    locked.chmod(0)
    out = tmp_path / "out.parquet"
    result = rel.run(["preannotate", locked, "--out", out], preexec=rel.drop_dac_override)
    # ARTICLES may also be a pyarrow URI (--engine ray), so the reader, not click, refuses it
    line = result.one_line_error()
    assert result.code == 1 and str(locked) in line and "Permission denied" in line
    assert not out.exists()
