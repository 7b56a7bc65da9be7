"""`make demo`: the main job end to end on the two sample articles.

Runs the real commands a maintainer runs (normalize, preannotate, studio up/push/pull,
release cut/verify), each as its own ``pipeline`` process, in the scratch folder ``.demo/``
(re-running works; the real ``releases/`` folder is never touched), then loads the demo
release with ``datasets.load_dataset`` and prints a short report. The Label Studio server
is stopped at the end unless ``KEEP_STUDIO=1``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parent.parent
SCRATCH = REPO / ".demo"
STUDIO_DIR = SCRATCH / "studio"
RELEASES = SCRATCH / "releases"
PROJECT = "Demo: sample articles"
VERSION = "0.1.0"
PIPELINE = str(Path(sys.executable).with_name("pipeline"))

console = Console()


def run(*args: str) -> None:
    """Run one ``pipeline`` command; stop the demo with its own one-line error on failure."""
    console.print(f"[bold cyan]$ pipeline {' '.join(args)}[/]")
    started = time.perf_counter()
    done = subprocess.run([PIPELINE, *args], cwd=REPO, check=False)
    if done.returncode != 0:
        console.print(f"[bold red]demo stopped:[/] `pipeline {args[0]}` exited {done.returncode}")
        raise SystemExit(done.returncode)
    console.print(f"[dim]  ({time.perf_counter() - started:.1f} s)[/]")


def report(release: Path, url: str) -> None:
    """Counts per label and event type, one article in full, and how to reach Label Studio."""
    from datasets import load_dataset

    dataset = load_dataset(str(release))
    console.rule("[bold]demo release, loaded with datasets.load_dataset")
    console.print({split: len(ds) for split, ds in dataset.items()})

    counts: Counter[tuple[str, str]] = Counter()
    articles = []
    for split, ds in dataset.items():
        features = ds.features
        ent_names = features["entities"].feature["label"]
        time_names = features["times"].feature["label"]
        event_names = features["events"].feature["type"]
        for row in ds:
            articles.append((split, row, ent_names, time_names, event_names))
            counts.update(("entity", ent_names.int2str(e["label"])) for e in row["entities"])
            counts.update(("time", time_names.int2str(t["label"])) for t in row["times"])
            counts.update(("event", event_names.int2str(e["type"])) for e in row["events"])

    table = Table(title="labels in the demo release")
    for column in ("kind", "label", "count"):
        table.add_column(column, justify="right" if column == "count" else "left")
    for (kind, label), n in sorted(counts.items()):
        table.add_row(kind, label, str(n))
    console.print(table)

    split, row, ent_names, time_names, event_names = max(
        articles, key=lambda a: len(a[1]["events"])
    )
    text = row["text"]
    console.rule(f"[bold]{row['title'] or row['id']}[/] ({split}, date {row['date']})")
    spans = Table(title="entities and time expressions")
    for column in ("span", "label", "value", "source"):
        spans.add_column(column)
    for e in row["entities"]:
        spans.add_row(text[e["start"] : e["end"]], ent_names.int2str(e["label"]), "", e["source"])
    for t in row["times"]:
        spans.add_row(
            text[t["start"] : t["end"]],
            time_names.int2str(t["label"]),
            t["value"] or "(unresolved)",
            t["source"],
        )
    console.print(spans)
    events = Table(title="events")
    for column in ("trigger", "type", "mode", "arguments", "flags"):
        events.add_column(column)
    for ev in row["events"]:
        args = "; ".join(f"{a['role']}={a['text']}" for a in ev["arguments"])
        flags = ",".join(f for f in ("negated", "hypothetical") if ev[f])
        events.add_row(
            ev["trigger_text"], event_names.int2str(ev["type"]), ev["mode"] or "", args, flags
        )
    console.print(events)

    console.rule("[bold]Label Studio")
    creds = STUDIO_DIR / "credentials.json"
    login = (
        "the LABEL_STUDIO_USERNAME / LABEL_STUDIO_PASSWORD you exported"
        if os.environ.get("LABEL_STUDIO_USERNAME")
        else f"the username and password kept (mode 0600) in {creds.relative_to(REPO)}"
    )
    console.print(f"URL: {url}   project: {PROJECT!r}   log in with {login}")


def main() -> None:
    started = time.perf_counter()
    SCRATCH.mkdir(exist_ok=True)
    shutil.rmtree(RELEASES, ignore_errors=True)  # the demo release is cut anew every run
    data = SCRATCH / "data"
    port = os.environ.get("LABEL_STUDIO_PORT", "8080")
    url = f"http://127.0.0.1:{port}"
    studio = ["--data-dir", str(STUDIO_DIR)]

    run(
        "normalize",
        "demo/articles",
        "--out",
        str(data / "articles.parquet"),
        "--quarantine",
        str(data / "quarantine.jsonl"),
    )
    run("preannotate", str(data / "articles.parquet"), "--out", str(data / "preannotated.parquet"))
    run("studio", "up", "--port", port, *studio)
    try:
        run("studio", "push", str(data / "preannotated.parquet"), "--project", PROJECT, *studio)
        run(
            "studio",
            "pull",
            "--project",
            PROJECT,
            "--out",
            str(data / "annotations.parquet"),
            *studio,
        )
        run(
            "release",
            "cut",
            VERSION,
            "--preannotated",
            str(data / "preannotated.parquet"),
            "--annotations",
            str(data / "annotations.parquet"),
            "--releases-dir",
            str(RELEASES),
            "--notes",
            "Demo release of the two sample articles.",
        )
        run("release", "verify", f"v{VERSION}", "--releases-dir", str(RELEASES))
        report(RELEASES / f"v{VERSION}", url)
    finally:
        if os.environ.get("KEEP_STUDIO") == "1":
            console.print(
                f"Label Studio keeps running at {url} (stop it: "
                f"pipeline studio down --data-dir {STUDIO_DIR.relative_to(REPO)})"
            )
        else:
            run("studio", "down", *studio)
    console.print(f"[bold green]demo done[/] in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
