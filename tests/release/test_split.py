"""Story-level splits: seeded, stable, ratio-shaped, and near-duplicates never straddle."""

from __future__ import annotations

from collections import Counter

import pyarrow as pa
import pytest

from pipeline.errors import PipelineError
from pipeline.release.split import (
    SCHEME,
    check_ratios,
    plan_splits,
    shingle_hashes,
    signatures,
    split_of,
)

RATIOS = {"train": 0.8, "validation": 0.1, "test": 0.1}


def test_split_of_is_seeded_and_follows_ratios() -> None:
    counts = Counter(split_of(f"story-{i}", 7, RATIOS) for i in range(20_000))
    assert abs(counts["train"] / 20_000 - 0.8) < 0.02
    assert abs(counts["test"] / 20_000 - 0.1) < 0.02
    again = [split_of(f"story-{i}", 7, RATIOS) for i in range(200)]
    assert again == [split_of(f"story-{i}", 7, RATIOS) for i in range(200)]
    other_seed = [split_of(f"story-{i}", 8, RATIOS) for i in range(200)]
    assert other_seed != again


def test_bad_ratios_are_refused() -> None:
    with pytest.raises(PipelineError, match="sum to 1"):
        check_ratios({"train": 0.8, "test": 0.1})


def test_near_duplicates_of_different_stories_share_a_split() -> None:
    words = [f"mot{i}" for i in range(3000)]
    texts = [" ".join(words[i * 100 : i * 100 + 100]) for i in range(30)]
    ids = [f"a{i}" for i in range(30)]
    stories = [f"s{i}" for i in range(30)]
    # the same article re-published under 30 other story ids, one word changed
    for k in range(30):
        ids.append(f"copy{k}")
        stories.append(f"t{k}")
        texts.append(texts[0].replace("mot5 ", "motX "))
    plan = plan_splits(
        [(ids, stories, pa.array(texts))],
        RATIOS,
        seed=3,
        threshold=0.8,
        num_perm=128,
        shingle_size=5,
    )
    assert {plan.split(f"t{k}") for k in range(30)} == {plan.split("s0")}
    assert plan.merged_stories == 30
    assert len(plan.pairs) >= 30
    assert plan.cross_split_pairs == 0
    assert all(j >= 0.8 for _, _, j in plan.pairs)


def test_shingle_hashes_match_equal_shingles_and_short_texts() -> None:
    texts = pa.array(["a b c d e f", "x a b c d e", "deux mots", "", " deux  mots\n"])
    flat, offsets = shingle_hashes(texts, 5)
    runs = [flat[offsets[i] : offsets[i + 1]].tolist() for i in range(len(texts))]
    assert [len(r) for r in runs] == [2, 2, 1, 0, 1]
    assert runs[0][0] == runs[1][1]  # "a b c d e" in both
    assert runs[0][1] != runs[1][0]
    assert runs[2] == runs[4]  # whitespace does not matter


def test_signatures_equal_datasketch_minhash() -> None:
    from datasketch import MinHash

    words = [f"w{i}" for i in range(400)]
    texts = pa.array([" ".join(words[i : i + 60 + i]) for i in range(0, 120, 7)] + ["", "un"])
    sigs = signatures(texts, 64, 5)
    flat, offsets = shingle_hashes(texts, 5)
    for i in range(len(texts)):
        reference = MinHash(num_perm=64, scheme=SCHEME, hashfunc=int)
        reference.update_batch(flat[offsets[i] : offsets[i + 1]].tolist())
        assert (sigs[i] == reference.hashvalues).all(), i
