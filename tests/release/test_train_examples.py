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


def test_gold_stories_do_not_depend_on_where_the_gold_lies(tmp_path, shared_data) -> None:
    """The dev split hashes the story: a story naming the absolute path moved documents
    between train and dev with the checkout's place (a fresh clone elsewhere once got an
    empty dev split)."""
    import shutil

    from pipeline.params import load_params
    from pipeline.train.data import gold_examples

    source = sorted((shared_data / "winer-fr-dev" / "2016").rglob("*.txt"))[:3]
    stories = []
    for place in (tmp_path / "a" / "2016", tmp_path / "b" / "deeper" / "2016"):
        place.mkdir(parents=True)
        for txt in source:
            shutil.copy(txt, place / txt.name)
            shutil.copy(txt.with_suffix(".ann"), place / txt.with_suffix(".ann").name)
        found = gold_examples(place, load_params("preannotate"), ["PER"], [])
        stories.append(sorted(e.story for e in found))
    assert stories[0] == stories[1] == sorted(f"2016/{t.name}" for t in source)
