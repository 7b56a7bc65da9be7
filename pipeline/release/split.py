"""Leakage-free splits: by story, seeded and deterministic, checked with MinHash.

Every record belongs to a *split group*: its story (``story_id``, else its own id), merged
with every other story it shares a near-duplicate with. The near-duplicates come from a
MinHash LSH index (datasketch) over word shingles of every text, built before the split, so a
re-told story that normalize clustered apart still lands in one split. A group's split is a
seeded xxh64 of its representative story id (the smallest one) mapped onto the cumulative
ratios: the same stories always go to the same split, whatever else is in the release.
After the split, every near-duplicate pair is checked again: a pair across two splits is a
program error, and the figures go into the dataset card.
"""

from __future__ import annotations

import collections
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

from pipeline.errors import PipelineError

_HASH_SPACE = float(2**64)
#: datasketch permutation scheme of ``MinHash.bulk``'s default, whose values are uint32
SCHEME = "affine32"


class DuplicateIdError(PipelineError):
    """Two input records share an id: a release's ids must be keys (the caller names the file)."""


def check_ratios(ratios: dict[str, float]) -> dict[str, float]:
    """Split names → ratios (params order), each in (0, 1], summing to 1."""
    if not ratios or any(not (0 < float(r) <= 1) for r in ratios.values()):
        raise PipelineError(f"release.splits: ratios must be in (0, 1], got {ratios}")
    if abs(sum(float(r) for r in ratios.values()) - 1.0) > 1e-6:
        raise PipelineError(f"release.splits: ratios must sum to 1, got {ratios}")
    return {name: float(r) for name, r in ratios.items()}


def split_of(group: str, seed: int, ratios: dict[str, float]) -> str:
    """The split of a group: xxh64(seed, group id) as a fraction, against cumulative ratios."""
    u = xxhash.xxh64_intdigest(group.encode("utf-8"), seed=seed) / _HASH_SPACE
    cumulative = 0.0
    for name, ratio in ratios.items():
        cumulative += ratio
        if u < cumulative:
            return name
    return next(reversed(ratios))


#: multiplier of the rolling combination of word hashes into a shingle hash (FNV prime)
_ROLL = np.uint32(0x01000193)
#: how many permuted values ``signatures`` holds at once (a few MB: stays in cache)
_CHUNK = 1 << 20


def shingle_hashes(texts: pa.Array, size: int) -> tuple[np.ndarray, np.ndarray]:
    """32-bit hashes of the ``size``-word shingles of a batch of texts, flat, with the
    offsets of each text's run (a text shorter than ``size`` words is one shingle, an empty
    one has none).

    Words are split on ASCII whitespace by Arrow; each distinct word of the batch is hashed
    once (xxh32), and a shingle's hash rolls its words' hashes together in uint32
    arithmetic: far cheaper than joining and hashing every shingle string in Python, and
    equal for equal shingles, which is all MinHash needs.
    """
    words = pc.ascii_split_whitespace(texts)
    flat = words.flatten()
    nonempty = pc.greater(pc.binary_length(flat), 0)  # leading/trailing blanks split as ""
    parents = pc.list_parent_indices(words).filter(nonempty).to_numpy()
    counts = np.bincount(parents, minlength=len(texts))
    ends = np.cumsum(counts)
    encoded = flat.filter(nonempty).dictionary_encode()
    distinct = encoded.dictionary.to_pylist()
    table = np.fromiter(
        (xxhash.xxh32_intdigest(w.encode("utf-8")) for w in distinct),
        dtype=np.uint32,
        count=len(distinct),
    )
    hashes = table[encoded.indices.to_numpy()] if len(distinct) else np.zeros(0, np.uint32)
    rolled = hashes[: max(len(hashes) - size + 1, 0)].copy()
    for j in range(1, size):
        rolled = rolled * _ROLL ^ hashes[j : len(rolled) + j]
    # a rolled position is a shingle of its text when the text has ``size`` words from it
    valid = np.arange(len(rolled)) + size <= ends[parents[: len(rolled)]]
    out, owner = rolled[valid], parents[: len(rolled)][valid]
    short = np.flatnonzero((counts > 0) & (counts < size))
    if len(short):  # rare: whole-text shingles, merged back in text order
        extra = []
        for doc in short.tolist():
            run = hashes[ends[doc] - counts[doc] : ends[doc]]
            value = run[:1].copy()
            for h in run[1:]:
                value = value * _ROLL ^ h  # uint32 arrays wrap silently, as intended
            extra.append(value)
        order = np.argsort(np.concatenate([owner, short]), kind="stable")
        out = np.concatenate([out, *extra])[order]
        owner = np.concatenate([owner, short])[order]
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner, minlength=len(texts)), out=offsets[1:])
    return out, offsets


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, which datasketch's ``affine32`` scheme applies to
    every input hash before its permutations."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def signatures(texts: pa.Array, num_perm: int, shingle_size: int) -> np.ndarray:
    """MinHash signatures of a batch of texts, one uint32 row each.

    The same values as datasketch's ``MinHash(num_perm, scheme="affine32")`` updated with
    each text's shingle hashes (its own permutations, its pre-mix; a test holds them equal),
    computed for the whole batch at once: datasketch's per-object update costs three times
    more in Python overhead than the arithmetic itself.
    """
    from datasketch import MinHash

    a, b = MinHash(num_perm=num_perm, scheme=SCHEME).permutations
    hashes, offsets = shingle_hashes(texts, shingle_size)
    mixed = _fmix32(hashes)
    out = np.full((len(texts), num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
    docs = np.flatnonzero(np.diff(offsets) > 0)
    step = max(1, _CHUNK // num_perm)
    i = 0
    while i < len(docs):  # chunks of whole texts, ~_CHUNK values at a time
        j = i + 1
        while j < len(docs) and offsets[docs[j] + 1] - offsets[docs[i]] <= step:
            j += 1
        lo, hi = offsets[docs[i]], offsets[docs[j - 1] + 1]
        # one row per permutation: reduceat then runs along contiguous memory (5× faster)
        permuted = a[:, None] * mixed[None, lo:hi] + b[:, None]
        out[docs[i:j]] = np.minimum.reduceat(permuted, offsets[docs[i:j]] - lo, axis=1).T
        i = j
    return out


@dataclass
class SplitPlan:
    """The split of every story and the near-duplicate evidence behind it."""

    ratios: dict[str, float]
    seed: int
    story_split: dict[str, str] = field(default_factory=dict)
    #: near-duplicate pairs (record id, record id, estimated Jaccard)
    pairs: list[tuple[str, str, float]] = field(default_factory=list)
    merged_stories: int = 0
    cross_split_pairs: int = 0
    params: dict[str, float] = field(default_factory=dict)

    def split(self, story: str) -> str:
        """The split of a story id seen while planning."""
        return self.story_split[story]


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        root = x
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while x != root:
            self.parent[x], x = root, self.parent.get(x, x)
        return root

    def union(self, a: str, b: str) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        lo, hi = sorted((ra, rb))  # the smallest story id represents the group
        self.parent[hi] = lo
        return True


def _signature_stream(
    batches: Iterable[tuple[list[str], list[str], pa.Array]],
    num_perm: int,
    shingle_size: int,
    workers: int,
) -> Iterator[tuple[list[str], list[str], np.ndarray]]:
    """(ids, stories, signatures) per batch, in order; with ``workers`` ≥ 1 the signatures
    are computed in that many worker processes (at most 2 × workers batches in flight)
    while this one indexes, with 0 right here."""
    if workers <= 0:
        for ids, stories, texts in batches:
            yield ids, stories, signatures(texts, num_perm, shingle_size)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending: collections.deque[tuple[list[str], list[str], Future[np.ndarray]]] = (
            collections.deque()
        )
        for ids, stories, texts in batches:
            pending.append((ids, stories, pool.submit(signatures, texts, num_perm, shingle_size)))
            if len(pending) >= 2 * workers:
                ids_, stories_, fut = pending.popleft()
                yield ids_, stories_, fut.result()
        while pending:
            ids_, stories_, fut = pending.popleft()
            yield ids_, stories_, fut.result()


def plan_splits(
    batches: Iterable[tuple[list[str], list[str], pa.Array]],
    ratios: dict[str, float],
    seed: int,
    threshold: float,
    num_perm: int,
    shingle_size: int,
    workers: int = 1,
) -> SplitPlan:
    """Plan the splits from (record ids, story ids, texts) batches, streamed.

    Memory holds one signature per record (``num_perm`` × 4 bytes) and the LSH index, not
    the texts.
    """
    from datasketch import LeanMinHash, MinHashLSH

    plan = SplitPlan(ratios=check_ratios(ratios), seed=seed)
    plan.params = {
        "threshold": threshold,
        "num_perm": num_perm,
        "shingle_size": shingle_size,
    }
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    sigs: dict[str, np.ndarray] = {}
    story_of: dict[str, str] = {}
    groups = _UnionFind()
    for ids, stories, sig in _signature_stream(batches, num_perm, shingle_size, workers):
        for rid, story, row in zip(ids, stories, sig, strict=True):
            if rid in story_of:
                raise DuplicateIdError(f"record id {rid} appears twice in the input")
            story_of[rid] = story
            groups.find(story)
            minhash = LeanMinHash(seed=1, hashvalues=row, scheme=SCHEME)
            for other in sorted(lsh.query(minhash)):
                jaccard = float(np.mean(sigs[other] == row))
                if jaccard >= threshold:
                    plan.pairs.append((other, rid, round(jaccard, 4)))
                    if groups.union(story_of[other], story):
                        plan.merged_stories += 1
            lsh.insert(rid, minhash)
            sigs[rid] = row
    for story in {s for s in story_of.values()}:
        plan.story_split[story] = split_of(groups.find(story), seed, plan.ratios)
    plan.cross_split_pairs = sum(
        plan.split(story_of[a]) != plan.split(story_of[b]) for a, b, _ in plan.pairs
    )
    if plan.cross_split_pairs:
        raise PipelineError(
            f"{plan.cross_split_pairs} near-duplicate pair(s) across splits after grouping"
        )
    return plan
