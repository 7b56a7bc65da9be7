"""``studio push --overlap K``: K annotators on a stated share of the tasks, so that
agreement can be measured.

Label Studio Community cannot assign a task to a user: the SDK's
``projects.assignments`` calls (``/api/projects/<id>/tasks/assignees``) exist only on the
Enterprise server. What Community does honour is each task's ``overlap``, the number of
distinct annotators its label stream hands the task to before the task counts as done.
The project-level setting (``maximum_annotations`` with ``overlap_cohort_percentage``)
would let the server pick the overlapped tasks at random, and re-pick them on every import;
so the project stays at 1 and the push sets the overlap of each chosen task itself.

The choice is deterministic: an article is overlapped when a seeded xxh64 of its id falls
in the first ``share`` of the hash range, so the same articles are chosen whatever the
order, the batch or the run, and adding articles never moves earlier ones. The choice is
recorded on the server in each task's ``meta.overlap`` (K, share, seed) beside the
``overlap`` field itself; tasks that already show it are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import xxhash

from pipeline.errors import PipelineError
from pipeline.studio.client import Studio

_HASH_RANGE = 2**64


def chosen(article_id: str, share: float, seed: int) -> bool:
    """Whether this article is among the overlapped ``share`` of articles."""
    return xxhash.xxh64_intdigest(article_id.encode("utf-8"), seed) < share * _HASH_RANGE


@dataclass
class OverlapStats:
    """What an overlap assignment did."""

    overlapped: int = 0
    single: int = 0
    updated: int = 0

    def as_counts(self, k: int, share: float) -> dict[str, int | str]:
        total = self.overlapped + self.single
        return {
            f"tasks asked of {k} annotators (target share {share:.0%})": (
                f"{self.overlapped} of {total}"
            ),
            "tasks whose overlap was set now": self.updated,
        }


def assign_overlap(
    studio: Studio, project_id: int, k: int, share: float, seed: int
) -> OverlapStats:
    """Set ``overlap`` (and its record in ``meta``) on every task of the project."""
    if k < 1:
        raise PipelineError(f"--overlap {k}: at least one annotator per task")
    if not 0.0 <= share <= 1.0:
        raise PipelineError(f"review.overlap_share {share}: a share between 0 and 1")
    stats = OverlapStats()
    page_size = studio.settings.list_page_size
    changes: list[tuple[int, int, dict[str, Any]]] = []
    for page in studio.task_pages(project_id, "id,meta,overlap", page_size=page_size):
        for task in page:
            meta = task.get("meta") or {}
            article_id = meta.get("article_id")
            if not article_id:
                continue  # not a task this pipeline imported
            want = k if chosen(article_id, share, seed) else 1
            if want > 1:
                stats.overlapped += 1
            else:
                stats.single += 1
            record = {"k": want, "share": share, "seed": seed}
            if task.get("overlap") != want or meta.get("overlap") != record:
                changes.append((int(task["id"]), want, {**meta, "overlap": record}))
    for task_id, want, meta in changes:
        studio.update_task(task_id, overlap=want, meta=meta)
        stats.updated += 1
    return stats
