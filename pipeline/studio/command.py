"""``pipeline studio ...``: thin commands around the studio cores (no logic of their own)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pipeline.console import err_console, out_console, summary_table

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

    folder = data_dir or server.default_data_dir()
    info = server.start_server(folder, port or server.default_port())
    err_console.print(f"Label Studio is up at {info.url} (pid {info.pid}, data in {info.data_dir})")


@studio_app.command()
def down(data_dir: DataDirOpt = None) -> None:
    """Stop the managed server with SIGTERM."""
    from pipeline.studio import server

    info = server.stop_server(data_dir or server.default_data_dir())
    if info is None:
        err_console.print("no managed Label Studio server is running")
    else:
        err_console.print(f"stopped Label Studio at {info.url} (pid {info.pid})")


@studio_app.command()
def status(url: UrlOpt = None, data_dir: DataDirOpt = None) -> None:
    """Say whether the server answers, its URL, version and projects (exit 1 when down)."""
    from pipeline.studio.client import connect

    studio = connect(url, data_dir)
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
    """Render the labeling config from annotation_configs/taxonomy.yaml."""
    from pipeline.errors import PipelineError
    from pipeline.io import atomic_open
    from pipeline.studio.config import DEFAULT_PATH, render_config
    from pipeline.taxonomy import load_taxonomy

    path = out or DEFAULT_PATH
    xml = render_config(load_taxonomy())
    if check:
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != xml:
            raise PipelineError(f"{path}: stale, run `pipeline studio config`")
        err_console.print(f"{path} is up to date")
        return
    with atomic_open(path, "w") as fh:
        fh.write(xml)
    err_console.print(f"wrote {path}")


@studio_app.command()
def push(
    preannotated: Annotated[Path, typer.Argument(help="PreannotatedArticle Parquet file")],
    project: ProjectOpt,
    url: UrlOpt = None,
    data_dir: DataDirOpt = None,
    batch_size: Annotated[
        int | None, typer.Option("--batch-size", min=1, max=1000, help="[default: params]")
    ] = None,
) -> None:
    """Import one task per article with its predictions; safe to run again at any time."""
    from pipeline.console import track
    from pipeline.io import count_records, read_records
    from pipeline.schema import PreannotatedArticle
    from pipeline.studio.client import connect
    from pipeline.studio.push import ensure_project, push_articles
    from pipeline.studio.server import settings
    from pipeline.taxonomy import load_taxonomy

    total = count_records(preannotated, PreannotatedArticle)
    studio = connect(url, data_dir)
    proj, created = ensure_project(studio, project, load_taxonomy())
    articles = track(read_records(preannotated, PreannotatedArticle), "push", total=total)
    stats = push_articles(studio, proj["id"], articles, batch_size or settings()["batch_size"])
    title = f"push to {project!r} (id {proj['id']}{', created' if created else ''}) at {studio.url}"
    summary_table(title, stats.as_counts())
