"""What ``pipeline train --release`` learns from: only the records a person verified, with
their final labels and story, read back from a cut release."""

from __future__ import annotations

from pipeline.release.reader import iter_rows
from pipeline.train.data import release_examples


def test_only_verified_records_teach(base_release) -> None:
    columns = ["id", "story_id", "entities", "verified"]
    rows = {row["id"]: row for _, row in iter_rows(base_release.folder, columns)}
    verified = {i for i, row in rows.items() if row["verified"]}
    assert verified and len(verified) < len(rows)
    examples = list(release_examples(base_release.folder, ["PER"]))
    assert {e.name for e in examples} == verified
    for example in examples:
        row = rows[example.name]
        assert example.story == row["story_id"]  # the dev split groups by story
        # the release's final labels, only those asked for
        expected = {(e["start"], e["end"], "PER") for e in row["entities"] if e["label"] == "PER"}
        assert set(example.spans) == expected
    assert any(example.spans for example in examples)
