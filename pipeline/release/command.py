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
) -> None:
    """Cut releases/vX.Y.Z: gold resolution, story splits, Parquet shards, card, manifest."""
    from pipeline.release.cut import cut

    result = cut(
        version, preannotated, annotations, releases_dir, notes, verified_only, agreement, date
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
    summary_table(f"release v{result.manifest['version']}", counts)
    for example in stats.drop_examples:
        err_console.print(f"warning: {preannotated}: dropped label {example}")
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
    from pipeline.release.reader import load_manifest

    known = store.versions(releases_dir)
    if not known:
        err_console.print(f"no release in {releases_dir}")
        return
    for version in known:
        manifest = load_manifest(store.folder(releases_dir, version))
        records = manifest["stats"]["records"]
        verified = sum(manifest["stats"]["verified_records"].values())
        total = sum(records.values())
        splits = ", ".join(f"{s} {n}" for s, n in records.items())
        line = f"v{store.vstr(version)}\t{total} records ({splits})\t{verified} verified"
        if manifest.get("notes"):
            line += f"\t{manifest['notes'].splitlines()[0]}"
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
