"""Streaming, atomic, deterministic Parquet I/O."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.errors import PipelineError, SchemaVersionError
from pipeline.io import read_records, write_jsonl, write_records
from pipeline.schema import QuarantineEntry, Span


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
