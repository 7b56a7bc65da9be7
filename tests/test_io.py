"""Streaming, atomic, deterministic Parquet I/O."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.errors import PipelineError, SchemaVersionError
from pipeline.io import (
    ShardWriter,
    file_sha256,
    prefetched,
    read_records,
    write_jsonl,
    write_records,
)
from pipeline.schema import QuarantineEntry, Span, arrow_schema


def spans(n: int) -> list[Span]:
    return [Span(i, i + 3) for i in range(n)]


def test_round_trip_in_row_groups(tmp_path: Path) -> None:
    out = tmp_path / "spans.parquet"
    assert write_records(out, iter(spans(2500)), Span, row_group_size=1000) == 2500
    assert pq.ParquetFile(out).num_row_groups == 3
    assert list(read_records(out, Span)) == spans(2500)


def test_same_records_give_identical_bytes(tmp_path: Path) -> None:
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    write_records(a, spans(100), Span)
    write_records(b, spans(100), Span)
    assert a.read_bytes() == b.read_bytes()


def test_failed_write_keeps_previous_file_and_leaves_no_temp(tmp_path: Path) -> None:
    out = tmp_path / "spans.parquet"
    write_records(out, spans(5), Span)
    before = out.read_bytes()

    def broken():
        yield Span(0, 1)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_records(out, broken(), Span)
    assert out.read_bytes() == before
    assert os.listdir(tmp_path) == ["spans.parquet"]


def test_other_record_type_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "spans.parquet"
    write_records(out, spans(1), Span)
    with pytest.raises(SchemaVersionError, match="holds Span records, expected QuarantineEntry"):
        next(read_records(out, QuarantineEntry))


def test_foreign_parquet_is_refused(tmp_path: Path) -> None:
    import pyarrow as pa

    out = tmp_path / "foreign.parquet"
    pq.write_table(pa.table({"start": [1], "end": [2]}), out)
    with pytest.raises(SchemaVersionError, match="schema version none"):
        next(read_records(out, Span))


def test_unwritable_destination_is_one_line_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(PipelineError, match="cannot"):
        write_jsonl(blocker / "sub" / "out.jsonl", [{"a": 1}])


def test_prefetched_yields_everything_in_order_and_raises_the_readers_error() -> None:
    assert list(prefetched(iter(range(50)), depth=3)) == list(range(50))

    def failing() -> Iterator[int]:
        yield 1
        raise PipelineError("x.parquet: unreadable data")

    got = []
    with pytest.raises(PipelineError, match=r"x\.parquet: unreadable data"):
        for item in prefetched(failing()):
            got.append(item)
    assert got == [1]


def test_prefetched_stops_its_thread_when_the_consumer_stops() -> None:
    produced = []

    def endless() -> Iterator[int]:
        n = 0
        while True:
            produced.append(n)
            yield n
            n += 1

    stream = prefetched(endless(), depth=2)
    assert [next(stream) for _ in range(5)] == [0, 1, 2, 3, 4]
    stream.close()  # joins the thread: it must not run on
    stopped_at = len(produced)
    assert stopped_at <= 5 + 2 + 2
    assert not any(t.name == "prefetch" for t in threading.enumerate())


def _span_table(start: int, n: int) -> pa.Table:
    return pa.Table.from_pylist(
        [{"start": i, "end": i + 1} for i in range(start, start + n)], schema=arrow_schema(Span)
    )


def test_shard_writer_writes_exact_row_groups_in_order(tmp_path: Path) -> None:
    writer = ShardWriter(tmp_path, "train", arrow_schema(Span), 100, max_bytes=1 << 30)
    for start in range(0, 1050, 70):  # tables that do not line up with row groups
        writer.write(_span_table(start, min(70, 1050 - start)))
    [(path, rows, digest)] = writer.close()
    assert path.name == "train-00000-of-00001.parquet" and rows == 1050
    assert digest == file_sha256(path)
    pf = pq.ParquetFile(path)
    assert [pf.metadata.row_group(i).num_rows for i in range(pf.num_row_groups)] == [100] * 10 + [
        50
    ]
    assert pf.read()["start"].to_pylist() == list(range(1050))
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_shard_writer_abort_leaves_no_thread_and_closes_the_file(tmp_path: Path) -> None:
    writer = ShardWriter(tmp_path, "test", arrow_schema(Span), 10, max_bytes=1 << 30)
    writer.write(_span_table(0, 35))
    writer.abort()
    assert not any(t.name.startswith("shards-test") for t in threading.enumerate())
    partial = list(tmp_path.iterdir())
    assert [p.name for p in partial] == [".test-00000.partial"]
    # a valid file holding the groups written before the abort (one not started is dropped)
    assert pq.ParquetFile(partial[0]).metadata.num_rows in (10, 20, 30)
