"""JSON documents and JSON-lines files, written atomically with sorted keys (same data,
same bytes)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pipeline.errors import PipelineError
from pipeline.io.files import atomic_open, atomic_path
from pipeline.schema import to_row


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    """Write dicts as JSON lines atomically (sorted keys: deterministic bytes)."""
    count = 0
    try:
        with atomic_open(path, "w") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
                count += 1
    except OSError as exc:
        raise PipelineError(f"{path}: cannot write ({exc.strerror or exc})") from exc
    return count


def write_jsonl_records(path: Path, records: Iterable[Any]) -> int:
    """Write records (dataclasses) as JSON lines atomically."""
    return write_jsonl(path, (to_row(r) for r in records))


def write_json(path: Path, obj: Any, private: bool = False) -> None:
    """Write one JSON document atomically (sorted keys); ``private`` makes it mode 0600.

    The mode is set on the temporary file before the rename, so a secret is never readable
    by others, not even for an instant.
    """
    try:
        with atomic_path(path) as tmp:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if private else 0o644)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(obj, fh, ensure_ascii=False, sort_keys=True, indent=1)
                fh.write("\n")
    except OSError as exc:
        raise PipelineError(f"{path}: cannot write ({exc.strerror or exc})") from exc


def read_json(path: Path) -> Any:
    """Read one JSON document; a missing or unreadable file is a one-line error."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise PipelineError(f"{path}: no such file") from exc
    except (OSError, ValueError) as exc:
        raise PipelineError(f"{path}: not readable JSON ({exc})") from exc
