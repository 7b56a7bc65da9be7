"""The release core: pre-annotated batches + resolved gold → per-split release tables.

Pure: no file, no printing. It works on Arrow record batches of ``PreannotatedArticle``
rows (the shape ``io.read_batches`` streams), because a release is mostly machine-labelled
records that only need their columns rearranged: building a dataclass per record and back
costs ten times the Parquet write. Per batch it

1. takes human gold where ``gold`` has one (those few rows go through ``to_row``), machine
   labels elsewhere; drops articles annotators flagged unusable (and, with
   ``verified_only``, unverified ones);
2. drops the labels a release cannot promise: a label outside the taxonomy, a span that
   does not slice the text (``text[start:end] != span.text``), an event argument with an
   unknown role or a bad span (an argument ``ref`` to a dropped label becomes None);
3. assigns each record its story's split and counts what the card reports;
4. encodes label names as ClassLabel ids and yields one table per split, in input order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.release.features import encode_labels
from pipeline.release.gold import Gold
from pipeline.release.split import SplitPlan
from pipeline.schema import ReleaseRecord, arrow_schema, to_row
from pipeline.taxonomy import Taxonomy

#: how many examples of dropped labels the summary keeps
MAX_EXAMPLES = 5
#: (column, label field, start field, end field, text field, kind for the counts)
LABEL_COLUMNS = (
    ("entities", "label", "start", "end", "text", "entity"),
    ("times", "label", "start", "end", "text", "time"),
    ("events", "type", "trigger_start", "trigger_end", "trigger_text", "event"),
)


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
    outlets: Counter[str] = field(default_factory=Counter)
    taxonomy_versions: Counter[str] = field(default_factory=Counter)

    def drop(self, reason: str, count: int, examples: list[str]) -> None:
        """Count dropped labels and keep the first few examples."""
        self.dropped[reason] += count
        room = MAX_EXAMPLES - len(self.drop_examples)
        self.drop_examples += [f"{e} ({reason})" for e in examples[:room]]

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
            "outlets": dict(sorted(self.outlets.items())),
            "taxonomy_versions": dict(sorted(self.taxonomy_versions.items())),
        }


# ----------------------------------------------------------------------- list helpers
def _filter_list(column: pa.Array, keep: np.ndarray) -> pa.Array:
    """Keep the flattened elements of a ``list<...>`` column where ``keep`` is true."""
    if keep.all():
        return column
    parents = pc.list_parent_indices(column).to_numpy()
    values = column.flatten().filter(pa.array(keep))
    counts = np.bincount(parents[keep], minlength=len(column))
    offsets = np.zeros(len(column) + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets), values)


def _rebuild(column: pa.Array, values: pa.Array) -> pa.Array:
    """The same lists as ``column`` over new (same-length) flattened ``values``."""
    offsets = pc.subtract(column.offsets, column.offsets[0])
    return pa.ListArray.from_arrays(offsets, values)


def _replace_field(struct: pa.StructArray, name: str, values: pa.Array) -> pa.StructArray:
    names = [struct.type.field(i).name for i in range(struct.type.num_fields)]
    arrays = [values if n == name else struct.field(n) for n in names]
    return pa.StructArray.from_arrays(arrays, names=names)


def _codepoints(strings: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """All strings as one array of code points (Python string indices) and their offsets."""
    lengths = np.fromiter(map(len, strings), dtype=np.int64, count=len(strings))
    offsets = np.zeros(len(strings) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    points = np.frombuffer("".join(strings).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return points, offsets


def _slices(
    texts: tuple[np.ndarray, np.ndarray],
    parents: np.ndarray,
    values: pa.StructArray,
    start: str,
    end: str,
    txt: str,
) -> np.ndarray:
    """Whether each span is ``[start, end)`` of its record's text and equals its own text.

    Vectorised over code points (``texts`` from ``_codepoints``): every character of every
    span is compared with the text at its offset, then reduced per span.
    """
    points, text_offsets = texts
    starts = values.field(start).fill_null(-1).to_numpy()
    ends = values.field(end).fill_null(-1).to_numpy()
    spans, span_offsets = _codepoints(values.field(txt).fill_null("").to_pylist())
    lengths = np.diff(span_offsets)
    text_len = np.diff(text_offsets)[parents]
    ok = (starts >= 0) & (starts < ends) & (ends <= text_len) & (ends - starts == lengths)
    if not ok.any():
        return ok
    # the text position of every span character, for the spans whose bounds are fine
    sizes = np.where(ok, lengths, 0)
    first = np.repeat(text_offsets[parents] + starts - span_offsets[:-1], sizes)
    chars = np.repeat(ok, lengths)
    same = points[first + np.flatnonzero(chars)] == spans[chars]
    bad = np.flatnonzero(~same)
    if len(bad):
        owner = np.searchsorted(span_offsets, np.flatnonzero(chars)[bad], side="right") - 1
        ok[owner] = False
    return ok


def _known(values: pa.Array, names: list[str]) -> np.ndarray:
    return (
        pc.is_in(values, value_set=pa.array(names, pa.string()))
        .fill_null(False)
        .to_numpy(zero_copy_only=False)
    )


# ----------------------------------------------------------------------------- steps
def _with_gold(table: pa.Table, rows: list[int], golds: list[Gold], plain: pa.Schema) -> pa.Table:
    """Replace the labels, ``verified`` and ``annotators`` of ``rows`` by their gold."""
    if not rows:
        return table
    human = pa.Table.from_pylist(
        [
            {
                "entities": [to_row(x) for x in g.entities],
                "times": [to_row(x) for x in g.times],
                "events": [to_row(x) for x in g.events],
                "annotators": g.annotators,
            }
            for g in golds
        ],
        schema=pa.schema([plain.field(c) for c in ("entities", "times", "events", "annotators")]),
    )
    n = table.num_rows
    index = np.arange(n)
    index[rows] = n + np.arange(len(rows))
    take = pa.array(index)
    for name in ("entities", "times", "events", "annotators"):
        merged = pa.concat_arrays([table[name].combine_chunks(), human[name].combine_chunks()])
        table = table.set_column(table.schema.get_field_index(name), name, merged.take(take))
    verified = np.zeros(n, dtype=bool)
    verified[rows] = True
    return table.set_column(
        table.schema.get_field_index("verified"), "verified", pa.array(verified)
    )


def _clean(table: pa.Table, tax: Taxonomy, stats: CutStats) -> pa.Table:
    """Drop labels outside the taxonomy or whose spans do not slice the text."""
    texts = _codepoints(table["text"].to_pylist())
    ids = table["id"].to_pylist()
    allowed = {"entity": tax.entity_labels, "time": tax.time_labels, "event": list(tax.event_types)}
    dropped_ids: dict[int, set[str]] = {}
    for column, label, start, end, txt, kind in LABEL_COLUMNS:
        col = table[column].combine_chunks()
        values: pa.StructArray = col.flatten()
        if not len(values):
            continue
        parents = pc.list_parent_indices(col).to_numpy()
        known = _known(values.field(label), allowed[kind])
        sliced = _slices(texts, parents, values, start, end, txt)
        for mask, reason in (
            (~known, f"{kind} label not in taxonomy"),
            (known & ~sliced, f"{kind} span does not slice the text"),
        ):
            if mask.any():
                bad = np.flatnonzero(mask)
                labels = values.field(label).take(pa.array(bad[:MAX_EXAMPLES])).to_pylist()
                where = [
                    f"{ids[parents[k]]}: {lab} {values.field(start)[int(k)]}-"
                    f"{values.field(end)[int(k)]} from {values.field('source')[int(k)]}"
                    for k, lab in zip(bad[:MAX_EXAMPLES], labels, strict=True)
                ]
                stats.drop(reason, int(mask.sum()), where)
        keep = known & sliced
        if kind != "event" and not keep.all():
            for k in np.flatnonzero(~keep):
                dropped_ids.setdefault(int(parents[k]), set()).add(
                    values.field("id")[int(k)].as_py()
                )
        if kind == "event":
            values = _clean_arguments(values, parents, texts, ids, dropped_ids, tax, stats)
            col = _rebuild(col, values)
        table = table.set_column(
            table.schema.get_field_index(column), column, _filter_list(col, keep)
        )
    return table


def _clean_arguments(
    events: pa.StructArray,
    event_parents: np.ndarray,
    texts: tuple[np.ndarray, np.ndarray],
    ids: list[str],
    dropped_ids: dict[int, set[str]],
    tax: Taxonomy,
    stats: CutStats,
) -> pa.StructArray:
    """Drop arguments with an unknown role or a bad span; unlink refs to dropped labels."""
    args = events.field("arguments")
    flat: pa.StructArray = args.flatten()
    if not len(flat):
        return events
    record = event_parents[pc.list_parent_indices(args).to_numpy()]
    keep = _known(flat.field("role"), tax.roles) & _slices(
        texts, record, flat, "start", "end", "text"
    )
    if not keep.all():
        bad = np.flatnonzero(~keep)
        stats.drop(
            "event argument invalid",
            len(bad),
            [f"{ids[record[k]]}: {flat.field('role')[int(k)]}" for k in bad[:MAX_EXAMPLES]],
        )
    if dropped_ids:
        refs = flat.field("ref").to_pylist()
        new_refs = [
            None if ref is not None and ref in dropped_ids.get(int(r), ()) else ref
            for ref, r in zip(refs, record.tolist(), strict=True)
        ]
        flat = _replace_field(flat, "ref", pa.array(new_refs, pa.string()))
        args = _rebuild(args, flat)
    return _replace_field(events, "arguments", _filter_list(args, keep))


def _count(stats: CutStats, split: str, table: pa.Table, taxonomy: list[str | None]) -> None:
    stats.records[split] += table.num_rows
    stats.stories.setdefault(split, set()).update(table["story_id"].to_pylist())
    verified = table["verified"].to_numpy(zero_copy_only=False)
    stats.verified[split] += int(verified.sum())
    for column, label, *_, kind in LABEL_COLUMNS:
        col = table[column].combine_chunks()
        values = col.flatten()
        lengths = pc.list_value_length(col).to_numpy(zero_copy_only=False)
        stats.total_labels += int(lengths.sum())
        stats.verified_labels += int(lengths[verified].sum())
        if len(values):
            for item in pc.value_counts(values.field(label)).to_pylist():
                stats.labels[split, kind, item["values"]] += item["counts"]
            human = pc.starts_with(values.field("source").fill_null(""), "annotator:")
            stats.human_sourced_labels += int(pc.sum(human).as_py() or 0)
    for column, counter in (("model_version", stats.model_versions), ("outlet", stats.outlets)):
        for item in pc.value_counts(table[column].fill_null("unknown")).to_pylist():
            counter[item["values"]] += item["counts"]
    stats.taxonomy_versions.update(v or "none" for v in taxonomy)


def release_batch(
    batch: pa.RecordBatch,
    gold: Mapping[str, Gold],
    plan: SplitPlan,
    tax: Taxonomy,
    stats: CutStats,
    verified_only: bool = False,
) -> Iterator[tuple[str, pa.Table]]:
    """(split, release table with ClassLabel ids) for one batch of pre-annotated rows."""
    plain = arrow_schema(ReleaseRecord)
    n = batch.num_rows
    stats.input_records += n
    ids = batch.column("id").to_pylist()
    stories = [s or i for s, i in zip(batch.column("story_id").to_pylist(), ids, strict=True)]
    keep = np.ones(n, dtype=bool)
    rows, golds = [], []
    for k, aid in enumerate(ids):
        g = gold.get(aid)
        if g is None:
            keep[k] = not verified_only
            stats.unverified_left_out += verified_only
            continue
        stats.gold_used += 1
        if g.unusable:
            stats.unusable += 1
            keep[k] = False
            continue
        stats.rules[g.rule] += 1
        if g.agreement is not None:
            stats.agreement_sum += g.agreement
            stats.agreement_articles += 1
        rows.append(k)
        golds.append(g)
    columns = {name: batch.column(name) for name in plain.names if name in batch.schema.names}
    columns["url"] = batch.column("source").field("url")
    columns["story_id"] = pa.array(stories, pa.string())
    columns["verified"] = pa.array(np.zeros(n, dtype=bool))
    columns["annotators"] = pa.array([[]] * n, pa.list_(pa.string()))
    table = pa.Table.from_arrays([columns[f.name] for f in plain], schema=plain)
    table = _with_gold(table, rows, golds, plain)
    taxonomy = batch.column("taxonomy_version").to_pylist()
    if not keep.all():
        table = table.filter(pa.array(keep))
        taxonomy = [t for t, k in zip(taxonomy, keep, strict=True) if k]
    if not table.num_rows:
        return
    table = _clean(table, tax, stats)
    splits = np.array([plan.split(s) for s in table["story_id"].to_pylist()], dtype=object)
    encoded = encode_labels(table, tax)
    for split in plan.ratios:
        mask = splits == split
        if mask.any():
            part = table.filter(pa.array(mask))
            _count(stats, split, part, [t for t, m in zip(taxonomy, mask, strict=True) if m])
            yield split, encoded.filter(pa.array(mask))
