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
from functools import cache

import numpy as np
import xxhash
from datasketch import MinHash, MinHashLSH

from pipeline.normalize.config import NormalizeConfig
from pipeline.schema import Article, Source

_WORD = re.compile(r"\w+")
#: Rows of signatures allocated at a time (bounded over-allocation).
_CHUNK = 4096
#: A bucket holding more articles than this is compared along a chain, not all pairs, so
#: one boilerplate-heavy band cannot make the candidate count quadratic.
_MAX_BUCKET = 200
_NO_DAY = -1


@cache
def _stop_words() -> frozenset[str]:
    from spacy.lang.fr.stop_words import STOP_WORDS  # the word list only, no model

    return frozenset(STOP_WORDS)


@cache
def _permutations(num_perm: int, seed: int) -> np.ndarray:
    return MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations


@cache
def _bands(threshold: float, num_perm: int) -> tuple[int, int]:
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return lsh.b, lsh.r


def shingles(text: str, size: int) -> set[bytes]:
    """Word ``size``-grams of the lower-cased text (the whole text if it is shorter)."""
    words = _WORD.findall(text.lower())
    if len(words) <= size:
        return {" ".join(words).encode()}
    return {" ".join(words[i : i + size]).encode() for i in range(len(words) - size + 1)}


def story_tokens(text: str, min_chars: int, stem_chars: int) -> set[bytes]:
    """Stems of the content words of a text: what two versions of one story share."""
    stop = _stop_words()
    return {
        word[:stem_chars].encode()
        for word in _WORD.findall(text.lower())
        if len(word) >= min_chars and not word.isdigit() and word not in stop
    }


def signature(tokens: set[bytes], num_perm: int, seed: int) -> np.ndarray:
    """The MinHash (uint32 row) of a set of byte strings."""
    minhash = MinHash(
        num_perm=num_perm,
        hashfunc=xxhash.xxh32_intdigest,
        permutations=_permutations(num_perm, seed),
        scheme="affine32",
    )
    minhash.update_batch(tokens)
    return minhash.hashvalues


def _day(date: str | None) -> int:
    if not date:
        return _NO_DAY
    return dt.date.fromisoformat(date[:10]).toordinal()


class _Rows:
    """A growable uint32 matrix, allocated chunk by chunk."""

    def __init__(self, width: int) -> None:
        self.width = width
        self._chunks: list[np.ndarray] = []
        self._used = _CHUNK

    def append(self, row: np.ndarray) -> None:
        if self._used == _CHUNK:
            self._chunks.append(np.empty((_CHUNK, self.width), dtype=np.uint32))
            self._used = 0
        self._chunks[-1][self._used] = row
        self._used += 1

    def matrix(self) -> np.ndarray:
        if not self._chunks:
            return np.empty((0, self.width), dtype=np.uint32)
        self._chunks[-1] = self._chunks[-1][: self._used]
        whole = np.concatenate(self._chunks)
        self._chunks, self._used = [whole], len(whole)
        return whole


def candidate_pairs(sig: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """Unique (i, j), i < j, of rows that agree on every value of at least one band."""
    n = len(sig)
    found: list[np.ndarray] = []
    mix = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9], dtype=np.uint64)
    for band in range(bands):
        block = sig[:, band * rows : (band + 1) * rows].astype(np.uint64)
        keys = np.zeros(n, dtype=np.uint64)
        for col in range(rows):
            keys = keys * mix[col % 3] + block[:, col] + np.uint64(col + 1)
        order = np.argsort(keys, kind="stable")
        ordered = keys[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        sizes = np.diff(np.r_[starts, n])
        for start, size in zip(starts[sizes > 1], sizes[sizes > 1], strict=True):
            members = np.sort(order[start : start + size])
            if size > _MAX_BUCKET:
                found.append(np.stack([members[:-1], members[1:]], axis=1))
            else:
                i, j = np.triu_indices(size, k=1)
                found.append(np.stack([members[i], members[j]], axis=1))
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    pairs = np.concatenate(found).astype(np.int64)
    return np.unique(pairs, axis=0)


def similarities(sig: np.ndarray, pairs: np.ndarray, chunk: int = 100_000) -> np.ndarray:
    """Estimated Jaccard similarity (share of equal MinHash values) of each pair."""
    out = np.empty(len(pairs), dtype=np.float64)
    for start in range(0, len(pairs), chunk):
        part = pairs[start : start + chunk]
        out[start : start + chunk] = (sig[part[:, 0]] == sig[part[:, 1]]).mean(axis=1)
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
        self._near = _Rows(config.num_perm)
        self._story = _Rows(config.story_num_perm)
        self._near_of: np.ndarray | None = None
        self._story_ids: list[str] = []

    def add(self, article: Article) -> bool:
        """Record an article; False when its text was already seen (an exact duplicate)."""
        if self._near_of is not None:
            raise RuntimeError("Grouper.add after finish")
        known = self._index.get(article.id)
        if known is not None:
            self._duplicates.setdefault(known, []).append(article.source)
            return False
        cfg = self.config
        self._index[article.id] = len(self._ids)
        self._ids.append(article.id)
        self._days.append(_day(article.date))
        self._near.append(
            signature(shingles(article.text, cfg.shingle_size), cfg.num_perm, cfg.seed)
        )
        tokens = story_tokens(article.text, cfg.story_min_token_chars, cfg.story_stem_chars)
        self._story.append(signature(tokens, cfg.story_num_perm, cfg.seed))
        return True

    def finish(self) -> Counter[str]:
        """Find near duplicates and stories; return counts (duplicates, near duplicates,
        stories, multi-article stories, largest story)."""
        cfg = self.config
        n = len(self._ids)
        near = self._near.matrix()
        pairs = candidate_pairs(near, *_bands(cfg.near_duplicate_threshold, cfg.num_perm))
        near_pairs = pairs[similarities(near, pairs) >= cfg.near_duplicate_threshold]
        earliest = np.full(n, n, dtype=np.int64)
        np.minimum.at(earliest, near_pairs[:, 1], near_pairs[:, 0])
        self._near_of = np.where(earliest == n, -1, earliest)

        story = self._story.matrix()
        pairs = candidate_pairs(story, *_bands(cfg.story_threshold, cfg.story_num_perm))
        pairs = pairs[similarities(story, pairs) >= cfg.story_threshold]
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
        if self._near_of is None:
            raise RuntimeError("Grouper.annotate before finish")
        index = self._index[article.id]
        near = int(self._near_of[index])
        return dataclasses.replace(
            article,
            duplicates=self._duplicates.get(index, []),
            near_duplicate_of=self._ids[near] if near >= 0 else None,
            story_id=self._story_ids[index],
        )
