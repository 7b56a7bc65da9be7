"""The pre-annotation core: articles in, pre-annotated articles out, counts as values.

No file and no printing here (the CLI owns both); the annotators run as a streaming chain,
so memory is bounded by the spaCy batch whatever the corpus size.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Iterator

from pipeline.annotate.base import Annotator, chain
from pipeline.schema import Article, PreannotatedArticle

_ARTICLE_FIELDS = tuple(f.name for f in dataclasses.fields(Article))


def as_preannotated(article: Article) -> PreannotatedArticle:
    """An article with no labels yet (every Article field copied as it is)."""
    return PreannotatedArticle(**{name: getattr(article, name) for name in _ARTICLE_FIELDS})


def chain_version(annotators: Iterable[Annotator]) -> str:
    """The ``model_version`` of the whole chain: each component's ``name@version``."""
    return "+".join(f"{a.name}@{a.version}" for a in annotators)


def preannotate(
    articles: Iterable[Article], annotators: list[Annotator], taxonomy_version: str
) -> Iterator[PreannotatedArticle]:
    """Run the chain; each record carries the chain's and the taxonomy's versions. What a
    record counts for is ``record_counts``."""
    version = chain_version(annotators)
    for record in chain((as_preannotated(a) for a in articles), annotators):
        yield dataclasses.replace(record, model_version=version, taxonomy_version=taxonomy_version)


def label_counts(stats: Counter[str]) -> dict[str, int]:
    """A run's summary rows: entities per label, then times, then events per type (the
    ``record_counts`` keys added up), for the local and the Ray commands alike."""
    return {
        key: value
        for prefix in ("entity", "time", "event")
        for key, value in sorted(stats.items())
        if key.startswith(prefix + " ")
    }


def record_counts(record: PreannotatedArticle) -> Counter[str]:
    """What one pre-annotated article adds to a run's stats: ``articles``, entities per
    label, time expressions per label, events per type. A value, not a counter the core
    mutates, so the local command and each Ray actor gather their own and partial counts
    merge by addition."""
    counts: Counter[str] = Counter({"articles": 1})
    counts.update(f"entity {e.label}" for e in record.entities)
    counts.update(f"time {t.label}" for t in record.times)
    counts.update(f"event {e.type}" for e in record.events)
    return counts
