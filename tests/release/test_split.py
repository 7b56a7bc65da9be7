"""Story-level splits: seeded, stable, ratio-shaped, and near-duplicates never straddle."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pyarrow as pa
import pytest

from pipeline.errors import PipelineError
from pipeline.minhash import minhash_bytes, near_signature, words
from pipeline.normalize.config import NormalizeConfig
from pipeline.release.split import (
    DuplicateIdError,
    check_ratios,
    plan_splits,
    signature_rows,
    split_of,
)

RATIOS = {"train": 0.8, "validation": 0.1, "test": 0.1}
CONFIG = NormalizeConfig.from_params().minhash


def _rows(texts: list[str]) -> np.ndarray:
    return np.stack([near_signature(words(t), CONFIG) for t in texts])


def _plan(ids: list[str], stories: list[str], texts: list[str], seed: int = 3):
    rows = _rows(texts)
    fetched: list[int] = []

    def signatures_at(positions: np.ndarray) -> np.ndarray:
        fetched.extend(positions.tolist())
        return rows[positions]

    # two batches, so that positions run across them
    half = len(ids) // 2
    batches = [
        (pa.array(ids[:half]), pa.array(stories[:half]), rows[:half]),
        (pa.array(ids[half:]), pa.array(stories[half:]), rows[half:]),
    ]
    plan = plan_splits(
        batches, signatures_at, RATIOS, seed=seed, threshold=0.8, num_perm=CONFIG.num_perm
    )
    return plan, fetched


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
    vocab = [f"mot{i}" for i in range(3000)]
    texts = [" ".join(vocab[i * 100 : i * 100 + 100]) for i in range(30)]
    ids = [f"a{i}" for i in range(30)]
    stories = [f"s{i}" for i in range(30)]
    # the same article re-published under 30 other story ids, one word changed
    for k in range(30):
        ids.append(f"copy{k}")
        stories.append(f"t{k}")
        texts.append(texts[0].replace("mot5 ", "motX "))
    plan, fetched = _plan(ids, stories, texts)
    # only the candidates' signatures were fetched again: the original and its 30 copies
    assert fetched == [0, *range(30, 60)]
    assert set(plan.record_split[30:].tolist()) == {plan.record_split[0]}
    assert plan.merged_stories == 30
    assert len(plan.pairs) >= 30
    assert ("a0", "copy0", plan.pairs[0][2]) in plan.pairs
    assert plan.cross_split_pairs == 0
    assert all(j >= 0.8 for _, _, j in plan.pairs)
    # the other articles are not near anything, and land by their own story's hash
    assert {a for pair in plan.pairs for a in pair[:2]} == {"a0", *(f"copy{k}" for k in range(30))}
    names = plan.names
    assert [names[c] for c in plan.record_split[1:30]] == [
        split_of(f"s{i}", 3, RATIOS) for i in range(1, 30)
    ]
    # the group is represented by its smallest story id
    assert names[plan.record_split[0]] == split_of("s0", 3, RATIOS)


def test_records_of_one_story_share_a_split_and_story_index() -> None:
    ids = [f"r{i}" for i in range(40)]
    stories = [f"story{i % 7}" for i in range(40)]
    texts = [f"texte numéro {i} " * 5 for i in range(40)]
    plan, fetched = _plan(ids, stories, texts, seed=11)
    assert fetched == []  # no candidate pair, nothing read again
    assert plan.stories == 7
    for s in range(7):
        members = [i for i in range(40) if i % 7 == s]
        assert len({plan.record_split[i] for i in members}) == 1
        assert len({plan.record_story[i] for i in members}) == 1


def test_a_repeated_id_is_an_error() -> None:
    with pytest.raises(DuplicateIdError, match="record id x1 appears twice"):
        _plan(["x0", "x1", "x1"], ["s", "s", "s"], ["un", "deux", "trois"])


def test_stored_signatures_are_read_in_place_and_missing_ones_computed() -> None:
    texts = ["le même texte de cinq mots au moins", "un autre texte, tout autre", "court"]
    expected = _rows(texts)
    stored = [minhash_bytes(expected[0]), None, minhash_bytes(expected[2])]
    calls: list[int] = []

    def read_texts() -> list[str]:
        calls.append(1)
        return texts

    rows = signature_rows(
        pa.array(stored, pa.binary()), pa.array(["a", "b", "c"]), read_texts, CONFIG
    )
    assert (rows == expected).all()
    assert calls == [1]  # the text was read once, for the record without a signature
    rows = signature_rows(
        pa.array([stored[0], stored[2]], pa.binary()), pa.array(["a", "c"]), read_texts, CONFIG
    )
    assert (rows == expected[[0, 2]]).all() and calls == [1]


def test_a_signature_of_another_size_is_an_error_naming_the_record() -> None:
    short = np.arange(64, dtype="<u4").tobytes()
    with pytest.raises(PipelineError, match="record b: its MinHash has 64 values but"):
        signature_rows(
            pa.array([None, short], pa.binary()), pa.array(["a", "b"]), lambda: ["x", "y"], CONFIG
        )
