"""Does ``studio push --order uncertain`` pick the articles worth annotating first?

Not part of ``make bench`` (it measures quality, not speed, and takes minutes): run it with
``python -m benchmarks active_learning``. With the same annotation budget (``AL_BUDGET``
articles of the Wikinews 2016 gold, default 100), three orders choose which articles people
would annotate first:

- ``input``: the first articles of the folder, the order ``studio push`` uses by default;
- ``random``: a seeded sample (``AL_SEEDS`` seeds, default 2), the usual baseline of active
  learning;
- ``uncertain``: ``studio/order.py``'s ``uncertain_first`` over the chain's calibrated entity
  scores (the order ``--order uncertain`` creates tasks in).

Each choice teaches ``pipeline train`` (params.yaml's recipe, the gold of the chosen articles
standing in for their human corrections), and ``pipeline eval entities --model`` scores the
chain with the trained NER on Wikinews 2017, never seen: strict and lenient micro F1 over
PER+ORG+LOC, next to the untrained chain. Every figure comes from the project's own commands.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.bench_preannotate import REPO, WINER

BUDGET = int(os.environ.get("AL_BUDGET", "100"))
SEEDS = int(os.environ.get("AL_SEEDS", "2"))
PIPELINE = str(Path(sys.executable).with_name("pipeline"))


def _pool() -> list[Path]:
    """The Wikinews 2016 gold documents (a ``.txt`` with its ``.ann``), in name order."""
    return sorted(p for p in (WINER / "2016").rglob("*.txt") if p.with_suffix(".ann").is_file())


def _uncertain(pool: list[Path]) -> list[Path]:
    """The pool in ``uncertain_first`` order of the configured chain's entity scores."""
    from pipeline.annotate.core import preannotate
    from pipeline.annotate.registry import load_chain
    from pipeline.schema import bare_article
    from pipeline.studio.order import Ranked, uncertain_first

    annotators, taxonomy_version, _ = load_chain()
    by_id = {p.stem: p for p in pool}
    articles = (bare_article(p.stem, p.read_text(encoding="utf-8")) for p in pool)
    ranked = (
        Ranked(r.id, None, [e.score for e in r.entities])
        for r in preannotate(articles, annotators, taxonomy_version)
    )
    return [by_id[i] for i in uncertain_first(ranked)]


def _gold_folder(root: Path, name: str, chosen: list[Path]) -> Path:
    """A brat folder holding links to the chosen documents (what annotators would correct)."""
    folder = root / name
    folder.mkdir()
    for path in chosen:
        for suffix in (".txt", ".ann"):
            (folder / path.with_suffix(suffix).name).symlink_to(path.with_suffix(suffix))
    return folder


def _gold_spans(chosen: list[Path]) -> int:
    """The gold spans of the chosen documents: what correcting them costs, beside the
    article count (orders that favour long articles buy more spans for the same budget)."""
    lines = (p.with_suffix(".ann").read_text(encoding="utf-8").splitlines() for p in chosen)
    return sum(line.startswith("T") for doc in lines for line in doc)


def _pipeline(*args: str) -> str:
    done = subprocess.run([PIPELINE, *args], cwd=REPO, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"pipeline {args[0]} failed: {done.stderr.strip()[-500:]}")
    return done.stdout


def _score(model: Path | None) -> tuple[float, float]:
    """The chain's strict and lenient micro F1 over PER+ORG+LOC on Wikinews 2017."""
    args = ["eval", "entities", "--gold", str(WINER / "2017"), "--json"]
    payload = json.loads(_pipeline(*args, *(["--model", str(model)] if model else [])))
    ours = payload["systems"]["ours"]
    key = "micro_PER+ORG+LOC"
    return float(ours["strict"][key]["f1"]), float(ours["lenient"][key]["f1"])


def main() -> None:
    pool = _pool()
    orders: dict[str, list[Path]] = {"input": pool[:BUDGET]}
    for seed in range(SEEDS):
        orders[f"random (seed {seed})"] = random.Random(seed).sample(pool, BUDGET)
    orders["uncertain"] = _uncertain(pool)[:BUDGET]
    rows = {"untrained chain": (*_score(None), 0)}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for i, (name, chosen) in enumerate(orders.items()):
            gold = _gold_folder(root, f"gold-{i}", chosen)
            model = root / f"model-{i}"
            _pipeline("train", "--gold", str(gold), "--out", str(model))
            rows[f"trained on {BUDGET} articles, {name} order"] = (
                *_score(model),
                _gold_spans(chosen),
            )
            print(f"  {name}: done", flush=True)
    print(f"\nWikinews 2017 (held out), chain micro F1 PER+ORG+LOC, budget {BUDGET} articles")
    print(f"{'selection':<48} {'strict':>7} {'lenient':>8} {'gold spans':>11}")
    for name, (strict, lenient, spans) in rows.items():
        print(f"{name:<48} {strict:>7.3f} {lenient:>8.3f} {spans:>11}")


if __name__ == "__main__":
    main()
