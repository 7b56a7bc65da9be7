"""The human side of a cut: gold per article from the annotation and review snapshots, and
the figures the card reports about it (agreement per label, merge strategy, refused reviews).

Both snapshots are ``Annotation`` Parquet files written by ``pipeline studio pull`` (the
review one from the review project ``pipeline studio review`` built); they hold human
work only, small next to the pre-annotated corpus, so they are read whole.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.io import read_records
from pipeline.release.gold import REVIEWED, Gold, own_reviews, resolve
from pipeline.schema import Annotation
from pipeline.studio.agreement import reliability
from pipeline.studio.merge import Strategy, counts


@dataclass(frozen=True)
class Adjudication:
    """What the card says about how human labels were decided."""

    strategy: str
    refused_reviews: int
    reviewed_articles: int
    agreement: dict[str, Any]
    #: human values the pull could not keep (its warnings), in the annotations that count
    pull_dropped: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "merge_strategy": self.strategy,
            "reviewed_articles": self.reviewed_articles,
            "refused_own_reviews": self.refused_reviews,
            "agreement": self.agreement,
        }


def _by_article(rows: Iterable[Annotation]) -> dict[str, list[Annotation]]:
    out: dict[str, list[Annotation]] = defaultdict(list)
    for row in rows:
        out[row.article_id].append(row)
    return out


def adjudicate(
    annotations: Iterable[Annotation], reviews: Iterable[Annotation], strategy: Strategy
) -> tuple[dict[str, Gold], Adjudication]:
    """Article id -> gold, and the figures about it; pure."""
    by_article, by_review = _by_article(annotations), _by_article(reviews)
    gold: dict[str, Gold] = {}
    refused = 0
    for aid in sorted(set(by_article) | set(by_review)):
        own = by_article.get(aid, [])
        refused += len(own_reviews(own, by_review.get(aid, [])))
        resolved = resolve(own, strategy, by_review.get(aid, []))
        if resolved is not None:
            gold[aid] = resolved
    figures = reliability(sorted(by_article.items())).as_dict()
    figures.pop("documents")  # one row per article: the studio agreement command has them
    return gold, Adjudication(
        strategy=strategy.describe(),
        refused_reviews=refused,
        reviewed_articles=sum(1 for g in gold.values() if g.rule == REVIEWED),
        agreement=figures,
        pull_dropped=sum(len(a.errors) for own in by_article.values() for a in own if counts(a)),
    )


def load_adjudicated(
    annotations: Path | None, reviews: Path | None, strategy: Strategy
) -> tuple[dict[str, Gold], Adjudication]:
    """``adjudicate`` over the snapshot files (None: no such snapshot)."""
    rows = read_records(annotations, Annotation) if annotations else []
    done = read_records(reviews, Annotation) if reviews else []
    return adjudicate(rows, done, strategy)
