"""One taxonomy for every stage: ``preannotate.taxonomy`` in params.yaml, whichever stage runs.

A params file pointing at another taxonomy (version 9.9.9) must change what the studio
renders and what the release records, not only what pre-annotation labels with.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.io import write_records
from pipeline.params import taxonomy_path
from pipeline.release.config import ReleaseConfig
from pipeline.release.cut import cut
from pipeline.schema import PreannotatedArticle
from tests.builders import make_article


@pytest.fixture
def other_taxonomy(repo_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """params.yaml copied with ``preannotate.taxonomy`` pointing at a 9.9.9 taxonomy (given
    relative to the params file, as in the repository), made the params in use."""
    text = (repo_root / "annotation_configs" / "taxonomy.yaml").read_text(encoding="utf-8")
    assert 'version: "1.0.0"' in text
    taxonomy = tmp_path / "configs" / "taxonomy.yaml"
    taxonomy.parent.mkdir()
    taxonomy.write_text(text.replace('version: "1.0.0"', 'version: "9.9.9"'), encoding="utf-8")
    params = yaml.safe_load((repo_root / "params.yaml").read_text(encoding="utf-8"))
    params["preannotate"]["taxonomy"] = "configs/taxonomy.yaml"
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("PIPELINE_PARAMS", str(path))
    return taxonomy


def test_the_taxonomy_path_is_preannotate_taxonomy_beside_the_params(
    other_taxonomy: Path,
) -> None:
    assert taxonomy_path().resolve() == other_taxonomy.resolve()
    assert ReleaseConfig.from_params().taxonomy.resolve() == other_taxonomy.resolve()


def test_studio_config_renders_the_configured_taxonomy(
    other_taxonomy: Path, tmp_path: Path
) -> None:
    out = tmp_path / "label_studio.xml"
    result = CliRunner().invoke(app, ["studio", "config", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Generated from taxonomy 9.9.9 " in out.read_text(encoding="utf-8")


def test_release_records_the_configured_taxonomy(other_taxonomy: Path, tmp_path: Path) -> None:
    pre = tmp_path / "preannotated.parquet"
    write_records(pre, [make_article(i) for i in range(3)], PreannotatedArticle)
    result = cut("1.0.0", pre, None, tmp_path / "releases", config=ReleaseConfig.from_params())
    assert result.manifest["taxonomy"]["version"] == "9.9.9"
