"""What ``--engine ray`` adds to the stage commands: the run on Ray, then the same summary.

Thin, like the commands: the engine modules return values; this prints them.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from pipeline.console import err_console, error_line, summary_table
from pipeline.engine.config import EngineConfig
from pipeline.engine.storage import iter_shards, row_groups
from pipeline.errors import PipelineError
from pipeline.io import write_jsonl_records, write_tables
from pipeline.normalize.config import NormalizeConfig
from pipeline.schema import PreannotatedArticle


def preannotate_ray(articles: str, out: str, engine: EngineConfig) -> None:
    """``pipeline preannotate --engine ray``: shards and a manifest in folder ``out``; for a
    local ``.parquet`` path (as dvc.yaml names it), the shards are merged into that one
    file, in input order (the local engine's file, byte for byte)."""
    from pipeline.annotate.core import label_counts
    from pipeline.annotate.registry import load_chain_config
    from pipeline.engine.ray_preannotate import preannotate_on_ray

    row_group_size = load_chain_config().row_group_size
    if "://" in out or not out.endswith(".parquet"):
        run, manifest = preannotate_on_ray(articles, out, engine, row_group_size)
    else:
        target = Path(out)
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(
            prefix=f".{target.name}.shards-", dir=target.parent
        ) as tmp:
            run, manifest = preannotate_on_ray(articles, tmp, engine, row_group_size)
            groups = row_groups(iter_shards(tmp), row_group_size)
            write_tables(target, groups, PreannotatedArticle, row_group_size)
    if len(run.versions) > 1:  # actors built from different code or params
        raise PipelineError(f"{out}: workers disagree on the model version: {run.versions}")
    for problem in run.problems:
        error_line(problem)
    counts = {"articles written": manifest["rows"], **label_counts(run.stats)}
    counts.update({"shards": len(run.shards), "nodes": len(run.nodes)})
    summary_table(f"preannotate (ray) → {out}", counts)
    for model_version, _ in sorted(run.versions):
        err_console.print(f"model_version: {model_version}")


def normalize_ray(
    inputs: list[Path],
    out: Path,
    quarantine: Path | None,
    config: NormalizeConfig,
    engine: EngineConfig,
) -> None:
    """``pipeline normalize --engine ray``: the local engine's output file, made on Ray."""
    from pipeline.engine.ray_normalize import normalize_on_ray
    from pipeline.normalize.command import describe, print_summary

    run = normalize_on_ray(inputs, out, config, engine)
    for entry in run.quarantined:
        error_line(describe(entry))
    if quarantine is not None:
        write_jsonl_records(quarantine, run.quarantined)
    print_summary(out, run.counts, run.groups)
