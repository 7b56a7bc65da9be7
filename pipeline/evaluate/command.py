"""``pipeline eval ...``: the quality commands, one group like ``studio`` and ``release``."""

from __future__ import annotations

import typer

from pipeline.evaluate.dates import eval_dates
from pipeline.evaluate.entities import eval_entities
from pipeline.evaluate.events import eval_events

eval_app = typer.Typer(
    help="Measure annotation quality against gold data, next to a baseline row.",
    no_args_is_help=True,
)
eval_app.command("dates")(eval_dates)
eval_app.command("entities")(eval_entities)
eval_app.command("events")(eval_events)
