"""Pre-annotation on a real two-node Ray cluster gives the local engine's rows, counts each
article once even when an actor is killed mid-run, and fails in one line without a cluster."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from pipeline.engine.local_cluster import free_port
from pipeline.engine.storage import read_manifest, read_shards


def local_stats(table: pa.Table) -> Counter[str]:
    """The counts the local command prints, taken from its output rows."""
    stats: Counter[str] = Counter(articles=table.num_rows)
    for column, field, prefix in (
        ("entities", "label", "entity"),
        ("times", "label", "time"),
        ("events", "type", "event"),
    ):
        values = pc.list_flatten(table.column(column)).combine_chunks().field(field)
        stats.update(f"{prefix} {v}" for v in values.to_pylist())
    return stats


def assert_same_rows(shards: pa.Table, local: pa.Table) -> None:
    ray_rows = shards.sort_by("id")
    assert ray_rows.schema.equals(local.schema, check_metadata=True)
    assert ray_rows.column("id").to_pylist() == local.column("id").to_pylist()
    assert ray_rows.to_pylist() == local.to_pylist()


def test_ray_run_equals_local_run_and_crosses_nodes(
    ray_cluster, corpus: Path, local_preannotated: pa.Table, run_pipeline, tmp_path: Path
) -> None:
    """Written to a folder: shards and a manifest whose counts are the local ones."""
    out = tmp_path / "ray-out"
    done = run_pipeline(
        "preannotate", str(corpus), "--out", str(out),
        "--engine", "ray", "--address", ray_cluster.address, "--actors", "2",
        env=ray_cluster.env(),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert_same_rows(read_shards(str(out)), local_preannotated)
    manifest = read_manifest(str(out))
    assert manifest["rows"] == local_preannotated.num_rows == 152
    assert Counter(manifest["stats"]) == local_stats(local_preannotated)
    assert len(manifest["shards"]) >= 3  # several batches: several tasks to spread
    assert len(manifest["nodes"]) == 2  # batches ran on both nodes
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["manifest.json", *(s["path"] for s in manifest["shards"])]
    )


def actor_pids(cluster) -> list[int]:
    """The annotating actors' processes of this cluster only: their environment holds the
    cluster's token (other users' Ray workers are never touched)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if b"AnnotateBatches" in cmdline and cluster.token.encode() in environ:
            found.append(int(entry.name))
    return found


def counted(summary: str) -> list[str]:
    """The count rows of a summary table (articles, labels), without the title."""
    return [
        line
        for line in summary.splitlines()
        if line.startswith("│ ") and line.split()[1] in ("articles", "entity", "time", "event")
    ]


def test_actor_killed_mid_run_job_completes_counted_once(
    ray_cluster, corpus: Path, local_run, pipeline_argv, tmp_path: Path
) -> None:
    """Every actor is killed once the first shard exists; Ray restarts them and runs the
    lost batches again. Written to a ``.parquet`` path (as dvc.yaml does), the merged file
    is the local engine's file byte for byte, and every count is the local one."""
    out = tmp_path / "killed.parquet"
    command = pipeline_argv(
        "preannotate", str(corpus), "--out", str(out),
        "--engine", "ray", "--address", ray_cluster.address, "--actors", "2",
    )  # fmt: skip
    job = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ray_cluster.env(), text=True
    )
    killed: list[int] = []
    deadline = time.monotonic() + 240
    while not killed and time.monotonic() < deadline and job.poll() is None:
        # once a first shard is written the actors are loaded and at work: kill them all,
        # so that every batch in flight is lost and must be run again
        if any(tmp_path.glob(".killed.parquet.shards-*/part-*")):
            killed = actor_pids(ray_cluster)
            for pid in killed:
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)
    _, stderr = job.communicate(timeout=600)
    assert killed, "no actor was seen running"
    assert job.returncode == 0, stderr[-3000:]
    assert out.read_bytes() == (corpus.parent / "local-preannotated.parquet").read_bytes()
    assert counted(stderr) == counted(local_run.stderr)
    assert re.search(r"│ articles written +│ +152 │", stderr)
    assert not list(tmp_path.glob(".killed*"))  # the shard folder is gone


def test_unreachable_address_is_one_line_error(run_pipeline, corpus: Path, tmp_path: Path) -> None:
    address = f"127.0.0.2:{free_port()}"  # nothing listens there
    done = run_pipeline(
        "preannotate", str(corpus), "--out", str(tmp_path / "x"), "--engine", "ray",
        "--address", address,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"error: ray cluster at {address}: cannot connect (Connection refused)"
    ]
    assert not (tmp_path / "x").exists()
