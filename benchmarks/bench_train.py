"""What ``pipeline train`` costs for 1,000 articles, and how fast the model it trains
pre-annotates, against raw ``nlp.pipe`` of that model measured in the same run.

1. Training: the real ``pipeline train`` command, in a child process so its wall time, CPU
   time and peak RSS (its own ``wait4`` rusage, not the largest of the bench's children) are
   its own, with params.yaml's ``train`` recipe (epochs, batch size, dropout). Data: the
   whole WiNER-fr dev gold, 2016 and 2017 (964 articles), topped up to
   ``BENCH_TRAIN_ARTICLES`` (default 1,000, the issue's figure) with copies of articles of
   the training side. Each copy is a file, hence a story, of its own, and only copies whose
   story also falls on the training side are kept: a dev article is never trained on, so
   the dev F1 printed stays honest. Fewer than 964 articles: the first N (``--limit``).
2. Baseline: one raw ``nlp.pipe`` pass (all components, ``n_process=1``) of the trained
   model over 1,000 articles of the same corpus. Training is printed as a multiple of it
   per epoch, a figure that holds on a loaded machine where seconds drift.
3. Pre-annotation with the trained model: the chain params.yaml names with ``ner_model`` =
   the trained folder (bench_preannotate's ``ours``: times, entities, events and the
   Parquet write, ``n_process=1``) against that baseline, in words/s (target >= 0.75).
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_preannotate import REPO, WINER, _subprocess

ARTICLES = int(os.environ.get("BENCH_TRAIN_ARTICLES", "1000"))
TARGET_SECONDS = 600


def _gold_pairs() -> list[Path]:
    return sorted(p for p in WINER.rglob("*.txt") if p.with_suffix(".ann").is_file())


def _top_up(folder: Path, gold: Path, count: int) -> None:
    """Write ``count`` copies of training-side articles of ``gold`` into ``folder`` (brat).

    Stories are the ones ``pipeline train`` gives (``gold_story``: the name below each
    ``--gold`` path), so the split is computed here on those very stories."""
    from pipeline.params import load_params
    from pipeline.train.config import TrainConfig
    from pipeline.train.data import gold_story, is_dev

    config = TrainConfig.from_params(load_params("train"), load_params("preannotate"))

    def in_dev(name: Path, root: Path) -> bool:
        return is_dev(gold_story(str(name), root), config.dev_ratio, config.seed)

    training_side = [p for p in _gold_pairs() if not in_dev(gold / p.relative_to(WINER), gold)]
    folder.mkdir()
    made = 0
    for k in itertools.count():
        if made == count:
            return
        original = training_side[k % len(training_side)]
        copy = folder / f"{original.stem}-copy{k}.txt"
        if in_dev(copy, folder):
            continue
        shutil.copyfile(original, copy)
        shutil.copyfile(original.with_suffix(".ann"), copy.with_suffix(".ann"))
        made += 1


def _train(golds: list[Path], out: Path, limit: int | None) -> dict[str, float]:
    """``pipeline train`` in a child process, as a user runs it: wall seconds, and that
    child's CPU seconds and peak RSS (MB) from ``wait4``."""
    args = ["train", "--out", str(out)]
    args += [arg for gold in golds for arg in ("--gold", str(gold))]
    args += ["--limit", str(limit)] if limit is not None else []
    log = out.with_name("train.log")
    with log.open("w", encoding="utf-8") as sink:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", "from pipeline.cli import main; main()", *args],
            cwd=REPO,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    if proc.returncode != 0:
        tail = log.read_text(encoding="utf-8").strip()[-500:]
        raise SystemExit(f"pipeline train failed ({proc.returncode}): {tail}")
    return {
        "seconds": seconds,
        "cpu": usage.ru_utime + usage.ru_stime,
        "peak_mb": usage.ru_maxrss / 1024,
    }


def main() -> None:
    n = ARTICLES
    if not WINER.is_dir():
        raise SystemExit(f"{WINER} not found (the bench corpus)")
    load = os.getloadavg()[0]
    # relative to the repository, as in params.yaml's train.gold: same names, same split
    gold = Path(os.path.relpath(WINER, REPO))
    available = len(_gold_pairs())
    extra = max(0, n - available)
    print(
        f"corpus: WiNER-fr dev 2016+2017, {min(n, available)} articles + {extra} copies of "
        f"training-side articles = {n}; load average {load:.2f} at start (shared machine)",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        golds, model = [gold], Path(tmp) / "model"
        if extra:
            _top_up(Path(tmp) / "top-up", gold, extra)
            golds.append(Path(tmp) / "top-up")
        train = _train(golds, model, n if n < available else None)
        record = json.loads((model / "training.json").read_text(encoding="utf-8"))
        baseline = _subprocess("baseline", n, 1, str(model))
        ours = _subprocess("ours", n, 1, str(model))
    epochs = int(record["settings"]["epochs"])
    target = "+".join(record["settings"]["target_labels"])
    met = "met" if train["seconds"] <= TARGET_SECONDS else "MISSED"
    print(
        f"train ({epochs} epochs, {record['train_examples']} train / {record['dev_examples']} "
        f"dev articles): {train['seconds']:.0f} s wall, {train['cpu']:.0f} s CPU, peak RSS "
        f"{train['peak_mb']:.0f} MB (target <= {TARGET_SECONDS // 60} min wall: {met})"
    )
    metrics = record["metrics"]
    print(
        f"dev strict F1 {target}: {metrics['dev_base']['f1']:.3f} base model, "
        f"{metrics['dev']['f1']:.3f} trained"
    )
    words = float(ours["words"])
    raw_rate = words / float(baseline["seconds"])
    print(
        f"baseline raw nlp.pipe of the trained model (all components, n_process=1): "
        f"{float(baseline['seconds']):.1f} s, {raw_rate:.0f} words/s"
    )
    per_epoch = train["seconds"] / epochs / float(baseline["seconds"])
    print(f"training / ({epochs} epochs x one raw pass): {per_epoch:.2f} per epoch")
    rate, cpu_rate = words / float(ours["seconds"]), words / float(ours["cpu"])
    print(
        f"pre-annotation with the trained model (chain + write, n_process=1): {rate:.0f} "
        f"words/s; ratio to raw nlp.pipe of the same model {rate / raw_rate:.2f} wall, "
        f"{cpu_rate / (words / float(baseline['cpu'])):.2f} CPU (target >= 0.75)"
    )
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
