"""The release core: pre-annotated articles + resolved gold → (split, ReleaseRecord), streamed.

Pure: no file, no printing. It decides each record's final labels (human gold where there is
one, machine labels otherwise), drops labels the release cannot promise (a span that does not
slice the text, a label outside the taxonomy) and counts everything the card reports.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from pipeline.release.gold import Gold
from pipeline.release.split import SplitPlan
from pipeline.schema import Entity, Event, PreannotatedArticle, ReleaseRecord, TimeExpression
from pipeline.taxonomy import Taxonomy

#: how many examples of dropped labels the summary keeps
MAX_EXAMPLES = 5


@dataclass
class CutStats:
    """What a cut kept, dropped and decided; the card and the summary table are built on it."""

    input_records: int = 0
    records: Counter[str] = field(default_factory=Counter)
    verified: Counter[str] = field(default_factory=Counter)
    stories: dict[str, set[str]] = field(default_factory=dict)
    #: (split, kind, label) → count; kind is entity / time / event
    labels: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    verified_labels: int = 0
    total_labels: int = 0
    human_sourced_labels: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    drop_examples: list[str] = field(default_factory=list)
    unusable: int = 0
    gold_used: int = 0
    unverified_left_out: int = 0
    rules: Counter[str] = field(default_factory=Counter)
    agreement_sum: float = 0.0
    agreement_articles: int = 0
    model_versions: Counter[str] = field(default_factory=Counter)
    taxonomy_versions: Counter[str] = field(default_factory=Counter)

    def drop(self, reason: str, article_id: str, what: str) -> None:
        """Count one dropped label and keep the first few examples."""
        self.dropped[reason] += 1
        if len(self.drop_examples) < MAX_EXAMPLES:
            self.drop_examples.append(f"{article_id}: {what} ({reason})")

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready figures (sorted keys, so manifests are byte-stable)."""
        return {
            "input_records": self.input_records,
            "records": dict(sorted(self.records.items())),
            "verified_records": dict(sorted(self.verified.items())),
            "stories": {k: len(v) for k, v in sorted(self.stories.items())},
            "labels": {
                split: {
                    f"{kind}:{label}": n
                    for (s, kind, label), n in sorted(self.labels.items())
                    if s == split
                }
                for split in sorted(self.records)
            },
            "total_labels": self.total_labels,
            "verified_labels": self.verified_labels,
            "human_sourced_labels": self.human_sourced_labels,
            "dropped_labels": dict(sorted(self.dropped.items())),
            "unusable_records": self.unusable,
            "unverified_left_out": self.unverified_left_out,
            "gold_rules": dict(sorted(self.rules.items())),
            "agreement": {
                "articles": self.agreement_articles,
                "mean_pairwise_entity_f1": (
                    round(self.agreement_sum / self.agreement_articles, 4)
                    if self.agreement_articles
                    else None
                ),
            },
            "model_versions": dict(sorted(self.model_versions.items())),
            "taxonomy_versions": dict(sorted(self.taxonomy_versions.items())),
        }


def _slices(text: str, start: int, end: int, label_text: str) -> bool:
    return 0 <= start < end <= len(text) and text[start:end] == label_text


def _clean(
    article: PreannotatedArticle,
    entities: list[Entity],
    times: list[TimeExpression],
    events: list[Event],
    tax: Taxonomy,
    stats: CutStats,
) -> tuple[list[Entity], list[TimeExpression], list[Event]]:
    """Keep the labels a release can promise; count and name the others."""
    text, aid = article.text, article.id
    kept_entities = []
    for e in entities:
        if e.label not in tax.entity_labels:
            stats.drop("entity label not in taxonomy", aid, f"{e.label} {e.start}-{e.end}")
        elif not _slices(text, e.start, e.end, e.text):
            stats.drop("entity span does not slice the text", aid, f"{e.start}-{e.end}")
        else:
            kept_entities.append(e)
    kept_times = []
    for t in times:
        if t.label not in tax.time_labels:
            stats.drop("time label not in taxonomy", aid, f"{t.label} {t.start}-{t.end}")
        elif not _slices(text, t.start, t.end, t.text):
            stats.drop("time span does not slice the text", aid, f"{t.start}-{t.end}")
        else:
            kept_times.append(t)
    refs = {x.id for x in kept_entities} | {x.id for x in kept_times}
    kept_events = []
    for ev in events:
        if ev.type not in tax.event_types:
            stats.drop("event type not in taxonomy", aid, ev.type)
            continue
        if not _slices(text, ev.trigger_start, ev.trigger_end, ev.trigger_text):
            stats.drop("event trigger does not slice the text", aid, ev.id)
            continue
        arguments = []
        for arg in ev.arguments:
            if arg.role not in tax.roles or not _slices(text, arg.start, arg.end, arg.text):
                stats.drop("event argument invalid", aid, f"{ev.id}:{arg.role}")
                continue
            arguments.append(arg if arg.ref is None or arg.ref in refs else replace(arg, ref=None))
        kept_events.append(ev if arguments == ev.arguments else replace(ev, arguments=arguments))
    return kept_entities, kept_times, kept_events


def release_records(
    articles: Iterable[PreannotatedArticle],
    gold: Mapping[str, Gold],
    plan: SplitPlan,
    tax: Taxonomy,
    stats: CutStats,
    verified_only: bool = False,
) -> Iterator[tuple[str, ReleaseRecord]]:
    """One (split, record) per kept article, in input order."""
    for article in articles:
        stats.input_records += 1
        story = article.story_id or article.id
        resolved = gold.get(article.id)
        stats.gold_used += resolved is not None
        if resolved is not None and resolved.unusable:
            stats.unusable += 1
            continue
        if resolved is None and verified_only:
            stats.unverified_left_out += 1
            continue
        if resolved is not None:
            stats.rules[resolved.rule] += 1
            if resolved.agreement is not None:
                stats.agreement_sum += resolved.agreement
                stats.agreement_articles += 1
            labels = resolved.entities, resolved.times, resolved.events
        else:
            labels = article.entities, article.times, article.events
        entities, times, events = _clean(article, *labels, tax, stats)
        split = plan.split(story)
        record = ReleaseRecord(
            id=article.id,
            text=article.text,
            title=article.title,
            date=article.date,
            language=article.language,
            outlet=article.outlet,
            url=article.source.url,
            story_id=story,
            paragraphs=article.paragraphs,
            headings=article.headings,
            entities=entities,
            times=times,
            events=events,
            verified=resolved is not None,
            annotators=resolved.annotators if resolved is not None else [],
            model_version=article.model_version,
        )
        _count(stats, split, record, article.taxonomy_version)
        yield split, record


def _count(stats: CutStats, split: str, record: ReleaseRecord, taxonomy: str | None) -> None:
    stats.records[split] += 1
    stats.stories.setdefault(split, set()).add(record.story_id)
    labels = [*record.entities, *record.times, *record.events]
    for e in record.entities:
        stats.labels[split, "entity", e.label] += 1
    for t in record.times:
        stats.labels[split, "time", t.label] += 1
    for ev in record.events:
        stats.labels[split, "event", ev.type] += 1
    stats.total_labels += len(labels)
    stats.human_sourced_labels += sum(lab.source.startswith("annotator:") for lab in labels)
    if record.verified:
        stats.verified[split] += 1
        stats.verified_labels += len(labels)
    stats.model_versions[record.model_version or "none"] += 1
    stats.taxonomy_versions[taxonomy or "none"] += 1
