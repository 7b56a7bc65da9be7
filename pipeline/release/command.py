"""``pipeline release ...``: thin commands around the release cores (no logic of their own)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pipeline.console import err_console, out_console, summary_table

release_app = typer.Typer(
    help="Releases: cut, verify, list, diff, export and publish versioned datasets.",
    no_args_is_help=True,
)

ReleasesDirOpt = Annotated[
    Path, typer.Option("--releases-dir", help="Folder holding the vX.Y.Z releases")
]
VersionArg = Annotated[str, typer.Argument(help="Version X.Y.Z (a leading v is accepted)")]


@release_app.command("cut")
def cut_command(
    version: VersionArg,
    preannotated: Annotated[
        Path, typer.Option("--preannotated", help="PreannotatedArticle Parquet file")
    ] = Path("data/preannotated.parquet"),
    annotations: Annotated[
        Path | None, typer.Option("--annotations", help="Annotation Parquet file (studio pull)")
    ] = None,
    notes: Annotated[str | None, typer.Option("--notes", help="Release notes text")] = None,
    verified_only: Annotated[
        bool, typer.Option("--verified-only", help="Keep human-verified records only")
    ] = False,
    agreement: Annotated[
        Path | None,
        typer.Option("--agreement", help="JSON object of agreement figures for the card"),
    ] = None,
    date: Annotated[
        str | None, typer.Option("--date", help="Date shown in the changelog (no clock is read)")
    ] = None,
    releases_dir: ReleasesDirOpt = Path("releases"),
    reviews: Annotated[
        Path | None,
        typer.Option("--reviews", help="Annotation Parquet file of the review project (pull)"),
    ] = None,
) -> None:
    """Cut releases/vX.Y.Z: gold resolution, story splits, Parquet shards, card, manifest."""
    from pipeline.release.config import ReleaseConfig
    from pipeline.release.cut import cut

    config = ReleaseConfig.from_params()
    result = cut(
        version,
        preannotated,
        annotations,
        releases_dir,
        notes,
        verified_only,
        agreement,
        date,
        reviews,
        config,
    )
    stats = result.stats
    counts: dict[str, object] = {
        f"records in {split}": n for split, n in sorted(stats.records.items())
    }
    counts["human-verified records"] = sum(stats.verified.values())
    counts["labels"] = stats.total_labels
    counts["near-duplicate pairs (cross-split)"] = (
        f"{result.manifest['split_check']['pairs']} "
        f"({result.manifest['split_check']['cross_split_pairs']})"
    )
    for reason, n in sorted(stats.dropped.items()):
        counts[f"dropped: {reason}"] = n
    if stats.unusable:
        counts["left out: flagged unusable"] = stats.unusable
    if stats.unverified_left_out:
        counts["left out: unverified"] = stats.unverified_left_out
    counts["seconds"] = ", ".join(f"{k} {v:.1f}" for k, v in result.timings.items())
    summary_table(f"release v{result.manifest['version']}", counts)
    for example in stats.drop_examples:
        # a human label came from the annotations file, a machine label from the other one
        origin = annotations if annotations and " from annotator:" in example else preannotated
        err_console.print(
            f"warning: {origin}: dropped label {example}", highlight=False, soft_wrap=True
        )
    if result.orphan_annotations:
        err_console.print(
            f"warning: {annotations}: {result.orphan_annotations} annotated article(s) are "
            f"not in {preannotated}; their annotations were not used"
        )
    out_console.print(str(result.folder))


@release_app.command("list")
def list_command(releases_dir: ReleasesDirOpt = Path("releases")) -> None:
    """List releases, oldest first: version, records per split, verified share, notes."""
    from pipeline.release import store
    from pipeline.release.reader import load_manifest, split_names

    known = store.versions(releases_dir)
    if not known:
        err_console.print(f"no release in {releases_dir}")
        return
    for version in known:
        manifest = load_manifest(store.folder(releases_dir, version))
        records = {s: manifest["splits"][s]["records"] for s in split_names(manifest)}
        verified = sum(manifest["stats"]["verified_records"].values())
        total = sum(records.values())
        splits = ", ".join(f"{s} {n}" for s, n in records.items())
        line = f"v{store.vstr(version)}\t{total} records ({splits})\t{verified} verified"
        if notes := manifest.get("notes"):
            line += f"\t{notes.splitlines()[0]}"
        out_console.print(line, highlight=False, soft_wrap=True)


@release_app.command("diff")
def diff_command(
    old: Annotated[str, typer.Argument(help="Older version")],
    new: Annotated[str, typer.Argument(help="Newer version")],
    releases_dir: ReleasesDirOpt = Path("releases"),
) -> None:
    """The changelog's figures between any two releases."""
    from pipeline.release import store
    from pipeline.release.changes import diff_releases, render_label_table

    changes = diff_releases(store.existing(releases_dir, old), store.existing(releases_dir, new))
    summary_table(f"{old} → {new}: records", changes["records"])
    out_console.print("\n".join(render_label_table(changes)), highlight=False)


@release_app.command("verify")
def verify_command(version: VersionArg, releases_dir: ReleasesDirOpt = Path("releases")) -> None:
    """Check checksums, schema, card YAML and story disjointness; exit 1 naming the bad file."""
    from pipeline.release import store
    from pipeline.release.verify import verify

    folder = store.existing(releases_dir, version)
    rows = verify(folder)
    splits = ", ".join(f"{s} {n}" for s, n in rows.items())
    out_console.print(f"{folder}: OK ({splits})", highlight=False)


@release_app.command("export")
def export_command(
    version: VersionArg,
    fmt: Annotated[
        str, typer.Option("--format", help="conll (BIO), spacy (DocBin) or jsonl")
    ] = "jsonl",
    out_dir: Annotated[
        Path | None,
        typer.Option("--out-dir", help="Output folder [default: exports/vX.Y.Z/FORMAT]"),
    ] = None,
    releases_dir: ReleasesDirOpt = Path("releases"),
) -> None:
    """Export every split to BIO CoNLL, spaCy DocBin or JSONL (outside the release)."""
    from pipeline.release import store
    from pipeline.release.export import export

    folder = store.existing(releases_dir, version)
    target = out_dir or Path("exports") / folder.name / fmt
    stats = export(folder, fmt, target)
    counts: dict[str, object] = {}
    for split, n in stats.records.items():
        counts[f"{split}: records"] = n
        if fmt != "jsonl":
            counts[f"{split}: entities"] = stats.entities[split]
            counts[f"{split}: misaligned entities (left out)"] = stats.misaligned[split]
            counts[f"{split}: overlapping entities (left out)"] = stats.overlapping[split]
    summary_table(f"export {folder.name} → {fmt}", counts)
    for example in stats.examples:
        err_console.print(f"warning: {folder}: {example}", highlight=False)
    for path in stats.files:
        out_console.print(str(path), highlight=False)


@release_app.command("publish")
def publish_command(
    version: VersionArg,
    repo_id: Annotated[str, typer.Option("--repo-id", help="Hub dataset repository ORG/NAME")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would be uploaded; upload nothing")
    ] = False,
    private: Annotated[bool, typer.Option("--private", help="Create the repo private")] = False,
    releases_dir: ReleasesDirOpt = Path("releases"),
) -> None:
    """Upload a verified release to the Hub as a dataset repo, tagged vX.Y.Z (HF_TOKEN)."""
    from pipeline.release import store
    from pipeline.release.publish import plan, upload

    folder = store.existing(releases_dir, version)
    upload_plan = plan(folder, repo_id)
    if dry_run:
        for name, size in upload_plan.files:
            out_console.print(f"{size:>12}  {name}", highlight=False)
        err_console.print(
            f"dry run: would upload {len(upload_plan.files)} files to dataset "
            f"{upload_plan.repo_id} and tag {upload_plan.tag}"
        )
        return
    url = upload(folder, upload_plan, private)
    err_console.print(f"uploaded {folder.name} to {upload_plan.repo_id}, tagged {upload_plan.tag}")
    out_console.print(url, highlight=False)
