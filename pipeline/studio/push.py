"""Idempotent push of pre-annotated articles: one task per article, one prediction per
model version, annotated tasks never touched.

Label Studio itself re-imports duplicates happily, so idempotence is the client's job: the
push first lists the project's tasks (id, article id in ``meta``, model versions of their
predictions, annotation counts; no texts), then streams the articles and sends only what is
missing, in batches. Each batch is one synchronous server transaction, so a push cut short by
a dead server leaves whole batches behind; running it again lists them and completes the rest,
which is what makes "exactly one task per article" hold across crashes.

Listing every task of a 10,000-task project takes about a fifth of the time importing them
took (bench_studio), so a push that has nothing to send first compares a cheap server
fingerprint with the one saved after the last complete push (``sync.PushState``) and, when
they match, lists nothing at all.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.errors import PipelineError
from pipeline.schema import PreannotatedArticle
from pipeline.studio import config as cfg
from pipeline.studio.client import Studio
from pipeline.studio.convert import prediction, to_task
from pipeline.studio.sync import ExistingTask, PushState
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
class PushStats:
    """Counts the CLI prints as the push summary."""

    tasks_imported: int = 0
    predictions_added: int = 0
    up_to_date: int = 0
    annotated_left_alone: int = 0
    duplicate_in_input: int = 0
    tasks_before: int = 0
    duplicates_on_server: int = 0
    fast_path: bool = False

    def as_counts(self) -> dict[str, int | str]:
        before = "unchanged (fingerprint)" if self.fast_path else self.tasks_before
        return {
            "tasks already in the project": before,
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
    """Tasks of the project by article id; also the task count and article ids seen twice.

    Pages are large (params ``list_page_size``): each page costs the server a pass over the
    whole project whatever its size, and these rows are small (no text, no results).
    """
    tasks: dict[str, ExistingTask] = {}
    total = 0
    duplicates = 0
    include = "id,meta,total_annotations,cancelled_annotations,predictions_model_versions"
    page_size = studio.settings.list_page_size
    for page in studio.task_pages(project_id, include, [_MODEL_VERSIONS_FILTER], page_size):
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


def fingerprint(studio: Studio, project_id: int) -> dict[str, Any]:
    """Three cheap calls that change whenever tasks or predictions are added or deleted.

    Task and prediction ids only grow, so a deletion followed by an addition still moves
    the last task id or a model version's latest prediction time; a deletion alone moves a
    count. Annotations are left out on purpose: the fast path only ever concludes "nothing
    to send", and an annotation cannot turn that into "something to send".
    """
    last = studio.get(
        "api/tasks",
        "list tasks",
        project=project_id,
        include="id",
        page_size=1,
        query=json.dumps({"ordering": ["-tasks:id"]}),
    )
    versions = studio.get(
        f"api/projects/{project_id}/model-versions/", "read model versions", extended="true"
    )
    return {
        "tasks": last["total"],
        "last_task": last["tasks"][0]["id"] if last["tasks"] else 0,
        "versions": sorted(
            [v["model_version"], v["count"], v["latest"]] for v in versions.get("static") or []
        ),
    }


def _model_version(mv: str | None, article_id: str) -> str:
    mv = mv or "unknown"
    if "," in mv:
        raise PipelineError(f"article {article_id}: model version {mv!r} contains a comma")
    return mv


def _needs_work(task: ExistingTask | None, mv: str) -> bool:
    return task is None or (mv not in task.model_versions and not task.annotated)


def _unique_keys(keys: Iterable[tuple[str, str | None]]) -> tuple[list[tuple[str, str]], int]:
    """The input's distinct (article id, model version) pairs in order, and how many repeated."""
    wanted: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    repeated = 0
    for article_id, raw_mv in keys:
        key = (article_id, _model_version(raw_mv, article_id))
        if key in seen:
            repeated += 1
            continue
        seen.add(key)
        wanted.append(key)
    return wanted, repeated


def _count_settled(task: ExistingTask, mv: str, stats: PushStats) -> None:
    """Count an article that needs nothing: its version is there, or people annotated it."""
    if mv in task.model_versions:
        stats.up_to_date += 1
    else:
        stats.annotated_left_alone += 1


def _fast_path(
    studio: Studio,
    project_id: int,
    wanted: list[tuple[str, str]],
    duplicate_in_input: int,
    state: PushState,
) -> PushStats | None:
    """The stats of a push with nothing to send, read from the saved state without listing
    a task; None when the state is stale or some article needs work."""
    known = state.load(fingerprint(studio, project_id))
    if known is None or any(_needs_work(known.get(a), mv) for a, mv in wanted):
        return None
    stats = PushStats(duplicate_in_input=duplicate_in_input, tasks_before=-1)
    for article_id, mv in wanted:
        _count_settled(known[article_id], mv, stats)
    stats.fast_path = True
    return stats


def _articles_to_send(
    wanted: list[tuple[str, str]], known: dict[str, ExistingTask], stats: PushStats
) -> set[str]:
    """The ids of the articles the project lacks (task or prediction); count the others."""
    todo: set[str] = set()
    for article_id, mv in wanted:
        task = known.get(article_id)
        if task is None or _needs_work(task, mv):
            todo.add(article_id)
        else:
            _count_settled(task, mv, stats)
    return todo


class _Batches:
    """New tasks and new predictions queued for the server, sent ``batch_size`` at a time.

    ``complete`` turns False when the server did not return every new task's id, so the
    saved state (which needs those ids) is dropped rather than saved wrong.
    """

    def __init__(
        self,
        studio: Studio,
        project_id: int,
        known: dict[str, ExistingTask],
        stats: PushStats,
        batch_size: int,
    ) -> None:
        self.studio = studio
        self.project_id = project_id
        self.known = known
        self.stats = stats
        self.batch_size = batch_size
        self.complete = True
        self.queued: dict[str, dict[str, Any]] = {}  # article id -> task about to be imported
        self.new_predictions: list[dict[str, Any]] = []

    def add(self, article: PreannotatedArticle, mv: str, task: ExistingTask | None) -> None:
        """Queue the article as a new task, or its prediction on its (queued) task."""
        if task is None:
            self.queued[article.id] = to_task(article)
            self.known[article.id] = ExistingTask(-1, frozenset({mv}), False)
        elif article.id in self.queued:  # another model version of an article queued just now
            self.queued[article.id]["predictions"].append(prediction(article))
            task.model_versions |= {mv}
        else:
            self.new_predictions.append({"task": task.task_id, **prediction(article)})
            task.model_versions |= {mv}
        if len(self.queued) + len(self.new_predictions) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        """Send what is queued: the tasks first, then the predictions on existing tasks."""
        if self.queued:
            ids = self.studio.import_tasks(self.project_id, list(self.queued.values()))
            self.stats.tasks_imported += len(self.queued)
            if len(ids) == len(self.queued):
                for article_id, task_id in zip(self.queued, ids, strict=True):
                    self.known[article_id].task_id = task_id
            else:
                self.complete = False
            self.queued.clear()
        if self.new_predictions:
            self.studio.import_predictions(self.project_id, self.new_predictions)
            self.stats.predictions_added += len(self.new_predictions)
            self.new_predictions.clear()


def push_articles(
    studio: Studio,
    project_id: int,
    keys: Iterable[tuple[str, str | None]],
    load: Callable[[set[str]], Iterable[PreannotatedArticle]],
    batch_size: int,
    state: PushState | None = None,
) -> PushStats:
    """Send what the project lacks, in batches of at most ``batch_size`` tasks/predictions.

    ``keys`` are the input's (article id, model version) pairs, cheap to read; ``load(ids)``
    streams the full records of only those articles that need sending. With a ``state``
    whose fingerprint still matches the server, a push with nothing new lists no task.
    """
    wanted, duplicate_in_input = _unique_keys(keys)
    if state is not None:
        fast = _fast_path(studio, project_id, wanted, duplicate_in_input, state)
        if fast is not None:
            return fast
    known, total, duplicates = existing_tasks(studio, project_id)
    stats = PushStats(
        tasks_before=total, duplicates_on_server=duplicates, duplicate_in_input=duplicate_in_input
    )
    todo = _articles_to_send(wanted, known, stats)
    batches = _Batches(studio, project_id, known, stats, batch_size)
    sent: set[tuple[str, str]] = set()
    for article in load(todo) if todo else ():
        mv = _model_version(article.model_version, article.id)
        task = known.get(article.id)
        if (article.id, mv) in sent or not _needs_work(task, mv):
            continue
        sent.add((article.id, mv))
        batches.add(article, mv, task)
    batches.flush()
    if state is not None:
        if batches.complete:
            state.save(fingerprint(studio, project_id), known)
        else:
            state.clear()
    return stats


def push_records(
    studio: Studio,
    project_id: int,
    records: Sequence[PreannotatedArticle],
    batch_size: int,
    state: PushState | None = None,
) -> PushStats:
    """``push_articles`` for records already in memory (tests, notebooks)."""
    keys = ((r.id, r.model_version) for r in records)
    return push_articles(
        studio, project_id, keys, lambda ids: (r for r in records if r.id in ids), batch_size, state
    )
