"""Publishing: the dry run lists the upload; without HF_TOKEN nothing is attempted."""

from __future__ import annotations

import shutil


def publish(run_cli, releases, *extra: str, repo_id: str = "org/news-fr") -> tuple[int, str, str]:
    """``pipeline release publish 1.0.0 --repo-id REPO_ID --releases-dir RELEASES EXTRA...``."""
    return run_cli(
        "release", "publish", "1.0.0", "--repo-id", repo_id, "--releases-dir", releases, *extra
    )


def test_dry_run_lists_files_without_a_token(base_release, run_cli, monkeypatch) -> None:
    monkeypatch.delenv("HF_TOKEN", raising=False)
    code, out, err = publish(run_cli, base_release.releases, "--dry-run")
    assert code == 0
    listed = [line.split()[1] for line in out.strip().splitlines()]
    manifest = base_release.result.manifest
    assert listed == sorted([*manifest["files"], "manifest.json"])
    assert "tag v1.0.0" in err and "org/news-fr" in err


def test_refused_without_token(base_release, run_cli, monkeypatch) -> None:
    monkeypatch.delenv("HF_TOKEN", raising=False)
    code, _, err = publish(run_cli, base_release.releases)
    assert code == 1 and "HF_TOKEN is not set" in err


def test_corrupted_release_is_never_planned(base_release, run_cli, tmp_path) -> None:
    releases = tmp_path / "releases"
    shutil.copytree(base_release.releases, releases)
    (releases / "v1.0.0" / "README.md").write_text("---\n---\n", encoding="utf-8")
    code, _, err = publish(run_cli, releases, "--dry-run")
    assert code == 1 and "README.md" in err


def test_bad_repo_id_is_refused(base_release, run_cli) -> None:
    code, _, err = publish(run_cli, base_release.releases, "--dry-run", repo_id="no-slash")
    assert code == 1 and "not a repository id" in err
