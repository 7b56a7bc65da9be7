"""The releases folder: version names, the order of releases, atomic publication.

A cut is written aside, in a hidden temporary folder inside the releases folder (same
filesystem), then published by one ``os.rename`` while an exclusive lock on
the releases folder is held. Under that lock the target version must not exist, must be
greater than the last release, and the last release must still be the one this cut was
compared with; otherwise the cut fails with one line and its temporary folder is removed.
So two cuts racing for one version leave one release and one clear error, and a reader
never sees a half-written version folder. ``CHANGELOG.md`` is regenerated from the
manifests inside the same lock, so it always matches the folders.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.io import atomic_open, fsync_dir, pid_alive
from pipeline.release.changes import render_entry
from pipeline.release.reader import MANIFEST, load_manifest

VERSION_RE = re.compile(r"^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
CHANGELOG = "CHANGELOG.md"
#: ``.cut-vX.Y.Z-PID-HEX``: a cut being written (see ``staging``)
STAGING_RE = re.compile(r"^\.cut-v\d+\.\d+\.\d+-(\d+)-[0-9a-f]{8}$")
Version = tuple[int, int, int]


def parse_version(text: str) -> Version:
    """``X.Y.Z`` (or ``vX.Y.Z``) → a comparable tuple; anything else is a one-line error."""
    match = VERSION_RE.match(text.strip())
    if not match:
        raise PipelineError(f"'{text}' is not a version X.Y.Z (e.g. 1.0.0)")
    return int(match[1]), int(match[2]), int(match[3])


def vstr(version: Version) -> str:
    """A version tuple as ``X.Y.Z``."""
    return ".".join(map(str, version))


def folder(releases_dir: Path, version: Version) -> Path:
    """Where a version lives: ``releases/vX.Y.Z``."""
    return Path(releases_dir) / f"v{vstr(version)}"


def versions(releases_dir: Path) -> list[Version]:
    """Every published version (a ``vX.Y.Z`` folder with a manifest), ascending."""
    root = Path(releases_dir)
    if not root.is_dir():
        return []
    found = []
    for child in root.iterdir():
        match = VERSION_RE.match(child.name)
        if child.name.startswith("v") and match and (child / MANIFEST).is_file():
            found.append(parse_version(child.name))
    return sorted(found)


def existing(releases_dir: Path, text: str) -> Path:
    """The folder of an existing version, or a one-line error listing what exists."""
    path = folder(releases_dir, parse_version(text))
    if not (path / MANIFEST).is_file():
        known = ", ".join(f"v{vstr(v)}" for v in versions(releases_dir)) or "none"
        raise PipelineError(f"{path}: no such release (releases: {known})")
    return path


def check_new(releases_dir: Path, version: Version) -> Version | None:
    """Refuse a version that exists or is not greater than the last; return the last."""
    target = folder(releases_dir, version)
    if target.exists():
        raise PipelineError(
            f"{target}: v{vstr(version)} already exists and releases are immutable; "
            "cut a new version"
        )
    known = versions(releases_dir)
    last = known[-1] if known else None
    if last is not None and version <= last:
        raise PipelineError(f"v{vstr(version)} is not greater than the last release v{vstr(last)}")
    return last


def sweep_stale_staging(releases_dir: Path) -> None:
    """Remove staging folders of cuts whose process is gone (killed: it could not discard
    its own); a live cut's folder is left alone."""
    for entry in Path(releases_dir).glob(".cut-v*"):
        match = STAGING_RE.match(entry.name)
        if match and not pid_alive(int(match[1])):
            discard(entry)


def staging(releases_dir: Path, version: Version) -> Path:
    """A fresh hidden folder to write a cut into, beside its final place."""
    root = Path(releases_dir)
    try:
        root.mkdir(parents=True, exist_ok=True)
        sweep_stale_staging(root)
        path = root / f".cut-v{vstr(version)}-{os.getpid()}-{secrets.token_hex(4)}"
        path.mkdir()
    except OSError as exc:
        raise PipelineError(f"{root}: cannot create a staging folder ({exc.strerror})") from exc
    return path


def discard(path: Path) -> None:
    """Remove a staging folder (after a failed or refused cut)."""
    shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def locked(releases_dir: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on the releases folder itself (blocking; released on exit
    or crash; no lock file left behind)."""
    Path(releases_dir).mkdir(parents=True, exist_ok=True)
    fd = os.open(releases_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def publish(staged: Path, releases_dir: Path, version: Version, previous: Version | None) -> Path:
    """Move a staged cut into place atomically and regenerate the changelog."""
    target = folder(releases_dir, version)
    with locked(releases_dir):
        last = check_new(releases_dir, version)
        if last != previous:
            raise PipelineError(
                f"v{vstr(last) if last else 'none'} was released while this cut ran; "
                "cut again so the changelog compares with it"
            )
        try:
            os.rename(staged, target)  # fails if the target appeared: never a mixed folder
        except OSError as exc:
            raise PipelineError(f"{target}: cannot publish ({exc.strerror})") from exc
        fsync_dir(Path(releases_dir))
        write_changelog(releases_dir)
    return target


def write_changelog(releases_dir: Path) -> Path:
    """``CHANGELOG.md`` from every release manifest, newest first."""
    path = Path(releases_dir) / CHANGELOG
    parts = [
        "# Changelog",
        "",
        "Generated by `pipeline release cut` from each release's manifest; do not edit.",
        "",
    ]
    for version in reversed(versions(releases_dir)):
        parts.append(render_entry(vstr(version), load_manifest(folder(releases_dir, version))))
    with atomic_open(path, "w") as fh:
        fh.write("\n".join(parts).rstrip() + "\n")
    return path
