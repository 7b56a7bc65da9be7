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
3. groups the rows by the split the plan gave them (one copy, gold applied on the way)
   and counts what the card reports;
4. encodes label names as ClassLabel ids and yields one table per split, in input order.

Spans are checked on the UTF-8 bytes Arrow holds (offsets count Python characters, so the
byte at which each character starts is found first), never on decoded Python strings.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from pipeline.release.features import encode_labels
from pipeline.release.gold import Gold
from pipeline.release.split import SplitPlan, story_ids
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


#: the input columns a release reads (the other article fields are normalize's bookkeeping)
INPUT_COLUMNS = (
    *(f for f in ReleaseRecord.__dataclass_fields__ if f not in ("url", "verified", "annotators")),
    "source.url",
    "taxonomy_version",
)


@dataclass
class CutStats:
    """What a cut kept, dropped and decided; the card and the summary table are built on it."""

    input_records: int = 0
    records: Counter[str] = field(default_factory=Counter)
    verified: Counter[str] = field(default_factory=Counter)
    #: split → which stories (by the plan's story index) have a record there
    story_seen: dict[str, NDArray[Any]] = field(default_factory=dict)
    #: (split, kind, label) → count; kind is entity / time / event
    labels: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    verified_labels: int = 0
    total_labels: int = 0
    human_sourced_labels: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    drop_examples: list[str] = field(default_factory=list)
    unusable: int = 0
    #: human values the pull could not keep, in annotations that count for the gold
    pull_dropped: int = 0
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

    def stories(self, split: str) -> int:
        """How many stories have a record in ``split``."""
        seen = self.story_seen.get(split)
        return 0 if seen is None else int(seen.sum())

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready figures (sorted keys, so manifests are byte-stable)."""
        return {
            "input_records": self.input_records,
            "records": dict(sorted(self.records.items())),
            "verified_records": dict(sorted(self.verified.items())),
            "stories": {k: self.stories(k) for k in sorted(self.story_seen)},
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
            "pull_dropped_values": self.pull_dropped,
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
def _filter_list(column: pa.Array, keep: NDArray[Any]) -> pa.Array:
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


def _utf8(strings: pa.Array) -> tuple[NDArray[Any], NDArray[Any]]:
    """The UTF-8 bytes of a string array (nulls as empty) and each string's byte offsets
    into them, read in place from Arrow's buffers."""
    if strings.null_count:
        strings = strings.fill_null("")
    offsets = np.frombuffer(
        strings.buffers()[1], np.int32, len(strings) + 1, strings.offset * 4
    ).astype(np.int64)
    buffer = strings.buffers()[2]
    data = np.frombuffer(buffer, np.uint8) if buffer is not None else np.zeros(0, np.uint8)
    return data[offsets[0] : offsets[-1]], offsets - offsets[0]


class _Texts:
    """The texts of a batch as UTF-8 bytes, with where characters and bytes part ways.

    Spans count Python characters (code points). A character's byte offset is its index
    plus the number of continuation bytes (0x80-0xBF) before it; those are few in French
    (one per accented letter), so only they are located, and spans are then checked on
    the bytes Arrow already holds, without decoding a single string.
    """

    def __init__(self, texts: pa.Array) -> None:
        self.data, offsets = _utf8(texts)
        continuation = np.flatnonzero(self.data.view(np.int8) < -64)  # 0x80-0xBF
        #: per continuation byte: how many characters start before it (sorted)
        self._chars_before = continuation - np.arange(len(continuation))
        #: global character index of each text's first character (then of the end)
        self.first_char = offsets - np.searchsorted(continuation, offsets)
        self.length = np.diff(self.first_char)
        #: the byte at which each text ends
        self.byte_end = offsets[1:]

    def byte_at(self, chars: NDArray[Any]) -> NDArray[Any]:
        """The byte offsets of global character indices (the index one past the last
        character is the end of the data)."""
        return chars + np.searchsorted(self._chars_before, chars, side="right")


def _slices(
    texts: _Texts,
    parents: NDArray[Any],
    values: pa.StructArray,
    start: str,
    end: str,
    txt: str,
) -> NDArray[Any]:
    """Whether each span is ``[start, end)`` of its record's text and equals its own text.

    Vectorised over bytes: a span whose bounds fit and whose own text has ``end - start``
    characters holds if the record's bytes from its start character on equal its own
    bytes (then they cover exactly those characters, so the end needs no lookup).
    """
    starts: NDArray[Any] = values.field(start).fill_null(-1).to_numpy()
    ends = values.field(end).fill_null(-1).to_numpy()
    own = values.field(txt).fill_null("")
    span_data, span_offsets = _utf8(own)
    span_bytes = np.diff(span_offsets)
    chars = pc.utf8_length(own).to_numpy()
    ok: NDArray[Any] = (
        (starts >= 0) & (starts < ends) & (ends <= texts.length[parents]) & (ends - starts == chars)
    )
    if not ok.any():
        return ok
    begin = texts.byte_at(np.where(ok, texts.first_char[parents] + starts, 0))
    ok &= begin + span_bytes <= texts.byte_end[parents]
    sizes = np.where(ok, span_bytes, 0)
    run_start = np.cumsum(sizes) - sizes  # where each span's bytes start in the compared run
    where = np.arange(int(sizes.sum()))
    in_text = texts.data[where + np.repeat(begin - run_start, sizes)]
    if ok.all():  # every span compared: their own bytes are the run, in order
        same = in_text == span_data
    else:
        same = in_text == span_data[where + np.repeat(span_offsets[:-1] - run_start, sizes)]
    if not same.all():
        ok[np.repeat(np.arange(len(ok)), sizes)[~same]] = False
    return ok


def _known(values: pa.Array, names: list[str]) -> NDArray[Any]:
    known: NDArray[Any] = (
        pc.is_in(values, value_set=pa.array(names, pa.string()))
        .fill_null(False)
        .to_numpy(zero_copy_only=False)
    )
    return known


# ----------------------------------------------------------------------------- steps
#: the columns human gold replaces
GOLD_COLUMNS = ("entities", "times", "events", "annotators")


def _arrange(
    table: pa.Table, order: NDArray[Any], rows: list[int], golds: list[Gold], plain: pa.Schema
) -> pa.Table:
    """The rows ``order`` of ``table`` (one copy), with the labels, ``verified`` and
    ``annotators`` of ``rows`` replaced by their gold on the way."""
    n = table.num_rows
    if not rows and np.array_equal(order, np.arange(n)):
        return table
    take = pa.array(order)
    if not rows:
        return table.take(take)
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
        schema=pa.schema([plain.field(c) for c in GOLD_COLUMNS]),
    )
    source = np.arange(n)
    source[rows] = n + np.arange(len(rows))  # where each row's labels come from
    from_gold = pa.array(source[order])
    verified = np.zeros(n, dtype=bool)
    verified[rows] = True
    columns = []
    for name in plain.names:
        if name in GOLD_COLUMNS:
            merged = pa.concat_arrays([table[name].combine_chunks(), human[name].combine_chunks()])
            columns.append(merged.take(from_gold))
        elif name == "verified":
            columns.append(pa.array(verified[order]))
        else:
            columns.append(table[name].take(take))
    return pa.Table.from_arrays(columns, schema=plain)


def _clean(table: pa.Table, tax: Taxonomy, stats: CutStats) -> pa.Table:
    """Drop labels outside the taxonomy or whose spans do not slice the text."""
    texts = _Texts(table["text"].combine_chunks())
    ids = table["id"]
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
                    f"{ids[int(parents[k])].as_py()}: {lab} {values.field(start)[int(k)]}-"
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
    event_parents: NDArray[Any],
    texts: _Texts,
    ids: pa.ChunkedArray,
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
            [
                f"{ids[int(record[k])].as_py()}: {flat.field('role')[int(k)]}"
                for k in bad[:MAX_EXAMPLES]
            ],
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


def _count(
    stats: CutStats,
    table: pa.Table,
    codes: NDArray[Any],
    stories: NDArray[Any],
    plan: SplitPlan,
) -> None:
    """Add a batch's records, stories, labels and versions to the figures, per split
    (``codes``: each row's split index in ``plan.names``)."""
    names = plan.names
    verified = table["verified"].to_numpy(zero_copy_only=False)
    for k, split in enumerate(names):
        mask = codes == k
        if mask.any():
            stats.records[split] += int(mask.sum())
            stats.verified[split] += int(verified[mask].sum())
            seen = stats.story_seen.setdefault(split, np.zeros(plan.stories, dtype=bool))
            seen[stories[mask]] = True
    for column, label, *_, kind in LABEL_COLUMNS:
        col = table[column].combine_chunks()
        lengths = pc.list_value_length(col).to_numpy(zero_copy_only=False)
        stats.total_labels += int(lengths.sum())
        stats.verified_labels += int(lengths[verified].sum())
        values = col.flatten()
        if not len(values):
            continue
        encoded = values.field(label).fill_null("").dictionary_encode()
        labels = encoded.dictionary.to_pylist()
        row_split = np.repeat(codes, lengths)
        keys = row_split.astype(np.int64) * len(labels) + encoded.indices.to_numpy()
        tally = np.bincount(keys, minlength=len(names) * len(labels))
        for key in np.flatnonzero(tally).tolist():
            stats.labels[names[key // len(labels)], kind, labels[key % len(labels)]] += int(
                tally[key]
            )
        sources = values.field("source").fill_null("")
        human = pc.or_(pc.starts_with(sources, "annotator:"), pc.starts_with(sources, "reviewer:"))
        stats.human_sourced_labels += int(pc.sum(human).as_py() or 0)
    for column, counter in (("model_version", stats.model_versions), ("outlet", stats.outlets)):
        for item in pc.value_counts(table[column].fill_null("unknown")).to_pylist():
            counter[item["values"]] += item["counts"]


def release_batch(
    batch: pa.RecordBatch,
    offset: int,
    gold: Mapping[str, Gold],
    plan: SplitPlan,
    tax: Taxonomy,
    stats: CutStats,
    verified_only: bool = False,
) -> Iterator[tuple[str, pa.Table]]:
    """(split, release table with ClassLabel ids) for one batch of pre-annotated rows, the
    ones at ``offset`` onwards of the input the plan was made from."""
    plain = arrow_schema(ReleaseRecord)
    n = batch.num_rows
    if offset + n > len(plan.record_split):
        raise ValueError(f"rows {offset}-{offset + n} are beyond the split plan's input")
    split_codes = plan.record_split[offset : offset + n]
    story_codes = plan.record_story[offset : offset + n]
    stats.input_records += n
    ids = batch.column("id")
    keep = np.ones(n, dtype=bool) if not verified_only else np.zeros(n, dtype=bool)
    rows, golds, unusable = [], [], 0
    if gold:
        for k, g in enumerate(map(gold.get, ids.to_pylist())):
            if g is None:
                continue
            stats.gold_used += 1
            if g.unusable:
                unusable += 1
                keep[k] = False
                continue
            keep[k] = True
            stats.rules[g.rule] += 1
            if g.agreement is not None:
                stats.agreement_sum += g.agreement
                stats.agreement_articles += 1
            rows.append(k)
            golds.append(g)
    stats.unusable += unusable
    if verified_only:
        stats.unverified_left_out += n - len(rows) - unusable
    columns = {name: batch.column(name) for name in plain.names if name in batch.schema.names}
    columns["url"] = batch.column("source").field("url")
    columns["story_id"] = story_ids(batch.column("story_id"), ids)
    columns["verified"] = pa.array(np.zeros(n, dtype=bool))
    columns["annotators"] = pa.ListArray.from_arrays(
        pa.array(np.zeros(n + 1, dtype=np.int32)), pa.array([], pa.string())
    )
    table = pa.Table.from_arrays([columns[f.name] for f in plain], schema=plain)
    # one copy: the kept rows grouped by split (input order within a split), gold applied
    order = np.argsort(split_codes, kind="stable")
    order = order[keep[order]]
    if not len(order):
        return
    table = _arrange(table, order, rows, golds, plain)
    split_codes, story_codes = split_codes[order], story_codes[order]
    taxonomy = batch.column("taxonomy_version").take(pa.array(order))
    for item in pc.value_counts(taxonomy.fill_null("none")).to_pylist():
        stats.taxonomy_versions[item["values"]] += item["counts"]
    table = _clean(table, tax, stats)
    _count(stats, table, split_codes, story_codes, plan)
    encoded = encode_labels(table, tax)
    bounds = np.searchsorted(split_codes, np.arange(len(plan.names) + 1))
    for k, split in enumerate(plan.names):
        if bounds[k + 1] > bounds[k]:
            yield split, encoded.slice(bounds[k], bounds[k + 1] - bounds[k])
