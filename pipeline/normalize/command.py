"""``pipeline normalize``: raw article files to one Parquet file of ``Article`` records.

Thin: it reads bytes (pipeline.io), runs the pure core, and shows progress and a summary.
Two passes keep memory flat: the first streams normalized articles to a scratch Parquet
file beside the output while the grouper keeps only compact signatures; the second streams
them back batch by batch, fills in duplicates, near-duplicate links and story ids column
by column, and writes the output.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any

import pyarrow as pa
import pyarrow.compute as pc
import typer

from pipeline.console import error_line, summary_table, track
from pipeline.engine.config import ACTORS_OPTION, ADDRESS_OPTION, ENGINE_OPTION, EngineConfig
from pipeline.errors import PipelineError
from pipeline.io import (
    lean_arrow_memory,
    read_batches,
    read_inputs,
    scratch_path,
    write_jsonl_records,
    write_records,
    write_tables,
)
from pipeline.normalize.config import NormalizeConfig
from pipeline.normalize.core import normalize_stream, result_counts
from pipeline.normalize.grouping import Grouper
from pipeline.schema import Article, QuarantineEntry, arrow_schema

#: The columns the second pass fills in, in the order ``Grouper.columns`` returns them.
GROUP_COLUMNS = ("duplicates", "near_duplicate_of", "story_id", "minhash")


def describe(entry: QuarantineEntry) -> str:
    """One line naming the input (and line) and why it was quarantined."""
    where = entry.path if entry.line is None else f"{entry.path}:{entry.line}"
    return f"{where}: {entry.reason}"


def normalize(
    inputs: Annotated[
        list[Path],
        typer.Argument(
            help="Files or folders (walked recursively) of .txt, .jsonl and .html articles.",
            show_default=False,
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", help="Parquet file to write (one Article per row).")
    ],
    quarantine: Annotated[
        Path | None,
        typer.Option(
            "--quarantine", help="JSON-lines file listing the inputs left out, with the reason."
        ),
    ] = None,
    engine: Annotated[str | None, ENGINE_OPTION] = None,
    address: Annotated[str | None, ADDRESS_OPTION] = None,
    actors: Annotated[int | None, ACTORS_OPTION] = None,
) -> None:
    """Normalize raw news articles (any encoding) into clean, stable article records.

    Bad inputs are reported on one line each and listed in --quarantine; the run goes on
    and exits 0. Exit 1 means the run itself failed (e.g. the output cannot be written).
    """
    if out.suffix != ".parquet":
        raise typer.BadParameter("must be a .parquet path", param_hint="--out")
    config = NormalizeConfig.from_params()
    engine_config = EngineConfig.from_params().with_options(engine, address, actors)
    if engine_config.engine == "ray":
        from pipeline.engine.ray_commands import normalize_ray

        normalize_ray(inputs, out, quarantine, config, engine_config)
        return
    lean_arrow_memory()
    counts: Counter[str] = Counter()
    left_out: list[QuarantineEntry] = []
    grouper = Grouper(config)
    raws = read_inputs(inputs, config.suffixes, config.max_article_bytes)

    def first_pass() -> Iterator[Article]:
        for item in normalize_stream(track(raws, "normalize"), config):
            counts.update(result_counts(item))
            if isinstance(item, QuarantineEntry):
                error_line(describe(item))
                left_out.append(item)
            elif grouper.add(item):
                yield item

    def second_pass(scratch: Path) -> Iterator[pa.Table]:
        batches = read_batches(scratch, Article, batch_size=config.row_group_size)
        for batch in track(batches, "group", total=-(-counts["kept"] // config.row_group_size)):
            table = pa.Table.from_batches([batch])
            yield with_groups(table, grouper.columns(table.column("id").to_pylist()), counts)

    with scratch_path(out) as scratch:
        try:
            counts["kept"] = write_records(scratch, first_pass(), Article, config.row_group_size)
        except PipelineError as exc:  # name the output the user asked for, not our scratch
            raise PipelineError(str(exc).replace(str(scratch), str(out), 1)) from exc
        groups = grouper.finish()
        write_tables(out, second_pass(scratch), Article, config.row_group_size)
    if quarantine is not None:
        write_jsonl_records(quarantine, left_out)
    print_summary(out, counts, groups)


def with_groups(table: pa.Table, columns: Sequence[list[Any]], counts: Counter[str]) -> pa.Table:
    """A batch of kept articles with its group columns set (the first ``len(columns)`` of
    ``GROUP_COLUMNS``), counting its dated and language-flagged rows into ``counts``."""
    schema = arrow_schema(Article)
    for name, values in zip(GROUP_COLUMNS[: len(columns)], columns, strict=True):
        field = schema.field(name)
        table = table.set_column(
            schema.get_field_index(name), field, pa.array(values, type=field.type)
        )
    counts["dated"] += table.num_rows - table.column("date").null_count
    counts["language flagged"] += pc.sum(table.column("language_flag")).as_py() or 0
    return table


def print_summary(out: Path, counts: Counter[str], groups: Counter[str]) -> None:
    """The run's summary table (the same for every engine)."""
    summary_table(
        f"normalize → {out}",
        {
            "read": counts["read"],
            "kept": counts["kept"],
            "duplicates": groups["duplicates"],
            "near duplicates": groups["near_duplicates"],
            "stories": groups["stories"],
            "stories of 2+ articles": groups["multi_article_stories"],
            "quarantined": counts["quarantined"],
            "dated": counts["dated"],
            "language flagged": counts["language flagged"],
        },
    )
