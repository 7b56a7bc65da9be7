"""Terminal output shared by every command: progress on stderr, summary tables.

Stage cores never print; they return records and counters, and the CLI shows them here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

T = TypeVar("T")

#: Progress, summaries and errors go to stderr so stdout stays clean for data (``--json``).
err_console = Console(stderr=True)
out_console = Console()


def track(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    """Iterate with a progress bar on stderr (silent when stderr is not a terminal)."""
    columns = [
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    ]
    with Progress(
        *columns, console=err_console, transient=True, disable=not err_console.is_terminal
    ) as progress:
        task = progress.add_task(description, total=total)
        for item in items:
            yield item
            progress.advance(task)


def summary_table(title: str, counts: Mapping[str, Any]) -> None:
    """Print a two-column summary (what, how many) on stderr."""
    table = Table(title=title, show_header=True, header_style="bold")
    table.add_column("what")
    table.add_column("count", justify="right")
    for key, value in counts.items():
        table.add_row(str(key), str(value))
    err_console.print(table)


def error_line(message: str) -> None:
    """One line naming what failed and why; never a traceback."""
    err_console.print(Text.assemble(("error: ", "bold red"), message), soft_wrap=True)
