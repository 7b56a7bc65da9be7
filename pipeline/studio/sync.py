"""Sync state kept between runs: the pull cursor of each (server, project, snapshot file).

The cursor is only trusted while the snapshot it belongs to is unchanged (same sha256):
a snapshot edited, replaced or restored from elsewhere gets a full pull instead of an
incremental one built on the wrong base.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pipeline.io import read_json, write_json

SYNC_DIR = "sync"


class PullCursor:
    """Where ``pull`` of one project into one file left off."""

    def __init__(self, data_dir: Path, url: str, project_id: int, out: Path) -> None:
        self.key = {"url": url, "project_id": project_id, "out": str(Path(out).resolve())}
        digest = hashlib.sha256(repr(sorted(self.key.items())).encode()).hexdigest()[:16]
        self.path = Path(data_dir) / SYNC_DIR / f"pull-{project_id}-{digest}.json"

    def load(self, snapshot_sha256: str) -> str | None:
        """The stored cursor, if it was saved with this very snapshot."""
        if not self.path.exists():
            return None
        state = read_json(self.path)
        if state.get("key") != self.key or state.get("sha256") != snapshot_sha256:
            return None
        return state.get("cursor")

    def save(self, cursor: str, snapshot_sha256: str) -> None:
        write_json(self.path, {"key": self.key, "cursor": cursor, "sha256": snapshot_sha256})
