"""Label Studio push and pull at 10,000 articles, next to baselines measured in the same run.

- push baseline: one ``import_tasks`` call with the same 10,000 tasks, no idempotence check;
- push: ``push_articles`` from the Parquet file (listing, conversion, batches of 1,000);
- re-push: the same push again, which must import nothing;
- pull baseline: the synchronous JSON export of a project with 10,000 annotations;
- pull: the paged ``pull`` of the same project into Parquet.

Targets (DEVELOPERS.md / issue 5): push within 1.5x the baseline, re-push under 10 % of push.
A fresh managed server is started for the run (first start migrates: about a minute).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import tempfile
import time
from pathlib import Path

from pipeline.io import read_records, write_records
from pipeline.schema import (
    Annotation,
    Argument,
    Entity,
    Event,
    PreannotatedArticle,
    TimeExpression,
    bare_article,
)
from pipeline.studio import server
from pipeline.studio.client import Studio, Target
from pipeline.studio.command import parquet_source
from pipeline.studio.convert import to_task
from pipeline.studio.pull import PullStats, full_rows
from pipeline.studio.push import ensure_project, push_articles
from pipeline.studio.settings import StudioSettings
from pipeline.studio.sync import PushState
from pipeline.taxonomy import load_taxonomy

N = 10_000
SEED = 13
PEOPLE = [
    "Emmanuel Macron",
    "Olaf Scholz",
    "Giorgia Meloni",
    "Pedro Sánchez",
    "Ursula von der Leyen",
]
ORGS = ["Renault", "l'ONU", "la Commission européenne", "Airbus", "le Sénat"]
PLACES = ["Berlin", "Paris", "Bruxelles", "Madrid", "Lyon"]
DATES = [("5 mars 2024", "2024-03-05"), ("mardi", "2024-03-05"), ("12 avril", "2024-04-12")]
FILLER = (
    "Selon les observateurs, la situation reste tendue et les discussions devraient se "
    "poursuivre dans les prochains jours, sans calendrier précis ni engagement chiffré."
)


def make_article(n: int, rng: random.Random) -> PreannotatedArticle:
    """A ~400-word article with about 25 entities, 3 dates and 4 events with arguments."""
    parts: list[str] = []
    entities: list[Entity] = []
    times: list[TimeExpression] = []
    events: list[Event] = []
    pos = 0

    def add(s: str) -> tuple[int, int]:
        nonlocal pos
        parts.append(s)
        start = pos
        pos += len(s)
        return start, pos

    def ent(s: str, label: str) -> Entity:
        a, b = add(s)
        e = Entity(f"e-{n}-{a}", a, b, label, s, "spacy:fr_core_news_md@3.8.0", 0.9)
        entities.append(e)
        return e

    for k in range(8):
        per, org, loc = rng.choice(PEOPLE), rng.choice(ORGS), rng.choice(PLACES)
        add("Le ")
        d_text, d_value = rng.choice(DATES)
        a, b = add(d_text)
        t = TimeExpression(f"t-{n}-{a}", a, b, "DATE", d_text, d_value, "dates:rules@1", 0.8)
        if k < 3:
            times.append(t)
        add(", ")
        actor = ent(per, "PER")
        add(" a ")
        a, b = add("rencontré")
        add(" les dirigeants de ")
        other = ent(org, "ORG")
        add(" à ")
        where = ent(loc, "LOC")
        add(". ")
        if k < 4:
            args = [
                Argument("actor", actor.start, actor.end, actor.text, actor.id),
                Argument("recipient", other.start, other.end, other.text, other.id),
                Argument("location", where.start, where.end, where.text, where.id),
            ]
            events.append(
                Event(
                    f"ev-{n}-{a}",
                    "CONSULT",
                    a,
                    b,
                    "rencontré",
                    "meet",
                    args,
                    False,
                    False,
                    "rules:events@1.0.0",
                    0.6,
                )
            )
        add(FILLER + " " + FILLER + " ")
    text = "".join(parts)
    return bare_article(
        f"bench-{n:06d}",
        text,
        title=f"Article {n}",
        date="2024-03-05",
        outlet="bench",
        story_id=f"s-{n}",
        entities=entities,
        times=times,
        events=events,
        model_version="bench-model@1",
        taxonomy_version="1.0.0",
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _line(name: str, seconds: float, n: int, ratio: str = "") -> None:
    rate = f"{n / seconds:10.0f} tasks/s" if n else " " * 17
    print(f"{name:<44} {seconds:8.2f} s {rate}  {ratio}", flush=True)


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-studio-"))
    settings = StudioSettings.from_params()
    for name in [k for k in os.environ if k.startswith("LABEL_STUDIO_")]:
        del os.environ[name]
    try:
        rng = random.Random(SEED)
        path = work / "preannotated.parquet"
        write_records(path, (make_article(i, rng) for i in range(N)), PreannotatedArticle)
        print(
            f"{N} articles, {path.stat().st_size / 1e6:.1f} MB of Parquet; starting a fresh server"
        )
        t0 = time.perf_counter()
        info = server.start_server(work / "data", _free_port(), settings)
        print(f"server first start: {time.perf_counter() - t0:.1f} s", flush=True)
        creds = server.stored_credentials(work / "data")
        studio = Studio(Target(info.url, creds.api_key), settings)
        studio.check()
        tax = load_taxonomy()
        batch = settings.batch_size

        tasks = [to_task(a) for a in read_records(path, PreannotatedArticle)]
        base_project, _ = ensure_project(studio, "bench-baseline", tax)
        t0 = time.perf_counter()
        studio.import_tasks(base_project["id"], tasks)
        baseline = time.perf_counter() - t0
        _line("baseline: one import_tasks call", baseline, N)

        project, _ = ensure_project(studio, "bench-push", tax)
        state = PushState(work / "data", studio.url, project["id"])
        t0 = time.perf_counter()
        stats = push_articles(studio, project["id"], *parquet_source(path), batch, state)
        push = time.perf_counter() - t0
        assert stats.tasks_imported == N, stats
        ratio = f"{push / baseline:.2f}x baseline (target <= 1.5x)"
        _line("push (list + convert + 1,000-task batches)", push, N, ratio)

        t0 = time.perf_counter()
        again = push_articles(studio, project["id"], *parquet_source(path), batch, state)
        repush = time.perf_counter() - t0
        assert again.tasks_imported == 0 and again.up_to_date == N and again.fast_path, again
        _line("re-push (imports nothing)", repush, N, f"{repush / push:.1%} of push (target < 10%)")
        t0 = time.perf_counter()
        checked = push_articles(studio, project["id"], *parquet_source(path), batch, None)
        full_check = time.perf_counter() - t0
        assert checked.tasks_imported == 0 and checked.up_to_date == N, checked
        _line(
            "re-push --full-check (lists every task)",
            full_check,
            N,
            f"{full_check / push:.1%} of push",
        )

        # 10,000 annotations, made the efficient way: tasks imported with an annotation each
        for task in tasks:
            task["annotations"] = [{"result": task["predictions"][0]["result"], "lead_time": 5.0}]
        ann_project, _ = ensure_project(studio, "bench-pull", tax)
        for i in range(0, N, batch):
            studio.import_tasks(ann_project["id"], tasks[i : i + batch])
        del tasks
        t0 = time.perf_counter()
        with studio.errors("export"):
            chunks = studio.sdk.projects.exports.download_sync(
                ann_project["id"], export_type="JSON"
            )
            exported = len(json.loads(b"".join(chunks)))
        export = time.perf_counter() - t0
        _line("baseline: synchronous JSON export", export, exported)
        t0 = time.perf_counter()
        pull_stats = PullStats()
        out = work / "annotations.parquet"
        rows = write_records(out, full_rows(studio, ann_project["id"], pull_stats), Annotation)
        pull = time.perf_counter() - t0
        assert rows == N and pull_stats.errors_total == 0, pull_stats.as_counts()
        _line("pull (paged, span-checked, to Parquet)", pull, N, f"{pull / export:.2f}x export")
    finally:
        server.stop_server(work / "data", settings)
        shutil.rmtree(work, ignore_errors=True)
