"""Pull of human annotations: page through annotated tasks, one ``Annotation`` row each.

The synchronous export times out on large projects, so the pull pages through the task
list (annotations expanded, drafts and predictions included). Rows are sorted by task,
status and id, so pulling an unchanged project writes byte-identical Parquet.

Incremental pulls ask only for tasks whose ``updated_at`` (bumped by every annotation,
draft or cancellation) is later than a cursor, and replace every row of those tasks in the
previous snapshot. The cursor is the server's own clock at the start of the previous pull,
minus a second of overlap: rows changed while a pull runs are fetched again next time,
never skipped.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pipeline.errors import PipelineError
from pipeline.schema import Annotation
from pipeline.studio.client import Studio
from pipeline.studio.convert import parse_result

STATUS_ORDER = {"submitted": 0, "draft": 1, "cancelled": 2}

_ANNOTATED = [
    {
        "filter": "filter:tasks:total_annotations",
        "operator": "greater",
        "type": "Number",
        "value": 0,
    },
    {
        "filter": "filter:tasks:cancelled_annotations",
        "operator": "greater",
        "type": "Number",
        "value": 0,
    },
    {"filter": "filter:tasks:draft_exists", "operator": "equal", "type": "Boolean", "value": True},
]
_INCLUDE = "id,data,meta,annotations,drafts,predictions,updated_at"


def row_key(row: Annotation) -> tuple[int, int, int]:
    return (row.task_id, STATUS_ORDER.get(row.status, 9), row.annotation_id)


@dataclass
class PullStats:
    """What a pull transferred and found."""

    mode: str = "full"
    tasks: int = 0
    submitted: int = 0
    draft: int = 0
    cancelled: int = 0
    #: human values the pull could not keep (bad span, wrong region type, not one role...)
    errors_total: int = 0
    rows_written: int = 0
    errors: list[str] = field(default_factory=list)

    def count(self, row: Annotation) -> None:
        setattr(self, row.status, getattr(self, row.status) + 1)
        self.errors_total += len(row.errors)
        for err in row.errors:
            self.errors.append(
                f"task {row.task_id} ({row.article_id}) {row.status} {row.annotation_id}: {err}"
            )

    def as_counts(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "tasks transferred": self.tasks,
            "submitted annotations": self.submitted,
            "drafts": self.draft,
            "cancelled annotations": self.cancelled,
            "values not kept (warnings)": self.errors_total,
            "rows written": self.rows_written,
        }


_USERNAME_ID = re.compile(r",\s*(\d+)\s*$")


def task_rows(task: dict[str, Any], users: dict[int, str]) -> list[Annotation]:
    """Every annotation and draft of one task (as returned by the expanded task list)."""
    data = task.get("data") or {}
    text = data.get("text") or ""
    article_id = data.get("article_id") or (task.get("meta") or {}).get("article_id") or ""
    versions = {p["id"]: p.get("model_version") for p in task.get("predictions") or []}
    emails = {email: uid for uid, email in users.items()}
    rows: list[Annotation] = []
    for ann in task.get("annotations") or []:
        if not isinstance(ann, dict) or "result" not in ann:
            continue
        annotator = ann.get("completed_by")
        if isinstance(annotator, dict):
            annotator = annotator.get("id")
        parsed = parse_result(ann.get("result") or [], text, f"annotator:{annotator}")
        errors = parsed.errors if article_id else ["task has no article_id", *parsed.errors]
        rows.append(
            Annotation(
                annotation_id=int(ann["id"]),
                task_id=int(task["id"]),
                article_id=article_id,
                status="cancelled" if ann.get("was_cancelled") else "submitted",
                annotator_id=annotator,
                annotator_email=users.get(annotator) if annotator is not None else None,
                created_at=ann.get("created_at"),
                updated_at=ann.get("updated_at"),
                lead_time=ann.get("lead_time"),
                was_cancelled=bool(ann.get("was_cancelled")),
                ground_truth=bool(ann.get("ground_truth")),
                model_version=versions.get(ann.get("parent_prediction")),
                unusable=parsed.unusable,
                entities=parsed.entities,
                times=parsed.times,
                events=parsed.events,
                errors=errors,
            )
        )
    for draft in task.get("drafts") or []:
        email = draft.get("user")
        match = _USERNAME_ID.search(draft.get("created_username") or "")
        annotator = int(match.group(1)) if match else emails.get(email)
        parsed = parse_result(draft.get("result") or [], text, f"annotator:{annotator}")
        rows.append(
            Annotation(
                annotation_id=int(draft["id"]),
                task_id=int(task["id"]),
                article_id=article_id,
                status="draft",
                annotator_id=annotator,
                annotator_email=email,
                created_at=draft.get("created_at"),
                updated_at=draft.get("updated_at"),
                lead_time=draft.get("lead_time"),
                was_cancelled=False,
                ground_truth=False,
                model_version=None,
                unusable=parsed.unusable,
                entities=parsed.entities,
                times=parsed.times,
                events=parsed.events,
                errors=parsed.errors,
            )
        )
    rows.sort(key=row_key)
    return rows


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def normalize_since(value: str) -> str:
    """An ISO time (``Z``, offset or naive meaning UTC) in the form the server filters on."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise PipelineError(f"--since {value!r}: not an ISO 8601 time") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return _iso(moment.astimezone(UTC))


def start_cursor(studio: Studio) -> str:
    """The cursor a pull starting now will leave behind (server clock minus one second)."""
    return _iso(studio.server_time() - timedelta(seconds=1))


def annotated_tasks(
    studio: Studio, project_id: int, since: str | None = None
) -> Iterator[dict[str, Any]]:
    """The raw tasks (annotations, drafts, predictions): all annotated ones, or those
    changed ``since`` (annotated or not any more)."""
    if since is None:
        pages = studio.task_pages(
            project_id, _INCLUDE, _ANNOTATED, fields_all=True, conjunction="or"
        )
    else:
        changed = {
            "filter": "filter:tasks:updated_at",
            "operator": "greater",
            "type": "Datetime",
            "value": since,
        }
        pages = studio.task_pages(project_id, _INCLUDE, [changed], fields_all=True)
    for page in pages:
        yield from page


def fetch(
    studio: Studio, project_id: int, stats: PullStats, since: str | None = None
) -> Iterator[tuple[int, list[Annotation]]]:
    """Yield ``(task id, rows)`` per task: all annotated tasks, or those changed ``since``."""
    users = studio.users()
    for task in annotated_tasks(studio, project_id, since):
        stats.tasks += 1
        rows = task_rows(task, users)
        for row in rows:
            stats.count(row)
        yield int(task["id"]), rows


def full_rows(studio: Studio, project_id: int, stats: PullStats) -> Iterator[Annotation]:
    """All rows of the project, streamed in task order."""
    for _, rows in fetch(studio, project_id, stats):
        yield from rows


def merged_rows(
    previous: Iterable[Annotation],
    studio: Studio,
    project_id: int,
    since: str,
    stats: PullStats,
) -> Iterator[Annotation]:
    """The previous snapshot with every row of the tasks changed ``since`` replaced."""
    stats.mode = f"changes since {since}"
    changed: dict[int, list[Annotation]] = dict(fetch(studio, project_id, stats, since))
    fresh = sorted((row for rows in changed.values() for row in rows), key=row_key)
    kept = (row for row in previous if row.task_id not in changed)
    yield from heapq.merge(kept, fresh, key=row_key)
