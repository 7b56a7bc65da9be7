"""``pipeline preannotate``: the thin CLI around the pre-annotation core."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from pipeline.annotate.base import Annotator
from pipeline.console import err_console, error_line, summary_table, track
from pipeline.io import count_records, read_records, write_records
from pipeline.schema import Article, PreannotatedArticle


def build_annotators(n_process: int | None = None) -> tuple[list[Annotator], str]:
    """The component chain params.yaml lists (``preannotate.chain``) and the taxonomy
    version; the chain is built from settings read once here, at the command boundary."""
    from pipeline.annotate.registry import load_chain

    annotators, taxonomy_version, _ = load_chain(n_process)
    return annotators, taxonomy_version


def preannotate(
    articles: Annotated[Path, typer.Argument(help="Articles Parquet file (from normalize).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Pre-annotated Parquet to write.")],
    n_process: Annotated[
        int | None,
        typer.Option("--n-process", min=1, help="spaCy worker processes (default: params.yaml)."),
    ] = None,
) -> None:
    """Add entities, time expressions and typed events to every article (streaming)."""
    from pipeline.annotate.registry import load_chain
    from pipeline.annotate.run import chain_version
    from pipeline.annotate.run import preannotate as run

    total = count_records(articles, Article)
    annotators, taxonomy_version, config = load_chain(n_process)
    stats: Counter[str] = Counter()
    records = run(read_records(articles, Article), annotators, taxonomy_version, stats)
    written = write_records(
        out,
        track(records, "pre-annotating", total=total),
        PreannotatedArticle,
        row_group_size=config.row_group_size,
    )
    for annotator in annotators:
        for problem in getattr(annotator, "problems", []):
            error_line(problem)
    counts: dict[str, int] = {"articles written": written}
    for prefix in ("entity", "time", "event"):
        counts.update({k: v for k, v in sorted(stats.items()) if k.startswith(prefix + " ")})
    summary_table(f"preannotate → {out}", counts)
    err_console.print(f"model_version: {chain_version(annotators)}")
