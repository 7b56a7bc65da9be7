"""``release publish``: upload a verified release to the Hugging Face Hub, tagged ``vX.Y.Z``.

The release is verified first (a corrupted folder is never uploaded). The dataset
repository then mirrors the release folder exactly: files of an older version that the new
one does not have are deleted in the same commit (``delete_patterns``), so ``data/train-*``
never mixes two versions; the commit is tagged ``vX.Y.Z`` so
``load_dataset(repo_id, revision="vX.Y.Z")`` keeps loading it after later releases. The
token comes only from ``HF_TOKEN`` and is never printed or written.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.release.reader import MANIFEST, load_manifest
from pipeline.release.verify import verify

TOKEN_ENV = "HF_TOKEN"
REPO_ID_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


@dataclass(frozen=True)
class UploadPlan:
    """What would be uploaded: files (relative path, bytes), repository and tag."""

    repo_id: str
    tag: str
    files: list[tuple[str, int]]


def plan(folder: Path, repo_id: str) -> UploadPlan:
    """Verify the release and list its files (the manifest, the card, the shards)."""
    parts = repo_id.split("/")
    if len(parts) != 2 or not all(p and set(p) <= REPO_ID_CHARS for p in parts):
        raise PipelineError(f"'{repo_id}' is not a repository id ORG/NAME")
    verify(folder)
    manifest = load_manifest(folder)
    names = sorted([*manifest["files"], MANIFEST])
    files = [(name, (Path(folder) / name).stat().st_size) for name in names]
    return UploadPlan(repo_id=repo_id, tag=f"v{manifest['version']}", files=files)


def upload(folder: Path, upload_plan: UploadPlan, private: bool = False) -> str:
    """Create the dataset repository if needed, upload, tag; return the commit URL."""
    token = os.environ.get(TOKEN_ENV)
    if not token:
        raise PipelineError(f"{TOKEN_ENV} is not set: the Hub token is read from it only")
    from huggingface_hub import HfApi

    api = HfApi(token=token)
    repo = upload_plan.repo_id
    try:
        api.create_repo(repo, repo_type="dataset", private=private, exist_ok=True)
        commit = api.upload_folder(
            repo_id=repo,
            repo_type="dataset",
            folder_path=folder,
            allow_patterns=[name for name, _ in upload_plan.files],
            delete_patterns=["*"],
            commit_message=f"Release {upload_plan.tag}",
        )
        api.create_tag(
            repo,
            tag=upload_plan.tag,
            tag_message=f"Release {upload_plan.tag}",
            revision=commit.oid,
            repo_type="dataset",
        )
    except Exception as exc:  # network, HTTP or disk: one line, token scrubbed
        message = str(exc).replace(token, "***").splitlines()[0]
        raise PipelineError(f"{repo}: upload failed ({message})") from None
    return commit.commit_url
