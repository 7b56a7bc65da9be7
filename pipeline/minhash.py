"""MinHash signatures and banded LSH: the one definition of "near duplicate" in the pipeline.

Normalize stores each article's signature (``Article.minhash``) and clusters with it; the
release compares the stored signatures again across its splits. Both import this neutral
module (as datatrove's dedup steps share one ``MinhashConfig``), so the shingles, the seeded
permutations, the band split and the verification are the same code on both sides.

Signatures are rows of uint32 (datasketch, affine32 scheme, seeded permutations shared by
all articles). Candidate pairs come from banded LSH over those rows, with datasketch's
optimal band/row split for each threshold, computed in numpy over the signature matrix:
datasketch's ``MinHashLSH`` index keeps a Python set per band and article (measured 2.7 KB
per article at 0.8 and 10.8 KB at 0.2), which would make memory grow with the corpus far
beyond the signatures themselves. Every candidate is then verified on its estimated Jaccard
similarity.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import xxhash
from numpy.typing import NDArray

from pipeline.params import require_keys

_WORD = re.compile(r"\w+")
#: Rows of signatures allocated at a time (bounded over-allocation).
_CHUNK = 4096
#: In a bucket, each article is paired with at most this many following members, so one
#: boilerplate-heavy band cannot make the candidate count quadratic.
_MAX_BUCKET = 200


@dataclass(frozen=True)
class MinhashConfig:
    """How a text's near-duplicate signature is made: ``num_perm`` seeded permutations over
    word ``shingle_size``-grams. Normalize writes signatures with it and the release reads
    them back with it, so both build it from the same params (``normalize.seed``,
    ``normalize.shingle_size``, ``normalize.num_perm``)."""

    seed: int
    shingle_size: int
    num_perm: int

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> MinhashConfig:
        """From the params section that holds the three keys (``normalize``)."""
        require_keys(params, "normalize", ("seed", "shingle_size", "num_perm"))
        return cls(int(params["seed"]), int(params["shingle_size"]), int(params["num_perm"]))


# datasketch (and the scipy it pulls in) is imported where used, so `pipeline --help` and the
# other commands do not pay for it.


@cache
def _permutations(num_perm: int, seed: int) -> NDArray[Any]:
    from datasketch import MinHash

    permutations: NDArray[Any] = MinHash(
        num_perm=num_perm, seed=seed, scheme="affine32"
    ).permutations
    return permutations


@cache
def lsh_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """The (bands, rows per band) that datasketch's ``MinHashLSH`` would choose for a
    Jaccard threshold: the split minimising the false positive plus false negative
    probability mass (equal weights).

    The same optimisation, with the integrals taken by Simpson's rule over all splits at
    once in numpy, because importing ``datasketch.lsh`` pulls in ``scipy.integrate``
    (0.5 s, a tenth of a 100,000-article release cut) for these two numbers; a test holds
    the two equal.
    """
    splits = np.array(
        [(b, r) for b in range(1, num_perm + 1) for r in range(1, num_perm // b + 1)],
        dtype=np.float64,
    )
    b, r = splits[:, :1], splits[:, 1:]

    def area(lo: float, hi: float, false_negative: bool) -> NDArray[Any]:
        s = np.linspace(lo, hi, 2049)  # Simpson's rule needs an odd number of points
        hit = 1 - (1 - s[None, :] ** r) ** b  # probability that a pair becomes a candidate
        f = 1 - hit if false_negative else hit
        weights = np.ones(len(s))
        weights[1:-1:2], weights[2:-1:2] = 4, 2
        mass: NDArray[Any] = (f * weights).sum(axis=1) * (hi - lo) / (3 * (len(s) - 1))
        return mass

    error = area(0.0, threshold, False) + area(threshold, 1.0, True)
    best = int(np.argmin(error))  # the first minimum, as datasketch's strict ``<`` keeps
    return int(splits[best, 0]), int(splits[best, 1])


def words(text: str) -> list[str]:
    """The lower-cased word tokens of a text."""
    return _WORD.findall(text.lower())


def shingle_hashes(tokens: list[str], size: int) -> list[int]:
    """32-bit hashes of the word ``size``-grams (the whole text if it is shorter).

    Each word is hashed once (xxh32) and the n-gram hashes are combined from those in
    numpy, instead of building and hashing every n-gram string: the same sets, a third of
    the cost.
    """
    hashed = np.fromiter(
        (xxhash.xxh32_intdigest(w.encode()) for w in tokens), dtype=np.uint64, count=len(tokens)
    )
    width = max(len(hashed) - size + 1, 1)
    combined: NDArray[Any] = np.zeros(width, dtype=np.uint64)
    for k in range(min(size, len(hashed))):
        combined = (combined * np.uint64(0x01000193) + hashed[k : k + width]) & np.uint64(
            0xFFFFFFFF
        )
    hashes: list[int] = combined.tolist()
    return hashes


def signature(hashes: list[int], num_perm: int, seed: int) -> NDArray[Any]:
    """The MinHash (uint32 row) of a set given as 32-bit hashes of its members."""
    from datasketch import MinHash

    minhash = MinHash(
        num_perm=num_perm,
        hashfunc=int,
        permutations=_permutations(num_perm, seed),
        scheme="affine32",
    )
    minhash.update_batch(hashes)
    values: NDArray[Any] = minhash.hashvalues
    return values


def near_signature(tokens: list[str], config: MinhashConfig) -> NDArray[Any]:
    """The near-duplicate MinHash of a text's word tokens (what ``Article.minhash`` stores)."""
    hashes = shingle_hashes(tokens, config.shingle_size)
    return signature(hashes, config.num_perm, config.seed)


def minhash_bytes(signature: NDArray[Any]) -> bytes:
    """How ``Article.minhash`` stores a signature: its uint32 values, little-endian (the
    release reads them back in place, ``release.split.signature_rows``)."""
    return signature.astype("<u4").tobytes()


class Rows:
    """A growable matrix (uint32 by default) kept as fixed-size chunks, never copied into
    one array: readers take column blocks or gather rows, so the peak memory of grouping is
    the signatures plus small working arrays, not twice the signatures."""

    def __init__(self, width: int, dtype: type = np.uint32) -> None:
        self.width = width
        self.dtype = dtype
        self._chunks: list[NDArray[Any]] = []
        self._used = _CHUNK
        self.count = 0

    def append(self, row: NDArray[Any]) -> None:
        if self._used == _CHUNK:
            self._chunks.append(np.empty((_CHUNK, self.width), dtype=self.dtype))
            self._used = 0
        self._chunks[-1][self._used] = row
        self._used += 1
        self.count += 1

    def extend(self, rows: NDArray[Any]) -> None:
        """Append a (k, width) block of rows."""
        done = 0
        while done < len(rows):
            if self._used == _CHUNK:
                self._chunks.append(np.empty((_CHUNK, self.width), dtype=self.dtype))
                self._used = 0
            take = min(_CHUNK - self._used, len(rows) - done)
            self._chunks[-1][self._used : self._used + take] = rows[done : done + take]
            self._used += take
            done += take
        self.count += len(rows)

    def columns(self, start: int, stop: int) -> NDArray[Any]:
        """Columns ``[start, stop)`` of every row, as one (count, stop - start) array."""
        if not self._chunks:
            return np.empty((0, stop - start), dtype=self.dtype)
        block: NDArray[Any] = np.concatenate([chunk[:, start:stop] for chunk in self._chunks])
        return block[: self.count]

    def gather(self, indexes: NDArray[Any]) -> NDArray[Any]:
        """The rows at ``indexes``, in that order."""
        out: NDArray[Any] = np.empty((len(indexes), self.width), dtype=self.dtype)
        which = indexes // _CHUNK
        for number, chunk in enumerate(self._chunks):
            mask = which == number
            if mask.any():
                out[mask] = chunk[indexes[mask] - number * _CHUNK]
        return out


#: multipliers of the band-key hash (golden-ratio and xxhash primes)
_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9], dtype=np.uint64)


def band_keys(block: NDArray[Any], bands: int, rows: int) -> NDArray[Any]:
    """(k, bands) uint64 keys of signature rows: per band, a hash of its ``rows`` values,
    equal for rows that agree on the whole band (unequal ones collide with odds 2^-64)."""
    out = np.empty((len(block), bands), dtype=np.uint64)
    for band in range(bands):
        values = block[:, band * rows : (band + 1) * rows].astype(np.uint64)
        keys = np.zeros(len(block), dtype=np.uint64)
        for col in range(rows):
            keys = keys * _MIX[col % 3] + values[:, col] + np.uint64(col + 1)
        out[:, band] = keys
    return out


def candidate_pairs(sig: Rows, bands: int, rows: int) -> NDArray[Any]:
    """Unique (i, j), i < j, of signature rows that agree on every value of a band."""
    return pairs_of_keys(
        (
            band_keys(sig.columns(band * rows, (band + 1) * rows), 1, rows)[:, 0]
            for band in range(bands)
        ),
        sig.count,
    )


def pairs_of_keys(per_band: Iterable[NDArray[Any]], n: int) -> NDArray[Any]:
    """Unique (i, j), i < j, of rows with equal keys in at least one band (``per_band``:
    each band's ``n`` keys).

    Per band, rows are sorted by key and each is paired with the next ones of equal key
    (up to ``_MAX_BUCKET`` of them), all in numpy; pairs are kept as ``i * n + j`` codes
    and deduplicated as they accumulate, so memory stays near the number of distinct pairs.
    """
    codes = np.empty(0, dtype=np.int64)
    pending: list[NDArray[Any]] = []
    for keys in per_band:
        order = np.argsort(keys, kind="stable")
        ordered = keys[order]
        for step in range(1, min(n, _MAX_BUCKET + 1)):
            same = np.flatnonzero(ordered[step:] == ordered[:-step])
            if not len(same):
                break
            i, j = order[same], order[same + step]
            pending.append(np.minimum(i, j).astype(np.int64) * n + np.maximum(i, j))
        if sum(len(p) for p in pending) > 200_000:
            codes = np.unique(np.concatenate([codes, *pending]))
            pending = []
    codes = np.unique(np.concatenate([codes, *pending]))
    return np.stack([codes // max(n, 1), codes % max(n, 1)], axis=1)


def similarities(sig: Rows, pairs: NDArray[Any], chunk: int = 2_000) -> NDArray[Any]:
    """Estimated Jaccard similarity (share of equal MinHash values) of each pair."""
    out = np.empty(len(pairs), dtype=np.float64)
    for start in range(0, len(pairs), chunk):
        part = pairs[start : start + chunk]
        same = sig.gather(part[:, 0]) == sig.gather(part[:, 1])
        out[start : start + chunk] = same.mean(axis=1)
    return out
