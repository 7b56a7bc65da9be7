"""A release cut by an older schema version (1.1.0, before ``author``; its shards hold
ClassLabel ids in ``element`` lists as ``datasets`` writes them) stays usable after an
upgrade: it verifies, reads back with the new column null, diffs, and the next cut
compares with it. The fixture is a real release of that version (data/schema-1.1.0)."""

from __future__ import annotations

import shutil
from pathlib import Path

from pipeline.release.reader import iter_rows
from tests.builders import make_article

OLD = Path(__file__).parent / "data" / "schema-1.1.0" / "v0.1.0"


def test_a_release_of_schema_1_1_0_verifies_diffs_and_precedes_a_cut(
    tmp_path: Path, write_inputs, run_cli
) -> None:
    releases = tmp_path / "releases"
    shutil.copytree(OLD, releases / "v0.1.0")
    code, out, err = run_cli("release", "verify", "0.1.0", "--releases-dir", releases)
    assert code == 0, err
    assert " ".join(out.split()).endswith("v0.1.0: OK (test 2)")  # rich may wrap the line

    rows = [row for _, row in iter_rows(releases / "v0.1.0")]
    assert len(rows) == 2 and all(row["author"] is None for row in rows)
    labels = {e["label"] for row in rows for e in row["entities"]}
    assert labels and labels <= {"PER", "ORG", "LOC", "MISC"}  # ids decoded to names

    pre, _ = write_inputs([make_article(i) for i in range(3)])
    cut = ["release", "cut", "0.2.0", "--preannotated", pre, "--releases-dir", releases]
    code, _, err = run_cli(*cut, "--date", "2026-02-01")
    assert code == 0, err
    changelog = (releases / "CHANGELOG.md").read_text()
    assert "Compared with v0.1.0: 3 records" in changelog
    assert "records added: 3, removed: 2, changed: 0" in changelog

    code, out, err = run_cli("release", "diff", "0.1.0", "0.2.0", "--releases-dir", releases)
    assert code == 0, err
    assert "removed" in out and "entity:PER" in out
