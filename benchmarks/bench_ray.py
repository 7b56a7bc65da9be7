"""Pre-annotation on Ray (2 actors on a two-node loopback cluster) against the local engine
with ``n_process=2`` and ``n_process=1``, in one run, on the pre-annotation bench's corpus.

The Ray figure is the whole job as a user sees it: actors start and load spaCy (as the
``n_process`` workers do), Ray Data reads the articles, the actors write their shards and
the driver the manifest; the cluster itself is started before the clock. Every engine runs
on half the corpus and on the whole, which gives two rates: the whole job's words/s, and the
throughput once started, (words of the whole - words of the half) / (seconds of the whole -
seconds of the half), in which the fixed start-up costs (spaCy loads in the actors or the
workers, actor and worker start, Ray Data planning) cancel out. Printed: both rates, Ray /
n_process=2 on each (the target, >= 0.9 on these 2 cores, is on throughput), the nodes that
ran batches (target: both), and each actor's peak RSS for half the corpus and the whole
(flat = the actor's memory does not grow with the corpus). ``BENCH_ARTICLES`` sets the
corpus size.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import time
from pathlib import Path

from benchmarks.bench_preannotate import WINER, _stream, _subprocess
from pipeline.engine.config import EngineConfig
from pipeline.engine.local_cluster import LocalCluster

ARTICLES = int(os.environ.get("BENCH_ARTICLES", "2000"))


def _articles(folder: Path, n: int) -> tuple[Path, int]:
    """``n`` articles of the bench corpus as a normalize-style Parquet file, and its words."""
    from pipeline.io import write_records
    from pipeline.schema import Article, bare_article

    path = folder / f"articles-{n}.parquet"
    names = [f.name for f in dataclasses.fields(Article)]
    records = [bare_article(aid, text) for aid, text in _stream(n)]
    write_records(path, (Article(**{k: getattr(r, k) for k in names}) for r in records), Article)
    return path, sum(len(r.text.split()) for r in records)


def _ray_run(cluster: LocalCluster, source: Path, out: Path) -> dict[str, object]:
    from pipeline.engine.ray_preannotate import preannotate_on_ray
    from pipeline.params import load_params

    engine = EngineConfig.from_params().with_options("ray", cluster.address, 2)
    os.environ.update(cluster.env())
    start = time.perf_counter()
    run, manifest = preannotate_on_ray(
        str(source), str(out), engine, int(load_params("preannotate")["row_group_size"])
    )
    return {
        "seconds": time.perf_counter() - start,
        "nodes": len(run.nodes),
        "actors": len(run.peak_rss_kb),
        "peak_mb": sorted(round(kb / 1024) for kb in run.peak_rss_kb.values()),
        "rows": manifest["rows"],
    }


def main() -> None:
    n = ARTICLES
    if not WINER.is_dir():
        raise SystemExit(f"{WINER} not found (the bench corpus)")
    print(f"corpus: WiNER-fr dev replicated to {n} articles; machine shared (figures drift)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        half, half_words = _articles(folder, n // 2)
        whole, words = _articles(folder, n)
        local = {
            f"local n_process={p}": (_subprocess("ours", n // 2, p), _subprocess("ours", n, p))
            for p in (1, 2)
        }
        cluster = LocalCluster(nodes=2).start()
        try:
            # a first job on a new cluster also starts Ray's worker processes and imports Ray
            # Data there: a warm-up run takes that cost, so half and whole differ only in work
            _ray_run(cluster, half, folder / "ray-warm-up")
            ray_half = _ray_run(cluster, half, folder / "ray-half")
            ray_whole = _ray_run(cluster, whole, folder / "ray-whole")
        finally:
            cluster.stop()
    seconds = {name: (float(h["seconds"]), float(w["seconds"])) for name, (h, w) in local.items()}
    seconds["ray 2 actors, 2 nodes"] = (float(ray_half["seconds"]), float(ray_whole["seconds"]))
    job = {name: words / t_whole for name, (_, t_whole) in seconds.items()}
    steady = {name: (words - half_words) / (w - h) for name, (h, w) in seconds.items()}
    for name in seconds:
        print(f"{name:<28} {job[name]:>7.0f} words/s whole job, {steady[name]:>7.0f} once started")
    ray, two, one = "ray 2 actors, 2 nodes", "local n_process=2", "local n_process=1"
    print(
        f"ratio ray / n_process=2: {steady[ray] / steady[two]:.2f} throughput once started "
        f"(target >= 0.9), {job[ray] / job[two]:.2f} whole job; "
        f"ray / n_process=1: {steady[ray] / steady[one]:.2f} once started"
    )
    print(f"nodes that ran batches: {ray_whole['nodes']} of 2 (target: 2)")
    print(
        f"actor peak RSS, {n // 2} articles: {ray_half['peak_mb']} MB; "
        f"{n} articles: {ray_whole['peak_mb']} MB (flat = no growth with the corpus)"
    )
    if ray_whole["rows"] != n:
        raise SystemExit(f"ray run wrote {ray_whole['rows']} rows of {n}")


if __name__ == "__main__":
    main()
