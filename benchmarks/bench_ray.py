"""Pre-annotation on Ray (2 actors on a two-node loopback cluster) against the local engine
with ``n_process=2`` and ``n_process=1``, in one run, on the pre-annotation bench's corpus.

The Ray figure is the whole job as a user sees it: actors start and load spaCy (as the
``n_process`` workers do), Ray Data reads the articles, the actors write their shards and
the driver the manifest; the cluster itself is started before the clock. Printed: words/s,
Ray / n_process=2 (target >= 0.9 on these 2 cores), the nodes that ran batches (target:
both), and each actor's peak RSS for half the corpus and the whole (flat = the actor's
memory does not grow with the corpus). ``BENCH_ARTICLES`` sets the corpus size.
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
        half, _ = _articles(folder, n // 2)
        whole, words = _articles(folder, n)
        local = {
            "local n_process=1": _subprocess("ours", n, 1),
            "local n_process=2": _subprocess("ours", n, 2),
        }
        cluster = LocalCluster(nodes=2).start()
        try:
            ray_half = _ray_run(cluster, half, folder / "ray-half")
            ray_whole = _ray_run(cluster, whole, folder / "ray-whole")
        finally:
            cluster.stop()
    rates = {name: words / float(r["seconds"]) for name, r in local.items()}
    ray_rate = rates["ray 2 actors, 2 nodes"] = words / float(ray_whole["seconds"])
    for name, rate in rates.items():
        print(f"{name:<28} {rate:>7.0f} words/s")
    print(
        f"ratio ray / n_process=2: {ray_rate / rates['local n_process=2']:.2f} (target >= 0.9);"
        f" ray / n_process=1: {ray_rate / rates['local n_process=1']:.2f}"
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
