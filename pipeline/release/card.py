"""The dataset card (``README.md``): YAML front matter derived from the Features, and a body.

The YAML is produced by the same objects ``datasets`` and ``huggingface_hub`` use
(``DatasetCardData``, ``DatasetInfosDict``, ``MetadataConfigs``), then parsed back with
``DatasetCard`` and checked against what was meant: the Hub's own validator needs the
network, this check does not.
"""

from __future__ import annotations

import math
from typing import Any

from pipeline.errors import PipelineError

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


def _adjudication(figures: dict[str, Any] | None, rules: dict[str, int], total: int) -> list[str]:
    """Who decided the human labels, and agreement per label (``release.adjudication``)."""
    if not figures:
        return []

    def num(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.3f}"

    single, truth = rules.get("single_annotator", 0), rules.get("ground_truth", 0)
    lines = [
        "",
        f"- Records settled by a reviewer: {rules.get('reviewed', 0)} "
        f"({_pct(rules.get('reviewed', 0), total)}); adjudicated by the merge strategy "
        f"`{figures['merge_strategy']}`: {rules.get('merged', 0)} "
        f"({_pct(rules.get('merged', 0), total)}); single-annotated: {single} "
        f"({_pct(single, total)}); an annotation flagged ground truth: {truth} "
        f"({_pct(truth, total)}). Reviews refused because the reviewer annotated the "
        f"article: {figures['refused_own_reviews']}.",
    ]
    agree = figures["agreement"]
    if not agree["articles_with_2plus_voters"]:
        return lines
    lines += [
        "",
        f"Agreement per label over {agree['articles_with_2plus_voters']} articles with two or "
        "more annotators: span F1 (exact offsets, and one-to-one overlap), Krippendorff's "
        "alpha (nominal) and Cohen's kappa of the label against the others over the union of "
        "marked spans (n/a: undefined).",
        "",
        "| label | F1 exact | F1 overlap | alpha | kappa | articles |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, row in agree["labels"].items():
        lines.append(
            f"| {label} | {num(row['exact_f1'])} | {num(row['partial_f1'])} | "
            f"{num(row['alpha'])} | {num(row['kappa'])} | {row['documents']} |"
        )
    lines += ["", "| measure | units | observed | alpha | kappa |", "|---|---:|---:|---:|---:|"]
    for name, row in agree["measures"].items():
        cell = name.replace("|", "\\|")  # a pipe would end the Markdown cell
        lines.append(
            f"| {cell} | {row['units']} | {num(row['observed'])} | {num(row['alpha'])} | "
            f"{num(row['kappa'])} |"
        )
    return lines


def render(
    version: str,
    data: Any,
    features: Any,
    manifest: dict[str, Any],
    agreement: dict[str, Any] | None,
) -> str:
    """The whole ``README.md``: front matter + body, deterministic for the same inputs."""
    stats, params, plan = manifest["stats"], manifest["params"], manifest["split_check"]
    splits = manifest["splits"]
    total = sum(s["records"] for s in splits.values())
    verified = sum(stats["verified_records"].values())
    pretty = data.pretty_name
    first = next((n for n, s in splits.items() if s["records"]), "train")
    lines = [
        f"# {pretty} — v{version}",
        "",
        "French news articles with named entities (PER, ORG, LOC, MISC), time expressions "
        "(DATE, TIME, with ISO values resolved against the article date) and typed events "
        "(PLOVER types with trigger, mode and arguments). Labels are machine pre-annotations "
        "corrected by human annotators where they were reviewed; every record says whether "
        "it was human-verified and every label names its source (annotator or model).",
        "",
        "Offsets are `[start, end)` in Python characters over `text`: "
        "`text[start:end] == span.text` holds for every span of the release.",
        "",
        "## Loading",
        "",
        "```python",
        "from datasets import load_dataset",
        "",
        f'ds = load_dataset("path/to/releases/v{version}")  # or a Hub id, revision="v{version}"',
        f'labels = ds["{first}"].features["entities"].feature["label"]',
        f'record = ds["{first}"][0]',
        'print([(e["text"], labels.int2str(e["label"])) for e in record["entities"]])',
        "```",
        "",
        "`entities[].label`, `times[].label` and `events[].type` are `ClassLabel`s; "
        "`int2str` gives their names.",
        "",
        "## Splits",
        "",
        "| split | records | stories | human-verified | files |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, info in splits.items():
        v = stats["verified_records"].get(name, 0)
        lines.append(
            f"| {name} | {info['records']} | {info['stories']} | {v} "
            f"({_pct(v, info['records'])}) | {len(info['files'])} |"
        )
    lines.append(
        f"| **total** | {total} | {sum(s['stories'] for s in splits.values())} | "
        f"{verified} ({_pct(verified, total)}) | |"
    )
    empty = [n for n, s in splits.items() if not s["records"]]
    if empty:
        lines += ["", f"Empty split(s), absent from the files: {', '.join(empty)}."]
    lines += [
        "",
        f"Splits are made by story (`story_id`, else the article id): a story never straddles "
        f"two splits. Each story group goes to a split by a seeded xxh64 hash "
        f"(seed {params['seed']}, ratios "
        + ", ".join(f"{k} {v}" for k, v in params["splits"].items())
        + ").",
        "",
        "## Labels",
        "",
        "| label | " + " | ".join(splits) + " | total |",
        "|---|" + "---:|" * (len(splits) + 1),
    ]
    label_keys = sorted({k for per in stats["labels"].values() for k in per})
    for key in label_keys:
        per = [stats["labels"].get(s, {}).get(key, 0) for s in splits]
        lines.append(f"| {key} | " + " | ".join(map(str, per)) + f" | {sum(per)} |")
    lines += [
        "",
        "## Human verification",
        "",
        f"- Human-verified records: {verified} of {total} ({_pct(verified, total)}).",
        f"- Labels in human-verified records: {stats['verified_labels']} of "
        f"{stats['total_labels']} ({_pct(stats['verified_labels'], stats['total_labels'])}); "
        f"labels whose source is an annotator or a reviewer: {stats['human_sourced_labels']}.",
        "- Gold policy: a reviewer's answer first (never one by an annotator of the same "
        "article); else a ground-truth annotation; else each annotator's latest submitted, "
        "non-cancelled annotation votes and the merge strategy keeps a label (with one "
        "annotator, their annotation). Drafts and cancelled annotations never count. Each "
        "label's `source` says who decided it: `reviewer:<id>`, `annotator:<id>` (joined by "
        "`+` when merged) or the model version.",
        "- Records decided by each rule: "
        + (", ".join(f"{k} {v}" for k, v in stats["gold_rules"].items()) or "none")
        + ".",
    ]
    lines.append(
        "- Human values the pull could not keep (a value on the wrong kind of region, a "
        "relation without exactly one role, a span off the text), in the annotations that "
        f"count: {stats.get('pull_dropped_values', 0)}; `pipeline studio pull` names each one."
    )
    if stats["unusable_records"]:
        lines.append(
            f"- Records left out because annotators flagged them unusable: "
            f"{stats['unusable_records']}."
        )
    if manifest["verified_only"]:
        lines.append(
            f"- Cut with `--verified-only`: {stats['unverified_left_out']} unverified "
            "records left out."
        )
    lines += ["", "## Agreement", ""]
    agree = stats["agreement"]
    if agree["articles"]:
        lines.append(
            f"Mean pairwise entity F1 (exact span and label) between annotators: "
            f"{agree['mean_pairwise_entity_f1']} over {agree['articles']} articles annotated "
            "by two or more annotators."
        )
    else:
        lines.append("No article was annotated by two or more annotators in this release.")
    lines += _adjudication(manifest.get("adjudication"), stats["gold_rules"], total)
    if agreement:
        lines += ["", "Figures supplied with the cut:", "", "| measure | value |", "|---|---|"]
        lines += [f"| {k} | {v} |" for k, v in sorted(_flatten(agreement).items())]
    lines += [
        "",
        "## Leakage check",
        "",
        f"Banded MinHash LSH over every text before the split (the signatures normalize "
        f"computed: {plan['num_perm']} permutations of {plan['shingle_size']}-word shingles; "
        f"Jaccard threshold {plan['threshold']}): {plan['pairs']} near-duplicate pair(s) found, "
        f"{plan['merged_stories']} merge(s) of distinct stories into one split group. "
        f"Near-duplicate pairs across splits after the split: {plan['cross_split_pairs']}.",
        "",
        "## Models and taxonomy",
        "",
        f"- Taxonomy v{manifest['taxonomy']['version']} "
        f"(fingerprint `{manifest['taxonomy']['fingerprint']}`); record schema "
        f"v{manifest['schema_version']}.",
        "- Pre-annotation models (records per `model_version`): "
        + ", ".join(f"`{k}` {v}" for k, v in stats["model_versions"].items())
        + ".",
        "- Taxonomy versions the inputs were pre-annotated with (records): "
        + ", ".join(f"{k} {v}" for k, v in stats["taxonomy_versions"].items())
        + "; labels outside this release's taxonomy are left out (see below).",
        "",
        "## Known limitations",
        "",
        "- Unverified records carry machine labels only; filter on `verified` for gold.",
        "- Event arguments are spans with a role; `ref` links them to an entity or time id when "
        "the annotator or extractor made the link.",
        "- Spans may overlap (nested entities); token-level exports (CoNLL BIO, spaCy `ents`) "
        "keep the longest of overlapping entities and report the others.",
        "- Split ratios hold over stories, not records: a large story moves many records at "
        "once, so small releases deviate from the ratios (and may leave a split empty).",
        f"- The near-duplicate check estimates Jaccard from {plan['num_perm']} permutations "
        f"(about ±{_jaccard_error(plan['threshold'], plan['num_perm']):.2f} at "
        f"{plan['threshold']}): a pair just above the threshold can be missed.",
    ]
    if stats["dropped_labels"]:
        dropped = ", ".join(f"{k}: {v}" for k, v in stats["dropped_labels"].items())
        lines.append(
            f"- Labels left out at the cut because the release cannot promise them: {dropped}."
        )
    lines += [
        "",
        "## Sources and licences",
        "",
        str(params["sources_and_licences"]),
        "",
        "| outlet | records |",
        "|---|---:|",
        *[f"| {k} | {v} |" for k, v in sorted(stats["outlets"].items(), key=lambda kv: -kv[1])],
        "",
        f"Dataset licence: `{data.license}`.",
        "",
        "## Provenance",
        "",
        "| input | sha256 | rows |",
        "|---|---|---:|",
    ]
    for name, info in manifest["inputs"].items():
        if info:
            lines.append(f"| {name} (`{info['name']}`) | `{info['sha256']}` | {info['rows']} |")
    if manifest.get("notes"):
        lines += ["", "## Notes", "", manifest["notes"].strip()]
    lines += ["", "Files and checksums: `manifest.json`. Changes: `../CHANGELOG.md`.", ""]
    body = "\n".join(lines)
    return f"---\n{data.to_yaml()}\n---\n\n{body}"
