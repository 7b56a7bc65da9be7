"""Normalize benchmark: articles per second and peak RSS at 1,000 and 10,000 articles.

Corpus: the 964 WiNER-fr development articles (../shared/data/winer-fr-dev), replicated to
10,604 files with varied text: copy k of an article moves its paragraphs round by k and
changes one word per paragraph, so copies are near duplicates of each other, never exact
ones (the grouping has real work to do). Baseline, measured in the same run on the same
files: reading them through ``pipeline.io.read_inputs`` and applying ``ftfy.fix_text``
(defaults) alone. Every (size, job) pair runs in a fresh process, so peak RSS (the
process's own ``ru_maxrss``) belongs to that job and size only. Throughput counts the work
from the first file to the written Parquet, not interpreter start-up or model loading; each
pair runs twice, interleaved, and the faster run counts (the machine is shared).
Targets: normalize at least 0.5x the baseline's speed; RSS(10k) within 1.2x of RSS(1k).
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WINER = REPO.parent / "shared" / "data" / "winer-fr-dev"
WORK = REPO / "benchmarks" / ".work" / "normalize"
SIZES = (1_000, 10_000)
COPIES = 11  # 964 * 11 = 10,604 >= 10,000
REPEATS = 2


def _vary(text: str, k: int) -> str:
    """Copy ``k`` of an article: paragraphs rotated by k, one word per paragraph changed."""
    if k == 0:
        return text
    title, _, body = text.partition("\n")
    paragraphs = [p for p in body.split("\n") if p.strip()]
    shift = k % len(paragraphs)
    paragraphs = paragraphs[shift:] + paragraphs[:shift]
    varied = []
    for p in paragraphs:
        words = p.split(" ")
        if len(words) > 3:
            words[len(words) // 2] = f"{words[len(words) // 2]}-{k}"
        varied.append(" ".join(words))
    return f"{title} ({k})\n\n" + "\n\n".join(varied)


def build_corpus() -> dict[int, Path]:
    """Folders of the first 1,000 and 10,000 varied copies (rebuilt only when missing)."""
    folders = {n: WORK / f"corpus-{n}" for n in SIZES}
    if all((f / "done").exists() for f in folders.values()):
        return folders
    shutil.rmtree(WORK, ignore_errors=True)
    sources = sorted(WINER.glob("*/*/*.txt"))
    texts = [p.read_text(encoding="utf-8") for p in sources]
    # copy-major order: the first 1,000 files are mostly distinct articles, like a real feed
    names = [(k, i) for k in range(COPIES) for i in range(len(texts))]
    for n, folder in folders.items():
        folder.mkdir(parents=True)
        for k, i in names[:n]:
            (folder / f"{k:02d}-{sources[i].name}").write_text(_vary(texts[i], k), encoding="utf-8")
        (folder / "done").write_text("")
    return folders


def _child(job: str, where: str) -> None:
    """Run one job in this (fresh) process and print its figures as JSON."""
    folder = Path(where)
    if job == "baseline":
        import ftfy

        from pipeline.io import read_inputs

        start = time.perf_counter()
        fixed = [
            len(ftfy.fix_text(item.data.decode("utf-8")))
            for item in read_inputs([folder], (".txt",), 10_000_000)
        ]
        count = len(fixed)
        seconds = time.perf_counter() - start
    else:
        from pipeline.minhash import _permutations, lsh_bands
        from pipeline.normalize.command import normalize
        from pipeline.normalize.config import NormalizeConfig
        from pipeline.normalize.grouping import _stop_words
        from pipeline.normalize.language import _identifier

        # fixed costs, not throughput: model and word-list loads, the datasketch import
        # (0.5 s, with the scipy it pulls in) and permutations, LSH band optimisation
        config = NormalizeConfig.from_params()
        _identifier(), _stop_words()
        _permutations(config.num_perm, config.seed)
        _permutations(config.story_num_perm, config.seed)
        lsh_bands(config.near_duplicate_threshold, config.num_perm)
        lsh_bands(config.story_threshold, config.story_num_perm)
        import pandas  # noqa: F401  (pyarrow imports it on first table conversion)

        out = folder.parent / f"out-{folder.name}.parquet"
        start = time.perf_counter()
        normalize([folder], out=out, quarantine=None)
        seconds = time.perf_counter() - start
        from pipeline.io import count_records
        from pipeline.schema import Article

        count = count_records(out, Article)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"count": count, "seconds": seconds, "rss_mb": rss_mb}))


def _measure(job: str, folder: Path) -> dict:
    code = f"from benchmarks.bench_normalize import _child; _child({job!r}, {str(folder)!r})"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    """Build the corpus, measure both jobs at both sizes, print figures and ratios."""
    folders = build_corpus()
    rows: dict[tuple[int, str], dict] = {}
    for n, folder in folders.items():
        for _ in range(REPEATS):  # interleaved, best time kept: the machine is shared
            for job in ("baseline", "normalize"):
                run = _measure(job, folder)
                best = rows.get((n, job))
                if best is None or run["seconds"] < best["seconds"]:
                    rows[n, job] = {**run, "rss_mb": max(run["rss_mb"], (best or run)["rss_mb"])}
    print(f"{'articles':>9} {'job':>10} {'art/s':>8} {'peak RSS MB':>12}")
    for (n, job), r in rows.items():
        print(f"{n:>9,} {job:>10} {n / r['seconds']:>8.0f} {r['rss_mb']:>12.0f}")
    for n in SIZES:
        base, norm = rows[n, "baseline"], rows[n, "normalize"]
        ratio = base["seconds"] / norm["seconds"]
        print(f"speed at {n:,}: normalize / baseline = {ratio:.2f}x (target >= 0.5x)")
    kept = rows[SIZES[-1], "normalize"]["count"]
    print(f"kept at {SIZES[-1]:,}: {kept:,} articles (exact duplicates collapse)")
    rss = rows[SIZES[-1], "normalize"]["rss_mb"] / rows[SIZES[0], "normalize"]["rss_mb"]
    print(f"normalize RSS(10k) / RSS(1k) = {rss:.2f}x (target <= 1.2x)")


if __name__ == "__main__":
    main()
