"""Streaming, atomic, deterministic Parquet I/O."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.errors import PipelineError, SchemaVersionError
from pipeline.io import (
    RowGroups,
    ShardWriter,
    count_records,
    file_sha256,
    prefetched,
    read_batches,
    read_records,
    write_jsonl,
    write_records,
)
from pipeline.schema import (
    SCHEMA_VERSION_KEY,
    Annotation,
    Article,
    QuarantineEntry,
    Span,
    arrow_schema,
    bare_article,
    to_row,
)

REPO = Path(__file__).resolve().parents[1]


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


# ------------------------------------------------------------------- schema evolution
def _articles() -> list[Article]:
    fields = list(Article.__dataclass_fields__)
    return [
        Article(
            **{
                k: getattr(bare_article(f"a{i}", f"Texte {i}.", author="Anne Roy"), k)
                for k in fields
            }
        )
        for i in range(5)
    ]


def _rewritten(src: Path, dst: Path, version: bytes, drop: tuple[str, ...] = ()) -> Path:
    """``src`` as another schema version wrote it: some columns gone, the version changed."""
    table = pq.read_table(src).drop_columns(list(drop))
    meta = {**table.schema.metadata, SCHEMA_VERSION_KEY: version}
    pq.write_table(table.replace_schema_metadata(meta), dst, row_group_size=2)
    return dst


def test_an_older_minor_version_reads_with_its_missing_optional_fields_null(
    tmp_path: Path,
) -> None:
    current = tmp_path / "current.parquet"
    write_records(current, _articles(), Article)
    old = _rewritten(current, tmp_path / "v1.1.parquet", b"1.1.0", drop=("author",))
    records = list(read_records(old, Article))
    assert [r.author for r in records] == [None] * 5
    assert [replace(r, author="Anne Roy") for r in records] == _articles()
    assert count_records(old, Article) == 5
    (batch,) = read_batches(old, Article, columns=["author", "id", "source.url"])
    assert batch.schema.names == ["id", "author", "source"]  # the current schema's order
    assert batch.column("author").to_pylist() == [None] * 5
    (whole,) = read_batches(old, Article)
    assert whole.schema == arrow_schema(Article).remove_metadata().with_metadata(
        whole.schema.metadata
    )
    groups = RowGroups(old, Article)
    assert groups.read(0, ["id", "author"]).column("author").to_pylist() == [None, None]
    # a file of this version is read as it is
    (same,) = read_batches(current, Article, columns=["id", "author"])
    assert same.column("author").to_pylist() == ["Anne Roy"] * 5
    # the Ray engine's input check takes it too, and its rows become records as locally
    from pipeline.engine.storage import check_source
    from pipeline.io import with_missing
    from pipeline.schema import from_row

    check_source(str(old), Article)
    rows = with_missing(pq.read_table(old), Article).to_pylist()
    assert [from_row(Article, row) for row in rows] == records


@pytest.mark.parametrize(
    ("version", "drop"),
    [
        (b"2.0.0", ()),  # another major
        (b"1.3.0", ()),  # newer
        (b"0.9.0", ()),  # older major
        (b"1.1.0", ("text",)),  # a required field missing
        (b"1.1.0", ("author", "outlet", "text")),
    ],
)
def test_other_versions_are_refused_in_one_line_naming_the_file(
    tmp_path: Path, version: bytes, drop: tuple[str, ...]
) -> None:
    current = tmp_path / "current.parquet"
    write_records(current, _articles(), Article)
    other = _rewritten(current, tmp_path / "other.parquet", version, drop)
    from pipeline.engine.storage import check_source

    for read in (
        lambda: next(read_records(other, Article)),
        lambda: check_source(str(other), Article),
    ):
        with pytest.raises(SchemaVersionError) as info:
            read()
        message = str(info.value)
        assert message.startswith(f"{other}: written with schema version {version.decode()}")
        assert "\n" not in message


def test_an_older_file_with_a_changed_type_is_refused(tmp_path: Path) -> None:
    table = pa.Table.from_pylist(
        [to_row(a) for a in _articles()], schema=arrow_schema(Article)
    ).drop_columns(["author"])
    table = table.set_column(
        table.schema.get_field_index("language_score"),
        "language_score",
        pa.array(["0.9"] * 5),
    )
    meta = {**arrow_schema(Article).metadata, SCHEMA_VERSION_KEY: b"1.1.0"}
    path = tmp_path / "typed.parquet"
    pq.write_table(table.replace_schema_metadata(meta), path)
    with pytest.raises(SchemaVersionError, match=r"typed\.parquet: written with schema version"):
        next(read_records(path, Article))


def test_the_committed_annotation_snapshot_still_reads() -> None:
    snapshot = REPO / "annotations" / "snapshot.parquet"
    meta = pq.ParquetFile(snapshot).schema_arrow.metadata
    assert meta[SCHEMA_VERSION_KEY] == b"1.1.0"  # written before author came
    # the committed snapshot holds no annotation yet: what matters is that it opens
    assert list(read_records(snapshot, Annotation)) == []
    assert count_records(snapshot, Annotation) == 0
    assert list(read_batches(snapshot, Annotation, columns=["article_id"])) == []


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
