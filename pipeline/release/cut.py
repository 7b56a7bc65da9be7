"""``release cut``: read the inputs, run the core, write the release aside, publish it.

This module owns the cut's I/O (through ``pipeline.io``) and its order of steps; the
decisions live in ``gold``, ``split`` and ``core``. Two passes over the pre-annotated file:
the first reads ids, stories and the MinHash normalize stored (not the texts), to plan the
splits; the second streams the records into the per-split shard writers. Nothing holds the
whole release in memory: the plan keeps a few hundred bytes per record, the second pass a
few row groups.

The second pass runs on three threads, because its three parts each release the GIL for
most of their work: one reads and decodes the next batch (Arrow), this one builds the
release rows (Arrow and numpy), and the shard writer's compresses and writes (Arrow).
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from pipeline.errors import PipelineError
from pipeline.io import (
    RowGroups,
    ShardWriter,
    atomic_open,
    count_records,
    file_sha256,
    prefetched,
    read_batches,
    read_json,
    write_json,
)
from pipeline.release import card as card_mod
from pipeline.release import store
from pipeline.release.adjudication import Adjudication, load_adjudicated
from pipeline.release.changes import diff_releases, first_release
from pipeline.release.config import ReleaseConfig
from pipeline.release.core import INPUT_COLUMNS, CutStats, release_batch
from pipeline.release.features import release_features, release_schema
from pipeline.release.gold import Gold
from pipeline.release.reader import CARD, DATA_DIR, MANIFEST
from pipeline.release.split import (
    InputError,
    SplitPlan,
    plan_splits,
    signature_rows,
    story_ids,
)
from pipeline.schema import (
    SCHEMA_VERSION,
    Annotation,
    FileEntry,
    PreannotatedArticle,
    ReleaseManifest,
)
from pipeline.schema import ReleaseRecord as Record
from pipeline.taxonomy import Taxonomy, load_taxonomy


@dataclasses.dataclass
class CutResult:
    """What the CLI reports after a cut."""

    folder: Path
    stats: CutStats
    manifest: ReleaseManifest
    orphan_annotations: int
    #: wall-clock seconds per step (reported, never written into the release)
    timings: dict[str, float]


def _fingerprint(path: Path, record_type: type) -> dict[str, Any]:
    return {
        "name": path.name,
        "sha256": file_sha256(path),
        "rows": count_records(path, record_type),
    }


def _plan(preannotated: Path, release: ReleaseConfig) -> SplitPlan:
    """Plan the splits from ids, stories and stored MinHash, one row group at a time (the
    text is read only for a group holding records without a stored MinHash)."""
    config = release.minhash  # normalize's settings: the ones its stored signatures used
    groups = RowGroups(preannotated, PreannotatedArticle)

    def group(index: int) -> tuple[pa.Array, pa.Array, NDArray[Any]]:
        part = groups.read(index, ["id", "story_id", "minhash"])
        if not part.num_rows:
            empty = pa.array([], pa.string())
            return empty, empty, np.zeros((0, config.num_perm), np.uint32)
        part = part.combine_chunks()
        ids = part["id"].chunk(0)

        def texts() -> list[str]:
            text: list[str] = groups.read(index, ["text"])["text"].to_pylist()
            return text

        rows = signature_rows(part["minhash"].chunk(0), ids, texts, config)
        return ids, story_ids(part["story_id"].chunk(0), ids), rows

    def signatures_at(positions: NDArray[Any]) -> NDArray[Any]:
        out = np.empty((len(positions), config.num_perm), np.uint32)
        start = 0
        for index in range(len(groups)):
            stop = start + groups.rows(index)
            lo, hi = np.searchsorted(positions, [start, stop])
            if hi > lo:
                out[lo:hi] = group(index)[2][positions[lo:hi] - start]
            start = stop
        return out

    try:
        plan = plan_splits(
            (group(index) for index in range(len(groups))),
            signatures_at,
            ratios=release.splits,
            seed=release.seed,
            threshold=release.near_duplicate_threshold,
            num_perm=config.num_perm,
        )
    except InputError as exc:
        raise PipelineError(f"{preannotated}: {exc}") from None
    plan.params["shingle_size"] = config.shingle_size
    return plan


#: leaf fields whose values come from small sets: worth a Parquet dictionary
CATEGORICAL = frozenset(
    {"date", "language", "outlet", "model_version", "verified", "label", "type", "mode"}
    | {"value", "source", "role", "negated", "hypothetical"}
)


def shard_layout(schema: pa.Schema, compression_level: int) -> dict[str, Any]:
    """Parquet options of release shards: dictionary pages for categorical columns only
    (on texts, ids and offsets the writer would build a dictionary per row group only to
    drop it), min/max statistics for ``id`` only (the one column a reader filters on),
    and the zstd level. Measured on a 100,000-article release: 20 % less CPU than
    dictionaries and statistics everywhere, files within 1 %."""
    leaves = list(_leaf_paths(schema))
    dictionary = [
        p for p in leaves if p.rsplit(".", 1)[-1] in CATEGORICAL or p == "annotators.list.element"
    ]
    return {
        "compression_level": compression_level,
        "use_dictionary": dictionary,
        "write_statistics": ["id"],
    }


def _leaf_paths(schema: pa.Schema) -> Iterator[str]:
    """The Parquet column paths of an Arrow schema (``entities.list.element.label``)."""

    def walk(prefix: str, kind: pa.DataType) -> Iterator[str]:
        if pa.types.is_struct(kind):
            for i in range(kind.num_fields):
                yield from walk(f"{prefix}.{kind.field(i).name}", kind.field(i).type)
        elif pa.types.is_list(kind):
            yield from walk(f"{prefix}.list.element", kind.value_type)
        else:
            yield prefix

    for field in schema:
        yield from walk(field.name, field.type)


def _write_shards(
    staged: Path,
    tables: Iterator[tuple[str, pa.Table]],
    splits: list[str],
    tax: Taxonomy,
    config: ReleaseConfig,
) -> dict[str, dict[str, Any]]:
    """Stream per-split tables into shard writers; return per-split files, rows, bytes."""
    schema = release_schema(tax)
    writers = {
        s: ShardWriter(
            staged / DATA_DIR,
            s,
            schema,
            config.row_group_size,
            config.max_shard_bytes,
            shard_layout(schema, config.compression_level),
        )
        for s in splits
    }
    num_bytes = dict.fromkeys(splits, 0)
    try:
        for split, table in tables:
            table = table.cast(schema)
            num_bytes[split] += table.nbytes
            writers[split].write(table)
    except BaseException:
        for writer in writers.values():
            writer.abort()
        raise
    out = {}
    for split in splits:
        shards = writers[split].close()
        out[split] = {
            "files": [f"{DATA_DIR}/{p.name}" for p, _, _ in shards],
            "entries": {
                f"{DATA_DIR}/{p.name}": {"bytes": p.stat().st_size, "rows": n, "sha256": digest}
                for p, n, digest in shards
            },
            "num_bytes": num_bytes[split],
        }
    return out


def _tables(
    preannotated: Path,
    gold: dict[str, Gold],
    plan: SplitPlan,
    tax: Taxonomy,
    stats: CutStats,
    verified_only: bool,
    batch_size: int,
) -> Iterator[tuple[str, pa.Table]]:
    offset = 0
    batches = read_batches(
        preannotated, PreannotatedArticle, list(INPUT_COLUMNS), batch_size, threads=False
    )
    changed = PipelineError(f"{preannotated}: changed while the release was being cut")
    for batch in prefetched(batches):
        if offset + batch.num_rows > len(plan.record_split):
            raise changed
        yield from release_batch(batch, offset, gold, plan, tax, stats, verified_only)
        offset += batch.num_rows
    if offset != len(plan.record_split):
        raise changed


def cut(
    version_text: str,
    preannotated: Path,
    annotations: Path | None,
    releases_dir: Path,
    notes: str | None = None,
    verified_only: bool = False,
    agreement_path: Path | None = None,
    date: str | None = None,
    reviews: Path | None = None,
    config: ReleaseConfig | None = None,
) -> CutResult:
    """Cut ``releases_dir/vX.Y.Z`` from the inputs; atomic, immutable, reproducible.

    ``config`` comes from the command (``ReleaseConfig.from_params()``, read once); a caller
    that passes none gets the same, read here."""
    version = store.parse_version(version_text)
    previous = store.check_new(releases_dir, version)  # fail fast; checked again at publish
    config = config or ReleaseConfig.from_params()
    tax = load_taxonomy(config.taxonomy)
    agreement = _read_agreement(agreement_path)
    clock = _Clock()
    plan, gold, adjudication, inputs = _prepare(
        preannotated, annotations, reviews, agreement_path, config, tax
    )
    clock.lap("inputs, gold and split plan")
    stats = CutStats(pull_dropped=adjudication.pull_dropped)
    staged = store.staging(releases_dir, version)
    try:
        tables = _tables(preannotated, gold, plan, tax, stats, verified_only, config.row_group_size)
        written = _write_shards(staged, tables, list(plan.ratios), tax, config)
        clock.lap("records and shards")
        if not sum(stats.records.values()):
            raise PipelineError(
                f"{preannotated}: no record to release ({stats.input_records} read, "
                f"{stats.unusable} flagged unusable, {stats.unverified_left_out} unverified "
                "left out)"
            )
        manifest = _manifest(version, previous, tax, config, plan, stats, written, inputs)
        manifest["notes"], manifest["date"] = notes or None, date
        manifest["verified_only"] = verified_only
        manifest["adjudication"] = adjudication.as_dict()
        _write_card(staged, store.vstr(version), manifest, written, stats, tax, agreement)
        write_json(staged / MANIFEST, manifest)  # the diff reads the staged release through it
        clock.lap("checksums and card")
        manifest["changes"] = _changes(stats, releases_dir, previous, staged)
        write_json(staged / MANIFEST, manifest)
        clock.lap("changes")
        folder = store.publish(staged, releases_dir, version, previous)
        clock.lap("publish")
    except BaseException as exc:
        store.discard(staged)
        if isinstance(exc, OSError):  # e.g. a full disk: one line naming the release
            target = store.folder(releases_dir, version)
            raise PipelineError(f"{target}: cannot write ({exc.strerror or exc})") from exc
        raise
    return CutResult(folder, stats, manifest, len(gold) - stats.gold_used, clock.laps)


def _read_agreement(path: Path | None) -> dict[str, Any] | None:
    """The agreement figures supplied for the card (a JSON object), if any."""
    agreement = read_json(path) if path else None
    if agreement is not None and not isinstance(agreement, dict):
        raise PipelineError(f"{path}: agreement figures must be a JSON object")
    return agreement


def _prepare(
    preannotated: Path,
    annotations: Path | None,
    reviews: Path | None,
    agreement_path: Path | None,
    config: ReleaseConfig,
    tax: Taxonomy,
) -> tuple[SplitPlan, dict[str, Gold], Adjudication, dict[str, Any]]:
    """The split plan, the adjudicated gold (reviews, then the merge strategy) and the
    inputs' fingerprints.

    Work the plan does not need runs beside it on side threads: hashing the input (hashlib
    releases the GIL), resolving the gold, importing ``datasets`` for the Features (0.4 s).
    """
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="cut-side") as side:
        fingerprint = side.submit(_fingerprint, preannotated, PreannotatedArticle)
        resolved = side.submit(load_adjudicated, annotations, reviews, config.merge)
        warm = side.submit(release_features, tax)
        plan = _plan(preannotated, config)
        gold, adjudication = resolved.result()
        inputs = {
            "preannotated": fingerprint.result(),
            "annotations": _fingerprint(annotations, Annotation) if annotations else None,
            "reviews": _fingerprint(reviews, Annotation) if reviews else None,
            "agreement": (
                {"name": agreement_path.name, "sha256": file_sha256(agreement_path), "rows": 1}
                if agreement_path
                else None
            ),
        }
        warm.result()
    return plan, gold, adjudication, inputs


def _write_card(
    staged: Path,
    version: str,
    manifest: ReleaseManifest,
    written: dict[str, dict[str, Any]],
    stats: CutStats,
    tax: Taxonomy,
    agreement: dict[str, Any] | None,
) -> None:
    """Write the dataset card, checked against its own front matter, and enter it (and its
    checksum) in the manifest's files."""
    features = release_features(tax)
    data = card_mod.card_data(
        features,
        {
            s: {"records": stats.records.get(s, 0), "num_bytes": w["num_bytes"]}
            for s, w in written.items()
        },
        manifest["params"],
        sum(stats.verified.values()),
        sum(stats.records.values()),
        sum(f["bytes"] for f in manifest["files"].values()),
    )
    content = card_mod.render(version, data, features, manifest, agreement)
    card_mod.check_card(content, data, features)
    with atomic_open(staged / CARD, "w") as fh:
        fh.write(content)
    manifest["files"][CARD] = _file_entry(staged / CARD, None)
    manifest["files"] = dict(sorted(manifest["files"].items()))


def _changes(
    stats: CutStats,
    releases_dir: Path,
    previous: tuple[int, int, int] | None,
    staged: Path,
) -> dict[str, Any]:
    """The changelog figures: against the previous release, or the first release's totals."""
    if previous is not None:
        return diff_releases(store.folder(releases_dir, previous), staged)
    totals: Counter[str] = Counter()
    for (_, kind, label), n in stats.labels.items():
        totals[f"{kind}:{label}"] += n
    return first_release(totals, sum(stats.records.values()), sum(stats.verified.values()))


class _Clock:
    """Wall-clock laps of the cut's steps, for the summary and the benchmark."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self._last, 3)
        self._last = now


def _file_entry(path: Path, rows: int | None) -> FileEntry:
    return {"bytes": path.stat().st_size, "rows": rows, "sha256": file_sha256(path)}


def _manifest(
    version: tuple[int, int, int],
    previous: tuple[int, int, int] | None,
    tax: Taxonomy,
    config: ReleaseConfig,
    plan: SplitPlan,
    stats: CutStats,
    written: dict[str, dict[str, Any]],
    inputs: dict[str, Any],
) -> ReleaseManifest:
    files = {name: entry for info in written.values() for name, entry in info["entries"].items()}
    return {
        "version": store.vstr(version),
        "previous": store.vstr(previous) if previous else None,
        "schema_version": SCHEMA_VERSION,
        "record_type": Record.__name__,
        "taxonomy": {"version": tax.version, "fingerprint": tax.fingerprint},
        "inputs": inputs,
        "params": {k: config.section[k] for k in sorted(config.section)},
        "split_names": list(plan.ratios),
        "splits": {
            s: {
                "records": stats.records.get(s, 0),
                "stories": stats.stories(s),
                "files": written[s]["files"],
            }
            for s in plan.ratios
        },
        "split_check": {
            **plan.params,
            "pairs": len(plan.pairs),
            "merged_stories": plan.merged_stories,
            "cross_split_pairs": plan.cross_split_pairs,
        },
        "stats": stats.as_dict(),
        "files": files,
    }
