"""``pipeline preannotate``: the thin CLI around the pre-annotation core."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from pipeline.console import err_console, error_line, summary_table, track
from pipeline.engine.config import ACTORS_OPTION, ADDRESS_OPTION, ENGINE_OPTION, EngineConfig
from pipeline.io import count_records, read_records, write_records
from pipeline.schema import Article, PreannotatedArticle


def preannotate(
    articles: Annotated[str, typer.Argument(help="Articles Parquet file (from normalize).")],
    out: Annotated[str, typer.Option("--out", "-o", help="Pre-annotated Parquet to write.")],
    n_process: Annotated[
        int | None,
        typer.Option("--n-process", min=1, help="spaCy worker processes (default: params.yaml)."),
    ] = None,
    engine: Annotated[str | None, ENGINE_OPTION] = None,
    address: Annotated[str | None, ADDRESS_OPTION] = None,
    actors: Annotated[int | None, ACTORS_OPTION] = None,
) -> None:
    """Add entities, time expressions and typed events to every article (streaming).

    With --engine ray, ARTICLES may be a pyarrow URI and --out names a folder (or URI) that
    receives Parquet shards and a manifest.json.
    """
    from pipeline.annotate.core import chain_version, label_counts, record_counts
    from pipeline.annotate.registry import load_chain

    engine_config = EngineConfig.from_params().with_options(engine, address, actors)
    if engine_config.engine == "ray":
        from pipeline.engine.ray_commands import preannotate_ray

        preannotate_ray(articles, out, engine_config)
        return
    source, target = Path(articles), Path(out)
    from pipeline.annotate.core import preannotate as run

    total = count_records(source, Article)
    annotators, taxonomy_version, config = load_chain(n_process)
    stats: Counter[str] = Counter()

    def counted(records: Iterator[PreannotatedArticle]) -> Iterator[PreannotatedArticle]:
        for record in records:
            stats.update(record_counts(record))
            yield record

    records = run(read_records(source, Article), annotators, taxonomy_version)
    written = write_records(
        target,
        track(counted(records), "pre-annotating", total=total),
        PreannotatedArticle,
        row_group_size=config.row_group_size,
    )
    for annotator in annotators:
        for problem in getattr(annotator, "problems", []):
            error_line(problem)
    counts = {"articles written": written, **label_counts(stats)}
    summary_table(f"preannotate → {out}", counts)
    err_console.print(f"model_version: {chain_version(annotators)}")
