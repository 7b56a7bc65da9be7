"""Sync state kept between runs, under ``DATA_DIR/sync/`` (no secrets in it).

- Push: what the last push knew of each article's task (id, model versions, annotated),
  with the server fingerprint taken right after it. It is only trusted while the server
  still shows that fingerprint, and only to conclude "nothing to send"; anything else
  goes through a full listing of the project's tasks.
- Pull: the cursor of each (server, project, snapshot file), only trusted while the
  snapshot is unchanged (same sha256): a snapshot edited, replaced or restored from
  elsewhere gets a full pull instead of an incremental one built on the wrong base.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.io import read_json, write_json

SYNC_DIR = "sync"


def _state_path(data_dir: Path, kind: str, key: dict[str, Any]) -> Path:
    digest = hashlib.sha256(repr(sorted(key.items())).encode()).hexdigest()[:16]
    return Path(data_dir) / SYNC_DIR / f"{kind}-{key['project_id']}-{digest}.json"


@dataclass
class ExistingTask:
    """What the push needs to know about a task already in the project."""

    task_id: int
    model_versions: frozenset[str]
    annotated: bool


class PushState:
    """What the last complete push to one project of one server left there."""

    def __init__(self, data_dir: Path, url: str, project_id: int) -> None:
        self.key = {"url": url, "project_id": project_id}
        self.path = _state_path(data_dir, "push", self.key)

    def load(self, fingerprint: dict[str, Any]) -> dict[str, ExistingTask] | None:
        """The tasks by article id, if the server still shows the saved fingerprint."""
        if not self.path.exists():
            return None
        state = read_json(self.path)
        if state.get("key") != self.key or state.get("fingerprint") != fingerprint:
            return None
        return {
            article_id: ExistingTask(task_id, frozenset(versions), annotated)
            for article_id, (task_id, versions, annotated) in state["tasks"].items()
        }

    def save(self, fingerprint: dict[str, Any], tasks: dict[str, ExistingTask]) -> None:
        rows = {
            article_id: [t.task_id, sorted(t.model_versions), t.annotated]
            for article_id, t in sorted(tasks.items())
        }
        write_json(self.path, {"key": self.key, "fingerprint": fingerprint, "tasks": rows})

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


class PullCursor:
    """Where ``pull`` of one project into one file left off."""

    def __init__(self, data_dir: Path, url: str, project_id: int, out: Path) -> None:
        self.key = {"url": url, "project_id": project_id, "out": str(Path(out).resolve())}
        self.path = _state_path(data_dir, "pull", self.key)

    def load(self, snapshot_sha256: str) -> str | None:
        """The stored cursor, if it was saved with this very snapshot."""
        if not self.path.exists():
            return None
        state = read_json(self.path)
        if state.get("key") != self.key or state.get("sha256") != snapshot_sha256:
            return None
        cursor: str | None = state.get("cursor")
        return cursor

    def save(self, cursor: str, snapshot_sha256: str) -> None:
        write_json(self.path, {"key": self.key, "cursor": cursor, "sha256": snapshot_sha256})
