"""The ``pipeline`` command: one thin sub-command per stage, registered here.

Commands parse options, call a stage's pure core and print a summary; they hold no logic
of their own. ``main`` turns every failure into one line on stderr and a non-zero exit:
usage errors exit 2, program errors exit 1, never with a traceback.
"""

from __future__ import annotations

import signal
import sys
from types import FrameType

import click
import typer

from pipeline.console import error_line
from pipeline.errors import PipelineError

app = typer.Typer(
    name="pipeline",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _terminate(signum: int, _frame: FrameType | None) -> None:
    """SIGTERM unwinds like an exception, so atomic writers delete their temporary files."""
    raise SystemExit(128 + signum)


def main() -> None:
    """Console-script entry point with one-line errors and meaningful exit codes."""
    signal.signal(signal.SIGTERM, _terminate)
    try:
        code = app(standalone_mode=False)
    except (click.exceptions.Abort, typer.Abort):
        error_line("aborted")
        sys.exit(130)
    except (click.ClickException, typer.TyperException) as exc:
        # Typer 0.2x raises the exceptions of its own vendored click, not click's.
        exc.show() if hasattr(exc, "show") else error_line(exc.format_message())
        sys.exit(exc.exit_code)
    except PipelineError as exc:
        error_line(str(exc))
        sys.exit(1)
    except KeyboardInterrupt:
        error_line("interrupted")
        sys.exit(130)
    except Exception as exc:  # a program error still gets one line, not a traceback
        error_line(f"{type(exc).__name__}: {exc}".splitlines()[0])
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


@app.callback()
def _root() -> None:
    """Raw French news articles to versioned, human-corrected NLP datasets.

    One command per arrow, each reading the previous one's file:
    raw .txt/.jsonl/.html files -> normalize -> articles.parquet -> preannotate ->
    preannotated.parquet -> studio push -> Label Studio -> studio pull ->
    annotations.parquet -> release cut -> releases/vX.Y.Z/ (Parquet shards, card, manifest).
    """


# Registration, one line per command: a group (its ``*_app`` in the stage's command.py) with
# ``app.add_typer``, a single command with ``app.command()``.
from pipeline.evaluate.command import eval_app  # noqa: E402

app.add_typer(eval_app, name="eval")

from pipeline.studio.command import studio_app  # noqa: E402

app.add_typer(studio_app, name="studio")

from pipeline.release.command import release_app  # noqa: E402

app.add_typer(release_app, name="release")

from pipeline.normalize.command import normalize  # noqa: E402

app.command()(normalize)

from pipeline.annotate.command import preannotate  # noqa: E402

app.command()(preannotate)

from pipeline.train.command import train  # noqa: E402

app.command()(train)
