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
