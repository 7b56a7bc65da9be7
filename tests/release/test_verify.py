"""``release verify`` exits 1 naming the first bad file, for every kind of tampering."""

from __future__ import annotations

import shutil

import pytest


@pytest.fixture
def copy(base_release, tmp_path):
    releases = tmp_path / "releases"
    shutil.copytree(base_release.releases, releases)
    return releases


def _verify(run_cli, releases):
    return run_cli("release", "verify", "v1.0.0", "--releases-dir", releases)


def test_intact_release_verifies(run_cli, copy) -> None:
    code, out, _ = _verify(run_cli, copy)
    assert code == 0 and "OK" in out


def test_one_flipped_byte_names_the_shard(run_cli, copy) -> None:
    shard = sorted((copy / "v1.0.0" / "data").glob("train-*.parquet"))[0]
    data = bytearray(shard.read_bytes())
    data[len(data) // 2] ^= 0x01
    shard.write_bytes(bytes(data))
    code, _, err = _verify(run_cli, copy)
    assert code == 1
    assert shard.name in err and "sha256 differs" in err
    assert len(err.strip().splitlines()) == 1


def test_missing_shard_is_named(run_cli, copy) -> None:
    shard = sorted((copy / "v1.0.0" / "data").glob("test-*.parquet"))[0]
    shard.unlink()
    code, _, err = _verify(run_cli, copy)
    assert code == 1 and shard.name in err and "missing" in err


def test_extra_file_is_named(run_cli, copy) -> None:
    extra = copy / "v1.0.0" / "data" / "train-00009-of-00009.parquet"
    extra.write_bytes(b"PAR1")
    code, _, err = _verify(run_cli, copy)
    assert code == 1 and extra.name in err and "not in manifest.json" in err


def test_edited_card_is_named(run_cli, copy) -> None:
    card = copy / "v1.0.0" / "README.md"
    card.write_text(card.read_text(encoding="utf-8").replace("cc-by-4.0", "mit"), "utf-8")
    code, _, err = _verify(run_cli, copy)
    assert code == 1 and "README.md" in err


def test_card_and_manifest_edited_together_still_caught(run_cli, copy) -> None:
    """Someone 'fixes' the checksum too: the card's split sizes no longer match the files."""
    import json

    from pipeline.io import file_sha256

    folder = copy / "v1.0.0"
    card = folder / "README.md"
    text = card.read_text(encoding="utf-8")
    card.write_text(text.replace("num_examples: 2\n", "num_examples: 3\n", 1), "utf-8")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"]["README.md"]["sha256"] = file_sha256(card)
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    code, _, err = _verify(run_cli, copy)
    assert code == 1 and "README.md" in err and "split sizes" in err


def test_unknown_version_lists_what_exists(run_cli, copy) -> None:
    code, _, err = run_cli("release", "verify", "9.9.9", "--releases-dir", copy)
    assert code == 1 and "no such release" in err and "v1.0.0" in err
