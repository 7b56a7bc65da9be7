"""Reading and writing the pipeline's files, by concern; every public name is importable from
``pipeline.io`` itself.

- ``files``: atomic replacement (temp file + fsync + rename), scratch files, the clean-up
  of a killed writer's temporaries, checksums.
- ``inputs``: the raw input items (walked folders, one item per file or per JSON line),
  bad paths as values.
- ``parquet``: record files (schema-checked streaming reads, deterministic row-group
  writes, size-capped release shards).
- ``jsonfiles``: JSON documents and JSON lines.

Stage cores never open files; commands do, through these helpers, so that every written
file is atomic and deterministic. Formats that one module alone reads (the taxonomy and
gazetteer YAML, brat and TimeML gold files, a release's own folder) are read where they are
parsed, with the same one-line errors.
"""

from pipeline.io.files import (
    atomic_open,
    atomic_path,
    file_sha256,
    fsync_dir,
    pid_alive,
    scratch_path,
    sweep_stale_temps,
    tmp_path_for,
)
from pipeline.io.inputs import RawInput, iter_input_files, read_inputs
from pipeline.io.jsonfiles import read_json, write_json, write_jsonl, write_jsonl_records
from pipeline.io.parquet import (
    DEFAULT_ROW_GROUP,
    PARQUET_OPTIONS,
    RowGroups,
    ShardWriter,
    check_schema,
    check_written_by,
    count_records,
    lean_arrow_memory,
    prefetched,
    read_batches,
    read_records,
    with_missing,
    write_records,
    write_tables,
)

__all__ = [
    "DEFAULT_ROW_GROUP",
    "PARQUET_OPTIONS",
    "RawInput",
    "RowGroups",
    "ShardWriter",
    "atomic_open",
    "atomic_path",
    "check_schema",
    "check_written_by",
    "count_records",
    "file_sha256",
    "fsync_dir",
    "iter_input_files",
    "lean_arrow_memory",
    "pid_alive",
    "prefetched",
    "read_batches",
    "read_inputs",
    "read_json",
    "read_records",
    "scratch_path",
    "sweep_stale_temps",
    "tmp_path_for",
    "with_missing",
    "write_json",
    "write_jsonl",
    "write_jsonl_records",
    "write_records",
    "write_tables",
]
