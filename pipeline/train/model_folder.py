"""The trained model folder: a loadable spaCy pipeline that says what it is and learned from.

- ``meta.json``: spaCy's own, with ``name`` the folder's name and ``version`` a content hash
  (sha256 of every weight file and of the training record's data fingerprints), so the
  ``source`` of each predicted entity (``spacy:fr_NAME@VERSION``) changes with the data;
- ``training.json``: the data sources with their fingerprints (gold folders, release
  versions), the settings, losses and the dev figures;
- ``metrics.json``: the dev figures alone, for ``dvc metrics``.

The folder is written beside its final place and renamed onto it, so a failed run leaves
the previous model as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

from pipeline.errors import PipelineError
from pipeline.io import write_json

META = "meta.json"
TRAINING = "training.json"
METRICS = "metrics.json"
_RECORDS = frozenset({META, TRAINING, METRICS})


def content_version(folder: Path, record: dict[str, Any]) -> str:
    """12 hex digits of sha256 over the weight files (path and bytes, in path order) and
    the data fingerprints; meta.json and the records are left out (they hold the result)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder).as_posix()
        if relative in _RECORDS:
            continue
        digest.update(relative.encode() + b"\0")
        digest.update(path.read_bytes())
    digest.update(json.dumps(record["sources"], sort_keys=True).encode())
    return digest.hexdigest()[:12]


def write_model_folder(nlp: Any, out: Path, record: dict[str, Any]) -> str:
    """Write ``nlp`` with its records to ``out``; return the model's version."""
    name = re.sub(r"[^a-z0-9_]+", "_", out.name.lower()).strip("_") or "model"
    staging = out.with_name(f".{out.name}.staging-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        nlp.meta["name"] = name
        nlp.to_disk(staging)
        version = content_version(staging, record)
        nlp.meta["version"] = version
        meta = json.loads((staging / META).read_text(encoding="utf-8"))
        meta.update(name=name, version=version)
        write_json(staging / META, meta)
        write_json(staging / TRAINING, {**record, "version": version})
        write_json(staging / METRICS, record["metrics"])
        if out.exists():
            shutil.rmtree(out)
        os.replace(staging, out)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise PipelineError(f"{out}: cannot write the model ({exc.strerror or exc})") from exc
    return version
