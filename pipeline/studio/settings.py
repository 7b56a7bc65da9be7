"""The ``studio`` block of params.yaml as one frozen object, built at the command boundary.

``studio/config.py`` is the labeling-config renderer; these are the managed server's and the
client's knobs. Every studio command builds this once and passes it down, so the server,
client, push and pull modules never read params.yaml themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.params import load_params, require_keys

REQUIRED = (
    "venv",
    "port",
    "data_dir",
    "start_timeout_s",
    "stop_timeout_s",
    "request_timeout_s",
    "feature_flags",
    "batch_size",
    "page_size",
    "list_page_size",
    "order_window",
)


@dataclass(frozen=True)
class StudioSettings:
    """Server, client and push/pull settings (see params.yaml for their meaning)."""

    venv: Path
    port: int
    data_dir: Path
    start_timeout_s: float
    stop_timeout_s: float
    request_timeout_s: float
    #: (environment variable, value) pairs, in params.yaml's order
    feature_flags: tuple[tuple[str, Any], ...]
    batch_size: int
    page_size: int
    list_page_size: int
    #: ``push --order uncertain``: records held in memory per pass over the input
    order_window: int

    @classmethod
    def from_params(cls, params: dict[str, Any] | None = None) -> StudioSettings:
        """Build from a params section (default: params.yaml's ``studio``), checking keys."""
        p = load_params("studio") if params is None else params
        require_keys(p, "studio", REQUIRED)
        return cls(
            venv=Path(p["venv"]),
            port=int(p["port"]),
            data_dir=Path(p["data_dir"]),
            start_timeout_s=float(p["start_timeout_s"]),
            stop_timeout_s=float(p["stop_timeout_s"]),
            request_timeout_s=float(p["request_timeout_s"]),
            feature_flags=tuple(dict(p["feature_flags"] or {}).items()),
            batch_size=int(p["batch_size"]),
            page_size=int(p["page_size"]),
            list_page_size=int(p["list_page_size"]),
            order_window=int(p["order_window"]),
        )
