"""The schema module is the one source: Arrow schema, Features and rows must agree."""

from __future__ import annotations

import pyarrow as pa
import pytest

from pipeline import schema
from pipeline.schema import (
    Annotation,
    Article,
    Entity,
    PreannotatedArticle,
    ReleaseRecord,
    Source,
    Span,
    arrow_schema,
    features,
    from_row,
    to_row,
)

RECORD_TYPES = [Article, PreannotatedArticle, Annotation, ReleaseRecord, schema.QuarantineEntry]


@pytest.mark.parametrize("cls", RECORD_TYPES, ids=lambda c: c.__name__)
def test_features_and_arrow_schema_agree(cls: type) -> None:
    arrow = arrow_schema(cls)
    feats = features(cls)
    assert list(feats) == [f.name for f in arrow]
    # datasets derives the same Arrow types back from the Features
    assert feats.arrow_schema.remove_metadata() == arrow.remove_metadata()
    assert arrow.metadata[schema.SCHEMA_VERSION_KEY] == schema.SCHEMA_VERSION.encode()


def test_nested_types_are_mapped() -> None:
    arrow = arrow_schema(Article)
    assert arrow.field("paragraphs").type == pa.list_(
        pa.struct([("start", pa.int64()), ("end", pa.int64())])
    )
    assert arrow.field("source").type.field("repairs").type == pa.list_(pa.string())


def test_row_round_trip() -> None:
    article = PreannotatedArticle(
        id="a1",
        text="La France",
        title=None,
        date="2025-09-19",
        date_error=None,
        language="fr",
        language_score=0.99,
        language_flag=False,
        paragraphs=[Span(0, 9)],
        headings=[],
        outlet=None,
        author="Anne Roy; Luc Petit",
        source=Source(path="x.txt", sha256="0" * 64, encoding="utf-8", repairs=["nfc"]),
        entities=[
            Entity(id="e1", start=3, end=9, label="LOC", text="France", source="t", score=0.9)
        ],
    )
    row = to_row(article)
    assert row["entities"][0]["text"] == "France"
    assert row["source"]["repairs"] == ["nfc"]
    assert from_row(PreannotatedArticle, row) == article
    table = pa.Table.from_pylist([row], schema=arrow_schema(PreannotatedArticle))
    assert from_row(PreannotatedArticle, table.to_pylist()[0]) == article


def test_unknown_field_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown field"):
        from_row(Span, {"start": 0, "end": 1, "label": "x"})


def test_author_is_an_optional_string_carried_to_the_release() -> None:
    assert "author" in schema.optional_fields(Article)
    assert "text" not in schema.optional_fields(Article)
    for cls in (Article, PreannotatedArticle, ReleaseRecord):
        assert arrow_schema(cls).field("author").type == pa.string()
        assert features(cls)["author"].dtype == "string"
