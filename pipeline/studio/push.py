"""Idempotent push of pre-annotated articles: one task per article, one prediction per
model version, annotated tasks never touched.

Label Studio itself re-imports duplicates happily, so idempotence is the client's job: the
push first lists the project's tasks (id, article id in ``meta``, model versions of their
predictions, annotation counts; no texts), then streams the articles and sends only what is
missing, in batches. Each batch is one synchronous server transaction, so a push cut short by
a dead server leaves whole batches behind; running it again lists them and completes the rest,
which is what makes "exactly one task per article" hold across crashes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pipeline.errors import PipelineError
from pipeline.schema import PreannotatedArticle
from pipeline.studio import config as cfg
from pipeline.studio.client import Studio
from pipeline.studio.convert import prediction, to_task
from pipeline.taxonomy import Taxonomy

#: A filter that is always true but makes the server compute each task's model versions
#: (the list endpoint leaves that column empty unless a filter or column needs it).
_MODEL_VERSIONS_FILTER = {
    "filter": "filter:tasks:predictions_model_versions",
    "operator": "not_contains",
    "type": "List",
    "value": "\u0001",
}


@dataclass
class ExistingTask:
    """What the push needs to know about a task already in the project."""

    task_id: int
    model_versions: frozenset[str]
    annotated: bool


@dataclass
class PushStats:
    """Counts the CLI prints as the push summary."""

    tasks_imported: int = 0
    predictions_added: int = 0
    up_to_date: int = 0
    annotated_left_alone: int = 0
    duplicate_in_input: int = 0
    tasks_before: int = 0
    project_created: bool = False
    duplicates_on_server: int = 0
    errors: list[str] = field(default_factory=list)

    def as_counts(self) -> dict[str, int]:
        return {
            "tasks already in the project": self.tasks_before,
            "tasks imported": self.tasks_imported,
            "predictions added to existing tasks": self.predictions_added,
            "articles already up to date": self.up_to_date,
            "annotated tasks left alone": self.annotated_left_alone,
            "duplicate article ids in the input (skipped)": self.duplicate_in_input,
            "article ids with several tasks on the server": self.duplicates_on_server,
        }


def ensure_project(studio: Studio, title: str, tax: Taxonomy) -> tuple[dict[str, Any], bool]:
    """The project with this title, created from the taxonomy when missing.

    An existing project whose config lacks what the taxonomy needs is refused: predictions
    would fail validation (or, without it, silently show labels nobody can edit).
    """
    if len(title.strip()) < 3:
        raise PipelineError(f"project title {title!r}: Label Studio needs at least 3 characters")
    project = studio.project_by_title(title)
    if project is None:
        return (
            studio.create_project(title, cfg.render_config(tax), cfg.render_instructions(tax)),
            True,
        )
    problems = cfg.incompatibilities(project.get("label_config") or "", tax)
    if problems:
        raise PipelineError(
            f"{studio.url}: project {title!r} (id {project['id']}) has a labeling config "
            f"incompatible with taxonomy {tax.version}: {'; '.join(problems[:3])}"
        )
    return project, False


def existing_tasks(studio: Studio, project_id: int) -> tuple[dict[str, ExistingTask], int, int]:
    """Tasks of the project by article id; also the task count and article ids seen twice."""
    tasks: dict[str, ExistingTask] = {}
    total = 0
    duplicates = 0
    include = "id,meta,total_annotations,cancelled_annotations,predictions_model_versions"
    for page in studio.task_pages(project_id, include, [_MODEL_VERSIONS_FILTER]):
        for task in page:
            total += 1
            article_id = (task.get("meta") or {}).get("article_id")
            if not article_id:
                continue  # a task this pipeline did not import: never ours to touch
            versions = frozenset(
                v for v in (task.get("predictions_model_versions") or "").split(",") if v
            )
            annotated = bool(task.get("total_annotations") or task.get("cancelled_annotations"))
            if article_id in tasks:
                duplicates += 1
                prev = tasks[article_id]
                versions |= prev.model_versions
                annotated = annotated or prev.annotated
                task_id = prev.task_id
            else:
                task_id = task["id"]
            tasks[article_id] = ExistingTask(task_id, versions, annotated)
    return tasks, total, duplicates


def _model_version(article: PreannotatedArticle) -> str:
    mv = article.model_version or "unknown"
    if "," in mv:
        raise PipelineError(f"article {article.id}: model version {mv!r} contains a comma")
    return mv


def push_articles(
    studio: Studio,
    project_id: int,
    articles: Iterable[PreannotatedArticle],
    batch_size: int,
) -> PushStats:
    """Send what the project lacks, in batches of at most ``batch_size`` tasks/predictions."""
    known, total, duplicates = existing_tasks(studio, project_id)
    stats = PushStats(tasks_before=total, duplicates_on_server=duplicates)
    seen: set[tuple[str, str]] = set()
    queued: dict[str, dict[str, Any]] = {}  # article id -> task about to be imported
    new_predictions: list[dict[str, Any]] = []

    def flush() -> None:
        if queued:
            ids = studio.import_tasks(project_id, list(queued.values()))
            stats.tasks_imported += len(queued)
            if len(ids) == len(queued):
                for article_id, task_id in zip(queued, ids, strict=True):
                    known[article_id].task_id = task_id
            queued.clear()
        if new_predictions:
            studio.import_predictions(project_id, new_predictions)
            stats.predictions_added += len(new_predictions)
            new_predictions.clear()

    for article in articles:
        mv = _model_version(article)
        if (article.id, mv) in seen:
            stats.duplicate_in_input += 1
            continue
        seen.add((article.id, mv))
        task = known.get(article.id)
        if task is None:
            queued[article.id] = to_task(article)
            known[article.id] = ExistingTask(-1, frozenset({mv}), False)
        elif article.id in queued:  # another model version of an article queued just now
            queued[article.id]["predictions"].append(prediction(article))
            task.model_versions |= {mv}
        elif mv in task.model_versions:
            stats.up_to_date += 1
        elif task.annotated:
            stats.annotated_left_alone += 1
        elif task.task_id > 0:
            new_predictions.append({"task": task.task_id, **prediction(article)})
            task.model_versions |= {mv}
        if len(queued) + len(new_predictions) >= batch_size:
            flush()
    flush()
    return stats
