"""The dataset card (``README.md``): YAML front matter derived from the Features, and a body.

The YAML is produced by the same objects ``datasets`` and ``huggingface_hub`` use
(``DatasetCardData``, ``DatasetInfosDict``, ``MetadataConfigs``), then parsed back with
``DatasetCard`` and checked against what was meant: the Hub's own validator needs the
network, this check does not.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from string import Template
from typing import Any

from pipeline.errors import PipelineError
from pipeline.schema import ReleaseManifest, SplitEntry

#: the card's body, beside this module
TEMPLATE = "card_template.md"

SIZE_CATEGORIES = [
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
]


def size_category(n: int) -> str:
    """The Hub's size bucket for ``n`` records."""
    for bound, name in SIZE_CATEGORIES:
        if n < bound:
            return name
    return "10M<n<100M"


def card_data(
    features: Any,
    splits: dict[str, dict[str, int]],
    params: dict[str, Any],
    verified: int,
    total: int,
    download_size: int,
) -> Any:
    """The ``DatasetCardData``: configs with ``data_files`` per split, ``dataset_info`` from
    the Features and split sizes, and the descriptive fields from params."""
    from datasets import DatasetInfo, SplitDict, SplitInfo
    from datasets.info import DatasetInfosDict
    from datasets.utils.metadata import MetadataConfigs
    from huggingface_hub import DatasetCardData

    if verified == 0:
        creators = ["machine-generated"]
    elif verified == total:
        creators = ["expert-generated"]
    else:
        creators = ["expert-generated", "machine-generated"]
    data = DatasetCardData(
        language=["fr"],
        license=params["license"],
        pretty_name=params["pretty_name"],
        task_categories=list(params["task_categories"]),
        task_ids=list(params["task_ids"]),
        size_categories=[size_category(total)],
        annotations_creators=creators,
        language_creators=["found"],
        multilinguality=["monolingual"],
        source_datasets=["original"],
    )
    MetadataConfigs(
        {
            "default": {
                "data_files": [
                    {"split": name, "path": f"data/{name}-*"}
                    for name, info in splits.items()
                    if info["records"]
                ]
            }
        }
    ).to_dataset_card_data(data)
    split_dict = SplitDict()
    for name, info in splits.items():
        if info["records"]:
            split_dict.add(
                SplitInfo(name=name, num_bytes=info["num_bytes"], num_examples=info["records"])
            )
    info = DatasetInfo(
        features=features,
        splits=split_dict,
        download_size=download_size,
        dataset_size=sum(i["num_bytes"] for i in splits.values()),
    )
    DatasetInfosDict({"default": info}).to_dataset_card_data(data)
    return data


def check_card(content: str, expected: Any, features: Any) -> None:
    """Parse the card back with ``huggingface_hub`` and ``datasets``; any drift is an error."""
    from datasets.info import DatasetInfosDict
    from datasets.utils.metadata import MetadataConfigs
    from huggingface_hub import DatasetCard

    card = DatasetCard(content)
    if card.data.to_dict() != expected.to_dict():  # type: ignore[no-untyped-call]
        raise PipelineError("README.md: front matter does not round-trip through DatasetCard")
    infos = DatasetInfosDict.from_dataset_card_data(card.data)
    if infos["default"].features != features:
        raise PipelineError("README.md: dataset_info features differ from the release Features")
    MetadataConfigs.from_dataset_card_data(card.data)  # raises on malformed data_files
    for key in ("language", "license", "pretty_name", "task_categories", "size_categories"):
        if not card.data.get(key):
            raise PipelineError(f"README.md: front matter lacks '{key}'")


def _flatten(figures: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested figures (e.g. ``pipeline studio agreement --json``) as ``a / b`` rows."""
    out: dict[str, Any] = {}
    for key, value in figures.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, f"{name} / "))
        else:
            out[name] = value
    return out


def _jaccard_error(threshold: float, num_perm: int) -> float:
    """One standard deviation of a MinHash Jaccard estimate at ``threshold``."""
    return math.sqrt(threshold * (1 - threshold) / num_perm)


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "n/a"


def render(
    version: str,
    data: Any,
    features: Any,
    manifest: ReleaseManifest,
    agreement: dict[str, Any] | None,
) -> str:
    """The whole ``README.md``: front matter + body, deterministic for the same inputs.

    The body's prose lives in ``card_template.md``; the functions below compute what fills
    its slots (tables, figures, and the sentences that appear only in some releases, each
    beginning with its own line break so that an absent one leaves no empty line)."""
    stats, params, plan = manifest["stats"], manifest["params"], manifest["split_check"]
    splits = manifest["splits"]
    total = sum(s["records"] for s in splits.values())
    verified = sum(stats["verified_records"].values())
    body = _template().substitute(
        pretty=data.pretty_name,
        version=version,
        first=next((n for n, s in splits.items() if s["records"]), "train"),
        **_split_slots(splits, stats, params, total, verified),
        **_label_slots(list(splits), stats),
        **_verification_slots(manifest, stats),
        agreement=_agreement(stats["agreement"], agreement)
        + _adjudication(manifest.get("adjudication"), stats["gold_rules"], total),
        **_leakage_slots(plan),
        taxonomy_version=manifest["taxonomy"]["version"],
        taxonomy_fingerprint=manifest["taxonomy"]["fingerprint"],
        schema_version=manifest["schema_version"],
        model_versions=", ".join(f"`{k}` {v}" for k, v in stats["model_versions"].items()),
        taxonomy_versions=", ".join(f"{k} {v}" for k, v in stats["taxonomy_versions"].items()),
        dropped=_dropped(stats["dropped_labels"]),
        sources_and_licences=str(params["sources_and_licences"]),
        outlet_rows=_lines(
            f"| {k} | {v} |" for k, v in sorted(stats["outlets"].items(), key=lambda kv: -kv[1])
        ),
        license=data.license,
        input_rows=_lines(
            f"| {name} (`{info['name']}`) | `{info['sha256']}` | {info['rows']} |"
            for name, info in manifest["inputs"].items()
            if info
        ),
        notes=f"\n\n## Notes\n\n{notes.strip()}" if (notes := manifest.get("notes")) else "",
    )
    return f"---\n{data.to_yaml()}\n---\n\n{body}"


@cache
def _template() -> Template:
    """The card's body with ``${slot}`` placeholders (``string.Template``)."""
    return Template((Path(__file__).parent / TEMPLATE).read_text(encoding="utf-8"))


def _lines(rows: Iterable[str]) -> str:
    """Lines that follow a template line: each with its line break first (none: nothing)."""
    return "".join(f"\n{row}" for row in rows)


def _split_slots(
    splits: dict[str, SplitEntry],
    stats: dict[str, Any],
    params: dict[str, Any],
    total: int,
    verified: int,
) -> dict[str, Any]:
    """The splits table, its total row, the empty splits and the split policy."""
    rows = []
    for name, info in splits.items():
        v = stats["verified_records"].get(name, 0)
        rows.append(
            f"| {name} | {info['records']} | {info['stories']} | {v} "
            f"({_pct(v, info['records'])}) | {len(info['files'])} |"
        )
    empty = [n for n, s in splits.items() if not s["records"]]
    return {
        "split_rows": _lines(rows),
        "total": total,
        "stories": sum(s["stories"] for s in splits.values()),
        "verified": verified,
        "verified_pct": _pct(verified, total),
        "empty_splits": f"\n\nEmpty split(s), absent from the files: {', '.join(empty)}."
        if empty
        else "",
        "seed": params["seed"],
        "ratios": ", ".join(f"{k} {v}" for k, v in params["splits"].items()),
    }


def _label_slots(splits: list[str], stats: dict[str, Any]) -> dict[str, str]:
    """The label counts table: one row per label, one column per split."""
    header = (
        "| label | " + " | ".join(splits) + " | total |\n" + "|---|" + "---:|" * (len(splits) + 1)
    )
    rows = []
    for key in sorted({k for per in stats["labels"].values() for k in per}):
        per = [stats["labels"].get(s, {}).get(key, 0) for s in splits]
        rows.append(f"| {key} | " + " | ".join(map(str, per)) + f" | {sum(per)} |")
    return {"label_header": header, "label_rows": _lines(rows)}


def _verification_slots(manifest: ReleaseManifest, stats: dict[str, Any]) -> dict[str, Any]:
    """Human verification figures, the gold rules used and what was left out."""
    unusable = stats["unusable_records"]
    return {
        "verified_labels": stats["verified_labels"],
        "total_labels": stats["total_labels"],
        "verified_labels_pct": _pct(stats["verified_labels"], stats["total_labels"]),
        "human_sourced_labels": stats["human_sourced_labels"],
        "gold_rules": ", ".join(f"{k} {v}" for k, v in stats["gold_rules"].items()) or "none",
        "pull_dropped_values": stats.get("pull_dropped_values", 0),
        "unusable": f"\n- Records left out because annotators flagged them unusable: {unusable}."
        if unusable
        else "",
        "verified_only": f"\n- Cut with `--verified-only`: {stats['unverified_left_out']} "
        "unverified records left out."
        if manifest["verified_only"]
        else "",
    }


def _agreement(agree: dict[str, Any], supplied: dict[str, Any] | None) -> str:
    """Agreement between the release's annotators, then the figures supplied with the cut."""
    if agree["articles"]:
        text = (
            f"Mean pairwise entity F1 (exact span and label) between annotators: "
            f"{agree['mean_pairwise_entity_f1']} over {agree['articles']} articles annotated "
            "by two or more annotators."
        )
    else:
        text = "No article was annotated by two or more annotators in this release."
    if supplied:
        text += "\n\nFigures supplied with the cut:\n\n| measure | value |\n|---|---|"
        text += _lines(f"| {k} | {v} |" for k, v in sorted(_flatten(supplied).items()))
    return text


def _adjudication(figures: dict[str, Any] | None, rules: dict[str, int], total: int) -> str:
    """Who decided the human labels, and agreement per label (``manifest.adjudication``)."""
    if not figures:
        return ""

    def num(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.3f}"

    single, truth = rules.get("single_annotator", 0), rules.get("ground_truth", 0)
    reviewed, merged = rules.get("reviewed", 0), rules.get("merged", 0)
    lines = [
        "",
        f"- Records settled by a reviewer: {reviewed} ({_pct(reviewed, total)}); adjudicated "
        f"by the merge strategy `{figures['merge_strategy']}`: {merged} "
        f"({_pct(merged, total)}); single-annotated: {single} ({_pct(single, total)}); an "
        f"annotation flagged ground truth: {truth} ({_pct(truth, total)}). Reviews refused "
        f"because the reviewer annotated the article: {figures['refused_own_reviews']}.",
    ]
    agree = figures["agreement"]
    if agree["articles_with_2plus_voters"]:
        lines += [
            "",
            f"Agreement per label over {agree['articles_with_2plus_voters']} articles with two "
            "or more annotators: span F1 (exact offsets, and one-to-one overlap), "
            "Krippendorff's alpha (nominal) and Cohen's kappa of the label against the others "
            "over the union of marked spans (n/a: undefined).",
            "",
            "| label | F1 exact | F1 overlap | alpha | kappa | articles |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {label} | {num(row['exact_f1'])} | {num(row['partial_f1'])} | "
            f"{num(row['alpha'])} | {num(row['kappa'])} | {row['documents']} |"
            for label, row in agree["labels"].items()
        ]
        lines += ["", "| measure | units | observed | alpha | kappa |", "|---|---:|---:|---:|---:|"]
        for name, row in agree["measures"].items():
            cell = name.replace("|", "\\|")  # a pipe would end the Markdown cell
            lines.append(
                f"| {cell} | {row['units']} | {num(row['observed'])} | {num(row['alpha'])} | "
                f"{num(row['kappa'])} |"
            )
    return _lines(lines)


def _dropped(dropped: dict[str, int]) -> str:
    """The labels the cut left out, by reason (nothing when none was)."""
    if not dropped:
        return ""
    reasons = ", ".join(f"{k}: {v}" for k, v in dropped.items())
    return f"\n- Labels left out at the cut because the release cannot promise them: {reasons}."


def _leakage_slots(plan: dict[str, Any]) -> dict[str, Any]:
    """The near-duplicate check's settings and findings."""
    names = ("num_perm", "shingle_size", "threshold", "pairs", "merged_stories")
    return {
        **{name: plan[name] for name in names},
        "cross_split_pairs": plan["cross_split_pairs"],
        "jaccard_error": f"{_jaccard_error(plan['threshold'], plan['num_perm']):.2f}",
    }
