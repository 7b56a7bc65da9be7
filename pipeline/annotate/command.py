"""``pipeline preannotate``: the thin CLI around the pre-annotation core."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from pipeline.annotate.base import Annotator
from pipeline.console import err_console, error_line, summary_table, track
from pipeline.io import count_records, read_records, write_records
from pipeline.params import load_params
from pipeline.schema import Article, PreannotatedArticle


def build_annotators(n_process: int | None = None) -> tuple[list[Annotator], str]:
    """The component chain (times first, so events can link dates) and the taxonomy version."""
    from pipeline.annotate.linguistic import LinguisticAnnotator
    from pipeline.annotate.times import TimeAnnotator

    linguistic = LinguisticAnnotator(n_process=n_process)
    return [TimeAnnotator(), linguistic], linguistic.taxonomy.version


def preannotate(
    articles: Annotated[Path, typer.Argument(help="Articles Parquet file (from normalize).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Pre-annotated Parquet to write.")],
    n_process: Annotated[
        int | None,
        typer.Option("--n-process", min=1, help="spaCy worker processes (default: params.yaml)."),
    ] = None,
) -> None:
    """Add entities, time expressions and typed events to every article (streaming)."""
    from pipeline.annotate.core import chain_version
    from pipeline.annotate.core import preannotate as run

    params = load_params("preannotate")
    total = count_records(articles, Article)
    annotators, taxonomy_version = build_annotators(n_process)
    stats: Counter[str] = Counter()
    records = run(read_records(articles, Article), annotators, taxonomy_version, stats)
    written = write_records(
        out,
        track(records, "pre-annotating", total=total),
        PreannotatedArticle,
        row_group_size=int(params["row_group_size"]),
    )
    for annotator in annotators:
        for problem in getattr(annotator, "problems", []):
            error_line(problem)
    counts: dict[str, int] = {"articles written": written}
    for prefix in ("entity", "time", "event"):
        counts.update({k: v for k, v in sorted(stats.items()) if k.startswith(prefix + " ")})
    summary_table(f"preannotate → {out}", counts)
    err_console.print(f"model_version: {chain_version(annotators)}")
