"""Readers: one raw input item (file bytes or a JSON line) to a ``Document``.

``.txt`` holds one article; each line of ``.jsonl`` is an object with ``text`` and optional
``title``, ``date``, ``url``, ``source`` (the outlet) and ``author``; ``.html`` pages go
through ``html.read_html`` (trafilatura and htmldate), which keeps the article's text and
finds its title, date, canonical URL, site name and author.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import PurePath
from typing import Any

from pipeline.normalize.config import NormalizeConfig
from pipeline.normalize.decode import DecodeError, decode
from pipeline.normalize.html import HtmlError, read_html

HTML_SUFFIXES = (".html", ".htm")
JSONL_SUFFIXES = (".jsonl",)


class ReaderError(ValueError):
    """An input item that cannot become a document; the message is the one-line reason."""


@dataclass(frozen=True)
class Document:
    """Decoded (not yet repaired) text with the metadata its container gave."""

    text: str
    encoding: str
    repairs: tuple[str, ...]
    title: str | None = None
    #: the date as the container gave it (a JSON line may hold any type); the core parses it
    date: object = None
    url: str | None = None
    outlet: str | None = None
    author: str | None = None


def read_document(path: str, data: bytes, config: NormalizeConfig) -> Document:
    """Turn raw bytes into a document according to the file type, or raise ``ReaderError``."""
    suffix = PurePath(path).suffix.lower()
    try:
        decoded = decode(data)
    except DecodeError as exc:
        raise ReaderError(str(exc)) from exc
    if suffix in JSONL_SUFFIXES:
        return _from_json(decoded.text, decoded.encoding, decoded.repairs)
    if suffix in HTML_SUFFIXES:
        return _from_html(decoded.text, decoded.encoding, decoded.repairs, config)
    return Document(decoded.text, decoded.encoding, decoded.repairs)


def _string_field(obj: dict[str, Any], name: str, ignored: list[str]) -> str | None:
    """A field's string, None when absent or blank. A value of another type is left out and
    named in ``ignored`` (it becomes a repair): a bad field never costs the article its text."""
    value = obj.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        ignored.append(f"ignored-field:{name}")
        return None
    return value


def _from_json(line: str, encoding: str, repairs: tuple[str, ...]) -> Document:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ReaderError(f"broken JSON line ({exc.msg} at column {exc.colno})") from exc
    if not isinstance(obj, dict):
        raise ReaderError("JSON line is not an object")
    text = obj.get("text")
    if text is not None and not isinstance(text, str):
        raise ReaderError(f"field 'text' is not a string ({type(text).__name__})")
    if text is None or not text.strip():
        raise ReaderError("JSON line has no 'text'")
    ignored: list[str] = []
    title = _string_field(obj, "title", ignored)
    url = _string_field(obj, "url", ignored)
    outlet = _string_field(obj, "source", ignored)
    author = _string_field(obj, "author", ignored)
    date = obj.get("date")
    if isinstance(date, str) and not date.strip():
        date = None
    return Document(
        text,
        encoding,
        (*repairs, *ignored),
        title=title,
        date=date,
        url=url,
        outlet=outlet,
        author=author,
    )


def _from_html(
    html: str, encoding: str, repairs: tuple[str, ...], config: NormalizeConfig
) -> Document:
    try:
        page = read_html(
            html,
            config.html_prune_xpaths,
            _line_pattern(config.html_read_also),
            config.html_min_article_words,
            config.html_fallback_below_chars,
        )
    except HtmlError as exc:
        raise ReaderError(str(exc)) from exc
    return Document(
        page.text,
        encoding,
        repairs,
        title=page.title,
        date=page.date,
        url=page.url,
        outlet=page.outlet,
        author=page.author,
    )


@cache
def _line_pattern(prefixes: tuple[str, ...]) -> re.Pattern[str]:
    """A line opening with one of ``prefixes`` (any case) followed by a word boundary."""
    return re.compile("(?:" + "|".join(map(re.escape, prefixes)) + r")\b", re.IGNORECASE)
