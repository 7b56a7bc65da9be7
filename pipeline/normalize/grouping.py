"""Exact duplicates, near duplicates and same-story clusters over a whole corpus.

Grouping needs every article's neighbours, so it keeps one compact signature per article
(not its text): two MinHash rows of uint32 (datasketch, affine32 scheme, seeded
permutations shared by all articles), the article id and its day. Candidate pairs come
from banded LSH over those rows, with datasketch's optimal band/row split for each
threshold, computed in numpy over the signature matrix: datasketch's ``MinHashLSH`` index
keeps a Python set per band and article (measured 2.7 KB per article at 0.8 and 10.8 KB at
0.2), which would make memory grow with the corpus far beyond the signatures themselves.
Every candidate is then verified on its estimated Jaccard similarity.

- Exact duplicates share an id (same normalized text): the first one seen is kept and the
  others' sources are listed in its ``duplicates``.
- Near duplicates: 5-word shingles (``shingle_size``), similarity at least
  ``near_duplicate_threshold``; ``near_duplicate_of`` names the earliest such article.
- Stories: two outlets' paraphrases share almost no 5-word shingle, so stories compare the
  sets of content-word stems instead (stop words out, words of ``story_min_token_chars``
  letters or more cut to ``story_stem_chars``), at the lower ``story_threshold``, for
  articles within ``story_window_days`` of each other. An undated article has no date to
  exclude it, so it meets every date. Near duplicates always share a story (whatever their
  dates: the same text on both sides of a split is exactly the leak stories prevent). Pairs
  are joined with union-find; ``story_id`` is ``s-`` plus the smallest member id, so it does
  not depend on input order.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from array import array
from collections import Counter
from collections.abc import Iterable
from functools import cache
from typing import Any

import numpy as np
import xxhash

from pipeline.normalize.config import NormalizeConfig
from pipeline.schema import Article, Source, to_row

_WORD = re.compile(r"\w+")
#: Rows of signatures allocated at a time (bounded over-allocation).
_CHUNK = 4096
#: In a bucket, each article is paired with at most this many following members, so one
#: boilerplate-heavy band cannot make the candidate count quadratic.
_MAX_BUCKET = 200
_NO_DAY = -1


@cache
def _stop_words() -> frozenset[str]:
    from spacy.lang.fr.stop_words import STOP_WORDS  # the word list only, no model

    return frozenset(STOP_WORDS)


# datasketch (and the scipy it pulls in) is imported where used, so `pipeline --help` and the
# other commands do not pay for it.


@cache
def _permutations(num_perm: int, seed: int) -> np.ndarray:
    from datasketch import MinHash

    return MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations


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

    def area(lo: float, hi: float, false_negative: bool) -> np.ndarray:
        s = np.linspace(lo, hi, 2049)  # Simpson's rule needs an odd number of points
        hit = 1 - (1 - s[None, :] ** r) ** b  # probability that a pair becomes a candidate
        f = 1 - hit if false_negative else hit
        weights = np.ones(len(s))
        weights[1:-1:2], weights[2:-1:2] = 4, 2
        return (f * weights).sum(axis=1) * (hi - lo) / (3 * (len(s) - 1))

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
    combined = np.zeros(width, dtype=np.uint64)
    for k in range(min(size, len(hashed))):
        combined = (combined * np.uint64(0x01000193) + hashed[k : k + width]) & np.uint64(
            0xFFFFFFFF
        )
    return combined.tolist()


def story_hashes(tokens: list[str], min_chars: int, stem_chars: int) -> list[int]:
    """32-bit hashes of the stems of the content words: what two versions of a story share."""
    stop = _stop_words()
    stems = {w[:stem_chars] for w in tokens if len(w) >= min_chars and w not in stop}
    return [xxhash.xxh32_intdigest(s.encode()) for s in stems if not s.isdigit()]


def signature(hashes: list[int], num_perm: int, seed: int) -> np.ndarray:
    """The MinHash (uint32 row) of a set given as 32-bit hashes of its members."""
    from datasketch import MinHash

    minhash = MinHash(
        num_perm=num_perm,
        hashfunc=int,
        permutations=_permutations(num_perm, seed),
        scheme="affine32",
    )
    minhash.update_batch(hashes)
    return minhash.hashvalues


def near_signature(tokens: list[str], config: NormalizeConfig) -> np.ndarray:
    """The near-duplicate MinHash of a text's word tokens (what ``Article.minhash`` stores)."""
    hashes = shingle_hashes(tokens, config.shingle_size)
    return signature(hashes, config.num_perm, config.seed)


def article_signatures(text: str, config: NormalizeConfig) -> tuple[np.ndarray, np.ndarray]:
    """A text's near-duplicate and story MinHash rows (one tokenization for both)."""
    tokens = words(text)
    story = story_hashes(tokens, config.story_min_token_chars, config.story_stem_chars)
    return near_signature(tokens, config), signature(story, config.story_num_perm, config.seed)


def minhash_bytes(signature: np.ndarray) -> bytes:
    """How ``Article.minhash`` stores a signature: its uint32 values, little-endian (the
    release reads them back in place, ``release.split.signature_rows``)."""
    return signature.astype("<u4").tobytes()


def _day(date: str | None) -> int:
    if not date:
        return _NO_DAY
    return dt.date.fromisoformat(date[:10]).toordinal()


class Rows:
    """A growable matrix (uint32 by default) kept as fixed-size chunks, never copied into
    one array: readers take column blocks or gather rows, so the peak memory of grouping is
    the signatures plus small working arrays, not twice the signatures."""

    def __init__(self, width: int, dtype: type = np.uint32) -> None:
        self.width = width
        self.dtype = dtype
        self._chunks: list[np.ndarray] = []
        self._used = _CHUNK
        self.count = 0

    def append(self, row: np.ndarray) -> None:
        if self._used == _CHUNK:
            self._chunks.append(np.empty((_CHUNK, self.width), dtype=self.dtype))
            self._used = 0
        self._chunks[-1][self._used] = row
        self._used += 1
        self.count += 1

    def extend(self, rows: np.ndarray) -> None:
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

    def columns(self, start: int, stop: int) -> np.ndarray:
        """Columns ``[start, stop)`` of every row, as one (count, stop - start) array."""
        if not self._chunks:
            return np.empty((0, stop - start), dtype=self.dtype)
        block = np.concatenate([chunk[:, start:stop] for chunk in self._chunks])
        return block[: self.count]

    def gather(self, indexes: np.ndarray) -> np.ndarray:
        """The rows at ``indexes``, in that order."""
        out = np.empty((len(indexes), self.width), dtype=self.dtype)
        which = indexes // _CHUNK
        for number, chunk in enumerate(self._chunks):
            mask = which == number
            if mask.any():
                out[mask] = chunk[indexes[mask] - number * _CHUNK]
        return out


#: multipliers of the band-key hash (golden-ratio and xxhash primes)
_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9], dtype=np.uint64)


def band_keys(block: np.ndarray, bands: int, rows: int) -> np.ndarray:
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


def candidate_pairs(sig: Rows, bands: int, rows: int) -> np.ndarray:
    """Unique (i, j), i < j, of signature rows that agree on every value of a band."""
    return pairs_of_keys(
        (
            band_keys(sig.columns(band * rows, (band + 1) * rows), 1, rows)[:, 0]
            for band in range(bands)
        ),
        sig.count,
    )


def pairs_of_keys(per_band: Iterable[np.ndarray], n: int) -> np.ndarray:
    """Unique (i, j), i < j, of rows with equal keys in at least one band (``per_band``:
    each band's ``n`` keys).

    Per band, rows are sorted by key and each is paired with the next ones of equal key
    (up to ``_MAX_BUCKET`` of them), all in numpy; pairs are kept as ``i * n + j`` codes
    and deduplicated as they accumulate, so memory stays near the number of distinct pairs.
    """
    codes = np.empty(0, dtype=np.int64)
    pending: list[np.ndarray] = []
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


def similarities(sig: Rows, pairs: np.ndarray, chunk: int = 2_000) -> np.ndarray:
    """Estimated Jaccard similarity (share of equal MinHash values) of each pair."""
    out = np.empty(len(pairs), dtype=np.float64)
    for start in range(0, len(pairs), chunk):
        part = pairs[start : start + chunk]
        same = sig.gather(part[:, 0]) == sig.gather(part[:, 1])
        out[start : start + chunk] = same.mean(axis=1)
    return out


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


class Grouper:
    """Collects compact signatures in a first pass, then annotates articles in a second.

    ``add`` every article in input order (it says whether the article is new or an exact
    duplicate of one already added), call ``finish`` once, then ``annotate`` each kept
    article. Pure: it never sees a file.
    """

    def __init__(self, config: NormalizeConfig) -> None:
        self.config = config
        self._ids: list[str] = []
        self._index: dict[str, int] = {}
        self._duplicates: dict[int, list[Source]] = {}
        self._days = array("i")
        self._near = Rows(config.num_perm)
        self._story = Rows(config.story_num_perm)
        self._near_of: np.ndarray | None = None
        self._story_ids: list[str] = []

    def add(self, article: Article) -> bool:
        """Record an article; False when its text was already seen (an exact duplicate)."""
        if self._near_of is not None:
            raise RuntimeError("Grouper.add after finish")
        if not self.register(article.id, article.date, article.source):
            return False
        near, story = article_signatures(article.text, self.config)
        self._near.append(near)
        self._story.append(story)
        return True

    def register(self, article_id: str, date: str | None, source: Source) -> bool:
        """Note an article's id and day (not its signatures); False for an exact duplicate,
        whose source joins the first one's ``duplicates``."""
        known = self._index.get(article_id)
        if known is not None:
            self._duplicates.setdefault(known, []).append(source)
            return False
        self._index[article_id] = len(self._ids)
        self._ids.append(article_id)
        self._days.append(_day(date))
        return True

    def verified_pairs(self, story: bool) -> np.ndarray:
        """Pairs (i, j), i < j, of a band in common and a similarity at the threshold, of
        the story signatures or the near-duplicate ones (a distributed grouper finds them
        where the signatures are)."""
        cfg = self.config
        sig = self._story if story else self._near
        threshold = cfg.story_threshold if story else cfg.near_duplicate_threshold
        pairs = candidate_pairs(sig, *lsh_bands(threshold, sig.width))
        return pairs[similarities(sig, pairs) >= threshold]

    def finish(self) -> Counter[str]:
        """Find near duplicates and stories; return counts (duplicates, near duplicates,
        stories, multi-article stories, largest story)."""
        cfg = self.config
        n = len(self._ids)
        near_pairs = self.verified_pairs(story=False)
        earliest = np.full(n, n, dtype=np.int64)
        np.minimum.at(earliest, near_pairs[:, 1], near_pairs[:, 0])
        self._near_of = np.where(earliest == n, -1, earliest)

        pairs = self.verified_pairs(story=True)
        days = np.frombuffer(self._days, dtype=np.int32).astype(np.int64)
        di, dj = days[pairs[:, 0]], days[pairs[:, 1]]
        undated = (di == _NO_DAY) | (dj == _NO_DAY)
        pairs = pairs[undated | (np.abs(di - dj) <= cfg.story_window_days)]

        groups = _UnionFind(n)
        for i, j in np.concatenate([pairs, near_pairs]).tolist():
            groups.union(i, j)
        smallest: dict[int, str] = {}
        for index, article_id in enumerate(self._ids):
            root = groups.find(index)
            if root not in smallest or article_id < smallest[root]:
                smallest[root] = article_id
        self._story_ids = ["s-" + smallest[groups.find(i)] for i in range(n)]
        sizes = Counter(self._story_ids)
        return Counter(
            duplicates=sum(len(v) for v in self._duplicates.values()),
            near_duplicates=int((self._near_of >= 0).sum()),
            stories=len(sizes),
            multi_article_stories=sum(1 for s in sizes.values() if s > 1),
            largest_story=max(sizes.values(), default=0),
        )

    def annotate(self, article: Article) -> Article:
        """The article with its duplicates, near-duplicate link and story id filled in."""
        _, near, story, minhash = self.columns([article.id])
        return dataclasses.replace(
            article,
            duplicates=self._duplicates.get(self._index[article.id], []),
            near_duplicate_of=near[0],
            story_id=story[0],
            minhash=minhash[0],
        )

    def columns(
        self, ids: list[str]
    ) -> tuple[list[list[dict[str, Any]]], list[str | None], list[str], list[bytes]]:
        """For kept articles' ids: their duplicates (as plain rows), near-duplicate links,
        story ids and near-duplicate MinHash (as bytes), column by column, for writers that
        work on whole batches."""
        duplicates, near, story = self.links(ids)
        rows = self._near.gather(np.asarray([self._index[i] for i in ids], dtype=np.int64))
        return duplicates, near, story, [minhash_bytes(row) for row in rows]

    def links(
        self, ids: list[str]
    ) -> tuple[list[list[dict[str, Any]]], list[str | None], list[str]]:
        """For kept articles' ids: their duplicates (as plain rows), near-duplicate links and
        story ids, column by column."""
        if self._near_of is None:
            raise RuntimeError("Grouper.links before finish")
        indexes = [self._index[i] for i in ids]
        duplicates = [[to_row(s) for s in self._duplicates.get(i, [])] for i in indexes]
        near = [self._ids[n] if n >= 0 else None for n in self._near_of[indexes].tolist()]
        story = [self._story_ids[i] for i in indexes]
        return duplicates, near, story
