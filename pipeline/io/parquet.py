"""Record files: streaming Parquet reads and atomic, deterministic Parquet writes.

Readers check that this schema version wrote the file's record type, then stream it a batch
or a row group at a time. Writers take an iterator of records (or Arrow tables) and write
row group by row group, so memory is bounded by one group, not by the corpus; they write
through ``pipeline.io.files.atomic_path``. The same records always give a byte-identical
file (no timestamps, fixed options).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.errors import PipelineError, SchemaVersionError
from pipeline.io.files import atomic_path, file_sha256
from pipeline.schema import (
    RECORD_TYPE_KEY,
    SCHEMA_VERSION,
    SCHEMA_VERSION_KEY,
    arrow_schema,
    from_row,
    optional_fields,
    to_row,
)

R = TypeVar("R")
T = TypeVar("T", pa.RecordBatch, pa.Table)

DEFAULT_ROW_GROUP = 1000
PARQUET_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "compression_level": 3,
    "use_dictionary": True,
    "write_statistics": True,
}


def lean_arrow_memory() -> None:
    """Make Arrow hand freed memory back to the system at once (normalize's two passes).

    Arrow's default mimalloc pool keeps the pages it freed (normalize, 10,000 articles:
    1.27x the RSS at 1,000 with mimalloc, 1.17x with jemalloc or the system pool). Not for
    the release cut: returning every page at once made it 1.5x slower, and its RSS, with
    ``pre_buffer`` off, no longer grows with the batches.
    """
    try:
        pa.set_memory_pool(pa.jemalloc_memory_pool())
        pa.jemalloc_set_decay_ms(0)
    except NotImplementedError:  # a pyarrow build without jemalloc
        pa.set_memory_pool(pa.system_memory_pool())


def _batches(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def write_records(
    path: Path,
    records: Iterable[Any],
    record_type: type,
    row_group_size: int = DEFAULT_ROW_GROUP,
) -> int:
    """Write records of ``record_type`` to Parquet atomically; return how many were written.

    An empty iterator still writes a valid file with the schema, so downstream stages can
    tell "no records" from "stage never ran".
    """
    schema = arrow_schema(record_type)
    count = 0
    try:
        with atomic_path(path) as tmp, pq.ParquetWriter(tmp, schema, **PARQUET_OPTIONS) as out:
            for batch in _batches((to_row(r) for r in records), row_group_size):
                table = pa.Table.from_pylist(batch, schema=schema)
                out.write_table(table, row_group_size=row_group_size)
                count += len(batch)
    except OSError as exc:
        raise PipelineError(f"{path}: cannot write ({exc.strerror or exc})") from exc
    return count


def check_schema(path: Path, record_type: type) -> pq.ParquetFile:
    """Open a Parquet file and refuse it unless this schema version wrote this record type.

    Opened without ``pre_buffer`` (pyarrow's default turns it on): it coalesces reads for
    high-latency object stores and keeps every column chunk it fetched until the reader
    is done, so streaming a local file held the compressed file in memory (137 MB after
    100 row groups of article text, against 10 MB without it).
    """
    try:
        pf = pq.ParquetFile(path, pre_buffer=False)
    except FileNotFoundError as exc:
        raise PipelineError(f"{path}: no such file") from exc
    except (OSError, pa.ArrowInvalid) as exc:
        raise PipelineError(f"{path}: not a readable Parquet file ({exc})") from exc
    check_written_by(str(path), pf.schema_arrow, record_type)
    return pf


def check_written_by(where: str, schema: pa.Schema, record_type: type) -> None:
    """Refuse a file's schema unless this schema version (or an older compatible one) wrote
    ``record_type`` records; ``where`` names the file (a path or a URI) in the error. The
    one check of local files (``check_schema``) and of Ray inputs (``engine.storage``)."""
    meta = schema.metadata or {}
    version = meta.get(SCHEMA_VERSION_KEY, b"").decode() or "none"
    kind = meta.get(RECORD_TYPE_KEY, b"").decode() or "unknown"
    if version != SCHEMA_VERSION and not older_compatible(version, schema, record_type):
        raise SchemaVersionError(
            f"{where}: written with schema version {version}, this pipeline reads {SCHEMA_VERSION}"
        )
    if kind != record_type.__name__:
        raise SchemaVersionError(f"{where}: holds {kind} records, expected {record_type.__name__}")


def older_compatible(version: str, schema: pa.Schema, record_type: type) -> bool:
    """Whether a file of schema ``version`` reads as ``record_type`` with nulls filled in.

    Schema evolution: an older minor version of the same major whose columns are the
    current ones, same names and types, less some optional fields (a field added later,
    such as 1.2.0's ``author``). Readers then fill the missing columns with nulls
    (``with_missing``). Anything else (a newer or unparseable version, another major, a
    missing required field, a changed type, a column this version no longer has) is not.
    """
    current = [int(x) for x in SCHEMA_VERSION.split(".")]
    try:
        major, minor, _ = (int(x) for x in version.split("."))
    except ValueError:
        return False
    if major != current[0] or minor >= current[1]:
        return False
    target = arrow_schema(record_type)
    if any(target.get_field_index(f.name) < 0 for f in schema):
        return False
    features = _hf_features(schema)
    if any(target.field(f.name).type != _as_read(f.type, features.get(f.name)) for f in schema):
        return False
    return set(target.names) - set(schema.names) <= optional_fields(record_type)


def _hf_features(schema: pa.Schema) -> dict[str, Any]:
    """The ``datasets`` Features a file declares in its ``huggingface`` metadata (a release
    shard's), as JSON; empty for the pipeline's own files."""
    raw = (schema.metadata or {}).get(b"huggingface")
    if raw is None:
        return {}
    features = json.loads(raw).get("info", {}).get("features", {})
    return features if isinstance(features, dict) else {}


def _as_read(arrow_type: pa.DataType, feature: Any) -> pa.DataType:
    """The type a column has once read as records: a ``ClassLabel`` (stored as its class
    id) is its name, a string; list items take Arrow's default field name (``datasets``
    writes ``element``, pyarrow ``item``), so a release shard of an older schema version
    compares with the record schema on what it holds, not on how it is encoded."""
    if isinstance(feature, dict) and feature.get("_type") == "ClassLabel":
        return pa.string()
    if pa.types.is_list(arrow_type):
        inner = feature.get("feature") if isinstance(feature, dict) else None
        return pa.list_(_as_read(arrow_type.value_type, inner))
    if pa.types.is_struct(arrow_type):
        fields = (arrow_type.field(i) for i in range(arrow_type.num_fields))
        return pa.struct(
            [
                pa.field(f.name, _as_read(f.type, (feature or {}).get(f.name)), f.nullable)
                for f in fields
            ]
        )
    return arrow_type


def with_missing(data: T, record_type: type, columns: list[str] | None = None) -> T:
    """A batch or table read from an older-version file, with the columns of the current
    schema that file lacks added as nulls, in the current schema's order; ``columns``
    (dotted paths allowed) limits them to the ones asked for. Data that lacks nothing is
    returned as it is."""
    target = arrow_schema(record_type)
    wanted = target.names if columns is None else [n for n in target.names if n in _tops(columns)]
    if all(n in data.schema.names for n in wanted):
        return data
    arrays = [
        data.column(n) if n in data.schema.names else pa.nulls(data.num_rows, target.field(n).type)
        for n in wanted
    ]
    fields = [data.schema.field(n) if n in data.schema.names else target.field(n) for n in wanted]
    return type(data).from_arrays(arrays, schema=pa.schema(fields, data.schema.metadata))


def present(pf: pq.ParquetFile, columns: list[str] | None) -> list[str] | None:
    """``columns`` less those a file of an older version lacks (``with_missing`` adds them)."""
    if columns is None:
        return None
    names = set(pf.schema_arrow.names)
    return [c for c in columns if c.split(".")[0] in names]


def _tops(columns: list[str]) -> set[str]:
    return {c.split(".")[0] for c in columns}


def read_records(
    path: Path, record_type: type[R], batch_size: int = DEFAULT_ROW_GROUP
) -> Iterator[R]:
    """Stream records of ``record_type`` from a Parquet file, one batch in memory at a time."""
    pf = check_schema(path, record_type)
    for batch in pf.iter_batches(batch_size=batch_size):
        for row in with_missing(batch, record_type).to_pylist():
            yield from_row(record_type, row)


def count_records(path: Path, record_type: type) -> int:
    """Number of rows, from the footer alone (no data read)."""
    return int(check_schema(path, record_type).metadata.num_rows)


def write_tables(
    path: Path,
    tables: Iterable[pa.Table],
    record_type: type,
    row_group_size: int = DEFAULT_ROW_GROUP,
) -> int:
    """Write Arrow tables of ``record_type``'s schema to Parquet atomically; return the rows.

    The column-wise sibling of ``write_records``, for stages that transform whole batches
    without building a record object per row. Same options, so the same rows give the same
    bytes whichever writer made them.
    """
    schema = arrow_schema(record_type)
    count = 0
    try:
        with atomic_path(path) as tmp, pq.ParquetWriter(tmp, schema, **PARQUET_OPTIONS) as out:
            for table in tables:
                out.write_table(table.cast(schema), row_group_size=row_group_size)
                count += table.num_rows
    except OSError as exc:
        raise PipelineError(f"{path}: cannot write ({exc.strerror or exc})") from exc
    return count


def read_batches(
    path: Path,
    record_type: type,
    columns: list[str] | None = None,
    batch_size: int = DEFAULT_ROW_GROUP,
    threads: bool = True,
) -> Iterator[pa.RecordBatch]:
    """Stream Arrow record batches (optionally some columns only) after the schema check,
    for stages that work on columns rather than on one record object at a time.
    ``threads=False`` decodes on the calling thread only (for a reader that already runs
    beside other work: Arrow's own threads would then only compete for the same cores)."""
    pf = check_schema(path, record_type)
    try:
        for batch in pf.iter_batches(
            batch_size=batch_size, columns=present(pf, columns), use_threads=threads
        ):
            yield with_missing(batch, record_type, columns)
    except (OSError, pa.ArrowInvalid) as exc:
        raise PipelineError(f"{path}: unreadable data ({exc})") from exc


def prefetched(items: Iterator[R], depth: int = 2) -> Iterator[R]:
    """Yield from ``items`` while a thread already produces the next ``depth`` of them.

    For Parquet batches: Arrow reads and decodes without holding the GIL, so the next
    batch is read while the caller works on this one. An error in the thread is raised
    here; if the caller stops early, the thread stops at its next item.
    """
    import queue
    import threading

    ready: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(kind: str, item: Any) -> bool:
        while not stop.is_set():
            try:
                ready.put((kind, item), timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not offer("item", item):
                    return
            offer("end", None)
        except BaseException as exc:  # handed to the consumer, raised there
            offer("error", exc)

    thread = threading.Thread(target=produce, name="prefetch", daemon=True)
    thread.start()
    try:
        while True:
            kind, item = ready.get()
            if kind == "end":
                return
            if kind == "error":
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


class RowGroups:
    """The row groups of a checked Parquet file, read one at a time, some columns at a time:
    for passes that read a column of a group only when the others call for it."""

    def __init__(self, path: Path, record_type: type) -> None:
        self.path = path
        self.record_type = record_type
        self._file = check_schema(path, record_type)

    def __len__(self) -> int:
        return int(self._file.num_row_groups)

    def rows(self, index: int) -> int:
        """How many rows row group ``index`` holds (from the footer, nothing read)."""
        return int(self._file.metadata.row_group(index).num_rows)

    def read(self, index: int, columns: list[str]) -> pa.Table:
        """Row group ``index``, the given columns only."""
        try:
            table = self._file.read_row_group(index, columns=present(self._file, columns))
        except (OSError, pa.ArrowInvalid) as exc:
            raise PipelineError(f"{self.path}: unreadable data ({exc})") from exc
        return with_missing(table, self.record_type, columns)


class ShardWriter:
    """Stream Arrow tables into size-capped Parquet shards ``{prefix}-NNNNN-of-NNNNN.parquet``.

    Rows are buffered into row groups of exactly ``row_group_size`` (the last one shorter), so
    readers stream a group at a time whatever the size of the incoming tables. A new shard
    starts once the current one holds ``max_shard_bytes`` of Arrow data. Shards are written
    under hidden names and renamed when ``close`` knows their total (the ``-of-`` part); the
    caller publishes the folder as a whole. Same input, same bytes.

    Compressing and writing a group runs in a thread of its own (Arrow releases the GIL
    there), while the caller builds the next rows: at most one group waits behind the one
    being written, so memory stays at a few groups. Each shard's sha256 is taken on that
    thread too, as the shard closes. Call ``close``, or ``abort`` after an error, so that no
    write outlives the writer.
    """

    def __init__(
        self,
        folder: Path,
        prefix: str,
        schema: pa.Schema,
        row_group_size: int,
        max_bytes: int,
        options: dict[str, Any] | None = None,
    ) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.folder, self.prefix, self.schema = Path(folder), prefix, schema
        self.row_group_size, self.max_bytes = row_group_size, max_bytes
        #: ``ParquetWriter`` options over ``PARQUET_OPTIONS`` (fixed: same input, same bytes)
        self._options = {**PARQUET_OPTIONS, **(options or {})}
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self._writer: pq.ParquetWriter | None = None
        self._shard_bytes = 0
        self._shards: list[tuple[Path, int]] = []
        self._digests: list[Any] = []  # one future sha256 per closed shard
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"shards-{prefix}")
        self._inflight: list[Any] = []

    def write(self, table: pa.Table) -> None:
        """Add rows (any number); full row groups are handed to the writing thread.

        A small slice of a larger table is copied before it waits for its row group: held
        as a slice, it would keep the whole source batch alive until the group fills (a
        split that gets a tenth of each batch would hold ten batches).
        """
        if table.num_rows and table.get_total_buffer_size() > 2 * table.nbytes:
            table = table.take(pa.array(range(table.num_rows)))
        if table.num_rows:
            self._pending.append(table)
            self._pending_rows += table.num_rows
        while self._pending_rows >= self.row_group_size:
            merged = pa.concat_tables(self._pending)
            self._write_group(merged.slice(0, self.row_group_size))
            rest = merged.slice(self.row_group_size)
            self._pending, self._pending_rows = [rest], rest.num_rows

    def _submit(self, fn: Any, *args: Any) -> Any:
        future = self._pool.submit(fn, *args)
        self._inflight.append(future)
        while len(self._inflight) > 2:
            self._inflight.pop(0).result()  # re-raises the thread's error here
        return future

    def _finish_shard(self, writer: pq.ParquetWriter, path: Path) -> None:
        def finish() -> str:
            writer.close()
            return file_sha256(path)

        self._digests.append(self._submit(finish))

    def _write_group(self, group: pa.Table) -> None:
        if self._writer is None:
            path = self.folder / f".{self.prefix}-{len(self._shards):05d}.partial"
            self.folder.mkdir(parents=True, exist_ok=True)
            self._writer = pq.ParquetWriter(path, self.schema, **self._options)
            self._shards.append((path, 0))
            self._shard_bytes = 0
        writer = self._writer
        # written as it is, chunks and all: the same input gives the same chunks, hence the
        # same bytes, and a combined copy would cost a third of the cut's copying
        self._submit(lambda: writer.write_table(group, row_group_size=self.row_group_size))
        path, rows = self._shards[-1]
        self._shards[-1] = (path, rows + group.num_rows)
        self._shard_bytes += group.nbytes
        if self._shard_bytes >= self.max_bytes:
            self._finish_shard(writer, path)
            self._writer = None

    def close(self) -> list[tuple[Path, int, str]]:
        """Flush the last group, name the shards ``-NNNNN-of-NNNNN``; return each one's
        path, rows and sha256."""
        if self._pending_rows:
            self._write_group(pa.concat_tables(self._pending))
        self._pending, self._pending_rows = [], 0
        if self._writer is not None:
            self._finish_shard(self._writer, self._shards[-1][0])
            self._writer = None
        while self._inflight:
            self._inflight.pop(0).result()
        self._pool.shutdown()
        total = len(self._shards)
        named = []
        for i, ((path, rows), digest) in enumerate(zip(self._shards, self._digests, strict=True)):
            final = self.folder / f"{self.prefix}-{i:05d}-of-{total:05d}.parquet"
            os.replace(path, final)
            named.append((final, rows, digest.result()))
        return named

    def abort(self) -> None:
        """Stop after an error elsewhere: wait for the writing thread, close the open file
        (the caller removes the partial shards with their folder)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._inflight = []
        if self._writer is not None:
            with contextlib.suppress(Exception):
                self._writer.close()
            self._writer = None
