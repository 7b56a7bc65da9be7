"""Shard folders on any pyarrow filesystem: Parquet shards written by workers, one manifest.

A distributed writer cannot rename a folder into place as ``pipeline.io`` does with a file
(object stores have no atomic rename of many objects), so the manifest is the commit: each
worker writes its shard under a temporary name and moves it to a name derived from the rows
it holds, and the driver writes ``manifest.json`` last, listing the shards of this run. A
retried task writes the same name again; a reader trusts the manifest, not the listing.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import xxhash

from pipeline.errors import PipelineError
from pipeline.io import PARQUET_OPTIONS, check_written_by

MANIFEST = "manifest.json"
SHARD_PREFIX = "part-"


def filesystem(uri: str) -> tuple[pafs.FileSystem, str]:
    """The filesystem and path of a local path or a pyarrow URI (``s3://``, ``gs://``...)."""
    if "://" in uri:
        try:
            fs, path = pafs.FileSystem.from_uri(uri)
        except (pa.ArrowInvalid, OSError) as exc:
            raise PipelineError(f"{uri}: unusable location ({exc})") from exc
        return fs, path
    return pafs.LocalFileSystem(), str(Path(uri).resolve())


def check_source(uri: str, record_type: type) -> None:
    """Refuse a Parquet input unless this schema version wrote ``record_type`` records."""
    fs, path = filesystem(uri)
    try:
        schema = pq.read_schema(path, filesystem=fs)
    except FileNotFoundError as exc:
        raise PipelineError(f"{uri}: no such file") from exc
    except (OSError, pa.ArrowInvalid) as exc:
        raise PipelineError(f"{uri}: not a readable Parquet file ({exc})") from exc
    check_written_by(uri, schema, record_type)


def shard_name(ids: list[str]) -> str:
    """A shard's file name, from the ids of its rows: the same batch always gets the same
    name, so a retried task overwrites its first attempt instead of adding to it."""
    return f"{SHARD_PREFIX}{xxhash.xxh3_64_hexdigest(chr(10).join(ids).encode())}.parquet"


def write_shard(uri: str, name: str, table: pa.Table, row_group_size: int) -> None:
    """Write one shard under a temporary name, then move it to ``name`` in folder ``uri``."""
    fs, root = filesystem(uri)
    tmp = f"{root}/.{name}.{uuid.uuid4().hex}.tmp"
    with pq.ParquetWriter(tmp, table.schema, filesystem=fs, **PARQUET_OPTIONS) as out:
        out.write_table(table, row_group_size=row_group_size)
    fs.move(tmp, f"{root}/{name}")


def prepare_folder(uri: str) -> None:
    """Create the output folder (a file already there is an error, not overwritten)."""
    fs, root = filesystem(uri)
    if fs.get_file_info(root).type == pafs.FileType.File:
        raise PipelineError(f"{uri}: is a file; --engine ray writes a folder of shards")
    fs.create_dir(root, recursive=True)


def commit(uri: str, manifest: dict[str, Any]) -> None:
    """Write the manifest (the commit point), then remove shards and temporary files it
    does not list: a killed attempt's leftovers or an earlier run's shards."""
    fs, root = filesystem(uri)
    listed = {shard["path"] for shard in manifest["shards"]}
    tmp = f"{root}/.{MANIFEST}.{uuid.uuid4().hex}.tmp"
    with fs.open_output_stream(tmp) as out:
        out.write(json.dumps(manifest, indent=2, sort_keys=True).encode() + b"\n")
    fs.move(tmp, f"{root}/{MANIFEST}")
    for info in fs.get_file_info(pafs.FileSelector(root)):
        if info.base_name.startswith((SHARD_PREFIX, ".")) and info.base_name not in listed:
            fs.delete_file(info.path)


def read_manifest(uri: str) -> dict[str, Any]:
    """A shard folder's manifest."""
    fs, root = filesystem(uri)
    try:
        with fs.open_input_stream(f"{root}/{MANIFEST}") as fh:
            manifest: dict[str, Any] = json.loads(fh.read())
    except FileNotFoundError as exc:
        raise PipelineError(f"{uri}: no {MANIFEST} (not a finished shard folder)") from exc
    return manifest


def iter_shards(uri: str) -> Iterator[pa.Table]:
    """The row groups of the shards the manifest lists, in its order (streaming)."""
    fs, root = filesystem(uri)
    for shard in read_manifest(uri)["shards"]:
        with fs.open_input_file(f"{root}/{shard['path']}") as fh:
            parquet = pq.ParquetFile(fh, pre_buffer=False)
            for index in range(parquet.num_row_groups):
                yield parquet.read_row_group(index)


def row_groups(tables: Iterable[pa.Table], size: int) -> Iterator[pa.Table]:
    """The rows of ``tables`` recut into tables of ``size`` rows (the last one shorter): the
    row groups a single-process writer would have made of the same rows."""
    pending: pa.Table | None = None
    for table in tables:
        pending = table if pending is None else pa.concat_tables([pending, table])
        while pending.num_rows >= size:
            yield pending.slice(0, size)
            pending = pending.slice(size)
    if pending is not None and pending.num_rows:
        yield pending


def read_shards(uri: str) -> pa.Table:
    """Every row the manifest lists, as one table (for checks and small folders)."""
    fs, root = filesystem(uri)
    shards = [s["path"] for s in read_manifest(uri)["shards"]]
    tables = [pq.read_table(f"{root}/{name}", filesystem=fs) for name in shards]
    if not tables:
        raise PipelineError(f"{uri}: the manifest lists no shards")
    return pa.concat_tables(tables)
