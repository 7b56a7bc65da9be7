"""Raw inputs: walk the input folders and read each item's bytes, or say why not.

One bad path (missing, unreadable, a FIFO, too large, a symlink loop) is a value that
travels through the batch (``RawInput.error``), never an exception that stops it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RawInput:
    """The raw bytes of one input item (a file, or one line of a line-based file), or why not.

    Exactly one of ``data`` and ``error`` is set, so a bad path travels through the batch as
    a value instead of stopping it; ``line`` is the 1-based line number for line-based files.
    What the bytes mean is the caller's business.
    """

    path: str
    data: bytes | None = None
    error: str | None = None
    line: int | None = None


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _walk(
    folder: Path, wanted: frozenset[str], ancestors: frozenset[tuple[int, int]]
) -> Iterator[tuple[Path, str | None]]:
    try:
        st = folder.stat()
        key = (st.st_dev, st.st_ino)
        if key in ancestors:
            yield folder, "symlink loop (leads back into a folder being walked)"
            return
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        yield folder, f"cannot read folder ({_reason(exc)})"
        return
    inside = ancestors | {key}
    for entry in entries:
        path = Path(entry.path)
        if entry.is_symlink():
            try:
                os.stat(path)
            except OSError as exc:  # dangling link, or a link to itself (ELOOP)
                yield path, f"cannot read ({_reason(exc)})"
                continue
        if entry.is_dir():
            yield from _walk(path, wanted, inside)
        elif path.suffix.lower() in wanted:
            yield path, None


def iter_input_files(
    roots: Iterable[Path], suffixes: Iterable[str]
) -> Iterator[tuple[Path, str | None]]:
    """Every file under ``roots`` with one of ``suffixes``, each with None or why it is unusable.

    Folders are walked recursively in name order (deterministic), following symlinked folders;
    a link leading back into a folder being walked is reported as a loop, not followed forever.
    A root named explicitly is always reported: a missing one or one of another type is an
    error value, so one bad argument does not stop a batch.
    """
    wanted = frozenset(s.lower() for s in suffixes)
    for root in map(Path, roots):
        try:
            is_dir = root.is_dir()
            os.stat(root)
        except OSError as exc:
            yield root, f"cannot read ({_reason(exc)})"
            continue
        if is_dir:
            yield from _walk(root, wanted, frozenset())
        elif root.suffix.lower() in wanted:
            yield root, None
        else:
            expected = ", ".join(sorted(wanted))
            yield root, f"unsupported file type '{root.suffix}' (expected {expected})"


def _read_lines(path: Path, max_bytes: int) -> Iterator[RawInput]:
    name, number = str(path), 0
    try:
        with open(path, "rb") as fh:
            for number, line in enumerate(fh, 1):
                line = line.rstrip(b"\r\n")
                if not line.strip():
                    continue
                if len(line) > max_bytes:
                    reason = f"line too large ({len(line):,} bytes > limit {max_bytes:,})"
                    yield RawInput(name, error=reason, line=number)
                else:
                    yield RawInput(name, data=line, line=number)
    except OSError as exc:
        yield RawInput(name, error=f"cannot read ({_reason(exc)})", line=number + 1)


def read_inputs(
    roots: Iterable[Path],
    suffixes: Iterable[str],
    max_bytes: int,
    line_suffixes: Iterable[str] = (".jsonl",),
) -> Iterator[RawInput]:
    """Stream the raw bytes of every input under ``roots``, one item at a time.

    Files with a suffix in ``line_suffixes`` give one item per non-blank line (with its line
    number); other files give one item each. Anything larger than ``max_bytes`` is reported
    instead of read, so one huge file cannot exhaust memory.
    """
    by_line = frozenset(s.lower() for s in line_suffixes)
    for path, error in iter_input_files(roots, suffixes):
        name = str(path)
        if error is not None:
            yield RawInput(name, error=error)
            continue
        try:
            st = path.stat()
        except OSError as exc:
            yield RawInput(name, error=f"cannot read ({_reason(exc)})")
            continue
        if not stat.S_ISREG(st.st_mode):  # opening a FIFO would block the batch for ever
            yield RawInput(name, error="not a regular file (a FIFO, socket or device)")
            continue
        if path.suffix.lower() in by_line:
            yield from _read_lines(path, max_bytes)
            continue
        try:
            size = st.st_size
            if size > max_bytes:
                yield RawInput(name, error=f"too large ({size:,} bytes > limit {max_bytes:,})")
                continue
            with open(path, "rb") as fh:
                data = fh.read(max_bytes + 1)
        except OSError as exc:
            yield RawInput(name, error=f"cannot read ({_reason(exc)})")
            continue
        if len(data) > max_bytes:  # grew while we looked
            yield RawInput(name, error=f"too large (more than {max_bytes:,} bytes)")
        else:
            yield RawInput(name, data=data)
