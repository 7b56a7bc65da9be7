"""Exact duplicates, near duplicates and story clusters (Grouper, pure)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pipeline.minhash import lsh_bands, near_signature, words
from pipeline.normalize.grouping import Grouper
from pipeline.schema import Article

SEED_000 = "000_1d858071adb957df.txt"
SEED_001 = "001_f9319d82666dafb3.txt"


def group(config, articles: list[Article]) -> tuple[list[Article], dict]:
    grouper = Grouper(config)
    kept = [a for a in articles if grouper.add(a)]
    counts = grouper.finish()
    return [grouper.annotate(a) for a in kept], counts


def seed_text(seeds_dir: Path, name: str) -> str:
    return (seeds_dir / name).read_text(encoding="utf-8")


def test_same_text_in_utf8_and_cp1252_is_kept_once(config, normalize_bytes, seeds_dir) -> None:
    text = seed_text(seeds_dir, SEED_000).replace("’", "'")
    utf8 = normalize_bytes(text.encode("utf-8"), "a/utf8.txt")
    cp1252 = normalize_bytes(text.encode("cp1252"), "b/cp1252.txt")
    assert cp1252.source.encoding == "cp1252" and utf8.id == cp1252.id
    (kept,), counts = group(config, [utf8, cp1252])
    assert kept.source.path == "a/utf8.txt"
    assert [d.path for d in kept.duplicates] == ["b/cp1252.txt"]
    assert kept.duplicates[0].encoding == "cp1252"
    assert counts["duplicates"] == 1


def test_a_lightly_edited_copy_is_a_near_duplicate(config, normalize_bytes, seeds_dir) -> None:
    text = seed_text(seeds_dir, SEED_001)
    edited = text.replace("ce vendredi", "vendredi").replace("notamment la France", "la France")
    original = normalize_bytes(text.encode(), "o.txt")
    copy = normalize_bytes(edited.encode(), "c.txt")
    assert original.id != copy.id
    (a, b), counts = group(config, [original, copy])
    assert a.near_duplicate_of is None
    assert b.near_duplicate_of == a.id
    assert a.story_id == b.story_id
    assert counts["near_duplicates"] == 1


def test_story_date_window(config, normalize_bytes, seeds_dir) -> None:
    """Paraphrases months apart are two stories; an undated one meets every date."""
    body_000 = seed_text(seeds_dir, SEED_000)
    body_001 = seed_text(seeds_dir, SEED_001).replace(" date 2025-09-19 ", "")
    near = normalize_bytes(f"date 2025-09-20 {body_000}".encode(), "near.txt")
    far = normalize_bytes(f"date 2025-03-01 {body_000}".encode(), "far.txt")
    dated = normalize_bytes(f"date 2025-09-19 {body_001}".encode(), "dated.txt")
    assert (near.date, far.date) == ("2025-09-20", "2025-03-01")
    (a, b), _ = group(config, [dated, near])
    assert a.story_id == b.story_id
    (a, b), counts = group(config, [dated, far])
    assert a.story_id != b.story_id and counts["stories"] == 2


def test_unrelated_articles_are_separate_stories(config, normalize_bytes, seeds_dir) -> None:
    mali = normalize_bytes(seed_text(seeds_dir, SEED_000).encode(), "mali.txt")
    other = normalize_bytes(
        "Le Tour de France 2016 s'est achevé dimanche sur les Champs-Élysées : Christopher "
        "Froome remporte son troisième maillot jaune, devant Romain Bardet et Nairo Quintana. "
        "Le sprinteur André Greipel gagne la dernière étape au terme d'un sprint massif.".encode(),
        "tour.txt",
    )
    (a, b), counts = group(config, [mali, other])
    assert a.story_id == "s-" + a.id and b.story_id == "s-" + b.id
    assert counts["multi_article_stories"] == 0


def test_lsh_bands_are_the_ones_datasketch_chooses() -> None:
    from datasketch import MinHashLSH

    for num_perm in (32, 64, 128, 256):
        for threshold in (0.2, 0.5, 0.7, 0.8, 0.9):
            lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
            assert lsh_bands(threshold, num_perm) == (lsh.b, lsh.r), (threshold, num_perm)


def test_kept_articles_carry_their_near_duplicate_minhash(config, normalize_bytes, seeds_dir):
    text = seed_text(seeds_dir, SEED_000)
    (kept,), _ = group(config, [normalize_bytes(text.encode(), "a.txt")])
    stored = np.frombuffer(kept.minhash, dtype="<u4")
    assert len(stored) == config.num_perm
    assert (stored == near_signature(words(kept.text), config.minhash)).all()
