"""``release verify``: is a release folder still exactly what its cut promised?

Checks, in order, stopping at the first bad file (its path is in the error): the manifest
reads; every listed file exists with its sha256 (data shards and the card); no file is there
that the manifest does not list; every shard has this pipeline's schema version, the
Features of the card and the row count of the manifest; the card's YAML names exactly the
shards of each split, with their counts; no story appears in two splits.
"""

from __future__ import annotations

import fnmatch
import re
from collections import Counter
from pathlib import Path
from typing import Any

from pipeline.errors import PipelineError
from pipeline.io import check_schema, file_sha256, read_batches
from pipeline.release.reader import CARD, MANIFEST, SHARD_RE, load_manifest
from pipeline.schema import ReleaseRecord


class VerifyError(PipelineError):
    """A release that does not match its manifest or card; names the first bad file."""


def _card(folder: Path) -> tuple[Any, Any, dict[str, list[str]]]:
    """(card data, Features, split → data_files patterns) parsed from ``README.md``."""
    from datasets.info import DatasetInfosDict
    from datasets.utils.metadata import MetadataConfigs
    from huggingface_hub import DatasetCard

    path = folder / CARD
    try:
        card = DatasetCard(path.read_text(encoding="utf-8"))
        infos = DatasetInfosDict.from_dataset_card_data(card.data)
        configs = MetadataConfigs.from_dataset_card_data(card.data)
        patterns: dict[str, list[str]] = {}
        for entry in configs["default"]["data_files"]:
            paths = entry["path"] if isinstance(entry["path"], list) else [entry["path"]]
            patterns.setdefault(entry["split"], []).extend(paths)
        return card.data, infos["default"], patterns
    except (ValueError, KeyError, TypeError) as exc:
        raise VerifyError(f"{path}: unreadable card front matter ({exc})") from exc


def verify(folder: Path) -> dict[str, int]:
    """Raise ``VerifyError`` naming the first bad file; return split → records if all is well.

    Three checks, cheapest first: every file is the one the manifest lists (checksums, no
    stray file); every shard agrees with the card (Features, rows, split patterns, sizes);
    no story sits in two splits."""
    folder = Path(folder)
    listed = load_manifest(folder)["files"]
    _check_files(folder, listed)
    shards = {name: SHARD_RE.match(Path(name).name) for name in listed if name != CARD}
    rows_per_split = _check_shards(folder, listed, shards)
    _check_stories(folder, shards)
    return rows_per_split


def _check_files(folder: Path, listed: dict[str, Any]) -> None:
    """The manifest's files are all there with their checksums, and nothing else is."""
    for name in sorted(listed):
        path = folder / name
        if not path.is_file():
            raise VerifyError(f"{path}: missing (listed in {MANIFEST})")
        if file_sha256(path) != listed[name]["sha256"]:
            raise VerifyError(f"{path}: sha256 differs from {MANIFEST}")
    on_disk = sorted(
        p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() or p.is_symlink()
    )
    for name in on_disk:
        if name not in listed and name != MANIFEST:
            raise VerifyError(f"{folder / name}: not in {MANIFEST}")


def _check_shards(
    folder: Path, listed: dict[str, Any], shards: dict[str, re.Match[str] | None]
) -> dict[str, int]:
    """Each shard is named, typed and counted as the card says; returns split → rows."""
    from datasets import Features

    _, info, patterns = _card(folder)
    rows_per_split: Counter[str] = Counter()
    for name, match in sorted(shards.items()):
        path = folder / name
        if match is None:
            raise VerifyError(f"{path}: not a shard name data/{{split}}-NNNNN-of-NNNNN.parquet")
        pf = check_schema(path, ReleaseRecord)
        if Features.from_arrow_schema(pf.schema_arrow) != info.features:
            raise VerifyError(f"{path}: Features differ from the card's dataset_info")
        if pf.metadata.num_rows != listed[name]["rows"]:
            raise VerifyError(
                f"{path}: {pf.metadata.num_rows} rows, {MANIFEST} says {listed[name]['rows']}"
            )
        split = match["split"]
        if not any(fnmatch.fnmatch(name, pat) for pat in patterns.get(split, [])):
            raise VerifyError(f"{path}: not matched by the card's data_files of split {split}")
        rows_per_split[split] += pf.metadata.num_rows
    card_splits = {name: s.num_examples for name, s in (info.splits or {}).items()}
    if card_splits != dict(rows_per_split):
        raise VerifyError(
            f"{folder / CARD}: split sizes {card_splits} but files hold {dict(rows_per_split)}"
        )
    return dict(rows_per_split)


def _check_stories(folder: Path, shards: dict[str, re.Match[str] | None]) -> None:
    """No story in two splits (the leakage the split-by-story promise rules out)."""
    story_split: dict[str, str] = {}
    for name, match in sorted(shards.items()):
        assert match is not None
        split = match["split"]
        for batch in read_batches(folder / name, ReleaseRecord, columns=["story_id"]):
            for story in batch.column("story_id").to_pylist():
                seen = story_split.setdefault(story, split)
                if seen != split:
                    raise VerifyError(f"{folder / name}: story {story} is also in split {seen}")
