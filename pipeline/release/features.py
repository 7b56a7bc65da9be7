"""The release's ``datasets.Features``: the schema of ``ReleaseRecord`` with ClassLabels.

The Features are derived from ``pipeline.schema.features(ReleaseRecord)``; only the label
string fields are swapped for ``ClassLabel`` with the taxonomy's names, so a field added to
the record reaches the release without being written here. Label columns are stored as
int64 class ids (what ``ClassLabel`` means in Arrow); ``encode_labels``/``decode_labels``
convert whole Arrow tables, vectorised, between names and ids.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from pipeline.schema import RECORD_TYPE_KEY, SCHEMA_VERSION, SCHEMA_VERSION_KEY, ReleaseRecord
from pipeline.schema import features as record_features
from pipeline.taxonomy import Taxonomy

#: (list column, field inside its struct) → which taxonomy list names its classes.
LABEL_FIELDS: dict[tuple[str, str], str] = {
    ("entities", "label"): "entity",
    ("times", "label"): "time",
    ("events", "type"): "event",
}


def label_names(tax: Taxonomy) -> dict[tuple[str, str], list[str]]:
    """The class names of every label field, in taxonomy order (the class ids)."""
    names = {"entity": tax.entity_labels, "time": tax.time_labels, "event": list(tax.event_types)}
    return {key: list(names[kind]) for key, kind in LABEL_FIELDS.items()}


def release_features(tax: Taxonomy) -> Any:
    """``features(ReleaseRecord)`` with each label field replaced by a ``ClassLabel``."""
    from datasets import ClassLabel, List

    feats = record_features(ReleaseRecord)
    for (column, field), names in label_names(tax).items():
        inner = dict(feats[column].feature)
        inner[field] = ClassLabel(names=names)
        feats[column] = List(inner)
    return feats


def release_schema(tax: Taxonomy) -> pa.Schema:
    """The Arrow schema of release shards: the Features' schema (whose ``huggingface``
    metadata restores the ClassLabels on load) plus the pipeline's version keys."""
    schema = release_features(tax).arrow_schema
    meta = dict(schema.metadata or {})
    meta[SCHEMA_VERSION_KEY] = SCHEMA_VERSION.encode()
    meta[RECORD_TYPE_KEY] = ReleaseRecord.__name__.encode()
    return schema.with_metadata(meta)


def _map_field(column: pa.ChunkedArray, field: str, fn: Any) -> pa.ChunkedArray:
    """Apply ``fn`` to one field of the structs inside a ``list<struct>`` column."""
    chunks = []
    for chunk in column.chunks:
        # a sliced chunk: its own values and offsets from 0 (Arrow builds no list from
        # sliced offsets with a null mask)
        offsets = chunk.offsets
        first, last = offsets[0].as_py(), offsets[-1].as_py()
        offsets = pc.subtract(offsets, first)
        values: pa.StructArray = chunk.values.slice(first, last - first)
        arrays = [
            fn(values.field(i)) if values.type.field(i).name == field else values.field(i)
            for i in range(values.type.num_fields)
        ]
        names = [values.type.field(i).name for i in range(values.type.num_fields)]
        struct = pa.StructArray.from_arrays(arrays, names=names)
        chunks.append(pa.ListArray.from_arrays(offsets, struct, mask=chunk.is_null()))
    return pa.chunked_array(chunks)


def encode_labels(table: pa.Table, tax: Taxonomy) -> pa.Table:
    """Label names → class ids. Callers drop labels outside the taxonomy first
    (``unknown_labels``); a name left unknown here is a program error, not a silent null."""
    for (column, field), names in label_names(tax).items():
        value_set = pa.array(names, pa.string())

        def encode(arr: pa.Array, value_set: pa.Array = value_set, where: str = column) -> pa.Array:
            ids = pc.index_in(arr, value_set=value_set)
            if ids.null_count != arr.null_count:
                raise ValueError(f"{where}: label outside the taxonomy reached the encoder")
            return ids.cast(pa.int64())

        index = table.schema.get_field_index(column)
        table = table.set_column(index, column, _map_field(table[column], field, encode))
    return table


def names_from_schema(schema: pa.Schema) -> dict[tuple[str, str], list[str]]:
    """The class names stored in a release file's own Features (its ``huggingface``
    metadata), so an old release decodes with the taxonomy it was cut with."""
    from datasets import Features

    feats = Features.from_arrow_schema(schema)
    return {key: list(feats[key[0]].feature[key[1]].names) for key in LABEL_FIELDS}


def decode_labels(table: pa.Table, names: dict[tuple[str, str], list[str]]) -> pa.Table:
    """Class ids → label names (the inverse of ``encode_labels``)."""
    for (column, field), labels in names.items():
        value_set = pa.array(labels, pa.string())

        def decode(arr: pa.Array, value_set: pa.Array = value_set) -> pa.Array:
            return value_set.take(arr)

        index = table.schema.get_field_index(column)
        table = table.set_column(index, column, _map_field(table[column], field, decode))
    return table
