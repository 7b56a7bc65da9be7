"""End to end: a cut loads with ``datasets``, keeps its promises and is immutable."""

from __future__ import annotations

import multiprocessing
import shutil
from dataclasses import replace
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from pipeline.errors import PipelineError
from pipeline.io import write_records
from pipeline.minhash import minhash_bytes, near_signature, words
from pipeline.normalize.config import NormalizeConfig
from pipeline.release.cut import cut
from pipeline.release.features import release_features
from pipeline.release.verify import verify
from pipeline.schema import Annotation, PreannotatedArticle
from pipeline.taxonomy import load_taxonomy


@pytest.fixture(scope="module")
def loaded(base_release, tmp_path_factory):
    from datasets import load_dataset

    cache = tmp_path_factory.mktemp("hf-cache")
    return load_dataset(str(base_release.folder), cache_dir=str(cache))


def _names(ds, split):
    feats = ds[split].features
    return (
        feats["entities"].feature["label"],
        feats["times"].feature["label"],
        feats["events"].feature["type"],
    )


def test_load_dataset_gives_every_split_with_classlabels(base_release, loaded) -> None:
    manifest = base_release.result.manifest
    expected = {s: info["records"] for s, info in manifest["splits"].items() if info["records"]}
    assert {s: loaded[s].num_rows for s in loaded} == expected
    assert sum(expected.values()) == 59  # 60 articles, one flagged unusable
    features = release_features(load_taxonomy())
    for split in loaded:
        assert loaded[split].features == features
    ent, tim, evt = _names(loaded, "train")
    assert ent.names == ["PER", "ORG", "LOC", "MISC"] and tim.names == ["DATE", "TIME"]
    rows = {r["id"]: r for s in loaded for r in loaded[s]}
    first = rows["a007"]
    assert [(e["text"], ent.int2str(e["label"])) for e in first["entities"]] == [
        ("Claire Martin", "PER"),
        ("Metz", "LOC"),
    ]
    assert tim.int2str(first["times"][0]["label"]) == "DATE"
    assert evt.int2str(first["events"][0]["type"]) == "CONSULT"
    assert first["entities"][0]["source"].startswith("spacy:")


def test_every_span_slices_the_text(loaded) -> None:
    checked = 0
    for split in loaded:
        for row in loaded[split]:
            text = row["text"]
            for span in [*row["entities"], *row["times"]]:
                assert text[span["start"] : span["end"]] == span["text"]
                checked += 1
            for ev in row["events"]:
                assert text[ev["trigger_start"] : ev["trigger_end"]] == ev["trigger_text"]
                for arg in ev["arguments"]:
                    assert text[arg["start"] : arg["end"]] == arg["text"]
    assert checked > 150


def test_verified_records_are_those_with_counted_annotations(base_release, loaded) -> None:
    rows = {r["id"]: r for s in loaded for r in loaded[s]}
    verified = sorted(i for i, r in rows.items() if r["verified"])
    # a000 single annotator, a001 ground truth, a002 merged (majority); a003 draft and a004
    # cancelled stay machine labels; a005 is unusable and left out
    assert verified == ["a000", "a001", "a002"]
    assert "a005" not in rows
    assert rows["a001"]["annotators"] == ["annotator:8"]
    assert rows["a003"]["annotators"] == [] and not rows["a003"]["verified"]
    ent = loaded["train"].features["entities"].feature["label"]
    assert ent.int2str(rows["a002"]["entities"][0]["label"]) == "PER"  # two votes to one
    assert all(e["source"].startswith("annotator:") for e in rows["a002"]["entities"])
    stats = base_release.result.manifest["stats"]
    assert sum(stats["verified_records"].values()) == 3
    assert stats["gold_rules"] == {"ground_truth": 1, "merged": 1, "single_annotator": 1}
    assert stats["unusable_records"] == 1
    card = (base_release.folder / "README.md").read_text(encoding="utf-8")
    assert "Human-verified records: 3 of 59 (5.1 %)" in card


def test_bad_labels_are_dropped_and_counted(base_release, loaded) -> None:
    rows = {r["id"]: r for s in loaded for r in loaded[s]}
    assert len(rows["a010"]["entities"]) == 2 and len(rows["a011"]["entities"]) == 2
    dropped = base_release.result.manifest["stats"]["dropped_labels"]
    assert dropped == {
        "entity label not in taxonomy": 1,
        "entity span does not slice the text": 1,
    }


def test_no_story_in_two_splits(loaded) -> None:
    seen: dict[str, str] = {}
    for split in loaded:
        for row in loaded[split]:
            assert seen.setdefault(row["story_id"], split) == split
    assert seen["a020"] and seen["a021"]  # missing story ids fall back to the article id
    assert len(seen) == 31


def test_card_front_matter_and_manifest(base_release) -> None:
    text = (base_release.folder / "README.md").read_text(encoding="utf-8")
    meta = yaml.safe_load(text.split("---\n")[1])
    assert meta["language"] == ["fr"] and meta["license"] == "cc-by-4.0"
    assert meta["annotations_creators"] == ["expert-generated", "machine-generated"]
    assert meta["size_categories"] == ["n<1K"]
    splits = {f["split"] for f in meta["configs"][0]["data_files"]}
    assert splits == {s["name"] for s in meta["dataset_info"]["splits"]}
    manifest = base_release.result.manifest
    assert manifest["taxonomy"]["version"] == load_taxonomy().version
    assert manifest["inputs"]["annotations"]["rows"] == 9
    assert manifest["split_check"]["cross_split_pairs"] == 0
    assert "Near-duplicate pairs across splits after the split: 0." in text
    assert verify(base_release.folder) == {
        s: i["records"] for s, i in manifest["splits"].items() if i["records"]
    }


def test_two_cuts_of_the_same_inputs_are_byte_identical(base_release, tmp_path) -> None:
    other = cut(
        "1.0.0", base_release.pre, base_release.ann, tmp_path / "releases", notes="First cut."
    )
    files = sorted(p.relative_to(other.folder) for p in other.folder.rglob("*") if p.is_file())
    assert files == sorted(
        p.relative_to(base_release.folder) for p in base_release.folder.rglob("*") if p.is_file()
    )
    for rel in files:
        assert (other.folder / rel).read_bytes() == (base_release.folder / rel).read_bytes(), rel
    assert (tmp_path / "releases" / "CHANGELOG.md").read_bytes() == (
        base_release.releases / "CHANGELOG.md"
    ).read_bytes()


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file()
    }


def test_existing_or_older_version_is_refused_and_untouched(base_release, run_cli) -> None:
    before = _snapshot(base_release.releases)
    code, _, err = run_cli(
        "release",
        "cut",
        "1.0.0",
        "--preannotated",
        base_release.pre,
        "--releases-dir",
        base_release.releases,
    )
    assert code == 1
    assert "v1.0.0 already exists" in err and "immutable" in err
    assert len(err.strip().splitlines()) == 1
    with pytest.raises(PipelineError, match=r"not greater than the last release v1\.0\.0"):
        cut("0.9.0", base_release.pre, None, base_release.releases)
    assert _snapshot(base_release.releases) == before
    assert not [p for p in base_release.releases.iterdir() if p.name.startswith(".cut-")]


def _cut_in_child(args: tuple[str, Path, Path], queue: multiprocessing.Queue) -> None:
    version, pre, releases = args
    try:
        cut(version, pre, None, releases)
        queue.put("ok")
    except PipelineError as exc:
        queue.put(f"error: {exc}")


def test_two_racing_cuts_leave_one_release_and_one_error(base_release, tmp_path) -> None:
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    releases = tmp_path / "releases"
    procs = [
        ctx.Process(target=_cut_in_child, args=(("2.0.0", base_release.pre, releases), queue))
        for _ in range(2)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    outcomes = sorted(queue.get(timeout=5) for _ in procs)
    assert outcomes[1] == "ok"
    assert outcomes[0].startswith("error: ") and "v2.0.0 already exists" in outcomes[0]
    assert sorted(p.name for p in releases.iterdir()) == ["CHANGELOG.md", "v2.0.0"]
    verify(releases / "v2.0.0")


def test_second_release_changelog_shows_changed_label(base_release, tmp_path, rb, run_cli):
    releases = tmp_path / "releases"
    shutil.copytree(base_release.releases, releases)
    art = base_release.articles["a006"]
    city = next(e for e in art.entities if e.label == "LOC")
    relabelled = [e for e in art.entities if e is not city]
    relabelled.append(rb.entity(art.text, city.text, "ORG"))
    anns = [*base_release.annotations, rb.make_annotation(20, art, 9, entities=relabelled)]
    ann = tmp_path / "annotations-2.parquet"
    write_records(ann, anns, Annotation)
    result = cut("1.1.0", base_release.pre, ann, releases, notes="Second cut.", date="2025-06-01")
    changes = result.manifest["changes"]
    assert changes["records"]["changed"] == 1 and changes["records"]["added"] == 0
    assert changes["records"]["newly_verified"] == 1
    assert changes["labels"] == {"entity:ORG": {"added": 0, "removed": 0, "changed": 1}}
    assert changes["label_moves"] == {"entity:LOC → ORG": 1}
    log = (releases / "CHANGELOG.md").read_text(encoding="utf-8")
    assert log.index("## v1.1.0 — 2025-06-01") < log.index("## v1.0.0")
    assert "| entity:ORG | 0 | 0 | 1 |" in log
    assert "Type changes: entity:LOC → ORG ×1" in log
    assert "newly human-verified records: 1" in log
    code, out, _ = run_cli("release", "diff", "1.0.0", "1.1.0", "--releases-dir", releases)
    assert code == 0 and "| entity:ORG | 0 | 0 | 1 |" in out
    code, out, _ = run_cli("release", "list", "--releases-dir", releases)
    assert code == 0
    assert [line.split()[0] for line in out.strip().splitlines()] == ["v1.0.0", "v1.1.0"]
    assert "train" in out.splitlines()[0] and "Second cut." in out.splitlines()[1]


def test_shards_are_capped_and_row_groups_sized(base_release, tmp_path, monkeypatch) -> None:
    import pyarrow.parquet as pq
    from datasets import load_dataset

    params = yaml.safe_load(Path("params.yaml").read_text(encoding="utf-8"))
    params["release"].update(row_group_size=4, max_shard_bytes=20_000)
    # relative paths in a params file are relative to its folder: this copy is elsewhere
    params["preannotate"]["taxonomy"] = str(Path(params["preannotate"]["taxonomy"]).resolve())
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(params), encoding="utf-8")
    monkeypatch.setenv("PIPELINE_PARAMS", str(path))
    result = cut("1.0.0", base_release.pre, None, tmp_path / "releases", verified_only=False)
    shards = sorted((result.folder / "data").glob("train-*.parquet"))
    assert len(shards) > 1
    total = len(shards)
    assert [s.name for s in shards] == [
        f"train-{i:05d}-of-{total:05d}.parquet" for i in range(total)
    ]
    meta = pq.ParquetFile(shards[0]).metadata
    assert all(meta.row_group(i).num_rows == 4 for i in range(meta.num_row_groups - 1))
    ds = load_dataset(str(result.folder), cache_dir=str(tmp_path / "cache"))
    assert ds["train"].num_rows == result.manifest["splits"]["train"]["records"]
    verify(result.folder)


def test_verified_only_keeps_human_records(base_release, tmp_path) -> None:
    result = cut("1.0.0", base_release.pre, base_release.ann, tmp_path / "r", verified_only=True)
    assert sum(result.stats.records.values()) == 3
    assert result.stats.unverified_left_out == 56
    text = (result.folder / "README.md").read_text(encoding="utf-8")
    assert "annotations_creators:\n- expert-generated\n" in text
    assert "56 unverified records left out" in text


def test_missing_input_is_one_line_error(tmp_path, run_cli) -> None:
    code, _, err = run_cli(
        "release",
        "cut",
        "1.0.0",
        "--preannotated",
        tmp_path / "nope.parquet",
        "--releases-dir",
        tmp_path / "releases",
    )
    assert code == 1 and "nope.parquet: no such file" in err
    assert not (tmp_path / "releases" / "v1.0.0").exists()


def test_minhash_from_other_normalize_params_is_one_line_error(tmp_path, rb, run_cli) -> None:
    arts = [rb.make_article(0), replace(rb.make_article(1), minhash=bytes(4 * 64))]
    pre = tmp_path / "pre.parquet"
    write_records(pre, arts, PreannotatedArticle)
    code, _, err = run_cli(
        "release", "cut", "1.0.0", "--preannotated", pre, "--releases-dir", tmp_path / "rel"
    )
    assert code == 1
    assert err.strip().splitlines() == [
        f"error: {pre}: record a001: its MinHash has 64 values but normalize.num_perm is "
        "128: normalize the articles again"
    ]
    assert not (tmp_path / "rel" / "v1.0.0").exists()


def test_input_of_another_record_type_is_refused(tmp_path, rb) -> None:
    path = tmp_path / "wrong.parquet"
    write_records(path, [rb.make_annotation(1, rb.make_article(1), 7)], Annotation)
    with pytest.raises(PipelineError, match="expected PreannotatedArticle"):
        cut("1.0.0", path, None, tmp_path / "releases")
    write_records(tmp_path / "ok.parquet", [rb.make_article(1)], PreannotatedArticle)


def test_cli_cut_with_agreement_figures(base_release, tmp_path, run_cli) -> None:
    agreement = tmp_path / "agreement.json"
    agreement.write_text('{"pairs": 4, "labels": {"PER": {"f1": 0.91}}}', "utf-8")
    code, out, err = run_cli(
        "release",
        "cut",
        "0.1.0",
        "--preannotated",
        base_release.pre,
        "--annotations",
        base_release.ann,
        "--agreement",
        agreement,
        "--notes",
        "Pilot.",
        "--releases-dir",
        tmp_path / "releases",
    )
    assert code == 0, err
    folder = tmp_path / "releases" / "v0.1.0"
    assert out.strip() == str(folder)
    card = (folder / "README.md").read_text(encoding="utf-8")
    assert (
        "| labels / PER / f1 | 0.91 |" in card
        and "| pairs | 4 |" in card
        and "## Notes\n\nPilot." in card
    )
    assert "dropped label" in err  # the two bad machine labels are named
    manifest = (folder / "manifest.json").read_text(encoding="utf-8")
    assert '"name": "agreement.json"' in manifest


def test_nothing_to_release_is_an_error(base_release, tmp_path) -> None:
    with pytest.raises(PipelineError, match="no record to release"):
        cut("1.0.0", base_release.pre, None, tmp_path / "releases", verified_only=True)
    assert list((tmp_path / "releases").iterdir()) == []


def test_near_duplicates_in_other_row_groups_and_stories_share_a_split(tmp_path, rb) -> None:
    """A re-told copy filed under another story, three row groups later: the cut finds it
    (half the inputs carry normalize's stored MinHash, half get it computed) and puts both
    in one split."""
    config = NormalizeConfig.from_params()
    arts = [rb.make_article(i) for i in range(12)]
    copy_text = arts[0].text.replace("deux heures.", "deux heures, dit-on.")  # spans hold
    arts[11] = replace(arts[0], id="a011", story_id="elsewhere", text=copy_text)
    arts = [
        replace(a, minhash=minhash_bytes(near_signature(words(a.text), config.minhash)))
        if i % 2
        else a
        for i, a in enumerate(arts)
    ]
    pre = tmp_path / "pre.parquet"
    write_records(pre, arts, PreannotatedArticle, row_group_size=4)
    result = cut("1.0.0", pre, None, tmp_path / "releases")
    check = result.manifest["split_check"]
    assert (check["pairs"], check["merged_stories"], check["cross_split_pairs"]) == (1, 1, 0)
    where = {
        row["id"]: split
        for split, info in result.manifest["splits"].items()
        for name in info["files"]
        for row in pq.read_table(result.folder / name, columns=["id"]).to_pylist()
    }
    assert where["a000"] == where["a011"]


def test_pull_warnings_of_counted_annotations_reach_the_card(base_release, tmp_path, rb) -> None:
    from pipeline.params import load_params
    from pipeline.release.adjudication import adjudicate, load_adjudicated
    from pipeline.studio.merge import Strategy

    art = rb.make_article(0)
    warned = ["region ev (trigger): time_value {'text': ['2025']} dropped, a time value on..."]
    rows = [
        rb.make_annotation(1, art, 7, errors=warned * 2),
        rb.make_annotation(2, art, 8, status="draft", errors=warned),  # a draft never counts
    ]
    path = tmp_path / "annotations.parquet"
    write_records(path, rows, Annotation)
    strategy = Strategy.from_params(load_params("review")["merge"])
    assert load_adjudicated(path, None, strategy)[1].pull_dropped == 2
    assert adjudicate([], [], strategy)[1].pull_dropped == 0
    assert base_release.result.manifest["stats"]["pull_dropped_values"] == 0
    card = (base_release.folder / "README.md").read_text(encoding="utf-8")
    assert "relation without exactly one role, a span off the text), in the annotations" in card


def _release_rows(folder: Path, columns: list[str]) -> dict[str, dict]:
    rows = [r for p in sorted(folder.glob("data/*.parquet")) for r in pq.read_table(p).to_pylist()]
    return {r["id"]: {c: r[c] for c in columns} for r in rows}


def test_metadata_columns_carry_the_author(tmp_path, rb) -> None:
    arts = [replace(rb.make_article(i), author="Anne Roy" if i else None) for i in range(12)]
    pre = tmp_path / "pre.parquet"
    write_records(pre, arts, PreannotatedArticle)
    result = cut("1.0.0", pre, None, tmp_path / "releases")
    card = result.folder.joinpath("README.md").read_text("utf-8")
    assert "  - name: outlet\n    dtype: string\n  - name: author\n    dtype: string\n" in card
    rows = _release_rows(result.folder, ["title", "outlet", "author", "url"])
    assert rows["a000"] == {
        "title": "Titre 0",
        "outlet": "Le Test",
        "author": None,
        "url": "https://example.org/0",
    }
    assert {rows[a.id]["author"] for a in arts[1:]} == {"Anne Roy"}


def test_a_cut_reads_preannotated_files_of_schema_1_1(tmp_path, rb) -> None:
    """A pre-annotated file written before ``author`` existed cuts, its authors empty."""
    arts = [rb.make_article(i) for i in range(12)]
    current = tmp_path / "current.parquet"
    write_records(current, arts, PreannotatedArticle)
    table = pq.read_table(current).drop_columns(["author"])
    meta = {**table.schema.metadata, b"pipeline.schema_version": b"1.1.0"}
    old = tmp_path / "old.parquet"
    pq.write_table(table.replace_schema_metadata(meta), old)
    result = cut("1.0.0", old, None, tmp_path / "releases")
    rows = _release_rows(result.folder, ["author", "outlet"])
    assert len(rows) == sum(result.stats.records.values()) == 12
    assert {(r["author"], r["outlet"]) for r in rows.values()} == {(None, "Le Test")}
    verify(result.folder)
