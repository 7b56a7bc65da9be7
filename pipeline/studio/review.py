"""``pipeline studio review``: a review project where a reviewer settles what annotators
disagreed on (Label Studio Community has no review stage; INCEpTION's curation and
Prodigy's ``review`` are the models).

For each article of the annotation project whose voters (each annotator's latest
submitted annotation) disagree beyond ``review.min_document_agreement``, or that a voter
flagged unusable, the review project gets one task:

- ``data``: the article, as in the annotation project;
- a prediction ``merged:<strategy>`` with the merge of the voters' versions, which the
  project pre-fills the editor with (its ``model_version``), so the reviewer starts from
  what the annotators agreed on;
- one prediction per voter, ``annotator:<id> (<email>)``, with their whole version:
  entities, times with their value, events with mode, flags and arguments, and the
  unusable flag;
- ``meta``: the article id, where it came from, the voters' user ids (a review by one of
  them is refused by the release, and counted here: nobody settles their own work; Label
  Studio Community cannot hide a task from some users), the reason and the strategy.

Building it again adds tasks only for articles not in review yet: the review project is
listed first, like the push does.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.errors import PipelineError
from pipeline.schema import Annotation, bare_article
from pipeline.studio import config as cfg
from pipeline.studio.agreement import document_agreement
from pipeline.studio.client import Studio
from pipeline.studio.convert import prediction
from pipeline.studio.merge import Strategy, annotator_tag, merge, voters
from pipeline.studio.pull import annotated_tasks, task_rows
from pipeline.studio.push import existing_tasks
from pipeline.studio.review_config import ReviewConfig

MERGED_PREFIX = "merged:"


@dataclass
class ReviewStats:
    """What building the review project found and did."""

    articles: int = 0
    multi_annotated: int = 0
    agreeing: int = 0
    disagreeing: int = 0
    flagged: int = 0
    created: int = 0
    already_in_review: int = 0
    reviewed: int = 0
    own_work: int = 0

    def as_counts(self) -> dict[str, int]:
        return {
            "annotated articles": self.articles,
            "articles with 2+ annotators": self.multi_annotated,
            "agreeing enough (no review)": self.agreeing,
            "disagreeing beyond the threshold": self.disagreeing,
            "flagged unusable by an annotator": self.flagged,
            "review tasks created": self.created,
            "already in review (left alone)": self.already_in_review,
            "reviews submitted": self.reviewed,
            "reviews by an annotator of the article (refused at the cut)": self.own_work,
        }


def review_reason(pool: Sequence[Annotation], min_agreement: float) -> str | None:
    """Why an article needs a reviewer (None: it does not)."""
    if any(v.unusable for v in pool):
        return "flagged unusable"
    if len(pool) < 2:
        return None
    score = document_agreement(pool)
    if score < min_agreement:
        return f"agreement {score:.3f} < {min_agreement}"
    return None


def _version(
    article_id: str, text: str, labels: Annotation | Any, model_version: str, unusable: bool
) -> dict[str, Any]:
    """One version (a voter's or the merged one) as a Label Studio prediction."""
    record = bare_article(
        article_id,
        text,
        entities=list(labels.entities),
        times=list(labels.times),
        events=list(labels.events),
        model_version=model_version,
    )
    pred = prediction(record)
    pred.pop("score", None)
    if unusable:
        pred["result"].append(
            {
                "from_name": cfg.QUALITY,
                "to_name": cfg.TEXT,
                "type": "choices",
                "value": {"choices": [cfg.UNUSABLE]},
            }
        )
    return pred


def author(voter: Annotation) -> str:
    """The model version naming a voter's prediction: user id and e-mail."""
    who = annotator_tag(voter)  # the tag the release's gold sources carry
    return f"{who} ({voter.annotator_email})" if voter.annotator_email else who


def review_tasks(
    tasks: Iterable[tuple[dict[str, Any], list[Annotation]]],
    skip: set[str],
    strategy: Strategy,
    min_agreement: float,
    source_project: int,
    stats: ReviewStats,
) -> Iterator[dict[str, Any]]:
    """Importable review tasks for the annotated ``tasks`` (raw task, its rows) that need
    one and are not in ``skip``; pure."""
    for task, rows in tasks:
        pool = voters(rows)
        if not pool:
            continue
        stats.articles += 1
        stats.multi_annotated += len(pool) > 1
        reason = review_reason(pool, min_agreement)
        if reason is None:
            stats.agreeing += len(pool) > 1
            continue
        if reason == "flagged unusable":
            stats.flagged += 1
        else:
            stats.disagreeing += 1
        article_id = pool[0].article_id
        if article_id in skip:
            stats.already_in_review += 1
            continue
        data = task["data"]
        merged = merge(pool, strategy)
        assert merged is not None  # the pool is not empty
        predictions = [
            _version(
                article_id, data["text"], merged, MERGED_PREFIX + strategy.name, merged.unusable
            )
        ]
        predictions += [_version(article_id, data["text"], v, author(v), v.unusable) for v in pool]
        stats.created += 1
        yield {
            "data": data,
            "meta": {
                "article_id": article_id,
                "review_of": {"project": source_project, "task": int(task["id"])},
                "annotators": sorted(v.annotator_id for v in pool if v.annotator_id is not None),
                "reason": reason,
                "strategy": strategy.describe(),
            },
            "predictions": predictions,
        }


def ensure_review_project(studio: Studio, source: dict[str, Any], title: str) -> dict[str, Any]:
    """The review project, with the source's labeling config."""
    project = studio.project_by_title(title)
    if project is None:
        return studio.create_project(
            title,
            source["label_config"],
            "Review: settle what the annotators disagreed on. The editor starts from the "
            "merged version; each annotator's version is a prediction named after them.",
        )
    if project.get("label_config") != source.get("label_config"):
        raise PipelineError(
            f"{studio.url}: review project {title!r} (id {project['id']}) has another "
            f"labeling config than {source['title']!r}"
        )
    return project


def prefill(studio: Studio, project: dict[str, Any], strategy: Strategy) -> dict[str, Any]:
    """Make the editor start from the merged version (the server accepts a model version
    only once predictions of it exist, so this follows the first import)."""
    version = MERGED_PREFIX + strategy.name
    if project.get("model_version") == version and project.get("show_collab_predictions"):
        return project
    with studio.errors(f"set the pre-fill of {project['title']!r}"):
        studio.sdk.projects.update(
            id=project["id"], model_version=version, show_collab_predictions=True
        )
    return studio.project(project["id"])


def count_reviews(
    tasks: Iterable[tuple[dict[str, Any], list[Annotation]]], stats: ReviewStats
) -> None:
    """Count the submitted reviews, and those whose author is one of the article's
    annotators (recorded in the task's meta): the release refuses them."""
    for task, rows in tasks:
        annotators = set((task.get("meta") or {}).get("annotators") or [])
        for review in voters(rows):
            stats.reviewed += 1
            stats.own_work += review.annotator_id in annotators


def build_review(
    studio: Studio, project_title: str, config: ReviewConfig, batch_size: int
) -> tuple[dict[str, Any], ReviewStats]:
    """Create or complete the review project of ``project_title``; its stats."""
    source = studio.project_by_title(project_title)
    if source is None:
        raise PipelineError(f"{studio.url}: no project titled {project_title!r}")
    title = f"{project_title}{config.project_suffix}"
    review = ensure_review_project(studio, source, title)
    known, _, _ = existing_tasks(studio, review["id"])
    users = studio.users()
    stats = ReviewStats()
    count_reviews(
        ((task, task_rows(task, users)) for task in annotated_tasks(studio, review["id"])), stats
    )
    todo = review_tasks(
        ((task, task_rows(task, users)) for task in annotated_tasks(studio, source["id"])),
        set(known),
        config.strategy,
        config.min_document_agreement,
        int(source["id"]),
        stats,
    )
    batch: list[dict[str, Any]] = []
    for task in todo:
        batch.append(task)
        if len(batch) >= batch_size:
            studio.import_tasks(review["id"], batch)
            batch.clear()
    if batch:
        studio.import_tasks(review["id"], batch)
    if known or stats.created:
        review = prefill(studio, review, config.strategy)
    return review, stats
