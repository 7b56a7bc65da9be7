"""Read ``params.yaml``: every threshold, model name, batch size, ratio and seed lives there.

DVC tracks the same file, so a value changed here reruns exactly the stages that read it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import PipelineError

DEFAULT_PATH = Path("params.yaml")


def params_path() -> Path:
    """The params file in use: ``PIPELINE_PARAMS`` if set, else ``params.yaml`` here, else the
    copy beside the package (so the CLI works from any folder of a checkout)."""
    env = os.environ.get("PIPELINE_PARAMS")
    if env:
        return Path(env)
    if DEFAULT_PATH.exists():
        return DEFAULT_PATH
    return Path(__file__).resolve().parent.parent / "params.yaml"


def load_params(section: str, path: Path | None = None) -> dict[str, Any]:
    """One top-level section of the params file, as a dict."""
    path = path or params_path()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise PipelineError(f"{path}: cannot read parameters ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise PipelineError(f"{path}: invalid YAML ({exc})") from exc
    if section not in data or not isinstance(data[section], dict):
        raise PipelineError(f"{path}: missing section '{section}'")
    section_params: dict[str, Any] = data[section]
    return section_params


def require_keys(params: Mapping[str, Any], section: str, names: Iterable[str]) -> None:
    """The one check every config's ``from_params`` makes: all of ``names`` are in the
    section, else one line naming the file, the section and every missing key at once (so
    a user fixes their params in one go, not one error per run)."""
    missing = [name for name in names if name not in params]
    if missing:
        raise PipelineError(f"{params_path()}: '{section}' lacks {', '.join(missing)}")


def params_relative(value: str | Path) -> Path:
    """A path written in the params file: relative to that file's folder (absolute: as is)."""
    path = Path(value)
    return path if path.is_absolute() else params_path().resolve().parent / path


def taxonomy_path() -> Path:
    """The one taxonomy file of every stage, ``preannotate.taxonomy``: pre-annotation labels
    with it, the studio renders its labeling config and instructions from it, and the release
    builds its ClassLabels from it, so the three can never run on different label sets."""
    value = load_params("preannotate").get("taxonomy")
    if not value:
        raise PipelineError(f"{params_path()}: preannotate.taxonomy is not set")
    return params_relative(value)
