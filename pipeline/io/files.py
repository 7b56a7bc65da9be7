"""Files on disk, written safely: atomic replacement, scratch files, stale temporaries, checksums.

Every write goes to a temporary file in the destination folder, is fsynced, then renamed
over the target: a crash leaves the previous file intact and no half-written one. A writer
killed outright (SIGKILL, OOM) cannot clean up after itself, so the next writer of the same
target deletes the temporaries of dead processes.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from pipeline.errors import PipelineError


def tmp_path_for(path: Path) -> Path:
    """A hidden temporary name beside ``path`` (same filesystem, so rename is atomic)."""
    return path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")


def fsync_dir(path: Path) -> None:
    """Persist a rename: fsync the folder that holds the new entry."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


#: The end of a temporary name made here: ``.tmp-PID-HEX`` or ``.scratch-PID-HEX``.
_TEMP_SUFFIX = re.compile(r"\.(?:tmp|scratch)-(\d+)-[0-9a-f]{8}$")


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):
        stat_line = Path(f"/proc/{pid}/stat").read_text()
        return stat_line.rsplit(")", 1)[1].split()[0] != "Z"
    return True


def sweep_stale_temps(path: Path) -> None:
    """Delete the temporary files of ``path`` left by a writer that was killed (SIGKILL, OOM,
    power loss): a dead process cannot clean up after itself, so the next writer of the same
    target does. Only hidden names made for ``path`` whose writer's pid is gone are touched."""
    path = Path(path)
    prefixes = (f".{path.name}.tmp-", f".{path.name}.scratch-", f"..{path.name}.scratch-")
    try:
        entries = [e for e in os.scandir(path.parent) if e.name.startswith(prefixes)]
    except OSError:
        return
    for entry in entries:
        match = _TEMP_SUFFIX.search(entry.name)
        if match and not pid_alive(int(match[1])):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success rename it onto ``path``, else delete it."""
    path = Path(path)
    if not path.parent.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PipelineError(f"{path}: cannot create folder ({exc.strerror})") from exc
    sweep_stale_temps(path)
    tmp = tmp_path_for(path)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


@contextlib.contextmanager
def atomic_open(path: Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Open a file for writing atomically (see ``atomic_path``)."""
    encoding = None if "b" in mode else "utf-8"
    with (
        atomic_path(path) as tmp,
        open(tmp, mode, encoding=encoding, newline="" if encoding else None) as fh,
    ):
        yield fh


@contextlib.contextmanager
def scratch_path(near: Path) -> Iterator[Path]:
    """A hidden temporary file path beside ``near`` (same disk as the final output), removed
    on exit whatever happens; for two-pass stages that spill records between passes."""
    near = Path(near)
    try:
        near.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PipelineError(f"{near}: cannot create folder ({exc.strerror or exc})") from exc
    sweep_stale_temps(near)
    tmp = near.with_name(f".{near.name}.scratch-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        yield tmp
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def file_sha256(path: Path) -> str:
    """The hex sha256 of a file's bytes, read in chunks."""
    import hashlib

    try:
        with open(path, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except FileNotFoundError as exc:
        raise PipelineError(f"{path}: no such file") from exc
