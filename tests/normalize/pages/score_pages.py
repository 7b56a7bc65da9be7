"""Score the normalize stage on the news-page set against ``gold.jsonl``.

Figures, per the issue that asked for them: title right (exact), date right (same day),
author right (exact, null where the page states none), pages whose text keeps boilerplate
(any listed phrase), articles lost (quarantined, or a paragraph missing from the text) and
non-article pages quarantined. The baseline row is trafilatura's ``bare_extraction`` with
its defaults, metadata on: what the stage did before.
Run from the repository root: ``python tests/normalize/pages/score_pages.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
NO_ARTICLE = "no article text (template or index page)"


@dataclass(frozen=True)
class Outcome:
    """What a system made of one page: None for a page it left out."""

    title: str | None
    date: str | None
    url: str | None
    text: str | None
    author: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Scores:
    articles: int
    title_right: int
    date_right: int
    url_right: int
    author_right: int
    with_boilerplate: list[str]
    lost: list[str]
    non_articles: int
    non_articles_out: int


def gold() -> list[dict]:
    return [json.loads(x) for x in (HERE / "gold.jsonl").read_text("utf-8").splitlines()]


def score(system: Callable[[str, bytes], Outcome]) -> Scores:
    """Run ``system`` (path, bytes) on every page and count against the gold."""
    title = date = url = author = non_out = 0
    boiler: list[str] = []
    lost: list[str] = []
    records = gold()
    for record in records:
        outcome = system(record["page"], (HERE / record["page"]).read_bytes())
        if not record["article"]:
            non_out += outcome.text is None
            continue
        if outcome.text is None:
            lost.append(record["page"])
            continue
        title += outcome.title == record["title"]
        date += (outcome.date or "")[:10] == record["date"]
        url += outcome.url == record["url"]
        author += outcome.author == record["author"]
        if any(p not in outcome.text for p in record["paragraphs"]):
            lost.append(record["page"])
        if any(b.lower() in outcome.text.lower() for b in record["boilerplate"]):
            boiler.append(record["page"])
    articles = sum(r["article"] for r in records)
    return Scores(
        articles, title, date, url, author, boiler, lost, len(records) - articles, non_out
    )


def ours(path: str, data: bytes) -> Outcome:
    from pipeline.io import RawInput
    from pipeline.normalize.config import NormalizeConfig
    from pipeline.normalize.core import normalize_item
    from pipeline.schema import QuarantineEntry

    result = normalize_item(RawInput(path, data=data), NormalizeConfig.from_params())
    if isinstance(result, QuarantineEntry):
        return Outcome(None, None, None, None, reason=result.reason)
    return Outcome(result.title, result.date, result.source.url, result.text, result.author)


def baseline(path: str, data: bytes) -> Outcome:
    import trafilatura

    doc = trafilatura.bare_extraction(data.decode("utf-8"), with_metadata=True)
    if doc is None or not (doc.text or "").strip():
        return Outcome(None, None, None, None)
    return Outcome(doc.title, doc.date, doc.url, doc.text, doc.author)


def main() -> None:
    print(
        "system   | title right | date right | URL right | author right | boilerplate | lost"
        " | non-articles out"
    )
    for name, system in (("baseline", baseline), ("ours", ours)):
        s = score(system)
        print(
            f"{name:8} | {s.title_right}/{s.articles} | {s.date_right}/{s.articles}"
            f" | {s.url_right}/{s.articles} | {s.author_right}/{s.articles}"
            f" | {len(s.with_boilerplate)} {s.with_boilerplate} | {len(s.lost)} {s.lost}"
            f" | {s.non_articles_out}/{s.non_articles}"
        )


if __name__ == "__main__":
    main()
