"""The single definition of every record that flows through the pipeline.

Each record type is a dataclass. The pyarrow schema and the ``datasets.Features`` are
*derived* from the dataclass type hints (``arrow_schema`` / ``features``), never written a
second time, so a field added here reaches Parquet files, the Hugging Face card and the
loaders at once. Offsets everywhere are ``[start, end)`` in Python characters over the
stored, normalized ``Article.text``; no stage may change that text after normalize.
"""

from __future__ import annotations

import dataclasses
import hashlib
import types
import typing
from dataclasses import dataclass, field
from functools import cache
from typing import Any, NotRequired, TypedDict, TypeVar, Union, get_args, get_origin, get_type_hints

import pyarrow as pa

#: Written into the Parquet key-value metadata of every file. Readers take this version and
#: older minor versions of the same major that lack only optional fields (1.2.0 added
#: ``author``); they refuse every other version.
SCHEMA_VERSION = "1.2.0"
SCHEMA_VERSION_KEY = b"pipeline.schema_version"
RECORD_TYPE_KEY = b"pipeline.record_type"


# --------------------------------------------------------------------------- normalize
@dataclass(frozen=True)
class Span:
    """A ``[start, end)`` character span of the stored text (a paragraph or a heading)."""

    start: int
    end: int


@dataclass(frozen=True)
class Source:
    """Where an article's bytes came from and what was done to turn them into text."""

    path: str
    sha256: str
    encoding: str
    repairs: list[str] = field(default_factory=list)
    line: int | None = None
    url: str | None = None


@dataclass(frozen=True)
class Article:
    """One normalized article: final text, metadata, structure and duplicate grouping."""

    id: str
    text: str
    title: str | None
    date: str | None
    date_error: str | None
    language: str
    language_score: float
    language_flag: bool
    paragraphs: list[Span]
    headings: list[Span]
    outlet: str | None
    #: the byline as the container states it (several names joined by "; "), else None
    author: str | None
    source: Source
    duplicates: list[Source] = field(default_factory=list)
    near_duplicate_of: str | None = None
    story_id: str | None = None
    #: normalize's near-duplicate MinHash of the text (its ``num_perm`` uint32 values,
    #: little-endian), kept so that later checks (the release's cross-split one) compare
    #: articles without shingling every text again; None for text that skipped normalize
    minhash: bytes | None = None


@dataclass(frozen=True)
class QuarantineEntry:
    """An input that could not become a record, with the one-line reason."""

    stage: str
    path: str
    reason: str
    line: int | None = None
    record_id: str | None = None


# ------------------------------------------------------------------------ pre-annotation
@dataclass(frozen=True)
class Entity:
    """A named entity span. ``source`` names the model (with version) or the annotator."""

    id: str
    start: int
    end: int
    label: str
    text: str
    source: str
    score: float | None = None


@dataclass(frozen=True)
class TimeExpression:
    """A DATE or TIME span with its ISO 8601 ``value`` resolved against the article date.

    ``value`` is None when the expression could not be resolved (e.g. a relative date in an
    undated article): an unresolved value is information, an invented one is an error.
    """

    id: str
    start: int
    end: int
    label: str
    text: str
    value: str | None
    source: str
    score: float | None = None


@dataclass(frozen=True)
class Argument:
    """An event argument: a role filled by a span, linked to an entity or time id if any."""

    role: str
    start: int
    end: int
    text: str
    ref: str | None = None


@dataclass(frozen=True)
class Event:
    """A typed event (PLOVER type) with its trigger span, optional mode and arguments."""

    id: str
    type: str
    trigger_start: int
    trigger_end: int
    trigger_text: str
    mode: str | None
    arguments: list[Argument]
    negated: bool
    hypothetical: bool
    source: str
    score: float | None = None


@dataclass(frozen=True)
class PreannotatedArticle(Article):
    """An article with its machine labels; ``model_version`` names the whole annotator chain."""

    entities: list[Entity] = field(default_factory=list)
    times: list[TimeExpression] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    model_version: str | None = None
    taxonomy_version: str | None = None


def bare_article(article_id: str, text: str, **fields: Any) -> PreannotatedArticle:
    """A well-formed article around ``text``: French, one paragraph, no labels unless given.

    For text that did not come through normalize (gold evaluation files, tests, benchmarks),
    so that such code states only what matters to it; ``fields`` override any default.
    """
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    defaults: dict[str, Any] = {
        "title": None,
        "date": None,
        "date_error": None,
        "language": "fr",
        "language_score": 1.0,
        "language_flag": False,
        "paragraphs": [Span(0, len(text))],
        "headings": [],
        "outlet": None,
        "author": None,
        "source": Source(path=article_id, sha256=digest, encoding="utf-8"),
    }
    return PreannotatedArticle(id=article_id, text=text, **{**defaults, **fields})


# ------------------------------------------------------------------- human annotations
@dataclass(frozen=True)
class Annotation:
    """One Label Studio annotation of one article, pulled back as a snapshot row.

    ``status`` is ``submitted``, ``draft`` or ``cancelled``; ``errors`` holds record-level
    problems (e.g. a span whose text disagrees with the article) instead of silently
    shifting anything.
    """

    annotation_id: int
    task_id: int
    article_id: str
    status: str
    annotator_id: int | None
    annotator_email: str | None
    created_at: str | None
    updated_at: str | None
    lead_time: float | None
    was_cancelled: bool
    ground_truth: bool
    model_version: str | None
    unusable: bool
    entities: list[Entity]
    times: list[TimeExpression]
    events: list[Event]
    errors: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------- releases
@dataclass(frozen=True)
class ReleaseRecord:
    """One article in a release, with its final labels and how they were verified."""

    id: str
    text: str
    title: str | None
    date: str | None
    language: str
    outlet: str | None
    author: str | None
    url: str | None
    story_id: str
    paragraphs: list[Span]
    headings: list[Span]
    entities: list[Entity]
    times: list[TimeExpression]
    events: list[Event]
    verified: bool
    annotators: list[str]
    model_version: str | None


class FileEntry(TypedDict):
    """One file of a release in its manifest: size, rows (None for the card), checksum."""

    bytes: int
    rows: int | None
    sha256: str


class SplitEntry(TypedDict):
    """One split of a release in its manifest."""

    records: int
    stories: int
    files: list[str]


class ReleaseManifest(TypedDict):
    """``manifest.json`` of a release: what was cut from what, with which settings, and the
    checksum of every file. Written by ``release.cut``, read by the card, the changelog,
    ``verify``, ``list``, ``publish`` and the reader; a JSON object, typed here so that a
    key read anywhere is checked against the one written."""

    version: str
    previous: str | None
    schema_version: str
    record_type: str
    #: ``version`` and ``fingerprint`` of the taxonomy the labels follow
    taxonomy: dict[str, str]
    #: per input (``preannotated``, ``annotations``, ``reviews``, ``agreement``): name, sha256, rows
    inputs: dict[str, dict[str, Any] | None]
    #: the ``release`` section of params.yaml, as used
    params: dict[str, Any]
    split_names: NotRequired[list[str]]  # absent from early releases: ``splits`` order then
    splits: dict[str, SplitEntry]
    #: the near-duplicate check: threshold, num_perm, shingle_size, pairs, merged stories...
    split_check: dict[str, Any]
    #: ``CutStats.as_dict()``
    stats: dict[str, Any]
    #: file path in the release folder → its entry (the manifest itself excepted)
    files: dict[str, FileEntry]
    notes: NotRequired[str | None]
    date: NotRequired[str | None]
    verified_only: NotRequired[bool]
    #: figures against the previous release (or the first release's totals)
    changes: NotRequired[dict[str, Any]]
    #: who settled the human labels: merge strategy, rule counts, agreement per label
    adjudication: NotRequired[dict[str, Any]]


# ------------------------------------------------------------------ derived structures
R = TypeVar("R")

_SCALARS: dict[type, pa.DataType] = {
    str: pa.string(),
    int: pa.int64(),
    float: pa.float64(),
    bool: pa.bool_(),
    bytes: pa.binary(),
}


def _arrow_type(hint: Any) -> tuple[pa.DataType, bool]:
    """Map one type hint to (arrow type, whether the hint is Optional)."""
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(hint) if a is not type(None)]
        if len(args) != 1:
            raise TypeError(f"unsupported union {hint!r}")
        return _arrow_type(args[0])[0], True
    if origin is list:
        (item,) = get_args(hint)
        item_type, _ = _arrow_type(item)
        return pa.list_(item_type), False
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return pa.struct(_fields(hint)), False
    if hint in _SCALARS:
        return _SCALARS[hint], False
    raise TypeError(f"unsupported type {hint!r}")


def _fields(cls: type) -> list[pa.Field]:
    # Every Arrow field is nullable, as in the schema ``datasets`` derives from Features, so
    # the two agree exactly; required values are enforced by the dataclass constructors.
    hints = get_type_hints(cls)
    return [pa.field(f.name, _arrow_type(hints[f.name])[0]) for f in dataclasses.fields(cls)]


@cache
def optional_fields(cls: type) -> frozenset[str]:
    """The fields of a record type whose hint admits None: the ones a file of an older
    schema version may lack (a reader fills them with nulls)."""
    hints = get_type_hints(cls)
    return frozenset(f.name for f in dataclasses.fields(cls) if _arrow_type(hints[f.name])[1])


@cache
def arrow_schema(cls: type) -> pa.Schema:
    """The pyarrow schema of a record type, with the schema version in its metadata."""
    return pa.schema(
        _fields(cls),
        metadata={
            SCHEMA_VERSION_KEY: SCHEMA_VERSION.encode(),
            RECORD_TYPE_KEY: cls.__name__.encode(),
        },
    )


def features(cls: type) -> Any:
    """The ``datasets.Features`` of a record type, derived from its Arrow schema.

    Imported lazily: ``datasets`` is heavy and most stages never need it.
    """
    from datasets import Features

    return Features.from_arrow_schema(arrow_schema(cls))


@cache
def _converters(cls: type) -> tuple[tuple[str, Any], ...]:
    """Per-field functions turning a plain value (from Arrow/JSON) into the typed value."""
    hints = get_type_hints(cls)
    return tuple((f.name, _converter(hints[f.name])) for f in dataclasses.fields(cls))


def _converter(hint: Any) -> Any:
    """The function making a typed value of a plain one, or None where the plain value is
    already it (scalars): from_row then copies it without a call."""
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        inner = _converter(next(a for a in get_args(hint) if a is not type(None)))
        return None if inner is None else (lambda v: None if v is None else inner(v))
    if origin is list:
        inner = _converter(get_args(hint)[0])
        return list if inner is None else (lambda v: [inner(x) for x in v])
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return lambda v: from_row(hint, v)
    return None


@cache
def _field_names(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(cls))


def from_row(cls: type[R], row: typing.Mapping[str, Any]) -> R:
    """Build a record from a dict such as a row of ``Table.to_pylist()``.

    Missing fields with defaults take their default; unknown keys are an error, because a
    silently dropped field is lost data.
    """
    kind: type = cls  # the caches key on the class
    if not _field_names(kind).issuperset(row):
        unknown = set(row) - _field_names(kind)
        raise ValueError(f"{cls.__name__}: unknown field(s) {', '.join(sorted(unknown))}")
    kwargs = {
        name: row[name] if conv is None else conv(row[name])
        for name, conv in _converters(kind)
        if name in row
    }
    return cls(**kwargs)


@cache
def _nested(cls: type) -> tuple[tuple[str, bool], ...]:
    """Each field of a record type and whether its values may hold records (lists or
    dataclasses) that ``to_row`` must turn into plain values."""
    hints = get_type_hints(cls)
    return tuple(
        (f.name, not (hints[f.name] in _SCALARS or _optional_scalar(hints[f.name])))
        for f in dataclasses.fields(cls)
    )


def _optional_scalar(hint: Any) -> bool:
    if get_origin(hint) not in (Union, types.UnionType):
        return False
    return all(a in _SCALARS or a is type(None) for a in get_args(hint))


def to_row(record: Any) -> dict[str, Any]:
    """A record as a plain dict (nested dataclasses become dicts), ready for Arrow or JSON.

    Hand-rolled rather than ``dataclasses.asdict``, which deep-copies every value and is
    several times slower on records with hundreds of spans; scalar fields are copied as
    they are, since the cut converts tens of thousands of spans this way.
    """
    return {
        name: _plain(getattr(record, name)) if nested else getattr(record, name)
        for name, nested in _nested(record.__class__)
    }


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if dataclasses.is_dataclass(value):
        return to_row(value)
    return value
