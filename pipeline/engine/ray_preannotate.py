"""Pre-annotation on Ray Data: the local core, unchanged, on a pool of actors.

Ray Data reads the articles (a local path or any pyarrow URI) in batches; each actor builds
the annotator chain once, through the same ``registry.load_chain`` the local command uses (the
spaCy load, 5-7 s, is paid once per actor, not per batch), runs ``annotate.core.preannotate``
on a batch, and writes the batch as one Parquet shard. What a batch yields goes back to the
driver as a value (one small row: shard, rows, counts, problems, where it ran), and the
driver alone merges the values and writes the manifest. There is no shared counter: a task
that dies is retried by Ray, its shard name is derived from its rows, and the driver keeps
one value per shard, so nothing is counted twice.
"""

from __future__ import annotations

import itertools
import json
import os
import resource
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from pipeline.engine.config import EngineConfig
from pipeline.engine.session import ray_session
from pipeline.engine.storage import check_source, commit, prepare_folder, shard_name, write_shard
from pipeline.io import with_missing
from pipeline.schema import (
    SCHEMA_VERSION,
    Article,
    PreannotatedArticle,
    arrow_schema,
    from_row,
    to_row,
)


class AnnotateBatches:
    """One Ray actor: the annotator chain, loaded once, and the folder it writes shards to."""

    def __init__(self, out: str, row_group_size: int) -> None:
        from pipeline.annotate.core import chain_version
        from pipeline.annotate.registry import load_chain

        self.annotators, self.taxonomy_version, _ = load_chain(1)
        self.model_version = chain_version(self.annotators)
        self.out = out
        self.row_group_size = row_group_size
        self.reported = 0

    def __call__(self, batch: pa.Table) -> pa.Table:
        """Annotate a batch of articles, write it as a shard, return what it counted."""
        import ray

        from pipeline.annotate.core import preannotate, record_counts

        # an input of an older compatible schema lacks the later optional columns
        articles = [from_row(Article, row) for row in with_missing(batch, Article).to_pylist()]
        records = list(preannotate(articles, self.annotators, self.taxonomy_version))
        stats = sum((record_counts(r) for r in records), Counter[str]())
        table = pa.Table.from_pylist(
            [to_row(r) for r in records], schema=arrow_schema(PreannotatedArticle)
        )
        name = shard_name([r.id for r in records])
        write_shard(self.out, name, table, self.row_group_size)
        problems = [p for a in self.annotators for p in getattr(a, "problems", [])]
        fresh, self.reported = problems[self.reported :], len(problems)
        return pa.table(
            {
                "shard": [name],
                "rows": [table.num_rows],
                "stats": [json.dumps(stats, sort_keys=True)],
                "problems": [json.dumps(fresh)],
                "model_version": [self.model_version],
                "taxonomy_version": [self.taxonomy_version],
                "node": [ray.get_runtime_context().get_node_id()],
                "pid": [os.getpid()],
                "peak_rss_kb": [resource.getrusage(resource.RUSAGE_SELF).ru_maxrss],
            }
        )


@dataclass
class RayRun:
    """What the driver merged from the workers' values."""

    shards: dict[str, int] = field(default_factory=dict)
    stats: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    versions: set[tuple[str, str]] = field(default_factory=set)
    nodes: set[str] = field(default_factory=set)
    #: peak resident memory (KiB) of each actor process, by node and pid
    peak_rss_kb: dict[tuple[str, int], int] = field(default_factory=dict)

    def add(self, row: dict[str, Any]) -> None:
        """Merge one batch's value; a shard seen before (a re-run batch) counts once."""
        self.nodes.add(row["node"])
        key = (row["node"], row["pid"])
        self.peak_rss_kb[key] = max(self.peak_rss_kb.get(key, 0), row["peak_rss_kb"])
        if row["shard"] in self.shards:
            return
        self.shards[row["shard"]] = row["rows"]
        self.stats.update(json.loads(row["stats"]))
        self.problems.extend(json.loads(row["problems"]))
        self.versions.add((row["model_version"], row["taxonomy_version"]))


def _nodes_in_turn() -> Callable[[], dict[str, Any]]:
    """Remote args for each new actor: the cluster's nodes with CPUs, one after the other
    (a soft affinity: a full node passes the actor on). Ray Data's default SPREAD is best
    effort and was seen to put both actors of a pool on one node of two."""
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    listed: list[dict[str, Any]] = ray.nodes()  # type: ignore[no-untyped-call]
    nodes = sorted(n["NodeID"] for n in listed if n["Alive"] and n["Resources"].get("CPU"))
    turn = itertools.count()

    def remote_args() -> dict[str, Any]:
        node = nodes[next(turn) % len(nodes)]
        return {"scheduling_strategy": NodeAffinitySchedulingStrategy(node, soft=True)}

    return remote_args


def preannotate_on_ray(
    source: str, out: str, engine: EngineConfig, row_group_size: int
) -> tuple[RayRun, dict[str, Any]]:
    """Pre-annotate ``source`` into the shard folder ``out`` on the cluster ``engine`` names;
    return the merged run and the manifest written."""
    check_source(source, Article)
    with ray_session(engine):
        import ray.data

        prepare_folder(out)
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        # batches come back in input order: the manifest lists shards in that order, so a
        # merged file has the local engine's row order
        context.execution_options.preserve_order = True
        # wait for the whole pool before the first batch: without it the first actor to
        # finish loading spaCy takes batches while the others still load (seen: a run whose
        # every batch ran on one node of two)
        context.wait_for_min_actors_s = engine.actor_start_timeout_s
        # one block per batch (a streaming split, no shuffle), so that batches spread over
        # the actors even when the input is one row group
        blocks = ray.data.read_parquet(source).repartition(
            target_num_rows_per_block=engine.batch_size
        )
        results = blocks.map_batches(
            AnnotateBatches,
            fn_constructor_args=(out, row_group_size),
            batch_size=engine.batch_size,
            batch_format="pyarrow",
            compute=ray.data.ActorPoolStrategy(size=engine.actors),
            num_cpus=1,
            ray_remote_args_fn=_nodes_in_turn(),
        )
        run = RayRun()
        for row in results.iter_rows():
            run.add(row)
    manifest = {
        "record_type": PreannotatedArticle.__name__,
        "schema_version": SCHEMA_VERSION,
        "versions": sorted(run.versions),
        "rows": sum(run.shards.values()),
        "shards": [{"path": name, "rows": rows} for name, rows in run.shards.items()],
        "stats": dict(sorted(run.stats.items())),
        "nodes": sorted(run.nodes),  # the Ray nodes whose actors ran batches
    }
    commit(out, manifest)
    return run, manifest
