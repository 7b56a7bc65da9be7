"""``pipeline studio ...``: thin commands around the studio cores (no logic of their own)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pipeline.console import err_console, out_console, summary_table

if TYPE_CHECKING:
    from pipeline.studio.settings import StudioSettings

studio_app = typer.Typer(
    help="Label Studio: managed server, labeling config, push of pre-annotations, pull.",
    no_args_is_help=True,
)

DataDirOpt = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Managed server's data folder [default: .studio]"),
]
UrlOpt = Annotated[
    str | None,
    typer.Option(
        "--url",
        envvar="LABEL_STUDIO_URL",
        help="Server URL (token from LABEL_STUDIO_API_KEY) [default: the managed server]",
    ),
]
ProjectOpt = Annotated[str, typer.Option("--project", help="Project title")]


def _settings() -> StudioSettings:
    """The ``studio`` params, read once here at the command boundary and passed down."""
    from pipeline.studio.settings import StudioSettings

    return StudioSettings.from_params()


@studio_app.command()
def up(
    port: Annotated[
        int | None,
        typer.Option("--port", help="Port on 127.0.0.1 [default: LABEL_STUDIO_PORT or 8080]"),
    ] = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Install (if missing) and start a local Label Studio server, wait until it answers."""
    from pipeline.studio import server

    settings = _settings()
    folder = data_dir or settings.data_dir
    before = server.running_server(folder)
    info = server.start_server(folder, port or server.default_port(settings), settings)
    state = "was already up" if before is not None and before.pid == info.pid else "is up"
    err_console.print(
        f"Label Studio {state} at {info.url} (pid {info.pid}, data in {info.data_dir})"
    )
    if server.credentials_from_env() is None:
        creds = info.data_dir / server.CREDENTIALS_FILE
        err_console.print(f"admin login and API token: {creds} (mode 0600, never printed)")


@studio_app.command()
def down(data_dir: DataDirOpt = None) -> None:
    """Stop the managed server with SIGTERM."""
    from pipeline.studio import server

    settings = _settings()
    info = server.stop_server(data_dir or settings.data_dir, settings)
    if info is None:
        err_console.print("no managed Label Studio server is running")
    else:
        err_console.print(f"stopped Label Studio at {info.url} (pid {info.pid})")


@studio_app.command()
def status(url: UrlOpt = None, data_dir: DataDirOpt = None) -> None:
    """Say whether the server answers, its URL, version and projects (exit 1 when down)."""
    from pipeline.studio.client import connect

    settings = _settings()
    studio = connect(url, data_dir, settings)
    out_console.print(f"Label Studio {studio.version()} is up at {studio.url}")
    projects = studio.projects()
    summary_table(
        f"{len(projects)} project(s)",
        {
            f"{p['title']} (id {p['id']})": f"{p['task_number']} tasks, "
            f"{p['total_annotations_number']} annotations"
            for p in projects
        },
    )


@studio_app.command("config")
def config_cmd(
    out: Annotated[
        Path | None, typer.Option("--out", help="[default: annotation_configs/label_studio.xml]")
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 if the checked-in file is stale")
    ] = False,
) -> None:
    """Render the labeling config from the taxonomy (params.yaml: preannotate.taxonomy)."""
    from pipeline.errors import PipelineError
    from pipeline.io import atomic_open
    from pipeline.params import taxonomy_path
    from pipeline.studio.config import DEFAULT_PATH, render_config
    from pipeline.taxonomy import load_taxonomy

    path = out or DEFAULT_PATH
    xml = render_config(load_taxonomy(taxonomy_path()))
    if check:
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != xml:
            raise PipelineError(f"{path}: stale, run `pipeline studio config`")
        err_console.print(f"{path} is up to date")
        return
    with atomic_open(path, "w") as fh:
        fh.write(xml)
    err_console.print(f"wrote {path}")


def parquet_source(
    path: Path,
) -> tuple[Iterator[tuple[str, str | None]], Callable[[set[str]], Iterator[Any]]]:
    """The push's two views of a PreannotatedArticle file: (id, model version) pairs read
    from two columns only, and a loader streaming the full records of chosen ids."""
    from pipeline.console import track
    from pipeline.io import count_records, read_batches, read_records
    from pipeline.schema import PreannotatedArticle

    total = count_records(path, PreannotatedArticle)
    columns = ["id", "model_version"]

    def keys() -> Iterator[tuple[str, str | None]]:
        for batch in read_batches(path, PreannotatedArticle, columns=columns):
            yield from zip(*(batch.column(c).to_pylist() for c in columns), strict=True)

    def load(ids: set[str]) -> Iterator[PreannotatedArticle]:
        for article in track(read_records(path, PreannotatedArticle), "push", total=total):
            if article.id in ids:
                yield article

    return keys(), load


class PushOrder(StrEnum):
    """``studio push --order``: the order tasks are created in."""

    INPUT = "input"
    UNCERTAIN = "uncertain"


def uncertain_source(
    path: Path, window: int
) -> tuple[Iterator[tuple[str, str | None]], Callable[[set[str]], Iterator[Any]]]:
    """``parquet_source`` in ``uncertain_first`` order, in bounded memory.

    Ranking reads four light columns only (id, story, model version, and the entities'
    lowest score, computed in Arrow). The loader then streams the records in that order,
    ``window`` ids at a time: one pass over the file per window keeps the matching rows
    (filtered in Arrow before any record is built) and yields them ranked, so memory holds
    one window of records, never the file."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from pipeline.io import read_batches
    from pipeline.schema import PreannotatedArticle, from_row
    from pipeline.studio.order import Ranked, uncertain_first

    ranked: list[Ranked] = []
    versions: dict[str, str | None] = {}
    columns = ["id", "story_id", "model_version", "entities"]
    for batch in read_batches(path, PreannotatedArticle, columns=columns):
        entities = batch.column("entities")
        flat = pa.table(
            {
                "row": pc.list_parent_indices(entities),
                "score": pc.struct_field(pc.list_flatten(entities), "score"),
            }
        )
        lowest = flat.group_by("row").aggregate([("score", "min")])
        low = dict(zip(*(lowest.column(c).to_pylist() for c in ("row", "score_min")), strict=True))
        rows = zip(*(batch.column(c).to_pylist() for c in columns[:3]), strict=True)
        for i, (aid, story, version) in enumerate(rows):
            versions[aid] = version
            ranked.append(Ranked(aid, story, [low.get(i)]))
    order = uncertain_first(ranked)

    def load(ids: set[str]) -> Iterator[PreannotatedArticle]:
        wanted = [i for i in order if i in ids]
        for start in range(0, len(wanted), window):
            chunk = wanted[start : start + window]
            found: dict[str, PreannotatedArticle] = {}
            for batch in read_batches(path, PreannotatedArticle):
                keep = batch.filter(pc.is_in(batch.column("id"), pa.array(chunk)))
                found.update((r["id"], from_row(PreannotatedArticle, r)) for r in keep.to_pylist())
            yield from (found[i] for i in chunk if i in found)

    return iter([(i, versions[i]) for i in order]), load


@studio_app.command()
def push(
    preannotated: Annotated[Path, typer.Argument(help="PreannotatedArticle Parquet file")],
    project: ProjectOpt,
    url: UrlOpt = None,
    data_dir: DataDirOpt = None,
    batch_size: Annotated[
        int | None, typer.Option("--batch-size", min=1, max=1000, help="[default: params]")
    ] = None,
    full_check: Annotated[
        bool,
        typer.Option("--full-check", help="List every task even when the server looks unchanged"),
    ] = False,
    overlap: Annotated[
        int | None,
        typer.Option(
            "--overlap",
            min=1,
            help="Ask K annotators for the share review.overlap_share of the articles "
            "(chosen by a seeded hash of the id, recorded in each task's meta)",
        ),
    ] = None,
    order: Annotated[
        PushOrder,
        typer.Option(
            "--order",
            help="Task creation order: the file's, or least confident articles first "
            "(one per story first; studio/order.py)",
        ),
    ] = PushOrder.INPUT,
) -> None:
    """Import one task per article with its predictions; safe to run again at any time."""
    from pipeline.params import taxonomy_path
    from pipeline.studio.client import connect
    from pipeline.studio.push import ensure_project, push_articles
    from pipeline.studio.sync import PushState
    from pipeline.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(taxonomy_path())
    settings = _settings()
    keys, load = (
        uncertain_source(preannotated, settings.order_window)
        if order is PushOrder.UNCERTAIN
        else parquet_source(preannotated)
    )
    studio = connect(url, data_dir, settings)
    proj, created = ensure_project(studio, project, taxonomy)
    state = None if full_check else PushState(data_dir or settings.data_dir, studio.url, proj["id"])
    size = batch_size or settings.batch_size
    stats = push_articles(studio, proj["id"], keys, load, size, state)
    title = f"push to {project!r} (id {proj['id']}{', created' if created else ''}) at {studio.url}"
    counts = stats.as_counts()
    if overlap is not None:
        counts.update(_overlap(studio, proj["id"], overlap))
    summary_table(title, counts)


def _overlap(studio: Any, project_id: int, k: int) -> dict[str, int | str]:
    """``push --overlap K``: set the recorded, deterministic overlap of every task."""
    from pipeline.studio.overlap import assign_overlap
    from pipeline.studio.review_config import ReviewConfig

    config = ReviewConfig.from_params()
    stats = assign_overlap(studio, project_id, k, config.overlap_share, config.overlap_seed)
    return stats.as_counts(k, config.overlap_share)


@studio_app.command()
def pull(
    project: ProjectOpt,
    out: Annotated[Path, typer.Option("--out", help="Annotation Parquet snapshot to write")],
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="Only transfer tasks changed after this ISO time (server clock), "
            "updating the existing --out [default: the cursor of the last pull into --out]",
        ),
    ] = None,
    full: Annotated[bool, typer.Option("--full", help="Ignore the stored cursor")] = False,
    url: UrlOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Write one row per annotation (submitted, draft, cancelled), every span checked."""
    from pipeline.errors import PipelineError
    from pipeline.io import file_sha256, read_records, write_records
    from pipeline.schema import Annotation
    from pipeline.studio import pull as core
    from pipeline.studio.client import connect
    from pipeline.studio.sync import PullCursor

    settings = _settings()
    studio = connect(url, data_dir, settings)
    proj = studio.project_by_title(project)
    if proj is None:
        raise PipelineError(f"{studio.url}: no project titled {project!r}")
    cursor = PullCursor(data_dir or settings.data_dir, studio.url, proj["id"], out)
    if since is not None and not out.exists():
        raise PipelineError(f"{out}: --since updates an existing snapshot, and there is none")
    if since is not None:
        since = core.normalize_since(since)
    elif not full and out.exists():
        since = cursor.load(file_sha256(out))
    next_cursor = core.start_cursor(studio)
    stats = core.PullStats()
    if since is None:
        rows = core.full_rows(studio, proj["id"], stats)
    else:
        previous = read_records(out, Annotation)
        rows = core.merged_rows(previous, studio, proj["id"], since, stats)
    stats.rows_written = write_records(out, rows, Annotation)
    cursor.save(next_cursor, file_sha256(out))
    for line in stats.errors[:20]:
        err_console.print(f"{out}: {line}", soft_wrap=True, markup=False)
    summary_table(f"pull of {project!r} (id {proj['id']}) into {out}", stats.as_counts())


@studio_app.command("agreement")
def agreement_cmd(
    project: ProjectOpt,
    url: UrlOpt = None,
    data_dir: DataDirOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
) -> None:
    """Span F1 between annotators per label and for events; what became of pre-annotations."""
    import json

    from pipeline.errors import PipelineError
    from pipeline.studio.agreement import agreement, counters_table, task_predictions
    from pipeline.studio.client import connect
    from pipeline.studio.pull import annotated_tasks, task_rows

    settings = _settings()
    studio = connect(url, data_dir, settings)
    proj = studio.project_by_title(project)
    if proj is None:
        raise PipelineError(f"{studio.url}: no project titled {project!r}")
    users = studio.users()
    report = agreement(
        (task_rows(task, users), task_predictions(task))
        for task in annotated_tasks(studio, proj["id"])
    )
    if as_json:
        out_console.print_json(json.dumps(report.as_dict()))
    else:
        summary_table(f"agreement in {project!r} (id {proj['id']})", counters_table(report))


@studio_app.command("review")
def review_cmd(project: ProjectOpt, url: UrlOpt = None, data_dir: DataDirOpt = None) -> None:
    """Build the review project: one task per article the annotators disagree on or flagged,
    pre-filled with the merged version, each annotator's version beside it; idempotent."""
    from pipeline.studio.client import connect
    from pipeline.studio.review import build_review
    from pipeline.studio.review_config import ReviewConfig

    settings = _settings()
    studio = connect(url, data_dir, settings)
    config = ReviewConfig.from_params()
    review, stats = build_review(studio, project, config, settings.batch_size)
    summary_table(
        f"review of {project!r} in {review['title']!r} (id {review['id']}), "
        f"merge strategy {config.strategy.describe()}",
        stats.as_counts(),
    )
