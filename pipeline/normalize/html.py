"""A news web page to its article: main text, title, date, canonical URL, outlet, author.

trafilatura finds the main text and the page's metadata (``og:title``, the canonical link,
the site name, the author from ``<meta name="author">``, JSON-LD ``author`` or the byline)
and calls htmldate for the day of publication. Around them, four things the libraries do
not know about news pages:

- Before any extraction, the page is pruned of what is not the page's own (``prune_xpaths``
  in params.yaml: web-archive toolbars, consent layers, paywall teasers, newsletter forms,
  related-article blocks, "most read" sidebars), so that neither the text nor htmldate sees
  them; a toolbar's capture dates or a sidebar's ``<time>`` tags are not the article's date.
  trafilatura's own guard applies: a rule that would remove most of the page removes
  nothing.
- htmldate decides the day but keeps no time or zone; when the page's own metadata
  (``article:published_time``, JSON-LD ``datePublished``, ``itemprop``/``<time>``) gives the
  same day with a time, that value is kept instead (``2016-01-01T08:00+01:00``).
- A page whose text holds no prose (a front-end template, a section index of headlines) is
  not an article: ``NO_ARTICLE`` says so, the caller quarantines it.
- trafilatura takes a byline's English or German "By" off the names, not the French
  "Par", nor splits names joined by "et": ``Par Anne Roy et Luc Petit`` becomes
  ``Anne Roy; Luc Petit``, trafilatura's own way of listing several authors.

No network: trafilatura and htmldate get the parsed tree, never a URL to fetch.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from configparser import ConfigParser
from dataclasses import dataclass
from functools import cache
from typing import Any

from lxml.etree import XPath
from lxml.html import HtmlElement

from pipeline.normalize.bylines import split_authors
from pipeline.normalize.dates import parse_date

NO_ARTICLE = "no article text (template or index page)"
# Where pages state their own publication moment, most specific first.
_DATE_XPATHS = (
    '//meta[@property="article:published_time"]/@content',
    '//meta[@itemprop="datePublished"]/@content',
    '//*[@itemprop="datePublished"]/@datetime',
    "//article//time/@datetime",
)
# A Wayback Machine copy names the original page after its own prefix (trafilatura may
# have folded the original's `//` into one slash).
_ARCHIVED = re.compile(r"https?://web\.archive\.org/web/\d{1,14}[a-z_]*/(https?:)/+")
# A prose line holds the end of a sentence; template code (``{{ title }}``, ``{% for %}``)
# is not prose.
_SENTENCE_END = re.compile(r"[.!?…][»\"”)]?(?:\s|\Z)")
_TEMPLATE_CODE = re.compile(r"\{\{|\{%|<%|\$\{")


class HtmlError(ValueError):
    """A page that holds no article; the message is the one-line reason."""


@dataclass(frozen=True)
class HtmlArticle:
    """The article found in a page."""

    text: str
    title: str | None
    date: str | None
    url: str | None
    outlet: str | None
    author: str | None


def read_html(
    html: str,
    prune_xpaths: tuple[str, ...],
    read_also: re.Pattern[str],
    min_words: int,
    fallback_below: int,
) -> HtmlArticle:
    """The page's article, or ``HtmlError`` when it has none.

    ``read_also`` matches the lines of extracted text that only point to other articles
    ("Lire aussi - …"), ``min_words`` is the least prose an article has, and trafilatura
    turns to its fallback extractors (which flatten paragraphs) only below
    ``fallback_below`` characters of main text: its default (250) sends short dispatches
    there once the boilerplate is gone.
    """
    import trafilatura
    from trafilatura.htmlprocessing import prune_unwanted_nodes
    from trafilatura.utils import load_html

    tree = load_html(html)
    if tree is None:
        raise HtmlError("unparseable HTML (no document tree)")
    tree = prune_unwanted_nodes(tree, _compiled(prune_xpaths), with_backup=True)
    try:
        doc = trafilatura.bare_extraction(
            tree,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            # the day only from the page's markup and text, never the "latest" guess
            date_extraction_params={"original_date": True, "extensive_search": True},
            config=_trafilatura_config(fallback_below),
        )
    except (ValueError, TypeError) as exc:  # lxml rejects some inputs outright
        raise HtmlError(f"unparseable HTML ({exc})") from exc
    if doc is None or isinstance(doc, dict) or not doc.text or not doc.text.strip():
        raise HtmlError(NO_ARTICLE)
    lines = [x for x in doc.text.split("\n") if not read_also.match(x.strip())]
    prose = sum(
        len(x.split()) for x in lines if _SENTENCE_END.search(x) and not _TEMPLATE_CODE.search(x)
    )
    if prose < min_words:
        raise HtmlError(NO_ARTICLE)
    return HtmlArticle(
        "\n".join(lines),
        title=doc.title or None,
        date=_precise(tree, doc.date) if doc.date else None,
        url=_ARCHIVED.sub(r"\1//", doc.url) if doc.url else None,
        outlet=doc.sitename or None,
        author=split_authors(doc.author) if doc.author else None,
    )


@cache
def _compiled(xpaths: tuple[str, ...]) -> list[XPath]:
    # NormalizeConfig.from_params has checked that each compiles
    return [XPath(x) for x in xpaths]


@cache
def _trafilatura_config(fallback_below: int) -> ConfigParser:
    from trafilatura.settings import use_config

    config = use_config()
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", str(fallback_below))
    return config


def _precise(tree: HtmlElement, day: str) -> str:
    """The page's own timestamp for htmldate's ``day`` when one states that day with a
    time (and zone), else the day."""
    for value in _stated_dates(tree):
        parsed = parse_date(value).date
        if parsed is not None and parsed.startswith(day) and len(parsed) > len(day):
            return parsed
    return day


def _stated_dates(tree: HtmlElement) -> Iterator[str]:
    for path in _DATE_XPATHS:
        yield from (str(v) for v in tree.xpath(path))
    for script in tree.xpath('//script[@type="application/ld+json"]/text()'):
        try:
            yield from _json_ld_dates(json.loads(script))
        except json.JSONDecodeError:
            continue


def _json_ld_dates(data: Any) -> Iterator[str]:
    """``datePublished`` values anywhere in a JSON-LD block (top level, lists, ``@graph``)."""
    if isinstance(data, list):
        for item in data:
            yield from _json_ld_dates(item)
    elif isinstance(data, dict):
        if isinstance(data.get("datePublished"), str):
            yield data["datePublished"]
        for value in data.values():
            if isinstance(value, list | dict):
                yield from _json_ld_dates(value)
