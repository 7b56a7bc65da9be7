"""Leakage-free splits: by story, seeded and deterministic, checked with MinHash.

Every record belongs to a *split group*: its story (``story_id``, else its own id), merged
with every other story it shares a near-duplicate with. Near duplicates are found over the
whole release input with normalize's own MinHash signatures (``Article.minhash``: the same
shingles, permutations and banded LSH, so "near duplicate" means one thing in the whole
pipeline), and a re-told story that normalize clustered apart (two normalize runs never
compare their articles) still lands in one split. A group's split is a seeded xxh64 of its
representative story id (the smallest one) mapped onto the cumulative ratios: the same
stories always go to the same split, whatever else is in the release. After the split,
every near-duplicate pair is checked again: a pair across two splits is a program error,
and the figures go into the dataset card.

The plan keeps per record its LSH band keys (72 bytes), id, story index and split code,
never its signature, text or labels.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash
from numpy.typing import NDArray

from pipeline.errors import PipelineError
from pipeline.minhash import (
    MinhashConfig,
    Rows,
    band_keys,
    lsh_bands,
    near_signature,
    pairs_of_keys,
    words,
)

_HASH_SPACE = float(2**64)


class InputError(PipelineError):
    """A record of the input the splits cannot be planned with (the caller names the file)."""


class DuplicateIdError(InputError):
    """Two input records share an id: a release's ids must be keys."""


def check_ratios(ratios: dict[str, float]) -> dict[str, float]:
    """Split names → ratios (params order), each in (0, 1], summing to 1."""
    if not ratios or any(not (0 < float(r) <= 1) for r in ratios.values()):
        raise PipelineError(f"release.splits: ratios must be in (0, 1], got {ratios}")
    if abs(sum(float(r) for r in ratios.values()) - 1.0) > 1e-6:
        raise PipelineError(f"release.splits: ratios must sum to 1, got {ratios}")
    return {name: float(r) for name, r in ratios.items()}


def story_ids(stories: pa.Array, ids: pa.Array) -> pa.Array:
    """Each record's story: its ``story_id``, or its own id when it has none (null or "")."""
    missing = pc.fill_null(pc.equal(stories, ""), True)
    return pc.if_else(missing, ids, stories)


def split_of(group: str, seed: int, ratios: dict[str, float]) -> str:
    """The split of a group: xxh64(seed, group id) as a fraction, against cumulative ratios."""
    u = xxhash.xxh64_intdigest(group.encode("utf-8"), seed=seed) / _HASH_SPACE
    cumulative = 0.0
    for name, ratio in ratios.items():
        cumulative += ratio
        if u < cumulative:
            return name
    return next(reversed(ratios))


def signature_rows(
    minhash: pa.Array, ids: pa.Array, texts: Callable[[], list[str]], config: MinhashConfig
) -> NDArray[Any]:
    """The (records, ``num_perm``) uint32 MinHash rows of a batch.

    Stored signatures (``Article.minhash``) are read in place; a record without one (text
    that did not come through normalize) gets it computed from its text exactly as
    normalize would, and ``texts`` is only called then. A stored signature of another size
    means normalize ran with other params: comparing it would be meaningless, so it is an
    error naming the record.
    """
    width = config.num_perm
    lengths = pc.binary_length(minhash).fill_null(-1).to_numpy(zero_copy_only=False)
    wrong = np.flatnonzero((lengths >= 0) & (lengths != 4 * width))
    if len(wrong):
        k = int(wrong[0])
        raise InputError(
            f"record {ids[k].as_py()}: its MinHash has {lengths[k] // 4} values but "
            f"normalize.num_perm is {width}: normalize the articles again"
        )
    out = np.empty((len(minhash), width), dtype=np.uint32)
    present = lengths >= 0
    if present.any():
        stored = minhash if present.all() else minhash.filter(pa.array(present))
        offsets = np.frombuffer(stored.buffers()[1], np.int32, len(stored) + 1, stored.offset * 4)
        data = np.frombuffer(stored.buffers()[2], np.uint8)[offsets[0] : offsets[-1]]
        out[present] = data.view("<u4").reshape(-1, width)
    if not present.all():
        text = texts()
        for k in np.flatnonzero(~present).tolist():
            out[k] = near_signature(words(text[k]), config)
    return out


def _jaccard(
    pairs: NDArray[Any], signatures_at: Callable[[NDArray[Any]], NDArray[Any]]
) -> NDArray[Any]:
    """Estimated Jaccard similarity (share of equal MinHash values) of each pair."""
    if not len(pairs):
        return np.zeros(0)
    members = np.unique(pairs)
    sigs = signatures_at(members)
    out = np.empty(len(pairs))
    for start in range(0, len(pairs), 10_000):  # (pairs, num_perm) comparisons, in chunks
        part = np.searchsorted(members, pairs[start : start + 10_000])
        out[start : start + len(part)] = (sigs[part[:, 0]] == sigs[part[:, 1]]).mean(axis=1)
    return out


@dataclass
class SplitPlan:
    """The split of every input record (by position) and the near-duplicate evidence."""

    ratios: dict[str, float]
    seed: int
    #: per input record, in input order: the index of its split in ``ratios``
    record_split: NDArray[Any] = field(default_factory=lambda: np.zeros(0, np.uint8))
    #: per input record: the index of its story (stories are numbered in order of appearance)
    record_story: NDArray[Any] = field(default_factory=lambda: np.zeros(0, np.int32))
    stories: int = 0
    #: near-duplicate pairs (record id, record id, estimated Jaccard), earlier record first
    pairs: list[tuple[str, str, float]] = field(default_factory=list)
    merged_stories: int = 0
    cross_split_pairs: int = 0
    params: dict[str, float] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        """The split names, in params order (``record_split`` indexes this list)."""
        return list(self.ratios)


class _UnionFind:
    """Union-find over story indices whose representative is the smallest story id (only
    the stories in a near-duplicate pair ever enter it)."""

    def __init__(self, names: pa.StringArray) -> None:
        self.names = names
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        root = x
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while x != root:
            self.parent[x], x = root, self.parent.get(x, x)
        return root

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        lo, hi = sorted((ra, rb), key=lambda s: self.names[s].as_py())
        self.parent[hi] = lo
        return True


def _story_splits(names: pa.StringArray, groups: _UnionFind, plan: SplitPlan) -> NDArray[Any]:
    """The split code of every story: its group's representative's split. Names are turned
    into Python strings a slice at a time, so the plan never holds them all."""
    code = {name: k for k, name in enumerate(plan.ratios)}
    out = np.empty(len(names), dtype=np.uint8)
    step = 65_536
    for start in range(0, len(names), step):
        for k, name in enumerate(names.slice(start, step).to_pylist(), start):
            root = groups.find(k)
            group = name if root == k else names[root].as_py()
            out[k] = code[split_of(group, plan.seed, plan.ratios)]
    return out


def _check_unique(ids: pa.ChunkedArray) -> None:
    """Refuse repeated ids; counting distinct ids first keeps the (rare) table of counts
    out of memory when there is none."""
    if pc.count_distinct(ids).as_py() == len(ids):
        return
    counts = pc.value_counts(ids)
    repeated = counts.filter(pc.greater(counts.field("counts"), 1))
    first = repeated.field("values")[0].as_py()
    raise DuplicateIdError(f"record id {first} appears twice in the input")


def plan_splits(
    batches: Iterable[tuple[pa.Array, pa.Array, NDArray[Any]]],
    signatures_at: Callable[[NDArray[Any]], NDArray[Any]],
    ratios: dict[str, float],
    seed: int,
    threshold: float,
    num_perm: int,
) -> SplitPlan:
    """Plan the splits from (record ids, story ids, signature rows) batches, streamed.

    Story ids must be filled in (a record without one is its own story). Signatures are
    ``num_perm`` uint32 values per record, as normalize computes them. Only their LSH band
    keys are kept (8 bytes a band, 72 in all at 0.8 and 128 permutations, against 512 for
    the signature); the candidates' signatures are fetched again, by record position, with
    ``signatures_at`` (sorted positions in, their rows out), to verify each candidate pair.
    """
    plan = SplitPlan(ratios=check_ratios(ratios), seed=seed)
    plan.params = {"threshold": threshold, "num_perm": num_perm}
    bands, rows_per_band = lsh_bands(threshold, num_perm)
    keys = Rows(bands, dtype=np.uint64)
    id_chunks: list[pa.Array] = []
    story_chunks: list[pa.Array] = []
    for ids, stories, rows in batches:
        id_chunks.append(ids)
        story_chunks.append(stories)
        keys.extend(band_keys(rows, bands, rows_per_band))
    ids = pa.chunked_array(id_chunks, pa.string())
    _check_unique(ids)
    encoded = pa.chunked_array(story_chunks, pa.string()).combine_chunks().dictionary_encode()
    record_story = encoded.indices.to_numpy().astype(np.int32)
    names: pa.StringArray = encoded.dictionary
    del story_chunks, encoded

    candidates = pairs_of_keys((keys.columns(b, b + 1)[:, 0] for b in range(bands)), keys.count)
    del keys
    jaccard = _jaccard(candidates, signatures_at)
    near = candidates[jaccard >= threshold]
    groups = _UnionFind(names)
    for i, j in near.tolist():
        plan.merged_stories += groups.union(int(record_story[i]), int(record_story[j]))
    firsts = ids.take(pa.array(near[:, 0])).to_pylist() if len(near) else []
    seconds = ids.take(pa.array(near[:, 1])).to_pylist() if len(near) else []
    plan.pairs = [
        (a, b, round(float(s), 4))
        for a, b, s in zip(firsts, seconds, jaccard[jaccard >= threshold].tolist(), strict=True)
    ]

    plan.stories = len(names)
    story_split = _story_splits(names, groups, plan)
    plan.record_story = record_story
    plan.record_split = story_split[record_story]
    plan.cross_split_pairs = int(
        (plan.record_split[near[:, 0]] != plan.record_split[near[:, 1]]).sum()
    )
    if plan.cross_split_pairs:
        raise PipelineError(
            f"{plan.cross_split_pairs} near-duplicate pair(s) across splits after grouping"
        )
    return plan
