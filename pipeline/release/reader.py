"""Reading a cut release back: its manifest, its shards, its rows with label names."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pyarrow as pa

from pipeline.errors import PipelineError
from pipeline.io import check_schema, read_batches, read_json
from pipeline.release.features import decode_labels, names_from_schema
from pipeline.schema import ReleaseManifest, ReleaseRecord

MANIFEST = "manifest.json"
CARD = "README.md"
DATA_DIR = "data"
#: ``data/{split}-NNNNN-of-NNNNN.parquet``
SHARD_RE = re.compile(r"^(?P<split>[a-z][a-z0-9_]*)-(?P<i>\d{5})-of-(?P<n>\d{5})\.parquet$")


def load_manifest(folder: Path) -> ReleaseManifest:
    """The manifest of a release folder (one-line error if missing or unreadable)."""
    manifest = read_json(Path(folder) / MANIFEST)
    if not isinstance(manifest, dict) or "files" not in manifest:
        raise PipelineError(f"{Path(folder) / MANIFEST}: not a release manifest")
    return cast(ReleaseManifest, manifest)  # a JSON object: its shape is what cut wrote


def split_names(manifest: ReleaseManifest) -> list[str]:
    """The release's splits in params order (JSON objects are written with sorted keys)."""
    return list(manifest.get("split_names") or manifest["splits"])


def shard_files(folder: Path) -> list[tuple[str, Path]]:
    """(split, path) of every shard named in the manifest, in split then shard order."""
    manifest = load_manifest(folder)
    out = []
    for name in manifest["files"]:
        match = SHARD_RE.match(Path(name).name)
        if name.startswith(f"{DATA_DIR}/") and match:
            out.append((match["split"], Path(folder) / name))
    order = split_names(manifest)
    return sorted(out, key=lambda sp: (order.index(sp[0]) if sp[0] in order else 99, sp[1].name))


def iter_tables(
    folder: Path, columns: list[str] | None = None, batch_size: int = 1000
) -> Iterator[tuple[str, pa.Table]]:
    """(split, table with label names) batches over the whole release, streamed."""
    for split, path in shard_files(folder):
        names = names_from_schema(check_schema(path, ReleaseRecord).schema_arrow)
        if columns is not None:
            names = {k: v for k, v in names.items() if k[0] in columns}
        for batch in read_batches(path, ReleaseRecord, columns=columns, batch_size=batch_size):
            yield split, decode_labels(pa.Table.from_batches([batch]), names)


def iter_rows(
    folder: Path, columns: list[str] | None = None
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(split, row dict with label names) over the whole release, streamed."""
    for split, table in iter_tables(folder, columns):
        for row in table.to_pylist():
            yield split, row
