"""`make loop`: human corrections train the model that pre-annotates the next batch.

The learning loop of issue 13, end to end, with the real ``pipeline`` commands (each its own
process, as a maintainer runs them) against a real Label Studio server, in the scratch
folder ``.loop/`` (wiped at every run; ``releases/`` and ``models/`` are never touched):

1. a pool of Wikinews 2016 articles (``../shared/data/winer-fr-dev/2016``) is normalized,
   pre-annotated and pushed as tasks;
2. simulated annotators (``demo/simulated_annotator.py``: they stand in for people and
   submit the dev gold through the SDK) annotate part of the tasks;
3. ``studio pull``, ``release cut``, ``train --release`` (the release's verified records
   teach), then the pool is pre-annotated again with the trained NER (a params copy whose
   ``spacy`` entry names it, through ``PIPELINE_PARAMS``) and pushed again: the tasks nobody
   annotated get a prediction of the new model version, the annotated ones are left alone;
4. ``eval entities`` on held-out gold (Wikinews 2017) before and after: the gain is printed.

The server is stopped at the end unless ``KEEP_STUDIO=1``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from demo.simulated_annotator import SimulatedAnnotator

REPO = Path(__file__).resolve().parent.parent
WINER = REPO.parent / "shared" / "data" / "winer-fr-dev"
PROJECT = "Learning loop: Wikinews 2016"
VERSION = "0.1.0"
ANNOTATORS = ("sim-annotator-1@example.org", "sim-annotator-2@example.org")
#: the rows of the held-out table: the stock model alone, the chain before and after
RAW, BEFORE, AFTER = "raw", "chain", "chain + trained NER"

console = Console()


@dataclass(frozen=True)
class LoopOptions:
    """Where the loop works and how big it is (``make loop`` uses the defaults)."""

    scratch: Path = REPO / ".loop"
    pool: int = 300  # Wikinews 2016 articles pushed as tasks
    annotated: int = 240  # of which the simulated annotators submit this many
    held_out: int | None = None  # Wikinews 2017 articles scored (None: all of them)
    epochs: int | None = None  # None: params.yaml `train.epochs`
    pool_gold: Path = WINER / "2016"
    held_out_gold: Path = WINER / "2017"


@dataclass
class AnnotationRound:
    """What the simulated annotators did: tasks annotated (article id -> task id), gold spans
    placed, and those not found in the task text ``(article id, surface, label)``."""

    project_id: int
    annotated: dict[str, int] = field(default_factory=dict)
    placed: int = 0
    unplaced: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class LoopResult:
    """What each step left, for the printout and the test."""

    simulated: AnnotationRound
    studio_dir: Path
    articles: Path
    preannotated_trained: Path
    annotations: Path
    release: Path
    model: Path
    trained_version: str
    untrained_version: str
    scores: dict[str, dict[str, float]] = field(default_factory=dict)  # held-out row -> F1s
    held_out_documents: int = 0
    repush: dict[str, int] = field(default_factory=dict)  # the second push's effect


class Command:
    """One ``pipeline`` command of this checkout, started in its own process; ``wait``
    stops the loop with its own one-line error on failure."""

    def __init__(
        self, args: Sequence[str], env: Mapping[str, str] | None = None, capture: bool = False
    ) -> None:
        console.print(f"[bold cyan]$ pipeline {' '.join(args)}[/]")
        self.name = " ".join(a for a in args[:2] if "/" not in a and not a.startswith("-"))
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from pipeline.cli import main; main()", *args],
            cwd=REPO,
            env={**os.environ, **(env or {})},
            stdout=subprocess.PIPE if capture else None,
            text=True,
        )

    def wait(self) -> str:
        """Its standard output (when captured), once it exited 0."""
        out, _ = self.process.communicate()
        if self.process.returncode != 0:
            raise SystemExit(
                f"loop stopped: `pipeline {self.name}` exited {self.process.returncode}"
            )
        console.print(
            f"[dim]  ({time.perf_counter() - self.started:.1f} s: pipeline {self.name})[/]"
        )
        return out or ""


def run(args: Sequence[str], env: Mapping[str, str] | None = None) -> None:
    """Run one ``pipeline`` command to its end."""
    Command(args, env).wait()


def stage_pool(gold: Path, size: int, raw: Path) -> dict[str, Path]:
    """Copy the first ``size`` gold texts (sorted by path) into ``raw``, the folder
    normalize reads; the copies' names map back to their gold ``.txt`` files."""
    texts = [t for t in sorted(gold.rglob("*.txt")) if t.with_suffix(".ann").is_file()][:size]
    if len(texts) < size:
        raise SystemExit(f"{gold}: {len(texts)} gold articles, fewer than the pool of {size}")
    raw.mkdir(parents=True, exist_ok=True)
    for text in texts:
        shutil.copyfile(text, raw / text.name)
    return {text.name: text for text in texts}


def trained_params(model: Path, out: Path) -> Path:
    """A copy of params.yaml whose ``spacy`` entry takes its NER from ``model``.

    Paths in params are relative to the params file's folder, so the copy's relative paths
    that name existing files are made absolute: the copy can live in the scratch folder.
    """
    import yaml

    from pipeline.io import atomic_open
    from pipeline.params import params_path

    base = params_path().resolve().parent

    def absolute(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: absolute(v) for k, v in value.items()}
        if isinstance(value, list):
            return [absolute(v) for v in value]
        if isinstance(value, str) and value.strip("./") and (base / value).exists():
            return str(base / value) if not Path(value).is_absolute() else value
        return value

    data = absolute(yaml.safe_load(params_path().read_text(encoding="utf-8")))
    recognizers = [e for e in data["preannotate"]["chain"] if e.get("component") == "spacy"]
    if not recognizers:
        raise SystemExit(f"{params_path()}: preannotate.chain has no spacy entry to retrain")
    recognizers[0]["ner_model"] = str(model.resolve())
    with atomic_open(out, "w") as fh:
        yaml.safe_dump(data, fh, allow_unicode=True, sort_keys=False)
    return out


def model_version(preannotated: Path) -> str:
    """The model version of a pre-annotated file (one chain wrote every record)."""
    import pyarrow.parquet as pq

    versions = set(pq.read_table(preannotated, columns=["model_version"])[0].to_pylist())
    if len(versions) != 1:
        raise SystemExit(f"{preannotated}: expected one model version, found {sorted(versions)}")
    return str(versions.pop())


def annotate(
    studio_dir: Path, project: str, articles: Path, golds: Mapping[str, Path], n: int
) -> AnnotationRound:
    """The simulated annotators submit the gold of the first ``n`` tasks, taking turns."""
    from pipeline.evaluate.brat import parse_brat
    from pipeline.io import read_records
    from pipeline.params import load_params, taxonomy_path
    from pipeline.schema import Article
    from pipeline.studio.client import connect
    from pipeline.studio.settings import StudioSettings
    from pipeline.taxonomy import load_taxonomy

    label_map = load_params("preannotate")["gold_label_map"]
    gold_of = {a.id: golds[Path(a.source.path).name] for a in read_records(articles, Article)}
    studio = connect(None, studio_dir, StudioSettings.from_params())
    found = studio.project_by_title(project)
    if found is None:
        raise SystemExit(f"{studio.url}: project {project!r} is missing after the push")
    taxonomy = load_taxonomy(taxonomy_path())
    annotators = [SimulatedAnnotator(studio, email, taxonomy) for email in ANNOTATORS]
    tasks = [t for page in studio.task_pages(found["id"], "id,data") for t in page][:n]
    done = AnnotationRound(found["id"])
    for number, task in enumerate(tasks):
        article_id = task["data"]["article_id"]
        gold = parse_brat(gold_of[article_id], label_map)
        placement = annotators[number % len(annotators)].submit(task["id"], gold)
        done.annotated[article_id] = task["id"]
        done.placed += len(placement.placed)
        done.unplaced += [(article_id, surface, label) for surface, label in placement.unplaced]
    return done


def check_repush(
    studio_dir: Path, project_id: int, annotated: Mapping[str, int], mv: str
) -> dict[str, int]:
    """Model versions on the tasks after the second push: the annotated tasks must not have
    the trained version, the others must."""
    from pipeline.studio.client import connect
    from pipeline.studio.push import existing_tasks
    from pipeline.studio.settings import StudioSettings

    studio = connect(None, studio_dir, StudioSettings.from_params())
    tasks, total, duplicates = existing_tasks(studio, project_id)
    open_tasks = {a: t for a, t in tasks.items() if a not in annotated}
    return {
        "tasks": total,
        "duplicates": duplicates,
        "annotated": len(annotated),
        "annotated with the trained version": sum(mv in tasks[a].model_versions for a in annotated),
        "not annotated": len(open_tasks),
        "not annotated with the trained version": sum(
            mv in t.model_versions for t in open_tasks.values()
        ),
    }


def held_out_eval(gold: Path, limit: int | None, model: Path | None) -> Command:
    """``eval entities --json`` on the held-out gold, started: the chain as params names it,
    or with ``model``'s NER."""
    args = ["eval", "entities", "--gold", str(gold), "--json"]
    args += ["--limit", str(limit)] if limit is not None else []
    args += ["--model", str(model)] if model is not None else []
    return Command(args, capture=True)


def micro(system: Mapping[str, Any], group: str) -> dict[str, float]:
    """Strict P/R/F1 and lenient F1 of one system's micro group."""
    strict, lenient = system["strict"][group], system["lenient"][group]
    return {
        "strict P": strict["precision"],
        "strict R": strict["recall"],
        "strict F1": strict["f1"],
        "lenient F1": lenient["f1"],
    }


def run_loop(options: LoopOptions, studio_dir: Path) -> LoopResult:
    """Every step after the server is up (``studio_dir``: its data folder), in order."""
    from pipeline.params import load_params

    golds = stage_pool(options.pool_gold, options.pool, options.scratch / "raw")
    # the untrained chain's held-out score needs nothing of the loop: it runs alongside
    before_eval = held_out_eval(options.held_out_gold, options.held_out, None)
    try:
        result = _steps(options, studio_dir, golds)
        before: dict[str, Any] = json.loads(before_eval.wait())
    finally:
        before_eval.process.kill()  # a no-op once it exited; stops it if a step failed
    after: dict[str, Any] = json.loads(
        held_out_eval(options.held_out_gold, options.held_out, result.model).wait()
    )
    group = "micro_" + "+".join(load_params("preannotate")["target_labels"])
    raw_name = next(name for name in before["systems"] if name != "ours")
    result.scores = {
        f"{RAW} ({raw_name.removesuffix(' (raw)')})": micro(before["systems"][raw_name], group),
        BEFORE: micro(before["systems"]["ours"], group),
        AFTER: micro(after["systems"]["ours"], group),
    }
    result.held_out_documents = before["systems"]["ours"]["documents"]
    return result


def _steps(options: LoopOptions, studio_dir: Path, golds: Mapping[str, Path]) -> LoopResult:
    """Normalize, pre-annotate, push, annotate, pull, cut, train, re-preannotate, re-push."""
    scratch = options.scratch
    data = scratch / "data"
    releases = scratch / "releases"
    model = scratch / "models" / "loop"
    studio = ["--data-dir", str(studio_dir)]
    articles, pre = data / "articles.parquet", data / "preannotated.parquet"
    run(["normalize", str(scratch / "raw"), "--out", str(articles)])
    run(["preannotate", str(articles), "--out", str(pre)])
    run(["studio", "push", str(pre), "--project", PROJECT, *studio])

    console.rule(f"[bold]simulated annotators submit the gold of {options.annotated} tasks")
    done = annotate(studio_dir, PROJECT, articles, golds, options.annotated)
    console.print(
        f"{len(done.annotated)} tasks annotated, {done.placed} gold spans placed, "
        f"{len(done.unplaced)} not found in the normalized text (left out, not guessed)"
    )
    for article_id, surface, label in done.unplaced[:10]:
        console.print(f"  not placed: {article_id} {label} {surface!r}")

    annotations = data / "annotations.parquet"
    run(["studio", "pull", "--project", PROJECT, "--out", str(annotations), *studio])
    run(
        [
            "release",
            "cut",
            VERSION,
            "--preannotated",
            str(pre),
            "--annotations",
            str(annotations),
            "--releases-dir",
            str(releases),
            "--notes",
            "Learning loop: Wikinews 2016 pool, simulated annotators applying the dev gold.",
        ]
    )
    epochs = ["--epochs", str(options.epochs)] if options.epochs is not None else []
    run(
        [
            "train",
            "--release",
            VERSION,
            "--releases-dir",
            str(releases),
            "--out",
            str(model),
            *epochs,
        ]
    )
    params = trained_params(model, scratch / "params-trained.yaml")
    pre_trained = data / "preannotated-trained.parquet"
    run(
        ["preannotate", str(articles), "--out", str(pre_trained)],
        env={"PIPELINE_PARAMS": str(params)},
    )
    run(["studio", "push", str(pre_trained), "--project", PROJECT, *studio])
    trained_version = model_version(pre_trained)

    return LoopResult(
        simulated=done,
        studio_dir=studio_dir,
        articles=articles,
        preannotated_trained=pre_trained,
        annotations=annotations,
        release=releases / f"v{VERSION}",
        model=model,
        trained_version=trained_version,
        untrained_version=model_version(pre),
        repush=check_repush(studio_dir, done.project_id, done.annotated, trained_version),
    )


def report(result: LoopResult, options: LoopOptions) -> None:
    """The second push's effect and the held-out table, before → after."""
    console.rule("[bold]second push, with the trained model's pre-annotations")
    console.print(f"trained model version: {result.trained_version}")
    for what, count in result.repush.items():
        console.print(f"  {what}: {count}")
    table = Table(
        title=f"held-out {options.held_out_gold.name} ({result.held_out_documents} articles), "
        "micro PER+ORG+LOC"
    )
    table.add_column("system")
    for column in ("strict P", "strict R", "strict F1", "lenient F1"):
        table.add_column(column, justify="right")
    for name, row in result.scores.items():
        table.add_row(name, *(f"{value:.3f}" for value in row.values()))
    console.print(table)
    before, after = result.scores[BEFORE], result.scores[AFTER]
    console.print(
        f"[bold]held-out gain[/] from {len(result.simulated.annotated)} annotated articles: "
        f"strict F1 "
        f"{before['strict F1']:.3f} → {after['strict F1']:.3f} "
        f"({after['strict F1'] - before['strict F1']:+.3f}), lenient F1 "
        f"{before['lenient F1']:.3f} → {after['lenient F1']:.3f} "
        f"({after['lenient F1'] - before['lenient F1']:+.3f})"
    )


def parse_options(argv: Sequence[str] | None = None) -> LoopOptions:
    defaults = LoopOptions()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", type=int, default=defaults.pool)
    parser.add_argument("--annotated", type=int, default=defaults.annotated)
    parser.add_argument("--held-out", type=int, default=defaults.held_out)
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    args = parser.parse_args(argv)
    if not 0 < args.annotated < args.pool:
        parser.error("--annotated must be above 0 and below --pool (some tasks stay open)")
    return LoopOptions(
        pool=args.pool, annotated=args.annotated, held_out=args.held_out, epochs=args.epochs
    )


def main(argv: Sequence[str] | None = None) -> None:
    options = parse_options(argv)
    started = time.perf_counter()
    studio_dir = options.scratch / "studio"
    port = os.environ.get("LABEL_STUDIO_PORT", "8080")
    if studio_dir.exists():
        run(["studio", "down", "--data-dir", str(studio_dir)])
    shutil.rmtree(options.scratch, ignore_errors=True)  # every run starts from nothing
    run(["studio", "up", "--port", port, "--data-dir", str(studio_dir)])
    try:
        result = run_loop(options, studio_dir)
        report(result, options)
    finally:
        if os.environ.get("KEEP_STUDIO") == "1":
            console.print(
                f"Label Studio keeps running on port {port} (stop it: pipeline studio down "
                f"--data-dir {studio_dir.relative_to(REPO)})"
            )
        else:
            run(["studio", "down", "--data-dir", str(studio_dir)])
    console.print(f"[bold green]loop done[/] in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
