"""Exact duplicates, near duplicates and same-story clusters over a whole corpus.

Grouping needs every article's neighbours, so it keeps one compact signature per article
(not its text): two MinHash rows (``pipeline.minhash``: signatures, banded LSH, verified
candidates), the article id and its day.

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
from array import array
from collections import Counter
from functools import cache
from typing import Any

import numpy as np
import xxhash
from numpy.typing import NDArray

from pipeline.minhash import (
    Rows,
    candidate_pairs,
    lsh_bands,
    minhash_bytes,
    near_signature,
    signature,
    similarities,
    words,
)
from pipeline.normalize.config import NormalizeConfig
from pipeline.schema import Article, Source, to_row

_NO_DAY = -1


@cache
def _stop_words() -> frozenset[str]:
    from spacy.lang.fr.stop_words import STOP_WORDS  # the word list only, no model

    return frozenset(STOP_WORDS)


def story_hashes(tokens: list[str], min_chars: int, stem_chars: int) -> list[int]:
    """32-bit hashes of the stems of the content words: what two versions of a story share."""
    stop = _stop_words()
    stems = {w[:stem_chars] for w in tokens if len(w) >= min_chars and w not in stop}
    return [xxhash.xxh32_intdigest(s.encode()) for s in stems if not s.isdigit()]


def article_signatures(text: str, config: NormalizeConfig) -> tuple[NDArray[Any], NDArray[Any]]:
    """A text's near-duplicate and story MinHash rows (one tokenization for both): what a
    Ray worker computes per article and the local ``Grouper`` computes on ``add``."""
    tokens = words(text)
    story = story_hashes(tokens, config.story_min_token_chars, config.story_stem_chars)
    return near_signature(tokens, config.minhash), signature(
        story, config.story_num_perm, config.seed
    )


def _day(date: str | None) -> int:
    if not date:
        return _NO_DAY
    return dt.date.fromisoformat(date[:10]).toordinal()


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
        self._near_of: NDArray[Any] | None = None
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

    def verified_pairs(self, story: bool) -> NDArray[Any]:
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
