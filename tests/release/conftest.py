"""Release inputs written as the stages would, and the shared record builders
(``tests/builders.py``) handed to this folder's test modules."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest

from pipeline.io import write_records
from pipeline.schema import Annotation, PreannotatedArticle
from tests.builders import article_text, entity, event, make_annotation, make_article, time


@pytest.fixture
def write_inputs(tmp_path: Path) -> Callable[..., tuple[Path, Path | None]]:
    """Write articles (and annotations) as the stages would; return their paths."""

    def write(
        articles: list[PreannotatedArticle],
        annotations: list[Annotation] | None = None,
        name: str = "in",
    ) -> tuple[Path, Path | None]:
        pre = tmp_path / f"{name}-preannotated.parquet"
        write_records(pre, articles, PreannotatedArticle)
        ann = None
        if annotations is not None:
            ann = tmp_path / f"{name}-annotations.parquet"
            write_records(ann, annotations, Annotation)
        return pre, ann

    return write


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """Run ``pipeline ARGS`` in-process through ``main`` (one-line errors, exit codes)."""
    from pipeline.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["pipeline", *map(str, args)])
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


@pytest.fixture(scope="session")
def rb() -> SimpleNamespace:
    """The shared record builders (test modules cannot import conftest in importlib mode)."""
    return SimpleNamespace(
        entity=entity,
        time=time,
        event=event,
        make_article=make_article,
        make_annotation=make_annotation,
        article_text=article_text,
    )


def base_inputs() -> tuple[list[PreannotatedArticle], list[Annotation]]:
    """60 articles in 30 two-article stories (two without story id), with annotations
    covering every gold rule, and three machine labels a release must not keep as tokens
    or at all: a misaligned span (kept, not token-aligned), a span that does not slice
    the text and a label outside the taxonomy (both dropped)."""
    arts = [make_article(i, story=f"s{i // 2:03d}") for i in range(60)]
    arts[20] = make_article(20, story="")  # empty story id: the article is its own story
    arts[21] = make_article(21, story_id=None)
    from dataclasses import replace

    a10, a11, a12 = arts[10], arts[11], arts[12]
    bad_span = replace(a10.entities[0], id="bad", start=0, end=3, text="xyz")
    arts[10] = replace(a10, entities=[*a10.entities, bad_span])
    arts[11] = replace(a11, entities=[*a11.entities, replace(a11.entities[0], id="x", label="FOO")])
    person = a12.entities[0]  # its name minus the last letter: slices, not token-aligned
    arts[12] = replace(
        a12,
        entities=[
            *a12.entities,
            replace(person, id="mis", end=person.end - 1, text=person.text[:-1]),
        ],
    )
    per0 = arts[2].entities[0]
    org = entity(arts[2].text, per0.text, "ORG")
    anns = [
        make_annotation(1, arts[0], 7),
        make_annotation(2, arts[1], 8, ground_truth=True),
        make_annotation(3, arts[1], 9, updated_at="2025-05-01T00:00:00Z"),
        make_annotation(4, arts[2], 7, updated_at="2025-04-01T00:00:00Z"),
        make_annotation(5, arts[2], 8, updated_at="2025-04-02T00:00:00Z"),
        make_annotation(6, arts[2], 9, entities=[org], updated_at="2025-04-03T00:00:00Z"),
        make_annotation(7, arts[3], 7, status="draft"),
        make_annotation(8, arts[4], 7, status="cancelled"),
        make_annotation(9, arts[5], 7, unusable=True),
    ]
    return arts, anns


@pytest.fixture(scope="session")
def base_release(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """One release v1.0.0 cut once for the session; tests that change it copy it first."""
    from pipeline.release.cut import cut

    root = tmp_path_factory.mktemp("base")
    arts, anns = base_inputs()
    pre, ann = root / "preannotated.parquet", root / "annotations.parquet"
    write_records(pre, arts, PreannotatedArticle)
    write_records(ann, anns, Annotation)
    result = cut("1.0.0", pre, ann, root / "releases", notes="First cut.")
    return SimpleNamespace(
        root=root,
        pre=pre,
        ann=ann,
        releases=root / "releases",
        folder=result.folder,
        result=result,
        articles={a.id: a for a in arts},
        annotations=anns,
    )
