"""The order tasks are created in: ``studio push --order uncertain`` (active learning).

Label Studio hands out tasks in creation order by default, so the push's order is the
annotators' order. With ``uncertain``, the articles the machine is least sure of come first:
an article's uncertainty is 1 minus the LOWEST score among its entities, because one doubtful
entity is enough for the article to need a human (a mean would let many easy names hide it).
The uncertain-first head holds at most one article per story, so the first hours of work
cover as many different stories as possible; the story's other articles follow, in the same
order. Articles without any scored entity have nothing to rank them by and come last, in
their input order. Ties break on the article id, so the order is a function of the values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Ranked:
    """What ordering needs of an article: its id, its story, its entities' scores."""

    article_id: str
    story_id: str | None
    scores: Sequence[float | None]


def uncertainty(scores: Sequence[float | None]) -> float | None:
    """1 - the lowest entity score; None when no entity has a score."""
    known = [s for s in scores if s is not None]
    return 1.0 - min(known) if known else None


def uncertain_first(articles: Iterable[Ranked]) -> list[str]:
    """Article ids, most uncertain first, at most one per story in that head."""
    items = list(articles)
    scored = [(u, a) for a in items if (u := uncertainty(a.scores)) is not None]
    scored.sort(key=lambda pair: (-pair[0], pair[1].article_id))
    head: list[str] = []
    rest: list[str] = []
    stories: set[str] = set()
    for _, article in scored:
        story = article.story_id or article.article_id
        (rest if story in stories else head).append(article.article_id)
        stories.add(story)
    unscored = [a.article_id for a in items if uncertainty(a.scores) is None]
    return head + rest + unscored
