"""Normalize on Ray: the local core per batch of files on workers, grouping keyed by band.

Workers read their files, run ``normalize_stream`` and compute each article's two MinHash
rows; they return values only: the articles as an Arrow table, what the driver needs to
find exact duplicates (ids, days, sources), the quarantine entries and the counts, and the
signatures cut into column blocks, one per LSH band (plus the columns no band uses). The
grouping then runs where those blocks are, in the shape of datatrove's MinHash dedup: one
task per band finds the rows whose band keys agree (candidate pairs), and one task per
block counts, for every candidate pair, the MinHash values the pair shares in its columns.
The driver only adds the counts up, so no process ever holds every signature, and the
similarity it gets (shared values / permutations) is exactly the local one; union-find,
near-duplicate links and story ids are then the local ``Grouper``'s own code.

Stats and quarantine entries come back as task results, merged once by the driver: a task
that dies is retried by Ray and its result is the only one the driver sees.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import ray

from pipeline.engine.config import EngineConfig
from pipeline.engine.session import ray_session
from pipeline.engine.storage import row_groups
from pipeline.io import RawInput, iter_input_files, read_inputs, write_tables
from pipeline.minhash import band_keys, lsh_bands, minhash_bytes, pairs_of_keys
from pipeline.normalize.command import with_groups
from pipeline.normalize.config import NormalizeConfig
from pipeline.normalize.core import normalize_stream, result_counts
from pipeline.normalize.grouping import Grouper, article_signatures
from pipeline.schema import Article, QuarantineEntry, Source, arrow_schema, to_row

Array = npt.NDArray[Any]
#: column ranges of a signature: one per LSH band, then the columns no band covers
Blocks = list[tuple[int, int]]


def column_blocks(threshold: float, num_perm: int) -> tuple[Blocks, int]:
    """The signature's column blocks for a threshold, and how many of them are bands."""
    bands, rows = lsh_bands(threshold, num_perm)
    blocks = [(b * rows, (b + 1) * rows) for b in range(bands)]
    if bands * rows < num_perm:
        blocks.append((bands * rows, num_perm))
    return blocks, bands


@dataclass
class FileBatch:
    """What one task returns besides the table and the blocks (small values)."""

    ids: list[str]
    dates: list[str | None]
    sources: list[Source]
    quarantined: list[QuarantineEntry]
    counts: Counter[str]


def normalize_files(
    paths: list[str], config: NormalizeConfig, near: Blocks, story: Blocks
) -> tuple[Any, ...]:
    """One task: normalize the files, then return the batch's values, its articles as a
    table (with their near-duplicate MinHash), and each column block of the signatures."""
    counts: Counter[str] = Counter()
    articles: list[Article] = []
    quarantined: list[QuarantineEntry] = []
    raws = read_inputs([Path(p) for p in paths], config.suffixes, config.max_article_bytes)
    for item in normalize_stream(raws, config):
        counts.update(result_counts(item))
        if isinstance(item, QuarantineEntry):
            quarantined.append(item)
        else:
            articles.append(item)
    pairs = [article_signatures(a.text, config) for a in articles]
    near_rows = np.array([p[0] for p in pairs], dtype=np.uint32).reshape(-1, config.num_perm)
    story_rows = np.array([p[1] for p in pairs], dtype=np.uint32).reshape(-1, config.story_num_perm)
    table = pa.Table.from_pylist(
        [
            to_row(dataclasses.replace(a, minhash=minhash_bytes(row)))
            for a, row in zip(articles, near_rows, strict=True)
        ],
        schema=arrow_schema(Article),
    )
    values = FileBatch(
        [a.id for a in articles], [a.date for a in articles], [a.source for a in articles],
        quarantined, counts,
    )  # fmt: skip
    return (
        values,
        table,
        *(np.ascontiguousarray(near_rows[:, a:b]) for a, b in near),
        *(np.ascontiguousarray(story_rows[:, a:b]) for a, b in story),
    )


def _kept(masks: list[Array], blocks: tuple[Array, ...]) -> Array:
    """One block's rows of the articles kept (exact duplicates out), in corpus order."""
    return np.concatenate([block[mask] for block, mask in zip(blocks, masks, strict=True)])


def band_pairs(masks: list[Array], *blocks: Array) -> Array:
    """One band: the pairs (i, j), i < j, of kept rows whose band values all agree."""
    rows = _kept(masks, blocks)
    return pairs_of_keys([band_keys(rows, 1, rows.shape[1])[:, 0]], len(rows))


def shared_values(pairs: Array, masks: list[Array], *blocks: Array) -> Array:
    """One block: for each pair, how many of the block's MinHash values the two share."""
    rows = _kept(masks, blocks)
    return np.asarray((rows[pairs[:, 0]] == rows[pairs[:, 1]]).sum(axis=1), dtype=np.int64)


class BandedGrouper(Grouper):
    """The local ``Grouper`` with its signatures left on the cluster, in column blocks: the
    driver registers ids, days and sources; candidate pairs and their similarities come
    from tasks over the blocks."""

    def __init__(self, config: NormalizeConfig) -> None:
        super().__init__(config)
        self.masks: list[Array] = []
        #: per kind (near, story): per column block, the block of each batch, in order
        self.blocks: dict[bool, list[list[Any]]] = {False: [], True: []}

    def verified_pairs(self, story: bool) -> Array:
        cfg = self.config
        threshold = cfg.story_threshold if story else cfg.near_duplicate_threshold
        width = cfg.story_num_perm if story else cfg.num_perm
        _, bands = column_blocks(threshold, width)
        n = len(self._ids)
        if n < 2:  # no pair to find (and no block to read)
            return np.empty((0, 2), dtype=np.int64)
        masks = ray.put(self.masks)
        band_task = ray.remote(band_pairs)
        found = ray.get([band_task.remote(masks, *refs) for refs in self.blocks[story][:bands]])
        codes = np.unique(np.concatenate([p[:, 0] * n + p[:, 1] for p in found]))
        pairs = np.stack([codes // n, codes % n], axis=1).astype(np.int64)
        if not len(pairs):
            return pairs
        shared_task = ray.remote(shared_values)
        pair_ref = ray.put(pairs)
        counts = sum(
            ray.get([shared_task.remote(pair_ref, masks, *refs) for refs in self.blocks[story]])
        )
        similarity = np.asarray(counts, dtype=np.int64) / width
        return pairs[similarity >= threshold]


@dataclass
class NormalizeRun:
    """The merged values of a run."""

    counts: Counter[str] = field(default_factory=Counter)
    groups: Counter[str] = field(default_factory=Counter)
    quarantined: list[QuarantineEntry] = field(default_factory=list)


def _units(
    inputs: list[Path], config: NormalizeConfig, size: int
) -> Iterator[RawInput | list[str]]:
    """The inputs in order: an unusable path as the error value ``read_inputs`` gives it,
    usable files in lists of ``size`` (one task each)."""
    batch: list[str] = []
    for path, error in iter_input_files(inputs, config.suffixes):
        if error is None:
            batch.append(str(path))
            if len(batch) == size:
                yield batch
                batch = []
            continue
        if batch:
            yield batch
            batch = []
        yield RawInput(str(path), error=error)
    if batch:
        yield batch


def normalize_on_ray(
    inputs: list[Path], out: Path, config: NormalizeConfig, engine: EngineConfig
) -> NormalizeRun:
    """Normalize ``inputs`` on the cluster ``engine`` names into the Parquet file ``out``
    (the local engine's rows, in the same order); return counts, groups and quarantine."""
    run = NormalizeRun()
    near, _ = column_blocks(config.near_duplicate_threshold, config.num_perm)
    story, _ = column_blocks(config.story_threshold, config.story_num_perm)
    with ray_session(engine):
        task = ray.remote(normalize_files).options(num_returns=2 + len(near) + len(story))
        grouper = BandedGrouper(config)
        grouper.blocks = {False: [[] for _ in near], True: [[] for _ in story]}
        # every batch is submitted first (Ray runs them as CPUs free up), then their values
        # are merged in input order, so the quarantine and the ids keep the local order
        units = [
            u if isinstance(u, RawInput) else cast(list[Any], task.remote(u, config, near, story))
            for u in _units(inputs, config, engine.batch_size)
        ]
        tables = []
        for unit in units:
            if isinstance(unit, RawInput):  # a path that could not be used: local code
                for entry in normalize_stream([unit], config):
                    run.counts.update(result_counts(entry))
                    if isinstance(entry, QuarantineEntry):
                        run.quarantined.append(entry)
                continue
            values_ref, table_ref, *block_refs = unit
            values: FileBatch = ray.get(values_ref)
            run.counts.update(values.counts)
            run.quarantined.extend(values.quarantined)
            mask = [
                grouper.register(i, d, s)
                for i, d, s in zip(values.ids, values.dates, values.sources, strict=True)
            ]
            grouper.masks.append(np.array(mask, dtype=bool))
            run.counts["kept"] += sum(mask)
            tables.append(table_ref)
            for index, ref in enumerate(block_refs[: len(near)]):
                grouper.blocks[False][index].append(ref)
            for index, ref in enumerate(block_refs[len(near) :]):
                grouper.blocks[True][index].append(ref)
        run.groups = grouper.finish()
        grouped = row_groups(_grouped(tables, grouper, run.counts), config.row_group_size)
        write_tables(out, grouped, Article, config.row_group_size)
    return run


def _grouped(tables: list[Any], grouper: BandedGrouper, counts: Counter[str]) -> Iterator[pa.Table]:
    """The kept articles, batch by batch, with their group columns filled in (their MinHash
    column is already there)."""
    for ref, mask in zip(tables, grouper.masks, strict=True):
        table = ray.get(ref).filter(pa.array(mask, type=pa.bool_()))
        yield with_groups(table, grouper.links(table.column("id").to_pylist()), counts)
