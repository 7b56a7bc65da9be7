"""``pipeline release verify`` on a tampered release, through the real CLI in a child
process: exactly one line, naming the tampered file, exit 1.

tests/release/test_verify.py proves the same four cases in-process; here the point is the
user's view (one line on stderr, nothing else) for each of them.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.io import write_records
from pipeline.schema import PreannotatedArticle


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory, rel) -> Path:
    root = tmp_path_factory.mktemp("tamper")
    pre = root / "pre.parquet"
    write_records(pre, [rel.make_article(i) for i in range(40)], PreannotatedArticle)
    releases = root / "releases"
    cut = rel.run(["release", "cut", "1.0.0", "--preannotated", pre, "--releases-dir", releases])
    assert cut.code == 0, cut.err
    return releases


def _flip(folder: Path) -> str:
    shard = sorted((folder / "data").glob("train-*.parquet"))[0]
    data = bytearray(shard.read_bytes())
    data[len(data) // 2] ^= 0x01
    shard.write_bytes(bytes(data))
    return shard.name


def _remove(folder: Path) -> str:
    shard = sorted((folder / "data").glob("test-*.parquet"))[0]
    shard.unlink()
    return shard.name


def _extra(folder: Path) -> str:
    (folder / "data" / "notes.txt").write_text("added later\n", encoding="utf-8")
    return "notes.txt"


def _card(folder: Path) -> str:
    card = folder / "README.md"
    card.write_text(card.read_text("utf-8").replace("cc-by-4.0", "mit", 1), encoding="utf-8")
    return "README.md"


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [(_flip, "sha256 differs"), (_remove, "missing"), (_extra, "not in manifest.json"),
     (_card, "")],
    ids=["flipped byte", "missing shard", "extra file", "edited card"],
)  # fmt: skip
def test_verify_names_the_tampered_file(
    release: Path, rel, tmp_path: Path, tamper: Callable[[Path], str], reason: str
) -> None:
    releases = tmp_path / "releases"
    shutil.copytree(release, releases)
    name = tamper(releases / "v1.0.0")
    line = rel.run(["release", "verify", "1.0.0", "--releases-dir", releases]).one_line_error()
    assert name in line and reason in line
