"""Normalize on a real two-node Ray cluster writes the local engine's file, byte for byte,
and the same quarantine: exact duplicates, near duplicates and stories included."""

from __future__ import annotations

import shutil
from pathlib import Path


def test_ray_normalize_equals_local_byte_for_byte(
    ray_cluster, corpus_inputs: Path, seeds_dir: Path, run_pipeline, tmp_path: Path
) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(corpus_inputs, raw)
    seed = sorted(seeds_dir.glob("*.txt"))[0]
    shutil.copy(seed, raw / "zz-exact-copy.txt")  # an exact duplicate, found across batches
    text = seed.read_text(encoding="utf-8")
    (raw / "zz-near.txt").write_text(text[: len(text) * 9 // 10] + " Fin.", encoding="utf-8")
    (raw / "empty.txt").write_bytes(b"")  # quarantined by a worker
    missing = tmp_path / "missing"  # quarantined by the driver (cannot be walked)
    outputs = {}
    for engine in ("local", "ray"):
        out, quarantine = tmp_path / f"{engine}.parquet", tmp_path / f"{engine}.jsonl"
        done = run_pipeline(
            "normalize", str(raw), str(missing), "--out", str(out), "--quarantine",
            str(quarantine), "--engine", engine, "--address", ray_cluster.address,
            "--actors", "2", env=ray_cluster.env(),
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        outputs[engine] = (out.read_bytes(), quarantine.read_text(), done.stderr)
    assert outputs["ray"][0] == outputs["local"][0]
    assert outputs["ray"][1] == outputs["local"][1]
    assert len(outputs["ray"][1].splitlines()) == 2
    assert "│ duplicates             │     1 │" in outputs["ray"][2]
    assert "│ near duplicates        │     1 │" in outputs["ray"][2]
